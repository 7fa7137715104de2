"""The papers' claims, scored: chapters record their verdict rows, one page collects them.

A chapter that tests a claim records a row per claim with `record`: what the paper says,
where, this build's number, and either a one-sided paired test (estimate and p-value) or a
reason why the claim cannot be told here. `collect` reads every chapter's rows of one
profile, adjusts the p-values of the tested rows together (Benjamini-Hochberg: the verdicts
are one family) and gives each row its verdict.
"""

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.stats

from . import cache, metrics, mutagenesis, paper

ALPHA = 0.05  # adjusted p below which a tested claim counts as shown
EXPECTED = ("less", "greater", "none")
COLUMNS = ["chapter", "claim", "paper", "ours", "estimate", "p", "p_adjusted", "verdict", "why"]


def claim(text, paper, ours, estimate=None, p=None, expected="less", why="", verdict=None):
    """One claim's row.

    Parameters
    ----------
    text : str
        The claim, as the paper makes it.
    paper : str
        Where the paper shows it (``"Table 1"``, ``"Figure 1"``, ``"section 4.4"``).
    ours : str
        This build's numbers, as a reader would quote them.
    estimate : float, optional
        Mean paired difference the claim is about (e.g. accuracy with a method's positions
        mutated minus with random ones); None when the claim cannot be tested here.
    p : float, optional
        Two-sided p-value of the paired test of that difference.
    expected : {"less", "greater", "none"}
        The claim's direction: the estimate is below 0, above 0, or not different from 0.
    why : str
        For an untested claim: why it cannot be told here (required then, unless `verdict`).
    verdict : str, optional
        For a claim no test applies to (a motif's TF class): "replicates" or "does not
        replicate", said by the chapter from its numbers; `why` says on what it rests.

    Returns
    -------
    dict
    """
    if expected not in EXPECTED:
        raise ValueError(f"expected must be one of {EXPECTED}, got {expected!r}")
    if (estimate is None or p is None) and not why and not verdict:
        raise ValueError(f"claim {text!r}: give an estimate and p, or say why it cannot be "
                         "told here")
    return {"claim": text, "paper": paper, "ours": ours,
            "estimate": None if estimate is None else float(estimate),
            "p": None if p is None else float(p), "expected": expected, "why": why,
            "verdict": verdict}


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
        Columns `COLUMNS`. Verdicts: "replicates" (adjusted p < `ALPHA` in the claimed
        direction, or, for a claim of no difference, no significant difference), "does not
        replicate" (with what was seen instead), or "cannot tell here" (with the reason).
    """
    folder = path("x", profile, root).parent
    rows = []
    for file in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        stored = json.loads(file.read_text())
        rows += [{"chapter": stored["chapter"], **row} for row in stored["rows"]]
    table = pd.DataFrame(rows, columns=[*COLUMNS[:6], "expected", "why", "verdict"])
    if order:
        rank = {c: i for i, c in enumerate(order)}
        table = table.sort_values("chapter", key=lambda c: c.map(lambda x: rank.get(x, 99)),
                                  kind="stable", ignore_index=True)
    tested = table["p"].notna() & table["estimate"].notna()
    table["p_adjusted"] = np.nan
    if tested.any():
        table.loc[tested, "p_adjusted"] = scipy.stats.false_discovery_control(
            table.loc[tested, "p"].astype(float).to_numpy(), method="bh")
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
    right = row.estimate < 0 if row.expected == "less" else row.estimate > 0
    if shown and right:
        return "replicates"
    if shown:
        return "does not replicate (the opposite)"
    return "does not replicate (no significant difference)"


def mutagenesis_claims(task, summary, outcomes, n):
    """The case study's mutagenesis claims (Table 1, Figures 1 and 2) on one task, tested on
    the same sequences with paired comparisons (`metrics.paired_comparison`).

    For the class the paper reads (its model's informative class) and, when it differs, the
    class this build's model must find evidence for: each of ``lrp`` and ``lrp_last`` beats
    attention at n (Table 1's LRP*, the better of the two, is chosen after the fact, so each
    is tested); the task's LRP variant of Figure 1 beats random positions; on promoters,
    attention is no better than random. Plus: random sequences are mostly not called the
    paper's class. A class the model falls back on (random sequences called it at least as
    often as real ones) cannot fall under mutation, and its claims are "cannot tell".

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
        `claim` rows.
    """
    ours = paper.TABLE_1[paper.TABLE_1["dataset"] == task]
    if ours.empty:
        return []
    one = mutagenesis.table_one(summary, n, ["attention", "lrp", "lrp_last"]).set_index("label")
    fallback = {label: r["random sequences"] >= r["n = 0"] for label, r in one.iterrows()}
    informative = {label for label, f in fallback.items() if not f}
    figure = "lrp" if task == "human_nontata_promoters" else "lrp_last"
    rows = []
    for label in sorted({paper.INFORMATIVE_LABEL} | informative, reverse=True):
        cls, seen = one.loc[label, "class"], paper.table_1(task, label)["paper class"]
        where = "(the paper's informative class)" if label == paper.INFORMATIVE_LABEL else \
            "(the class this build's model must find evidence for)"
        why = "" if not fallback[label] else (
            f"this build's model calls random sequences {cls!r} "
            f"({one.loc[label, 'random sequences']:.2f}) at least as often as real ones "
            f"({one.loc[label, 'n = 0']:.2f}): mutations push towards it, so it cannot fall")
        tests = [(f"`{m}` lowers {seen} accuracy more than attention at n = 20 {where}",
                  "Table 1 (LRP*)", m, "attention", "less") for m in ("lrp", "lrp_last")]
        tests.append((f"`{figure}` lowers {seen} accuracy more than random positions {where}",
                      "Figure 1" if label == 1 else "Figure 2", figure, "random", "less"))
        if task == "human_nontata_promoters":
            tests.append((f"attention is no better than random positions on {seen} {where}",
                          "Figure 1" if label == 1 else "Figure 2", "attention", "random", "none"))
        for text, source, a, b, expected in tests:
            if a not in one.columns or b not in one.columns:
                continue
            if why:
                rows.append(claim(text, source, f"{a} {one.loc[label, a]:.2f}, {b} "
                                  f"{one.loc[label, b]:.2f}", why=why))
                continue
            r = metrics.paired_comparison(mutagenesis.correct(outcomes, a, n, label),
                                          mutagenesis.correct(outcomes, b, n, label))
            rows.append(claim(text, source, f"{a} {r['mean_a']:.2f}, {b} {r['mean_b']:.2f} at "
                              f"n = {n} ({r['n']} {cls} sequences)", r["estimate"], r["p"],
                              expected))
    label = paper.INFORMATIVE_LABEL
    seen = paper.table_1(task, label)["paper class"]
    r = metrics.paired_comparison(mutagenesis.correct(outcomes, "", mutagenesis.ALL, label),
                                  mutagenesis.correct(outcomes, "", 0, label))
    rows.append(claim(f"random sequences are seldom called {seen}: accuracy falls "
                      f"(paper {paper.table_1(task, label)['n = 0']:.2f} to "
                      f"{paper.table_1(task, label)['random sequences']:.2f})",
                      "Table 1 (n = 200)", f"{r['mean_b']:.2f} to {r['mean_a']:.2f}",
                      r["estimate"], r["p"], "less"))
    return rows


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
    if str(trained.settings.get("source")) in ("tiny", "mini", "base"):
        return [claim(text, "section 4.2", said, why=(
            "this build trains a small DNABERT from scratch; the paper fine-tunes the "
            "pre-trained DNABERT-6 (the paper profile does, on a GPU)"))]
    test = scipy.stats.binomtest(int(round(ours * n)), n, reported)
    return [claim(text, "section 4.2", said, ours - reported, test.pvalue, expected="none")]
