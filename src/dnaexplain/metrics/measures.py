"""Per-sequence measures of nucleotide score maps: sparsity, complexity, agreement with a
ground truth, agreement between maps, enrichment in a motif.

The measures take score matrices of shape (n, L), numpy arrays or torch tensors, one row per
sequence, and return a float64 numpy array of shape (n,). Which positions of a row count:

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


def as_matrix(x):
    """A float64 numpy copy of a 2-D numpy array or torch tensor."""
    if torch.is_tensor(x):
        x = x.detach().cpu().numpy()
    x = np.array(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"scores must have shape (n, L), got {x.shape}")
    return x


def valid_positions(scores, lengths=None):
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
    s = as_matrix(scores)
    valid = valid_positions(s, lengths)
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
    s = as_matrix(scores)
    valid = valid_positions(s, lengths)
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
    s = as_matrix(scores)
    valid = valid_positions(s, lengths)
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
    s = as_matrix(scores)
    valid = valid_positions(s, lengths)
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
    s = as_matrix(scores)
    valid = valid_positions(s, lengths)
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
    a, b = as_matrix(a), as_matrix(b)
    valid = valid_positions(a, lengths) & valid_positions(b)
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
    a, b = as_matrix(a), as_matrix(b)
    valid = valid_positions(a, lengths) & valid_positions(b)
    k = np.minimum(k, valid.sum(1))
    return _divide((_top(a, valid, k) * _top(b, valid, k)).sum(1), k)


IUPAC = {
    "A": "A",
    "C": "C",
    "G": "G",
    "T": "T",
    "R": "AG",
    "Y": "CT",
    "S": "CG",
    "W": "AT",
    "K": "GT",
    "M": "AC",
    "B": "CGT",
    "D": "AGT",
    "H": "ACT",
    "V": "ACG",
    "N": "ACGT",
}


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
    s = as_matrix(scores)
    valid = valid_positions(s, lengths)
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
    from ..positions import to_tokens

    x = torch.as_tensor(as_matrix(scores))
    out = to_tokens(x, tokenization).numpy()
    return np.where(tokenization.spans[..., 0].cpu().numpy() >= 0, out, np.nan)


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
    s = as_matrix(scores)
    valid = valid_positions(s, lengths)
    return _divide(((s == 0) & valid).sum(1), valid.sum(1))
