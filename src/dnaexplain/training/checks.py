"""Warnings about a trained model that has not learnt the task: a constant classifier, or
one that reads the sequences' lengths instead of their bases."""

import warnings

import numpy as np
import pandas as pd

from .. import models
from ..sequences import random_sequences
from ..tokenizers import encode

ONE_CLASS = 0.95  # a model calling this share of sequences one class gets a warning


def warn_one_class(trained, name=""):
    """Warn when a model calls (nearly) every evaluation sequence one class: explanations of
    a constant classifier mean little.

    Returns
    -------
    float
        The largest share of evaluation sequences called one class.
    """
    confusion = np.asarray(trained.metrics["confusion"])
    called = confusion.sum(0) / max(confusion.sum(), 1)
    share = float(called.max())
    if share >= ONE_CLASS:
        warnings.warn(
            f"{name or 'the model'} calls {share:.0%} of the evaluation sequences "
            f"{trained.classes[int(called.argmax())]!r}: it has barely learnt the "
            "task, and explanations of a (nearly) constant classifier mean little",
            stacklevel=3,
        )
    return share


def warn_length_only(trained, dataset, name="", n=100, seed=0):
    """Warn when a model tells random sequences apart by length alone.

    Random sequences (GC 0.5) are drawn at each class's median length in `dataset`; a model
    that calls those of one length one class and those of another length another class, each
    at `ONE_CLASS` or more, has learnt where the classes' lengths differ, whatever their bases.

    Parameters
    ----------
    trained : Trained
    dataset : data.Dataset
        The sequences whose class lengths are compared (the evaluation part).
    name : str
        What the warning calls the model (a run).
    n : int
        Random sequences per length.
    seed : int

    Returns
    -------
    pandas.DataFrame
        Per distinct median length: ``length``, the class called most (``called``) and its
        ``share``; empty when every class has the same median length.
    """
    lengths = sorted(
        {
            int(np.median([len(q) for q, y in zip(dataset.sequences, dataset.labels) if y == c]))
            for c in range(len(trained.classes))
            if (dataset.labels == c).any()
        }
    )
    if len(lengths) < 2:
        return pd.DataFrame(columns=["length", "called", "share"])
    rows = []
    for i, length in enumerate(lengths):
        seqs = random_sequences(n, length, seed=seed + i)
        x = encode(
            trained.tokenizer, seqs, max_length=trained.settings.get("max_length"), truncate=True
        )
        called = np.bincount(
            models.predict(trained.model, x).argmax(-1).numpy(), minlength=len(trained.classes)
        )
        rows.append(
            {
                "length": length,
                "called": trained.classes[int(called.argmax())],
                "share": called.max() / n,
            }
        )
    table = pd.DataFrame(rows)
    if table["share"].min() >= ONE_CLASS and table["called"].nunique() > 1:
        said = ", ".join(
            f"{r.share:.0%} of {r.length} bp ones {r.called!r}" for r in table.itertuples()
        )
        warnings.warn(
            f"{name or 'the model'} calls random sequences by length alone "
            f"({said}): it may have learnt the classes' lengths, not their sequence; "
            "give every class the same length (or trim them) before explaining it",
            stacklevel=2,
        )
    return table
