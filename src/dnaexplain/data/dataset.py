"""Labelled sequences and what is done to them whole: the `Dataset` record, stratified
splits and samples, and the summaries a chapter prints (lengths, a length leak, origins)."""

from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np


class DatasetNotFoundError(FileNotFoundError):
    """A dataset file is in none of the places looked at and could not be downloaded."""


class Site(NamedTuple):
    """A motif instance planted by `synthetic`: ``sequence[start:end]`` on strand ``strand``."""

    index: int
    motif: str
    name: str
    start: int
    end: int
    strand: str


@dataclass(eq=False)
class Dataset:
    """Labelled DNA sequences and where they came from.

    Attributes
    ----------
    name : str
        Dataset name.
    sequences : list of str
        n upper-case sequences.
    labels : numpy.ndarray of int64, shape (n,)
        Class index of each sequence.
    classes : tuple of str
        Class names; position = label.
    source : str
        File (or generator call) the sequences came from.
    split : str
        Published split (``"test"``), or ``"<published>/<part>"`` after `split`.
    removed : dict of str to int
        Number of sequences dropped by preprocessing, per reason.
    index : numpy.ndarray of int64, shape (n,)
        Row of each sequence in the source (0-based, header excluded).
    mask : numpy.ndarray of bool, shape (n, length), optional
        Ground truth of the synthetic task: True at planted motif positions.
    sites : list of Site, optional
        Planted motif instances of the synthetic task.
    """

    name: str
    sequences: list
    labels: np.ndarray
    classes: tuple
    source: str = ""
    split: str = ""
    removed: dict = field(default_factory=dict)
    index: np.ndarray = None
    mask: np.ndarray = None
    sites: list = None

    def __post_init__(self):
        self.labels = np.asarray(self.labels, dtype=np.int64)
        if self.index is None:
            self.index = np.arange(len(self.sequences), dtype=np.int64)
        if not len(self.sequences) == len(self.labels) == len(self.index):
            raise ValueError(
                f"{len(self.sequences)} sequences, {len(self.labels)} labels and "
                f"{len(self.index)} indices: they must match"
            )

    def __len__(self):
        return len(self.sequences)

    def __repr__(self):
        counts = ", ".join(f"{k}: {c}" for k, c in zip(self.classes, self.counts()))
        return (
            f"Dataset({self.name!r}, split={self.split!r}, n={len(self)} ({counts}), "
            f"source={self.source!r})"
        )

    def counts(self):
        """Number of sequences per class, shape (len(classes),)."""
        return np.bincount(self.labels, minlength=len(self.classes))

    def subset(self, indices, split=None):
        """The sequences at ``indices`` (positions in this dataset), in that order.

        Parameters
        ----------
        indices : array-like of int, shape (m,)
            Distinct positions to keep.
        split : str, optional
            New split name; default keeps this one.

        Returns
        -------
        Dataset
            m sequences, with mask rows and sites carried over (site indices renumbered).
        """
        indices = np.asarray(indices, dtype=np.int64)
        sites = None
        if self.sites is not None:
            new = {int(old): i for i, old in enumerate(indices)}
            sites = [s._replace(index=new[s.index]) for s in self.sites if s.index in new]
        return replace(
            self,
            sequences=[self.sequences[i] for i in indices],
            labels=self.labels[indices],
            split=self.split if split is None else split,
            removed=dict(self.removed),
            index=self.index[indices],
            mask=None if self.mask is None else self.mask[indices],
            sites=sites,
        )


def split(dataset, fractions=(0.7, 0.1, 0.2), seed=0, min_eval_per_class=500):
    """Split a dataset into train, validation and evaluation parts, stratified by class.

    Per class with n_c sequences: the evaluation part gets max(round(f_eval n_c),
    min_eval_per_class) of them, the rest is divided between train and validation in the ratio
    f_train : f_val. Parts are disjoint, cover the dataset and keep its order.

    Parameters
    ----------
    dataset : Dataset
        n sequences.
    fractions : tuple of 3 float
        Train, validation and evaluation fractions (normalised to sum to 1).
    seed : int
        Seed of the random assignment.
    min_eval_per_class : int
        Evaluation sequences per class at least; a class with fewer sequences raises a
        ValueError (pass a smaller value for small datasets).

    Returns
    -------
    dict of str to Dataset
        ``"train"``, ``"validation"`` and ``"evaluation"``; their ``split`` is
        ``"<published split>/<part>"``.
    """
    f = np.asarray(fractions, dtype=float)
    if f.shape != (3,) or (f < 0).any() or f.sum() <= 0:
        raise ValueError(f"fractions must be three non-negative numbers, got {fractions}")
    f = f / f.sum()
    rng = np.random.default_rng(seed)
    parts = {"train": [], "validation": [], "evaluation": []}
    for c, name in enumerate(dataset.classes):
        members = rng.permutation(np.flatnonzero(dataset.labels == c))
        n = len(members)
        if n < min_eval_per_class:
            raise ValueError(
                f"class {name!r} has {n} sequences, fewer than min_eval_per_class="
                f"{min_eval_per_class}; pass a smaller min_eval_per_class"
            )
        n_eval = max(int(round(f[2] * n)), min_eval_per_class)
        rest = n - n_eval
        n_val = int(round(rest * f[1] / (f[0] + f[1]))) if f[0] + f[1] > 0 else rest
        parts["evaluation"].append(members[:n_eval])
        parts["validation"].append(members[n_eval : n_eval + n_val])
        parts["train"].append(members[n_eval + n_val :])
    return {
        part: dataset.subset(np.sort(np.concatenate(idx)), f"{dataset.split}/{part}")
        for part, idx in parts.items()
    }


def _cap(dataset, max_sequences, seed):
    if len(dataset) <= max_sequences:
        return dataset
    per_class = max(1, min(max_sequences // len(dataset.classes), dataset.counts().min()))
    return sample(dataset, per_class, seed=seed)


def sample_class(dataset, name, n, seed=0):
    """Up to ``n`` sequences of one class, drawn at random (seeded), in dataset order.

    Parameters
    ----------
    dataset : Dataset
    name : str
        Class name, e.g. ``"motif"``.
    n : int
        Sequences drawn (all of the class when it has fewer).
    seed : int

    Returns
    -------
    Dataset
    """
    members = np.flatnonzero(dataset.labels == dataset.classes.index(name))
    return dataset.subset(np.sort(np.random.default_rng(seed).permutation(members)[:n]))


def sample(dataset, n_per_class, seed=0):
    """A stratified random subsample: ``n_per_class`` sequences of every class.

    Parameters
    ----------
    dataset : Dataset
        n sequences.
    n_per_class : int
        Sequences drawn (without replacement) from each class.
    seed : int
        Seed of the draw.

    Returns
    -------
    Dataset
        len(classes) * n_per_class sequences, in dataset order.
    """
    rng = np.random.default_rng(seed)
    chosen = []
    for c, name in enumerate(dataset.classes):
        members = np.flatnonzero(dataset.labels == c)
        if len(members) < n_per_class:
            raise ValueError(
                f"class {name!r} has {len(members)} sequences, fewer than {n_per_class}"
            )
        chosen.append(rng.choice(members, size=n_per_class, replace=False))
    return dataset.subset(np.sort(np.concatenate(chosen)))


def length_leak(dataset):
    """How well sequence length alone tells the classes apart.

    Returns
    -------
    float
        Largest one-vs-rest AUROC of length over classes, folded to >= 0.5 (0.5: lengths say
        nothing; 1.0: length alone separates the classes).
    """
    from scipy.stats import rankdata

    lengths = np.array([len(s) for s in dataset.sequences], dtype=float)
    ranks = rankdata(lengths)
    best = 0.5
    for c in range(len(dataset.classes)):
        pos = dataset.labels == c
        n_pos, n_neg = int(pos.sum()), int((~pos).sum())
        if n_pos and n_neg:
            auc = (ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
            best = max(best, auc, 1 - auc)
    return float(best)


def summary(dataset):
    """Per class: sequences, shortest, median and longest length (bp).

    Returns
    -------
    pandas.DataFrame
        One row per class, integer columns.
    """
    import pandas as pd

    lengths = np.array([len(s) for s in dataset.sequences])
    rows = {}
    for c, name in enumerate(dataset.classes):
        own = lengths[dataset.labels == c]
        rows[name] = {
            "sequences": len(own),
            "shortest": int(own.min()) if len(own) else 0,
            "median": int(np.median(own)) if len(own) else 0,
            "longest": int(own.max()) if len(own) else 0,
        }
    return pd.DataFrame(rows).T.astype(int)


def origins(parts):
    """Where each part of a dataset came from, for a chapter to print.

    Parameters
    ----------
    parts : dict of str to Dataset
        From `splits`.

    Returns
    -------
    pandas.DataFrame
        Per part: sequences, per-class counts (integers), split and source.
    """
    import pandas as pd

    rows = {}
    for part, d in parts.items():
        rows[part] = {
            "sequences": len(d),
            **dict(zip(d.classes, d.counts().tolist())),
            "split": d.split,
            "source": d.source,
        }
    return pd.DataFrame(rows).T
