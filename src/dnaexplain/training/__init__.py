"""Training: a run's data and model, fine-tuned once into a checkpoint cache and checked.

One module per job: `sources` (what a model source is: tokenizer, k, head, digest), `fitting`
(fine-tuning with ``Trainer`` into the cache, `Job` and `Trained`), `scores` (classification
metrics), `checks` (warnings about a model that has not learnt the task) and `runs` (a
profile's ``"model:dataset"`` runs, the entry point of every chapter).
"""

from ..defaults import DEFAULTS
from .checks import ONE_CLASS, warn_length_only, warn_one_class
from .fitting import Job, Trained, checkpoint_key, fine_tune, fit
from .runs import fit_length, max_tokens, prepare, run, runs_on_class, settings_for
from .scores import class_accuracy, classification_metrics, evaluate
from .sources import (
    CHECKPOINT_FILES,
    checkpoint_digest,
    checkpoint_k,
    checkpoint_labels,
    tokenizer_for,
)

__all__ = [
    "CHECKPOINT_FILES",
    "DEFAULTS",
    "ONE_CLASS",
    "Job",
    "Trained",
    "checkpoint_digest",
    "checkpoint_k",
    "checkpoint_key",
    "checkpoint_labels",
    "class_accuracy",
    "classification_metrics",
    "evaluate",
    "fine_tune",
    "fit",
    "fit_length",
    "max_tokens",
    "prepare",
    "run",
    "runs_on_class",
    "settings_for",
    "tokenizer_for",
    "warn_length_only",
    "warn_one_class",
]
