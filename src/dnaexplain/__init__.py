"""dnaexplain: explaining genomic language models with Layer-wise Relevance Propagation."""

import warnings
from pathlib import Path

# transformers and captum import tqdm.auto, which in a kernel without ipywidgets warns once
# that it falls back to text bars; the text bars are what the book wants.
warnings.filterwarnings("ignore", message="IProgress not found", module="tqdm")

__version__ = "0.1.0"

# The library's code as this process imported it, for `cache.source_digest`: a result is keyed
# with the code that computed it even when a file is edited under a running kernel. (A module
# first imported later is taken to be unchanged in between; `source_digest` reads the files of
# modules not imported yet.)
SOURCES = {
    p.relative_to(Path(__file__).parent).as_posix(): p.read_text()
    for p in Path(__file__).parent.rglob("*.py")
}
