"""Motifs from nucleotide scores and what they match.

One job per module: `procedure` (DNABERT's motif discovery: high-scoring regions, enriched
candidates, merging, windows), `pwm` (counts, probabilities, information content, logos),
`databases` (TOMTOM against JASPAR, the TF classes and families matched), `seqlets`
(tangermeme's seqlets and motifs made from them) and `recovery` (does a method recover a
factor's family).
"""

from .databases import COLUMNS, best_match_classes, class_report, compare, tf_families
from .procedure import (
    Candidate,
    FoundMotif,
    align,
    candidates,
    enrichment,
    expand,
    find_motifs,
    high_score_regions,
    merge,
)
from .pwm import consensus, counts_matrix, information_content, logo, probabilities
from .recovery import (
    MAF_FAMILY,
    POU_FAMILY,
    PROCEDURES,
    RECOVERY_COLUMNS,
    family_recovery,
    in_family,
    positive_class,
    recovery,
)
from .seqlets import seqlet_motifs, seqlets

__all__ = [
    "COLUMNS",
    "MAF_FAMILY",
    "POU_FAMILY",
    "PROCEDURES",
    "RECOVERY_COLUMNS",
    "Candidate",
    "FoundMotif",
    "align",
    "best_match_classes",
    "candidates",
    "class_report",
    "compare",
    "consensus",
    "counts_matrix",
    "enrichment",
    "expand",
    "family_recovery",
    "find_motifs",
    "high_score_regions",
    "in_family",
    "information_content",
    "logo",
    "merge",
    "positive_class",
    "probabilities",
    "recovery",
    "seqlet_motifs",
    "seqlets",
    "tf_families",
]
