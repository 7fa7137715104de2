"""Environment variables that point the package at its data and caches.

A module of its own, importing nothing, so that modules needing a name (the tokenizers read
the mirror for DNABERT-2's tokenizer) do not import the data loaders for it.
"""

MIRROR_ENV = "DNAEXPLAIN_DATA_MIRROR"  # a folder laid out like the data mirror
CACHE_ENV = "DNAEXPLAIN_DATA_DIR"  # the download cache of datasets
