"""DNABERT-2 against a CNN, after Kurth et al.: the analyses of the chapter "DNABERT-2,
AttnLRP and a CNN".

Both models of a task explain the same sequences for their true class. The steps, in the
chapter's order: the models and sequences (`models_and_sequences`), every map
(`explain`) and DNABERT-2's LRP map under each token-to-nucleotide strategy
(`strategy_maps`), faithfulness (`faithfulness`, `areas`), sparsity and complexity
(`map_measures`), the strategies side by side (`strategies_table`), agreement between the
models (`agreement`, `overlap_table`), the TATA box (`tata_sites`, `localisation`), the two
LRP maps compared (`model_tests`) and the paper's findings tested (`paper_tests`,
`claim_rows`); each ``*_summary`` function states a table's result in sentences. One module
per part: `runs` (constants, names, models, maps), `strategies`, `faithfulness`, `agreement`,
`tata` and `verdicts`; every function is importable from here.

The chapter's objects, as these functions take them:

trained : dict of (str, str) to training.Trained
    (model, task) -> the trained model, in the order of the runs.
samples : dict of str to data.Dataset
    Task -> the sequences compared, the same for every model of the task.
scores : dict of (str, str) to dict of str to numpy.ndarray, each shape (n, L)
    (model, task) -> method -> nucleotide scores of the task's n sequences.
lrp : dict of str to str
    Model -> the LRP map the paper compares (`lrp_maps`).
"""

from .agreement import agreement, overlap_table
from .faithfulness import (
    areas,
    curves,
    faithfulness,
    faithfulness_table,
    map_measures,
    paired_areas,
)
from .runs import (
    BATCH,
    EFFECT,
    MEASURES,
    NO_DNABERT2,
    STRATEGIES,
    STRATEGY,
    TATA,
    TATA_PATTERN,
    TSS,
    both_models,
    explain,
    label,
    lrp_maps,
    maps_compared,
    models_and_sequences,
    tidy,
    with_dnabert2,
)
from .strategies import (
    examples,
    strategies_table,
    strategy_check,
    strategy_example,
    strategy_maps,
    strategy_summary,
    strategy_tests,
    tokenizations,
)
from .tata import (
    localisation,
    localisation_means,
    promoter_profiles,
    tata_sites,
    tata_summary,
    tata_tasks,
)
from .verdicts import (
    claim_rows,
    faithful_sentence,
    findings,
    model_summary,
    model_tests,
    paper_tests,
    tata_sentence,
    training_note,
)

__all__ = [
    "BATCH",
    "EFFECT",
    "MEASURES",
    "NO_DNABERT2",
    "STRATEGIES",
    "STRATEGY",
    "TATA",
    "TATA_PATTERN",
    "TSS",
    "agreement",
    "areas",
    "both_models",
    "claim_rows",
    "curves",
    "examples",
    "explain",
    "faithful_sentence",
    "faithfulness",
    "faithfulness_table",
    "findings",
    "label",
    "localisation",
    "localisation_means",
    "lrp_maps",
    "map_measures",
    "maps_compared",
    "model_summary",
    "model_tests",
    "models_and_sequences",
    "overlap_table",
    "paired_areas",
    "paper_tests",
    "promoter_profiles",
    "strategies_table",
    "strategy_check",
    "strategy_example",
    "strategy_maps",
    "strategy_summary",
    "strategy_tests",
    "tata_sentence",
    "tata_sites",
    "tata_summary",
    "tata_tasks",
    "tidy",
    "tokenizations",
    "training_note",
    "with_dnabert2",
]
