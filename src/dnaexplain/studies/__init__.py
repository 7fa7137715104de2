"""The analyses of the chapters that compare several models and maps at once.

One module per study: `benchmark` (every map held to planted motifs, the chapter "A
benchmark with known answers"), `dnabert2_cnn` (DNABERT-2 against a CNN, the chapter
"DNABERT-2, AttnLRP and a CNN"), `known_biology` (maps held to ChIP-seq sites, the chapter
"Known biology"), `pruned_lrp` (what pruning relevance costs and gains, the chapter "Pruned
LRP"), `sanity_checks` (model randomisation, the chapter "Sanity checks") and
`patterns` (TF-MoDISco on every map of a chapter, shared by the benchmark and known-biology
chapters). Each function takes the chapter's models, sequences and maps and returns a table
or a sentence, so a chapter's cell is one call and its display. Generic steps (a
measure, a test, a motif search) live in their own modules; these compose them.
"""

import numpy as np

NAME = {"dnabert": "DNABERT", "dnabert2": "DNABERT-2", "cnn": "CNN"}  # models as pages say them


def sequence_lengths(dataset):
    """Sequence lengths of a `data.Dataset`, shape (n,)."""
    return np.array([len(s) for s in dataset.sequences])
