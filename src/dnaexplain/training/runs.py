"""A profile's ``"model:dataset"`` runs: the data parts, cut to what the model reads, and the
model trained on them, the same for every chapter that asks."""

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd

from .. import models
from ..defaults import DEFAULTS
from ..tokenizers import encode, tokenize
from .checks import warn_length_only, warn_one_class
from .fitting import Job, fit
from .sources import tokenizer_for


def settings_for(train, run):
    """Training settings of a ``"model:dataset"`` run from a profile's ``train`` mapping.

    ``train`` is keyed by model (``"dnabert"``) and optionally by run
    (``"dnabert:human_enhancers_cohn"``); the run's entries override the model's.
    """
    model_name = run.split(":")[0]
    return {**train.get(model_name, {}), **train.get(run, {})}


def prepare(run, train, seed=0, min_eval_per_class=500, max_sequences=0):
    """The `Job` of a ``"model:dataset"`` run: its data parts (split, then cut to the model's
    length), its settings and its tokenizer, with the parts tokenised once for every later step.

    Parameters
    ----------
    run : str
        ``"<model>:<dataset>"``, e.g. ``"dnabert:human_nontata_promoters"``.
    train : dict
        The profile's training settings (see `settings_for`).
    seed, min_eval_per_class, max_sequences
        As for `data.splits`.

    Returns
    -------
    Job
    """
    from .. import data

    if run.count(":") != 1:
        raise ValueError(
            f"a run is 'model:dataset', e.g. 'dnabert:human_nontata_promoters'; got {run!r}"
        )
    model_name, dataset = run.split(":")
    parts = data.splits(
        dataset, seed=seed, min_eval_per_class=min_eval_per_class, max_sequences=max_sequences
    )
    settings = {**DEFAULTS, **settings_for(train, run)}
    sources = {d.source for d in parts.values()}
    print(
        f"{run}: "
        + "; ".join(f"{part} {len(d):,} ({d.split})" for part, d in parts.items())
        + f" from {' and '.join(sorted(sources))}"
    )
    job = Job(model_name, parts, settings, seed)
    fit_length(job)
    return job


def run(
    run,
    train,
    seed=0,
    min_eval_per_class=500,
    max_sequences=0,
    device=None,
    root=None,
    verbose=False,
    cached_only=False,
):
    """Fine-tune (or load from the cache) the model of a ``"model:dataset"`` run.

    Every chapter that needs a trained model calls this with its profile's parameters, so all
    of them get the same model, trained once. A model that calls nearly everything one class,
    or tells random sequences apart by their length, is warned about.

    Parameters
    ----------
    run, train, seed, min_eval_per_class, max_sequences
        As for `prepare` (the seed is also `fine_tune`'s).
    device, root, verbose
        As for `fine_tune`.
    cached_only : bool
        Load the model from the cache or fail (`fit`): never train.

    Returns
    -------
    Trained, dict of str to data.Dataset
        The model and the parts of the data it was trained and evaluated on.
    """
    job = prepare(run, train, seed, min_eval_per_class, max_sequences)
    trained = fit(job, device, root, verbose, cached_only=cached_only)
    warn_one_class(trained, run)
    warn_length_only(trained, job.parts["evaluation"], run, seed=seed)
    return trained, job.parts


def max_tokens(name, settings):
    """Most tokens a model reads, [CLS] and [SEP] included (None: no limit, the CNN)."""
    if name == "cnn":
        return None
    limit = settings["max_length"]
    config = Path(str(settings["source"])) / "config.json"
    if config.is_file():
        limit = min(limit, json.loads(config.read_text()).get("max_position_embeddings", limit))
    return limit


def fit_length(job):
    """Cut the job's sequences longer than the model accepts, the same way for every chapter.

    A sequence whose tokens exceed `max_tokens` keeps the nucleotides its first tokens cover;
    the count of cut sequences is printed. A part with no cut sequence keeps its tokenisation
    as the job's input, so training and evaluation read it without tokenising again. The job's
    tokenizer is made here (None for the CNN).

    Parameters
    ----------
    job : Job
        Changed in place: ``tokenizer``, ``parts`` (long sequences cut) and ``inputs``.
    """
    settings = job.settings
    job.tokenizer = tokenizer_for(job.model, settings["source"], settings["k"])
    limit = max_tokens(job.model, settings)
    if limit is None:
        return
    job.parts = dict(job.parts)  # the caller's mapping stays as it was
    for part, d in job.parts.items():
        tokens = tokenize(job.tokenizer, d.sequences, max_length=limit, truncate=True)
        long = sum(a != b for a, b in zip(tokens.sequences, d.sequences))
        if long:
            print(
                f"  {part}: {long:,} of {len(d):,} sequences are longer than the model's "
                f"{limit} tokens and were cut to their first {limit} tokens"
            )
            # tokenised again from the cut sequences, as every later reader of them does
            job.parts[part] = replace(d, sequences=tokens.sequences)
        else:
            job.inputs[part] = tokens


def runs_on_class(
    runs, train, cls, n, seed=0, min_eval_per_class=500, max_sequences=0, device=None, verbose=False
):
    """Models of several runs on one dataset, and the same evaluation sequences for all of them.

    Parameters
    ----------
    runs : list of str
        ``"model:dataset"`` runs that all use the same dataset.
    train : dict
        The profile's training settings (see `settings_for`).
    cls : str or None
        Class whose sequences are drawn, e.g. ``"motif"``; None draws from every class.
    n : int
        Sequences drawn from the evaluation part: of ``cls`` (`data.sample_class`), or without
        it of every class, fewer where the smallest class has fewer (`data.sample`).
    seed, min_eval_per_class, max_sequences, device, verbose
        As for `run`.

    Returns
    -------
    trained : dict of str to Trained
        By run.
    chosen : data.Dataset
        The drawn sequences.
    table : pandas.DataFrame
        Per run: parameters, evaluation accuracy (overall, then per class: negatives and
        positives with ``cls``, by class name without), sequences drawn, and the share of them
        the model calls ``cls`` (with ``cls``) or how many it classifies correctly (without).
    """
    from .. import data

    trained, chosen, rows = {}, None, []
    for name in runs:
        t, parts = run(
            name,
            train,
            seed=seed,
            min_eval_per_class=min_eval_per_class,
            max_sequences=max_sequences,
            device=device,
            verbose=verbose,
        )
        evaluation = parts["evaluation"]
        picked = (
            data.sample(evaluation, min(n, int(evaluation.counts().min())), seed=seed)
            if cls is None
            else data.sample_class(evaluation, cls, n, seed=seed)
        )
        if chosen is not None and picked.sequences != chosen.sequences:
            raise ValueError(f"{name} draws other sequences than {runs[0]}: use one dataset")
        chosen, trained[name] = picked, t
        called = (
            models.predict(t.model, encode(t.tokenizer, picked.sequences), device=device)
            .argmax(1)
            .numpy()
        )
        row = {
            "run": name,
            "parameters": sum(p.numel() for p in t.model.parameters()),
            "accuracy (evaluation part)": t.metrics["accuracy"],
        }
        if cls is None:
            row.update(
                {f"accuracy ({c})": t.metrics[f"accuracy_{i}"] for i, c in enumerate(t.classes)}
            )
            row.update(
                {
                    "sequences explained": len(picked),
                    "correct among them": int((called == picked.labels).sum()),
                }
            )
        else:
            row.update(
                {
                    "accuracy (negatives)": t.metrics["accuracy_0"],
                    "accuracy (positives)": t.metrics["accuracy_1"],
                    "sequences explained": len(picked),
                    f"called {cls} among them": float((called == picked.classes.index(cls)).mean()),
                }
            )
        rows.append(row)
    return trained, chosen, pd.DataFrame(rows).set_index("run")
