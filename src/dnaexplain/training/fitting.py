"""Fine-tuning with Hugging Face ``Trainer`` into a checkpoint cache.

`fine_tune` trains DNABERT, DNABERT-2 or the CNN on the parts made by `data.splits` and keeps
the best epoch (by validation accuracy). The finished model lives in the cache under a key made
from the model, its source, the data and the settings, so a second build loads it instead of
training again; a run that was interrupted resumes from its last epoch checkpoint.
"""

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from transformers import PrinterCallback, Trainer, TrainingArguments
from transformers.utils import logging as hf_logging

from .. import cache, models
from ..defaults import DEFAULTS, check_settings, resolve_precision
from ..tokenizers import Tokenization, encode
from .scores import classification_metrics, evaluate
from .sources import checkpoint_digest, checkpoint_k, checkpoint_labels, tokenizer_for


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
    key : str
        Identity of the model's weights (the cache key, or a digest of an as-is checkpoint's
        files), for keying results computed from it.
    """

    model: object
    tokenizer: object
    history: pd.DataFrame
    metrics: dict
    path: Path
    settings: dict
    classes: tuple
    key: str = ""


@dataclass
class Job:
    """What one fine-tuning reads at every step, made once: the model's name, the data parts,
    the settings, the seed, the tokenizer and the parts' model inputs.

    Attributes
    ----------
    model : {"dnabert", "dnabert2", "cnn"}
    parts : dict of str to data.Dataset
        ``"train"``, ``"validation"`` and ``"evaluation"``.
    settings : dict
        Every setting of `DEFAULTS`, checked.
    seed : int
    tokenizer : transformers tokenizer or None
        None for the CNN.
    inputs : dict of str to Tokenization or torch.Tensor
        Model input of a part, by part name: filled on first use (`encoded`), or up front by
        whoever tokenised the part already (`runs.fit_length`).
    """

    model: str
    parts: dict
    settings: dict
    seed: int = 0
    tokenizer: object = None
    inputs: dict = field(default_factory=dict)

    def encoded(self, part):
        """Model input of one part, encoded once."""
        if part not in self.inputs:
            self.inputs[part] = encode(
                self.tokenizer,
                self.parts[part].sequences,
                max_length=self.settings["max_length"],
                truncate=True,
            )
        return self.inputs[part]


class _Examples(torch.utils.data.Dataset):
    """Model inputs and labels as the per-example dicts ``Trainer`` collates."""

    def __init__(self, inputs, labels):
        self.inputs, self.labels = inputs, torch.as_tensor(labels)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        if isinstance(self.inputs, Tokenization):
            return {
                "input_ids": self.inputs.input_ids[i],
                "attention_mask": self.inputs.attention_mask[i],
                "labels": self.labels[i],
            }
        return {"one_hot": self.inputs[i], "labels": self.labels[i]}


def _identity(dataset):
    return {
        "name": dataset.name,
        "split": dataset.split,
        "sequences": dataset.sequences,
        "labels": dataset.labels,
    }


def checkpoint_key(name, parts, settings, seed):
    """Cache key of a fine-tuned model: model, the source's files, data, settings, seed and the
    training code."""
    code = cache.source_digest(["training"])
    settings = {**settings, "source": checkpoint_digest(settings["source"])}
    return cache.key(
        {
            "model": name,
            "settings": settings,
            "seed": seed,
            "code": code,
            **{part: _identity(d) for part, d in parts.items()},
        }
    )


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
        fp16=precision == "fp16",
        bf16=precision == "bf16",
        dataloader_pin_memory=cuda,
        remove_unused_columns=False,
    )


def fine_tune(
    name, parts, settings=None, seed=0, device=None, root=None, verbose=False, callbacks=None
):
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
        ``"auto"`` is fp16 on CUDA and fp32 elsewhere; ``"bf16"`` speeds a step up on CPUs
        with AVX512-BF16 or AMX and slows it down on others, where it is emulated
        (`benchmarks/training.py` measures both); ``"fast"`` picks
        bf16 only where the CPU runs it natively: `defaults.resolve_precision`, which also
        gives the value the cache key holds) and ``accumulation`` (micro-batches per optimiser
        step; ``batch_size`` must be a multiple of it); ``finetune`` (False: use the checkpoint
        as it is, only evaluated), ``k`` (DNABERT's k-mer length; default read off the
        checkpoint) and ``num_labels`` (classes of the head; must match the data).
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
    return fit(
        Job(name, parts, settings or {}, seed), device, root, verbose=verbose, callbacks=callbacks
    )


def fit(job, device=None, root=None, verbose=False, callbacks=None, cached_only=False):
    """`fine_tune` for a prepared `Job` (whose tokenizer and inputs it reuses); with
    ``cached_only``, a model not in the cache is a FileNotFoundError instead of a training run.

    Returns
    -------
    Trained
    """
    name, parts = job.model, job.parts
    unknown = set(job.settings) - set(DEFAULTS)
    if unknown:
        raise KeyError(f"unknown training settings {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    settings = {**DEFAULTS, **job.settings}
    check_settings(settings, where=f"train.{name}")
    classes = parts["train"].classes
    labels = settings["num_labels"] or len(classes)
    if labels != len(classes):
        raise ValueError(
            f"num_labels is {labels} but the data has {len(classes)} classes "
            f"({', '.join(classes)}); set num_labels to {len(classes)} or give data "
            f"with {labels} classes"
        )
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    # the precision the device runs, not the setting's name, goes into the cache key
    settings["precision"] = resolve_precision(settings["precision"], device)
    job.settings = settings
    if not settings["finetune"]:
        return _as_is(job, device, root, verbose)
    if job.tokenizer is None:  # None again for the CNN
        job.tokenizer = tokenizer_for(name, settings["source"], settings["k"])
    key = checkpoint_key(name, parts, settings, job.seed)
    final = cache.cache_dir(root) / "models" / key
    bars, level = hf_logging.is_progress_bar_enabled(), hf_logging.get_verbosity()
    if not verbose:
        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    try:
        with _lock(final):
            model = _load_cached(name, final, len(classes))
            if model is None and cached_only:
                raise FileNotFoundError(
                    f"the {name} model is not in the checkpoint cache ({final})"
                )
            if model is None:
                final = _train(job, final, device, verbose, callbacks)
                model = _build(name, final, len(classes))
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()
    model = model.to(device).eval()
    return Trained(
        model,
        job.tokenizer,
        pd.read_json(final / "history.json"),
        json.loads((final / "metrics.json").read_text()),
        final,
        settings,
        classes,
        key,
    )


def _load_cached(name, final, num_labels):
    """The cached model, or None when there is none or it is damaged (then it is removed)."""
    if not (final / "metrics.json").is_file():
        return None
    try:
        json.loads((final / "metrics.json").read_text())
        pd.read_json(final / "history.json")
        return _build(name, final, num_labels)
    except Exception as err:  # any damage (truncated weights, garbled json) means retrain
        warnings.warn(
            f"cached model {final} is damaged ({type(err).__name__}: {err}); training it again",
            stacklevel=2,
        )
        try:
            shutil.rmtree(final)
        except OSError:
            raise RuntimeError(
                f"cached model {final} is damaged and cannot be removed: "
                "delete that folder and run again"
            ) from err
        return None


@contextlib.contextmanager
def _lock(final):
    """Hold an exclusive lock on a cache key while it is checked and trained, so two builds
    computing the same model at once never store a mixture; no lock on a read-only cache."""
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        handle = open(final.with_name(final.name + ".lock"), "a")
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _as_is(job, device, root, verbose):
    """A checkpoint used as it is: loaded, checked against the data, evaluated (cached)."""
    name, settings = job.model, job.settings
    source = settings["source"]
    classes = job.parts["train"].classes
    head = checkpoint_labels(source)
    if head is not None and head != len(classes):
        raise ValueError(
            f"the checkpoint {source} classifies {head} labels but the data has "
            f"{len(classes)} classes ({', '.join(classes)}); give data with "
            f"{head} classes, or fine-tune it (finetune: true) for a new head"
        )
    if str(source) in (
        models.DNABERT_CONFIGS
        if name == "dnabert"
        else models.DNABERT2_CONFIGS
        if name == "dnabert2"
        else models.CNN_CONFIGS
    ):
        warnings.warn(
            f"finetune: false with the named config {source!r} explains an untrained "
            "model: its explanations mean nothing",
            stacklevel=2,
        )
    tokenizer = tokenizer_for(name, source, settings["k"])
    model = _build(name, source, len(classes), settings["k"])
    if tokenizer is not None:
        models.check_vocab(model, len(tokenizer))
    model = model.to(device).eval()
    key = cache.key({"model": name, "checkpoint": checkpoint_digest(source)})
    evaluation = job.parts["evaluation"]
    metrics = cache.cached(
        "evaluation",
        {"checkpoint": key, "data": _identity(evaluation), "max_length": settings["max_length"]},
        lambda: evaluate(
            model,
            tokenizer,
            evaluation,
            max_length=settings["max_length"],
            device=device,
            verbose=verbose,
        ),
        root=root,
        code=["training"],
    )
    return Trained(
        model, tokenizer, pd.DataFrame(), metrics, Path(str(source)), settings, classes, key
    )


def _train(job, final, device, verbose, callbacks):
    """Train and save into ``final`` (or, on a read-only cache, a temporary folder); returns
    the folder the model was saved in."""
    settings, seed = job.settings, job.seed
    torch.manual_seed(seed)
    classes = len(job.parts["train"].classes)
    source = settings["source"]
    head = checkpoint_labels(source)
    overrides = {}
    if head is not None and head != classes:
        print(f"note: {source} has a {head}-label head; a new {classes}-label head is trained")
        overrides["ignore_mismatched_sizes"] = True
    model = _build(job.model, source, classes, settings["k"], **overrides)
    if job.tokenizer is not None:
        models.check_vocab(model, len(job.tokenizer))
    train, inputs = job.parts["train"], None
    if settings["max_train"] and len(train) > settings["max_train"]:
        keep = np.random.default_rng(seed).choice(len(train), settings["max_train"], replace=False)
        train = train.subset(np.sort(keep))
        inputs = encode(
            job.tokenizer, train.sequences, max_length=settings["max_length"], truncate=True
        )
    if not _writable(final.parent):
        scratch = Path(tempfile.mkdtemp(prefix="dnaexplain-model-"))
        warnings.warn(
            f"the model cache {final.parent} is read-only: training into {scratch}; "
            "the model is used but not kept",
            stacklevel=2,
        )
        final = scratch / final.name
    work = final.with_name(final.name + ".work")  # epoch checkpoints, kept for resuming
    steps = -(-len(train) // settings["batch_size"])
    trainer = Trainer(
        model=model,
        args=_arguments(work, settings, seed, device, verbose, steps),
        train_dataset=_Examples(job.encoded("train") if inputs is None else inputs, train.labels),
        eval_dataset=_Examples(job.encoded("validation"), job.parts["validation"].labels),
        compute_metrics=lambda p: {
            "accuracy": float((p.predictions.argmax(-1) == p.label_ids).mean())
        },
        callbacks=callbacks,
    )
    # Every model here returns the mean loss of its micro-batch and ignores Trainer's
    # num_items_in_batch. BertForSequenceClassification's forward takes **kwargs, so Trainer
    # would take its loss as already normalised over the accumulated micro-batches and sum
    # them: the gradient and the logged loss `accumulation` times too large. Without loss
    # kwargs Trainer divides each micro-batch's loss by the accumulation steps: the mean.
    trainer.model_accepts_loss_kwargs = False
    if not verbose:
        trainer.remove_callback(PrinterCallback)
    resume = work.is_dir() and any(work.glob("checkpoint-*"))
    trainer.train(resume_from_checkpoint=True if resume else None)
    if trainer.is_world_process_zero():  # under torchrun, one process writes the model
        _save(trainer, job, final, work, device, verbose)
    trainer.accelerator.wait_for_everyone()
    return final


def _build(name, source, num_labels, k=None, **overrides):
    """`models.build` with DNABERT's k read off the checkpoint unless given."""
    if name == "dnabert":
        overrides["k"] = k or checkpoint_k(source)
    return models.build(name, source, num_labels=num_labels, **overrides)


def _writable(folder):
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def _save(trainer, job, final, work, device, verbose):
    # without the autocast wrapper Trainer puts on forward under bf16 / fp16: the evaluation
    # is then the float32 one a reader gets from the saved checkpoint
    model = trainer.accelerator.unwrap_model(trainer.model, keep_fp32_wrapper=False)
    logits = models.predict(model, job.encoded("evaluation"), device=device, verbose=verbose)
    evaluation = classification_metrics(logits, job.parts["evaluation"].labels)
    # Write everything beside the final name, then rename: a crash leaves no half model.
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}."))
    model.save_pretrained(staging)
    if job.tokenizer is not None:  # the folder is then a checkpoint anyone can load
        job.tokenizer.save_pretrained(staging)
    pd.DataFrame(trainer.state.log_history).to_json(staging / "history.json")
    (staging / "metrics.json").write_text(json.dumps(evaluation, indent=1))
    cache.share(staging)
    if final.exists():
        shutil.rmtree(final)
    os.replace(staging, final)
    shutil.rmtree(work, ignore_errors=True)
