"""Genomic windows of a BED file: fixed-width windows around each interval's summit or centre,
their sequences read from a genome FASTA (pyfaidx), reverse complemented on the minus strand.

Conventions:

* Coordinates are BED's: 0-based, end exclusive. A window of width w around position c is
  ``[c - w // 2, c - w // 2 + w)``; c is the summit (``narrowPeak`` column 10, an offset from
  the start; -1 means none) or, without one or with ``centre="centre"``, ``(start + end) // 2``.
* Strand is column 6: ``+``, ``-``, or ``.`` (no strand, read as ``+``); a BED file of fewer
  than 6 columns is read as ``+`` throughout. A ``-`` window's sequence is the reverse
  complement of the genome's, so the model reads it 5' to 3' on that strand; its position j
  is the genome's ``end - 1 - j`` (`to_genome` maps scores back).
* The id of an interval is its name (column 4) where there is one (not ``.``), else
  ``chrom:start-end(strand)`` of the interval as the file gives it.
* Blank lines and ``#``, ``track`` and ``browser`` lines are skipped.

Bad input stops before anything is computed, with an error (`RegionError`) that names the
file and line: a window off either end of its chromosome, a chromosome the genome lacks (with
the closest name it has), a strand other than ``+``, ``-`` or ``.``, a summit outside its
interval, two lines giving the same window and strand, or two intervals of one name.
"""

import difflib
import gzip
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .sequences import InvalidSequenceError, clean, reverse_complement

CENTRES = ("summit", "centre")
STRANDS = {"+": "+", "-": "-", ".": "+"}
SKIPPED = ("#", "track", "browser")


class RegionError(ValueError):
    """A BED line that cannot become a window of the genome."""


class Window(NamedTuple):
    """A fixed-width genomic window, ``genome[chrom][start:end]`` read on ``strand``.

    Attributes
    ----------
    id : str
        The interval's name, or its coordinates (module docstring).
    chrom : str
    start, end : int
        0-based, end exclusive; ``end - start`` is the width.
    strand : {"+", "-"}
    where : str
        ``"file:line"`` of the BED line.
    """

    id: str
    chrom: str
    start: int
    end: int
    strand: str
    where: str


def open_text(path):
    """A text file for reading, gunzipped when its name ends in ``.gz``."""
    path = Path(path)
    return gzip.open(path, "rt") if path.suffix == ".gz" else open(path)


def chromosome_sizes(genome):
    """Chromosome lengths of a genome FASTA, in the file's order.

    Parameters
    ----------
    genome : str or Path
        A FASTA file; pyfaidx reads its ``.fai`` index, writing one beside it when missing.

    Returns
    -------
    dict of str to int
    """
    from pyfaidx import Fasta

    with Fasta(str(genome), as_raw=True) as fasta:
        return {name: len(fasta[name]) for name in fasta.keys()}


def read_bed(path, sizes, width, centre="summit"):
    """Fixed-width windows of a BED file's intervals, checked against the genome's chromosomes.

    Parameters
    ----------
    path : str or Path
        BED (3 to 12 columns) or narrowPeak, optionally gzipped.
    sizes : dict of str to int
        Chromosome lengths (`chromosome_sizes`).
    width : int
        Window width w in bp.
    centre : {"summit", "centre"}
        Centre windows on the summit where column 10 gives one (else the centre), or always on
        the interval's centre.

    Returns
    -------
    list of Window
        n windows in file order.

    Raises
    ------
    RegionError
        Bad input (module docstring), naming the file and line.
    """
    if centre not in CENTRES:
        raise ValueError(f"centre must be one of {', '.join(CENTRES)}, not {centre!r}")
    if not isinstance(width, int) or width < 1:
        raise ValueError(f"width must be a positive number of bp, got {width!r}")
    path = Path(path)
    windows, seen, names = [], {}, {}
    with open_text(path) as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip() or line.startswith(SKIPPED):
                continue
            where = f"{path.name}:{number}"
            window = _window(line, where, sizes, width, centre)
            place = window[1:5]
            if place in seen:
                raise RegionError(
                    f"{where}: the same window {_place(window)} as line {seen[place]}; "
                    "leave out one of the two lines (duplicate intervals)"
                )
            if window.id in names:
                raise RegionError(
                    f"{where}: interval name {window.id!r} was already given on line "
                    f"{names[window.id]}; names (column 4) must be unique, or '.' to name "
                    "intervals by their coordinates"
                )
            seen[place] = names[window.id] = number
            windows.append(window)
    if not windows:
        raise RegionError(f"{path}: no intervals (expected BED lines: chrom, start, end, ...)")
    return windows


def _window(line, where, sizes, width, centre):
    """The window of one BED line, or a RegionError naming it."""
    cells = line.rstrip("\r\n").split("\t") if "\t" in line else line.split()
    if len(cells) < 3:
        raise RegionError(f"{where}: expected chrom, start, end (tab-separated), got {line!r}")
    chrom = cells[0]
    try:
        start, end = int(cells[1]), int(cells[2])
    except ValueError:
        raise RegionError(
            f"{where}: start and end must be whole numbers, got {cells[1]!r} and {cells[2]!r}"
        ) from None
    if not 0 <= start < end:
        raise RegionError(f"{where}: need 0 <= start < end, got start {start} and end {end}")
    strand = cells[5] if len(cells) > 5 else "+"
    if strand not in STRANDS:
        raise RegionError(
            f"{where}: strand {strand!r} is none of '+', '-' or '.' (no strand, read as '+')"
        )
    strand = STRANDS[strand]
    if chrom not in sizes:
        near = difflib.get_close_matches(chrom, list(sizes), n=1, cutoff=0.3)
        hint = f"; the closest is {near[0]!r}" if near else ""
        raise RegionError(
            f"{where}: chromosome {chrom!r} is not in the genome ({len(sizes)} sequences"
            f"{hint}); use the genome the intervals were called on"
        )
    summit = int(cells[9]) if len(cells) > 9 and cells[9].lstrip("-").isdigit() else -1
    if centre == "summit" and summit != -1:
        if not 0 <= summit < end - start:
            raise RegionError(
                f"{where}: summit offset {summit} lies outside the interval of "
                f"{end - start} bp; use centre='centre' to ignore column 10"
            )
        middle, what = start + summit, "summit"
    else:
        middle, what = (start + end) // 2, "centre"
    low = middle - width // 2
    size = sizes[chrom]
    if low < 0 or low + width > size:
        raise RegionError(
            f"{where}: the {width} bp window {chrom}:{low}-{low + width} around the {what} "
            f"runs off {chrom} (0-{size}); give a smaller width or leave this interval out"
        )
    name = cells[3] if len(cells) > 3 and cells[3] not in ("", ".") else None
    return Window(
        name or f"{chrom}:{start}-{end}({strand})", chrom, low, low + width, strand, where
    )


def _place(window):
    return f"{window.chrom}:{window.start}-{window.end}({window.strand})"


def window_sequences(windows, genome):
    """Sequences of windows as the model reads them: upper case, reverse complement on ``-``.

    Parameters
    ----------
    windows : list of Window
    genome : str or Path
        The genome FASTA the windows were checked against.

    Returns
    -------
    list of str
        n sequences, each of its window's width.

    Raises
    ------
    RegionError
        A window holding a letter other than A, C, G, T, N (e.g. IUPAC codes), naming its line.
    """
    from pyfaidx import Fasta

    out = []
    with Fasta(str(genome), as_raw=True, sequence_always_upper=True) as fasta:
        for w in windows:
            try:
                seq = clean(fasta[w.chrom][w.start : w.end])
            except InvalidSequenceError as e:
                raise RegionError(f"{w.where}: the window {_place(w)} holds {e}") from None
            out.append(reverse_complement(seq) if w.strand == "-" else seq)
    return out


def to_genome(scores, strand):
    """Scores of a window's sequence in genome order (position j of a ``-`` window is the
    genome's ``end - 1 - j``, so its scores are reversed; values are unchanged).

    Parameters
    ----------
    scores : numpy.ndarray, shape (..., w)
    strand : {"+", "-"}

    Returns
    -------
    numpy.ndarray, shape (..., w)
    """
    return np.flip(scores, -1) if strand == "-" else scores
