"""The chapter "Pruned LRP": what pruning relevance at every layer (`plrp`) costs a map in
faithfulness and gains it in sparsity and localisation, on the synthetic task.

Runs are named ``"model:dataset"``; each run's map is AttnLRP on the transformers and LRP on
the CNN (`attribution.plrp_variants`), one per pruning fraction, labelled ``"p = 0.5"``.
"""

import numpy as np
import pandas as pd

from .. import attribution, cache, claims, metrics, models, mutagenesis
from ..tokenizers import encode
from . import NAME

TOLERANCE = 0.10  # the mean drop may fall this far (relative) below its p = 0 value
COLUMNS = {
    "gini": "Gini",
    "zeros": "zero positions",
    "mean_drop": "mean drop",
    "mass_accuracy": "mass accuracy",
    "rank_accuracy": "rank accuracy",
    "auroc": "AUROC",
}


def fractions(ps):
    """The pruning fractions run: those given and 0 (the unpruned map), sorted."""
    return sorted({float(p) for p in ps} | {0.0})


def top(ps):
    """The label of the most pruned map, e.g. ``"p = 0.9"``."""
    return f"p = {max(fractions(ps)):g}"


def label(run):
    """A run's map as the page names it: ``"DNABERT-2 · AttnLRP"``, ``"CNN · LRP"``."""
    model = run.split(":")[0]
    return f"{NAME.get(model, model)} · {'LRP' if model == 'cnn' else 'AttnLRP'}"


def measure(trained, ds, ps, target, ns, seed=0, precision="fp32"):
    """Every run's map at every p, held to the planted bases and to mutation (cached).

    Parameters
    ----------
    trained : dict of str to training.Trained
        By run.
    ds : data.Dataset
        The positives, with ``mask`` (n, L) of planted bases.
    ps : list of float
        Pruning fractions (`fractions` adds 0).
    target : numpy.ndarray of int, shape (n,)
    ns : list of int
        Numbers of top positions mutated (`mutagenesis.faithfulness`).
    seed : int
    precision : str
        Autocast precision of classifying the mutants.

    Returns
    -------
    scores : dict of str to dict of str to numpy.ndarray, shape (n, L)
        Run -> ``"p = ..."`` -> nucleotide scores.
    truth : pandas.DataFrame
        Per run, map and sequence: `metrics.ground_truth_table` measures, ``gini`` and
        ``zeros`` (`metrics.map_table`), and ``run``.
    faith : pandas.DataFrame
        `mutagenesis.faithfulness` of every map and of two references, mutating positions in
        ``"random order"`` and ``"planted sites"`` first, with ``run``.
    """
    lengths = np.array([len(s) for s in ds.sequences])
    references = {"random order": np.zeros(ds.mask.shape), "planted sites": ds.mask.astype(float)}
    scores, truth, faith = {}, [], []
    for run, t in trained.items():
        variants = attribution.plrp_variants(run.split(":")[0], fractions(ps))
        scores[run] = attribution.explain_all(t, ds.sequences, variants, target=target)
        truth.append(
            metrics.ground_truth_table(scores[run], ds.mask, lengths)
            .merge(metrics.map_table(scores[run], lengths, ["gini", "zeros"]))
            .assign(run=run)
        )
        key = {
            "checkpoint": t.key,
            "sequences": ds.sequences,
            "target": target,
            "methods": variants,
            "ns": ns,
            "seed": seed,
            "precision": precision,
        }
        table = cache.cached(
            "faithfulness",
            key,
            lambda: mutagenesis.faithfulness(
                t.model,
                t.tokenizer,
                ds.sequences,
                target,
                {**scores[run], **references},
                ns=ns,
                seed=seed,
                precision=precision,
            ),
            code=["mutagenesis.py", "attribution"],
        )
        faith.append(table.assign(run=run))
    return scores, pd.concat(truth, ignore_index=True), pd.concat(faith, ignore_index=True)


def tables(truth, faith):
    """The chapter's two tables: each map's means, and the references' mean drop.

    Returns
    -------
    table : pandas.DataFrame
        Indexed by (run, map): ``p``, the means of `COLUMNS` under their shown names.
    reference : pandas.DataFrame
        Indexed by run: the mean drop of ``random order`` and ``planted sites``.
    """
    drop = faith.groupby(["run", "method"], sort=False)["mean_drop"].first()
    table = truth.groupby(["run", "method"], sort=False)[
        ["gini", "zeros", "mass_accuracy", "rank_accuracy", "auroc"]
    ].mean()
    table.insert(2, "mean_drop", drop.reindex(table.index))
    table.insert(0, "p", [float(m.split("= ")[1]) for _, m in table.index])
    reference = drop.unstack("method")[["random order", "planted sites"]]
    return table.rename(columns=COLUMNS), reference


def pruning_cost(rows, reference, share, ps):
    """What pruning costs one run's map in faithfulness, in words.

    Parameters
    ----------
    rows : pandas.DataFrame
        The run's rows of `tables`' table, indexed by map.
    reference : pandas.Series
        The run's row of `tables`' reference.
    share : float
        Share of the positives the model calls motif sequences.
    ps : list of float

    Returns
    -------
    str
        The largest p up to which the mean drop stays within `TOLERANCE` of its unpruned value
        (`metrics.last_within`), or why the question does not arise.
    """
    most = top(ps)
    rand, planted = reference["random order"], reference["planted sites"]
    a0, a_top = rows.loc["p = 0", "mean drop"], rows.loc[most, "mean drop"]
    limit = metrics.last_within(rows["p"], rows["mean drop"], TOLERANCE)
    refs = f"random order {rand:.3g}, planted sites first {planted:.3g}"
    if share < 0.5:
        return (
            f"the model calls only {share:.0%} of these positives motif sequences: it has not "
            "learned the motifs well enough for the question of what pruning costs to be asked "
            f"(mean drop {a0:.3g} unpruned, {a_top:.3g} at {most}; {refs})."
        )
    if not (a0 > max(rand, 0) and planted > rand) or np.isnan(limit):
        return (
            "mutating its most relevant positions first is no more harmful than a random order "
            f"(mean drop {a0:.3g} against {rand:.3g}; planted sites first: {planted:.3g}), so "
            "there is no faithfulness for pruning to lose."
        )
    if limit == max(fractions(ps)):
        return (
            f"the mean drop stays within {TOLERANCE:.0%} of its unpruned value ({a0:.3g}) at "
            f"every p tested, {a_top:.3g} at {most} ({refs}): here sparsity costs no "
            "faithfulness."
        )
    at = rows.loc[rows.p == limit].iloc[0]
    return (
        f"the mean drop stays within {TOLERANCE:.0%} of its unpruned value ({a0:.3g}) up to "
        f"p = {limit:g} ({at['mean drop']:.3g}, Gini {at.Gini:.2f}); at {most} it is "
        f"{a_top:.3g} ({refs})."
    )


def cost_sentences(table, reference, share, ps):
    """`pruning_cost` of every run, one list item each; `share` by run."""
    return "\n".join(
        f"- **{label(run)}**: {pruning_cost(table.loc[run], reference.loc[run], share[run], ps)} "
        for run in reference.index
    )


def localisation_sentences(table, truth, ps, flat, seed=0):
    """Per run: sparsity and where relevance goes, unpruned against most pruned.

    Parameters
    ----------
    table : pandas.DataFrame
        From `tables`.
    truth : pandas.DataFrame
        From `measure`.
    ps : list of float
    flat : float
        A flat map's mass accuracy (the mean planted share of a sequence).
    seed : int
        Seed of the paired bootstrap of the change in mass accuracy.

    Returns
    -------
    text : str
        One list item per run.
    pairs : dict of str to (numpy.ndarray, numpy.ndarray)
        Run -> per-sequence mass accuracy (most pruned, unpruned), for `claim_rows`.
    """
    most = top(ps)
    lines, pairs = [], {}
    for run in dict.fromkeys(truth.run):
        u, q = table.loc[(run, "p = 0")], table.loc[(run, most)]
        pairs[run] = metrics.paired_values(truth[truth.run == run], "mass_accuracy", most, "p = 0")
        change = metrics.bootstrap_difference(*pairs[run], seed=seed)
        text = (
            f"- **{label(run)}**: sparsity (Gini) goes from {u.Gini:.2f} at p = 0 to "
            f"{q.Gini:.2f} at {most}, where {q['zero positions']:.0%} of the positions score "
            f"exactly 0 ({u['zero positions']:.0%} unpruned). "
        )
        if change["n"] == 0:
            lines.append(
                text + "Relevance mass accuracy is undefined here (no positive relevance)."
            )
            continue
        moved = (
            "rises"
            if change["lo"] > 0
            else "falls"
            if change["hi"] < 0
            else "does not change clearly"
        )
        text += (
            f"Relevance mass accuracy {moved}: {u['mass accuracy']:.2f} → "
            f"{q['mass accuracy']:.2f} (change {change['mean']:+.3f}, 95 % interval "
            f"{change['lo']:+.3f} to {change['hi']:+.3f}; a flat map: {flat:.2f}). "
            f"Rank accuracy goes {u['rank accuracy']:.2f} → {q['rank accuracy']:.2f}, AUROC "
            f"{u.AUROC:.2f} → {q.AUROC:.2f}"
        )
        if change["lo"] > 0 and q.AUROC < u.AUROC:
            text += (
                ": pruning concentrates what relevance is left on the motifs, but the zeros it "
                "leaves put many planted bases level with the background, so as a detector of "
                "every planted base the pruned map is worse"
            )
        lines.append(text + ".")
    return "\n".join(lines), pairs


def claim_rows(pairs, ps, seed=0):
    """The findings page's rows: pruning puts more of the positive relevance on the motifs
    (paired, one-sided), per run."""
    rows = []
    for run, (pruned, unpruned) in pairs.items():
        r = metrics.paired_comparison(pruned, unpruned, seed=seed)
        rows.append(
            claims.claim(
                f"pruning ({top(ps)}) puts more of the positive relevance on the motifs "
                f"({label(run)}, synthetic task)",
                "Yanez Sarmiento et al. 2024, relevance localisation",
                f"mass accuracy {r['mean_b']:.2f} unpruned, {r['mean_a']:.2f} pruned "
                f"({r['n']} sequences)",
                r["estimate"],
                r["p"],
                "greater",
            )
        )
    return rows


def examples(trained, sequences, motif, n):
    """The first `n` sequences every run's model calls `motif` (the first `n` where none is).

    Returns
    -------
    numpy.ndarray of int
    """
    called = np.ones(len(sequences), dtype=bool)
    for t in trained.values():
        predicted = models.predict(t.model, encode(t.tokenizer, sequences)).argmax(1).numpy()
        called &= predicted == motif
    return (np.flatnonzero(called) if called.any() else np.arange(len(sequences)))[:n]
