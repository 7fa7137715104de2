"""Duplicates and leakage: the same sequence twice in a class, in two classes, or in training
and evaluation.

A sequence scored on evaluation that the model also saw in training inflates accuracy and
says nothing about what the model learnt; the same sequence in two classes is a label no
model can get right. `report` finds each case in a dataset's parts; `remove` drops from the
evaluation part every sequence already seen in training or validation and every repeat
within it (first copy kept), recording the counts in the part's ``removed``.

Sequences are compared upper-case (as `data` reads them) and, with ``reverse_complement``,
a sequence equals its reverse complement (peaks and promoters read from either strand).
"""

import warnings
from collections import defaultdict

import pandas as pd

from .sequences import reverse_complement as _rc

CHECKS = (
    "repeated within a class",
    "in two or more classes",
    "in train or validation and in evaluation",
)
SEEN = "in train or validation"  # `removed` reasons of the evaluation part
REPEATED = "repeated"


def canonical(seq, reverse_complement=False):
    """The form two sequences are compared in: upper case, and with ``reverse_complement`` the
    smaller of the sequence and its reverse complement."""
    seq = seq.upper()
    return min(seq, _rc(seq)) if reverse_complement else seq


def _where(dataset, i):
    """Where sequence i of a part is in its file(s): the how-manieth sequence read (1-based)."""
    return f"{dataset.source}, sequence {int(dataset.index[i]) + 1}"


def report(parts, reverse_complement=False):
    """Every duplicate across a dataset's parts, by check.

    Parameters
    ----------
    parts : dict of str to data.Dataset
        ``"train"``, ``"validation"`` and ``"evaluation"`` (any subset; one part alone works
        too), sharing their classes.
    reverse_complement : bool
        Count a sequence and its reverse complement as the same.

    Returns
    -------
    pandas.DataFrame
        One row per check that found something, in the order of `CHECKS`: ``check``,
        ``part``, ``sequences`` (distinct sequences concerned) and ``example`` (where one of
        them is). Empty when the data holds no duplicate.
    """
    seen = defaultdict(list)  # canonical sequence -> [(part, label, position)]
    for part, dataset in parts.items():
        for i, (seq, label) in enumerate(zip(dataset.sequences, dataset.labels)):
            seen[canonical(seq, reverse_complement)].append((part, int(label), i))
    found = {check: defaultdict(list) for check in CHECKS}
    for hits in seen.values():
        if len(hits) < 2:
            continue
        by_part = defaultdict(list)
        for part, label, i in hits:
            by_part[part].append((label, i))
        for part, members in by_part.items():
            labels = [label for label, _ in members]
            if len(labels) > len(set(labels)):
                found[CHECKS[0]][part].append(members[0][1])
        if len({label for _, label, _ in hits}) > 1:
            part, _, i = hits[0]
            found[CHECKS[1]][", ".join(sorted(by_part))].append((part, i))
        if "evaluation" in by_part and len(by_part) > 1:
            found[CHECKS[2]]["evaluation"].append(by_part["evaluation"][0][1])
    rows = []
    for check in CHECKS:
        for part, items in found[check].items():
            first = items[0]
            where = (
                _where(parts[first[0]], first[1])
                if isinstance(first, tuple)
                else _where(parts[part], first)
            )
            rows.append({"check": check, "part": part, "sequences": len(items), "example": where})
    return pd.DataFrame(rows, columns=["check", "part", "sequences", "example"])


def remove(parts, reverse_complement=False, name=""):
    """The parts with evaluation sequences seen in training or validation, and repeats within
    evaluation, removed; a warning names the files and counts, and another the sequences found
    in two classes (kept: their labels are the data's).

    Parameters
    ----------
    parts : dict of str to data.Dataset
        As for `report`; only ``"evaluation"`` changes.
    reverse_complement : bool
        As for `report`.
    name : str
        The dataset, as the warnings call it.

    Returns
    -------
    dict of str to data.Dataset
        The same parts, the evaluation part a subset of the one given (unchanged, the same
        object, when nothing is removed), its ``removed`` counting `SEEN` and `REPEATED`.
    """
    found = report(parts, reverse_complement)
    name = name or next(iter(parts.values())).name
    crossed = found[found.check == CHECKS[1]]
    if len(crossed):
        warnings.warn(
            f"{name}: {int(crossed.sequences.sum())} sequence(s) appear in two or "
            f"more classes (e.g. {crossed.example.iloc[0]}); no model can call both "
            "right: check their labels",
            stacklevel=2,
        )
    evaluation = parts.get("evaluation")
    if evaluation is None:
        return parts
    earlier = {
        canonical(q, reverse_complement)
        for part, d in parts.items()
        if part != "evaluation"
        for q in d.sequences
    }
    keep, kept, counts = [], set(), {SEEN: 0, REPEATED: 0}
    for i, seq in enumerate(evaluation.sequences):
        key = canonical(seq, reverse_complement)
        if key in earlier:
            counts[SEEN] += 1
        elif key in kept:
            counts[REPEATED] += 1
        else:
            keep.append(i)
            kept.add(key)
    if len(keep) == len(evaluation):
        return parts
    if not keep:
        raise ValueError(
            f"{name}: every evaluation sequence is also in train or validation "
            f"({', '.join(sorted({d.source for d in parts.values()}))}); give "
            "evaluation sequences of their own, or duplicates: keep"
        )
    out = dict(parts)
    out["evaluation"] = evaluation.subset(keep)
    out["evaluation"].removed.update({k: v for k, v in counts.items() if v})
    files = sorted({d.source for d in parts.values()})
    said = " and ".join(f"{v} {k}" for k, v in counts.items() if v)
    warnings.warn(
        f"{name}: removed from evaluation {said} ({', '.join(files)}); "
        f"{len(keep)} evaluation sequences remain. Set duplicates: keep in data_files "
        "to keep them",
        stacklevel=2,
    )
    return out
