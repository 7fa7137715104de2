"""Each peak's sites of its own factor, found by scanning the factor's JASPAR matrix."""

import numpy as np
import pandas as pd

from ... import data, sites
from .. import sequence_lengths
from .answer import FACTORS, P_SITE


def factor_matrices():
    """The JASPAR matrices of the factors of `FACTORS`, by matrix id, in its order."""
    return data.jaspar_motifs([FACTORS[c]["matrix"] for c in FACTORS])


def own_sites(ds, matrices):
    """Sites of both factors in every sequence, and the bases of each sequence's own factor.

    Parameters
    ----------
    ds : data.Dataset
        n sequences whose classes include those of `FACTORS`.
    matrices : dict of str to data.Motif
        The factors' matrices (`factor_matrices`).

    Returns
    -------
    hits : pandas.DataFrame
        `sites.scan` of every matrix on both strands at p <= `P_SITE` (columns
        `sites.COLUMNS`).
    truth : numpy.ndarray of bool, shape (n, longest sequence)
        True on the bases of hits of the sequence's own class's matrix (`sites.class_mask`).
    """
    hits = sites.scan(ds.sequences, matrices, p_value=P_SITE)
    own = {ds.classes.index(c): FACTORS[c]["matrix"] for c in FACTORS}
    return hits, sites.class_mask(hits, ds.labels, own, int(sequence_lengths(ds).max()))


def site_carry(ds, hits, truth, matrices):
    """Which peaks carry which factor's site.

    Parameters
    ----------
    ds : data.Dataset
        n sequences.
    hits, truth
        From `own_sites`.
    matrices : dict of str to data.Motif
        The scanned matrices (`factor_matrices`), in the order of `FACTORS`.

    Returns
    -------
    pandas.DataFrame
        One row per class of `FACTORS` (``"<class> peaks"``): per matrix, the share of the
        class's sequences with at least one hit (``"<name> hit (<id>)"``); then the mean share
        of each sequence's bases that are sites of its own factor.
    """
    lengths = sequence_lengths(ds)
    label = {c: ds.classes.index(c) for c in FACTORS}
    carry = pd.DataFrame(
        {
            f"{m.name} hit ({m.id})": [
                np.isin(
                    np.flatnonzero(ds.labels == label[c]), hits[hits.motif == m.id].sequence
                ).mean()
                for c in FACTORS
            ]
            for m in matrices.values()
        },
        index=[f"{c} peaks" for c in FACTORS],
    )
    carry["own factor's site bases (mean share)"] = [
        (truth[ds.labels == label[c]].sum(1) / lengths[ds.labels == label[c]]).mean()
        for c in FACTORS
    ]
    return carry


def sites_sentence(carry, truth):
    """How many sequences hold a site of their own factor, and of the other one.

    Parameters
    ----------
    carry : pandas.DataFrame
        From `site_carry`: its first two columns are the hit shares of the factors' matrices,
        in the order of `FACTORS`.
    truth : numpy.ndarray of bool, shape (n, L)
        From `own_sites`.

    Returns
    -------
    str
    """
    own = {c: carry.loc[f"{c} peaks"].iloc[i] for i, c in enumerate(FACTORS)}
    other = {c: carry.loc[f"{c} peaks"].iloc[1 - i] for i, c in enumerate(FACTORS)}
    return (
        f"Of the {len(truth)} sequences, {truth.any(1).sum()} hold a site of their own class's "
        "factor: "
        + "; ".join(
            f"{own[c]:.0%} of the {FACTORS[c]['factor']} peaks (and {other[c]:.0%} hold a "
            f"site of the other factor)"
            for c in FACTORS
        )
        + ". Only sequences with an own site enter the measures below; the others have no "
        "known answer."
    )
