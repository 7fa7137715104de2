"""Motifs from nucleotide scores and what they match.

One job per module: `procedure` (DNABERT's motif discovery: high-scoring regions, enriched
candidates, merging, windows), `pwm` (counts, probabilities, information content, logos),
`databases` (TOMTOM against JASPAR, the TF classes and families matched), `seqlets`
(tangermeme's seqlets and motifs made from them), `recovery` (does a method recover a
factor's family) and `modisco` (TF-MoDISco-lite's patterns of four-channel scores, and their
recovery of a family or of planted motifs).
"""

from .databases import COLUMNS, best_match_classes, class_report, compare, tf_families
from .modisco import (
    SEQLET_COLUMNS,
    TOP_COLUMNS,
    Pattern,
    find_patterns,
    pattern_recovery,
    planted_recovery,
    projected,
)
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
    "SEQLET_COLUMNS",
    "TOP_COLUMNS",
    "Candidate",
    "FoundMotif",
    "Pattern",
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
    "find_patterns",
    "high_score_regions",
    "in_family",
    "information_content",
    "logo",
    "merge",
    "pattern_recovery",
    "planted_recovery",
    "positive_class",
    "probabilities",
    "projected",
    "recovery",
    "seqlet_motifs",
    "seqlets",
    "tf_families",
]
