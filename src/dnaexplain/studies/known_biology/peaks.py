"""The peaks and the models: the runs checked, the peak files read, the models trained, and
the evaluation peaks drawn."""

import pandas as pd

from ... import data, training
from .answer import FACTORS, _check_classes, _name


def check_runs(runs):
    """The one dataset of the chapter's runs, checked before anything is loaded.

    Parameters
    ----------
    runs : list of str
        ``"model:dataset"`` runs (``biology_runs``).

    Returns
    -------
    str
        The dataset's name.

    Raises
    ------
    ValueError
        The runs use no dataset or several; a declared or published dataset whose classes
        lack one of `FACTORS`.
    """
    datasets = sorted({run.split(":")[1] for run in runs})
    if len(datasets) != 1:
        raise ValueError(f"biology_runs must all use one dataset, got {datasets or 'none'}")
    dataset = datasets[0]
    spec = data.FILES.get(dataset) or data.DATASETS.get(dataset)
    if spec is not None and spec.classes:  # known without reading a file
        _check_classes(dataset, spec.classes)
    return dataset


def peaks(runs, seed=0, min_eval_per_class=500, max_sequences=0):
    """The parts of the runs' dataset, checked to hold the classes of `FACTORS`.

    Parameters
    ----------
    runs : list of str
        ``"model:dataset"`` runs, all of one dataset (`check_runs`).
    seed, min_eval_per_class, max_sequences
        As for `data.splits`.

    Returns
    -------
    dataset : str
    parts : dict of str to data.Dataset
        ``train``, ``validation``, ``evaluation``.
    """
    dataset = check_runs(runs)
    parts = data.splits(
        dataset, seed=seed, min_eval_per_class=min_eval_per_class, max_sequences=max_sequences
    )
    _check_classes(dataset, parts["evaluation"].classes)
    return dataset, parts


def peak_files(dataset):
    """Where the files of a declared dataset were found, one line per class.

    Returns
    -------
    list of str
        ``"<class>: <path as given> -> <folder>/<file> (<origin>)"``, the origin of a
        ``"chipseq:<set>"`` file being ``"mirror"``, ``"cache"``, ... (`data.locate_chipseq`);
        empty for a dataset not declared by files.
    """
    spec = data.FILES.get(dataset)
    lines = []
    for cls, path in zip(spec.classes, spec.paths) if spec else []:
        where = data.file_path(path)
        origin = (
            data.locate_chipseq()[str(path).split(":")[1]][1]
            if str(path).startswith(data.CHIPSEQ_PREFIX)
            else "your file"
        )
        lines.append(f"{cls}: {path} -> {where.parent.name}/{where.name} ({origin})")
    return lines


def train_models(runs, train, seed=0, min_eval_per_class=500, max_sequences=0):
    """Each run's model, trained by `training.run` (or loaded from the cache), and its accuracy.

    Parameters
    ----------
    runs : list of str
        ``"model:dataset"`` runs.
    train : dict
        The profile's training settings.
    seed, min_eval_per_class, max_sequences
        As for `training.run`.

    Returns
    -------
    trained : dict of str to training.Trained
        By model key (``"cnn"``), in the order of ``runs``.
    table : pandas.DataFrame
        Indexed by ``model`` (shown name): ``parameters``, ``accuracy``, ``accuracy (<class>)``
        per class, ``AUROC``, all on the whole evaluation part.
    """
    trained, rows = {}, []
    for run in runs:
        model = run.split(":")[0]
        t, _ = training.run(
            run,
            train,
            seed=seed,
            min_eval_per_class=min_eval_per_class,
            max_sequences=max_sequences,
        )
        trained[model] = t
        rows.append(
            {
                "model": _name(model),
                "parameters": sum(p.numel() for p in t.model.parameters()),
                "accuracy": t.metrics["accuracy"],
                **{f"accuracy ({c})": t.metrics[f"accuracy_{i}"] for i, c in enumerate(t.classes)},
                "AUROC": t.metrics["auroc"],
            }
        )
    return trained, pd.DataFrame(rows).set_index("model")


def accuracy_sentence(models_table):
    """The models' accuracy, overall and on each factor's peaks, as one sentence.

    Parameters
    ----------
    models_table : pandas.DataFrame
        From `train_models`: indexed by model, columns ``accuracy`` and ``accuracy (<class>)``
        for every class of `FACTORS`.

    Returns
    -------
    str
    """
    return (
        "Accuracy on the evaluation part: "
        + "; ".join(
            f"{model} {r.accuracy:.1%} ("
            + ", ".join(f"{FACTORS[c]['factor']} peaks {r[f'accuracy ({c})']:.1%}" for c in FACTORS)
            + ")"
            for model, r in models_table.iterrows()
        )
        + "."
    )


def draw(evaluation, n, seed=0):
    """``n`` sequences of each class (fewer when the smallest class has fewer), with the seed.

    Parameters
    ----------
    evaluation : data.Dataset
    n : int
        Sequences per class (``n_biology``).

    Returns
    -------
    data.Dataset
    """
    return data.sample(evaluation, min(n, int(evaluation.counts().min())), seed=seed)
