"""Fine-tuning with Hugging Face ``Trainer``, evaluation metrics, and a checkpoint cache.

`fine_tune` trains DNABERT, DNABERT-2 or the CNN on the parts made by `data.splits` and keeps
the best epoch (by validation accuracy). The finished model lives in the cache under a key made
from the model, its source, the data and the settings, so a second build loads it instead of
training again; a run that was interrupted resumes from its last epoch checkpoint.
"""

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn import metrics as skm
from transformers import PrinterCallback, Trainer, TrainingArguments
from transformers.utils import logging as hf_logging

from . import cache, models
from .tokenizers import Tokenization, dnabert2_tokenizer, dnabert_tokenizer, encode

# Settings of the paper's DNABERT fine-tuning; profiles override what they need.
DEFAULTS = dict(
    source="mini",
    epochs=5,
    batch_size=48,
    learning_rate=2e-4,
    weight_decay=0.01,
    warmup=0.1,
    max_length=512,
    max_train=0,
    precision="auto",
    accumulation=1,
)
PRECISIONS = ("auto", "fp32", "bf16", "fp16")  # auto: fp16 on CUDA, fp32 elsewhere


@dataclass
class Trained:
    """A fine-tuned model and how it got there.

    Attributes
    ----------
    model : transformers.PreTrainedModel
        In eval mode, on the device asked for.
    tokenizer : transformers tokenizer or None
        None for the CNN (one-hot input).
    history : pandas.DataFrame
        One row per logged step or epoch: ``epoch``, ``loss``, ``eval_loss``, ``eval_accuracy``...
    metrics : dict
        `classification_metrics` on the evaluation part.
    path : pathlib.Path
        The cached checkpoint directory.
    settings : dict
        The settings it was trained with.
    classes : tuple of str
        Class names; position = label.
    """

    model: object
    tokenizer: object
    history: pd.DataFrame
    metrics: dict
    path: Path
    settings: dict
    classes: tuple


def tokenizer_for(name, source="mini", k=6):
    """The tokenizer that matches a model: k-mers for DNABERT, BPE for DNABERT-2, None for the CNN.

    A local checkpoint directory or hub id is used for the tokenizer too when it holds one.
    """
    if name == "cnn":
        return None
    presets = models.DNABERT_CONFIGS if name == "dnabert" else models.DNABERT2_CONFIGS
    own = None if str(source) in presets else source
    if name == "dnabert":
        return dnabert_tokenizer(k=k, source=own)
    if name == "dnabert2":
        return dnabert2_tokenizer(source=own)
    raise ValueError(f"unknown model {name!r}; choose one of {', '.join(models.BUILDERS)}")


class _Encoded(torch.utils.data.Dataset):
    """Model inputs and labels as the per-example dicts ``Trainer`` collates."""

    def __init__(self, inputs, labels):
        self.inputs, self.labels = inputs, torch.as_tensor(labels)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        if isinstance(self.inputs, Tokenization):
            return {"input_ids": self.inputs.input_ids[i],
                    "attention_mask": self.inputs.attention_mask[i], "labels": self.labels[i]}
        return {"one_hot": self.inputs[i], "labels": self.labels[i]}


def classification_metrics(logits, labels):
    """Accuracy, per-class accuracy, F1, MCC, AUROC and the confusion matrix.

    Parameters
    ----------
    logits : torch.Tensor or numpy.ndarray, shape (n, classes)
    labels : array-like of int, shape (n,)

    Returns
    -------
    dict
        ``accuracy``, ``accuracy_<c>`` per class index c, ``f1`` (positive class for two
        classes, macro otherwise), ``mcc``, ``auroc`` (one-vs-rest macro for more than two
        classes; NaN when a class is absent) and ``confusion`` (list of rows: true class,
        columns: predicted class).
    """
    logits = torch.as_tensor(np.asarray(logits), dtype=torch.float64)
    labels = np.asarray(labels)
    probs = torch.softmax(logits, -1).numpy()
    predicted = probs.argmax(1)
    classes = logits.shape[1]
    out = {"accuracy": float((predicted == labels).mean())}
    for c in range(classes):
        members = labels == c
        out[f"accuracy_{c}"] = float((predicted[members] == c).mean()) if members.any() else np.nan
    binary = classes == 2
    out["f1"] = float(skm.f1_score(labels, predicted, average="binary" if binary else "macro",
                                   labels=list(range(classes)), zero_division=0))
    out["mcc"] = float(skm.matthews_corrcoef(labels, predicted))
    present = np.unique(labels)
    if len(present) < classes:
        out["auroc"] = np.nan
    elif binary:
        out["auroc"] = float(skm.roc_auc_score(labels, probs[:, 1]))
    else:
        out["auroc"] = float(skm.roc_auc_score(labels, probs, multi_class="ovr"))
    out["confusion"] = skm.confusion_matrix(labels, predicted, labels=list(range(classes))).tolist()
    return out


def evaluate(model, tokenizer, dataset, max_length=512, batch_size=64, device=None, verbose=False):
    """`classification_metrics` of a model on a `data.Dataset`."""
    inputs = encode(tokenizer, dataset.sequences, max_length=max_length, truncate=True)
    logits = models.predict(model, inputs, batch_size=batch_size, device=device, verbose=verbose)
    return classification_metrics(logits, dataset.labels)


def _identity(dataset):
    return {"name": dataset.name, "split": dataset.split, "sequences": dataset.sequences,
            "labels": dataset.labels}


def checkpoint_key(name, parts, settings, seed):
    """Cache key of a fine-tuned model: model, source, data, settings, seed and training code."""
    code = cache.source_digest(["training.py"])
    return cache.key({"model": name, "settings": settings, "seed": seed, "code": code,
                      **{part: _identity(d) for part, d in parts.items()}})


def _arguments(output_dir, settings, seed, device, verbose, steps_per_epoch):
    cuda = torch.device(device).type == "cuda"
    precision = settings["precision"]
    return TrainingArguments(
        output_dir=str(output_dir),
        num_train_epochs=settings["epochs"],
        # smaller forward passes, same optimiser batch: on CPU, attention over 500 tokens costs
        # less per sequence in micro-batches of 16 than in one batch of 32
        per_device_train_batch_size=settings["batch_size"] // settings["accumulation"],
        gradient_accumulation_steps=settings["accumulation"],
        per_device_eval_batch_size=2 * settings["batch_size"],
        learning_rate=settings["learning_rate"],
        weight_decay=settings["weight_decay"],
        warmup_steps=settings["warmup"],
        eval_strategy="epoch",
        save_strategy="epoch",
        logging_strategy="steps",
        logging_steps=max(1, steps_per_epoch // 4),
        load_best_model_at_end=True,
        metric_for_best_model="accuracy",
        save_total_limit=2,
        seed=seed,
        data_seed=seed,
        report_to="none",
        disable_tqdm=not verbose,
        use_cpu=not cuda,
        fp16=precision == "fp16" or (precision == "auto" and cuda),
        bf16=precision == "bf16",
        dataloader_pin_memory=cuda,
        remove_unused_columns=False,
    )


def fine_tune(name, parts, settings=None, seed=0, device=None, root=None, verbose=False,
              callbacks=None):
    """Fine-tune a model on a task, or load it from the checkpoint cache.

    Parameters
    ----------
    name : {"dnabert", "dnabert2", "cnn"}
        Which model.
    parts : dict of str to data.Dataset
        ``"train"``, ``"validation"`` and ``"evaluation"``, e.g. from `data.splits`.
    settings : dict, optional
        Overrides of `DEFAULTS`: ``source`` (a named config, a checkpoint directory or a hub
        id), ``epochs``, ``batch_size``, ``learning_rate``, ``weight_decay``, ``warmup``
        (fraction of steps), ``max_length`` (tokens; longer sequences are truncated) and
        ``max_train`` (cap on training sequences, 0 = all) and ``precision`` (mixed precision:
        ``"auto"`` is fp16 on CUDA and fp32 elsewhere; ``"bf16"`` about halves the time of a
        step on CPUs with AVX512-BF16 or AMX) and ``accumulation`` (micro-batches per optimiser
        step; ``batch_size`` must be a multiple of it).
    seed : int
        Seed of initialisation, data order and dropout.
    device : str or torch.device, optional
        Where to train; CUDA when available, else the CPU.
    root : str or Path, optional
        Cache root (see `cache.cache_dir`); models go to ``<root>/models/<key>``.
    verbose : bool
        Show Trainer's progress bars and logs.
    callbacks : list of transformers.TrainerCallback, optional
        Passed to ``Trainer`` (early stopping, custom logging).

    Returns
    -------
    Trained
    """
    unknown = set(settings or {}) - set(DEFAULTS)
    if unknown:
        raise KeyError(f"unknown training settings {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    settings = {**DEFAULTS, **(settings or {})}
    if settings["precision"] not in PRECISIONS:
        raise ValueError(f"training precision must be one of {PRECISIONS}, "
                         f"got {settings['precision']!r}")
    if settings["accumulation"] < 1 or settings["batch_size"] % settings["accumulation"]:
        raise ValueError(f"batch_size {settings['batch_size']} must be a positive multiple of "
                         f"accumulation {settings['accumulation']}")
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    tokenizer = tokenizer_for(name, settings["source"])
    final = cache.cache_dir(root) / "models" / checkpoint_key(name, parts, settings, seed)
    bars, level = hf_logging.is_progress_bar_enabled(), hf_logging.get_verbosity()
    if not verbose:
        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    try:
        if not (final / "metrics.json").is_file():
            _train(name, parts, settings, seed, device, tokenizer, final, verbose, callbacks)
        model = models.build(name, final, num_labels=len(parts["train"].classes))
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()
    model = model.to(device).eval()
    return Trained(model, tokenizer, pd.read_json(final / "history.json"),
                   json.loads((final / "metrics.json").read_text()), final, settings,
                   parts["train"].classes)


def _train(name, parts, settings, seed, device, tokenizer, final, verbose, callbacks):
    torch.manual_seed(seed)
    classes = len(parts["train"].classes)
    model = models.build(name, settings["source"], num_labels=classes)
    if tokenizer is not None:
        models.check_vocab(model, len(tokenizer))
    train = parts["train"]
    if settings["max_train"] and len(train) > settings["max_train"]:
        keep = np.random.default_rng(seed).choice(len(train), settings["max_train"], replace=False)
        train = train.subset(np.sort(keep))

    def encoded(dataset):
        inputs = encode(tokenizer, dataset.sequences, max_length=settings["max_length"],
                        truncate=True)
        return _Encoded(inputs, dataset.labels)

    work = final.with_name(final.name + ".work")  # epoch checkpoints, kept for resuming
    steps = -(-len(train) // settings["batch_size"])
    trainer = Trainer(
        model=model,
        args=_arguments(work, settings, seed, device, verbose, steps),
        train_dataset=encoded(train),
        eval_dataset=encoded(parts["validation"]),
        compute_metrics=lambda p: {"accuracy": float((p.predictions.argmax(-1) == p.label_ids).mean())},
        callbacks=callbacks,
    )
    if not verbose:
        trainer.remove_callback(PrinterCallback)
    resume = work.is_dir() and any(work.glob("checkpoint-*"))
    trainer.train(resume_from_checkpoint=True if resume else None)
    if trainer.is_world_process_zero():  # under torchrun, one process writes the model
        _save(trainer, tokenizer, parts, settings, device, final, work, verbose)
    trainer.accelerator.wait_for_everyone()


def _save(trainer, tokenizer, parts, settings, device, final, work, verbose):
    evaluation = evaluate(trainer.model, tokenizer, parts["evaluation"],
                          max_length=settings["max_length"], device=device, verbose=verbose)
    # Write everything beside the final name, then rename: a crash leaves no half model.
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}."))
    trainer.model.save_pretrained(staging)
    pd.DataFrame(trainer.state.log_history).to_json(staging / "history.json")
    (staging / "metrics.json").write_text(json.dumps(evaluation, indent=1))
    if final.exists():
        shutil.rmtree(final)
    os.replace(staging, final)
    shutil.rmtree(work, ignore_errors=True)


def settings_for(train, run):
    """Training settings of a ``"model:dataset"`` run from a profile's ``train`` mapping.

    ``train`` is keyed by model (``"dnabert"``) and optionally by run
    (``"dnabert:human_enhancers_cohn"``); the run's entries override the model's.
    """
    model_name = run.split(":")[0]
    return {**train.get(model_name, {}), **train.get(run, {})}


def run(run, train, seed=0, min_eval_per_class=500, max_sequences=0, device=None, root=None,
        verbose=False):
    """Fine-tune (or load from the cache) the model of a ``"model:dataset"`` run.

    Every chapter that needs a trained model calls this with its profile's parameters, so all
    of them get the same model, trained once.

    Parameters
    ----------
    run : str
        ``"<model>:<dataset>"``, e.g. ``"dnabert:human_nontata_promoters"``.
    train : dict
        The profile's training settings (see `settings_for`).
    seed, min_eval_per_class, max_sequences
        As for `data.splits` (and `fine_tune`'s seed).
    device, root, verbose
        As for `fine_tune`.

    Returns
    -------
    Trained, dict of str to data.Dataset
        The model and the parts of the data it was trained and evaluated on.
    """
    from . import data

    if run.count(":") != 1:
        raise ValueError(f"a run is 'model:dataset', e.g. 'dnabert:human_nontata_promoters'; got {run!r}")
    model_name, dataset = run.split(":")
    parts = data.splits(dataset, seed=seed, min_eval_per_class=min_eval_per_class,
                        max_sequences=max_sequences)
    trained = fine_tune(model_name, parts, settings_for(train, run), seed=seed, device=device,
                        root=root, verbose=verbose)
    return trained, parts


def runs_on_class(runs, train, cls, n, seed=0, min_eval_per_class=500, max_sequences=0,
                  device=None, verbose=False):
    """Models of several runs on one dataset, and the same ``n`` evaluation sequences of ``cls``.

    Parameters
    ----------
    runs : list of str
        ``"model:dataset"`` runs that all use the same dataset.
    train : dict
        The profile's training settings (see `settings_for`).
    cls : str
        Class whose sequences are drawn, e.g. ``"motif"``.
    n : int
        Sequences drawn from the evaluation part (`data.sample_class`).
    seed, min_eval_per_class, max_sequences, device, verbose
        As for `run`.

    Returns
    -------
    trained : dict of str to Trained
        By run.
    chosen : data.Dataset
        The drawn sequences.
    table : pandas.DataFrame
        Per run: parameters, evaluation accuracy (overall, negatives, positives), sequences
        drawn and the share of them the model calls ``cls``.
    """
    from . import data
    from .tokenizers import encode

    trained, chosen, rows = {}, None, []
    for name in runs:
        t, parts = run(name, train, seed=seed, min_eval_per_class=min_eval_per_class,
                       max_sequences=max_sequences, device=device, verbose=verbose)
        picked = data.sample_class(parts["evaluation"], cls, n, seed=seed)
        if chosen is not None and picked.sequences != chosen.sequences:
            raise ValueError(f"{name} draws other sequences than {runs[0]}: use one dataset")
        chosen, trained[name] = picked, t
        called = models.predict(t.model, encode(t.tokenizer, picked.sequences), device=device)
        rows.append({"run": name, "parameters": sum(p.numel() for p in t.model.parameters()),
                     "accuracy (evaluation part)": t.metrics["accuracy"],
                     "accuracy (negatives)": t.metrics["accuracy_0"],
                     "accuracy (positives)": t.metrics["accuracy_1"],
                     "sequences explained": len(picked),
                     f"called {cls} among them": float(
                         (called.argmax(1).numpy() == picked.classes.index(cls)).mean())})
    return trained, chosen, pd.DataFrame(rows).set_index("run")


def main(argv=None):
    """Command line: train every run of a profile into the cache (e.g. under torchrun)."""
    import argparse

    from . import params

    parser = argparse.ArgumentParser(
        prog="python -m dnaexplain.training",
        description="Fine-tune the runs of a parameter set into the checkpoint cache; the book "
                    "then loads them. Multi-GPU: torchrun --nproc_per_node N -m dnaexplain.training")
    parser.add_argument("--profile", default="cpu", help="params/<profile>.yml (default cpu)")
    parser.add_argument("--runs", nargs="*", help="'model:dataset' runs (default: the profile's)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    p = params.load_profile(args.profile)
    for name in args.runs or p["runs"]:
        trained, _ = run(name, p["train"], seed=p["seed"], max_sequences=p["max_sequences"],
                         min_eval_per_class=p["min_eval_per_class"], verbose=args.verbose)
        print(f"{name}: accuracy {trained.metrics['accuracy']:.3f} ({trained.path})")


if __name__ == "__main__":
    main()
