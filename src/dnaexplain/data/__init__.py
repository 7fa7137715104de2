"""Datasets: the published ones (registry, mirror or download), a reader's own files, the
synthetic task with planted JASPAR motifs, ChIP-seq peaks with known motifs, and the parts
every chapter trains and evaluates on.

One job per module:

* `dataset`: the `Dataset` record; splits, samples and summaries of one;
* `published`: the registry of published datasets, where their files are found, downloads;
* `files`: a reader's FASTA files, tables and folders, declared by name;
* `synthetic`: the planted-motif task; `jaspar`: JASPAR matrices; `chipseq`: Oct4 / MafK peaks;
* `loading`: any dataset by name, whole (`load`) or in parts (`splits`);
* `cli`: ``python -m dnaexplain.data fetch NAME ...`` makes datasets available ahead of time.

The names below are the package's public interface; the modules' own globals (``URLS``,
``FILES``, ``CHIPSEQ_SOURCE``) are shared objects, so changing their entries here changes them
everywhere.
"""

from ..paths import CACHE_ENV, MIRROR_ENV
from .chipseq import CHIPSEQ, CHIPSEQ_SOURCE, chipseq_relpath, locate_chipseq
from .cli import main
from .dataset import (
    Dataset,
    DatasetNotFoundError,
    Site,
    length_leak,
    origins,
    sample,
    sample_class,
    split,
    summary,
)
from .files import (
    CHIPSEQ_PREFIX,
    DUPLICATES,
    FASTA_SUFFIXES,
    FILES,
    LEAK_AUROC,
    MIN_PER_CLASS,
    N_POLICIES,
    SPLIT_FILES,
    TABLE_SUFFIXES,
    FileSpec,
    declare,
    file_path,
    from_files,
)
from .jaspar import Motif, jaspar_db, jaspar_motifs, jaspar_record
from .loading import load, splits
from .published import DATASETS, TIMEOUT, URLS, Spec, cache_dir, locate, relpath, spec, url
from .synthetic import DEFAULT_MOTIFS, SYNTHETIC, SYNTHETIC_TASK, synthetic

__all__ = [
    "CACHE_ENV",
    "CHIPSEQ",
    "CHIPSEQ_PREFIX",
    "CHIPSEQ_SOURCE",
    "DATASETS",
    "DEFAULT_MOTIFS",
    "DUPLICATES",
    "FASTA_SUFFIXES",
    "FILES",
    "LEAK_AUROC",
    "MIN_PER_CLASS",
    "MIRROR_ENV",
    "N_POLICIES",
    "SPLIT_FILES",
    "SYNTHETIC",
    "SYNTHETIC_TASK",
    "TABLE_SUFFIXES",
    "TIMEOUT",
    "URLS",
    "Dataset",
    "DatasetNotFoundError",
    "FileSpec",
    "Motif",
    "Site",
    "Spec",
    "cache_dir",
    "chipseq_relpath",
    "declare",
    "file_path",
    "from_files",
    "jaspar_db",
    "jaspar_motifs",
    "jaspar_record",
    "length_leak",
    "load",
    "locate",
    "locate_chipseq",
    "main",
    "origins",
    "relpath",
    "sample",
    "sample_class",
    "spec",
    "split",
    "splits",
    "summary",
    "synthetic",
    "url",
]
