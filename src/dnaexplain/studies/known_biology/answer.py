"""The chapter's known answer: each class's factor, its JASPAR matrix and family, and the
thresholds every step shares."""

from ... import motifs
from .. import NAME

# The chapter's known answer, by class name: the factor's JASPAR 2018 matrix (the site scan)
# and its family (motif recovery). A dataset of the chapter needs these class names.
FACTORS = {
    "oct4": {
        "factor": "Oct4",
        "matrix": "MA1115.1",
        "family": motifs.POU_FAMILY,
        "family name": "POU",
    },
    "mafk": {
        "factor": "MafK",
        "matrix": "MA0496.2",
        "family": motifs.MAF_FAMILY,
        "family name": "Maf",
    },
}
P_SITE = 1e-4  # p-value of a matrix hit (FIMO's default)
MAX_Q = 0.05  # TOMTOM q-value at or below which a JASPAR match counts
MEASURES = {"auroc": "AUROC", "mass_accuracy": "relevance mass accuracy"}
ALPHA = 0.05  # adjusted p below which a paired difference counts
COMPARISON_COLUMNS = ["n", "mean_a", "mean_b", "estimate", "lo", "hi", "p", "p_adjusted"]


def _name(model):
    return NAME.get(model, model)


def _check_classes(dataset, classes):
    missing = [c for c in FACTORS if c not in classes]
    if missing:
        raise ValueError(
            f"{dataset}: this chapter needs classes named {', '.join(FACTORS)}; "
            f"the dataset's classes are {', '.join(classes)}"
        )
