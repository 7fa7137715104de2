"""Chapter parameters: the papermill profiles in ``params/`` and a type check for them.

Every chapter starts with a papermill ``parameters`` cell and then calls :func:`check`, so a
run with a mistyped value (``-p seed five``, a quoted number in a YAML file) stops at once with
a message that names the parameter and the fix instead of failing deep inside a computation.
"""

from pathlib import Path

import yaml

# name -> (type, what it is); the types a papermill run may pass for that name
SCHEMA = {
    "profile": (str, "parameter set name: smoke, cpu or paper"),
    "seed": (int, "seed for sampling, splitting, training and random baselines"),
    "datasets": (list, "dataset names, see dnaexplain.data"),
    "min_eval_per_class": (int, "evaluation sequences kept per class when re-splitting"),
    "max_sequences": (int, "cap on sequences per dataset (0 = all); small in smoke runs"),
    "n_examples": (int, "example sequences printed per class"),
    "train": (dict, "training settings per model: {dnabert: {source: mini, epochs: 3, ...}, ...}"),
    "runs": (list, "fine-tuning runs as 'model:dataset' strings"),
    "methods": (list, "scoring methods, see dnaexplain.attribution.METHODS"),
    "n_scored": (int, "sequences per class scored for method comparisons"),
    "mutagenesis_methods": (list, "methods judged by the mutagenesis experiment"),
    "n_per_class": (int, "evaluation sequences per class in the mutagenesis experiment"),
    "random_repeats": (int, "repeats of the random-positions baseline"),
    "mutagenesis_precision": (str, "autocast precision of classifying mutants: fp32, bf16 or fp16"),
    "ns": (list, "numbers of top positions mutated"),
    "motif_runs": (list, "'model:dataset' runs whose scores are searched for motifs"),
    "motif_methods": (list, "methods whose scores are searched for motifs"),
    "motif_kmer": (int, "k-mer candidates inside high-score runs (0 = DNABERT's whole runs)"),
    "n_motif": (int, "evaluation sequences per class in the motif search"),
    "compare_runs": (list, "'model:dataset' runs compared in the DNABERT-2 / CNN chapter"),
    "compare_methods": (dict, "methods per model in the DNABERT-2 / CNN chapter"),
    "n_compare": (int, "evaluation sequences per class in the DNABERT-2 / CNN chapter"),
    "prune_runs": (list, "'model:dataset' runs of the pruned-LRP chapter"),
    "prune_ps": (list, "pruning fractions p of the pruned-LRP chapter"),
    "benchmark_runs": (list, "'model:dataset' runs of the known-answer benchmark"),
    "benchmark_methods": (dict, "methods per model in the known-answer benchmark"),
    "n_benchmark": (int, "evaluation sequences per class in the known-answer benchmark"),
    "n_ism": (int, "sequences given ISM per transformer in the benchmark (0 = all)"),
}

PROFILES = ("smoke", "cpu", "paper")


def _typename(kind):
    return {str: "a string", int: "an integer", float: "a number", bool: "true/false",
            list: "a list", dict: "a mapping"}[kind]


def _is(value, kind):
    """isinstance, except that bools are not numbers and integers are numbers."""
    if isinstance(value, bool):
        return kind is bool
    return isinstance(value, kind) or (kind is float and isinstance(value, int))


def check(**values):
    """Check chapter parameters against :data:`SCHEMA` and return them as a dict.

    Raises
    ------
    TypeError
        A value of the wrong type, naming the parameter, the expected type and the fix.
    KeyError
        A parameter this project does not know.
    """
    for name, value in values.items():
        if name not in SCHEMA:
            raise KeyError(f"unknown parameter {name!r}; known parameters: {', '.join(sorted(SCHEMA))}")
        kind, meaning = SCHEMA[name]
        if not _is(value, kind):
            raise TypeError(
                f"parameter {name!r} ({meaning}) must be {_typename(kind)}, got "
                f"{type(value).__name__} {value!r}; with papermill pass it unquoted "
                f"(-p {name} VALUE parses numbers and lists as YAML) or fix it in params/*.yml"
            )
    if "train" in values:
        _check_train(values["train"])
    if "profile" in values and values["profile"] not in PROFILES:
        raise ValueError(f"unknown profile {values['profile']!r}; choose one of {PROFILES}")
    return dict(values)


def _check_train(train):
    """Model names and setting types of the ``train`` parameter, against training.DEFAULTS."""
    from .models import BUILDERS
    from .training import DEFAULTS

    for key, settings in train.items():
        model = key.split(":")[0]
        if model not in BUILDERS:
            raise KeyError(f"train: unknown model {model!r}; known models: {', '.join(BUILDERS)} "
                           "(keys are a model or a 'model:dataset' run)")
        if not isinstance(settings, dict):
            raise TypeError(f"train.{key} must be a mapping of settings, got {settings!r}")
        for name, value in settings.items():
            if name not in DEFAULTS:
                raise KeyError(f"train.{key}: unknown setting {name!r}; known: {', '.join(DEFAULTS)}")
            kind = type(DEFAULTS[name])
            if not _is(value, kind):
                raise TypeError(
                    f"train.{key}.{name} must be {_typename(kind)}, got {type(value).__name__} "
                    f"{value!r} (YAML reads 2e-4 as text: write 2.0e-4 or 0.0002)"
                )


def load_profile(name, root=None):
    """Read and check ``params/<name>.yml``; returns a dict of parameters."""
    root = Path(root) if root else Path(__file__).resolve().parents[2] / "params"
    path = root / f"{name}.yml"
    if not path.exists():
        raise FileNotFoundError(f"no parameter set {path}; choose one of {PROFILES}")
    return check(**yaml.safe_load(path.read_text()))
