"""Writers of the files other tools read: NumPy ``.npz`` archives as TF-MoDISco reads them,
tables, bedGraph and bigWig tracks, and MEME motif files.

Every writer writes a temporary file beside its target and renames it into place (`atomic`),
so a reader, or a run that was killed, never finds half a file under the final name.
"""

import contextlib
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

TEMPORARY = ".tmp"  # suffix of the files `atomic` writes before renaming them


@contextlib.contextmanager
def atomic(path):
    """The path of a temporary file beside ``path``, renamed to ``path`` when the block ends
    without an error and removed when it raises.

    Parameters
    ----------
    path : str or Path

    Yields
    ------
    pathlib.Path
        ``<folder>/.<name>.<random>.tmp``, not yet created.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMPORARY)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        tmp.chmod(0o644)  # mkstemp makes it private
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_npz(path, blocks, shape, dtype=np.float32):
    """An ``.npz`` archive holding one array ``arr_0`` (what ``np.savez(path, array)`` writes,
    and TF-MoDISco's ``modisco motifs -s/-a`` reads), written block by block along its first
    axis so the whole array is never in memory.

    Parameters
    ----------
    path : str or Path
    blocks : iterable of numpy.ndarray
        Consecutive slices of the array along axis 0, each of shape (m, \\*shape[1:]).
    shape : tuple of int
        Shape of the whole array.
    dtype : numpy dtype

    Raises
    ------
    ValueError
        When the blocks do not add up to ``shape``.
    """
    dtype = np.dtype(dtype)
    header = {
        "descr": np.lib.format.dtype_to_descr(dtype),
        "fortran_order": False,
        "shape": tuple(int(s) for s in shape),
    }
    rows = 0
    with atomic(path) as tmp:
        with (
            zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as archive,
            archive.open("arr_0.npy", "w", force_zip64=True) as f,
        ):
            np.lib.format.write_array_header_1_0(f, header)
            for block in blocks:
                block = np.ascontiguousarray(block, dtype=dtype)
                if block.shape[1:] != header["shape"][1:]:
                    raise ValueError(f"a block of shape {block.shape} in an array of {shape}")
                rows += len(block)
                f.write(block.tobytes())
        if rows != header["shape"][0]:
            raise ValueError(f"blocks of {rows} rows for an array of {shape}")


def write_table(path, table):
    """A tab-separated table with a header row and no index.

    Parameters
    ----------
    path : str or Path
    table : pandas.DataFrame
    """
    with atomic(path) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.9g")


def track_blocks(windows, scores, order):
    """Per-base values of windows laid on the genome: where windows overlap, their mean.

    Parameters
    ----------
    windows : list of regions.Window
        n windows.
    scores : numpy.ndarray, shape (n, w)
        Scores in genome order (`regions.to_genome`), one row per window, w at least each
        window's width.
    order : list of str
        Chromosome order of the output (a genome's).

    Yields
    ------
    (str, int, numpy.ndarray of float32)
        Chromosome, start and the values of consecutive bases, in genome order, none
        overlapping: one block per run of overlapping windows.
    """
    rank = {c: i for i, c in enumerate(order)}
    sorted_rows = sorted(range(len(windows)), key=lambda i: (rank[windows[i].chrom], windows[i][2]))
    group, chrom, end = [], None, -1
    for i in [*sorted_rows, None]:
        w = None if i is None else windows[i]
        if group and (w is None or w.chrom != chrom or w.start >= end):
            yield chrom, *_mean(group, windows, scores)
            group = []
        if w is None:
            break
        if not group:
            chrom, end = w.chrom, w.end
        group.append(i)
        end = max(end, w.end)


def _mean(group, windows, scores):
    """Start and per-base mean of a run of overlapping windows."""
    start = windows[group[0]].start
    stop = max(windows[i].end for i in group)
    if len(group) == 1:
        return start, np.asarray(scores[group[0], : stop - start], dtype=np.float32)
    total = np.zeros(stop - start)
    count = np.zeros(stop - start)
    for i in group:
        a, b = windows[i].start - start, windows[i].end - start
        total[a:b] += scores[i, : b - a]
        count[a:b] += 1
    return start, (total / count).astype(np.float32)


def write_bedgraph(path, blocks):
    """A bedGraph track: ``chrom start end value`` per run of equal values.

    Parameters
    ----------
    path : str or Path
    blocks : iterable of (str, int, numpy.ndarray)
        From `track_blocks`. Values are written with 9 significant digits, which read back
        as the same float32.
    """
    with atomic(path) as tmp, open(tmp, "w") as f:
        for chrom, start, values in blocks:
            change = np.flatnonzero(np.diff(values)) + 1
            starts = np.concatenate([[0], change])
            ends = np.concatenate([change, [len(values)]])
            pd.DataFrame(
                {
                    "chrom": chrom,
                    "start": starts + start,
                    "end": ends + start,
                    "value": values[starts],
                }
            ).to_csv(f, sep="\t", header=False, index=False, float_format="%.9g")


def write_bigwig(path, sizes, blocks):
    """A bigWig track (pyBigWig) of per-base values.

    Parameters
    ----------
    path : str or Path
    sizes : dict of str to int
        Chromosome lengths, in the order of the blocks' chromosomes (the header holds them all).
    blocks : iterable of (str, int, numpy.ndarray)
        From `track_blocks`: sorted, not overlapping.
    """
    import pyBigWig

    with atomic(path) as tmp:
        bw = pyBigWig.open(str(tmp), "w")
        try:
            bw.addHeader([(c, int(n)) for c, n in sizes.items()], maxZooms=10)
            for chrom, start, values in blocks:
                bw.addEntries(chrom, int(start), values=values.astype(np.float64), span=1, step=1)
        finally:
            bw.close()


def write_meme(path, motifs):
    """A MEME motif file (memelite's writer), of letter-probability matrices.

    Parameters
    ----------
    path : str or Path
    motifs : dict of str to numpy.ndarray, each shape (4, w)
        Motif name (the rest of its ``MOTIF`` line) to its probabilities, rows A, C, G, T.
    """
    from memelite.io import write_meme as write

    with atomic(path) as tmp:
        write(str(tmp), {name: np.asarray(p, dtype=np.float64) for name, p in motifs.items()})
