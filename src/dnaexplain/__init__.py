"""dnaexplain: explaining genomic language models with Layer-wise Relevance Propagation."""

__version__ = "0.1.0"
