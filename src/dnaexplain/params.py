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
}

PROFILES = ("smoke", "cpu", "paper")


def _typename(kind):
    return {str: "a string", int: "an integer", float: "a number", bool: "true/false",
            list: "a list", dict: "a mapping"}[kind]


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
        ok = isinstance(value, kind) and not (kind in (int, float) and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if not ok:
            raise TypeError(
                f"parameter {name!r} ({meaning}) must be {_typename(kind)}, got "
                f"{type(value).__name__} {value!r}; with papermill pass it unquoted "
                f"(-p {name} VALUE parses numbers and lists as YAML) or fix it in params/*.yml"
            )
    if "profile" in values and values["profile"] not in PROFILES:
        raise ValueError(f"unknown profile {values['profile']!r}; choose one of {PROFILES}")
    return dict(values)


def load_profile(name, root=None):
    """Read and check ``params/<name>.yml``; returns a dict of parameters."""
    root = Path(root) if root else Path(__file__).resolve().parents[2] / "params"
    path = root / f"{name}.yml"
    if not path.exists():
        raise FileNotFoundError(f"no parameter set {path}; choose one of {PROFILES}")
    return check(**yaml.safe_load(path.read_text()))
