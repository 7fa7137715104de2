"""Motif sites: where a position weight matrix matches DNA sequences.

`scan` slides a motif's log-odds matrix over every sequence, on both strands, and keeps the
windows whose score passes a threshold; `mask` turns the hits into a boolean map of the
positions they cover (a ground truth for relevance maps).

Scores. A matrix of counts (or probabilities) c (4 x w, rows A, C, G, T) becomes
probabilities with a pseudocount spread by the background q, as FIMO and MOODS do,
``p[b, k] = (c[b, k] + pseudocount q_b) / (sum_b c[b, k] + pseudocount)``, and the score of a
word x_1..x_w is ``sum_k log2(p[x_k, k] / q_{x_k})`` (bits). The minus strand is scanned with
the reverse-complement matrix, so a hit on "-" is a site read on the other strand; its
coordinates are always forward-strand ones. Windows holding anything but A, C, G, T (N,
padding) are not scored.

p-values. The p-value of a score s is the chance that a random word, each letter drawn
independently from the background, scores at least s. It is computed exactly by dynamic
programming over the matrix rounded to ``1 / resolution`` bits (FIMO's and MOODS's method):
the score distribution of columns 1..k is the distribution of columns 1..k-1 shifted by each
base's integer score and weighted by the base's background probability. Hits are judged and
reported with the p-value of their rounded score, which is exact for the rounded matrix and
within ``w / (2 resolution)`` bits of the real score. Each strand has its own null (the
reverse-complement matrix against the same background), which matters only for a background
that is not strand-symmetric.

Why not memelite's ``fimo`` (a dependency already): it scores against a uniform background
only, adds its pseudocount to probabilities rather than counts, bins scores at 0.1 bit, and
compiles with numba on first use (about a minute on a small machine); this scan is plain
numpy, takes any background, and is fast enough for the book (8,000 sequences of 200 bp with
two motifs in well under a second).
"""

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

from .sequences import ALPHABET, from_indices, reverse_complement, to_indices

COLUMNS = ["motif", "name", "sequence", "start", "end", "strand", "score", "p_value", "site"]
_N = 4  # index of N (and of padding) in `sequences.to_indices`


def _counts(motif):
    """(id, name, counts (4, w) float64) of one motif given in any of the accepted forms."""
    if hasattr(motif, "matrix_id"):  # a pyjaspar (Biopython) motif
        counts = np.array([motif.counts[b] for b in ALPHABET], dtype=np.float64)
        return motif.matrix_id, motif.name, counts
    if hasattr(motif, "counts") and hasattr(motif, "id"):  # data.Motif, motifs.FoundMotif
        return motif.id, getattr(motif, "name", motif.id), np.asarray(motif.counts, np.float64)
    counts = np.asarray(motif, dtype=np.float64)
    return "motif", "motif", counts


def _motifs(motif):
    """List of (id, name, counts) of one motif, a list of motifs or a dict id -> motif."""

    def single(m):
        return hasattr(m, "counts") or hasattr(m, "matrix_id")

    if isinstance(motif, dict):
        out = [(key, *_counts(m)[1:]) for key, m in motif.items()]
        # a bare array in a dict is named by its key
        out = [(k, k if n == "motif" else n, c) for k, n, c in out]
    elif (
        not single(motif)
        and isinstance(motif, (list, tuple))
        and motif
        and all(single(m) or np.ndim(m) == 2 for m in motif)
    ):
        out = [_counts(m) for m in motif]
        if len({k for k, *_ in out}) < len(out):
            raise ValueError("motifs must have distinct ids; pass a dict to name them")
    else:
        out = [_counts(motif)]
    if not out:
        raise ValueError("no motif given")
    for key, _, c in out:
        if c.ndim != 2 or c.shape[0] != 4 or c.shape[1] < 1:
            raise ValueError(
                f"motif {key}: a matrix must have shape (4, w) with rows A, C, G, T, got {c.shape}"
            )
        if not np.isfinite(c).all() or (c < 0).any() or (c.sum(0) <= 0).any():
            raise ValueError(
                f"motif {key}: counts must be finite, non-negative, and every column must hold some"
            )
    return out


def _background(background, x=None):
    """Background base frequencies, shape (4,): uniform, given, or counted in ``x``."""
    if background is None:
        return np.full(4, 0.25)
    if isinstance(background, str):
        if background != "sequences" or x is None:
            raise ValueError(
                f'background must be None, 4 frequencies or "sequences", got {background!r}'
            )
        q = np.bincount(x.ravel(), minlength=5)[:4].astype(np.float64)
        if q.min() <= 0:
            raise ValueError("the sequences lack a base, so it has no background frequency")
        return q / q.sum()
    q = np.asarray(background, dtype=np.float64)
    if q.shape != (4,) or (q <= 0).any() or not np.isclose(q.sum(), 1):
        raise ValueError(
            f"background must be 4 positive frequencies (A, C, G, T) summing to 1, got {background}"
        )
    return q


def log_odds(motif, pseudocount=0.1, background=None):
    """Log-odds scores of a motif in bits (module docstring).

    Parameters
    ----------
    motif : data.Motif, pyjaspar motif, motifs.FoundMotif, or array of float, shape (4, w)
        Counts (or probabilities, which count as one observation per column), rows A, C, G, T.
    pseudocount : float
        Added to each column's total, spread over the bases in proportion to the background.
    background : None or array-like of 4 float
        Base frequencies q (A, C, G, T); None is uniform.

    Returns
    -------
    numpy.ndarray of float64, shape (4, w)
        ``log2(p[b, k] / q_b)``.
    """
    key, _, c = _motifs(motif)[0]
    return _log_odds(c, pseudocount, _background(background), key)


def _log_odds(counts, pseudocount, q, key="motif"):
    if pseudocount < 0:
        raise ValueError(f"pseudocount must be >= 0, got {pseudocount}")
    p = (counts + pseudocount * q[:, None]) / (counts.sum(0) + pseudocount)
    if (p <= 0).any():
        raise ValueError(
            f"motif {key}: a base has probability 0, whose log-odds is -inf; pass pseudocount > 0"
        )
    return np.log2(p / q[:, None])


def _survival(table, q):
    """Exact null distribution of the integer score of a w-column integer matrix.

    Parameters
    ----------
    table : numpy.ndarray of int64, shape (4, w)
    q : numpy.ndarray of float, shape (4,)
        Background probabilities of the bases.

    Returns
    -------
    low : int
        Lowest total score.
    sf : numpy.ndarray of float64, shape (high - low + 1,)
        ``sf[i] = P(score >= low + i)`` for a word drawn from the background.
    """
    pdf, low = np.ones(1), 0
    for col in table.T:
        lo = int(col.min())
        new = np.zeros(len(pdf) + int(col.max()) - lo)
        for b in range(4):
            shift = int(col[b]) - lo
            new[shift : shift + len(pdf)] += q[b] * pdf
        pdf, low = new, low + lo
    sf = np.cumsum(pdf[::-1])[::-1]
    return low, np.minimum(sf, 1.0)


def _indices(sequences):
    """Base indices (n, L) with 4 for N and padding, and lengths (n,), of any accepted input."""
    if torch.is_tensor(sequences):
        sequences = sequences.detach().cpu().numpy()
    if isinstance(sequences, np.ndarray) and sequences.dtype.kind in "fiub" and sequences.ndim == 3:
        if sequences.shape[1] != 4:
            raise ValueError(f"a one-hot array must have shape (n, 4, L), got {sequences.shape}")
        x = np.asarray(sequences)
        hot = (x != 0).sum(1) == 1  # an all-zero column (N, padding) is no base
        idx = np.where(hot, x.argmax(1), _N).astype(np.uint8)
        return idx, np.full(len(idx), idx.shape[1], dtype=np.int64)
    if isinstance(sequences, str):
        raise TypeError("sequences must be a list of str (or a one-hot array), not one str")
    sequences = list(sequences)
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    return to_indices(sequences, int(lengths.max(initial=0))), lengths


def scan(
    sequences,
    motif,
    p_value=None,
    relative=None,
    min_score=None,
    pseudocount=0.1,
    background=None,
    strands="both",
    resolution=100,
    batch_size=4096,
    verbose=False,
):
    """Motif hits in sequences: every window on either strand whose score passes a threshold.

    Exactly one threshold applies: ``p_value`` (default 1e-4 when none is given), ``relative``
    (``(score - min) / (max - min)`` of the matrix's possible scores at least this, as JASPAR's
    "80 %"), or ``min_score`` (bits). Overlapping hits are all reported (as FIMO does).

    Parameters
    ----------
    sequences : list of str, or array of float/int, shape (n, 4, L)
        n sequences of any lengths and case (soft-masked lower case is scanned as upper case),
        or one-hot columns in ``ALPHABET`` order as `sequences.one_hot` makes them (an all-zero
        column is N). Windows holding N are not scored.
    motif : motif, list of motifs, or dict of str to motif
        Each a data.Motif (`data.jaspar_motifs`), a pyjaspar motif, a motifs.FoundMotif, or an
        array of counts or probabilities, shape (4, w), rows A, C, G, T.
    p_value : float, optional
        Keep windows whose p-value is at most this.
    relative : float, optional
        Keep windows whose relative score is at least this (in [0, 1]).
    min_score : float, optional
        Keep windows scoring at least this many bits.
    pseudocount : float
        See `log_odds`.
    background : None, array-like of 4 float, or "sequences"
        Base frequencies of the log-odds and of the p-values' null: None is uniform,
        ``"sequences"`` counts the bases of the scanned sequences.
    strands : {"both", "+", "-"}
    resolution : int
        Score units per bit of the p-value computation (module docstring).
    batch_size : int
        Sequences scored at once (bounds the memory to about 3 x batch_size x L x 8 bytes).
    verbose : bool
        Show a progress bar.

    Returns
    -------
    pandas.DataFrame
        One row per hit, ``COLUMNS``: ``motif`` (id) and ``name``, ``sequence`` (index into
        ``sequences``), ``start``, ``end`` (forward-strand, end exclusive), ``strand``,
        ``score`` (bits), ``p_value``, ``site`` (the matched bases read on the motif's strand);
        ordered by motif (as given), sequence, start, strand.
    """
    given = [t is not None for t in (p_value, relative, min_score)]
    if sum(given) > 1:
        raise ValueError("give one threshold: p_value, relative or min_score")
    if not any(given):
        p_value = 1e-4
    if p_value is not None and not 0 < p_value <= 1:
        raise ValueError(f"p_value must lie in (0, 1], got {p_value}")
    if relative is not None and not 0 <= relative <= 1:
        raise ValueError(f"relative must lie in [0, 1], got {relative}")
    if strands not in ("both", "+", "-"):
        raise ValueError(f'strands must be "both", "+" or "-", got {strands!r}')
    if resolution <= 0 or batch_size < 1:
        raise ValueError("resolution and batch_size must be positive")
    x, lengths = _indices(sequences)
    q = _background(background, x)
    jobs = []  # (motif position, id, name, strand, real matrix, integer matrix, low, sf)
    for m, (key, name, counts) in enumerate(_motifs(motif)):
        forward = _log_odds(counts, pseudocount, q, key)
        for strand in ("+", "-") if strands == "both" else (strands,):
            s = forward if strand == "+" else forward[::-1, ::-1]  # complement rows, reverse
            table = np.round(s * resolution).astype(np.int64)
            jobs.append((m, key, name, strand, s, table, *_survival(table, q)))
    parts = []
    rows = range(0, len(x), batch_size)
    for start in tqdm(rows, desc="scan", disable=not verbose):
        parts += _scan_batch(
            x[start : start + batch_size], start, jobs, p_value, relative, min_score
        )
    if not parts:
        return pd.DataFrame(
            {
                c: pd.Series(dtype=t)
                for c, t in zip(
                    COLUMNS,
                    [
                        object,
                        object,
                        np.int64,
                        np.int64,
                        np.int64,
                        object,
                        np.float64,
                        np.float64,
                        object,
                    ],
                )
            }
        )
    hits = pd.concat(parts, ignore_index=True)
    hits = hits.sort_values(["_m", "sequence", "start", "strand"], kind="stable")
    return hits[COLUMNS].reset_index(drop=True)


def _scan_batch(x, first, jobs, p_value, relative, min_score):
    """Hits of every (motif, strand) job in one batch of encoded sequences."""
    n, length = x.shape
    out = []
    for m, key, name, strand, s, table, low, sf in jobs:
        w = s.shape[1]
        if length < w:
            continue
        windows = length - w + 1
        real = np.zeros((n, windows))
        whole = np.zeros((n, windows), dtype=np.int64)
        bad = np.zeros((n, windows), dtype=bool)
        s5 = np.vstack([s, np.zeros((1, w))])  # row N scores 0 and marks the window bad
        t5 = np.vstack([table, np.zeros((1, w), dtype=np.int64)])
        for k in range(w):
            column = x[:, k : k + windows]
            real += s5[column, k]
            whole += t5[column, k]
            bad |= column == _N
        pv = sf[whole - low]
        if p_value is not None:
            keep = pv <= p_value
        elif relative is not None:
            lo, hi = s.min(0).sum(), s.max(0).sum()
            keep = (real - lo) >= relative * (hi - lo) - 1e-12 * max(1.0, hi - lo)
        else:
            keep = real >= min_score
        i, j = np.nonzero(keep & ~bad)
        if not len(i):
            continue
        words = from_indices(x[i[:, None], j[:, None] + np.arange(w)])
        if strand == "-":
            words = [reverse_complement(v) for v in words]
        out.append(
            pd.DataFrame(
                {
                    "_m": m,
                    "motif": key,
                    "name": name,
                    "sequence": i.astype(np.int64) + first,
                    "start": j.astype(np.int64),
                    "end": j.astype(np.int64) + w,
                    "strand": strand,
                    "score": real[i, j],
                    "p_value": pv[i, j],
                    "site": words,
                }
            )
        )
    return out


def mask(hits, n, length, motif=None):
    """Positions covered by hits, as a boolean map.

    Parameters
    ----------
    hits : pandas.DataFrame
        From `scan` (columns sequence, start, end, motif).
    n : int
        Number of sequences scanned.
    length : int
        Columns of the map (e.g. the longest sequence); hits reaching past it are cut.
    motif : str or iterable of str, optional
        Only the hits of these motif ids; default all.

    Returns
    -------
    numpy.ndarray of bool, shape (n, length)
        True at every position of every kept hit (either strand).
    """
    if motif is not None:
        keep = {motif} if isinstance(motif, str) else set(motif)
        unknown = keep - set(hits["motif"])
        if unknown and len(hits):
            raise ValueError(
                f"no hits of motif {sorted(unknown)}; hits are of {sorted(set(hits['motif']))}"
            )
        hits = hits[hits["motif"].isin(keep)]
    seq = hits["sequence"].to_numpy(np.int64)
    if len(seq) and (seq.min() < 0 or seq.max() >= n):
        raise ValueError(f"hits name sequences up to {seq.max()}, but n = {n}")
    # +1 at each start, -1 at each end, running sum > 0: covered
    delta = np.zeros((n, length + 1), dtype=np.int64)
    np.add.at(delta, (seq, np.clip(hits["start"].to_numpy(np.int64), 0, length)), 1)
    np.add.at(delta, (seq, np.clip(hits["end"].to_numpy(np.int64), 0, length)), -1)
    return np.cumsum(delta, axis=1)[:, :length] > 0


def class_mask(hits, labels, motifs, length):
    """Positions covered by the hits of each sequence's own class motif, as a boolean map.

    In a task whose classes are bound by different factors (Oct4 peaks against MafK peaks),
    the ground truth of a sequence explained as its own class is the sites of its class's
    factor: hits of another class's motif in it are left out.

    Parameters
    ----------
    hits : pandas.DataFrame
        From `scan` (columns sequence, start, end, motif).
    labels : array-like of int, shape (n,)
        Class of each scanned sequence.
    motifs : dict of int to str
        Class -> id of the motif whose hits count in that class's sequences; a class left out
        gets no positions.
    length : int
        Columns of the map; hits reaching past it are cut.

    Returns
    -------
    numpy.ndarray of bool, shape (n, length)
    """
    labels = np.asarray(labels, dtype=np.int64)
    seq = hits["sequence"].to_numpy(np.int64)
    if len(seq) and (seq.min() < 0 or seq.max() >= len(labels)):
        raise ValueError(
            f"hits name sequences up to {seq.max()}, but there are {len(labels)} labels"
        )
    wanted = np.array([motifs.get(int(c)) for c in labels[seq]], dtype=object)
    return mask(hits[hits["motif"].to_numpy(dtype=object) == wanted], len(labels), length)
