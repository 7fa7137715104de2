"""Faithfulness, sparsity and complexity of every map: mutation curves, the area between
them, and the Gini index and entropy."""

import pandas as pd

from ... import cache, metrics, mutagenesis
from .. import NAME, sequence_lengths
from .runs import tidy


def faithfulness(trained, samples, scores, maps, lrp, ns, seed=0, precision="fp32"):
    """Drop of the explained class's probability as each map's most, and least, relevant
    positions are mutated (`mutagenesis.faithfulness`, cached).

    DNABERT-2 also runs its LRP map under copy, as ``"<method> (copy)"`` (mean is the same
    map for BPE tokens).

    Parameters
    ----------
    trained, samples, scores, lrp
        See the module docstring.
    maps : dict of str to dict of str to numpy.ndarray
        `strategy_maps`.
    ns : list of int
        Numbers of positions mutated.
    seed : int
    precision : str
        Of classifying the mutants (`mutagenesis_precision`).

    Returns
    -------
    pandas.DataFrame
        One row per map, order, n and sequence: ``method``, ``order`` (``"most"``,
        ``"least"``), ``n``, ``sequence``, ``drop``, ``task``, ``model``, ``label``.
    """
    drops = []
    for (model, task), t in trained.items():
        ds, mine = samples[task], dict(scores[model, task])
        if task in maps and model == "dnabert2":
            mine[f"{lrp[model]} (copy)"] = maps[task]["copy"]
        for order in ["most", "least"]:
            key = {
                "checkpoint": t.key,
                "sequences": ds.sequences,
                "targets": ds.labels,
                "scores": mine,
                "ns": ns,
                "order": order,
                "seed": seed,
                "per_sequence": True,
                "precision": precision,
            }
            table = cache.cached(
                "faithfulness",
                key,
                lambda: mutagenesis.faithfulness(
                    t.model,
                    t.tokenizer,
                    ds.sequences,
                    ds.labels,
                    mine,
                    ns=ns,
                    order=order,
                    seed=seed,
                    per_sequence=True,
                    precision=precision,
                ),
                code=["mutagenesis.py"],
            )
            drops.append(tidy(table, model, task))
    return pd.concat(drops, ignore_index=True)


def curves(drops):
    """Mean drop per map, order and n, without the copy maps (they are for the strategies).

    Parameters
    ----------
    drops : pandas.DataFrame
        `faithfulness`.

    Returns
    -------
    pandas.DataFrame
        Columns ``task``, ``model``, ``method``, ``label``, ``order``, ``n``, ``drop``.
    """
    mean = (
        drops.groupby(["task", "model", "method", "label", "order", "n"], sort=False)["drop"]
        .mean()
        .reset_index()
    )
    return mean[~mean.method.str.endswith("(copy)")]


def areas(drops):
    """Per sequence, the mean drop of each order and the area between the two curves.

    Parameters
    ----------
    drops : pandas.DataFrame
        `faithfulness`: every n of both orders for each map and sequence.

    Returns
    -------
    pandas.DataFrame
        One row per map and sequence: ``task``, ``model``, ``method``, ``label``,
        ``sequence``, ``mean drop, most first``, ``mean drop, least first`` (`metrics.mean_drop`)
        and ``area between curves`` (`metrics.area_between_curves`).
    """
    # per sequence: the drop at every step, most and least relevant first, side by side
    wide = drops.pivot_table(
        index=["task", "model", "method", "label", "sequence"],
        columns=["order", "n"],
        values="drop",
        sort=False,
    )
    most, least = wide["most"], wide["least"]
    return pd.DataFrame(
        {
            "mean drop, most first": metrics.mean_drop(most.to_numpy()),
            "mean drop, least first": metrics.mean_drop(least.to_numpy()),
            "area between curves": metrics.area_between_curves(
                most.columns.to_numpy(), most.to_numpy(), least.to_numpy()
            ),
        },
        index=wide.index,
    ).reset_index()


def faithfulness_table(per_sequence):
    """`areas`' measures averaged over the sequences, indexed by task, model and method."""
    columns = ["mean drop, most first", "mean drop, least first", "area between curves"]
    return per_sequence.groupby(["task", "model", "method"], sort=False)[columns].mean()


def paired_areas(per_sequence, task, model, a, b):
    """Per-sequence areas between the curves of two maps of one model, paired by sequence.

    Parameters
    ----------
    per_sequence : pandas.DataFrame
        `areas`.
    task, model : str
        E.g. ``"prom_300_tata"``, ``"dnabert2"``.
    a, b : str
        Two of the model's methods.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray), each shape (n,)
    """
    part = per_sequence[(per_sequence.task == task) & (per_sequence.model == NAME[model])]
    return metrics.paired_values(part, "area between curves", a, b)


def map_measures(scores, samples):
    """Sparsity (Gini) and complexity (entropy) of every map, per sequence.

    Returns
    -------
    pandas.DataFrame
        `metrics.map_table`'s rows (``method``, ``sequence``, ``gini``, ``entropy``) with
        `tidy`'s columns.
    """
    return pd.concat(
        [
            tidy(metrics.map_table(maps, sequence_lengths(samples[task])), model, task)
            for (model, task), maps in scores.items()
        ],
        ignore_index=True,
    )
