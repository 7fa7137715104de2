"""Tidy per-sequence tables of many maps: measures of each map, against a ground truth, per
region, between maps."""

import numpy as np
import torch

from .measures import (
    as_matrix,
    auroc,
    entropy,
    gini,
    relevance_enrichment,
    relevance_mass_accuracy,
    relevance_rank_accuracy,
    spearman,
    topk_overlap,
    zero_fraction,
)

GROUND_TRUTH = {
    "mass_accuracy": relevance_mass_accuracy,
    "rank_accuracy": relevance_rank_accuracy,
    "auroc": auroc,
}


def ground_truth_table(scores, mask, lengths=None):
    """Every map of several methods scored against one ground truth, per sequence.

    Parameters
    ----------
    scores : dict of str to numpy.ndarray or torch.Tensor, each shape (n, >= L)
        Method -> nucleotide scores; columns beyond the mask's L are ignored. A row of NaN
        marks a sequence the method did not score (its measures are NaN).
    mask : numpy.ndarray or torch.Tensor of bool, shape (n, L)
        True on ground-truth positions (e.g. a synthetic task's ``mask``).
    lengths : array-like of int, shape (n,), optional
        Valid positions per sequence (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        One row per method and sequence: ``method``, ``sequence`` (row index 0 .. n - 1) and
        one column per measure of `GROUND_TRUTH` (``mass_accuracy``, ``rank_accuracy``,
        ``auroc``; NaN where a measure is undefined, e.g. no positive relevance).
    """
    import pandas as pd

    if torch.is_tensor(mask):
        mask = mask.cpu().numpy()
    mask = np.asarray(mask, dtype=bool)
    parts = []
    for method, s in scores.items():
        s = as_matrix(s)
        if s.shape[0] != mask.shape[0] or s.shape[1] < mask.shape[1]:
            raise ValueError(
                f"{method}: scores of shape {s.shape} do not cover the mask {mask.shape}"
            )
        s = s[:, : mask.shape[1]]
        part = {"method": method, "sequence": np.arange(len(s))}
        part.update({name: f(s, mask, lengths) for name, f in GROUND_TRUTH.items()})
        parts.append(pd.DataFrame(part))
    columns = ["method", "sequence", *GROUND_TRUTH]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


MAP_MEASURES = {"gini": gini, "entropy": entropy, "zeros": zero_fraction}


def _tidy(scores, measures):
    """One row per map and sequence: method, sequence, then ``f(s)`` per measure."""
    import pandas as pd

    parts = [
        pd.DataFrame(
            {
                "method": method,
                "sequence": np.arange(len(s)),
                **{name: f(s) for name, f in measures.items()},
            }
        )
        for method, s in scores.items()
    ]
    columns = ["method", "sequence", *measures]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def map_table(scores, lengths=None, measures=("gini", "entropy"), reference=None, k=None):
    """Measures of each map on its own (no ground truth), per sequence, and its agreement with
    a reference map.

    The companion of `ground_truth_table` for measures that need no mask; the two merge on
    ``method`` and ``sequence``.

    Parameters
    ----------
    scores : dict of str to numpy.ndarray or torch.Tensor, each shape (n, L)
        Method -> scores of the same n sequences.
    lengths : array-like of int, shape (n,), optional
        Valid positions per sequence (see the module docstring).
    measures : list of str
        Keys of `MAP_MEASURES`: ``gini``, ``entropy``, ``zeros`` (`zero_fraction`).
    reference : numpy.ndarray or torch.Tensor, shape (n, L), optional
        A map each map is compared with (another model's, say): adds a ``spearman`` column
        (`spearman`) and, with `k`, an ``overlap`` column (`topk_overlap`).
    k : int, optional
        Top positions compared with the reference.

    Returns
    -------
    pandas.DataFrame
        One row per method and sequence: ``method``, ``sequence`` (0 .. n - 1), one column
        per measure, then ``spearman`` and ``overlap`` with a reference.
    """
    fs = {m: lambda s, f=MAP_MEASURES[m]: f(s, lengths) for m in measures}
    if reference is not None:
        fs["spearman"] = lambda s: spearman(s, reference, lengths)
        if k is not None:
            fs["overlap"] = lambda s: topk_overlap(s, reference, k, lengths)
    return _tidy(scores, fs)


def localisation_table(scores, regions, lengths=None):
    """Where each map puts its positive relevance, per sequence and named region.

    Parameters
    ----------
    scores : dict of str to numpy.ndarray or torch.Tensor, each shape (n, L)
        Method -> scores of the same n sequences.
    regions : dict of str to numpy.ndarray of bool, each shape (n, L)
        Name -> positions of the region (a window around the TSS, `motif_mask` matches).
    lengths : array-like of int, shape (n,), optional
        Valid positions per sequence (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        One row per method and sequence: ``method``, ``sequence``, and per region
        ``"<name> share"`` (`relevance_mass_accuracy`) and ``"<name> enrichment"``
        (`relevance_enrichment`); NaN where a sequence has no position in the region.
    """
    fs = {}
    for name, mask in regions.items():
        fs[f"{name} share"] = lambda s, m=mask: relevance_mass_accuracy(s, m, lengths)
        fs[f"{name} enrichment"] = lambda s, m=mask: relevance_enrichment(s, m, lengths)
    return _tidy(scores, fs)


def mean_profile(scores):
    """Mean score along the sequences, each row first scaled to a largest absolute score of 1,
    so that every sequence weighs the same whatever its map's scale.

    Parameters
    ----------
    scores : numpy.ndarray or torch.Tensor, shape (n, L)

    Returns
    -------
    numpy.ndarray, shape (L,)
        In the scores' floating type.
    """
    s = scores.detach().cpu().numpy() if torch.is_tensor(scores) else np.asarray(scores)
    return (s / np.maximum(np.abs(s).max(1, keepdims=True), 1e-12)).mean(0)


def _nanmean(x):
    """Mean of the non-NaN values; NaN when there are none (without numpy's warning)."""
    x = np.asarray(x, dtype=np.float64)
    return float(x[~np.isnan(x)].mean()) if (~np.isnan(x)).any() else np.nan


def agreement(maps, lengths=None, k=None):
    """Mean agreement per sequence between every pair of maps of the same sequences.

    Parameters
    ----------
    maps : dict of str to numpy.ndarray or torch.Tensor, each shape (n, L)
        Name -> scores.
    lengths : array-like of int, shape (n,), optional
        Valid positions per sequence (see the module docstring).
    k : int, optional
        None: Spearman correlation (`spearman`); else the share of the top k positions in
        common (`topk_overlap`).

    Returns
    -------
    pandas.DataFrame, shape (m, m)
        Indexed and columned by the m names; each cell the mean over sequences, those where
        the measure is undefined (a constant map) left out.
    """
    import pandas as pd

    def measure(a, b):
        return spearman(a, b, lengths) if k is None else topk_overlap(a, b, k, lengths)

    names = list(maps)
    return pd.DataFrame(
        [[_nanmean(measure(maps[a], maps[b])) for b in names] for a in names],
        index=names,
        columns=names,
    )


def paired_values(table, value, a, b, key="method"):
    """One measure of two maps on the same sequences, from a tidy per-sequence table.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per map and sequence, with columns `key`, ``sequence`` and `value` (e.g. from
        `ground_truth_table` or `map_table`).
    value : str
        The measure.
    a, b : str
        The two maps, values of `key`.
    key : str
        Column naming the maps.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray), each shape (n,)
        The measure of a and of b over the n sequences either has, in sequence order; NaN
        where one map lacks a sequence (`paired_comparison` drops those pairs).
    """
    wide = table.pivot(index="sequence", columns=key, values=value)
    return (wide[a].to_numpy(dtype=np.float64), wide[b].to_numpy(dtype=np.float64))
