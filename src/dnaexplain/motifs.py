"""Motif discovery from nucleotide scores (DNABERT's procedure), PWMs, logos, and comparison
with JASPAR by TOMTOM.

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

TOMTOM (`compare`) is memelite's, compiled by numba on first use. memelite declares its
functions ``cache=True``, so the machine code is written to disk (``$NUMBA_CACHE_DIR`` when
set, else memelite's ``__pycache__``, else numba's user cache when site-packages is
read-only) and every later process loads it; it is rebuilt only when memelite's source
changes. Measured on a busy 2-core machine: first call 52-67 s (compiling), first call of a
second process 0.1 s. tangermeme's seqlet caller (`seqlets`) does not ask numba to cache, so
`seqlets` turns caching on for it the same way (first call 20-30 s, later processes 0.2 s).
"""

import bisect
import functools
import itertools
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.stats import false_discovery_control, hypergeom

from .data import jaspar_record
from .sequences import ALPHABET

COLUMNS = ["query", "rank", "id", "name", "tf_class", "tf_family", "p_value", "q_value",
           "score", "offset", "overlap", "strand"]


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


def _rows(scores, lengths=None):
    """Scores as a list of float 1-D arrays, row i cut at ``lengths[i]`` when given."""
    if lengths is None:
        rows = [np.asarray(s, dtype=np.float64) for s in scores]
    else:
        scores = np.asarray(scores, dtype=np.float64)
        if scores.ndim != 2 or len(lengths) != len(scores):
            raise ValueError(f"with lengths, scores must be 2-D with one row per length; "
                             f"got shape {scores.shape} and {len(lengths)} lengths")
        if len(lengths) and max(lengths) > scores.shape[1]:
            raise ValueError(f"a length of {max(lengths)} exceeds the {scores.shape[1]} "
                             f"score columns")
        rows = [row[:n] for row, n in zip(scores, lengths)]
    if any(r.ndim != 1 for r in rows):
        raise ValueError("each sequence's scores must be a 1-D array")
    return rows


def _aligned(sequences, scores):
    """Score rows matching the sequences: a 2-D array is cut at each length, a list must
    match exactly."""
    lengths = [len(s) for s in sequences]
    if isinstance(scores, np.ndarray) and scores.ndim == 2:
        return _rows(scores, lengths)
    rows = _rows(scores)
    bad = [i for i, (r, n) in enumerate(zip(rows, lengths)) if len(r) != n]
    if len(rows) != len(lengths) or bad:
        where = f" (first at sequence {bad[0]})" if bad else ""
        raise ValueError(f"{len(rows)} score rows for {len(lengths)} sequences, lengths must "
                         f"match{where}")
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
    for s in _rows(scores, lengths):
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


def candidates(sequences, labels, scores, min_length=5, fold=10.0, p_adjusted=0.005, k=None,
               regions=None):
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
        rows = _aligned(sequences, scores)
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
    out = [Candidate(s, tuple(found[s]), int(a), int(b), float(x), float(y))
           for s, a, b, x, y in zip(seqs, n_pos, n_neg, p, q)
           if p_adjusted is None or y < p_adjusted]
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
            need = max(min_length - 1, min(len(c.seq), len(seed.seq)) / 2) \
                if threshold is None else threshold
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
    return [(seed, sorted((i, a, b) for i, spans in instances.items() for a, b in spans))
            for seed, instances in seeds]


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
        strings.append(seq[start:end] if inside else
                       "".join(seq[j] if 0 <= j < len(seq) else "N" for j in range(start, end)))
    return kept, strings


def find_motifs(sequences, labels, scores, min_length=5, fold=10.0, p_adjusted=0.005,
                window=24, min_instances=3, align_threshold=None, k=None, edge="drop",
                verbose=False, regions=None):
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
        print(f"{len(cands)} enriched candidates, {len(merged)} after merging, "
              f"{len(found)} with >= {min_instances} windows of {window} bp")
    return [FoundMotif(f"motif_{j}", seed.seq, consensus(counts), kept, strings, counts,
                       seed.p, seed.q, seed.n_pos, seed.n_neg)
            for j, (seed, kept, strings, counts) in enumerate(found, 1)]


def counts_matrix(instances):
    """Base counts per column of equal-length strings; letters other than ACGT are skipped.

    Parameters
    ----------
    instances : list of str
        m strings of length w.

    Returns
    -------
    numpy.ndarray of float64, shape (4, w)
        Rows A, C, G, T.
    """
    if not instances or len({len(s) for s in instances}) > 1:
        raise ValueError("instances must be one or more strings of the same length")
    w = len(instances[0])
    x = np.frombuffer("".join(instances).upper().encode(), dtype=np.uint8).reshape(-1, w)
    letters = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)
    return (x[None, :, :] == letters[:, None, None]).sum(axis=1).astype(np.float64)


def probabilities(counts, pseudocount=0.0):
    """Column-normalised counts.

    Parameters
    ----------
    counts : array-like of float, shape (4, w)
    pseudocount : float
        Added to every count first (DNABERT's logos use none).

    Returns
    -------
    numpy.ndarray of float64, shape (4, w)
        Columns sum to 1; a column without counts is uniform.
    """
    c = np.asarray(counts, dtype=np.float64) + pseudocount
    total = c.sum(axis=0, keepdims=True)
    return np.where(total > 0, c / np.where(total > 0, total, 1), 0.25)


def information_content(probs, background=(0.25,) * 4):
    """Information content of each column in bits: sum_b p_b log2(p_b / q_b), 0 log 0 = 0.

    Parameters
    ----------
    probs : array-like of float, shape (4, w)
    background : sequence of 4 float
        Background base frequencies q (A, C, G, T).

    Returns
    -------
    numpy.ndarray of float64, shape (w,)
        2 bits for a single base on a uniform background, 0 for a uniform column.
    """
    p = np.asarray(probs, dtype=np.float64)
    q = np.asarray(background, dtype=np.float64)[:, None]
    terms = p * np.log2(np.where(p > 0, p, 1) / q)
    return terms.sum(axis=0)


def consensus(counts):
    """Most frequent base of each column (the first on ties), N where a column is empty.

    Parameters
    ----------
    counts : array-like of float, shape (4, w)

    Returns
    -------
    str of length w
    """
    c = np.asarray(counts)
    return "".join(ALPHABET[j] if t > 0 else "N" for j, t in zip(c.argmax(axis=0), c.sum(0)))


def logo(matrix, ax=None, title=""):
    """Information-content sequence logo (letter height p_b IC of its column), by logomaker.

    Parameters
    ----------
    matrix : array-like of float, shape (4, w)
        Probabilities, or counts (columns not summing to 1 are normalised).
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    title : str

    Returns
    -------
    matplotlib.axes.Axes
    """
    import logomaker

    p = np.asarray(matrix, dtype=np.float64)
    if not np.allclose(p.sum(axis=0), 1):
        p = probabilities(p)
    heights = pd.DataFrame((p * information_content(p)).T, columns=list(ALPHABET))
    drawn = logomaker.Logo(heights, ax=ax, color_scheme="classic")
    drawn.ax.set_ylim(0, 2)
    drawn.ax.set_ylabel("bits")
    drawn.ax.set_title(title)
    return drawn.ax


def _matrices(motifs):
    """(id, name, probabilities) of FoundMotifs or JASPAR Motifs (anything with ``id`` and
    ``counts``; the name is the id without a ``name``), or of a dict of id to such objects
    or to (4, w) counts or probabilities."""
    items = motifs.items() if isinstance(motifs, dict) else ((m.id, m) for m in motifs)
    return [(key, getattr(m, "name", key), probabilities(getattr(m, "counts", m)))
            for key, m in items]


def _tf(release, matrix_id):
    """(TF class, TF family) of a JASPAR matrix, "; "-joined over its factors, or ("", "")."""
    m = jaspar_record(release, matrix_id)
    if m is None:
        return "", ""
    # heterodimers list one class per factor; repeats say nothing
    return tuple("; ".join(dict.fromkeys(v or [])) for v in (m.tf_class, m.tf_family))


def compare(motifs, database=None, n_best=5, release="JASPAR2018"):
    """Best database matches of each motif by TOMTOM (memelite), both strands.

    q-values are Benjamini-Hochberg adjusted over all database matrices, per query (memelite
    gives p-values only).

    Parameters
    ----------
    motifs : list of FoundMotif or data.Motif, or dict of str to array of shape (4, w)
        Queries; counts are normalised to probabilities.
    database : list of data.Motif, or dict of str to data.Motif or to array (4, w), optional
        Targets; default every JASPAR ``release`` CORE vertebrates matrix
        (`data.jaspar_motifs`, 579 for 2018).
    n_best : int
        Matches kept per query.
    release : str
        JASPAR release of the default database and of the TF class/family look-up.

    Returns
    -------
    pandas.DataFrame
        One row per (query, match), ``COLUMNS``: query, rank (1 = lowest p-value), id,
        name (TF name, or the id without one), tf_class and tf_family (from pyjaspar, ""
        unknown), p_value, q_value, score (TOMTOM's), offset (column of the target, or of
        its reverse complement, facing the query's first column), overlap (aligned columns),
        strand ("+", or "-" for the target's reverse complement).
    """
    from memelite import tomtom

    if database is None:
        from .data import jaspar_motifs

        database = jaspar_motifs(release=release)
    queries, targets = _matrices(motifs), _matrices(database)
    if not queries:
        return pd.DataFrame(columns=COLUMNS)
    p, score, offset, overlap, strand = tomtom([m for *_, m in queries],
                                               [m for *_, m in targets])
    rows = []
    for iq, (query, *_) in enumerate(queries):
        q = false_discovery_control(p[iq], method="bh")
        for rank, j in enumerate(np.lexsort((-score[iq], p[iq]))[:n_best], 1):
            tid, name, _ = targets[j]
            rows.append((query, rank, tid, name, *_tf(release, tid), p[iq, j], q[j],
                         score[iq, j], int(offset[iq, j]), int(overlap[iq, j]),
                         "-" if strand[iq, j] else "+"))
    return pd.DataFrame(rows, columns=COLUMNS)


def tf_families(table, level="tf_family", max_q=0.05):
    """Which TF families (or classes) the motifs matched.

    Parameters
    ----------
    table : pandas.DataFrame
        From `compare`.
    level : {"tf_family", "tf_class"}
    max_q : float
        Only matches with q-value at most this count.

    Returns
    -------
    pandas.DataFrame
        Columns ``level``, n_queries (queries with a match in it, each counted once),
        queries and names (", "-joined); by decreasing n_queries, then name. Heterodimers
        count for each of their families; matches without one count as "unknown".
    """
    hits = table[table["q_value"] <= max_q]
    groups = {}
    for query, name, value in zip(hits["query"], hits["name"], hits[level]):
        for g in (value or "unknown").split("; "):
            qs, ns = groups.setdefault(g, ({}, {}))
            qs[query] = ns[name] = None  # dicts as ordered sets
    rows = [(g, len(qs), ", ".join(qs), ", ".join(ns)) for g, (qs, ns) in groups.items()]
    rows.sort(key=lambda r: (-r[1], r[0]))
    return pd.DataFrame(rows, columns=[level, "n_queries", "queries", "names"])


def best_match_classes(table, max_q=0.05):
    """TF classes of each motif's best match alone (rank 1, q-value at most `max_q`).

    `tf_families` counts a motif once for every class among all its significant matches;
    this counts it only for the class of its best one (each class of a heterodimer).

    Parameters
    ----------
    table : pandas.DataFrame
        From `compare`.

    Returns
    -------
    pandas.DataFrame
        Columns ``TF class``, ``motifs`` (motifs whose best match is in it), by decreasing
        ``motifs``, then name.
    """
    best = table[(table["rank"] == 1) & (table["q_value"] <= max_q)]
    out = tf_families(best, level="tf_class", max_q=max_q)
    return out.rename(columns={"tf_class": "TF class", "n_queries": "motifs"})[
        ["TF class", "motifs"]]


def _ranked(part):
    """(class, motifs) pairs by decreasing motifs, then class name."""
    pairs = [(str(c), int(n)) for c, n in zip(part["TF class"], part["motifs"])]
    return sorted(pairs, key=lambda p: (-p[1], p[0]))


def class_report(classes, expected, best=None):
    """Each method's most matched TF class, against the class a paper reports for it.

    Parameters
    ----------
    classes : pandas.DataFrame
        Motifs per method and TF class, one task: columns ``method``, ``TF class`` and
        ``motifs`` (`tf_families` at level ``tf_class``, per method).
    expected : dict of str to str
        Method -> the TF class the paper reports (`paper.MOTIF_CLASSES`), found in a class
        name as a substring (a heterodimer's class names both of its factors' classes).
    best : dict of str to pandas.DataFrame, optional
        Method -> its `compare` table, to count classes by each motif's best match too
        (`best_match_classes`).

    Returns
    -------
    pandas.DataFrame
        Indexed by the methods of `expected`, in its order: ``expected``; ``top`` (the class
        with the most motifs; classes tied for most joined by " / "; "" without a match);
        ``top_motifs`` (0 without a match); ``tied`` (how many classes share the top count);
        ``second`` and ``second_motifs`` (the next class with fewer motifs than the top, ""
        and 0 when none); ``margin`` (motifs by which the top class leads the next class,
        0 for a tie, top_motifs with a single class); ``expected_motifs``
        (motifs in classes naming the expected one, the largest such count); ``holds``
        (whether a class with the top count names the expected one, ties included); with
        `best`, also ``best_top`` (the class(es) of most best matches, as ``top``),
        ``best_top_motifs`` and ``best_motifs`` (motifs with a significant best match).
    """
    rows = []
    for method, wanted in expected.items():
        ranked = _ranked(classes[classes["method"] == method])
        most = ranked[0][1] if ranked else 0
        tops = [c for c, n in ranked if n == most]
        rest = [(c, n) for c, n in ranked if n < most]
        hit = [n for c, n in ranked if wanted in c]
        row = {"method": method, "expected": wanted, "top": " / ".join(tops),
               "top_motifs": most, "tied": len(tops),
               "second": rest[0][0] if rest else "", "second_motifs": rest[0][1] if rest else 0,
               "margin": most - (ranked[1][1] if len(ranked) > 1 else 0),
               "expected_motifs": max(hit, default=0),
               "holds": any(wanted in c for c in tops)}
        if best is not None:
            table = best.get(method)
            table = table if table is not None else pd.DataFrame(columns=COLUMNS)
            b = _ranked(best_match_classes(table))
            b_most = b[0][1] if b else 0
            significant = (table["rank"] == 1) & (table["q_value"] <= 0.05)
            row |= {"best_top": " / ".join(c for c, n in b if n == b_most),
                    "best_top_motifs": b_most,
                    "best_motifs": int(table.loc[significant, "query"].nunique())}
        rows.append(row)
    columns = ["method", "expected", "top", "top_motifs", "tied", "second", "second_motifs",
               "margin", "expected_motifs", "holds"]
    if best is not None:
        columns += ["best_top", "best_top_motifs", "best_motifs"]
    return pd.DataFrame(rows, columns=columns).set_index("method")


# --------------------------------------------------------------------------------------------
# Known biology: recovering a factor family, and seqlets as an alternative to step 1
# --------------------------------------------------------------------------------------------

# Families of JASPAR factors for the chapter on Oct4 and MafK peaks. A JASPAR name matches a
# family when one of its "::"-separated factors (heterodimers) does, case-insensitively; an
# entry ending in "*" is a prefix, an entry like "MA0496" or "MA0496.2" a matrix id.
# POU-domain factors, Oct4 (POU5F1) among them, all bind the octamer ATGCAAAT: POU1F1 ...
# POU6F2, POU5F1B, and the Oct4-Sox2 composite Pou5f1::Sox2.
POU_FAMILY = frozenset({"POU*"})
# Factors binding the MARE (TGCTGA(C/G)TCAGCA) as MafK does: the small Mafs MAFF, MAFG, MAFK;
# the large Mafs MAF, MAFA, MAFB, NRL; and the CNC factors NFE2, NFE2L1-3, BACH1, BACH2, which
# bind its half-site with a small Maf (JASPAR MAF::NFE2, Bach1::Mafk, MAFG::NFE2L1, Nfe2l2).
# The issue calls this group "large Maf"; in biology MAFF, MAFG and MAFK are the small ones.
MAF_FAMILY = frozenset({"MAFF", "MAFG", "MAFK", "MAF", "MAFA", "MAFB", "NRL", "NFE2", "NFE2L1",
                        "NFE2L2", "NFE2L3", "BACH1", "BACH2"})
RECOVERY_COLUMNS = ["n_motifs", "rank", "motif", "match_rank", "match_id", "match", "q_value",
                    "p_value"]


def in_family(name, matrix_id="", family=POU_FAMILY):
    """Whether a JASPAR match belongs to a family of factors.

    Parameters
    ----------
    name : str
        JASPAR factor name, e.g. ``"Pou5f1::Sox2"`` (each factor of a heterodimer is tried).
    matrix_id : str
        JASPAR matrix id, e.g. ``"MA1115.1"``.
    family : iterable of str, or callable
        Factor names (any case), prefixes ending in ``*``, and matrix ids with or without
        version (`POU_FAMILY`, `MAF_FAMILY`); or a function ``f(name, matrix_id) -> bool``.

    Returns
    -------
    bool
    """
    if callable(family):
        return bool(family(name, matrix_id))
    entries = [f.upper() for f in ([family] if isinstance(family, str) else family)]
    parts = [p.strip().upper() for p in str(name).split("::")]
    base = str(matrix_id).upper().split(".")[0]
    for f in entries:
        if f.endswith("*"):
            if any(p.startswith(f[:-1]) for p in parts):
                return True
        elif f in parts or f == str(matrix_id).upper() or ("." not in f and f == base):
            return True
    return False


def _key(key, names):
    key = key if isinstance(key, tuple) else (key,)
    if len(key) != len(names):
        raise ValueError(f"key {key!r} does not have one value per name {names}")
    return key


def recovery(matches, family, top_k=1, max_q=None, motifs=None, names=("model", "method")):
    """Rank of the first discovered motif whose TOMTOM match is in a family, per run.

    For each run (e.g. a model and a scoring method), its motifs are taken in their order
    (`find_motifs`: most instances first) and numbered 1, 2, ...; the recovery rank is the
    number of the first motif with a match in ``family`` among its ``top_k`` best matches
    (TOMTOM rank, `compare`), counting only matches with q-value at most ``max_q`` when given.

    Parameters
    ----------
    matches : dict of tuple to pandas.DataFrame
        Per run key, e.g. ``(model, method)``, the `compare` table of its motifs (columns
        query, rank, id, name, p_value, q_value at least).
    family : iterable of str, or callable
        See `in_family` (`POU_FAMILY`, `MAF_FAMILY`).
    top_k : int
        How many of each motif's best matches may be in the family.
    max_q : float, optional
        Only matches with q-value at most this count.
    motifs : dict of tuple to list of FoundMotif or of str, optional
        Per run key, its motifs (or their ids) in rank order; motifs absent from the table
        (no match kept) still take their place. Default: the queries in the order they first
        appear in the table, which is `find_motifs`' order when `compare` got its list.
    names : tuple of str
        Column names of the key's parts; a key that is not a tuple is a 1-tuple.

    Returns
    -------
    pandas.DataFrame
        One row per run, in the order of ``matches``: the key columns, then ``n_motifs``;
        ``rank`` (float, NaN when no motif matches the family); for that motif ``motif`` (its
        id), and its best family match: ``match_rank`` (TOMTOM rank), ``match_id``,
        ``match`` (name), ``q_value``, ``p_value`` (NaN / "" when none).
    """
    if top_k < 1:
        raise ValueError(f"top_k must be at least 1, got {top_k}")
    names = tuple(names)
    given = None if motifs is None else {_key(k, names): v for k, v in motifs.items()}
    rows = []
    for key, table in matches.items():
        key = _key(key, names)
        missing = {"query", "rank", "id", "name", "p_value", "q_value"} - set(table.columns)
        if missing:
            raise ValueError(f"{key}: the table lacks columns {sorted(missing)} (give the "
                             f"output of compare)")
        if given is None:
            order = list(dict.fromkeys(table["query"]))
        elif key in given:
            order = [getattr(m, "id", m) for m in given[key]]
        else:
            raise KeyError(f"motifs has no entry for {key}")
        kept = table[table["rank"] <= top_k]
        if max_q is not None:
            kept = kept[kept["q_value"] <= max_q]
        hit = (kept[[in_family(n, i, family) for n, i in zip(kept["name"], kept["id"])]]
               if len(kept) else kept)
        row = dict(zip(names, key), n_motifs=len(order), rank=np.nan, motif="",
                   match_rank=np.nan, match_id="", match="", q_value=np.nan, p_value=np.nan)
        for r, query in enumerate(order, 1):
            found = hit[hit["query"] == query].sort_values("rank", kind="stable")
            if len(found):
                best = found.iloc[0]
                row.update(rank=float(r), motif=query, match_rank=float(best["rank"]),
                           match_id=best["id"], match=best["name"],
                           q_value=float(best["q_value"]), p_value=float(best["p_value"]))
                break
        rows.append(row)
    return pd.DataFrame(rows, columns=[*names, *RECOVERY_COLUMNS])


def seqlets(scores, lengths=None, threshold=0.01, min_length=4, max_length=25, flank=0):
    """Seqlets (spans of high positive scores) by tangermeme's recursive seqlet caller.

    A span is a seqlet when it and every span inside it of at least ``min_length``
    positions has a p-value below ``threshold``; p-values come from the null of span sums
    when positions are drawn independently from all scores (tangermeme's
    ``recursive_seqlets``; its p-values rank spans, they are not error rates). Only positive
    seqlets are called, as the book's regions count only positive scores.

    Parameters
    ----------
    scores : numpy.ndarray or torch.Tensor, shape (n, L); or list of 1-D arrays
        Nucleotide scores (projected: one score per observed base). Positions past a
        sequence's end (``lengths``, or a ragged list) are set to 0, and seqlets reaching
        past the end are cut there.
    lengths : array-like of int, shape (n,), optional
        Sequence lengths, when ``scores`` is padded.
    threshold : float
        p-value cut-off of every inner span.
    min_length, max_length : int
        Shortest and longest seqlet.
    flank : int
        Positions added on each side after calling (cut at the sequence ends).

    Returns
    -------
    pandas.DataFrame
        Columns sequence, start, end (end exclusive), attribution (sum of the scores),
        p_value; by increasing p-value. Compiled with numba on first use and cached on
        disk (module docstring).
    """
    from tangermeme.seqlet import recursive_seqlets

    _cache_seqlet_caller()

    rows = _rows(scores.detach().cpu().numpy() if hasattr(scores, "detach") else scores,
                 lengths)
    n_len = np.array([len(r) for r in rows], dtype=np.int64)
    x = np.zeros((len(rows), int(n_len.max(initial=0))))
    for i, r in enumerate(rows):
        x[i, : len(r)] = np.nan_to_num(r)
    columns = ["sequence", "start", "end", "attribution", "p_value"]
    if not x.size:
        return pd.DataFrame(columns=columns)
    found = recursive_seqlets(x, threshold=threshold, min_seqlet_len=min_length,
                              max_seqlet_len=max_length, additional_flanks=flank)
    out = pd.DataFrame({
        "sequence": found["example_idx"].to_numpy(np.int64),
        "start": np.maximum(found["start"].to_numpy(np.int64), 0),
        "end": np.minimum(found["end"].to_numpy(np.int64),
                          n_len[found["example_idx"].to_numpy(np.int64)]),
        "attribution": found["attribution"].to_numpy(np.float64),
        "p_value": found["p-value"].to_numpy(np.float64),
    })
    return out[out["end"] - out["start"] >= 1].reset_index(drop=True)


@functools.lru_cache(maxsize=None)
def _cache_seqlet_caller():
    """Have numba cache tangermeme's seqlet functions on disk, as memelite's are."""
    import numba
    from tangermeme import seqlet

    for value in vars(seqlet).values():
        if isinstance(value, numba.core.registry.CPUDispatcher):
            value.enable_caching()


def seqlet_motifs(sequences, labels, scores, threshold=0.01, min_seqlet_length=4,
                  max_seqlet_length=25, flank=0, p_adjusted=0.005, window=24, min_instances=3,
                  align_threshold=None, k=None, edge="drop", verbose=False):
    """Motifs from seqlets: the book's procedure with step 1 done by tangermeme's seqlet caller.

    Seqlets (`seqlets`) are called on the scores of the positives (labels equal to 1) and
    take the place of the high-scoring regions; steps 2-4 of `find_motifs` (enrichment in
    positives, merging by alignment, windows around the instances) are unchanged, so the
    motifs are directly comparable with `find_motifs`' and go to `compare` the same way.

    Parameters
    ----------
    sequences : list of str
        n sequences.
    labels : array-like of int, shape (n,)
        1 marks positives.
    scores : list of array-like of float, shapes (len(sequences[i]),); or array, shape (n, L)
        Nucleotide scores; a 2-D array is cut at each sequence's length.
    threshold, min_seqlet_length, max_seqlet_length, flank
        Seqlet calling (`seqlets`); the minimum length also sets the default merge
        threshold (`merge`).
    p_adjusted, window, min_instances, align_threshold, k, edge, verbose
        As for `find_motifs`.

    Returns
    -------
    list of FoundMotif
        By decreasing number of instances, then seed p-value.
    """
    labels = np.asarray(labels)
    rows = _aligned(sequences, scores)
    if len(labels) != len(sequences):
        raise ValueError(f"{len(labels)} labels for {len(sequences)} sequences")
    positives = np.flatnonzero(labels == 1)
    called = seqlets([rows[i] for i in positives], threshold=threshold,
                     min_length=min_seqlet_length, max_length=max_seqlet_length, flank=flank)
    regions = [[] for _ in sequences]
    for i, a, b in zip(called["sequence"], called["start"], called["end"]):
        regions[positives[i]].append((int(a), int(b)))
    if verbose:
        print(f"{len(called)} seqlets in {len(positives)} positives")
    return find_motifs(sequences, labels, None, min_length=min_seqlet_length,
                       p_adjusted=p_adjusted, window=window, min_instances=min_instances,
                       align_threshold=align_threshold, k=k, edge=edge, verbose=verbose,
                       regions=[sorted(r) for r in regions])


PROCEDURES = ("regions", "seqlets")  # step 1 of the motif search: `find_motifs`, `seqlet_motifs`


def family_recovery(sequences, labels, scores, families, procedure="regions", top_k=1,
                    max_q=None, database=None, **options):
    """Motifs of each class against the others, their JASPAR matches, and whether the class's
    known factor family is among them (`recovery`).

    For every class c of ``families``, the sequences of class c are the positives and all
    others the negatives: motifs are found from the scores (``"regions"``: the book's
    procedure, `find_motifs`; ``"seqlets"``: `seqlet_motifs`), compared with JASPAR
    (`compare`), and ranked by `recovery` against c's family.

    Parameters
    ----------
    sequences : list of str
        n sequences.
    labels : array-like of int, shape (n,)
        Class of each sequence.
    scores : array of float, shape (n, L); or list of 1-D arrays
        Nucleotide scores, each sequence explained as its own class (only the positives' rows
        are read, so one map of every sequence's true class serves all classes).
    families : dict of int to family
        Class -> its factors' family (see `in_family`: `POU_FAMILY`, `MAF_FAMILY`, names,
        matrix ids or a function).
    procedure : {"regions", "seqlets"}
        Step 1 of the search.
    top_k, max_q
        As for `recovery`.
    database : optional
        As for `compare` (default JASPAR 2018 CORE vertebrates).
    **options
        Passed to `find_motifs` or `seqlet_motifs` (e.g. ``k=6``, ``p_adjusted``).

    Returns
    -------
    table : pandas.DataFrame
        One row per class of ``families``: ``label``, then `RECOVERY_COLUMNS`.
    found : dict of int to list of FoundMotif
        The motifs of each class, in rank order.
    matches : dict of int to pandas.DataFrame
        The `compare` table of each class's motifs (empty, with `COLUMNS`, when none).
    """
    if procedure not in PROCEDURES:
        raise ValueError(f"procedure must be one of {', '.join(PROCEDURES)}, got {procedure!r}")
    search = find_motifs if procedure == "regions" else seqlet_motifs
    labels = np.asarray(labels)
    found, matches, rows = {}, {}, []
    for c, family in families.items():
        if not (labels == c).any():
            raise ValueError(f"class {c} has no sequences")
        found[c] = search(sequences, (labels == c).astype(int), scores, **options)
        matches[c] = (compare(found[c], database) if found[c]
                      else pd.DataFrame(columns=COLUMNS))
        rows.append(recovery({c: matches[c]}, family, top_k, max_q, {c: found[c]},
                             names=("label",)))
    return pd.concat(rows, ignore_index=True), found, matches


def positive_class(classes, name=None):
    """Label of the class whose motifs are searched.

    Parameters
    ----------
    classes : sequence of str
        Class names by label.
    name : str, optional
        The class asked for; empty or None: ``"promoter"`` when there is one, else the last
        class (label 1 of a binary task).

    Returns
    -------
    int
    """
    if name:
        if name not in classes:
            raise ValueError(f"motif_class {name!r} is not a class of this dataset; its classes: "
                             f"{', '.join(classes)}")
        return list(classes).index(name)
    return list(classes).index("promoter") if "promoter" in classes else len(classes) - 1
