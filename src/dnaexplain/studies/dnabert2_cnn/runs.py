"""The chapter's runs and maps: the constants every step shares, how maps are named, the
models and sequences of each task, and every map of them."""

import pandas as pd

from ... import attribution, training
from ...notation import number
from .. import NAME

STRATEGY = "split"  # token to nucleotide mapping of the main comparison
STRATEGIES = ["split", "mean", "copy"]
TSS = 249  # prom_300: positions -249 ... +50 around the TSS
TATA = (TSS - 40, TSS - 20 + 1)  # the -40 ... -20 window, 21 bp
TATA_PATTERN = "TATAWAW"
EFFECT = 0.01  # smallest area between the curves read as a difference (1 percentage point)
BATCH = {"ism": 1024}  # ism: mutants per forward pass; other methods: sequences per pass
# the measures the two LRP maps are compared by: column -> (words, higher is better, effect)
MEASURES = {
    "area between curves": ("faithfulness (area between the curves)", True, EFFECT),
    "gini": ("sparsity (Gini)", True, 0),
    "entropy": ("complexity (entropy)", False, 0),
    "window enrichment": ("localisation (enrichment in −40 … −20, promoters)", True, 0),
    "TATAWAW enrichment": ("localisation (enrichment on TATAWAW, promoters)", True, 0),
}
NO_DNABERT2 = "No DNABERT-2 run in `compare_runs`."
_num = number("{:.3g}")


def label(model, method):
    """A map's name in figures and tables: ``"DNABERT-2 · attnlrp"``."""
    return f"{NAME.get(model, model)} · {method}"


def tidy(table, model, task):
    """A per-map table of one model on one task, with the columns figures group by.

    Parameters
    ----------
    table : pandas.DataFrame
        With a column ``method``.
    model, task : str
        E.g. ``"cnn"``, ``"prom_300_tata"``.

    Returns
    -------
    pandas.DataFrame
        `table` with ``task``, ``model`` (its name, `NAME`) and ``label`` (`label`) added.
    """
    return table.assign(task=task, model=NAME[model], label=[label(model, m) for m in table.method])


def lrp_maps(methods):
    """Each model's LRP map: the first of its methods with "lrp" in the name (AttnLRP on
    DNABERT-2, LRP on the CNN), else its first method.

    Parameters
    ----------
    methods : dict of str to list of str
        Model -> methods (`compare_methods`).

    Returns
    -------
    dict of str to str
    """
    return {m: next((x for x in ms if "lrp" in x), ms[0]) for m, ms in methods.items()}


def maps_compared(methods):
    """The sentence naming the maps a build compares, per model (`compare_methods`)."""
    per_model = "; ".join(
        f"{NAME.get(m, m)}: {', '.join(f'`{x}`' for x in ms)}" for m, ms in methods.items()
    )
    return f"Maps this build compares (`compare_methods`): {per_model}."


def both_models(keys):
    """The tasks that have a DNABERT-2 and a CNN run, in order.

    Parameters
    ----------
    keys : iterable of (str, str)
        (model, task) pairs, e.g. the keys of `trained` or `scores`.

    Returns
    -------
    list of str
    """
    keys = list(keys)
    return [t for t in with_dnabert2(keys) if ("cnn", t) in keys]


def with_dnabert2(keys):
    """The tasks that have a DNABERT-2 run, in the order they first appear in ``keys``
    ((model, task) pairs)."""
    keys = list(keys)
    return [t for t in dict.fromkeys(t for _, t in keys) if ("dnabert2", t) in keys]


def models_and_sequences(runs, train, n, seed=0, min_eval_per_class=500, max_sequences=0):
    """The models of the runs and, per task, the sequences all its models explain.

    Parameters
    ----------
    runs : list of str
        ``"model:dataset"`` runs (`compare_runs`).
    train : dict
        The profile's training settings (`training.settings_for`).
    n : int
        Sequences per class drawn from the evaluation part (fewer where a class has fewer).
    seed, min_eval_per_class, max_sequences
        As for `training.run`.

    Returns
    -------
    trained : dict of (str, str) to training.Trained
        (model, task) -> model, in the order of `runs`.
    samples : dict of str to data.Dataset
        Task -> the drawn sequences, tasks in the order they first appear in `runs`.
    table : pandas.DataFrame
        One row per run: ``task``, ``model``, then `training.runs_on_class`'s columns (its
        ``sequences explained`` named ``sequences compared``).
    """
    tasks = list(dict.fromkeys(run.split(":")[1] for run in runs))
    by_run, samples, tables = {}, {}, []
    for task in tasks:
        group = [run for run in runs if run.split(":")[1] == task]
        t, samples[task], table = training.runs_on_class(
            group,
            train,
            None,
            n,
            seed=seed,
            min_eval_per_class=min_eval_per_class,
            max_sequences=max_sequences,
        )
        by_run.update(t)
        tables.append(table)
    trained = {tuple(run.split(":")): by_run[run] for run in runs}
    table = pd.concat(
        [
            pd.DataFrame([{"task": task, "model": NAME[m]} for m, task in trained]),
            pd.concat(tables).loc[runs].reset_index(drop=True),
        ],
        axis=1,
    ).rename(columns={"sequences explained": "sequences compared"})
    return trained, samples, table


def explain(trained, samples, methods):
    """Every map of every model, for the true class of each sequence (cached).

    DNABERT-2's token scores reach the nucleotides by `STRATEGY`.

    Parameters
    ----------
    trained, samples
        See the module docstring.
    methods : dict of str to list of str
        Model -> methods (`compare_methods`).

    Returns
    -------
    dict of (str, str) to dict of str to numpy.ndarray, each shape (n, L)
        `scores`: (model, task) -> method -> nucleotide scores.
    """
    missing = sorted({m for m, _ in trained} - set(methods))
    if missing:
        raise ValueError(
            f"compare_methods has no methods for {', '.join(missing)}, which compare_runs "
            f"runs; add them, e.g. {{{missing[0]!r}: ['integrated_gradients', 'random']}}"
        )
    scores = {}
    for (model, task), t in trained.items():
        ds = samples[task]
        strategy = STRATEGY if model == "dnabert2" else "mean"  # ignored by the CNN
        scores[model, task] = {
            method: attribution.explain_all(
                t,
                ds.sequences,
                [method],
                target=ds.labels,
                strategy=strategy,
                batch_size=BATCH.get(method, attribution.BATCH_SIZE),
            )[method]
            for method in methods[model]
        }
    return scores
