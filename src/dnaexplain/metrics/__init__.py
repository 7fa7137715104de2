"""Measures of score maps and the statistics that compare them.

One job per module: `measures` (per-sequence measures of one map, or of a map against a
ground truth or another map), `curves` (summaries of perturbation curves), `statistics`
(paired comparisons and bootstrap intervals), `tables` (tidy per-sequence tables of many maps)
and `verdicts` (a comparison in words).
"""

from .curves import area_between_curves, last_within, mean_drop
from .measures import (
    IUPAC,
    auroc,
    entropy,
    gini,
    motif_mask,
    relevance_enrichment,
    relevance_mass_accuracy,
    relevance_rank_accuracy,
    spearman,
    token_level,
    topk_overlap,
    zero_fraction,
)
from .statistics import (
    bootstrap_difference,
    bootstrap_mean,
    bootstrap_summary,
    paired_comparison,
    paired_comparisons,
    rank_correlation,
)
from .tables import (
    GROUND_TRUTH,
    MAP_MEASURES,
    agreement,
    ground_truth_table,
    localisation_table,
    map_table,
    mean_profile,
    paired_values,
)
from .verdicts import verdict

__all__ = [
    "GROUND_TRUTH",
    "IUPAC",
    "MAP_MEASURES",
    "agreement",
    "area_between_curves",
    "auroc",
    "bootstrap_difference",
    "bootstrap_mean",
    "bootstrap_summary",
    "entropy",
    "gini",
    "ground_truth_table",
    "last_within",
    "localisation_table",
    "map_table",
    "mean_drop",
    "mean_profile",
    "motif_mask",
    "paired_comparison",
    "paired_comparisons",
    "paired_values",
    "rank_correlation",
    "relevance_enrichment",
    "relevance_mass_accuracy",
    "relevance_rank_accuracy",
    "spearman",
    "token_level",
    "topk_overlap",
    "verdict",
    "zero_fraction",
]
