"""What `explain` reads: sequences with their ids, from a FASTA file, a CSV / TSV table, or a
BED file of intervals and the genome they lie on (`regions`).

The ids travel with the sequences into every file `exporting` writes:

* FASTA: the first word of each header (``>id description``).
* CSV / TSV: a header row naming a ``sequence`` column (or ``seq``) and an ``id`` column (or
  ``name``); other columns are ignored. Without an id column, and in a table without a header
  (read as the data readers read one: the sequence first, then anything), a row's id is
  ``file:line``.
* BED: the interval's name, or its coordinates (`regions`).

Sequences are upper-cased and checked (A, C, G, T and N); two records of one id are an error.
Every error names the file and the line. Files may be gzipped (``.gz``). The book's data readers
(`data.from_files`) are left as they are: they read labelled training data, and their code keys
the cached models.
"""

import csv
from pathlib import Path
from typing import NamedTuple

from . import regions
from .sequences import InvalidSequenceError, clean

FASTA_SUFFIXES = (".fa", ".fasta", ".fna", ".fas")
TABLE_SUFFIXES = (".csv", ".tsv")
BED_SUFFIXES = (".bed", ".narrowpeak", ".broadpeak")
SEQUENCE_COLUMNS = ("sequence", "seq")
ID_COLUMNS = ("id", "name")


class Records(NamedTuple):
    """Sequences to explain and where they came from.

    Attributes
    ----------
    ids : list of str
        n distinct ids.
    sequences : list of str
        n upper-case sequences, as the model reads them.
    where : list of str
        ``"file:line"`` of each record.
    windows : list of regions.Window or None
        The genomic window of each sequence (BED input), else None.
    sizes : dict of str to int or None
        The genome's chromosome lengths, in its order (BED input), else None.
    """

    ids: list
    sequences: list
    where: list
    windows: list = None
    sizes: dict = None


def kind(path):
    """``"fasta"``, ``"table"`` or ``"bed"`` from a file's suffix (a ``.gz`` after it is
    skipped); ValueError naming the suffixes read otherwise."""
    path = Path(path)
    suffix = Path(path.stem).suffix if path.suffix == ".gz" else path.suffix
    for name, suffixes in (
        ("fasta", FASTA_SUFFIXES),
        ("table", TABLE_SUFFIXES),
        ("bed", BED_SUFFIXES),
    ):
        if suffix.lower() in suffixes:
            return name
    raise ValueError(
        f"{path}: cannot tell the format from {suffix or 'no suffix'!r}; name it .fa/.fasta "
        "(FASTA), .csv/.tsv (table) or .bed/.narrowPeak (intervals, with a genome)"
    )


def read(path, genome=None, width=None, centre="summit"):
    """Sequences to explain, with ids, from any of the formats above.

    Parameters
    ----------
    path : str or Path
        FASTA, CSV / TSV or BED (by suffix, `kind`).
    genome : str or Path, optional
        Genome FASTA, for BED input.
    width : int, optional
        Window width in bp, for BED input.
    centre : {"summit", "centre"}
        Where BED windows are centred (`regions.read_bed`).

    Returns
    -------
    Records
    """
    found = kind(path)
    if found != "bed":
        if genome is not None:
            raise ValueError(f"{path}: a genome goes with BED intervals, not with {found} input")
        return read_fasta(path) if found == "fasta" else read_table(path)
    if genome is None or width is None:
        raise ValueError(f"{path}: BED intervals need the genome FASTA and a window width")
    sizes = regions.chromosome_sizes(genome)
    windows = regions.read_bed(path, sizes, width, centre)
    return Records(
        [w.id for w in windows],
        regions.window_sequences(windows, genome),
        [w.where for w in windows],
        windows,
        sizes,
    )


def read_fasta(path):
    """Records of a FASTA file: ids from the headers, sequences wrapped over any lines.

    Returns
    -------
    Records
    """
    path = Path(path)
    ids, where, parts = [], [], []
    with regions.open_text(path) as lines:
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if line.startswith(">"):
                words = line[1:].split()
                if not words:
                    raise InvalidSequenceError(f"{path.name}:{number}: a header without an id")
                ids.append(words[0])
                where.append(f"{path.name}:{number}")
                parts.append([])
            elif line:
                if not parts:
                    raise InvalidSequenceError(
                        f"{path.name}:{number}: sequence before the first '>' header"
                    )
                try:  # checked line by line, so an error names the line that holds it
                    parts[-1].append(clean(line))
                except InvalidSequenceError as e:
                    raise InvalidSequenceError(f"{path.name}:{number}: {e}") from None
    sequences = ["".join(p) for p in parts]
    empty = next((w for w, s in zip(where, sequences) if not s), None)
    if empty:
        raise InvalidSequenceError(f"{empty}: empty sequence")
    return _checked(Records(ids, sequences, where), path)


def read_table(path):
    """Records of a CSV / TSV table (module docstring for its columns).

    Returns
    -------
    Records
    """
    path = Path(path)
    suffix = Path(path.stem).suffix if path.suffix == ".gz" else path.suffix
    with regions.open_text(path) as f:
        rows = [
            (number, row)
            for number, row in enumerate(
                csv.reader(f, delimiter="\t" if suffix == ".tsv" else ","), 1
            )
            if any(cell.strip() for cell in row)
        ]
    if not rows:
        raise ValueError(f"{path}: no rows")
    header = [cell.strip().lower() for cell in rows[0][1]]
    column, id_column = 0, None
    if any(name in header for name in SEQUENCE_COLUMNS):
        column = next(header.index(name) for name in SEQUENCE_COLUMNS if name in header)
        id_column = next((header.index(name) for name in ID_COLUMNS if name in header), None)
        rows = rows[1:]
    ids, sequences, where = [], [], []
    for number, row in rows:
        here = f"{path.name}:{number}"
        if len(row) <= max(column, id_column or 0):
            raise ValueError(f"{here}: expected {len(header)} columns, got {len(row)}")
        try:
            sequences.append(clean(row[column].strip()))
        except InvalidSequenceError as e:
            raise InvalidSequenceError(f"{here}: {e}") from None
        if not sequences[-1]:
            raise InvalidSequenceError(f"{here}: empty sequence")
        ids.append(here if id_column is None else row[id_column].strip())
        if not ids[-1]:
            raise ValueError(f"{here}: empty id")
        where.append(here)
    if not sequences:
        raise ValueError(f"{path}: a header but no rows")
    return _checked(Records(ids, sequences, where), path)


def _checked(records, path):
    """Records whose ids are distinct; ValueError naming both lines of a repeated id."""
    first = {}
    for i, w in zip(records.ids, records.where):
        if i in first:
            raise ValueError(
                f"{w}: id {i!r} was already given at {first[i]}; ids must be unique, as every "
                "output file is keyed by them"
            )
        first[i] = w
    if not records.ids:
        raise ValueError(f"{path}: no sequences")
    return records
