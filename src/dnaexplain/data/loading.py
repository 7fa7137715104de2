"""Any dataset by name (published, declared from files, or the synthetic task), whole or in
the train, validation and evaluation parts every chapter uses."""

from ..duplicates import remove as remove_duplicates
from . import published
from .dataset import DatasetNotFoundError, _cap, split
from .files import DUPLICATES, FILES, _file_splits, _load_declared
from .synthetic import SYNTHETIC, SYNTHETIC_TASK, synthetic


def load(name, split="test", root=None, preprocess=True, verbose=False, download=True):
    """Load a dataset: a published one's split (see `published.load`), or a declared one's
    files (whole, or for a folder the split asked for).

    Parameters
    ----------
    name : str
        Registered (``DATASETS``) or declared (``FILES``) dataset name.
    split, root, preprocess, verbose, download
        As for `published.load`; a declared dataset reads only ``split``.

    Returns
    -------
    Dataset
    """
    if name in FILES:
        return _load_declared(FILES[name], split)
    return published.load(name, split, root, preprocess, verbose, download)


def splits(
    name,
    seed=0,
    min_eval_per_class=500,
    max_sequences=0,
    root=None,
    verbose=False,
    duplicates=None,
    reverse_complement=None,
):
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
        parts = split(
            synthetic(**SYNTHETIC_TASK),
            seed=seed,
            min_eval_per_class=min(min_eval_per_class, SYNTHETIC_TASK["n"] // 10),
        )
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
    if name not in published.DATASETS:
        raise KeyError(
            f"unknown dataset {name!r}; built-in: {', '.join(published.DATASETS)}, "
            f"{SYNTHETIC}; declared from files: {', '.join(FILES) or 'none'} "
            "(declare yours with data.declare or the data_files parameter)"
        )
    names = published.spec(name).splits
    try:
        loaded = {s: load(name, s, root=root, verbose=verbose) for s in names}
    except DatasetNotFoundError:
        loaded = {}
    # splits found in different places (a downloaded train beside a mirrored test) are never
    # combined: then only the test split is used, re-split
    if len({d.source.split(":")[0] for d in loaded.values()}) != 1:
        parts = split(
            load(name, "test", root=root, verbose=verbose),
            seed=seed,
            min_eval_per_class=min_eval_per_class,
        )
    else:
        if "dev" in loaded:
            parts = {"train": loaded["train"], "validation": loaded["dev"]}
        else:
            carved = split(loaded["train"], (7, 1, 0), seed=seed, min_eval_per_class=0)
            parts = {"train": carved["train"], "validation": carved["validation"]}
        parts["evaluation"] = loaded["test"]
    return parts
