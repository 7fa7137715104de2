"""dnaexplain: explaining genomic language models with Layer-wise Relevance Propagation."""

import warnings

# transformers and captum import tqdm.auto, which in a kernel without ipywidgets warns once
# that it falls back to text bars; the text bars are what the book wants.
warnings.filterwarnings("ignore", message="IProgress not found", module="tqdm")

__version__ = "0.1.0"
