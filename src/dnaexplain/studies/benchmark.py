"""The chapter "A benchmark with known answers": every map held to the planted motifs of the
synthetic task.

Each model explains its motif sequences as the motif class; the maps are scored against the
planted bases (`metrics.ground_truth_table`), ranked per model, compared pairwise on the same
sequences, and put through the DNABERT study's mutagenesis test with the planted sites as an
extra map. Models are named by their key in the chapter's runs (``"cnn"``) and shown by `NAME`.
"""

import numpy as np
import pandas as pd

from .. import attribution, cache, claims, metrics, mutagenesis
from ..data import SYNTHETIC_TASK
from . import NAME

MEASURES = {
    "auroc": "AUROC",
    "mass_accuracy": "relevance mass accuracy",
    "rank_accuracy": "relevance rank accuracy",
}
HEADLINE = "auroc"  # the measure the ranking and every test use
ATTENTION = ["attention", "rollout", "attn_gradcam"]  # scores read off attention maps alone
LRP_FAMILY = ["lrp", "lrp_last", "full_lrp", "attnlrp"]
ALPHA = 0.05  # adjusted p below which a paired difference counts
COLUMNS = ["n", "mean_a", "mean_b", "estimate", "lo", "hi", "p", "p_adjusted"]
# the LRP-over-attention thesis as the benchmark can test it: (a, b, claim, where it is made)
THESIS = [
    (m, "attention", f"`{m}` finds the planted motifs better than attention (AUROC)",
     "case study, section 5 (LRP over attention)")
    for m in LRP_FAMILY
] + [
    ("lrp", "rollout", "`lrp` finds the planted motifs better than rollout (AUROC)",
     "case study, section 5 (LRP over attention)"),
    ("attnlrp", "random", "`attnlrp` finds the planted motifs better than random scores (AUROC)",
     "Kurth et al., faithfulness"),
]  # fmt: skip


def _name(model):
    return NAME.get(model, model)


def task_sentence(task=SYNTHETIC_TASK):
    """The synthetic task as the code makes it, in one sentence (`data.SYNTHETIC_TASK`)."""
    sites = "–".join(map(str, np.atleast_1d(task["n_sites"])))
    return (
        f"The task as the code makes it: {task['n']:,} sequences of {task['length']} bp, "
        f"background GC content {task['gc']:.2f}, {sites} sites per positive from JASPAR "
        f"{', '.join(task['motifs'])}."
    )


def explain(trained, sequences, methods, target, n_ism=0):
    """Every method's nucleotide scores per model (cached by `attribution.explain_all`).

    ISM classifies 3 L mutants per sequence: the transformers get it on the first `n_ism`
    sequences (0: all), the CNN, cheap to run, on all of them.

    Parameters
    ----------
    trained : dict of str to training.Trained
        By model key.
    sequences : list of str
        The n positives.
    methods : dict of str to list of str
        Methods per model key (``benchmark_methods``).
    target : numpy.ndarray of int, shape (n,)
    n_ism : int

    Returns
    -------
    scores : dict of str to dict of str to numpy.ndarray, shape (n, L)
        Model key -> method -> scores; ISM's rows beyond its sequences are NaN.
    ism_count : dict of str to int
        Model key -> sequences given ISM, for the models that have it.
    """
    scores, ism_count = {}, {}
    for model, t in trained.items():
        plain = [m for m in methods[model] if m != "ism"]
        scores[model] = attribution.explain_all(t, sequences, plain, target=target)
        if "ism" not in methods[model]:
            continue
        n = len(sequences)
        k = ism_count[model] = n if model == "cnn" else min(n, n_ism or n)
        part = attribution.explain_all(
            t, sequences[:k], ["ism"], target=target[:k], batch_size=128
        )["ism"]
        full = np.full((n, part.shape[1]), np.nan)
        full[:k] = part
        scores[model]["ism"] = full
    return scores, ism_count


def ism_line(n, ism_count):
    """The line saying how many sequences each model's ISM covers."""
    covered = ", ".join(f"{k} ({_name(m)})" for m, k in ism_count.items())
    return f"{n} positives; ISM on {covered or 'none'}"


def truth_table(scores, mask, lengths, seed=0):
    """Every map against the planted bases, per sequence, and each measure's summary.

    Parameters
    ----------
    scores : dict of str to dict of str to numpy.ndarray, shape (n, L)
        From `explain`.
    mask : numpy.ndarray of bool, shape (n, L)
        The planted bases.
    lengths : numpy.ndarray of int, shape (n,)
    seed : int
        Seed of the bootstrap intervals.

    Returns
    -------
    truth : pandas.DataFrame
        `metrics.ground_truth_table` rows of every model, with ``model`` (shown name).
    summaries : dict of str to pandas.DataFrame
        Measure of `MEASURES` -> `metrics.bootstrap_summary` by model and method.
    """
    truth = pd.concat(
        [
            metrics.ground_truth_table(s, mask, lengths).assign(model=_name(m))
            for m, s in scores.items()
        ],
        ignore_index=True,
    )
    summaries = {
        measure: metrics.bootstrap_summary(truth, measure, ["model", "method"], seed=seed)
        for measure in MEASURES
    }
    return truth, summaries


def ranking(summary, n):
    """A measure's summary as a table to read: methods by mean relative rank over the models
    (0 best, 1 worst within a model, so models with more methods weigh the same), each cell
    "mean [95 % interval]", with "(n = ...)" where a mean covers fewer than `n` sequences.

    Parameters
    ----------
    summary : pandas.DataFrame
        One of `truth_table`'s summaries.
    n : int
        Sequences explained.

    Returns
    -------
    pandas.DataFrame
        Indexed by method: ``relative rank``, then one column per model.
    """
    wide = summary.pivot(index="method", columns="model", values="mean")
    wide = wide[list(dict.fromkeys(summary["model"]))]
    ranks = wide.rank(ascending=False)
    relative = ((ranks - 1) / (ranks.max() - 1).clip(lower=1)).mean(axis=1)
    order = relative.sort_values(kind="stable").index
    cells = summary.assign(
        cell=[
            ""
            if np.isnan(m)
            else f"{m:.3f} [{lo:.3f}, {hi:.3f}]" + (f" (n = {k})" if k < n else "")
            for m, lo, hi, k in zip(summary["mean"], summary["lo"], summary["hi"], summary["n"])
        ]
    )
    table = cells.pivot(index="method", columns="model", values="cell").fillna("")
    table = table.loc[order, wide.columns]
    table.insert(0, "relative rank", relative.loc[order].round(2))
    return table


def _empty():
    return pd.DataFrame(columns=COLUMNS)


def ranking_tests(head, truth, methods, seed=0):
    """Per model, the first-ranked method against every other, and the attention-based scores
    and the winner against random scores, on `HEADLINE`; one family over all models.

    Parameters
    ----------
    head : pandas.DataFrame
        `truth_table`'s summary of `HEADLINE`.
    truth : pandas.DataFrame
        `truth_table`'s rows.
    methods : dict of str to list of str
        Methods per model key, in the chapter's order of models.
    seed : int

    Returns
    -------
    order : dict of str to list of str
        Model key -> its methods with a defined mean, best first.
    tests : pandas.DataFrame
        `metrics.paired_comparisons`, indexed by (model shown name, a, b).
    """
    order, pairs = {}, {}
    for key, named in methods.items():
        model = _name(key)
        ranked = (
            head[head.model == model]
            .dropna(subset=["mean"])
            .sort_values("mean", ascending=False)
            .method.tolist()
        )
        order[key] = ranked
        against = [(ranked[0], other) for other in ranked[1:]]
        if "random" in named:
            first = [m for m in ATTENTION if m in ranked] + ranked[:1]
            against += [(m, "random") for m in first if m != "random"]
        for a, b in against:
            pairs[model, a, b] = metrics.paired_values(truth[truth.model == model], HEADLINE, a, b)
    return order, (metrics.paired_comparisons(pairs, seed=seed) if pairs else _empty())


def _said(tests, model, a, b):
    return metrics.verdict(tests.loc[(model, a, b)], f"`{a}`", f"`{b}`", fmt=".3f")


def ranking_sentences(head, order, tests, share):
    """Per model: the first method, and the methods it is not clearly ahead of.

    Parameters
    ----------
    head : pandas.DataFrame
        `truth_table`'s summary of `HEADLINE`.
    order, tests
        From `ranking_tests`.
    share : dict of str to float
        Model key -> share of the positives the model calls motif sequences.

    Returns
    -------
    str
        One list item per model; a model calling fewer than half the positives motif
        sequences is said not to have learned the task.
    """
    lines = []
    for key, ranked in order.items():
        model = _name(key)
        if not ranked:
            lines.append(f"- **{model}**: no method has a defined AUROC.")
            continue
        first = head[(head.model == model) & (head.method == ranked[0])].iloc[0]
        # a sorted index: a partial key on an unsorted MultiIndex makes pandas warn
        mine = tests.sort_index().loc[(model, first.method)]
        level = [m for m in ranked[1:] if not mine.loc[m].p_adjusted < ALPHA]
        text = (
            f"- **{model}** (calls {share[key]:.0%} of the positives motif sequences): "
            f"`{first.method}` ranks first, AUROC {first['mean']:.3f} "
            f"[{first.lo:.3f}, {first.hi:.3f}]"
        )
        if level:
            text += "; not clearly ahead of " + "; ".join(
                f"`{m}` ({mine.loc[m].mean_b:.3f}) — {_said(tests, model, first.method, m)}"
                for m in level
            )
        elif len(ranked) > 1:
            text += (
                f", clearly ahead of every other method, the next being `{ranked[1]}` — "
                f"{_said(tests, model, first.method, ranked[1])}"
            )
        if share[key] < 0.5:
            text += (
                ". The model calls fewer than half of these sequences motif sequences: it has "
                "not learned the task, and its maps have little to find"
            )
        lines.append(text + ".")
    return "\n".join(lines)


def random_sentences(order, tests):
    """Per model, the attention-based scores and its winner against random scores."""
    lines = []
    for key, ranked in order.items():
        model = _name(key)
        tested = [
            m for m in dict.fromkeys(ATTENTION + ranked[:1]) if (model, m, "random") in tests.index
        ]
        if tested:
            said = "; ".join(f"`{m}` — {_said(tests, model, m, 'random')}" for m in tested)
            lines.append(f"- **{model}**: {said}.")
    return "\n".join(lines) or "No model has random scores to compare with."


def thesis(truth, order, seed=0):
    """The LRP-over-attention thesis held to the planted answer: the pairs of `THESIS` each
    model has, on `HEADLINE`, one family.

    Parameters
    ----------
    truth : pandas.DataFrame
        `truth_table`'s rows.
    order : dict of str to list of str
        From `ranking_tests`.
    seed : int

    Returns
    -------
    tests : pandas.DataFrame
        `metrics.paired_comparisons`, indexed by (model shown name, a, b).
    rows : list of dict
        `claims.claim` rows for the findings page (one-sided: a above b).
    text : str
        One list item per comparison.
    """
    pairs, said = {}, {}
    for key, ranked in order.items():
        model = _name(key)
        for a, b, text, source in THESIS:
            if {a, b} <= set(ranked):
                pairs[model, a, b] = metrics.paired_values(
                    truth[truth.model == model], HEADLINE, a, b
                )
                said[model, a, b] = (f"{text}, {model}", source)
    tests = metrics.paired_comparisons(pairs, seed=seed) if pairs else _empty()
    rows, lines = [], []
    for (model, a, b), r in tests.iterrows():
        text, source = said[model, a, b]
        rows.append(
            claims.claim(
                text,
                source,
                f"{a} {r.mean_a:.3f}, {b} {r.mean_b:.3f} ({r.n:.0f} sequences)",
                r.estimate,
                r.p,
                "greater",
                paper="no ground truth in the paper",
                topic="planted truth" if b != "random" else "",
            )
        )
        lines.append(
            f"- **{model}**, `{a}` {r.mean_a:.3f} against `{b}` {r.mean_b:.3f}: "
            + metrics.verdict(r, f"`{a}`", f"`{b}`", fmt=".3f")
            + "."
        )
    return tests, rows, "\n".join(lines) or "No model has both an LRP variant and attention."


def mutate(trained, ds, scores, ism_count, target, ns, repeats, seed=0, precision="fp32"):
    """The DNABERT study's mutagenesis test on every map but random (it brings its own random
    positions) and ISM where it covers only part of the sequences, with the planted sites as
    one more map (cached).

    Parameters
    ----------
    trained : dict of str to training.Trained
        By model key.
    ds : data.Dataset
        The positives, with ``mask`` (n, L) of planted bases.
    scores, ism_count
        From `explain`.
    target : numpy.ndarray of int, shape (n,)
    ns : list of int
        Numbers of top positions mutated.
    repeats : int
        Draws of the random-positions baseline.
    seed : int
    precision : str
        Autocast precision of classifying the mutants.

    Returns
    -------
    dict of str to pandas.DataFrame
        Model key -> `mutagenesis.summary` (method, n, accuracy, ...).
    """
    results = {}
    for model, t in trained.items():
        partial = ism_count.get(model, len(ds.sequences)) < len(ds.sequences)
        maps = {
            m: s for m, s in scores[model].items() if m != "random" and not (m == "ism" and partial)
        }
        maps["planted sites"] = ds.mask.astype(float)
        key = {
            "checkpoint": t.key,
            "sequences": ds.sequences,
            "methods": list(maps),
            "target": target,
            "ns": ns,
            "repeats": repeats,
            "seed": seed,
            "precision": precision,
        }
        table = cache.cached(
            "mutagenesis",
            key,
            lambda: mutagenesis.experiment(
                t.model,
                t.tokenizer,
                ds.sequences,
                target,
                maps,
                ns=ns,
                random_repeats=repeats,
                classes=ds.classes,
                seed=seed,
                precision=precision,
            ),
            code=["mutagenesis.py", "attribution"],
        )
        results[model] = mutagenesis.summary(table)
    return results


def curves_shown(head, summary, model):
    """The methods a model's mutagenesis curves show: the planted sites, random positions,
    attention where the model has it, and the three best and the worst map by AUROC.

    Parameters
    ----------
    head : pandas.DataFrame
        `truth_table`'s summary of `HEADLINE`.
    summary : pandas.DataFrame
        The model's `mutate` summary.
    model : str
        Model key.

    Returns
    -------
    pandas.DataFrame
        The rows of `summary` shown.
    """
    ranked = (
        head[head.model == _name(model)]
        .dropna(subset=["mean"])
        .sort_values("mean", ascending=False)
    )
    ranked = [m for m in ranked.method if m in set(summary.method) and m != "random"]
    shown = {"planted sites", "random", *ranked[:3], *ranked[-1:]}
    shown |= {"attention"} & set(summary.method)
    return summary[summary.method.isin(shown)]


def agreement_sentences(results, head, ns):
    """Per model: does the mutagenesis test rank the maps as AUROC does?

    The accuracy lost at the largest n (unmutated minus mutated) of each map, its Spearman
    correlation across maps with AUROC (`metrics.rank_correlation`), the map that costs the
    most, and the planted sites' and random positions' loss beside it.

    Returns
    -------
    str
        One list item per model.
    """
    lines = []
    for key, summary in results.items():
        model = _name(key)
        at = summary[summary.n == max(ns)].set_index("method")["accuracy"]
        start = summary[summary.n == 0]["accuracy"].iloc[0]
        lost = (start - at).drop(["random", "planted sites"], errors="ignore")
        auc = head[head.model == model].set_index("method")["mean"].reindex(lost.index)
        rho, used = metrics.rank_correlation(auc, lost)
        best = lost.idxmax() if lost.notna().any() else None
        text = (
            f"- **{model}**: unmutated, {start:.0%} of the positives are called motif "
            f"sequences. At n = {max(ns)}, "
        )
        if best is None or start == 0:
            text += "there is no accuracy to lose; the test says nothing about the methods here."
        else:
            text += (
                f"`{best}` costs the most accuracy ({lost[best]:.0%}), the planted sites "
                f"{start - at.get('planted sites', np.nan):.0%}, random positions "
                f"{start - at.get('random', np.nan):.0%}. Spearman correlation with the AUROC "
                "ranking: "
                + (
                    f"{rho:.2f} over {used} methods"
                    if np.isfinite(rho)
                    else "undefined (too few methods, or no differences between them)"
                )
                + (
                    " — too few methods for the correlation to mean much."
                    if np.isfinite(rho) and used < 6
                    else "."
                )
            )
        lines.append(text)
    return "\n".join(lines)
