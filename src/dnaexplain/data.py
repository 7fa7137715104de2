"""Datasets: loading (mirror directory or real download), paper preprocessing, splits, and a
synthetic task with planted JASPAR motifs.

A dataset file is looked for, in order, under the ``root`` argument, under the mirror directory
named by ``$DNAEXPLAIN_DATA_MIRROR``, and in the download cache (``$DNAEXPLAIN_DATA_DIR``,
default ``~/.cache/dnaexplain/data``); if none has it, the published archive is downloaded and
converted into the cache. All three places share one layout::

    genomic_benchmarks/<name>.<split>.tsv    seq<TAB>label, optional header
    gue/<task>/<name>/<split>.csv            sequence,label, optional header

Run ``python -m dnaexplain.data fetch NAME ...`` to make datasets available ahead of time.
"""

import argparse
import functools
import http.client
import os
import sys
import tempfile
import urllib.request
import warnings
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np
from tqdm import tqdm

from .paths import CACHE_ENV, MIRROR_ENV
from .duplicates import remove as remove_duplicates
from .sequences import InvalidSequenceError, clean, clean_all, from_indices


# The published archives, per collection; tests point these at local files.
URLS = {
    "genomic_benchmarks": "https://zenodo.org/records/16605299/files/{name}_v0.zip?download=1",
    # GUE.zip as linked from the DNABERT-2 README; this host skips Drive's virus-scan page
    "gue": "https://drive.usercontent.google.com/download"
    "?id=1GRtbzTe3UXYF1oW27ASNhYX3SZ16D7N2&export=download&confirm=t",
}
TIMEOUT = 60  # seconds without data before a download gives up


@dataclass(frozen=True)
class Spec:
    """What the loaders know about one dataset.

    Attributes
    ----------
    name : str
        Dataset name.
    collection : str
        ``"genomic_benchmarks"`` or ``"gue"``.
    classes : tuple of str
        Class names; position = label.
    splits : tuple of str
        Published splits.
    folders : tuple of str
        Genomic Benchmarks: the archive's class folder of each label.
    task : str
        GUE: the task folder (``"prom"``).
    min_length : int
        Paper preprocessing: drop shorter sequences (0 keeps all).
    drop_n : bool
        Paper preprocessing: drop sequences containing N.
    """

    name: str
    collection: str
    classes: tuple
    splits: tuple
    folders: tuple = ()
    task: str = ""
    min_length: int = 0
    drop_n: bool = False


def _gb(name, classes, **kw):
    return Spec(name, "genomic_benchmarks", classes, ("train", "test"),
                folders=("negative", "positive"), **kw)


def _gue(name):
    return Spec(name, "gue", ("non-promoter", "promoter"), ("train", "dev", "test"), task="prom")


DATASETS = {
    s.name: s
    for s in [
        _gb("human_nontata_promoters", ("non-promoter", "promoter")),
        _gb("human_enhancers_cohn", ("non-enhancer", "enhancer"), min_length=200, drop_n=True),
        _gb("human_enhancers_ensembl", ("non-enhancer", "enhancer"), min_length=200, drop_n=True),
        _gue("prom_300_tata"),
        _gue("prom_300_notata"),
        _gue("prom_core_tata"),
        _gue("prom_core_notata"),
    ]
}


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
        return (f"Dataset({self.name!r}, split={self.split!r}, n={len(self)} ({counts}), "
                f"source={self.source!r})")

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


def spec(name):
    """The `Spec` of a registered dataset; unknown names raise a KeyError listing known ones."""
    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; known datasets: {', '.join(DATASETS)}")
    return DATASETS[name]


def relpath(name, split):
    """Path of a dataset split inside a data directory (mirror or cache), as a str."""
    s = spec(name)
    if split not in s.splits:
        raise ValueError(f"{name} has splits {', '.join(s.splits)}; got {split!r}")
    if s.collection == "genomic_benchmarks":
        return f"genomic_benchmarks/{name}.{split}.tsv"
    return f"gue/{s.task}/{name}/{split}.csv"


def url(name):
    """Download URL of the archive that holds a dataset."""
    s = spec(name)
    return URLS[s.collection].format(name=name)


def cache_dir():
    """The download cache: ``$DNAEXPLAIN_DATA_DIR`` or ``~/.cache/dnaexplain/data``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "dnaexplain" / "data")


def locate(name, split="test", root=None, download=True, verbose=False):
    """Find a dataset split on disk, downloading it into the cache if needed.

    Parameters
    ----------
    name : str
        Registered dataset name.
    split : str
        Published split.
    root : str or Path, optional
        A directory laid out like the mirror, looked at first.
    download : bool
        Whether to download when no local copy exists.
    verbose : bool
        Print progress.

    Returns
    -------
    path : Path
        The file.
    origin : str
        Where it was found: ``"root"``, ``"mirror"``, ``"cache"`` or ``"download <url>"``.

    Raises
    ------
    DatasetNotFoundError
        Naming the file, every place looked at, and how to get it.
    """
    rel = relpath(name, split)
    mirror = os.environ.get(MIRROR_ENV)
    places = [
        ("root", "root argument", root),
        ("mirror", f"${MIRROR_ENV}", mirror),
        ("cache", f"download cache (${CACHE_ENV})", cache_dir()),
    ]
    for origin, _, base in places:
        if base and (Path(base) / rel).is_file():
            return Path(base) / rel, origin
    source = url(name)
    failure = "downloads disabled"
    if download:
        try:
            _fetch(name, cache_dir(), verbose)
        except (OSError, ValueError, zipfile.BadZipFile, http.client.HTTPException) as e:
            failure = f"download failed: {e}"
        else:
            path = cache_dir() / rel
            if path.is_file():
                return path, f"download {source}"
            failure = "the downloaded archive does not contain this split"
    looked = "\n".join(
        f"  - {label}: {Path(base) / rel if base else '(not set)'}" for _, label, base in places
    )
    raise DatasetNotFoundError(
        f"dataset {name} (split {split}) not found: no file {rel} in\n{looked}\n"
        f"and {source} could not be used ({failure}).\n"
        f"Set {MIRROR_ENV} to a folder that contains {rel}, or run on a machine online so it "
        f"downloads from {source}"
    )


def load(name, split="test", root=None, preprocess=True, verbose=False, download=True):
    """Load a dataset split (see the module docstring for where it is looked for).

    Parameters
    ----------
    name : str
        Registered dataset name (see ``DATASETS``).
    split : str
        Published split, e.g. ``"test"``.
    root : str or Path, optional
        A directory laid out like the mirror, looked at first.
    preprocess : bool
        Apply the paper's preprocessing: enhancer sets drop sequences shorter than 200 bp or
        containing N; other sets are kept as they are.
    verbose : bool
        Print where the data came from and what preprocessing removed.
    download : bool
        Whether to download when no local copy exists.

    Returns
    -------
    Dataset
    """
    if name in FILES:
        return _load_declared(FILES[name], split)
    s = spec(name)
    path, origin = locate(name, split, root, download, verbose)
    sequences, labels = _read(path, len(s.classes))
    keep = np.ones(len(sequences), dtype=bool)
    removed = {}
    if preprocess and s.min_length:
        drop = keep & np.array([len(q) < s.min_length for q in sequences], dtype=bool)
        removed[f"shorter than {s.min_length} bp"] = int(drop.sum())
        keep &= ~drop
    if preprocess and s.drop_n:
        drop = keep & np.array(["N" in q for q in sequences], dtype=bool)
        removed["contains N"] = int(drop.sum())
        keep &= ~drop
    index = np.flatnonzero(keep)
    sequences = [sequences[i] for i in index]
    labels = labels[index]
    # where, without the machine's own folders: "mirror: genomic_benchmarks/<name>.test.tsv"
    where = f"{origin.split(' ')[0]}: {relpath(name, split)}"
    data = Dataset(name, sequences, labels, s.classes, where, split, removed, index)
    if verbose:
        counts = ", ".join(f"{c:,} {k}" for c, k in zip(data.counts(), s.classes))
        print(f"{name} ({split}): {len(data):,} sequences ({counts}) from {origin}: {path}")
        if removed:
            print("  removed: " + ", ".join(f"{v} {k}" for k, v in removed.items()))
    return data


def _read(path, n_classes):
    """Sequences and labels of a mirror-layout file (tsv or csv, header optional)."""
    sep = "\t" if path.suffix == ".tsv" else ","
    lines = [line.rstrip("\r\n") for line in path.read_text().splitlines()]
    rows = [line.split(sep) for line in lines if line]
    if rows and not rows[0][-1].strip().lstrip("-").isdigit():
        rows = rows[1:]  # header
    sequences = [r[0].strip() for r in rows]
    try:
        sequences = clean_all(sequences)
        labels = np.array([int(r[1]) for r in rows], dtype=np.int64)
    except InvalidSequenceError as e:
        raise InvalidSequenceError(f"{path} (data row, header excluded): {e}") from None
    except (IndexError, ValueError) as e:
        raise ValueError(f"{path}: expected 'sequence{sep}label' rows ({e})") from None
    bad = labels[(labels < 0) | (labels >= n_classes)]
    if len(bad):
        raise ValueError(f"{path}: labels must lie in 0..{n_classes - 1}, found {bad[0]}")
    return sequences, labels


def _fetch(name, cache, verbose):
    """Download the archive holding ``name`` and convert it into ``cache``."""
    s = spec(name)
    archive = cache / "downloads" / ("GUE.zip" if s.collection == "gue" else f"{name}_v0.zip")
    _download(url(name), archive, verbose)
    try:
        with zipfile.ZipFile(archive) as z:
            if s.collection == "genomic_benchmarks":
                _convert_genomic_benchmarks(z, s, cache)
            else:
                _convert_gue(z, cache)
    finally:
        archive.unlink()


def _download(source, dest, verbose=False):
    """Stream ``source`` to ``dest`` through a temporary file, so ``dest`` is whole or absent."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=dest.name, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(source, timeout=TIMEOUT) as r:
            total = int(r.headers.get("Content-Length") or 0) or None
            bar = tqdm(total=total, unit="B", unit_scale=True, desc=dest.name, disable=not verbose)
            with bar:
                while chunk := r.read(1 << 20):
                    out.write(chunk)
                    bar.update(len(chunk))
        if not zipfile.is_zipfile(tmp):
            # e.g. an HTML page from Google Drive instead of the file
            raise ValueError(f"{source} did not return a zip archive")
        os.replace(tmp, dest)
    except BaseException:
        os.unlink(tmp)
        raise


def _write(path, text):
    """Write text atomically: readers never see a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".part")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _members(z):
    """Archive members as path parts, without folders and macOS metadata."""
    for info in z.infolist():
        parts = info.filename.split("/")
        if not info.is_dir() and "__MACOSX" not in parts and not parts[-1].startswith("._"):
            yield info.filename, parts


def _convert_genomic_benchmarks(z, s, cache):
    """``.../<split>/<class>/<id>.txt`` (one sequence per file) to ``<name>.<split>.tsv``."""
    rows = {split: [] for split in s.splits}
    for member, parts in _members(z):
        if len(parts) < 3 or not parts[-1].endswith(".txt") or parts[-3] not in rows:
            continue
        if parts[-2] not in s.folders:
            raise ValueError(
                f"{s.name} archive: unexpected class folder {parts[-2]!r} "
                f"(expected {', '.join(s.folders)})"
            )
        stem = parts[-1][:-4]
        key = (int(stem), "") if stem.isdigit() else (-1, stem)
        seq = "".join(z.read(member).decode("ascii").split())
        rows[parts[-3]].append((s.folders.index(parts[-2]), key, seq))
    if not any(rows.values()):
        raise ValueError(f"{s.name} archive holds no <split>/<class>/*.txt files")
    for split, found in rows.items():
        if found:
            found.sort()
            body = "".join(f"{seq}\t{label}\n" for label, _, seq in found)
            _write(cache / relpath(s.name, split), "seq\tlabel\n" + body)


def _convert_gue(z, cache):
    """``.../<task>/<name>/<split>.csv`` to the same path under ``cache/gue``, for every
    registered GUE dataset."""
    wanted = {
        (s.task, s.name, f"{split}.csv"): relpath(s.name, split)
        for s in DATASETS.values()
        if s.collection == "gue"
        for split in s.splits
    }
    found = 0
    for member, parts in _members(z):
        target = wanted.get(tuple(parts[-3:]))
        if target:
            _write(cache / target, z.read(member).decode("ascii"))
            found += 1
    if not found:
        raise ValueError("GUE archive holds no <task>/<name>/<split>.csv files")


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


def splits(name, seed=0, min_eval_per_class=500, max_sequences=0, root=None, verbose=False,
           duplicates=None, reverse_complement=None):
    """The train, validation and evaluation parts of a dataset that every chapter uses.

    When every published split of the dataset can be had (argument, mirror, cache or
    download), they are used as published: ``train``; ``dev`` as validation, or else a
    stratified eighth of ``train``; ``test`` as evaluation. Otherwise (offline, with only the
    test split mirrored) the test split is re-split by `split` with ``seed`` and
    ``min_eval_per_class``. Each part's ``split`` attribute says which happened.

    The name ``"synthetic"`` gives the planted-motif task of `synthetic` with the settings of
    `SYNTHETIC_TASK` (always generated with seed 0, so every chapter sees the same sequences),
    re-split like a test split.

    Evaluation sequences already in train or validation, and repeats within evaluation, are
    removed with a warning (`duplicates.remove`) unless ``duplicates="keep"``.

    Parameters
    ----------
    name : str
        Registered dataset name, or ``"synthetic"``.
    seed : int
        Seed of the re-split, the validation carve-out and the cap.
    min_eval_per_class : int
        Evaluation sequences per class at least, when re-splitting.
    max_sequences : int
        When > 0, every part is capped at this many sequences (stratified sample), for quick runs.
    root : str or Path, optional
        Data directory looked in first (see `load`).
    verbose : bool
        Report where the data came from.
    duplicates : {"remove", "keep"}, optional
        What happens to evaluation sequences seen in train or validation, or repeated; by
        default what the dataset's `declare` says, else ``"remove"``.
    reverse_complement : bool, optional
        Count a sequence and its reverse complement as the same; by default what the
        dataset's `declare` says, else False.

    Returns
    -------
    dict of str to Dataset
        ``"train"``, ``"validation"`` and ``"evaluation"``.
    """
    declared = FILES.get(name)
    if duplicates is None:
        duplicates = declared.duplicates if declared else "remove"
    if reverse_complement is None:
        reverse_complement = declared.reverse_complement if declared else False
    if duplicates not in DUPLICATES:
        raise ValueError(f"duplicates must be one of {', '.join(DUPLICATES)}, got {duplicates!r}")
    if name == SYNTHETIC:
        parts = split(synthetic(**SYNTHETIC_TASK), seed=seed,
                      min_eval_per_class=min(min_eval_per_class, SYNTHETIC_TASK["n"] // 10))
    elif declared:
        parts = _file_splits(declared, seed, min_eval_per_class)
    else:
        parts = _published_splits(name, seed, min_eval_per_class, root, verbose)
    if duplicates == "remove":
        parts = remove_duplicates(parts, reverse_complement, name)
    if max_sequences:
        parts = {k: _cap(v, max_sequences, seed) for k, v in parts.items()}
    return parts


def _published_splits(name, seed, min_eval_per_class, root, verbose):
    """A registered dataset's parts: its published splits, or its test split re-split."""
    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; built-in: {', '.join(DATASETS)}, "
                       f"{SYNTHETIC}; declared from files: {', '.join(FILES) or 'none'} "
                       "(declare yours with data.declare or the data_files parameter)")
    published = spec(name).splits
    try:
        loaded = {s: load(name, s, root=root, verbose=verbose) for s in published}
    except DatasetNotFoundError:
        loaded = {}
    # splits found in different places (a downloaded train beside a mirrored test) are never
    # combined: then only the test split is used, re-split
    if len({d.source.split(":")[0] for d in loaded.values()}) != 1:
        parts = split(load(name, "test", root=root, verbose=verbose), seed=seed,
                      min_eval_per_class=min_eval_per_class)
    else:
        if "dev" in loaded:
            parts = {"train": loaded["train"], "validation": loaded["dev"]}
        else:
            carved = split(loaded["train"], (7, 1, 0), seed=seed, min_eval_per_class=0)
            parts = {"train": carved["train"], "validation": carved["validation"]}
        parts["evaluation"] = loaded["test"]
    return parts


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


# --------------------------------------------------------------------------------------------
# Datasets from a reader's files
# --------------------------------------------------------------------------------------------

N_POLICIES = ("keep", "drop", "error")
FASTA_SUFFIXES = (".fa", ".fasta", ".fna", ".txt", ".seq")
TABLE_SUFFIXES = (".csv", ".tsv")
SPLIT_FILES = {"train": ("train",), "validation": ("validation", "dev", "valid"),
               "evaluation": ("test", "evaluation")}
DUPLICATES = ("remove", "keep")
MIN_PER_CLASS = 5  # a class with fewer sequences is read as a stray label
LEAK_AUROC = 0.6  # length alone separating classes this well is reported as a length leak


@dataclass(frozen=True)
class FileSpec:
    """A dataset declared by its files (see `declare`)."""

    name: str
    kind: str  # "fasta", "csv" or "folder"
    paths: tuple  # fasta: one path per class; csv / folder: one path
    classes: tuple
    min_length: int = 0
    max_length: int = 0
    n: str = "keep"
    duplicates: str = "remove"
    reverse_complement: bool = False


FILES = {}  # declared datasets by name


def declare(name, fasta=None, csv=None, folder=None, classes=None, min_length=0, max_length=0,
            n="keep", duplicates="remove", reverse_complement=False, check_only=False):
    """Declare a dataset by its files, so `splits` and ``"model:<name>"`` runs can use it.

    Exactly one of ``fasta``, ``csv`` and ``folder`` is given. Relative paths are read from
    the working directory (for papermill: its ``--cwd``).

    Parameters
    ----------
    name : str
        Name of the dataset in runs (``"cnn:<name>"``); not a built-in dataset's name.
    fasta : dict of str to path
        One file per class, ``{class name: path}``, in label order: FASTA, or one sequence per
        line. ``"chipseq:oct4"`` and ``"chipseq:mafk"`` name the book's ChIP-seq peaks, found
        (mirror, cache, or downloaded) by `locate_chipseq` when first read (`file_path`).
    csv : path
        A ``.csv`` or ``.tsv`` file of ``sequence,label`` rows; the header is optional and the
        label is an integer or a class name.
    folder : path
        A folder with ``train``, ``validation`` (or ``dev``) and ``test`` files, each a
        ``.csv``/``.tsv`` file as for ``csv`` or a folder of one FASTA file per class; used as
        published, never re-split.
    classes : list of str, optional
        Class names in label order. Default: the keys of ``fasta``; for tables, the sorted
        label names, or ``class 0``, ``class 1``, ... for integer labels.
    min_length, max_length : int
        Drop sequences shorter than ``min_length`` or longer than ``max_length`` bp (0: no
        limit). Nothing is filtered unless asked.
    n : {"keep", "drop", "error"}
        Sequences containing N: kept (tokenisers read N as unknown), dropped, or an error.
    duplicates : {"remove", "keep"}
        Evaluation sequences also in train or validation, or repeated: removed (with a
        warning that names the files) or kept (see `splits`).
    reverse_complement : bool
        Count a sequence and its reverse complement as the same when looking for duplicates.
    check_only : bool
        Check the declaration and that its files exist, without registering it.

    Returns
    -------
    FileSpec
    """
    given = {k: v for k, v in (("fasta", fasta), ("csv", csv), ("folder", folder)) if v}
    if len(given) != 1:
        raise ValueError(f"data_files.{name}: give exactly one of fasta (one file per class), "
                         f"csv (sequence,label rows) or folder (train/validation/test files); "
                         f"got {', '.join(given) or 'none'}")
    if name in DATASETS or name == SYNTHETIC:
        raise ValueError(f"data_files.{name}: {name!r} is a built-in dataset; pick another name")
    if ":" in name:
        raise ValueError(f"data_files.{name}: a dataset name cannot hold ':'")
    if n not in N_POLICIES:
        raise ValueError(f"data_files.{name}: n must be one of {', '.join(N_POLICIES)}, got {n!r}")
    if duplicates not in DUPLICATES:
        raise ValueError(f"data_files.{name}: duplicates must be one of "
                         f"{', '.join(DUPLICATES)}, got {duplicates!r}")
    if not isinstance(reverse_complement, bool):
        raise ValueError(f"data_files.{name}: reverse_complement is true or false, got "
                         f"{reverse_complement!r}")
    for key, value in (("min_length", min_length), ("max_length", max_length)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"data_files.{name}: {key} must be an integer >= 0, got {value!r}")
    kind, value = next(iter(given.items()))
    if kind == "fasta":
        if not isinstance(value, dict) or len(value) < 2:
            raise ValueError(f"data_files.{name}: fasta maps each class to its file, e.g. "
                             "{enhancer: enh.fa, background: bg.fa}; give two or more classes")
        classes = tuple(classes or value)
        if set(classes) != set(value):
            raise ValueError(f"data_files.{name}: classes {list(classes)} must be the keys of "
                             f"fasta {list(value)}")
        paths = tuple(_symbolic(value[c], f"data_files.{name}") or Path(value[c]) for c in classes)
    else:
        paths = (Path(value),)
        classes = tuple(classes) if classes else ()
    for path in paths:
        if isinstance(path, Path) and not path.exists():
            raise DatasetNotFoundError(
                f"data_files.{name}: no file {path} (looked in {Path.cwd()}); give an absolute "
                "path, or one relative to the folder the chapter runs in (papermill --cwd)")
    spec_ = FileSpec(name, kind, paths, classes, min_length, max_length, n, duplicates,
                     reverse_complement)
    if not check_only:
        FILES[name] = spec_
    return spec_


CHIPSEQ_PREFIX = "chipseq:"  # a data_files path "chipseq:oct4" names a set of `CHIPSEQ`


def _symbolic(path, where):
    """``path`` when it names a ChIP-seq set (``"chipseq:<set>"``, checked), else None."""
    if not str(path).startswith(CHIPSEQ_PREFIX):
        return None
    if str(path)[len(CHIPSEQ_PREFIX):] not in CHIPSEQ:
        raise ValueError(f"{where}: unknown ChIP-seq set {str(path)!r}; known: "
                         f"{', '.join(CHIPSEQ_PREFIX + n for n in CHIPSEQ)}")
    return str(path)


def file_path(path, download=True):
    """The file behind a path given for a dataset: ``"chipseq:<set>"`` (e.g.
    ``"chipseq:oct4"``) is that set's peak file wherever `locate_chipseq` finds it (mirror,
    cache, or downloaded now); anything else is the path itself.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ValueError
        An unknown ChIP-seq set.
    DatasetNotFoundError
        The peaks are nowhere and cannot be downloaded (`locate_chipseq`).
    """
    name = _symbolic(path, "file path")
    if name is None:
        return Path(path)
    return locate_chipseq(download=download)[name[len(CHIPSEQ_PREFIX):]][0]


def from_files(fasta=None, csv=None, classes=None, min_length=0, max_length=0, n="keep",
               name="own", split="all", verbose=False):
    """Read a reader's sequences: one FASTA file per class, or a ``sequence,label`` table.

    Every sequence is checked (empty, characters other than A, C, G, T, N) and an error names
    the file and the line. Lower case (soft-masked genome) is upper-cased.

    Parameters
    ----------
    fasta, csv, classes, min_length, max_length, n
        As for `declare`.
    name : str
        Name of the dataset.
    split : str
        Split name recorded on the result.
    verbose : bool
        Print `summary` and what preprocessing removed.

    Returns
    -------
    Dataset
        In file order (FASTA: class by class). A length leak (`length_leak`) is warned about.
    """
    if (fasta is None) == (csv is None):
        raise ValueError("give one of fasta ({class: path}) or csv (path)")
    classes_given = bool(classes) or fasta is not None
    if fasta is not None:
        classes = tuple(classes or fasta)
        sources = [file_path(fasta[c]) for c in classes]
        rows = []
        for label, path in enumerate(sources):
            rows += [(seq, label, where) for seq, where in _read_fasta(path)]
    else:
        rows, classes = _read_table(Path(csv), classes)
        sources = [Path(csv)]
    sequences, labels, removed, index = _preprocess(rows, min_length, max_length, n)
    data = Dataset(name, sequences, labels, classes,
                   " + ".join(p.name for p in sources), split, removed, index)
    if not len(data):
        raise ValueError(f"{data.source}: no sequences left (removed: {removed})")
    _check_classes(data, given=classes_given)
    auroc = length_leak(data)
    if auroc >= LEAK_AUROC:
        warnings.warn(
            f"{name}: the classes differ in length (sequence length alone separates them with "
            f"AUROC {auroc:.2f}); a model can learn the length instead of the sequence. Trim or "
            "pad the sequences to one length, or filter with min_length / max_length.")
    if verbose:
        print(summary(data).to_string())
        if removed:
            print("removed: " + ", ".join(f"{v} {k}" for k, v in removed.items()))
    return data


def _check_classes(data, given):
    """Stop on classes a reader would not have meant: labels that differ only in case or
    spaces; a class with no sequences; and, where the labels named the classes (``given``
    False) or the data is to be trained on (``given`` None), a class of fewer than
    `MIN_PER_CLASS` sequences (a stray label, or too few to train and evaluate on)."""
    counts = dict(zip(data.classes, data.counts().tolist()))
    listed = ", ".join(f"{c!r}: {k}" for c, k in counts.items())
    folded = {}
    for c in data.classes:
        folded.setdefault(" ".join(str(c).split()).casefold(), []).append(c)
    clash = next((names for names in folded.values() if len(names) > 1), None)
    if clash:
        raise ValueError(f"{data.source}: labels {clash} differ only in case or spaces, so they "
                         f"make {len(clash)} classes (sequences per label: {listed}); write them "
                         "one way, or give classes: [...] to name the classes you mean")
    small = [c for c, k in counts.items() if k < (1 if given else MIN_PER_CLASS)]
    if small:
        hint = ("give classes: [...] to read only the labels you mean" if not given else
                "add sequences to it or leave it out")
        raise ValueError(f"{data.source}: class {small[0]!r} has {counts[small[0]]} sequence(s), "
                         f"fewer than {MIN_PER_CLASS} (sequences per class: {listed}); {hint}")


def _read_fasta(path):
    """(sequence, "file:line") pairs of a FASTA file or a file of one sequence per line."""
    records, current, start = [], None, 0
    lines = path.read_text().splitlines()
    fasta = any(line.startswith(">") for line in lines[:1000])
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if fasta and line.startswith(">"):
            if current is not None:
                records.append(("".join(current), f"{path.name}:{start}"))
            current, start = [], number  # an empty record is named by its header's line
        elif line:
            if fasta and current is None:
                raise InvalidSequenceError(f"{path.name}:{number}: sequence before the first "
                                           "'>' header")
            try:  # checked line by line, so an error names the line that holds it
                clean(line)
            except InvalidSequenceError as e:
                raise InvalidSequenceError(f"{path.name}:{number}: {e}") from None
            if not fasta:
                records.append((line, f"{path.name}:{number}"))
                continue
            if not current:
                start = number
            current.append(line)
    if current is not None:
        records.append(("".join(current), f"{path.name}:{start}"))
    if not records:
        raise ValueError(f"{path}: no sequences (expected FASTA or one sequence per line)")
    return records


def _read_table(path, classes):
    """(sequence, label, "file:line") rows and class names of a csv / tsv table."""
    sep = "\t" if path.suffix == ".tsv" else ","
    rows = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split(sep)]
        if len(cells) < 2:
            raise ValueError(f"{path.name}:{number}: expected 'sequence{sep}label', got {line!r}")
        rows.append((cells[0], cells[1], f"{path.name}:{number}"))
    if rows and rows[0][0].lower() in ("sequence", "seq", "sequences"):
        rows = rows[1:]  # header
    names = [label for _, label, _ in rows]
    numeric = all(label.lstrip("-").isdigit() for label in names)
    if classes:
        classes = tuple(classes)
    elif numeric:
        classes = tuple(f"class {i}" for i in range(max(int(x) for x in names) + 1))
    else:
        classes = tuple(sorted(set(names)))
    out = []
    for seq, label, where in rows:
        if numeric:
            value = int(label)
            if not 0 <= value < len(classes):
                raise ValueError(f"{where}: label {value} is not in 0..{len(classes) - 1} "
                                 f"(classes {list(classes)})")
        elif label in classes:
            value = classes.index(label)
        else:
            raise ValueError(f"{where}: label {label!r} is not one of the classes "
                             f"{list(classes)}")
        out.append((seq, value, where))
    return out, classes


def _preprocess(rows, min_length, max_length, n):
    """Validated sequences, labels, removal counts and kept row numbers; only asked filters."""
    sequences, labels, index = [], [], []
    removed = {}
    for i, (seq, label, where) in enumerate(rows):
        if not seq:
            raise InvalidSequenceError(f"{where}: empty sequence")
        try:
            seq = clean(seq)
        except InvalidSequenceError as e:
            raise InvalidSequenceError(f"{where}: {e}") from None
        reason = None
        if min_length and len(seq) < min_length:
            reason = f"shorter than {min_length} bp"
        elif max_length and len(seq) > max_length:
            reason = f"longer than {max_length} bp"
        elif "N" in seq and n != "keep":
            if n == "error":
                raise InvalidSequenceError(f"{where}: the sequence contains N (n: error); use "
                                           "n: keep or n: drop")
            reason = "contains N"
        if reason:
            removed[reason] = removed.get(reason, 0) + 1
            continue
        sequences.append(seq)
        labels.append(label)
        index.append(i)
    return sequences, np.array(labels, dtype=np.int64), removed, np.array(index, dtype=np.int64)


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
        rows[name] = {"sequences": len(own), "shortest": int(own.min()) if len(own) else 0,
                      "median": int(np.median(own)) if len(own) else 0,
                      "longest": int(own.max()) if len(own) else 0}
    return pd.DataFrame(rows).T.astype(int)


def _file_splits(s, seed, min_eval_per_class):
    """Parts of a declared dataset: a folder as published; otherwise a seeded re-split."""
    options = dict(min_length=s.min_length, max_length=s.max_length, n=s.n)
    if s.kind == "folder":
        parts = {}
        for part, stems in SPLIT_FILES.items():
            found = [p for stem in stems for p in sorted(s.paths[0].glob(f"{stem}*"))
                     if p.suffix in TABLE_SUFFIXES or p.is_dir()]
            if not found:
                raise DatasetNotFoundError(
                    f"{s.paths[0]}: no {part} file (looked for {', '.join(stems)} as .csv, .tsv "
                    "or a folder of one FASTA file per class)")
            # the other parts read their labels as train named them (train comes first)
            classes = s.classes or (parts["train"].classes if parts else ())
            parts[part] = _read_part(found[0], s, part, options, classes)
            # "<folder>/<file>": where the part came from, without the machine's folders
            parts[part].source = f"{s.paths[0].name}/{found[0].name}"
        classes = {p.classes for p in parts.values()}
        if len(classes) > 1:
            raise ValueError(f"{s.paths[0]}: the splits name different classes {sorted(classes)}; "
                             "give classes: [...] in data_files")
        _check_classes(parts["train"], given=None)
        return parts
    if s.kind == "fasta":
        whole = from_files(fasta=dict(zip(s.classes, s.paths)), name=s.name, **options)
    else:
        whole = from_files(csv=s.paths[0], classes=s.classes or None, name=s.name, **options)
    _check_classes(whole, given=None)
    smallest = int(whole.counts().min())
    return split(whole, seed=seed, min_eval_per_class=min(min_eval_per_class, smallest // 5))


def _load_declared(s, split):
    """A declared dataset: its files whole, or for a folder the split asked for."""
    options = dict(min_length=s.min_length, max_length=s.max_length, n=s.n)
    if s.kind == "fasta":
        return from_files(fasta=dict(zip(s.classes, s.paths)), name=s.name, **options)
    if s.kind == "csv":
        return from_files(csv=s.paths[0], classes=s.classes or None, name=s.name, **options)
    part = next((p for p, stems in SPLIT_FILES.items() if split in stems or split == p), None)
    if part is None:
        raise ValueError(f"{s.name}: split {split!r} is none of train, validation, test")
    return _file_splits(s, 0, 0)[part]


def _read_part(path, s, part, options, classes=()):
    if path.is_dir():
        files = {p.stem: p for p in sorted(path.iterdir()) if p.suffix in FASTA_SUFFIXES}
        classes = classes or tuple(files)
        missing = [c for c in classes if c not in files]
        if missing:
            raise DatasetNotFoundError(f"{path}: no FASTA file for class {missing[0]!r} "
                                       f"(found {', '.join(files)})")
        fasta = {c: files[c] for c in classes}
        if not s.classes and part == "train":
            print(f"{s.name}: classes in label order (file names, sorted): "
                  + ", ".join(f"{c} = {i}" for i, c in enumerate(classes))
                  + "; give classes: [...] in data_files to choose the order")
        return from_files(fasta=fasta, name=s.name, split=part, **options)
    return from_files(csv=path, classes=classes or None, name=s.name, split=part, **options)


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
        rows[part] = {"sequences": len(d), **dict(zip(d.classes, d.counts().tolist())),
                      "split": d.split, "source": d.source}
    return pd.DataFrame(rows).T


class Motif(NamedTuple):
    """A JASPAR matrix: ``counts`` as published, ``probs`` its columns normalised to sum to 1,
    both numpy arrays of shape (4, width) with rows A, C, G, T."""

    id: str
    name: str
    counts: np.ndarray
    probs: np.ndarray


@functools.lru_cache(maxsize=None)
def jaspar_db(release="JASPAR2018"):
    """The pyjaspar database of a JASPAR release (shipped in its wheel, works offline)."""
    from pyjaspar import jaspardb

    return jaspardb(release=release)


def _motif(m):
    counts = np.array([m.counts[b] for b in "ACGT"], dtype=np.float64)
    probs = counts / counts.sum(axis=0, keepdims=True)
    counts.flags.writeable = probs.flags.writeable = False  # shared through the cache
    return Motif(m.matrix_id, m.name, counts, probs)


@functools.lru_cache(maxsize=None)
def jaspar_record(release, matrix_id):
    """The pyjaspar record of one JASPAR matrix (counts, name, TF class and family), or None
    when the release has no such matrix."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyjaspar warns before returning None
        return jaspar_db(release).fetch_motif_by_id(matrix_id)


@functools.lru_cache(maxsize=None)
def _jaspar_by_id(release, matrix_id):
    m = jaspar_record(release, matrix_id)
    if m is None:
        raise KeyError(f"no JASPAR matrix {matrix_id!r} in {release} (ids look like 'MA0108.2')")
    return _motif(m)


@functools.lru_cache(maxsize=None)
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


# TBP (TATA box), SP1 (GC box), CTCF: well known, different widths and GC content
DEFAULT_MOTIFS = ("MA0108.2", "MA0079.3", "MA0139.1")
# The book's task with known answers: one to two planted sites per positive, 200 bp.
SYNTHETIC = "synthetic"
SYNTHETIC_TASK = dict(n=6000, length=200, motifs=DEFAULT_MOTIFS, gc=0.42, n_sites=(1, 2), seed=0)


def synthetic(n, length=200, motifs=DEFAULT_MOTIFS, gc=0.42, n_sites=1, seed=0,
              positive_fraction=0.5, both_strands=False):
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
    source = (f"synthetic(length={length}, motifs={tuple(motifs)}, gc={gc}, "
              f"n_sites={n_sites}, seed={seed})")
    return Dataset("synthetic", from_indices(x), labels, ("background", "motif"), source,
                   "all", {}, mask=mask, sites=sites)


# --------------------------------------------------------------------------------------------
# ChIP-seq peaks with known motifs: Oct4 and MafK (the PyPI wheel of janggu)
# --------------------------------------------------------------------------------------------

# Which member of the wheel holds each class's peaks, and where the mirror and the cache keep it.
CHIPSEQ = {"oct4": "janggu/resources/sample.fa", "mafk": "janggu/resources/sample2.fa"}
# Where the files come from online; tests point "index" at local files. The index URLs are
# tried in order: PyPI's JSON API for the release (its "urls"), then for the project (its
# "releases"); the wheel's URL and sha256 come from there, and the sha256 must also equal the
# pinned one (the wheel the book was made with; None trusts the index alone).
CHIPSEQ_SOURCE = {
    "index": ("https://pypi.org/pypi/janggu/0.10.2/json", "https://pypi.org/pypi/janggu/json"),
    "version": "0.10.2",
    "wheel": "janggu-0.10.2-py2.py3-none-any.whl",
    "sha256": "3825abe65578509232fcaa1e56f9eb5d71de105d70c9bcc9551357adc7d2fc47",
}


def chipseq_relpath(name):
    """Path of a ChIP-seq peak file inside a data directory: ``chipseq/<name>_peaks.fa``."""
    if name not in CHIPSEQ:
        raise KeyError(f"unknown ChIP-seq set {name!r}; known: {', '.join(CHIPSEQ)}")
    return f"chipseq/{name}_peaks.fa"


def locate_chipseq(root=None, download=True, verbose=False):
    """Find the Oct4 and MafK ChIP-seq peak files, downloading them into the cache if needed.

    Each file (``chipseq/oct4_peaks.fa``, ``chipseq/mafk_peaks.fa``: 200 bp human peaks,
    FASTA, soft-masked lower case) is looked for under ``root``, the mirror
    (``$DNAEXPLAIN_DATA_MIRROR``) and the download cache, in that order. When one is missing
    the wheel ``janggu==0.10.2`` is downloaded from PyPI (URL and sha256 from PyPI's JSON API,
    `CHIPSEQ_SOURCE`), checked, and its members `CHIPSEQ` are written into the cache.

    Parameters
    ----------
    root : str or Path, optional
        A directory laid out like the mirror, looked at first.
    download : bool
        Whether to download when no local copy exists.
    verbose : bool
        Print progress.

    Returns
    -------
    dict of str to (Path, str)
        ``{"oct4": (path, origin), "mafk": (path, origin)}``; origin is ``"root"``,
        ``"mirror"``, ``"cache"`` or ``"download <wheel url>"``.

    Raises
    ------
    DatasetNotFoundError
        Naming the files, every place looked at, why the download failed, and how to get them.
    """
    places = [("root", "root argument", root),
              ("mirror", f"${MIRROR_ENV}", os.environ.get(MIRROR_ENV)),
              ("cache", f"download cache (${CACHE_ENV})", cache_dir())]
    found = {}
    for name in CHIPSEQ:
        for origin, _, base in places:
            if base and (Path(base) / chipseq_relpath(name)).is_file():
                found[name] = (Path(base) / chipseq_relpath(name), origin)
                break
    missing = [name for name in CHIPSEQ if name not in found]
    if not missing:
        return found
    failure = "downloads disabled"
    if download:
        try:
            source = _fetch_chipseq(cache_dir(), verbose)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, http.client.HTTPException) as e:
            failure = f"download failed: {e}"
        else:
            for name in missing:
                found[name] = (cache_dir() / chipseq_relpath(name), f"download {source}")
            return {name: found[name] for name in CHIPSEQ}
    rels = [chipseq_relpath(name) for name in missing]
    looked = "\n".join(f"  - {label}: {Path(base) if base else '(not set)'}"
                       for _, label, base in places)
    members = ", ".join(f"{CHIPSEQ[n]} -> {chipseq_relpath(n)}" for n in CHIPSEQ)
    raise DatasetNotFoundError(
        f"ChIP-seq peaks not found: no {' or '.join(rels)} in\n{looked}\n"
        f"and the wheel janggu=={CHIPSEQ_SOURCE['version']} could not be had from "
        f"{CHIPSEQ_SOURCE['index'][0]} ({failure}).\n"
        f"Set {MIRROR_ENV} to a folder that contains {', '.join(rels)}; or, online, run "
        f"`python -m dnaexplain.data fetch-chipseq`; or run `pip download --no-deps "
        f"janggu=={CHIPSEQ_SOURCE['version']}` and copy the wheel's members ({members}) "
        f"into {cache_dir()}")


def _wheel_entry(index_urls, version, wheel):
    """(url, sha256) of a release file from PyPI's JSON API: the first index URL that answers
    and lists it."""
    import json

    errors = []
    for index in index_urls:
        try:
            with urllib.request.urlopen(index, timeout=TIMEOUT) as r:
                info = json.loads(r.read().decode("utf-8"))
        except (OSError, ValueError, http.client.HTTPException) as e:
            errors.append(f"{index}: {e}")
            continue
        files = info["releases"].get(version, []) if "releases" in info else info.get("urls", [])
        for entry in files:
            if entry.get("filename") == wheel:
                return entry["url"], entry["digests"]["sha256"]
        errors.append(f"{index}: lists no {wheel}")
    raise ValueError("; ".join(errors))


def _fetch_chipseq(cache, verbose=False):
    """Download the janggu wheel, check its sha256, and write the peak files into ``cache``.

    Returns the wheel's URL.
    """
    import hashlib

    url, listed = _wheel_entry(CHIPSEQ_SOURCE["index"], CHIPSEQ_SOURCE["version"],
                               CHIPSEQ_SOURCE["wheel"])
    pinned = CHIPSEQ_SOURCE["sha256"]
    if pinned and listed.lower() != pinned.lower():
        raise ValueError(f"PyPI lists sha256 {listed} for {CHIPSEQ_SOURCE['wheel']}, not the "
                         f"expected {pinned}")
    wheel = cache / "downloads" / CHIPSEQ_SOURCE["wheel"]
    if verbose:
        print(f"downloading {url}")
    _download(url, wheel, verbose)
    try:
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != listed.lower():
            raise ValueError(f"{url}: sha256 {digest} does not match the {listed} PyPI lists")
        with zipfile.ZipFile(wheel) as z:
            texts = {}
            for name, member in CHIPSEQ.items():
                try:
                    text = z.read(member).decode("ascii")
                except KeyError:
                    raise ValueError(f"{url} holds no {member}") from None
                if not text.startswith(">"):
                    raise ValueError(f"{url}: {member} is not a FASTA file")
                texts[name] = text
        for name, text in texts.items():  # both members are good before either is written
            _write(cache / chipseq_relpath(name), text)
            if verbose:
                print(f"wrote {cache / chipseq_relpath(name)}")
    finally:
        wheel.unlink()
    return url


def _fetch_chipseq_cli():
    """``fetch-chipseq``: report where each peak file is, or why it is not; exit status."""
    try:
        found = locate_chipseq(verbose=True)
    except DatasetNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for name, (path, origin) in found.items():
        n = sum(line.startswith(">") for line in path.read_text().splitlines())
        print(f"chipseq {name}: {n:,} sequences, {path.stat().st_size:,} bytes, from {origin}: "
              f"{path}")
    return 0


def main(argv=None):
    """Command line: ``fetch NAME [NAME ...] [--split SPLIT]``, ``list`` and ``fetch-chipseq``."""
    parser = argparse.ArgumentParser(prog="python -m dnaexplain.data",
                                     description="Make dnaexplain datasets available locally.")
    commands = parser.add_subparsers(dest="command", required=True)
    fetch = commands.add_parser("fetch", help="make datasets available (mirror or download)")
    fetch.add_argument("names", nargs="+", metavar="NAME")
    fetch.add_argument("--split", action="append", help="only these splits (default: all)")
    commands.add_parser("list", help="list the known datasets")
    commands.add_parser("fetch-chipseq", help="make the Oct4 and MafK ChIP-seq peaks available")
    args = parser.parse_args(argv)
    if args.command == "fetch-chipseq":
        return _fetch_chipseq_cli()
    if args.command == "list":
        for s in DATASETS.values():
            print(f"{s.name:26} {s.collection:19} splits: {', '.join(s.splits):16} "
                  f"classes: {', '.join(s.classes)}")
        return 0
    status = 0
    for name in args.names:
        try:
            parts = args.split or spec(name).splits
        except KeyError as e:
            print(f"error: {e.args[0]}", file=sys.stderr)
            status = 1
            continue
        for part in parts:
            try:
                path, origin = locate(name, part, verbose=True)
                data = load(name, part, preprocess=False)
            except (ValueError, DatasetNotFoundError) as e:
                print(f"error: {e}", file=sys.stderr)
                status = 1
                continue
            print(f"{name} {part}: {len(data):,} sequences, {path.stat().st_size:,} bytes, "
                  f"from {origin}: {path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
