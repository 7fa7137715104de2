"""Chapter parameters: one source (a profile in ``profiles/``), overridden by the chapter's cell.

Every chapter's papermill ``parameters`` cell holds ``profile`` and the few values a reader
changes, each ``None`` by default, and then calls ``params.bind(globals())``, which

1. loads the profile: ``profiles/<profile>.yml`` (inside the package), or a YAML file of the reader's whose missing
   keys come from the profile it names in its own ``profile`` entry (default ``cpu``);
2. lays over it every parameter the chapter's cell or papermill set to something other than
   None (``papermill -p n_scored 5``, ``-y "runs: [cnn:my_data]"``, ``-f my.yml``);
3. checks every value for type *and* value before any compute: sizes non-negative, method,
   dataset, model and run names known (file datasets declared in ``data_files`` included),
   and a parameter papermill injected under a name no chapter knows is an error naming the
   nearest known one;
4. binds each parameter name in the chapter's namespace to its value.

`SCHEMA` lists every parameter with its meaning.
"""

import ast
import difflib
import inspect
from pathlib import Path

import yaml

PARAMS_DIR = Path(__file__).resolve().parent / "profiles"  # shipped inside the package
PROFILES = ("smoke", "cpu", "paper")
PRECISIONS = ("fp32", "bf16", "fp16", "auto", "fast")  # see defaults.resolve_precision


# -- value checks: each takes (name, value) and raises with a message that names the fix ----


def _nonnegative(name, value):
    if value < 0:
        raise ValueError(f"parameter {name!r} must be 0 or more, got {value}")


def _positive(name, value):
    if value < 1:
        raise ValueError(f"parameter {name!r} must be 1 or more, got {value}")


def _positives(name, values):
    for v in values:
        if not _is(v, int) or v < 1:
            raise ValueError(
                f"parameter {name!r} holds numbers of positions (integers >= 1), got {v!r}"
            )


def _fractions(name, values):
    for v in values:
        if not _is(v, float) or not 0 <= v < 1:
            raise ValueError(f"parameter {name!r} holds fractions in [0, 1), got {v!r}")


def _choice(name, value, known, what):
    if value not in known:
        raise ValueError(
            f"{name}: unknown {what} {value!r}{_nearest(value, known)}; "
            f"known: {', '.join(map(str, known))}"
        )


def _methods(name, values, model=None):
    from .attribution import methods_for

    if not isinstance(values, list) or not values:
        raise ValueError(f"parameter {name!r} must be a non-empty list of methods")
    for v in values:
        if model and v in methods_for() and v not in methods_for(model):
            raise ValueError(
                f"{name}: method {v!r} does not run on the {model}; methods for "
                f"it: {', '.join(methods_for(model))}"
            )
        _choice(name, v, methods_for(model), "method")


def _methods_per_model(name, value):
    from .models import BUILDERS

    for model, methods in value.items():
        _choice(name, model, tuple(BUILDERS), "model")
        _methods(f"{name}.{model}", methods, model)


def _precision(name, value):
    _choice(name, value, PRECISIONS, "precision")


def _datasets(name, values, files=()):
    from .data import DATASETS, SYNTHETIC

    for v in values:
        _choice(name, v, (*DATASETS, SYNTHETIC, *files), "dataset")


def _runs(name, values, files=()):
    from .models import BUILDERS

    for run in values:
        if not isinstance(run, str) or run.count(":") != 1:
            raise ValueError(
                f"{name}: a run is 'model:dataset', e.g. "
                f"'dnabert:human_nontata_promoters'; got {run!r}"
            )
        model, dataset = run.split(":")
        _choice(name, model, tuple(BUILDERS), "model")
        _datasets(name, [dataset], files)


def _profile(name, value):
    if value not in PROFILES and Path(value).suffix not in (".yml", ".yaml"):
        raise ValueError(
            f"profile {value!r}: choose one of {', '.join(PROFILES)}"
            f"{_nearest(value, PROFILES)}, or give the path of a .yml file"
        )


def _data_files(name, value):
    from .data import declare

    for dataset, spec in value.items():
        if not isinstance(spec, dict):
            raise TypeError(
                f"data_files.{dataset} must be a mapping such as "
                "{fasta: {class_a: a.fa, class_b: b.fa}} or {csv: data.csv}"
            )
        known = [
            k for k in inspect.signature(declare).parameters if k not in ("name", "check_only")
        ]
        for key in spec:
            if key not in known:
                raise KeyError(
                    f"data_files.{dataset}: unknown key {key!r}{_nearest(key, known)}; "
                    f"known: {', '.join(known)}"
                )
        declare(dataset, **spec, check_only=True)


# name -> (type, meaning, value check)
SCHEMA = {
    "profile": (str, "parameter set: smoke, cpu, paper, or the path of a YAML file", _profile),
    "seed": (int, "seed for sampling, splitting, training and random baselines", _nonnegative),
    "data_files": (
        dict,
        "your datasets by file: {name: {fasta: {class: path, ...}} or "
        "{csv: path} or {folder: path}, optional classes, min_length, "
        "max_length, n: drop|keep|error}; use the name in runs",
        _data_files,
    ),
    "datasets": (list, "dataset names (dnaexplain.data.DATASETS or data_files)", None),
    "min_eval_per_class": (
        int,
        "evaluation sequences kept per class when re-splitting",
        _nonnegative,
    ),
    "max_sequences": (int, "cap on sequences per dataset part (0 = all)", _nonnegative),
    "n_examples": (int, "example sequences shown per class", _nonnegative),
    "train": (
        dict,
        "training settings per model or run: {dnabert: {source: mini, epochs: 3, "
        "...}, 'cnn:my_data': {...}}",
        None,
    ),
    "runs": (list, "fine-tuning runs as 'model:dataset' strings", None),
    "methods": (list, "scoring methods, see dnaexplain.attribution.METHODS", _methods),
    "n_scored": (int, "sequences per class scored for method comparisons", _positive),
    "mutagenesis_methods": (list, "methods judged by the mutagenesis experiment", _methods),
    "n_per_class": (int, "evaluation sequences per class in the mutagenesis experiment", _positive),
    "random_repeats": (int, "repeats of the random-positions baseline", _positive),
    "mutagenesis_precision": (
        str,
        "autocast precision of classifying mutants: fp32, bf16, fp16, "
        "or fast (bf16 where the CPU runs it natively, fp16 on CUDA, else "
        "fp32) or auto (fp16 on CUDA, else fp32)",
        _precision,
    ),
    "ns": (list, "numbers of top positions mutated", _positives),
    "motif_runs": (list, "'model:dataset' runs whose scores are searched for motifs", None),
    "motif_methods": (list, "methods whose scores are searched for motifs", _methods),
    "motif_kmer": (
        int,
        "k-mer candidates inside high-score runs (0 = DNABERT's whole runs)",
        _nonnegative,
    ),
    "n_motif": (int, "evaluation sequences per class in the motif search", _positive),
    "motif_class": (
        str,
        "class whose motifs are searched (empty: promoter, else the last class)",
        None,
    ),
    "compare_runs": (list, "'model:dataset' runs compared in the DNABERT-2 / CNN chapter", None),
    "compare_methods": (
        dict,
        "methods per model in the DNABERT-2 / CNN chapter",
        _methods_per_model,
    ),
    "n_compare": (int, "evaluation sequences per class in the DNABERT-2 / CNN chapter", _positive),
    "prune_runs": (list, "'model:dataset' runs of the pruned-LRP chapter", None),
    "prune_ps": (list, "pruning fractions p of the pruned-LRP chapter", _fractions),
    "benchmark_runs": (list, "'model:dataset' runs of the known-answer benchmark", None),
    "benchmark_methods": (
        dict,
        "methods per model in the known-answer benchmark",
        _methods_per_model,
    ),
    "n_benchmark": (int, "evaluation sequences per class in the known-answer benchmark", _positive),
    "n_ism": (int, "sequences given ISM per transformer in the benchmark (0 = all)", _nonnegative),
    "biology_runs": (list, "'model:dataset' runs of the known-biology chapter (Oct4 / MafK)", None),
    "biology_methods": (dict, "methods per model in the known-biology chapter", _methods_per_model),
    "n_biology": (int, "evaluation sequences per class in the known-biology chapter", _positive),
    "modisco_methods": (
        dict,
        "methods per model whose maps TF-MoDISco reads in the benchmark and known-biology "
        "chapters (a model not named: all of its methods)",
        _methods_per_model,
    ),
    "sanity_runs": (list, "'model:dataset' runs of the sanity-check chapter", None),
    "sanity_methods": (dict, "methods per model in the sanity-check chapter", _methods_per_model),
    "n_sanity": (int, "evaluation sequences of the motif class in the sanity checks", _positive),
}
RUN_LISTS = (
    "runs",
    "motif_runs",
    "compare_runs",
    "prune_runs",
    "benchmark_runs",
    "biology_runs",
    "sanity_runs",
)


def _typename(kind):
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "true/false",
        list: "a list",
        dict: "a mapping",
    }[kind]


def _is(value, kind):
    """isinstance, except that bools are not numbers and integers are numbers."""
    if isinstance(value, bool):
        return kind is bool
    return isinstance(value, kind) or (kind is float and isinstance(value, int))


def _nearest(word, known):
    close = difflib.get_close_matches(str(word), [str(k) for k in known], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _type_hint(name, kind):
    if kind in (list, dict):
        return (
            f"papermill's -p passes text for lists and mappings: use -y '{name}: [...]' "
            f"or a YAML file (-f, or profile: my.yml)"
        )
    return f"pass it unquoted (-p {name} VALUE) or fix it in the YAML file"


def check(**values):
    """Check parameters against :data:`SCHEMA` (type, then value) and return them as a dict.

    Raises
    ------
    KeyError
        A parameter this project does not know, naming the nearest known one.
    TypeError
        A value of the wrong type, naming the parameter, the expected type and how to pass it.
    ValueError
        A value of the right type that cannot be used (a negative size, an unknown method,
        dataset, model or run), naming the nearest valid choice.
    """
    for name in values:
        if name not in SCHEMA:
            raise KeyError(
                f"unknown parameter {name!r}{_nearest(name, SCHEMA)}; known "
                f"parameters: {', '.join(sorted(SCHEMA))}"
            )
    for name, value in values.items():
        kind, meaning, rule = SCHEMA[name]
        if not _is(value, kind):
            raise TypeError(
                f"parameter {name!r} ({meaning}) must be {_typename(kind)}, got "
                f"{type(value).__name__} {value!r}; {_type_hint(name, kind)}"
            )
        if rule is not None:
            rule(name, value)
    files = tuple(values.get("data_files") or ())
    for name in RUN_LISTS:
        if name in values:
            _runs(name, values[name], files)
    if "datasets" in values:
        _datasets("datasets", values["datasets"], files)
    if "train" in values:
        _check_train(values["train"], files)
    return dict(values)


def _check_train(train, files=()):
    """Model names, setting names, types and values of the ``train`` parameter."""
    from .defaults import DEFAULTS, check_settings
    from .models import BUILDERS

    for key, settings in train.items():
        if key.count(":"):
            _runs("train", [key], files)
        else:
            _choice(
                "train (keys are a model or a 'model:dataset' run)", key, tuple(BUILDERS), "model"
            )
        if not isinstance(settings, dict):
            raise TypeError(f"train.{key} must be a mapping of settings, got {settings!r}")
        for name, value in settings.items():
            if name not in DEFAULTS:
                raise KeyError(
                    f"train.{key}: unknown setting {name!r}"
                    f"{_nearest(name, DEFAULTS)}; known: {', '.join(DEFAULTS)}"
                )
            kind = type(DEFAULTS[name]) if DEFAULTS[name] is not None else int
            if not _is(value, kind) and value is not None:
                raise TypeError(
                    f"train.{key}.{name} must be {_typename(kind)}, got {type(value).__name__} "
                    f"{value!r} (YAML reads 2e-4 as text: write 2.0e-4 or 0.0002)"
                )
        check_settings(settings, where=f"train.{key}")
        if "source" in settings:
            _check_source(key.split(":")[0], settings["source"], f"train.{key}.source")


def _check_source(model, source, where):
    """A named config, an existing checkpoint folder with weights, or a hub id (owner/name);
    a local path that does not exist stops here, before anything is trained or downloaded."""
    from . import models

    presets = {
        "dnabert": models.DNABERT_CONFIGS,
        "dnabert2": models.DNABERT2_CONFIGS,
        "cnn": models.CNN_CONFIGS,
    }[model]
    text = str(source)
    if text in presets:
        return
    path = Path(text).expanduser()
    if path.is_dir():
        try:
            models.weights_file(path)
        except FileNotFoundError as err:
            raise FileNotFoundError(f"{where}: {err}") from None
        return
    parts = path.parts
    local = (
        text.startswith((".", "/", "~"))
        or len(parts) != 2
        or Path(parts[0]).is_dir()
        or text.endswith("/")
    )
    if local:
        near = [str(p) for p in path.parent.glob("*") if p.is_dir()] if path.parent.is_dir() else []
        raise FileNotFoundError(
            f"{where}: no checkpoint folder {text!r} (paths are relative to {Path.cwd()})"
            f"{_nearest(text, near)}; give a folder written by save_pretrained, a hub id "
            f"(owner/name) or a named config: {', '.join(presets)}{_nearest(text, presets)}"
        )


def load_profile(profile, root=None):
    """Read and check a parameter set.

    Parameters
    ----------
    profile : str or Path
        ``"smoke"``, ``"cpu"`` or ``"paper"`` (the package's ``profiles/<profile>.yml``), or the path of a YAML
        file; a file's missing keys come from the profile named by its own ``profile`` entry
        (``cpu`` when it has none).
    root : str or Path, optional
        Folder of the named profiles (default: the package's ``profiles/``).

    Returns
    -------
    dict
        Every parameter of `SCHEMA`; ``profile`` is the named profile the values start from.
    """
    root = Path(root) if root else PARAMS_DIR
    if profile in PROFILES:
        path = root / f"{profile}.yml"
        if not path.exists():
            raise FileNotFoundError(f"no parameter set {path}; choose one of {PROFILES}")
        return check(**_read(path))
    _profile("profile", str(profile))
    path = Path(profile)
    if not path.is_file():
        raise FileNotFoundError(
            f"profile {str(profile)!r} is not a file; give the path of your "
            f"YAML file or one of {', '.join(PROFILES)}"
        )
    own = _read(path)
    base = own.pop("profile", "cpu")
    if base not in PROFILES:
        raise ValueError(
            f"{path}: 'profile' names the parameter set the file starts from: "
            f"one of {', '.join(PROFILES)}{_nearest(base, PROFILES)}, got {base!r}"
        )
    return check(**merge(load_profile(base, root), own))


def _read(path):
    values = yaml.safe_load(Path(path).read_text()) or {}
    if not isinstance(values, dict):
        raise ValueError(f"{path} must hold a mapping of parameter names to values")
    return values


def runs_of(runs, model, why):
    """The runs of one model, or an error before any compute when there are none.

    Parameters
    ----------
    runs : list of str
        ``"model:dataset"`` runs, as the ``runs`` parameter holds them.
    model : str
        The model a chapter explains, e.g. ``"dnabert"``.
    why : str
        What the chapter needs that model for, said in the error.

    Returns
    -------
    list of str
        The runs of `model`, in order.
    """
    own = [r for r in runs if r.split(":")[0] == model]
    if not own:
        datasets = sorted({r.split(":")[1] for r in runs}) or ["human_nontata_promoters"]
        raise ValueError(
            f"runs holds no {model} run ({', '.join(runs) or 'none'}), and this "
            f"chapter {why}; add one, e.g. runs: [{model}:{datasets[0]}, ...]"
        )
    return own


def bind(namespace, root=None):
    """Resolve a chapter's parameters, check them all, and bind them in its namespace.

    Parameters
    ----------
    namespace : dict
        The chapter's ``globals()``: its ``profile`` and every parameter the cell (or papermill)
        set to something other than None override the profile. Parameter names papermill
        injected that no chapter knows (``-p n_scord 5``) are an error naming the nearest one.
    root : str or Path, optional
        Folder of the named profiles.

    Returns
    -------
    dict
        Every parameter; the same values are bound as names in ``namespace``.
    """
    profile = namespace.get("profile") or "cpu"
    injected = _injected(namespace)
    unknown = sorted(set(injected) - set(SCHEMA))
    if unknown:
        raise KeyError(
            f"unknown parameter {unknown[0]!r}{_nearest(unknown[0], SCHEMA)}; known "
            f"parameters: {', '.join(sorted(SCHEMA))}"
        )
    own = {
        name: namespace[name]
        for name in SCHEMA
        if name != "profile" and namespace.get(name) is not None
    }
    values = check(**merge(load_profile(profile, root), own))
    if "data_files" in values:
        from .data import declare

        for dataset, spec in values["data_files"].items():
            declare(dataset, **spec)
    if values.get("mutagenesis_precision") in ("auto", "fast"):  # what runs, for cache keys
        import torch

        from .defaults import resolve_precision

        values["mutagenesis_precision"] = resolve_precision(
            values["mutagenesis_precision"], "cuda" if torch.cuda.is_available() else "cpu"
        )
    namespace.update(values)
    return values


def merge(base, own):
    """``own`` laid over ``base``: mappings are merged by key (``train`` one level deeper, so
    ``{dnabert: {source: ckpt/}}`` keeps the profile's other DNABERT settings); other values
    are replaced. Wrong types are left for `check` to report."""
    out = dict(base)
    for name, value in own.items():
        if isinstance(value, dict) and isinstance(base.get(name), dict):
            inner = {**base[name], **value}
            if name == "train":
                inner.update(
                    {
                        k: {**base[name].get(k, {}), **v}
                        for k, v in value.items()
                        if isinstance(v, dict) and isinstance(base[name].get(k), dict)
                    }
                )
            out[name] = inner
        else:
            out[name] = value
    return out


def _injected(namespace):
    """Names papermill assigned in its injected ``# Parameters`` cell (IPython's ``In``)."""
    names = []
    for source in namespace.get("In") or []:
        if source.lstrip().startswith("# Parameters"):
            for node in ast.parse(source).body:
                if isinstance(node, ast.Assign):
                    names += [t.id for t in node.targets if isinstance(t, ast.Name)]
    return names
