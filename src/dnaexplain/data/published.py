"""The published datasets: their registry, where their files are looked for, the download
of the published archives, and reading them.

A dataset file is looked for, in order, under the ``root`` argument, under the mirror directory
named by ``$DNAEXPLAIN_DATA_MIRROR``, and in the download cache (``$DNAEXPLAIN_DATA_DIR``,
default ``~/.cache/dnaexplain/data``); if none has it, the published archive is downloaded and
converted into the cache. All three places share one layout::

    genomic_benchmarks/<name>.<split>.tsv    seq<TAB>label, optional header
    gue/<task>/<name>/<split>.csv            sequence,label, optional header
"""

import http.client
import os
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..paths import CACHE_ENV, MIRROR_ENV
from ..sequences import InvalidSequenceError, clean_all
from .dataset import Dataset, DatasetNotFoundError

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
    return Spec(
        name,
        "genomic_benchmarks",
        classes,
        ("train", "test"),
        folders=("negative", "positive"),
        **kw,
    )


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
