"""Agreement between the two models' maps: rank correlation and top-k overlap."""

import numpy as np
import pandas as pd

from ... import metrics
from .. import sequence_lengths
from .runs import both_models, label


def agreement(scores, samples, k=None):
    """Mean agreement per sequence between every pair of maps of a task, both models'.

    Parameters
    ----------
    scores, samples
        See the module docstring.
    k : int, optional
        None: Spearman correlation; else the share of the top k positions in common.

    Returns
    -------
    dict of str to pandas.DataFrame
        Task -> `metrics.agreement`'s square table, by `label`.
    """
    tables = {}
    for task, ds in samples.items():
        maps = {
            label(m, method): s
            for (m, tk), ms in scores.items()
            if tk == task
            for method, s in ms.items()
        }
        tables[task] = metrics.agreement(maps, sequence_lengths(ds), k=k)
    return tables


def overlap_table(scores, samples, spearman, overlaps, lrp, k):
    """Agreement between a DNABERT-2 map and a CNN map: the two LRP maps, and each method
    both models run.

    Parameters
    ----------
    scores, samples, lrp
        See the module docstring.
    spearman, overlaps : dict of str to pandas.DataFrame
        `agreement` without and with `k`.
    k : int

    Returns
    -------
    pandas.DataFrame
        One row per task and pair: ``task``, ``DNABERT-2``, ``CNN`` (the methods),
        ``Spearman``, ``top-<k> overlap`` and ``chance``, the overlap two random maps have in
        expectation (k / L, averaged over the sequences).
    """
    rows = []
    for task in both_models(scores):
        a, b = scores["dnabert2", task], scores["cnn", task]
        lengths = sequence_lengths(samples[task])
        for ma, mb in dict.fromkeys(
            [(lrp["dnabert2"], lrp["cnn"])] + [(m, m) for m in a if m in b]
        ):
            pair = label("dnabert2", ma), label("cnn", mb)
            rows.append(
                {
                    "task": task,
                    "DNABERT-2": ma,
                    "CNN": mb,
                    "Spearman": spearman[task].loc[pair],
                    f"top-{k} overlap": overlaps[task].loc[pair],
                    "chance": np.mean(np.minimum(k, lengths) / lengths),
                }
            )
    return pd.DataFrame(rows)
