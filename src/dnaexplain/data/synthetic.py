"""The book's task with known answers: JASPAR motifs planted in random background."""

import numpy as np

from ..sequences import from_indices
from .dataset import Dataset, Site
from .jaspar import jaspar_motifs

# TBP (TATA box), SP1 (GC box), CTCF: well known, different widths and GC content
DEFAULT_MOTIFS = ("MA0108.2", "MA0079.3", "MA0139.1")


# The book's task with known answers: one to two planted sites per positive, 200 bp.
SYNTHETIC = "synthetic"


SYNTHETIC_TASK = dict(n=6000, length=200, motifs=DEFAULT_MOTIFS, gc=0.42, n_sites=(1, 2), seed=0)


def synthetic(
    n,
    length=200,
    motifs=DEFAULT_MOTIFS,
    gc=0.42,
    n_sites=1,
    seed=0,
    positive_fraction=0.5,
    both_strands=False,
):
    """A classification task with known ground truth: motifs planted in random background.

    Every sequence is i.i.d. background with the given GC content. Positives (label 1) get
    motif instances, each sampled column by column from a JASPAR matrix chosen uniformly
    among ``motifs``, at random non-overlapping positions; negatives (label 0) get none, so
    the planted bases are exactly what separates the classes.

    Parameters
    ----------
    n : int
        Number of sequences.
    length : int
        Sequence length.
    motifs : iterable of str
        JASPAR 2018 matrix ids.
    gc : float
        Background GC content.
    n_sites : int or tuple of 2 int
        Instances per positive sequence, or an inclusive range ``(low, high)`` to draw from.
    seed : int
        Seed of everything random here.
    positive_fraction : float
        Fraction of positives (rounded to a whole number of sequences).
    both_strands : bool
        Plant each instance on a random strand (reverse complement for ``"-"``).

    Returns
    -------
    Dataset
        With ``mask`` (bool, shape (n, length), True on planted bases) and ``sites``.
    """
    low, high = (n_sites, n_sites) if np.isscalar(n_sites) else n_sites
    if not 0 <= low <= high:
        raise ValueError(f"n_sites must be a count or a range (low, high), got {n_sites}")
    if not 0 <= gc <= 1 or not 0 <= positive_fraction <= 1:
        raise ValueError("gc and positive_fraction must lie in [0, 1]")
    table = list(jaspar_motifs(motifs).values())
    widths = np.array([m.probs.shape[1] for m in table])
    if widths.max() * high > length:
        raise ValueError(f"{high} sites of up to {widths.max()} bp do not fit in {length} bp")
    rng = np.random.default_rng(seed)
    p = [(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]
    x = rng.choice(4, size=(n, length), p=p).astype(np.uint8)
    labels = np.zeros(n, dtype=np.int64)
    labels[rng.permutation(n)[: int(round(n * positive_fraction))]] = 1
    mask = np.zeros((n, length), dtype=bool)
    sites = []
    for i in np.flatnonzero(labels):
        chosen = rng.integers(len(table), size=rng.integers(low, high + 1))
        w = widths[chosen]
        # sorted free-space offsets plus the widths of earlier sites: random, never overlapping
        gaps = np.sort(rng.integers(0, length - w.sum() + 1, size=len(w)))
        starts = gaps + np.cumsum(w) - w
        for m, start, end in zip(chosen, starts.tolist(), (starts + w).tolist()):
            cdf = np.cumsum(table[m].probs, axis=0)
            bases = np.minimum((rng.random(end - start) > cdf).sum(axis=0), 3)
            strand = "-" if both_strands and rng.random() < 0.5 else "+"
            if strand == "-":
                bases = 3 - bases[::-1]  # complement of A,C,G,T = 0,1,2,3 is 3 - index
            x[i, start:end] = bases
            mask[i, start:end] = True
            sites.append(Site(int(i), table[m].id, table[m].name, start, end, strand))
    source = (
        f"synthetic(length={length}, motifs={tuple(motifs)}, gc={gc}, "
        f"n_sites={n_sites}, seed={seed})"
    )
    return Dataset(
        "synthetic",
        from_indices(x),
        labels,
        ("background", "motif"),
        source,
        "all",
        {},
        mask=mask,
        sites=sites,
    )
