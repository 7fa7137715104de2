"""The two models compared, the paper's findings tested, and the chapter's rows and
sentences for the findings page."""

import numpy as np
import pandas as pd

from ... import claims, metrics, models, training
from ...notation import p_value
from .. import NAME
from .faithfulness import paired_areas
from .runs import EFFECT, MEASURES, NO_DNABERT2, _num, label, with_dnabert2


def model_tests(tasks, per_sequence, measures, located, lrp, seed=0):
    """DNABERT-2's LRP map against the CNN's (or the map `lrp` names for each), per task and
    measure (`MEASURES`), paired by sequence; all comparisons one family
    (`metrics.paired_comparisons`).

    Parameters
    ----------
    tasks : list of str
        The tasks with both models (`both_models`).
    per_sequence, measures, located : pandas.DataFrame
        `areas`, `map_measures`, `localisation`.
    lrp : dict of str to str
        The map of each model: `lrp_maps`, or the CNN's ``deep_lift_shap`` in its place.
    seed : int

    Returns
    -------
    pandas.DataFrame
        Indexed by (task, measure), for the measures a task has; columns ``n``, ``mean_a``
        (DNABERT-2), ``mean_b`` (CNN), ``estimate``, ``lo``, ``hi``, ``p``, ``p_adjusted``.
    """
    a, b = label("dnabert2", lrp.get("dnabert2")), label("cnn", lrp.get("cnn"))
    tables = {
        "area between curves": per_sequence,
        "gini": measures,
        "entropy": measures,
        "window enrichment": located,
        "TATAWAW enrichment": located,
    }
    pairs = {
        (task, column): metrics.paired_values(table[table.task == task], column, a, b, key="label")
        for task in tasks
        for column, table in tables.items()
        if (table.task == task).any()
    }
    if not pairs:
        return pd.DataFrame(
            columns=["n", "mean_a", "mean_b", "estimate", "lo", "hi", "p", "p_adjusted"]
        )
    return metrics.paired_comparisons(pairs, seed=seed)


def model_summary(tasks, tests, spearman, lrp):
    """Markdown: per task, each measure of the two maps compared (the LRP maps of `lrp_maps`,
    or another CNN map in their place) and its verdict, then their agreement.

    Parameters
    ----------
    tasks : list of str
        `both_models`.
    tests : pandas.DataFrame
        `model_tests`.
    spearman : dict of str to pandas.DataFrame
        `agreement`.
    lrp : dict of str to str

    Returns
    -------
    str
        The lists, or a sentence saying no task has both models.
    """
    a, b = label("dnabert2", lrp.get("dnabert2")), label("cnn", lrp.get("cnn"))
    lines = []
    for task in tasks:
        lines.append(f"\n**{task}** (`{a}` against `{b}`)\n")
        for column, (name, high, effect) in MEASURES.items():
            if (task, column) not in tests.index:
                continue
            r = tests.loc[(task, column)]
            said = metrics.verdict(r, "DNABERT-2", "the CNN", high, effect)
            lines.append(
                f"- {name}: DNABERT-2 {r.mean_a:.3g}, CNN {r.mean_b:.3g} over {r.n:.0f} "
                f"sequences — {said}."
            )
        lines.append(
            f"- agreement between the two maps: mean Spearman correlation "
            f"{spearman[task].loc[a, b]:.3f} (not a quality measure)."
        )
    return "\n".join(lines) or "`compare_runs` has no task with both models."


def paper_tests(scores, per_sequence, located, lrp, seed=0):
    """The paper's findings on DNABERT-2, per task: AttnLRP's area between the curves against
    the random map's (0 without one), and its enrichment in −40 … −20 against 1; one family.

    Parameters
    ----------
    scores, lrp
        See the module docstring.
    per_sequence, located : pandas.DataFrame
        `areas`, `localisation`.
    seed : int

    Returns
    -------
    pandas.DataFrame or None
        Indexed by (task, ``"faithful"`` or ``"biology"``), `metrics.paired_comparisons`'
        columns; None without a DNABERT-2 run.
    """
    method, checks = lrp.get("dnabert2"), {}
    for task in with_dnabert2(scores):
        has_random = "random" in scores["dnabert2", task]
        area, other = paired_areas(
            per_sequence, task, "dnabert2", method, "random" if has_random else method
        )
        checks[task, "faithful"] = (area, other if has_random else np.zeros_like(area))
        loc = located[(located.task == task) & (located.label == label("dnabert2", method))]
        if len(loc):
            values = loc["window enrichment"].to_numpy()
            checks[task, "biology"] = (values, np.ones_like(values))
    return metrics.paired_comparisons(checks, seed=seed) if checks else None


def claim_rows(paper, models_compared, lrp):
    """The rows of the What replicates page: the paper's findings, and which model
    localises the TATA box.

    Parameters
    ----------
    paper : pandas.DataFrame or None
        `paper_tests`.
    models_compared : pandas.DataFrame
        `model_tests`.
    lrp : dict of str to str

    Returns
    -------
    list of dict
        `claims.claim` rows.
    """
    said = {
        "faithful": (
            "AttnLRP's maps of DNABERT-2 are faithful: mutating their top positions "
            "lowers p(class) more than a random map's (area between the curves)"
        ),
        "biology": (
            "AttnLRP's maps of DNABERT-2 on TATA promoters put their relevance on the "
            "TATA box region (-40 ... -20) more than an even spread"
        ),
    }
    rows = (
        []
        if paper is None
        else [
            claims.claim(
                f"{said[kind]} ({task})",
                "Kurth et al., faithfulness and TATA analyses",
                f"{_num(r.mean_a)} against {_num(r.mean_b)} ({r.n:.0f} sequences)",
                r.estimate,
                r.p,
                "greater",
                paper="not available offline",
                topic="tata box" if kind == "biology" else "",
            )
            for (task, kind), r in paper.iterrows()
        ]
    )
    where = {
        "window enrichment": "enrichment in −40 … −20",
        "TATAWAW enrichment": "enrichment on TATAWAW",
    }
    rows += [
        claims.claim(
            f"`{lrp['dnabert2']}` on DNABERT-2 localises the TATA box at least as "
            f"well as `{lrp['cnn']}` on the CNN ({where[column]}, {task})",
            "Kurth et al., comparison with a CNN",
            f"DNABERT-2 {_num(r.mean_a)}, CNN {_num(r.mean_b)} ({r.n:.0f} promoters)",
            r.estimate,
            r.p,
            "not less",
            paper="not available offline",
            topic="tata box",
        )
        for (task, column), r in models_compared.iterrows()
        if "enrichment" in column
    ]
    return rows


def faithful_sentence(r, reference):
    """AttnLRP's area between the curves against the reference, and the paper's finding.

    Parameters
    ----------
    r : pandas.Series
        A ``"faithful"`` row of `paper_tests`.
    reference : str
        What AttnLRP was compared with, e.g. ``"the random map's"``.

    Returns
    -------
    str
        A clause, without a final stop.
    """
    holds = r.p_adjusted < 0.05 and r.estimate >= EFFECT
    return (
        f"AttnLRP's area between the curves is {r.mean_a:.3g} against {reference} "
        f"{r.mean_b:.3g} (difference {r.estimate:+.3g}, 95 % interval {r.lo:+.3g} to "
        f"{r.hi:+.3g}, adjusted p = {p_value(r.p_adjusted)}): the paper's finding that "
        "AttnLRP's maps are faithful "
        + (
            "holds here"
            if holds
            else f"is not borne out here (that needs an adjusted p below 0.05 and a difference "
            f"of at least {EFFECT})"
            if r.estimate > 0
            else "does not hold here"
        )
    )


def tata_sentence(r):
    """AttnLRP's relevance on the TATA window, and the paper's finding on known biology.

    Parameters
    ----------
    r : pandas.Series
        A ``"biology"`` row of `paper_tests`.

    Returns
    -------
    str
        A clause, without a final stop.
    """
    above = r.p_adjusted < 0.05 and r.estimate > 0
    return (
        f"on the promoters it puts {r.mean_a:.2f} times the even share of its positive "
        f"relevance on −40 … −20, the TATA box region, "
        f"{'significantly' if above else 'not significantly'} above 1 "
        f"(adjusted p = {p_value(r.p_adjusted)}, {r.n:.0f} promoters): the paper's finding "
        "that the maps match known biology " + ("holds here" if above else "is not borne out here")
    )


def findings(paper, table, scores):
    """Markdown: per task with DNABERT-2, its accuracy and the paper's findings tested.

    Parameters
    ----------
    paper : pandas.DataFrame or None
        `paper_tests`.
    table : pandas.DataFrame
        `models_and_sequences`' table (``task``, ``model``, ``accuracy (evaluation part)``).
    scores : dict
        See the module docstring.

    Returns
    -------
    str
        One item per task, or `NO_DNABERT2`.
    """
    accuracy = table.set_index(["task", "model"])["accuracy (evaluation part)"]
    lines = []
    for task in with_dnabert2(scores):
        random = "random" in scores["dnabert2", task]
        line = (
            f"- `{task}`: DNABERT-2 classifies {accuracy[task, NAME['dnabert2']]:.1%} of the "
            f"evaluation part correctly; "
            + faithful_sentence(
                paper.loc[(task, "faithful")], "the random map's" if random else "0"
            )
        )
        if (task, "biology") in paper.index:
            line += f"; {tata_sentence(paper.loc[(task, 'biology')])}"
        lines.append(line + ".")
    return "\n".join(lines) or NO_DNABERT2


def training_note(train, table, tasks):
    """Markdown: a caveat for a DNABERT-2 trained from scratch (a named size, not a
    checkpoint), with both models' accuracies.

    Parameters
    ----------
    train : dict
        The profile's training settings.
    table : pandas.DataFrame
        `models_and_sequences`' table.
    tasks : list of str
        `both_models`.

    Returns
    -------
    str
        The paragraph, or "" for a pre-trained DNABERT-2.
    """
    source = train.get("dnabert2", {}).get("source", training.DEFAULTS["source"])
    if source not in models.DNABERT2_CONFIGS:
        return ""
    accuracy = table.set_index(["task", "model"])["accuracy (evaluation part)"]
    gaps = "; ".join(
        f"`{t}` {accuracy[t, NAME['dnabert2']]:.1%} against {accuracy[t, NAME['cnn']]:.1%}"
        for t in tasks
    )
    return (
        f"The DNABERT-2 here is the `{source}` configuration trained from scratch on a "
        "few thousand of the benchmark's sequences, not the pre-trained DNABERT-2-117M that "
        "the paper fine-tunes. Without pre-training on genomes a small transformer learns "
        "mostly composition and short motifs, and what it has learned is what its maps can "
        "show. "
        f"Accuracy on the evaluation part, DNABERT-2 against the CNN: {gaps}. The paper "
        "compares two well-trained models; where the models here differ much in accuracy, "
        "that difference is the first suspect for a difference between their maps, before the "
        "explanation methods. Run the `paper` profile on a GPU to explain the released "
        "checkpoint."
    )
