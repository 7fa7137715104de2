"""Seqlets, tangermeme's spans of high positive scores, and motifs made from them.

tangermeme's seqlet caller does not ask numba to cache its machine code; `seqlets` turns
caching on for it as memelite does, so only the first process compiles it.
"""

import functools

import numpy as np
import pandas as pd

from .procedure import aligned_scores, find_motifs, score_rows


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

    rows = score_rows(
        scores.detach().cpu().numpy() if hasattr(scores, "detach") else scores, lengths
    )
    n_len = np.array([len(r) for r in rows], dtype=np.int64)
    x = np.zeros((len(rows), int(n_len.max(initial=0))))
    for i, r in enumerate(rows):
        x[i, : len(r)] = np.nan_to_num(r)
    columns = ["sequence", "start", "end", "attribution", "p_value"]
    if not x.size:
        return pd.DataFrame(columns=columns)
    found = recursive_seqlets(
        x,
        threshold=threshold,
        min_seqlet_len=min_length,
        max_seqlet_len=max_length,
        additional_flanks=flank,
    )
    out = pd.DataFrame(
        {
            "sequence": found["example_idx"].to_numpy(np.int64),
            "start": np.maximum(found["start"].to_numpy(np.int64), 0),
            "end": np.minimum(
                found["end"].to_numpy(np.int64), n_len[found["example_idx"].to_numpy(np.int64)]
            ),
            "attribution": found["attribution"].to_numpy(np.float64),
            "p_value": found["p-value"].to_numpy(np.float64),
        }
    )
    return out[out["end"] - out["start"] >= 1].reset_index(drop=True)


@functools.cache
def _cache_seqlet_caller():
    """Have numba cache tangermeme's seqlet functions on disk, as memelite's are."""
    import numba
    from tangermeme import seqlet

    for value in vars(seqlet).values():
        if isinstance(value, numba.core.registry.CPUDispatcher):
            value.enable_caching()


def seqlet_motifs(
    sequences,
    labels,
    scores,
    threshold=0.01,
    min_seqlet_length=4,
    max_seqlet_length=25,
    flank=0,
    p_adjusted=0.005,
    window=24,
    min_instances=3,
    align_threshold=None,
    k=None,
    edge="drop",
    verbose=False,
):
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
    rows = aligned_scores(sequences, scores)
    if len(labels) != len(sequences):
        raise ValueError(f"{len(labels)} labels for {len(sequences)} sequences")
    positives = np.flatnonzero(labels == 1)
    called = seqlets(
        [rows[i] for i in positives],
        threshold=threshold,
        min_length=min_seqlet_length,
        max_length=max_seqlet_length,
        flank=flank,
    )
    regions = [[] for _ in sequences]
    for i, a, b in zip(called["sequence"], called["start"], called["end"]):
        regions[positives[i]].append((int(a), int(b)))
    if verbose:
        print(f"{len(called)} seqlets in {len(positives)} positives")
    return find_motifs(
        sequences,
        labels,
        None,
        min_length=min_seqlet_length,
        p_adjusted=p_adjusted,
        window=window,
        min_instances=min_instances,
        align_threshold=align_threshold,
        k=k,
        edge=edge,
        verbose=verbose,
        regions=[sorted(r) for r in regions],
    )
