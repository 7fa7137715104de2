"""Per-sequence measures of nucleotide score maps: sparsity, complexity, ground-truth agreement,
agreement between maps, summaries of perturbation curves, and paired comparisons of measures.

The map measures take score matrices of shape (n, L), numpy arrays or torch tensors, one row per
sequence, and return a float64 numpy array of shape (n,); `mean_drop` and
`area_between_curves` take perturbation curves.
Which positions of a row count:

* with ``lengths`` (shape (n,)), only positions ``0 .. lengths[i] - 1`` of row i;
* NaN marks an absent position too, so ragged maps can also be padded with NaN.

Attribution maps are 0 beyond a sequence's end; without ``lengths`` those zeros count as scores,
which changes Gini, entropy, AUROC and Spearman: pass ``lengths`` for ragged batches.

Ties in top-k measures are shared, not broken by position: a position tied at the k-th largest
score counts as the fraction of the tie that fits in the top k, i.e. the expected value under a
uniformly random tie break.
"""

import numpy as np
import scipy.stats
import torch

from .notation import p_value


def _array(x):
    """A float64 numpy copy of a 2-D numpy array or torch tensor."""
    if torch.is_tensor(x):
        x = x.detach().cpu().numpy()
    x = np.array(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"scores must have shape (n, L), got {x.shape}")
    return x


def _valid(scores, lengths=None):
    """Positions that count, shape (n, L): not NaN and inside each sequence."""
    valid = ~np.isnan(scores)
    if lengths is not None:
        valid &= np.arange(scores.shape[1]) < np.asarray(lengths)[:, None]
    return valid


def _mask(mask, shape):
    """A boolean ground-truth mask of the scores' shape."""
    if torch.is_tensor(mask):
        mask = mask.cpu().numpy()
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != shape:
        raise ValueError(f"mask shape {mask.shape} does not match scores {shape}")
    return mask


def _ranks(x, valid):
    """1-based average ranks (ties share their mean rank) among each row's valid entries; 0
    elsewhere. Absent entries become +inf, so they rank after every valid one."""
    r = scipy.stats.rankdata(np.where(valid, x, np.inf), axis=1)
    return np.where(valid, r, 0.0)


def _top(x, valid, k):
    """Probability that each position is among its row's top k under a random tie break.

    Parameters
    ----------
    x : numpy.ndarray, shape (n, L)
    valid : numpy.ndarray of bool, shape (n, L)
    k : numpy.ndarray of int, shape (n,)
        At most the number of valid positions of the row.

    Returns
    -------
    numpy.ndarray, shape (n, L)
        1 above the k-th largest valid score, the fraction of the tie that fits at it, else 0;
        each row sums to k.
    """
    x = np.where(valid, x, -np.inf)
    kth = -np.sort(-x, axis=1)[np.arange(len(x)), np.maximum(k - 1, 0)][:, None]
    above = valid & (x > kth)
    tied = valid & (x == kth)
    share = (k - above.sum(1)) / np.maximum(tied.sum(1), 1)
    w = above + tied * share[:, None]
    w[k == 0] = 0
    return w


def _divide(num, den):
    """num / den, NaN where den is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1), np.nan)


def gini(scores, lengths=None):
    """Sparsity: Gini index of the absolute scores of each sequence.

    With the m valid absolute scores sorted ascending, x_(1) <= ... <= x_(m) (Hurley & Rickard
    2009; Chalasani et al. 2020)::

        G = sum_i (2 i - m - 1) x_(i) / (m sum_i x_i)

    One non-zero score gives 1 - 1/m, equal scores give 0. An all-zero map counts as flat (0);
    a row without valid positions gives NaN.

    Parameters
    ----------
    scores : numpy.ndarray or torch.Tensor, shape (n, L)
    lengths : array-like of int, shape (n,), optional
        Valid positions per sequence (see the module docstring).

    Returns
    -------
    numpy.ndarray, shape (n,)
    """
    s = _array(scores)
    valid = _valid(s, lengths)
    m = valid.sum(1)
    x = np.sort(np.where(valid, np.abs(s), np.inf), axis=1)  # valid entries first
    i = np.arange(1, s.shape[1] + 1)
    x = np.where(i <= m[:, None], x, 0)
    g = _divide(((2 * i - m[:, None] - 1) * x).sum(1), m * x.sum(1))
    return np.where((m > 0) & np.isnan(g), 0.0, g)


def entropy(scores, lengths=None):
    """Complexity: Shannon entropy (natural log) of each sequence's absolute scores normalised
    to sum to 1, ``H = -sum_i p_i log p_i`` with ``p_i = |s_i| / sum_j |s_j|`` and 0 log 0 = 0.

    One non-zero score gives 0, m equal scores give log m. An all-zero map counts as flat
    (log m); a row without valid positions gives NaN.

    Parameters
    ----------
    scores : numpy.ndarray or torch.Tensor, shape (n, L)
    lengths : array-like of int, shape (n,), optional
        Valid positions per sequence (see the module docstring).

    Returns
    -------
    numpy.ndarray, shape (n,)
    """
    s = _array(scores)
    valid = _valid(s, lengths)
    m = valid.sum(1)
    a = np.where(valid, np.abs(s), 0)
    total = a.sum(1, keepdims=True)
    p = np.where(total > 0, a / np.where(total > 0, total, 1), valid / np.maximum(m, 1)[:, None])
    h = -(p * np.log(np.where(p > 0, p, 1))).sum(1)
    return np.where(m > 0, h, np.nan)


def relevance_mass_accuracy(scores, mask, lengths=None):
    """Share of the positive relevance that falls inside the ground truth (Arras et al. 2022).

    ``RMA = sum_{i in mask} max(s_i, 0) / sum_i max(s_i, 0)``: as in CLEVR-XAI, only positive
    relevance counts (negative relevance is evidence against the class). NaN for sequences
    without positive relevance or without ground-truth positions (e.g. negatives of a
    synthetic task).

    Parameters
    ----------
    scores : numpy.ndarray or torch.Tensor, shape (n, L)
    mask : numpy.ndarray or torch.Tensor of bool, shape (n, L)
        True on ground-truth positions (e.g. ``data.synthetic(...).mask``).
    lengths : array-like of int, shape (n,), optional
        Valid positions per sequence (see the module docstring).

    Returns
    -------
    numpy.ndarray, shape (n,), values in [0, 1]
    """
    s = _array(scores)
    valid = _valid(s, lengths)
    inside = _mask(mask, s.shape) & valid
    r = np.where(valid, np.maximum(s, 0), 0)
    out = _divide((r * inside).sum(1), r.sum(1))
    return np.where(inside.any(1), out, np.nan)


def relevance_rank_accuracy(scores, mask, lengths=None):
    """Fraction of the K highest-scoring positions that lie in the ground truth, K = mask size
    (Arras et al. 2022). Ties at the K-th score count fractionally (module docstring). NaN for
    sequences without ground-truth positions.

    Parameters
    ----------
    scores : numpy.ndarray or torch.Tensor, shape (n, L)
    mask : numpy.ndarray or torch.Tensor of bool, shape (n, L)
        True on ground-truth positions.
    lengths : array-like of int, shape (n,), optional
        Valid positions per sequence (see the module docstring).

    Returns
    -------
    numpy.ndarray, shape (n,), values in [0, 1]
    """
    s = _array(scores)
    valid = _valid(s, lengths)
    inside = _mask(mask, s.shape) & valid
    k = inside.sum(1)
    return _divide((_top(s, valid, k) * inside).sum(1), k)


def auroc(scores, mask, lengths=None):
    """Area under the ROC curve of each sequence's scores as a detector of its mask positions.

    Mann-Whitney form with average ranks for ties: ``(R_+ - P (P + 1) / 2) / (P N)`` where R_+
    is the rank sum of the P mask positions among the P + N valid positions. NaN for sequences
    without mask positions or without other positions.

    Parameters
    ----------
    scores : numpy.ndarray or torch.Tensor, shape (n, L)
    mask : numpy.ndarray or torch.Tensor of bool, shape (n, L)
        True on ground-truth positions.
    lengths : array-like of int, shape (n,), optional
        Valid positions per sequence (see the module docstring).

    Returns
    -------
    numpy.ndarray, shape (n,), values in [0, 1]
    """
    s = _array(scores)
    valid = _valid(s, lengths)
    pos = _mask(mask, s.shape) & valid
    p = pos.sum(1)
    q = valid.sum(1) - p
    r = _ranks(s, valid)
    return _divide((r * pos).sum(1) - p * (p + 1) / 2, p * q)


def spearman(a, b, lengths=None):
    """Spearman rank correlation between two maps of each sequence (average ranks for ties).

    Positions count when they are valid in both maps. NaN when a map is constant.

    Parameters
    ----------
    a, b : numpy.ndarray or torch.Tensor, shape (n, L)
    lengths : array-like of int, shape (n,), optional
        Valid positions per sequence (see the module docstring).

    Returns
    -------
    numpy.ndarray, shape (n,), values in [-1, 1]
    """
    a, b = _array(a), _array(b)
    valid = _valid(a, lengths) & _valid(b)
    mean = (valid.sum(1, keepdims=True) + 1) / 2  # mean of 1..m, whatever the ties
    da = np.where(valid, _ranks(a, valid) - mean, 0)
    db = np.where(valid, _ranks(b, valid) - mean, 0)
    return _divide((da * db).sum(1), np.sqrt((da**2).sum(1) * (db**2).sum(1)))


def topk_overlap(a, b, k, lengths=None):
    """Share of the top k positions two maps of each sequence have in common,
    ``|top_k(a) ∩ top_k(b)| / k``.

    Ties are broken independently in the two maps, and the result is the expected overlap
    ``sum_i P(i in top_k(a)) P(i in top_k(b)) / k``: exact without ties at the k-th score. k is
    capped at the number of positions valid in both maps; NaN where that is 0.

    Parameters
    ----------
    a, b : numpy.ndarray or torch.Tensor, shape (n, L)
    k : int
        Number of top positions.
    lengths : array-like of int, shape (n,), optional
        Valid positions per sequence (see the module docstring).

    Returns
    -------
    numpy.ndarray, shape (n,), values in [0, 1]
    """
    a, b = _array(a), _array(b)
    valid = _valid(a, lengths) & _valid(b)
    k = np.minimum(k, valid.sum(1))
    return _divide((_top(a, valid, k) * _top(b, valid, k)).sum(1), k)


def _curves(x):
    """A float64 numpy copy of perturbation curves (..., steps)."""
    if torch.is_tensor(x):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def mean_drop(drops):
    """Mean drop of the explained output over a few perturbation steps.

    For a step set N (e.g. n = 1, 5, 10, 15, 20 mutated positions) and target probability p_c::

        mean drop = 1 / |N| sum_{n in N} (p_c(x) - p_c(x^(n)))

    where x^(n) has its n most (or least) relevant positions perturbed. This is not the AOPC of
    Samek et al. (2017), which averages the drop over every step k = 0 ... K of a perturbation
    that removes one more region per step: over a few uneven steps each weighs the same
    whatever the gap to the next, a coarse summary of the curve, named here for what it is.

    Parameters
    ----------
    drops : numpy.ndarray or torch.Tensor, shape (..., steps)
        ``p_c(x) - p_c(x^(n))`` for each step n, last axis.

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    return _curves(drops).mean(-1)


def area_between_curves(ns, most, least):
    """Faithfulness as in AttnLRP's protocol: the area between the least-relevant-first and the
    most-relevant-first perturbation curves (Achtibat et al. 2024, after Bluecher et al. 2024).

    With drops d(n) = p_c(x) - p_c(x^(n)), the curve of p_c under least-relevant-first
    perturbation lies above the most-relevant-first one by ``d_most(n) - d_least(n)``. The area
    is that gap integrated by the trapezoidal rule over n from 0 (where both curves start at
    p_c(x), gap 0) to max(ns), divided by max(ns): a mean gap per unit of n, in units of
    probability. Positive for a map whose top positions matter more than its bottom ones;
    about 0 for a random map, whose two orders are both random.

    Parameters
    ----------
    ns : array-like of int, shape (steps,)
        Positions perturbed at each step, increasing, all >= 1.
    most, least : numpy.ndarray or torch.Tensor, shape (..., steps)
        Drops with the most and with the least relevant positions perturbed first.

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    ns = np.asarray(ns, dtype=np.float64)
    most, least = _curves(most), _curves(least)
    if ns.ndim != 1 or not len(ns) or ns[0] < 1 or np.any(np.diff(ns) <= 0):
        raise ValueError(f"ns must be increasing positive steps, got {ns.tolist()}")
    if most.shape != least.shape or most.shape[-1:] != ns.shape:
        raise ValueError(f"curves of shapes {most.shape} and {least.shape} do not match "
                         f"{len(ns)} steps")
    gap = most - least
    gap = np.concatenate([np.zeros(gap.shape[:-1] + (1,)), gap], axis=-1)
    x = np.r_[0.0, ns]
    return ((gap[..., 1:] + gap[..., :-1]) / 2 * np.diff(x)).sum(-1) / x[-1]


# --------------------------------------------------------------------------------------------
# Localisation on known sites, token-level views and paired comparisons
# --------------------------------------------------------------------------------------------

IUPAC = {"A": "A", "C": "C", "G": "G", "T": "T", "R": "AG", "Y": "CT", "S": "CG", "W": "AT",
         "K": "GT", "M": "AC", "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG", "N": "ACGT"}


def motif_mask(sequences, pattern, length=None):
    """Positions covered by a match of an IUPAC pattern, e.g. ``"TATAWAW"`` (a TATA box).

    Matches are searched on the given strand only (a promoter's TATA box lies on its sense
    strand) and may overlap; every position of every match is True. ``N`` in a sequence
    matches nothing, ``N`` in the pattern matches any base.

    Parameters
    ----------
    sequences : list of str
        n sequences of A, C, G, T, N (any case).
    pattern : str
        IUPAC letters (`IUPAC`).
    length : int, optional
        Columns of the mask; the longest sequence when None.

    Returns
    -------
    numpy.ndarray of bool, shape (n, length)
    """
    import re

    pattern = pattern.upper()
    bad = sorted(set(pattern) - set(IUPAC))
    if not pattern or bad:
        raise ValueError(f"pattern must be IUPAC letters ({''.join(IUPAC)}), got {pattern!r}")
    regex = re.compile("(?=" + "".join(f"[{IUPAC[c]}]" for c in pattern) + ")")
    width = len(pattern)
    length = max((len(s) for s in sequences), default=0) if length is None else length
    mask = np.zeros((len(sequences), length), dtype=bool)
    for i, s in enumerate(sequences):
        for m in regex.finditer(s.upper()):
            mask[i, m.start() : m.start() + width] = True
    return mask


def relevance_enrichment(scores, mask, lengths=None):
    """Share of the positive relevance inside a region over the share of positions it covers.

    ``E = RMA / (|mask| / m)`` with RMA = `relevance_mass_accuracy` and m the valid positions
    of the sequence: 1 is what a map that spreads its positive relevance evenly puts there,
    above 1 the map concentrates on the region. NaN where RMA is NaN (no positive relevance,
    empty region).

    Parameters
    ----------
    scores : numpy.ndarray or torch.Tensor, shape (n, L)
    mask : numpy.ndarray or torch.Tensor of bool, shape (n, L)
        True inside the region (a window around the TSS, motif matches from `motif_mask`).
    lengths : array-like of int, shape (n,), optional
        Valid positions per sequence (see the module docstring).

    Returns
    -------
    numpy.ndarray, shape (n,), values in [0, m / |mask|]
    """
    s = _array(scores)
    valid = _valid(s, lengths)
    inside = _mask(mask, s.shape) & valid
    expected = _divide(inside.sum(1).astype(float), valid.sum(1).astype(float))
    return _divide(relevance_mass_accuracy(s, inside, lengths), expected)


def token_level(scores, tokenization):
    """Nucleotide scores summed over each token's span, NaN at [CLS], [SEP] and padding.

    The aggregation direction of `positions`: the result feeds the map measures of this module
    at token level (NaN marks absent entries). Summing inverts the ``"split"`` strategy
    exactly, so a transformer's token scores come back from its split nucleotide scores, and
    a CNN's nucleotide map can be read on the transformer's tokens.

    Parameters
    ----------
    scores : numpy.ndarray or torch.Tensor, shape (n, L)
        Nucleotide scores, L at least the longest tokenised sequence.
    tokenization : tokenizers.Tokenization
        Gives each token's span (n sequences, t tokens).

    Returns
    -------
    numpy.ndarray, shape (n, t)
    """
    from .positions import to_tokens

    x = torch.as_tensor(_array(scores))
    out = to_tokens(x, tokenization).numpy()
    return np.where(tokenization.spans[..., 0].cpu().numpy() >= 0, out, np.nan)


def _pair(a, b):
    """Two 1-D float64 arrays of one shape, cut to the pairs where both are finite."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"a and b must be 1-D of one shape, got {a.shape} and {b.shape}")
    keep = np.isfinite(a) & np.isfinite(b)
    return a[keep], b[keep]


def paired_comparison(a, b, level=0.95, n_resamples=9999, seed=0):
    """Compare two measures taken on the same sequences: mean difference, interval and p.

    Pairs with a NaN or infinite value on either side are dropped. The estimate is the mean
    of d = a - b; the interval the percentile bootstrap interval of that mean
    (`scipy.stats.bootstrap`); p that of the two-sided sign-flip permutation test of the mean
    (`scipy.stats.permutation_test`, paired: each d_i keeps or flips its sign), exact over all
    2^n sign patterns while 2^n <= `n_resamples`, else from `n_resamples` random ones. Both
    are about the mean, so a large difference in a few sequences counts as such.

    Parameters
    ----------
    a, b : array-like, shape (n,)
        One measure per sequence for two maps, same sequences in the same order.
    level : float
        Coverage of the interval, in (0, 1).
    n_resamples : int
        Bootstrap resamples, and the most sign patterns drawn.
    seed : int
        Seed of both resamplings.

    Returns
    -------
    dict
        ``n`` (pairs used), ``mean_a``, ``mean_b``, ``estimate`` (mean of a - b), ``lo``,
        ``hi`` and ``p``. Without pairs all but ``n`` are NaN; with one pair ``lo`` and ``hi``
        are NaN and p is 1; p is 1 and the interval (0, 0) when every difference is 0.
    """
    a, b = _pair(a, b)
    d = a - b
    out = {"n": len(d), "mean_a": np.nan, "mean_b": np.nan, "estimate": np.nan, "lo": np.nan,
           "hi": np.nan, "p": np.nan}
    if not len(d):
        return out
    out.update(mean_a=a.mean(), mean_b=b.mean(), estimate=d.mean())
    if not d.any():
        out.update(lo=0.0, hi=0.0, p=1.0)
    elif len(d) == 1:  # +d and -d are equally far from 0
        out["p"] = 1.0
    else:
        out["p"] = float(scipy.stats.permutation_test(
            (d,), np.mean, permutation_type="samples", n_resamples=n_resamples,
            vectorized=True, axis=-1, rng=seed).pvalue)
        ci = scipy.stats.bootstrap((d,), np.mean, n_resamples=n_resamples, vectorized=True,
                                   axis=-1, confidence_level=level, method="percentile",
                                   rng=seed).confidence_interval
        out.update(lo=float(ci.low), hi=float(ci.high))
    return out


def paired_comparisons(pairs, level=0.95, n_resamples=9999, seed=0):
    """`paired_comparison` of many pairs of measures, as one family of tests.

    p-values are adjusted for the family by Benjamini-Hochberg
    (`scipy.stats.false_discovery_control`): verdicts on adjusted p < 0.05 keep the expected
    share of false ones among them at 5 % or less (for independent or positively dependent
    tests). Pairs without a p (no pairs of values) are left out of the family.

    Parameters
    ----------
    pairs : dict of hashable to (array-like, array-like)
        Key (str or tuple, e.g. (task, measure)) -> (a, b), each shape (n,) for that pair.
    level, n_resamples, seed
        As for `paired_comparison`.

    Returns
    -------
    pandas.DataFrame
        Indexed by the keys (a MultiIndex for tuple keys), in their order; columns ``n``,
        ``mean_a``, ``mean_b``, ``estimate``, ``lo``, ``hi``, ``p`` and ``p_adjusted``.
    """
    import pandas as pd

    columns = ["n", "mean_a", "mean_b", "estimate", "lo", "hi", "p", "p_adjusted"]
    keys = list(pairs)
    table = pd.DataFrame([paired_comparison(a, b, level, n_resamples, seed)
                          for a, b in pairs.values()],
                         index=pd.Index(keys, tupleize_cols=True), columns=columns[:-1])
    table["n"] = table["n"].astype(int)
    tested = table["p"].notna().to_numpy()
    table["p_adjusted"] = np.nan
    if tested.any():
        table.loc[tested, "p_adjusted"] = scipy.stats.false_discovery_control(
            table["p"].to_numpy()[tested], method="bh")
    return table


# --------------------------------------------------------------------------------------------
# Known answers: ground-truth scores per sequence, bootstrap intervals, tolerance limits
# --------------------------------------------------------------------------------------------

GROUND_TRUTH = {"mass_accuracy": relevance_mass_accuracy,
                "rank_accuracy": relevance_rank_accuracy,
                "auroc": auroc}


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
        s = _array(s)
        if s.shape[0] != mask.shape[0] or s.shape[1] < mask.shape[1]:
            raise ValueError(f"{method}: scores of shape {s.shape} do not cover the mask "
                             f"{mask.shape}")
        s = s[:, : mask.shape[1]]
        part = {"method": method, "sequence": np.arange(len(s))}
        part.update({name: f(s, mask, lengths) for name, f in GROUND_TRUTH.items()})
        parts.append(pd.DataFrame(part))
    columns = ["method", "sequence", *GROUND_TRUTH]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def bootstrap_mean(values, level=0.95, n_boot=2000, seed=0):
    """Mean of the finite values and a percentile bootstrap interval for it.

    The values (e.g. one measure over sequences) are resampled with replacement `n_boot`
    times (`scipy.stats.bootstrap`); the interval holds the middle `level` of the resampled
    means.

    Parameters
    ----------
    values : array-like, shape (n,)
        NaN and infinite values are dropped first.
    level : float
        Coverage of the interval, in (0, 1).
    n_boot : int
        Bootstrap resamples.
    seed : int
        Seed of the resampling.

    Returns
    -------
    dict
        ``mean``, ``lo``, ``hi`` and ``n`` (finite values used). Without values the mean is
        NaN; with fewer than two, ``lo`` and ``hi`` are NaN.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    out = {"mean": v.mean() if len(v) else np.nan, "lo": np.nan, "hi": np.nan, "n": len(v)}
    if len(v) < 2:
        return out
    ci = scipy.stats.bootstrap((v,), np.mean, n_resamples=n_boot, vectorized=True, axis=-1,
                               confidence_level=level, method="percentile",
                               rng=seed).confidence_interval
    out["lo"], out["hi"] = float(ci.low), float(ci.high)
    return out


def bootstrap_difference(a, b, level=0.95, n_boot=2000, seed=0):
    """Mean of the paired differences a - b and its bootstrap interval (`bootstrap_mean`).

    Pairs where either side is not finite are dropped, so a method scored on fewer sequences
    is compared only where both were scored.

    Parameters
    ----------
    a, b : array-like, shape (n,)
        One measure per sequence for two methods, same sequences in the same order.
    level, n_boot, seed
        As for `bootstrap_mean`.

    Returns
    -------
    dict
        ``mean``, ``lo``, ``hi``, ``n`` of a - b.
    """
    a, b = _pair(a, b)
    return bootstrap_mean(a - b, level, n_boot, seed)


def bootstrap_summary(table, value, by, level=0.95, n_boot=2000, seed=0):
    """Mean and bootstrap interval of one column of a per-sequence table, per group.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per sequence (and group), e.g. from `ground_truth_table`.
    value : str
        Column summarised.
    by : str or list of str
        Grouping columns (e.g. ``["model", "method"]``); groups keep their first appearance.
    level, n_boot, seed
        As for `bootstrap_mean`.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then ``mean``, ``lo``, ``hi``, ``n``; one row per group.
    """
    import pandas as pd

    by = [by] if isinstance(by, str) else list(by)
    rows = []
    for key, part in table.groupby(by, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(by, key)),
                     **bootstrap_mean(part[value].to_numpy(), level, n_boot, seed)})
    return pd.DataFrame(rows, columns=[*by, "mean", "lo", "hi", "n"])


def last_within(xs, ys, tolerance=0.1):
    """Largest x up to which y has not fallen more than `tolerance` below its first value.

    The points are taken in order of x; y_0 is the value at the smallest x. The result is the
    last x before the first point with ``y < (1 - tolerance) * y_0`` (rises never count). Used
    for "how far can p grow before faithfulness drops by more than 10 %".

    Parameters
    ----------
    xs, ys : array-like, shape (m,)
        E.g. pruning fractions and the mean drop at each.
    tolerance : float
        Relative drop allowed, >= 0.

    Returns
    -------
    float
        NaN when y_0 is not a positive finite number (there is nothing to lose) or a y is NaN
        before the limit is reached.
    """
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    if xs.shape != ys.shape or xs.ndim != 1 or not len(xs):
        raise ValueError(f"xs and ys must be 1-D of one non-zero length, got {xs.shape}, "
                         f"{ys.shape}")
    order = np.argsort(xs, kind="stable")
    xs, ys = xs[order], ys[order]
    if not (np.isfinite(ys[0]) and ys[0] > 0):
        return np.nan
    floor = (1 - tolerance) * ys[0]
    last = xs[0]
    for x, y in zip(xs, ys):
        if np.isnan(y):
            return np.nan
        if y < floor:
            break
        last = x
    return float(last)


def zero_fraction(scores, lengths=None):
    """Share of each sequence's valid positions whose score is exactly 0 (a blunt sparsity).

    Parameters
    ----------
    scores : numpy.ndarray or torch.Tensor, shape (n, L)
    lengths : array-like of int, shape (n,), optional
        Valid positions per sequence (see the module docstring).

    Returns
    -------
    numpy.ndarray, shape (n,)
        NaN for a row without valid positions.
    """
    s = _array(scores)
    valid = _valid(s, lengths)
    return _divide(((s == 0) & valid).sum(1), valid.sum(1))


# --------------------------------------------------------------------------------------------
# Tables over many maps: per-sequence measures, agreement, localisation, paired values, verdicts
# --------------------------------------------------------------------------------------------

MAP_MEASURES = {"gini": gini, "entropy": entropy, "zeros": zero_fraction}


def _tidy(scores, measures):
    """One row per map and sequence: method, sequence, then ``f(s)`` per measure."""
    import pandas as pd

    parts = [pd.DataFrame({"method": method, "sequence": np.arange(len(s)),
                           **{name: f(s) for name, f in measures.items()}})
             for method, s in scores.items()]
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
    return pd.DataFrame([[_nanmean(measure(maps[a], maps[b])) for b in names] for a in names],
                        index=names, columns=names)


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


def verdict(r, a="a", b="b", higher=True, effect=0.0, alpha=0.05, fmt=".3g"):
    """One paired comparison in words: which side is better, and the numbers behind it.

    Parameters
    ----------
    r : pandas.Series or namedtuple
        A row of `paired_comparisons`: ``n``, ``estimate`` (mean of a - b), ``lo``, ``hi``,
        ``p_adjusted``.
    a, b : str
        Names of the two sides, as the text should say them.
    higher : bool
        Whether a higher value of the measure is better.
    effect : float
        Smallest absolute difference read as one.
    alpha : float
        Adjusted p below which a difference counts.
    fmt : str
        Format of the difference and its interval.

    Returns
    -------
    str
        "too few sequences to compare" (n < 2), else "no clear difference (...)", "a clear
        difference, but below <effect> (...)" or "**<a or b>** is better (...)", the
        parentheses holding the difference, its 95 % interval and the adjusted p.
    """
    if r.n < 2:
        return "too few sequences to compare"
    numbers = (f"mean difference {r.estimate:+{fmt}}, 95 % interval {r.lo:+{fmt}} to "
               f"{r.hi:+{fmt}}, adjusted p = {p_value(r.p_adjusted)}")
    if not r.p_adjusted < alpha:
        return f"no clear difference ({numbers})"
    if abs(r.estimate) < effect:
        return f"a clear difference, but below {effect} ({numbers})"
    return f"**{a if (r.estimate > 0) == higher else b}** is better ({numbers})"


def rank_correlation(a, b, min_n=3):
    """Spearman correlation between two measures of the same items (methods, say), over the
    items where both are finite: do the two measures order the items alike?

    Parameters
    ----------
    a, b : array-like, shape (m,)
        One value per item, same items in the same order.
    min_n : int
        Fewest items a correlation is given for.

    Returns
    -------
    (float, int)
        The correlation, NaN with fewer than `min_n` items or a side without differences, and
        the number of items used.
    """
    a, b = _pair(a, b)
    if len(a) < min_n or len(np.unique(a)) < 2 or len(np.unique(b)) < 2:
        return np.nan, len(a)
    return float(scipy.stats.spearmanr(a, b).statistic), len(a)
