"""The smoke build of the whole book: every chapter executes and the pages render offline."""

import html
import html.parser
import json
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _chapters():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [c["file"] for part in toc["parts"] for c in part["chapters"]]


@pytest.fixture(scope="session")
def html_dir():
    """HTML of the smoke build: made here, or taken from $DNAEXPLAIN_BOOK_HTML."""
    given = os.environ.get("DNAEXPLAIN_BOOK_HTML")
    if given:
        return Path(given).resolve()
    run = subprocess.run(
        ["make", "-s", "book", "PROFILE=smoke"], cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode == 0, f"smoke build failed:\n{run.stdout[-6000:]}\n{run.stderr[-6000:]}"
    return ROOT / "_build" / "smoke" / "_build" / "html"


def test_every_chapter_executed_without_errors(html_dir):
    for chapter in _chapters():
        page = html_dir / f"{chapter}.html"
        assert page.exists(), f"{chapter} was not rendered"
        if not (ROOT / chapter).parent.name == "chapters":
            continue  # prose page, nothing executed
        notebook = json.loads((ROOT / f"{chapter}.ipynb").read_text())
        outputs = [o for c in notebook["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
        assert outputs, f"{chapter} has no outputs: was it executed?"
        assert not [o for o in outputs if o["output_type"] == "error"]


class _Visible(html.parser.HTMLParser):
    """Collects page text outside <script>/<style>, plus image and title."""

    def __init__(self):
        super().__init__()
        self.text, self.images, self.title, self.math = [], 0, "", 0
        self._skip = self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._skip = tag in ("script", "style")
        self._in_title = tag == "title"
        self.images += tag == "img"
        if "MathJax" in (attrs.get("class") or "") or "MathJax" in (attrs.get("id") or ""):
            self.math += 1

    def handle_endtag(self, tag):
        self._skip = self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.text.append(data)


# headless Chromium without network, sync or updates, as every book check runs it
HEADLESS = [
    CHROMIUM,
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _render(page, tmp_path):
    """DOM of ``page`` after its scripts (MathJax) ran in headless Chromium, and a screenshot."""
    flags = [
        *HEADLESS,
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=15000",
        "--window-size=1280,2000",
    ]
    dom = subprocess.run(
        flags + ["--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120
    ).stdout
    subprocess.run(
        flags + [f"--screenshot={tmp_path / (page.stem + '.png')}", page.as_uri()],
        capture_output=True,
        timeout=120,
    )
    parsed = _Visible()
    parsed.feed(dom)
    return parsed


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless check needs Debian's chromium (apt-get install chromium; .ci/run installs it)",
)
@pytest.mark.parametrize("page", ["book/intro", "chapter"])
def test_pages_render_title_images_and_math_offline(html_dir, page, tmp_path):
    name = "book/chapters/00_lrp_primer" if page == "chapter" else page
    parsed = _render(html_dir / f"{name}.html", tmp_path)
    text = "".join(parsed.text)
    assert parsed.title.strip(), "page has no title"
    assert parsed.math > 0, "no MathJax output: math did not render"
    assert "\\(" not in text and "\\[" not in text, "raw TeX left on the page"
    if page == "chapter":
        assert parsed.images > 0, "chapter has no figure"


def test_glossary_resolves_and_chapters_link_to_it(html_dir):
    glossary = (html_dir / "book" / "glossary.html").read_text()
    terms = set(re.findall(r'<dt id="(term-[^"]+)"', glossary))
    assert {"term-LRP", "term-AOPC", "term-mean-drop", "term-JASPAR"} <= terms, sorted(terms)
    linked = {}
    for chapter in _chapters():
        page = (html_dir / f"{chapter}.html").read_text()
        targets = re.findall(r'href="(?:\.\./)*(?:book/)?glossary\.html#(term-[^"]+)"', page)
        missing = set(targets) - terms
        assert not missing, f"{chapter} links to glossary entries that do not exist: {missing}"
        linked[chapter] = set(targets)
    assert linked["book/chapters/00_lrp_primer"], "the primer links no glossary term"
    others = [c for c in linked if c.startswith("book/chapters/") and "00_" not in c and linked[c]]
    assert others, "no chapter besides the primer links a glossary term"


# Injected into a copy of a page: once MathJax has typeset (or at load when a page has no math),
# measures horizontal overflow, figure and table cell widths, then clicks every solution's
# title; writes what it found as JSON into <body data-layout="...">, which --dump-dom returns.
_LAYOUT_JS = r"""
<script>
(function () {
  function name(el) {
    return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (typeof el.className === "string" && el.className ? "." + el.className.trim().split(/\s+/).join(".") : "");
  }
  function clipped(el) {  // inside a box that scrolls or clips sideways
    for (var a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      var o = getComputedStyle(a).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden" || o === "clip") return true;
    }
    return false;
  }
  function hidden(el) {
    var kids = Array.prototype.slice.call(el.children).filter(function (c) {
      return !c.classList.contains("admonition-title"); });
    return kids.length > 0 && kids.every(function (c) {
      var st = getComputedStyle(c);
      return st.visibility === "hidden" || st.display === "none" || c.getBoundingClientRect().height === 0;
    });
  }
  function report() {
    var doc = document.documentElement, width = doc.clientWidth, out = {};
    out.width = width;
    out.scrollWidth = doc.scrollWidth;
    out.offenders = [];
    document.querySelectorAll("body *").forEach(function (el) {
      var r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > width + 1 && getComputedStyle(el).position !== "fixed" &&
          !clipped(el) && out.offenders.length < 10) out.offenders.push(name(el));
    });
    var article = document.querySelector(".bd-article") || document.querySelector("main") || document.body;
    var st = getComputedStyle(article), box = article.getBoundingClientRect();
    var column = box.width - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight);
    out.column = column;
    out.images = [];
    article.querySelectorAll("img").forEach(function (img) {
      var r = img.getBoundingClientRect();
      if (r.width > 0) out.images.push({src: img.getAttribute("src"), width: r.width,
                                        natural: img.naturalWidth});
    });
    // table cells as rendered (not those of typeset math), and the narrowest of them
    out.cells = 0;
    out.narrowCells = [];
    article.querySelectorAll("td, th").forEach(function (cell) {
      if (cell.closest("[class*='MathJax'], [id*='MathJax'], mjx-container")) return;
      var w = cell.getBoundingClientRect().width;
      if (w <= 0) return;  // not shown (a closed dropdown)
      out.cells += 1;
      if (w < 80 && out.narrowCells.length < 10)
        out.narrowCells.push({text: cell.textContent.trim().slice(0, 40), width: Math.round(w)});
    });
    // verdicts of the findings table wholly inside the first screen, the page at its top
    out.verdictsOnFirstScreen = 0;
    article.querySelectorAll("table.findings td.verdict").forEach(function (cell) {
      var r = cell.getBoundingClientRect();
      if (r.height > 0 && r.bottom <= window.innerHeight) out.verdictsOnFirstScreen += 1;
    });
    var solutions = Array.prototype.slice.call(document.querySelectorAll(".solution"));
    out.solutions = solutions.map(function (s) { return {hidden: hidden(s)}; });
    solutions.forEach(function (s) {
      var title = s.querySelector(".admonition-title");
      if (title) title.click();
    });
    setTimeout(function () {
      solutions.forEach(function (s, i) { out.solutions[i].shownAfterClick = !hidden(s); });
      document.body.setAttribute("data-layout", JSON.stringify(out));
    }, 1000);
  }
  window.addEventListener("load", function () {
    if (window.MathJax && MathJax.Hub) {
      MathJax.Hub.Register.StartupHook("End", function () { MathJax.Hub.Queue(report); });
    } else {
      setTimeout(report, 500);
    }
  });
})();
</script>
"""

WIDTHS = (1400, 800)


@pytest.fixture(scope="session")
def layout(html_dir, tmp_path_factory):
    """``layout(page, width)``: what the injected script measured on ``page`` (a _toc.yml
    file) in a headless Chromium window ``width`` px wide. Pages are copied, with the script
    added, into a tree of links to the built HTML, so relative assets load as they do there."""
    root = tmp_path_factory.mktemp("layout")
    site = root / "html"
    shutil.copytree(html_dir, site, copy_function=os.symlink)
    cache = {}

    def measure(page, width):
        if (page, width) in cache:
            return cache[(page, width)]
        source = html_dir / f"{page}.html"
        copy = site / f"{page}.layout-{width}.html"
        copy.write_text(source.read_text().replace("</body>", _LAYOUT_JS + "</body>", 1))
        flags = [
            *HEADLESS,
            "--hide-scrollbars",
            f"--user-data-dir={root / f'profile-{copy.stem}'}",
            "--virtual-time-budget=20000",
            f"--window-size={width},1600",
        ]
        dom = subprocess.run(
            flags + ["--dump-dom", copy.as_uri()], capture_output=True, text=True, timeout=180
        ).stdout
        found = re.search(r'<body[^>]*\sdata-layout="([^"]*)"', dom)
        cache[(page, width)] = json.loads(html.unescape(found.group(1))) if found else None
        return cache[(page, width)]

    # measure every page at every width once, two Chromium processes at a time
    jobs = [(page, width) for page in _chapters() for width in WIDTHS]
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda job: measure(*job), jobs))
    return measure


def _measured(layout, width):
    """(page, what the layout script measured) for every page of the book at ``width``."""
    for page in _chapters():
        found = layout(page, width)
        assert found is not None, f"{page}: the layout check did not run"
        yield page, found


_needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless check needs Debian's chromium (apt-get install chromium; .ci/run installs it)",
)


@_needs_chromium
@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_overflows_sideways(layout, width):
    wide = {}
    for page, found in _measured(layout, width):
        if found["scrollWidth"] > found["width"] + 1 or found["offenders"]:
            wide[page] = (found["scrollWidth"], found["offenders"])
    assert not wide, f"pages wider than a {width} px window (scroll width, elements): {wide}"


@_needs_chromium
@pytest.mark.parametrize("width", WIDTHS)
def test_figures_fit_the_text_column(layout, width):
    too_wide, figures = {}, 0
    for page, found in _measured(layout, width):
        figures += len(found["images"])
        over = [i["src"] for i in found["images"] if i["width"] > found["column"] + 1]
        if over:
            too_wide[page] = over
    assert figures > 0, "no figure was measured"
    assert not too_wide, f"figures wider than the text column at {width} px: {too_wide}"


@_needs_chromium
def test_exercise_solutions_hidden_until_clicked(html_dir, layout):
    primer = "book/chapters/00_lrp_primer"
    static = (html_dir / f"{primer}.html").read_text()
    assert re.search(r'class="exercise[^"]*admonition', static), "the primer has no exercise"
    found = layout(primer, WIDTHS[0])
    assert found["solutions"], "the primer has no solution"
    for i, solution in enumerate(found["solutions"]):
        assert solution["hidden"], f"solution {i} is visible before it is clicked"
        assert solution["shownAfterClick"], f"solution {i} does not open when clicked"


@_needs_chromium
@pytest.mark.parametrize("width", WIDTHS)
def test_table_cells_wide_enough_to_read(layout, width):
    narrow, cells = {}, 0
    for page, found in _measured(layout, width):
        cells += found["cells"]
        if found["narrowCells"]:
            narrow[page] = found["narrowCells"]
    assert cells > 0, "no table cell was measured"
    assert not narrow, f"table cells narrower than 80 px at {width} px (text, width): {narrow}"


@_needs_chromium
@pytest.mark.parametrize("width", WIDTHS)
def test_findings_show_five_verdicts_on_the_first_screen(layout, width):
    found = layout("book/chapters/12_what_replicates", width)
    assert found is not None, "the findings page was not measured"
    assert found["verdictsOnFirstScreen"] >= 5, (
        f"{found['verdictsOnFirstScreen']} verdicts in the first 1600 px at {width} px"
    )


_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _Page(html.parser.HTMLParser):
    """A rendered page as a reader meets it: its text outside <script>/<style>, the text of
    its cell outputs, the code lines it shows without a click (input cells outside a closed
    <details>), and its tables (each a list of rows of (tag, text), with ``output`` telling
    whether it is a cell's output)."""

    def __init__(self):
        super().__init__()
        self.text, self.output, self.code, self.tables = [], [], [], []
        self._stack, self._cell = [], None  # open elements as (tag, classes)

    def _inside(self, tag=None, cls=None):
        return any((tag is None or t == tag) and (cls is None or cls in c) for t, c in self._stack)

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "div" and "cell_input" in classes and not self._inside("details"):
            self.code.append([])
        if tag == "table":
            self.tables.append({"output": self._inside(cls="cell_output"), "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = (tag, [])
        if tag not in _VOID:
            self._stack.append((tag, classes))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self.tables:
            if self.tables[-1]["rows"]:
                self.tables[-1]["rows"][-1].append((self._cell[0], "".join(self._cell[1]).strip()))
            self._cell = None
        if tag in _VOID or tag not in (t for t, _ in self._stack):
            return
        while self._stack and self._stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        if self._inside("script") or self._inside("style"):
            return
        self.text.append(data)
        if self._inside(cls="cell_output"):
            self.output.append(data)
        if self._inside(cls="cell_input") and not self._inside("details") and self.code:
            self.code[-1].append(data)
        if self._cell is not None:
            self._cell[1].append(data)


def _pages(html_dir):
    """Every _toc.yml page, parsed as `_Page`."""
    parsed = {}
    for chapter in _chapters():
        parsed[chapter] = _Page()
        parsed[chapter].feed((html_dir / f"{chapter}.html").read_text())
    return parsed


def test_pages_show_no_temp_paths_warnings_or_tracebacks(html_dir):
    temp = {"/tmp/", "/var/folders/", tempfile.gettempdir().rstrip("/") + "/"}
    found = {}
    for chapter, page in _pages(html_dir).items():
        text, output = "".join(page.text), "".join(page.output)
        leaks = sorted({t for t in temp if t in text})
        leaks += re.findall(r"ipykernel\S*|Traceback \(most recent call last\)", text)
        # raw warnings in outputs (the book's own warnings are admonitions, titled "Warning")
        leaks += re.findall(r"\b\w+Warning\b.{0,60}|^\s*Warning:.{0,60}", output, re.MULTILINE)
        if leaks:
            found[chapter] = leaks[:5]
    assert not found, f"pages show temp paths, ipykernel, warnings or tracebacks: {found}"


MAX_CODE_LINES = 60


def test_chapters_show_few_lines_of_code(html_dir):
    """The code a reader sees without opening anything: at most a screen or so per chapter;
    plumbing is folded (hide-input) and helpers live in the library."""
    counts = {
        chapter: sum(
            len([line for line in "".join(cell).splitlines() if line.strip()]) for cell in page.code
        )
        for chapter, page in _pages(html_dir).items()
    }
    assert counts["book/chapters/00_lrp_primer"] > 0, "no visible code found on the primer"
    long = {c: n for c, n in counts.items() if n >= MAX_CODE_LINES}
    assert not long, f"chapters showing {MAX_CODE_LINES} or more lines of code: {long}"


def test_tables_show_readable_cells_and_no_plain_index(html_dir):
    bad = re.compile(r"^(?:NaN|nan|NaT|<NA>|None)$|\b[0-9a-f]{24}\b|\d(?:\.\d+)?e[+-]?\d+\b")
    found = {}
    for chapter, page in _pages(html_dir).items():
        for table in page.tables:
            rows = table["rows"]
            cells = sorted({text for row in rows for _, text in row if bad.search(text)})
            if cells:
                found.setdefault(chapter, []).append(cells[:5])
            # a DataFrame's RangeIndex: body rows led by <th> 0, 1, 2, ...
            heads = [
                row[0][1]
                for row in rows
                if row and row[0][0] == "th" and any(tag == "td" for tag, _ in row)
            ]
            body = [row for row in rows if any(tag == "td" for tag, _ in row)]
            if (
                table["output"]
                and body
                and len(heads) == len(body)
                and heads == [str(i) for i in range(len(body))]
            ):
                found.setdefault(chapter, []).append(f"RangeIndex shown: {rows[0]}"[:120])
    assert not found, f"tables with NaN, hash keys, e-notation or a plain index: {found}"


class _Tables(html.parser.HTMLParser):
    """Every <table> of a page as a list of rows of cell texts (header row first)."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _tables(html_dir, chapter):
    parsed = _Tables()
    parsed.feed((html_dir / f"book/chapters/{chapter}.html").read_text())
    return [t for t in parsed.tables if t]


def test_table_one_shows_the_papers_numbers_beside_ours(html_dir):
    from dnaexplain import paper

    shown = [t for t in _tables(html_dir, "04_mutagenesis") if "paper: n = 0" in t[0]]
    assert shown, "no Table 1 with the paper's columns on the mutagenesis page"
    columns = [c for c in paper.TABLE_1.columns if c not in ("dataset", "label", "paper class")]
    expected = {
        tuple([row["paper class"]] + [f"{row[c]:.3f}" for c in columns])
        for _, row in paper.TABLE_1.iterrows()
    }
    for table in shown:
        header = table[0]
        at = [header.index(f"paper: {c}") for c in ["class", *columns]]
        rows = {tuple(r[i] for i in at) for r in table[1:]}
        assert rows <= expected, f"paper rows shown that the paper does not have: {rows - expected}"
        assert len(rows) == 2, f"expected the paper's two classes of the task, got {rows}"


def test_what_replicates_has_one_row_per_recorded_claim(html_dir):
    from dnaexplain import claims

    cache = Path(os.environ.get("DNAEXPLAIN_CACHE", ROOT / ".cache" / "results"))
    page = (html_dir / "book/chapters/12_what_replicates.html").read_text()
    profile = re.search(r"Profile <code[^>]*>(?:<span[^>]*>)?(\w+)", page).group(1)
    recorded = claims.collect(profile, root=cache, order=None)
    assert len(recorded), f"no chapter recorded a claim in the {profile} build"
    table = next(t for t in _tables(html_dir, "12_what_replicates") if "verdict" in t[0])
    header, rows = table[0], table[1:]
    assert header == ["claim", "paper", "ours", "verdict", "chapter"]
    assert len(rows) == len(recorded), f"{len(rows)} rows shown for {len(recorded)} claims"
    shown = sorted((r[4], r[0]) for r in rows)
    assert shown == sorted(zip(recorded["chapter"], recorded["claim"].str.replace("`", "")))
    verdicts = {re.sub(r" \d+$", "", r[3]) for r in rows}
    assert verdicts == set(recorded["verdict"]), verdicts
    # each verdict's note is on the page, numbered as it links
    notes = next(t for t in _tables(html_dir, "12_what_replicates") if "adjusted p" in t[0])
    assert [r[0] for r in notes[1:]] == [str(i) for i in range(1, len(rows) + 1)]
    assert "```" not in page and "Traceback" not in page


def _lab_yaml():
    """The parameter file the lab page asks students to save as lab.yml."""
    text = (ROOT / "book" / "lab.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    assert len(blocks) == 1, "the lab page should hold exactly one YAML block (its lab.yml)"
    return blocks[0]


def test_lab_parameter_file_is_a_valid_profile(tmp_path):
    from dnaexplain import params

    path = tmp_path / "lab.yml"
    path.write_text(_lab_yaml())
    values = params.load_profile(path)  # checked like any reader's file
    assert values["profile"] == "smoke"
    assert values["runs"], "the lab file trains no model"


def test_glossary_defines_the_lab_terms_and_the_lab_page_links_chapters(html_dir):
    glossary = (html_dir / "book" / "glossary.html").read_text()
    terms = dict(
        (text.strip(), id_) for id_, text in re.findall(r'<dt id="(term-[^"]+)">([^<]*)', glossary)
    )
    ids = set(terms.values())
    # "LRP*" slugifies to "term-LRP", which LRP holds: its stable anchor is that of "LRP star"
    assert {"term-fallback-class", "term-LRP-star", "term-sign-flip-test", "term-AUROC"} <= ids
    assert terms.get("LRP") == "term-LRP" and "LRP*" in terms, sorted(terms)
    assert "book/lab" in _chapters(), "the lab page is not in _toc.yml"
    lab = (html_dir / "book" / "lab.html").read_text()
    lab = lab[lab.index("<article") : lab.index("</article>")]  # the page, not the sidebar
    linked = set(re.findall(r'href="(?:\.\./)*(?:book/)?chapters/(\d\d_\w+)\.html', lab))
    chapters = {Path(c).name for c in _chapters() if "/chapters/" in c}
    assert linked <= chapters, f"the lab links chapters that are not in the book: {linked}"
    assert len(linked) >= 3, f"the lab page links {sorted(linked)}: fewer than three chapters"
    # every exercise it assigns is an anchor on its chapter's page
    for chapter, anchor in re.findall(
        r'href="(?:\.\./)*(?:book/)?chapters/(\d\d_\w+)\.html#'
        r'([\w-]+)"',
        lab,
    ):
        page = (html_dir / "book" / "chapters" / f"{chapter}.html").read_text()
        assert f'id="{anchor}"' in page, f"lab links {chapter}#{anchor}, which does not exist"
