"""JASPAR position frequency matrices, from the ``pyjaspar`` package (offline)."""

import functools
import warnings
from typing import NamedTuple

import numpy as np


class Motif(NamedTuple):
    """A JASPAR matrix: ``counts`` as published, ``probs`` its columns normalised to sum to 1,
    both numpy arrays of shape (4, width) with rows A, C, G, T."""

    id: str
    name: str
    counts: np.ndarray
    probs: np.ndarray


@functools.cache
def jaspar_db(release="JASPAR2018"):
    """The pyjaspar database of a JASPAR release (shipped in its wheel, works offline)."""
    from pyjaspar import jaspardb

    return jaspardb(release=release)


def _motif(m):
    counts = np.array([m.counts[b] for b in "ACGT"], dtype=np.float64)
    probs = counts / counts.sum(axis=0, keepdims=True)
    counts.flags.writeable = probs.flags.writeable = False  # shared through the cache
    return Motif(m.matrix_id, m.name, counts, probs)


@functools.cache
def jaspar_record(release, matrix_id):
    """The pyjaspar record of one JASPAR matrix (counts, name, TF class and family), or None
    when the release has no such matrix."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyjaspar warns before returning None
        return jaspar_db(release).fetch_motif_by_id(matrix_id)


@functools.cache
def _jaspar_by_id(release, matrix_id):
    m = jaspar_record(release, matrix_id)
    if m is None:
        raise KeyError(f"no JASPAR matrix {matrix_id!r} in {release} (ids look like 'MA0108.2')")
    return _motif(m)


@functools.cache
def _jaspar_all(release, collection, tax_group):
    found = jaspar_db(release).fetch_motifs(collection=collection, tax_group=[tax_group])
    return tuple(_motif(m) for m in found)


def jaspar_motifs(ids=None, collection="CORE", tax_group="vertebrates", release="JASPAR2018"):
    """JASPAR position frequency matrices, from the ``pyjaspar`` package (offline).

    Parameters
    ----------
    ids : iterable of str, optional
        Matrix ids with version, e.g. ``"MA0108.2"``; these are fetched whatever their
        collection. Default: the latest version of every matrix in ``collection`` and
        ``tax_group`` (579 for JASPAR 2018 CORE vertebrates).
    collection : str
        JASPAR collection.
    tax_group : str
        Taxonomic group.
    release : str
        JASPAR release known to pyjaspar.

    Returns
    -------
    dict of str to Motif
        By matrix id, in the order asked for (or JASPAR's order).
    """
    if ids is None:
        motifs = _jaspar_all(release, collection, tax_group)
    else:
        motifs = [_jaspar_by_id(release, i) for i in ids]
    return {m.id: m for m in motifs}
