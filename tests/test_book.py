"""The smoke build of the whole book: every chapter executes and the pages render offline."""

import html.parser
import json
import os
import shutil
import subprocess
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
    run = subprocess.run(["make", "-s", "book", "PROFILE=smoke"], cwd=ROOT,
                         capture_output=True, text=True)
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


def _render(page, tmp_path):
    """DOM of ``page`` after its scripts (MathJax) ran in headless Chromium, and a screenshot."""
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
             "--virtual-time-budget=15000", "--window-size=1280,2000"]
    dom = subprocess.run(flags + ["--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    subprocess.run(flags + [f"--screenshot={tmp_path / (page.stem + '.png')}", page.as_uri()],
                   capture_output=True, timeout=120)
    parsed = _Visible()
    parsed.feed(dom)
    return parsed


@pytest.mark.skipif(CHROMIUM is None, reason="headless check needs Debian's chromium "
                    "(apt-get install chromium; .ci/run installs it)")
@pytest.mark.parametrize("page", ["book/intro", "chapter"])
def test_pages_render_title_images_and_math_offline(html_dir, page, tmp_path):
    name = _chapters()[0] if page == "chapter" else page
    parsed = _render(html_dir / f"{name}.html", tmp_path)
    text = "".join(parsed.text)
    assert parsed.title.strip(), "page has no title"
    assert parsed.math > 0, "no MathJax output: math did not render"
    assert "\\(" not in text and "\\[" not in text, "raw TeX left on the page"
    if page == "chapter":
        assert parsed.images > 0, "chapter has no figure"
