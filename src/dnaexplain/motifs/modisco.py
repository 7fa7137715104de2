"""TF-MoDISco-lite (``modisco-lite``): patterns from four-channel scores, and whether a
class's patterns recover its factor's family (`pattern_recovery`) or planted motifs
(`planted_recovery`).

TF-MoDISco (Shrikumar et al. 2018; tfmodisco-lite by Schreiber) works on hypothetical scores:
for every position, a score for each of the four bases, whichever is observed. The observed
base's score (the contribution) locates seqlets, windows of high total contribution; seqlets
are clustered by the similarity of their contribution and hypothetical scores (Leiden, on
both strands) and each cluster is aligned into a pattern: its base frequencies and its
contribution weight matrix (CWM, the mean contribution of each base at each column).
Methods with per-position scores only enter as projected maps (`projected`): the score on
the observed base, 0 on the others, so the clustering sees contribution alone.

Window settings for short sequences. modisco-lite's defaults were set for 1 kb inputs cut to
their central 400 bp: seqlet cores of 21 bp (its command line: 20) with 10 bp flanks (5), a
metacluster needs more than 100 seqlets, and patterns are trimmed to 30 bp with 10 bp added
on each side. On 200 bp sequences a 41 bp seqlet is a fifth of the sequence, no seqlet is
centred within ``flank + window / 2`` (20 bp) of either end, and patterns of 50 bp lose
every seqlet too close to an end to be widened that far. Here:

* ``window=15``, ``flank=5``: 25 bp seqlets. A core holds the 13 bp MARE, a seqlet the 19
  columns of CTCF's or MAFK's JASPAR matrix, and an 8 bp octamer fills more than half a core;
  13 bp at each end cannot hold a seqlet centre, and seqlet cores may lie 12 bp apart
  (``window / 2 + flank``: each call suppresses as much on both sides).
* patterns trimmed to ``trim_to_window_size=20`` columns plus ``initial_flank_to_add=5`` on
  each side (30 bp), so seqlets near the ends stay in their pattern.
* ``min_seqlets=20``: the least seqlets of a metacluster and of a pattern (modisco's
  ``min_metacluster_size``, default 100, and ``final_min_cluster_size``, default 20). A
  100-sequence class of 200 bp peaks yields a few hundred seqlets in all, so a metacluster
  of more than 100 would often be empty, while 20 sites of one motif are still a pattern;
  with 20 sequences a class rarely has a pattern at all.
* ``max_seqlets=2000`` per metacluster (default 20,000): far above what the book's samples
  give, a bound on the quadratic cost of the similarities.
* ``n_leiden=10`` clusterings from different seeds, the best kept (default 50; its command
  line uses 2). Leiden runs are most of a run's time on a few hundred seqlets; on the known
  biology chapter's CNN maps 50 gave the same patterns as 10, and 2 one fewer on one map.
* ``target_seqlet_fdr=0.05``, as modisco's command line.

Maps of one sign. modisco fits a Laplace null around the mode of the windows' total
contribution and needs windows, and null values, on both sides of 0. Maps without negative
scores (attention, rollout, saliency, random scores), and maps whose windows mostly lie far
from 0, fail that; they are centred on each sequence's median contribution instead, so that
a base counts for a class where it scores above its sequence's median. (The mean, the
criterion of the DNABERT procedure's high-score regions, is pulled up by the sites
themselves: the windows of the background then all fall below 0, and the null again has
one side.) A map that fails centred too, a constant one, has no pattern.

modisco compiles its numba functions on first use, and caches them on disk only where it
compiles them in forked children at the start of a run, which it does only in a process
without other threads (not in a notebook kernel, nor beside torch's threads);
`find_patterns` turns caching on for all of them, as `seqlets` does for tangermeme's, so
only the first process compiles them (``$NUMBA_CACHE_DIR`` when set).

A run is deterministic: modisco draws its null (1234) and its Leiden seeds (100, 200, ...)
from fixed seeds, whatever the thread count.

The patterns go to TOMTOM (`databases.compare`) as modisco's report sends them: the base
frequencies of the columns between the first and last whose total absolute CWM reaches
``trim`` (0.3) of the largest.
"""

import functools
import types
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..sequences import one_hot as encode
from .databases import COLUMNS, compare
from .recovery import RECOVERY_COLUMNS, in_family, recovery

WINDOW = 15
FLANK = 5
MIN_SEQLETS = 20
MAX_SEQLETS = 2000
N_LEIDEN = 10
TRIM = 0.3

SEQLET_COLUMNS = ["sequence", "start", "end", "strand"]
TOP_COLUMNS = [
    "top",
    "top_seqlets",
    "top_match",
    "top_id",
    "top_q",
    "top_family",
    "n_negative",
    "negative_match",
    "negative_q",
]


class Pattern(NamedTuple):
    """A pattern found by `find_patterns`.

    Attributes
    ----------
    id : str
        ``"pos_1"``, ``"pos_2"``, ... (positive contribution) and ``"neg_1"``, ... (negative),
        by decreasing number of seqlets within each sign.
    sign : int
        +1 or -1, the metacluster: the sign of the seqlets' total contribution.
    counts : numpy.ndarray, shape (4, w)
        Base counts of the seqlets at each column, rows A, C, G, T, trimmed (module
        docstring).
    cwm : numpy.ndarray, shape (4, w)
        Mean contribution of each base at each column (the score on the observed base,
        averaged over the seqlets), trimmed likewise.
    seqlets : pandas.DataFrame
        `SEQLET_COLUMNS`: sequence (index into the inputs), start, end (the trimmed
        columns' span, end exclusive) and strand (``"-"``: the pattern reads the reverse
        complement).
    """

    id: str
    sign: int
    counts: np.ndarray
    cwm: np.ndarray
    seqlets: pd.DataFrame


def _encoded(sequences, length):
    """One-hot (n, 4, length) of a list of str, padded; an array is returned as it is."""
    if isinstance(sequences, (list, tuple)) and all(isinstance(q, str) for q in sequences):
        return encode(list(sequences), length=length).numpy()
    return np.asarray(sequences)


def projected(scores, sequences):
    """Per-position scores put on the observed base: a four-channel map of one-channel scores.

    Parameters
    ----------
    scores : array-like of float, shape (n, L)
    sequences : list of str, or array-like of float, shape (n, 4, L)
        The n sequences, or their one-hot encoding (`sequences.one_hot`); N and padding are
        all-zero columns.

    Returns
    -------
    numpy.ndarray of float, shape (n, 4, L)
        ``scores[:, None, :] * one_hot``: the score on the observed base, 0 on the others.
    """
    scores = np.asarray(scores)
    x = _encoded(sequences, scores.shape[-1])
    if x.ndim != 3 or x.shape[1] != 4 or scores.shape != x[:, 0].shape:
        raise ValueError(f"scores {scores.shape} and one-hot {x.shape}: want (n, L), (n, 4, L)")
    return scores[:, None, :] * x


@functools.cache
def _cache_kernels():
    """Have numba cache modisco's compiled functions on disk, as memelite's are."""
    import modiscolite
    import numba

    modules = [m for m in vars(modiscolite).values() if isinstance(m, types.ModuleType)]
    for value in (v for m in modules for v in vars(m).values()):
        if isinstance(value, numba.core.registry.CPUDispatcher):
            value.enable_caching()


def _two_signs(x, h, window):
    """Whether windows of ``window`` bases have both positive and negative total contribution
    (modisco's null needs both)."""
    c = np.cumsum((x * h).sum(1), axis=1)
    total = c[:, window - 1 :] - np.pad(c, ((0, 0), (1, 0)))[:, : c.shape[1] - window + 1]
    return bool((total >= 0).any() and (total < 0).any())


def _centred(x, h):
    """h minus each sequence's median contribution, at every channel of its bases (n, 4, L)."""
    valid = x.sum(1) > 0
    median = np.ma.median(np.ma.masked_array((x * h).sum(1), ~valid), axis=1).filled(0)
    return h - median[:, None, None] * valid[:, None, :]


def _trim(cwm, trim):
    """(first, last + 1) of the columns whose total absolute CWM (w, 4) reaches ``trim`` of
    the largest."""
    total = np.abs(cwm).sum(1)
    kept = np.flatnonzero(total >= trim * total.max())
    return int(kept[0]), int(kept[-1]) + 1


def _pattern(p, sign, rank, trim):
    """A Pattern from a modisco SeqletSet, trimmed."""
    a, b = _trim(p.contrib_scores, trim)
    counts = p.sequence * p.per_position_counts[:, None]
    rows = [
        (s.example_idx, s.end - b, s.end - a, "-")
        if s.is_revcomp
        else (s.example_idx, s.start + a, s.start + b, "+")
        for s in p.seqlets
    ]
    return Pattern(
        f"{'pos' if sign > 0 else 'neg'}_{rank}",
        sign,
        np.ascontiguousarray(counts[a:b].T, dtype=np.float64),
        np.ascontiguousarray(p.contrib_scores[a:b].T, dtype=np.float64),
        pd.DataFrame(rows, columns=SEQLET_COLUMNS).astype(
            {"sequence": int, "start": int, "end": int}
        ),
    )


def find_patterns(
    one_hot,
    hypothetical,
    window=WINDOW,
    flank=FLANK,
    min_seqlets=MIN_SEQLETS,
    max_seqlets=MAX_SEQLETS,
    n_leiden=N_LEIDEN,
    trim=TRIM,
    **options,
):
    """TF-MoDISco-lite's patterns of four-channel scores.

    Parameters
    ----------
    one_hot : array-like of float, shape (n, 4, L)
        The sequences (`sequences.one_hot`), channels first as everywhere in the book.
    hypothetical : array-like of float, shape (n, 4, L)
        Hypothetical scores (``attribute(..., hypothetical=True)``), or projected ones
        (`projected`); each sequence explained as the class whose patterns are sought.
    window, flank : int
        Seqlet core and flank (modisco's ``sliding_window_size``, ``flank_size``); see the
        module docstring for these and the other defaults.
    min_seqlets : int
        Seqlets a metacluster needs (more than this) and a pattern needs (at least this).
    max_seqlets : int
        Seqlets kept per metacluster.
    n_leiden : int
        Leiden clusterings (seeds) of which the best is kept.
    trim : float
        Columns kept for `Pattern`: from the first to the last whose total absolute CWM
        reaches this share of the largest.
    **options
        Other arguments of ``modiscolite.tfmodisco.TFMoDISco`` (e.g. ``target_seqlet_fdr``).

    Returns
    -------
    list of Pattern
        Positive patterns, then negative, each by decreasing number of seqlets; empty when
        modisco finds none (too few seqlets, or no cluster large and informative enough).
    """
    from modiscolite.tfmodisco import TFMoDISco

    _cache_kernels()
    x = np.asarray(one_hot, dtype=np.float32)
    h = np.asarray(hypothetical, dtype=np.float32)
    if x.ndim != 3 or x.shape[1] != 4 or h.shape != x.shape:
        raise ValueError(f"one-hot {x.shape} and hypothetical {h.shape}: want both (n, 4, L)")
    if not np.isfinite(h).all():
        raise ValueError("hypothetical scores hold NaN or infinite values")
    settings = {
        "sliding_window_size": window,
        "flank_size": flank,
        "min_metacluster_size": min_seqlets,
        "final_min_cluster_size": min_seqlets,
        "max_seqlets_per_metacluster": max_seqlets,
        "n_leiden_runs": n_leiden,
        "trim_to_window_size": 20,
        "initial_flank_to_add": 5,
        "target_seqlet_fdr": 0.05,
    } | options
    for scores in (h, _centred(x, h)):  # as given, else centred (module docstring)
        if not _two_signs(x, scores, window):  # one sign (or, centred, a constant map)
            continue
        try:
            positive, negative = TFMoDISco(
                one_hot=np.ascontiguousarray(x.transpose(0, 2, 1)),
                hypothetical_contribs=np.ascontiguousarray(scores.transpose(0, 2, 1)),
                **settings,
            )
            break
        except ZeroDivisionError:  # its null, fitted around the windows' mode, has one side
            continue
    else:
        return []
    return [
        _pattern(p, sign, rank, trim)
        for sign, found in ((1, positive), (-1, negative))
        for rank, p in enumerate(found or [], 1)
    ]


def pattern_recovery(
    sequences, labels, hypothetical, families, max_q=0.05, database=None, **options
):
    """TF-MoDISco on each class's sequences, the JASPAR matches of its patterns, and whether
    its factor's family is among them (`recovery.recovery`).

    For every class c of ``families``, modisco runs on the sequences of class c alone (it has
    no background set); its patterns are compared with JASPAR (`databases.compare`), and its
    positive patterns, by decreasing seqlets, are ranked against c's family: the rank of the
    first whose best match (q-value at most ``max_q``) is in the family.

    Parameters
    ----------
    sequences : list of str, or array-like of float, shape (n, 4, L)
        The n sequences, or their one-hot encoding.
    labels : array-like of int, shape (n,)
        Class of each sequence.
    hypothetical : array-like of float, shape (n, 4, L)
        As for `find_patterns`: each sequence explained as its own class (only the class's
        rows are read).
    families : dict of int to family
        Class -> its factors' family (`recovery.in_family`: `POU_FAMILY`, `MAF_FAMILY`, ...).
    max_q : float
        TOMTOM q-value at or below which a match counts.
    database : optional
        As for `compare` (default JASPAR 2018 CORE vertebrates).
    **options
        Passed to `find_patterns`.

    Returns
    -------
    table : pandas.DataFrame
        One row per class of ``families``: ``label``; `RECOVERY_COLUMNS` (``n_motifs``: its
        positive patterns; ``rank``: of the first in the family, NaN if none; ``motif``: that
        pattern's id, its ``match``, ``q_value``, ...); then `TOP_COLUMNS`: the first
        positive pattern's id ``top`` ("" without one), ``top_seqlets``, its best match
        ``top_match`` / ``top_id`` / ``top_q`` ("" and NaN without one) and ``top_family``
        (whether that match is in the family at q <= ``max_q``); ``n_negative`` (negative
        patterns) and the first one's best match, ``negative_match`` and ``negative_q``.
    patterns : dict of int to list of Pattern
        Each class's patterns, positive and negative (`find_patterns`).
    matches : dict of int to pandas.DataFrame
        The `compare` table of each class's patterns (empty, with `COLUMNS`, when none).
    """
    h, labels = np.asarray(hypothetical), np.asarray(labels)
    x = _encoded(sequences, h.shape[-1])
    rows, patterns, matches = [], {}, {}
    for c, family in families.items():
        if not (labels == c).any():
            raise ValueError(f"class {c} has no sequences")
        patterns[c] = find_patterns(x[labels == c], h[labels == c], **options)
        table = compare(patterns[c], database) if patterns[c] else pd.DataFrame(columns=COLUMNS)
        positive = [p for p in patterns[c] if p.sign > 0]
        row = recovery({c: table}, family, 1, max_q, {c: positive}, names=("label",))
        rows.append(row.assign(**_top(patterns[c], table, family, max_q)))
        matches[c] = table
    return (
        pd.concat(rows, ignore_index=True)[["label", *RECOVERY_COLUMNS, *TOP_COLUMNS]],
        patterns,
        matches,
    )


def _best(table, pattern):
    """(name, id, q-value) of a pattern's best match: ("", "", NaN) without a pattern or a
    match."""
    best = table[(table["query"] == getattr(pattern, "id", None)) & (table["rank"] == 1)]
    if not len(best):
        return "", "", np.nan
    return best["name"].iloc[0], best["id"].iloc[0], float(best["q_value"].iloc[0])


def _top(patterns, table, family, max_q):
    """`TOP_COLUMNS` of a class's first positive and first negative pattern."""
    positive = [p for p in patterns if p.sign > 0]
    negative = [p for p in patterns if p.sign < 0]
    name, matrix, q = _best(table, positive[0] if positive else None)
    against, _, q_against = _best(table, negative[0] if negative else None)
    return {
        "top": positive[0].id if positive else "",
        "top_seqlets": len(positive[0].seqlets) if positive else 0,
        "top_match": name,
        "top_id": matrix,
        "top_q": q,
        "top_family": bool(q <= max_q and in_family(name, matrix, family)),
        "n_negative": len(negative),
        "negative_match": against,
        "negative_q": q_against,
    }


def planted_recovery(sequences, hypothetical, planted, max_q=0.05, database=None, **options):
    """TF-MoDISco on one set of sequences, and which planted JASPAR motifs its patterns recover.

    A planted matrix is recovered by the first positive pattern (by decreasing seqlets) whose
    best TOMTOM match, at q-value at most ``max_q``, is that matrix (`recovery.recovery` with
    the matrix id as the family).

    Parameters
    ----------
    sequences : list of str, or array-like of float, shape (n, 4, L)
        The n sequences, or their one-hot encoding.
    hypothetical : array-like of float, shape (n, 4, L)
        As for `find_patterns`; sequences whose scores are not all finite (a map computed on
        part of them, NaN elsewhere) are left out.
    planted : list of str
        JASPAR matrix ids, e.g. ``["MA0108.2", "MA0079.3", "MA0139.1"]``.
    max_q : float
        TOMTOM q-value at or below which a match counts.
    database : optional
        As for `compare` (default JASPAR 2018 CORE vertebrates).
    **options
        Passed to `find_patterns`.

    Returns
    -------
    table : pandas.DataFrame
        One row per planted matrix, in the order given: ``planted`` (its id), ``n_sequences``
        (those with finite scores), then `RECOVERY_COLUMNS` (``n_motifs``: positive patterns;
        ``rank`` of the first that recovers it, NaN if none; that pattern's ``motif`` id,
        ``q_value``, ...).
    patterns : list of Pattern
        Every pattern (`find_patterns`); seqlets index the sequences kept.
    matches : pandas.DataFrame
        Their `compare` table (empty, with `COLUMNS`, when none).
    """
    h = np.asarray(hypothetical)
    x = _encoded(sequences, h.shape[-1])
    kept = np.isfinite(h).all(axis=(1, 2))
    patterns = find_patterns(x[kept], h[kept], **options) if kept.any() else []
    matches = compare(patterns, database) if patterns else pd.DataFrame(columns=COLUMNS)
    positive = [p for p in patterns if p.sign > 0]
    rows = [
        recovery({m: matches}, {m}, 1, max_q, {m: positive}, names=("planted",)) for m in planted
    ]
    table = pd.concat(rows, ignore_index=True)
    table.insert(1, "n_sequences", int(kept.sum()))
    return table, patterns, matches
