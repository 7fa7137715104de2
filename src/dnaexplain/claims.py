"""The papers' claims, scored: chapters record their verdict rows, one page collects them.

A chapter that tests a claim records a row per claim with `record`: what the paper says and
where, the paper's number where it gives one, this build's number, and either a paired test
(estimate and p-value) or a reason why no test applies here. `collect` reads every chapter's
rows of one profile, adjusts the p-values of the tested rows together (Benjamini-Hochberg: the
verdicts are one family) and gives each row its verdict.

A claim is tested as it is stated. "a lowers accuracy more than b" is one-sided: it replicates
when the difference a - b is shown below 0. "a is no better than b" is one-sided the other way
round: it fails only when a is shown better than b, and a that is worse than b supports it. A
claim of no difference (a reported accuracy) is two-sided. A row keeps a caveat (the model
falls back on the class in question, say) beside its verdict; a caveat never stops a test.
"""

import html
import json
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.stats

from . import cache, metrics, mutagenesis, paper
from .book import p_value

ALPHA = 0.05  # adjusted p below which a tested claim counts as shown
# the claim's direction for the estimate: below 0, above 0, not below 0 ("no better than",
# when lower is better), not above 0, or no difference
EXPECTED = ("less", "greater", "not less", "not greater", "none")
COLUMNS = [
    "chapter",
    "claim",
    "source",
    "paper",
    "ours",
    "estimate",
    "p",
    "p_adjusted",
    "verdict",
    "why",
    "caveat",
    "topic",
]
VERDICTS = ("replicates", "does not replicate", "cannot tell here")
# the findings `headlines` summarises, each with the words that introduce it
TOPICS = {
    "lrp over attention": "LRP over attention, by mutagenesis (the case study's Table 1)",
    "planted truth": "LRP over attention, against planted motifs (the benchmark)",
    "tata box": "The TATA box, DNABERT-2 against a CNN",
    "known biology": "Known motifs in ChIP-seq peaks",
    "model dependence": "Maps that depend on the model (model randomisation)",
    "accuracy": "Accuracy of the models",
}


def claim(
    text,
    source,
    ours,
    estimate=None,
    p=None,
    expected="less",
    why="",
    verdict=None,
    paper="",
    caveat="",
    topic="",
):
    """One claim's row.

    Parameters
    ----------
    text : str
        The claim, as the paper makes it.
    source : str
        Where the paper shows it (``"Table 1"``, ``"Figure 1"``, ``"section 4.4"``).
    ours : str
        This build's numbers, as a reader would quote them.
    estimate : float, optional
        Mean paired difference the claim is about (e.g. accuracy with a method's positions
        mutated minus with random ones); None when no test applies here.
    p : float, optional
        Two-sided p-value of the paired test of that difference. The row keeps the p of the
        test the claim states: for a one-sided claim, p / 2 when the estimate points the way
        tested and 1 - p / 2 otherwise (the null distribution of a sign-flip or t statistic
        is symmetric about 0).
    expected : {"less", "greater", "not less", "not greater", "none"}
        The claim's direction: the estimate is below 0, above 0, not below 0 (tested: is it
        below 0?), not above 0, or not different from 0 (two-sided).
    why : str
        For an untested claim: why no test applies here, from its numbers (required then,
        unless `verdict`).
    verdict : str, optional
        For a claim no test applies to (a motif's TF class): "replicates" or "does not
        replicate", said by the chapter from its numbers; `why` says on what it rests.
    paper : str
        The paper's own number for the claim, where it gives one (``"LRP* 0.784, attention
        0.788"``).
    caveat : str
        What qualifies the verdict without preventing the test (a fallback class, a model
        trained from scratch).
    topic : str
        The finding the row belongs to, one of `TOPICS` or empty; `headlines` summarises
        by topic.

    Returns
    -------
    dict
    """
    if expected not in EXPECTED:
        raise ValueError(f"expected must be one of {EXPECTED}, got {expected!r}")
    if topic and topic not in TOPICS:
        raise ValueError(f"topic must be one of {list(TOPICS)} or empty, got {topic!r}")
    if verdict is not None and verdict.split(" (")[0] not in VERDICTS[:2]:
        raise ValueError(f"verdict must start with one of {VERDICTS[:2]}, got {verdict!r}")
    tested = estimate is not None and p is not None and not (np.isnan(estimate) or np.isnan(p))
    if not tested and not why and not verdict:
        raise ValueError(
            f"claim {text!r}: give an estimate and p, or say why it cannot be told here"
        )
    return {
        "claim": text,
        "source": source,
        "paper": paper,
        "ours": ours,
        "estimate": float(estimate) if tested else None,
        "p": _test_p(float(p), float(estimate), expected) if tested else None,
        "expected": expected,
        "why": why,
        "verdict": verdict,
        "caveat": caveat,
        "topic": topic,
    }


def _test_p(p, estimate, expected):
    """The p-value of the test a claim states, from the two-sided p of its estimate."""
    if expected == "none":
        return p
    # the tested side: below 0 for "less" and "not less" (the claim fails if shown), else above
    below = expected in ("less", "not less")
    towards = estimate < 0 if below else estimate > 0
    return min(1.0, p / 2 if towards else 1 - p / 2)


def path(chapter, profile, root=None):
    """Where a chapter's rows of a profile are kept: ``<cache>/claims/<profile>/<chapter>.json``."""
    return cache.cache_dir(root) / "claims" / Path(str(profile)).stem / f"{chapter}.json"


def record(chapter, profile, rows, root=None):
    """Store a chapter's claim rows (replacing what it stored before), atomically.

    Parameters
    ----------
    chapter : str
        Name shown on the collecting page, e.g. ``"Mutagenesis"``.
    profile : str
        The profile the chapter ran under.
    rows : list of dict
        From `claim`.
    """
    target = path(chapter, profile, root)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump({"chapter": chapter, "rows": rows}, f, indent=1)
        cache.share(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def collect(profile, root=None, order=None):
    """Every recorded claim of a profile, with adjusted p-values and verdicts.

    Parameters
    ----------
    profile : str
    root : str or Path, optional
        Cache root.
    order : list of str, optional
        Chapters in the order to show them; others follow by name.

    Returns
    -------
    pandas.DataFrame
        Columns `COLUMNS`; ``p`` is that of the test the claim states (one-sided for a
        directional claim). Verdicts start with one of `VERDICTS`: "replicates" (adjusted p
        < `ALPHA` in the claimed direction; for a "no better than" or "no difference" claim,
        no difference shown against it), "does not replicate" (with what was seen instead),
        or "cannot tell here" (no test applies; ``why`` says why).
    """
    folder = path("x", profile, root).parent
    rows = []
    for file in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        stored = json.loads(file.read_text())
        rows += [{"chapter": stored["chapter"], **row} for row in stored["rows"]]
    table = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "p_adjusted"] + ["expected"])
    for column in ("source", "paper", "why", "caveat", "topic"):
        table[column] = table[column].fillna("")
    if order:
        rank = {c: i for i, c in enumerate(order)}
        table = table.sort_values(
            "chapter",
            key=lambda c: c.map(lambda x: rank.get(x, 99)),
            kind="stable",
            ignore_index=True,
        )
    tested = table["p"].notna() & table["estimate"].notna()
    table["p_adjusted"] = np.nan
    if tested.any():
        table.loc[tested, "p_adjusted"] = scipy.stats.false_discovery_control(
            table.loc[tested, "p"].astype(float).to_numpy(), method="bh"
        )
    table["verdict"] = [_verdict(r) for r in table.itertuples()]
    return table[COLUMNS]


def _verdict(row):
    if isinstance(row.verdict, str):
        return row.verdict
    if pd.isna(row.p) or pd.isna(row.estimate):
        return "cannot tell here"
    shown = row.p_adjusted < ALPHA
    if row.expected == "none":
        return "does not replicate (a difference)" if shown else "replicates (no difference)"
    below = row.expected in ("less", "not less")
    towards = row.estimate < 0 if below else row.estimate > 0
    if row.expected.startswith("not "):  # "no better than": fails only where shown better
        if shown:
            return "does not replicate (shown better)"
        return "replicates (no difference)" if towards else "replicates (worse, if anything)"
    if shown:
        return "replicates"
    return (
        "does not replicate (too small to tell)"
        if towards
        else "does not replicate (ours points the other way)"
    )


def summary(table):
    """Counts of a collected table's verdicts.

    Returns
    -------
    dict
        ``replicates``, ``does not replicate`` and ``cannot tell here`` to counts.
    """
    kinds = table["verdict"].str.split(" (", regex=False).str[0]
    return {v: int((kinds == v).sum()) for v in VERDICTS}


def headlines(table):
    """The book's main findings and caveats, from a collected table, as Markdown sentences.

    Findings: per topic of `TOPICS` (but accuracy), how many of its claims replicate and
    which. Caveats: the accuracy claims no test applies to (models that are not the papers'),
    the classes this build's models fall back on beside the paper's, and the known-biology
    claims that do not replicate.

    Parameters
    ----------
    table : pandas.DataFrame
        From `collect`.

    Returns
    -------
    (list of str, list of str)
        Findings and caveats; a topic without rows says nothing.
    """
    kinds = table["verdict"].str.split(" (", regex=False).str[0]
    findings = []
    for topic, words in TOPICS.items():
        rows = table[table["topic"] == topic]
        if topic == "accuracy" or not len(rows):
            continue
        held = rows[kinds[rows.index] == "replicates"]
        text = f"**{words}**: {len(held)} of {len(rows)} claim{'s' * (len(rows) > 1)} replicate"
        if 0 < len(held) <= 4:
            text += ": " + "; ".join(f"{r.claim} ({r.ours})" for r in held.itertuples())
        elif len(held) == 0:
            best = rows.iloc[0]
            text += f"; for one, {best.claim}: {best.ours} ({best.verdict})"
        findings.append(text + ".")
    caveats = []
    untold = table[(table["topic"] == "accuracy") & (kinds == "cannot tell here")]
    if len(untold):
        caveats.append(
            "**Not the papers' models**: "
            + "; ".join(f"{r.claim}, here {r.ours}" for r in untold.itertuples())
            + f". {untold['why'].iloc[0][0].upper()}{untold['why'].iloc[0][1:]}."
        )
    fallback = sorted(set(table.loc[table["caveat"].str.contains("falls back"), "caveat"]))
    if fallback:
        theirs = [
            paper.table_1(task, paper.fallback_class(task))["paper class"]
            for task in paper.TABLE_1["dataset"].unique()
        ]
        caveats.append(
            "**Fallback classes**: " + "; ".join(fallback) + ". The paper's models "
            f"fall back on {' and '.join(theirs)} instead, so the informative class "
            "of a task is not the same here."
        )
    missed = table[(table["topic"] == "known biology") & (kinds == "does not replicate")]
    if len(missed):
        caveats.append(
            "**Motifs not recovered**: "
            + "; ".join(f"{r.claim}: {r.ours}" for r in missed.itertuples())
            + "."
        )
    return findings, caveats


COLOURS = {"replicates": "#d5efd9", "does not replicate": "#f7d6d9", "cannot tell here": "#e8e8e8"}


def _inline(text):
    """Plain text with Markdown's `code` spans, as HTML."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(str(text), quote=False))


def discussion(table, values):
    """What a build found and what it cannot tell, as Markdown sentences for the discussion.

    Parameters
    ----------
    table : pandas.DataFrame
        From `collect`.
    values : dict
        The build's parameters (`params.load_profile`): ``train``, ``n_scored``,
        ``n_per_class`` and ``random_repeats`` are read.

    Returns
    -------
    (list of str, list of str)
        Found: the verdict counts, and per topic of `TOPICS` (but accuracy) whether most of
        its claims replicate. Cannot: the claims no test applies to, with their reasons (the
        accuracy ones said once, as models trained from scratch, when they are); the sample
        sizes.
    """
    from .models import BUILDERS, CNN_CONFIGS, DNABERT2_CONFIGS, DNABERT_CONFIGS

    found, cannot = [], []
    if not len(table):
        return found, cannot
    counts = summary(table)
    found.append(
        f"Of {len(table)} claims tested, {counts['replicates']} replicate, "
        f"{counts['does not replicate']} do not and {counts['cannot tell here']} "
        "cannot be told here."
    )
    kinds = table["verdict"].str.split(" (", regex=False).str[0]
    for topic, words in TOPICS.items():
        rows = kinds[table["topic"] == topic]
        if topic == "accuracy" or not len(rows):
            continue
        held = int((rows == "replicates").sum())
        most = (
            "most replicate"
            if held > len(rows) / 2
            else "half replicate"
            if held == len(rows) / 2
            else "none replicates"
            if held == 0
            else "most do not replicate"
        )
        found.append(f"{words}: {held} of {len(rows)} replicate ({most}).")
    named = {"dnabert": DNABERT_CONFIGS, "dnabert2": DNABERT2_CONFIGS, "cnn": CNN_CONFIGS}
    scratch = [
        m
        for m in BUILDERS
        if m != "cnn" and str(values["train"].get(m, {}).get("source", "mini")) in named[m]
    ]
    untold = table[
        (kinds == "cannot tell here") & ~((table["topic"] == "accuracy") & bool(scratch))
    ]  # said once below
    for r in untold.itertuples():
        cannot.append(f"{r.claim}: {r.why or 'no test applies here'}.")
    if scratch:
        cannot.append(
            f"The {' and '.join(m.upper().replace('2', '-2') for m in scratch)} "
            "models are trained from scratch here, without the papers' pre-training, "
            "so every verdict is about models weaker than the papers'."
        )
    cannot.append(
        f"Samples: {values['n_scored']} scored sequences per class, "
        f"{values['n_per_class']} mutated per class, {values['random_repeats']} random "
        "repeats; a difference smaller than these samples resolve reads as none."
    )
    return found, cannot


def to_html(table, pages=None):
    """The findings table: claim, the paper's number, ours, the verdict in its colour, and a
    link to the chapter; each verdict links to its row of `notes_html`.

    Parameters
    ----------
    table : pandas.DataFrame
        From `collect`.
    pages : dict of str to str, optional
        Chapter name to the page it links to (``"04_mutagenesis.html"``); unlinked if absent.

    Returns
    -------
    str
        An HTML ``<table class="findings">``.
    """
    pages = pages or {}
    head = "".join(f"<th>{h}</th>" for h in ("claim", "paper", "ours", "verdict", "chapter"))
    body = []
    for i, r in enumerate(table.itertuples(), start=1):
        kind = r.verdict.split(" (")[0]
        chapter = (
            f'<a href="{pages[r.chapter]}">{html.escape(r.chapter)}</a>'
            if r.chapter in pages
            else html.escape(r.chapter)
        )
        body.append(
            f"<tr><td>{_inline(r.claim)}</td><td>{_inline(r.paper or '—')}</td>"
            f'<td>{_inline(r.ours)}</td><td class="verdict" style="background:{COLOURS[kind]}">'
            f'{html.escape(r.verdict)} <sup><a href="#claim-note-{i}">{i}</a></sup></td>'
            f"<td>{chapter}</td></tr>"
        )
    return (
        f'<table class="findings"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def notes_html(table):
    """Each row's statistics and reasons, numbered as the verdicts of `to_html` link them.

    Returns
    -------
    str
        An HTML ``<table class="findings-notes">``: row, source, estimate, p of the stated
        test, adjusted p, and why / caveat.
    """
    head = "".join(
        f"<th>{h}</th>"
        for h in ("row", "source", "estimate", "p (stated test)", "adjusted p", "why, caveat")
    )
    body = []
    for i, r in enumerate(table.itertuples(), start=1):
        tested = not pd.isna(r.p_adjusted)
        said = "; ".join(x for x in (r.why, r.caveat) if x) or "paired sign-flip test"
        body.append(
            f'<tr id="claim-note-{i}"><td>{i}</td><td>{_inline(r.source)}</td>'
            f"<td>{f'{r.estimate:+.3f}' if tested else '—'}</td>"
            f"<td>{p_value(r.p) if tested else '—'}</td>"
            f"<td>{p_value(r.p_adjusted) if tested else '—'}</td><td>{_inline(said)}</td></tr>"
        )
    return (
        f'<table class="findings-notes"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def mutagenesis_claims(task, summary, outcomes, n):
    """The case study's mutagenesis claims (Table 1, Figures 1 and 2) on one task, tested on
    the same sequences with paired comparisons (`metrics.paired_comparison`).

    For each class of the task: each of ``lrp`` and ``lrp_last`` lowers accuracy more than
    attention at n (Table 1's LRP*, the better of the two, is chosen after the fact, so each
    is tested); the task's LRP variant of Figure 1 lowers it more than random positions; on
    promoters, attention is no better than random (one-sided: attention worse than random
    supports it). Plus: random sequences are mostly not called the paper's informative class.
    A class the model falls back on (random sequences called it at least as often as real
    ones) is tested like the other; its rows carry that caveat, since mutations push
    sequences towards it.

    Parameters
    ----------
    task : str
        Dataset name (claims exist for the paper's two tasks only).
    summary, outcomes : pandas.DataFrame
        `mutagenesis.summary` and the per-sequence outcomes of `mutagenesis.experiment`.
    n : int
        Positions mutated (the paper: 20).

    Returns
    -------
    list of dict
        `claim` rows, the paper's informative class first.
    """
    if paper.TABLE_1[paper.TABLE_1["dataset"] == task].empty:
        return []
    one = mutagenesis.table_one(summary, n, ["attention", "lrp", "lrp_last"]).set_index("label")
    figure = "lrp" if task == "human_nontata_promoters" else "lrp_last"
    rows = []
    for label in sorted(one.index, key=lambda x: x != paper.INFORMATIVE_LABEL):
        theirs = paper.table_1(task, label)
        if theirs is None:
            continue
        cls, seen = one.loc[label, "class"], theirs["paper class"]
        source = "Figure 1" if label == paper.INFORMATIVE_LABEL else "Figure 2"
        at = {"attention": theirs["attention at 20"], "LRP*": theirs["LRP* at 20"]}
        real, rand = one.loc[label, "n = 0"], one.loc[label, "random sequences"]
        caveat = (
            ""
            if rand < real
            else (
                f"this build's model falls back on {cls!r}: it calls {rand:.2f} of random sequences "
                f"{cls!r} against {real:.2f} of real ones, so mutations push towards it"
            )
        )
        tests = [
            (
                f"`{m}` lowers {seen} accuracy more than attention at n = 20",
                "Table 1 (LRP*)",
                m,
                "attention",
                "less",
                f"LRP* {at['LRP*']:.3f}, attention {at['attention']:.3f}",
            )
            for m in paper.TABLE_1_LRP
        ]
        tests.append(
            (
                f"`{figure}` lowers {seen} accuracy more than random positions",
                source,
                figure,
                "random",
                "less",
                f"LRP* {at['LRP*']:.3f} (random: plotted)",
            )
        )
        if task == "human_nontata_promoters":
            tests.append(
                (
                    f"attention is no better than random positions on {seen}",
                    source,
                    "attention",
                    "random",
                    "not less",
                    f"attention {at['attention']:.3f} (random: plotted)",
                )
            )
        for text, where, a, b, expected, said in tests:
            if a not in one.columns or b not in one.columns:
                continue
            r = metrics.paired_comparison(
                mutagenesis.correct(outcomes, a, n, label),
                mutagenesis.correct(outcomes, b, n, label),
            )
            rows.append(
                claim(
                    text,
                    where,
                    f"{a} {r['mean_a']:.3f}, {b} {r['mean_b']:.3f} at "
                    f"n = {n} ({r['n']} {cls} sequences)",
                    r["estimate"],
                    r["p"],
                    expected,
                    paper=said,
                    caveat=caveat,
                    topic="lrp over attention" if b == "attention" else "",
                )
            )
    label = paper.INFORMATIVE_LABEL
    theirs = paper.table_1(task, label)
    r = metrics.paired_comparison(
        mutagenesis.correct(outcomes, "", mutagenesis.ALL, label),
        mutagenesis.correct(outcomes, "", 0, label),
    )
    rows.append(
        claim(
            f"random sequences are seldom called {theirs['paper class']}: accuracy falls on them",
            "Table 1 (n = 200)",
            f"{r['mean_b']:.3f} to {r['mean_a']:.3f}",
            r["estimate"],
            r["p"],
            "less",
            paper=f"{theirs['n = 0']:.3f} to {theirs['random sequences']:.3f}",
        )
    )
    return rows


def chance(accuracy, counts):
    """Whether a classifier beats always calling the largest class of the sequences it was
    scored on: a one-sided binomial test of its correct count at that class's share.

    Parameters
    ----------
    accuracy : float
        Share of the sequences classified right.
    counts : array-like, shape (classes,)
        Sequences per class.

    Returns
    -------
    dict
        ``accuracy``, ``majority`` (the largest class's share), ``p`` and ``above`` (p below
        `ALPHA`).
    """
    counts = np.asarray(counts)
    n = int(counts.sum())
    majority = counts.max() / n
    p = scipy.stats.binomtest(int(round(accuracy * n)), n, majority, alternative="greater").pvalue
    return {
        "accuracy": float(accuracy),
        "majority": float(majority),
        "p": float(p),
        "above": bool(p < ALPHA),
    }


def accuracy_claims(run, trained):
    """The case study's test accuracy of a run's model against the paper's (binomial test of
    this build's correct count at the paper's rate); "cannot tell" for a model that is not the
    pre-trained DNABERT (a named size trained from scratch).

    Parameters
    ----------
    run : str
        ``"model:dataset"``.
    trained : training.Trained

    Returns
    -------
    list of dict
        One `claim` row, or none for a run the paper does not report.
    """
    model, task = run.split(":")
    reported = paper.ACCURACY.get((model, task))
    if reported is None:
        return []
    n = int(np.sum(trained.metrics["confusion"]))
    ours = trained.metrics["accuracy"]
    text = f"fine-tuned DNABERT reaches {reported:.0%} test accuracy on {task}"
    said = f"{ours:.3f} on {n} evaluation sequences"
    source = str(trained.settings.get("source"))
    if source in ("tiny", "mini", "base"):
        why = (
            f"the paper fine-tunes the pre-trained DNABERT-6; this build trains a {source!r} "
            f"DNABERT from scratch, which reaches {ours:.3f}: a different model, so its "
            "accuracy says nothing of the paper's (the paper profile fine-tunes DNABERT-6)"
        )
        return [
            claim(text, "section 4.2", said, paper=f"{reported:.2f}", topic="accuracy", why=why)
        ]
    test = scipy.stats.binomtest(int(round(ours * n)), n, reported)
    return [
        claim(
            text,
            "section 4.2",
            said,
            ours - reported,
            test.pvalue,
            expected="none",
            paper=f"{reported:.2f}",
            topic="accuracy",
        )
    ]
