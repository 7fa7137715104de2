"""A reader's own files: one FASTA file per class, a ``sequence,label`` table, or a folder of
train / validation / test files; declared by name so that runs can use them.

Every sequence is checked and an error names the file and line; classes a reader would not
have meant (labels differing only in case, a stray label) stop with their counts.
"""

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..sequences import InvalidSequenceError, clean
from .chipseq import CHIPSEQ, locate_chipseq
from .dataset import Dataset, DatasetNotFoundError, length_leak, split, summary
from .published import DATASETS
from .synthetic import SYNTHETIC

N_POLICIES = ("keep", "drop", "error")


FASTA_SUFFIXES = (".fa", ".fasta", ".fna", ".txt", ".seq")


TABLE_SUFFIXES = (".csv", ".tsv")


SPLIT_FILES = {
    "train": ("train",),
    "validation": ("validation", "dev", "valid"),
    "evaluation": ("test", "evaluation"),
}


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


def declare(
    name,
    fasta=None,
    csv=None,
    folder=None,
    classes=None,
    min_length=0,
    max_length=0,
    n="keep",
    duplicates="remove",
    reverse_complement=False,
    check_only=False,
):
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
        raise ValueError(
            f"data_files.{name}: give exactly one of fasta (one file per class), "
            f"csv (sequence,label rows) or folder (train/validation/test files); "
            f"got {', '.join(given) or 'none'}"
        )
    if name in DATASETS or name == SYNTHETIC:
        raise ValueError(f"data_files.{name}: {name!r} is a built-in dataset; pick another name")
    if ":" in name:
        raise ValueError(f"data_files.{name}: a dataset name cannot hold ':'")
    if n not in N_POLICIES:
        raise ValueError(f"data_files.{name}: n must be one of {', '.join(N_POLICIES)}, got {n!r}")
    if duplicates not in DUPLICATES:
        raise ValueError(
            f"data_files.{name}: duplicates must be one of "
            f"{', '.join(DUPLICATES)}, got {duplicates!r}"
        )
    if not isinstance(reverse_complement, bool):
        raise ValueError(
            f"data_files.{name}: reverse_complement is true or false, got {reverse_complement!r}"
        )
    for key, value in (("min_length", min_length), ("max_length", max_length)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"data_files.{name}: {key} must be an integer >= 0, got {value!r}")
    kind, value = next(iter(given.items()))
    if kind == "fasta":
        if not isinstance(value, dict) or len(value) < 2:
            raise ValueError(
                f"data_files.{name}: fasta maps each class to its file, e.g. "
                "{enhancer: enh.fa, background: bg.fa}; give two or more classes"
            )
        classes = tuple(classes or value)
        if set(classes) != set(value):
            raise ValueError(
                f"data_files.{name}: classes {list(classes)} must be the keys of "
                f"fasta {list(value)}"
            )
        paths = tuple(_symbolic(value[c], f"data_files.{name}") or Path(value[c]) for c in classes)
    else:
        paths = (Path(value),)
        classes = tuple(classes) if classes else ()
    for path in paths:
        if isinstance(path, Path) and not path.exists():
            raise DatasetNotFoundError(
                f"data_files.{name}: no file {path} (looked in {Path.cwd()}); give an absolute "
                "path, or one relative to the folder the chapter runs in (papermill --cwd)"
            )
    spec_ = FileSpec(
        name, kind, paths, classes, min_length, max_length, n, duplicates, reverse_complement
    )
    if not check_only:
        FILES[name] = spec_
    return spec_


CHIPSEQ_PREFIX = "chipseq:"  # a data_files path "chipseq:oct4" names a set of `CHIPSEQ`


def _symbolic(path, where):
    """``path`` when it names a ChIP-seq set (``"chipseq:<set>"``, checked), else None."""
    if not str(path).startswith(CHIPSEQ_PREFIX):
        return None
    if str(path)[len(CHIPSEQ_PREFIX) :] not in CHIPSEQ:
        raise ValueError(
            f"{where}: unknown ChIP-seq set {str(path)!r}; known: "
            f"{', '.join(CHIPSEQ_PREFIX + n for n in CHIPSEQ)}"
        )
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
    return locate_chipseq(download=download)[name[len(CHIPSEQ_PREFIX) :]][0]


def from_files(
    fasta=None,
    csv=None,
    classes=None,
    min_length=0,
    max_length=0,
    n="keep",
    name="own",
    split="all",
    verbose=False,
):
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
    data = Dataset(
        name, sequences, labels, classes, " + ".join(p.name for p in sources), split, removed, index
    )
    if not len(data):
        raise ValueError(f"{data.source}: no sequences left (removed: {removed})")
    _check_classes(data, given=classes_given)
    auroc = length_leak(data)
    if auroc >= LEAK_AUROC:
        warnings.warn(
            f"{name}: the classes differ in length (sequence length alone separates them with "
            f"AUROC {auroc:.2f}); a model can learn the length instead of the sequence. Trim or "
            "pad the sequences to one length, or filter with min_length / max_length.",
            stacklevel=2,
        )
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
        raise ValueError(
            f"{data.source}: labels {clash} differ only in case or spaces, so they "
            f"make {len(clash)} classes (sequences per label: {listed}); write them "
            "one way, or give classes: [...] to name the classes you mean"
        )
    small = [c for c, k in counts.items() if k < (1 if given else MIN_PER_CLASS)]
    if small:
        hint = (
            "give classes: [...] to read only the labels you mean"
            if not given
            else "add sequences to it or leave it out"
        )
        raise ValueError(
            f"{data.source}: class {small[0]!r} has {counts[small[0]]} sequence(s), "
            f"fewer than {MIN_PER_CLASS} (sequences per class: {listed}); {hint}"
        )


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
                raise InvalidSequenceError(
                    f"{path.name}:{number}: sequence before the first '>' header"
                )
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
                raise ValueError(
                    f"{where}: label {value} is not in 0..{len(classes) - 1} "
                    f"(classes {list(classes)})"
                )
        elif label in classes:
            value = classes.index(label)
        else:
            raise ValueError(f"{where}: label {label!r} is not one of the classes {list(classes)}")
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
                raise InvalidSequenceError(
                    f"{where}: the sequence contains N (n: error); use n: keep or n: drop"
                )
            reason = "contains N"
        if reason:
            removed[reason] = removed.get(reason, 0) + 1
            continue
        sequences.append(seq)
        labels.append(label)
        index.append(i)
    return sequences, np.array(labels, dtype=np.int64), removed, np.array(index, dtype=np.int64)


def _file_splits(s, seed, min_eval_per_class):
    """Parts of a declared dataset: a folder as published; otherwise a seeded re-split."""
    options = dict(min_length=s.min_length, max_length=s.max_length, n=s.n)
    if s.kind == "folder":
        parts = {}
        for part, stems in SPLIT_FILES.items():
            found = [
                p
                for stem in stems
                for p in sorted(s.paths[0].glob(f"{stem}*"))
                if p.suffix in TABLE_SUFFIXES or p.is_dir()
            ]
            if not found:
                raise DatasetNotFoundError(
                    f"{s.paths[0]}: no {part} file (looked for {', '.join(stems)} as .csv, .tsv "
                    "or a folder of one FASTA file per class)"
                )
            # the other parts read their labels as train named them (train comes first)
            classes = s.classes or (parts["train"].classes if parts else ())
            parts[part] = _read_part(found[0], s, part, options, classes)
            # "<folder>/<file>": where the part came from, without the machine's folders
            parts[part].source = f"{s.paths[0].name}/{found[0].name}"
        classes = {p.classes for p in parts.values()}
        if len(classes) > 1:
            raise ValueError(
                f"{s.paths[0]}: the splits name different classes {sorted(classes)}; "
                "give classes: [...] in data_files"
            )
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
            raise DatasetNotFoundError(
                f"{path}: no FASTA file for class {missing[0]!r} (found {', '.join(files)})"
            )
        fasta = {c: files[c] for c in classes}
        if not s.classes and part == "train":
            print(
                f"{s.name}: classes in label order (file names, sorted): "
                + ", ".join(f"{c} = {i}" for i, c in enumerate(classes))
                + "; give classes: [...] in data_files to choose the order"
            )
        return from_files(fasta=fasta, name=s.name, split=part, **options)
    return from_files(csv=path, classes=classes or None, name=s.name, split=part, **options)
