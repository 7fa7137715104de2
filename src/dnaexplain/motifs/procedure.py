"""Motif discovery from nucleotide scores: DNABERT's procedure.

Procedure of `find_motifs` (DNABERT, Ji et al. 2021, ``motif/motif_utils.py``):

1. `high_score_regions`: in every positive sequence, positions scoring above the sequence
   mean and above ``fold`` times the sequence minimum; contiguous runs of at least
   ``min_length`` positions.
2. `candidates`: each distinct region string is a candidate; it is kept when it is enriched
   in positives (one-sided hypergeometric test on the number of positive and negative
   sequences that contain it, Benjamini-Hochberg adjusted p below ``p_adjusted``).
3. `merge`: candidates, shortest first, join the best-aligning earlier seed when their
   ungapped alignment score reaches a threshold; otherwise they become a seed themselves.
4. `expand`: every instance becomes a ``window``-bp window centred on it; motifs with at
   least ``min_instances`` windows are kept, with the counts matrix of their windows.

Conventions, and where they differ from DNABERT's code:

* Scores are clamped at 0 before step 1. DNABERT's scores were attention (non-negative), for
  which this changes nothing; for signed attributions "10 times the minimum" is meaningless
  (any position beats 10 times a negative minimum), and negative relevance is evidence
  against the class, so it counts as no evidence. With any score <= 0 in a sequence the
  fold condition becomes "score > 0".
* A sequence's scores are never read past its end: a 2-D score array is cut at each
  sequence's length (padding ignored), a list of rows must match the lengths exactly.
* Labels equal to 1 are positives, all others negatives. Candidates are searched, counted
  and expanded on the forward strand only, as in DNABERT.
* ``k``: DNABERT's candidates are whole region strings (``k=None``). Regions covering a
  degenerate motif (e.g. CTCF) rarely recur letter for letter, so none reaches
  significance; ``k=int`` makes every k-mer inside a region a candidate instead.
* Merging: DNABERT aligns with Biopython's then-default scores (match 1, mismatch 0, gaps
  0; Biopython 1.88 charges end gaps -1) and internal gaps forbidden, i.e. the most
  identities over all ungapped offsets, which `align` computes directly. Its threshold,
  max(min_length - 1, min(|a|, |b|) / 2), is the default. Candidates of equal length are
  taken in order of p-value (DNABERT: order of discovery); a candidate joins one best seed
  (DNABERT's ``align_all_ties`` copies it to all tied seeds). A merged instance is placed on the seed's span in its sequence, so windows
  of one motif are aligned; instances of one motif that overlap in a sequence count once
  (the first placed: the seed's own regions, then in merging order).
* Windows: DNABERT centres the window on the instance, the odd base going right, and drops
  windows that leave the sequence; it also drops a window ending exactly at the sequence end
  (off by one), which is kept here. ``edge="pad"`` keeps windows at the edges instead,
  padded with N, which no count includes.
* A motif's p-values and sequence counts (n_pos, n_neg) are those of its seed candidate.
"""

import bisect
import functools
import itertools
from typing import NamedTuple

import numpy as np
from scipy.stats import false_discovery_control, hypergeom

from .pwm import consensus, counts_matrix


class Candidate(NamedTuple):
    """A high-scoring string tested for enrichment.

    Attributes
    ----------
    seq : str
        The string.
    regions : tuple of (int, int, int)
        Where it scored high: (sequence index, start, end), ``sequences[index][start:end]``.
    n_pos, n_neg : int
        Positive and negative sequences containing it anywhere.
    p, q : float
        Hypergeometric p-value and Benjamini-Hochberg adjusted p-value.
    """

    seq: str
    regions: tuple
    n_pos: int
    n_neg: int
    p: float
    q: float


class FoundMotif(NamedTuple):
    """A motif found by `find_motifs`.

    Attributes
    ----------
    id : str
        ``"motif_1"``, ``"motif_2"``, ... by decreasing number of instances.
    seed : str
        The candidate the others were merged into.
    consensus : str
        Most frequent base of each window column (N where no base was counted).
    instances : list of (int, int, int)
        Windows as (sequence index, start, end); with ``edge="pad"`` they may reach past
        the sequence.
    windows : list of str
        The window strings, each of length w (padded with N).
    counts : numpy.ndarray, shape (4, w)
        Base counts per window column, rows A, C, G, T.
    p, q : float
        Hypergeometric p-value and adjusted p-value of the seed.
    n_pos, n_neg : int
        Positive and negative sequences containing the seed.
    """

    id: str
    seed: str
    consensus: str
    instances: list
    windows: list
    counts: np.ndarray
    p: float
    q: float
    n_pos: int
    n_neg: int


def score_rows(scores, lengths=None):
    """Scores as a list of float 1-D arrays, row i cut at ``lengths[i]`` when given."""
    if lengths is None:
        rows = [np.asarray(s, dtype=np.float64) for s in scores]
    else:
        scores = np.asarray(scores, dtype=np.float64)
        if scores.ndim != 2 or len(lengths) != len(scores):
            raise ValueError(
                f"with lengths, scores must be 2-D with one row per length; "
                f"got shape {scores.shape} and {len(lengths)} lengths"
            )
        if len(lengths) and max(lengths) > scores.shape[1]:
            raise ValueError(
                f"a length of {max(lengths)} exceeds the {scores.shape[1]} score columns"
            )
        rows = [row[:n] for row, n in zip(scores, lengths)]
    if any(r.ndim != 1 for r in rows):
        raise ValueError("each sequence's scores must be a 1-D array")
    return rows


def aligned_scores(sequences, scores):
    """Score rows matching the sequences: a 2-D array is cut at each length, a list must
    match exactly."""
    lengths = [len(s) for s in sequences]
    if isinstance(scores, np.ndarray) and scores.ndim == 2:
        return score_rows(scores, lengths)
    rows = score_rows(scores)
    bad = [i for i, (r, n) in enumerate(zip(rows, lengths)) if len(r) != n]
    if len(rows) != len(lengths) or bad:
        where = f" (first at sequence {bad[0]})" if bad else ""
        raise ValueError(
            f"{len(rows)} score rows for {len(lengths)} sequences, lengths must match{where}"
        )
    return rows


def _runs(keep, min_length):
    """(start, end) of the runs of True in a 1-D bool array at least min_length long."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], keep.astype(np.int8), [0]))))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2]) if b - a >= min_length]


def high_score_regions(scores, min_length=5, fold=10.0, lengths=None):
    """DNABERT's high-scoring regions of each sequence.

    A position is high when its score, clamped at 0, exceeds both the sequence's mean and
    ``fold`` times the sequence's minimum (both of the clamped scores; see the module
    docstring). Regions are maximal runs of high positions at least ``min_length`` long.

    Parameters
    ----------
    scores : list of array-like of float, shapes (L_i,); or array of float, shape (n, L)
        Nucleotide scores per sequence; a 2-D array needs ``lengths``, or every row is a
        whole sequence.
    min_length : int
        Shortest region kept.
    fold : float
        Multiple of the minimum that a high score must exceed.
    lengths : sequence of int, shape (n,), optional
        Length of each sequence when ``scores`` is padded to L; columns beyond are ignored.

    Returns
    -------
    list of list of (int, int)
        Per sequence, (start, end) of each region, ``end`` exclusive, in order.
    """
    out = []
    for s in score_rows(scores, lengths):
        if not len(s):
            out.append([])
            continue
        s = np.maximum(s, 0)
        out.append(_runs((s > s.mean()) & (s > fold * s.min()), min_length))
    return out


def enrichment(n_pos, n_neg, total_pos, total_neg):
    """One-sided hypergeometric p-values of enrichment in positives.

    Of ``total_pos + total_neg`` sequences, ``n_pos + n_neg`` contain a candidate; the
    p-value is the chance that a random draw of that many sequences holds ``n_pos`` or more
    positives: P(X >= n_pos), X ~ Hypergeometric(N = total_pos + total_neg, K = total_pos,
    n = n_pos + n_neg) (DNABERT's ``hypergeom.sf(x - 1, N, K, n)``).

    Parameters
    ----------
    n_pos, n_neg : array-like of int, shape (m,)
        Positive and negative sequences containing each candidate.
    total_pos, total_neg : int
        Positive and negative sequences in all.

    Returns
    -------
    numpy.ndarray of float, shape (m,)
    """
    n_pos, n_neg = np.asarray(n_pos), np.asarray(n_neg)
    return hypergeom.sf(n_pos - 1, total_pos + total_neg, total_pos, n_pos + n_neg)


def _containing(patterns, sequences):
    """Number of sequences that contain each pattern (forward strand)."""
    text = "\n".join(sequences)  # patterns hold no newline, so no match spans two sequences
    ends = list(itertools.accumulate(len(s) + 1 for s in sequences))  # past each newline
    counts = []
    for pattern in patterns:
        n, at = 0, text.find(pattern)
        while at >= 0:
            n += 1
            # count each sequence once: resume after the end of the one just matched
            at = text.find(pattern, ends[bisect.bisect_right(ends, at)])
        counts.append(n)
    return np.array(counts, dtype=np.int64)


def candidates(
    sequences, labels, scores, min_length=5, fold=10.0, p_adjusted=0.005, k=None, regions=None
):
    """High-scoring strings of the positive sequences and their enrichment in positives.

    Parameters
    ----------
    sequences : list of str
        n sequences.
    labels : array-like of int, shape (n,)
        1 marks positives, anything else negatives.
    scores : list of array-like of float, shapes (len(sequences[i]),); or array, shape (n, L)
        Nucleotide scores; a 2-D array is cut at each sequence's length. Only the rows of
        positives are used.
    min_length, fold : int, float
        See `high_score_regions`.
    p_adjusted : float or None
        Keep candidates whose adjusted p-value is below this; None keeps all.
    k : int, optional
        None: each region's whole string is a candidate (DNABERT); an int: every k-mer inside
        a region is one.
    regions : list of list of (int, int), optional
        Per sequence (all n), (start, end) of its high-scoring regions, used instead of
        `high_score_regions` of the scores (e.g. seqlets, `seqlet_motifs`); only those of
        positives are read, and ``scores`` may be None.

    Returns
    -------
    list of Candidate
        By increasing p-value, then string. Regions use indices into ``sequences``.
    """
    labels = np.asarray(labels)
    if len(labels) != len(sequences):
        raise ValueError(f"{len(labels)} labels for {len(sequences)} sequences")
    positives = np.flatnonzero(labels == 1)
    if regions is None:
        rows = aligned_scores(sequences, scores)
        regions = high_score_regions([rows[i] for i in positives], min_length, fold)
    elif len(regions) != len(sequences):
        raise ValueError(f"{len(regions)} region lists for {len(sequences)} sequences")
    else:
        regions = [regions[i] for i in positives]
    found = {}
    for i, spans in zip(positives.tolist(), regions):
        for start, end in spans:
            size = end - start if k is None else k
            for a in range(start, end - size + 1):
                found.setdefault(sequences[i][a : a + size], []).append((i, a, a + size))
    if not found:
        return []
    seqs = list(found)
    pos = [sequences[i] for i in positives]
    neg = [s for s, y in zip(sequences, labels) if y != 1]
    n_pos, n_neg = _containing(seqs, pos), _containing(seqs, neg)
    p = enrichment(n_pos, n_neg, len(pos), len(neg))
    q = false_discovery_control(p, method="bh")
    out = [
        Candidate(s, tuple(found[s]), int(a), int(b), float(x), float(y))
        for s, a, b, x, y in zip(seqs, n_pos, n_neg, p, q)
        if p_adjusted is None or y < p_adjusted
    ]
    return sorted(out, key=lambda c: (c.p, c.seq))


@functools.lru_cache(maxsize=256)
def _diagonals(la, lb):
    """Diagonal index (i - j + lb - 1) of every cell of an la x lb matrix, flattened."""
    return (np.arange(la)[:, None] - np.arange(lb)[None, :] + lb - 1).ravel()


def align(a, b):
    """Best ungapped alignment of two strings, counting identities, with free overhangs.

    This is the score of Biopython's ``PairwiseAligner`` with match 1, mismatch 0, end gaps
    0 and internal gaps forbidden, as DNABERT used it.

    Parameters
    ----------
    a, b : str

    Returns
    -------
    score : int
        Most identical letters over all offsets.
    offset : int
        Position in ``a`` of ``b``'s first letter at that score (negative: ``b`` starts
        before ``a``); ties go to the offset nearest 0, then the smaller.
    """
    x = np.frombuffer(a.encode(), dtype=np.uint8)
    y = np.frombuffer(b.encode(), dtype=np.uint8)
    same = (x[:, None] == y[None, :]).ravel()
    scores = np.bincount(_diagonals(len(a), len(b)), weights=same, minlength=len(a) + len(b) - 1)
    offsets = np.arange(1 - len(b), len(a))
    best = np.flatnonzero(scores == scores.max())
    d = int(offsets[best[np.lexsort((offsets[best], np.abs(offsets[best])))[0]]])
    return int(scores.max()), d


def merge(cands, min_length=5, threshold=None):
    """Merge similar candidates by alignment (DNABERT's ``merge_motifs``).

    Candidates are taken shortest first (then by p-value); each is aligned (`align`) to every
    seed so far and joins the best-scoring one when the score reaches the threshold, else it
    becomes a new seed. A joining candidate's regions are moved onto the seed's span: region
    (i, s, e) becomes (i, s + d, s + d + len(seed)), with d the seed's offset in the
    candidate. An instance overlapping one the seed already has in the same sequence is
    dropped, so a site counts once.

    Parameters
    ----------
    cands : list of Candidate
    min_length : int
        Used by the default threshold.
    threshold : float, optional
        Lowest alignment score that merges; default DNABERT's
        max(min_length - 1, min(len(candidate), len(seed)) / 2).

    Returns
    -------
    list of (Candidate, list of (int, int, int))
        Each seed with its instances (its own regions and those moved onto it), distinct and
        sorted; seeds in the order they were made.
    """
    seeds = []
    for c in sorted(cands, key=lambda c: (len(c.seq), c.p, c.seq)):
        best = None
        for seed, instances in seeds:
            score, d = align(c.seq, seed.seq)
            need = (
                max(min_length - 1, min(len(c.seq), len(seed.seq)) / 2)
                if threshold is None
                else threshold
            )
            if score >= need and (best is None or score > best[0]):
                best = score, d, len(seed.seq), instances
        if best is None:
            instances = {}
            seeds.append((c, instances))
            spans = c.regions
        else:
            _, d, width, instances = best
            spans = [(i, s + d, s + d + width) for i, s, _ in c.regions]
        for i, a, b in spans:
            placed = instances.setdefault(i, [])
            # k-mers of one site reach a seed at several offsets: the first placed wins
            if all(b <= s or e <= a for s, e in placed):
                placed.append((a, b))
    return [
        (seed, sorted((i, a, b) for i, spans in instances.items() for a, b in spans))
        for seed, instances in seeds
    ]


def expand(instances, sequences, window=24, edge="drop"):
    """Windows of fixed width centred on instances (DNABERT's ``make_window``).

    Instance (i, s, e) becomes (i, s - (window - (e - s)) // 2, ... + window): centred, the odd
    base to the right.

    Parameters
    ----------
    instances : list of (int, int, int)
        (sequence index, start, end); start and end may lie outside the sequence.
    sequences : list of str
    window : int
        Window width w.
    edge : {"drop", "pad"}
        Windows leaving their sequence are dropped (DNABERT), or kept and padded with N.

    Returns
    -------
    kept : list of (int, int, int)
        Window coordinates of the instances kept.
    strings : list of str
        Their sequences, each of length w.
    """
    if edge not in ("drop", "pad"):
        raise ValueError(f"edge must be 'drop' or 'pad', got {edge!r}")
    kept, strings = [], []
    for i, s, e in instances:
        start = s - (window - (e - s)) // 2
        end = start + window
        seq = sequences[i]
        inside = 0 <= start and end <= len(seq)
        if not inside and edge == "drop":
            continue
        kept.append((i, start, end))
        strings.append(
            seq[start:end]
            if inside
            else "".join(seq[j] if 0 <= j < len(seq) else "N" for j in range(start, end))
        )
    return kept, strings


def find_motifs(
    sequences,
    labels,
    scores,
    min_length=5,
    fold=10.0,
    p_adjusted=0.005,
    window=24,
    min_instances=3,
    align_threshold=None,
    k=None,
    edge="drop",
    verbose=False,
    regions=None,
):
    """Motifs of the high-scoring regions of positives (DNABERT's procedure; module docstring).

    Parameters
    ----------
    sequences : list of str
        n sequences.
    labels : array-like of int, shape (n,)
        1 marks positives.
    scores : list of array-like of float, shapes (len(sequences[i]),); or array, shape (n, L)
        Nucleotide scores.
    min_length, fold : int, float
        High-scoring regions (`high_score_regions`).
    p_adjusted : float or None
        Enrichment cut-off on Benjamini-Hochberg adjusted p-values (`candidates`).
    window : int
        Width w of the motif windows (`expand`).
    min_instances : int
        Fewest windows a motif keeps.
    align_threshold : float, optional
        Merge threshold (`merge`); default DNABERT's.
    k : int, optional
        Candidate k-mers instead of whole regions (`candidates`).
    edge : {"drop", "pad"}
        Windows at sequence edges (`expand`).
    verbose : bool
        Print what each step kept.
    regions : list of list of (int, int), optional
        High-scoring regions per sequence instead of step 1 (`candidates`).

    Returns
    -------
    list of FoundMotif
        By decreasing number of instances, then seed p-value.
    """
    cands = candidates(sequences, labels, scores, min_length, fold, p_adjusted, k, regions)
    merged = merge(cands, min_length, align_threshold)
    found = []
    for seed, instances in merged:
        kept, strings = expand(instances, sequences, window, edge)
        if len(kept) >= min_instances:
            counts = counts_matrix(strings)
            found.append((seed, kept, strings, counts))
    found.sort(key=lambda f: (-len(f[1]), f[0].p, f[0].seq))
    if verbose:
        print(
            f"{len(cands)} enriched candidates, {len(merged)} after merging, "
            f"{len(found)} with >= {min_instances} windows of {window} bp"
        )
    return [
        FoundMotif(
            f"motif_{j}",
            seed.seq,
            consensus(counts),
            kept,
            strings,
            counts,
            seed.p,
            seed.q,
            seed.n_pos,
            seed.n_neg,
        )
        for j, (seed, kept, strings, counts) in enumerate(found, 1)
    ]
