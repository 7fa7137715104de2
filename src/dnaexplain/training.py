"""Fine-tuning with Hugging Face ``Trainer``, evaluation metrics, and a checkpoint cache.

`fine_tune` trains DNABERT, DNABERT-2 or the CNN on the parts made by `data.splits` and keeps
the best epoch (by validation accuracy). The finished model lives in the cache under a key made
from the model, its source, the data and the settings, so a second build loads it instead of
training again; a run that was interrupted resumes from its last epoch checkpoint.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn import metrics as skm
from transformers import PrinterCallback, Trainer, TrainingArguments
from transformers.utils import logging as hf_logging

from . import cache, models
from .defaults import DEFAULTS, check_settings, resolve_precision
from .sequences import random_sequences
from .tokenizers import Tokenization, dnabert2_tokenizer, dnabert_tokenizer, encode, tokenize

CHECKPOINT_FILES = (
    "config.json",
    "model.safetensors",
    "pytorch_model.bin",
    "vocab.txt",
    "tokenizer.json",
)
ONE_CLASS = 0.95  # a model calling this share of sequences one class gets a warning


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


def tokenizer_for(name, source="mini", k=None):
    """The tokenizer that matches a model: k-mers for DNABERT, BPE for DNABERT-2, None for the CNN.

    Parameters
    ----------
    name : {"dnabert", "dnabert2", "cnn"}
    source : str or Path
        A named config, a checkpoint directory or a hub id. A DNABERT directory's tokenizer is
        read from its ``vocab.txt``, else its ``tokenizer.json``, else rebuilt from k; a
        DNABERT-2 directory's from its ``tokenizer.json``, else the released one.
    k : int, optional
        DNABERT's k; by default 6 for named configs, else read off the checkpoint's vocabulary.
    """
    if name == "cnn":
        return None
    if name not in models.BUILDERS:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(models.BUILDERS)}")
    presets = models.DNABERT_CONFIGS if name == "dnabert" else models.DNABERT2_CONFIGS
    folder = Path(str(source)) if str(source) not in presets else None
    if name == "dnabert2":
        if folder is not None and not folder.is_dir():
            return dnabert2_tokenizer(source=source)  # hub id
        own = folder is not None and (folder / "tokenizer.json").is_file()
        return dnabert2_tokenizer(source=folder if own else None)
    k = k or checkpoint_k(source)
    if folder is None:
        return dnabert_tokenizer(k=k)
    if not folder.is_dir():
        return dnabert_tokenizer(k=k, source=source)  # hub id
    for file in ("vocab.txt", "tokenizer.json"):
        if (folder / file).is_file():
            return dnabert_tokenizer(k=k, source=folder / file)
    warnings.warn(
        f"{folder} has no vocab.txt or tokenizer.json: its token ids are read in "
        f"DNABERT's own {k}-mer order; copy the vocabulary it was trained with into "
        "the folder if it used another",
        stacklevel=2,
    )
    return dnabert_tokenizer(k=k)


def checkpoint_k(source):
    """DNABERT's k: 6 for named configs and hub ids, else read off ``config.json``'s vocabulary
    size (5 + 4**k)."""
    config = Path(str(source)) / "config.json"
    if not config.is_file():
        return 6
    size = json.loads(config.read_text()).get("vocab_size")
    k = next((k for k in (3, 4, 5, 6) if 5 + 4**k == size), None)
    if k is None:
        raise ValueError(
            f"{source}: a vocabulary of {size} tokens is no DNABERT k-mer "
            "vocabulary (5 + 4**k for k = 3..6)"
        )
    return k


def checkpoint_labels(source):
    """Number of labels of a checkpoint directory's classification head (None: unknown)."""
    config = Path(str(source)) / "config.json"
    if not config.is_file():
        return None
    meta = json.loads(config.read_text())
    if "id2label" in meta:
        return len(meta["id2label"])
    return meta.get("num_labels", 2)  # transformers leaves its default of 2 out of the file


def checkpoint_digest(source):
    """Digest of a checkpoint directory's files (weights, config, vocabulary), so a checkpoint
    replaced at the same path makes a new cache key; named configs and hub ids by name."""
    folder = Path(str(source))
    if not folder.is_dir():
        return str(source)
    h = hashlib.sha256()
    index = next((folder / i for i in models.SHARD_INDEXES if (folder / i).is_file()), None)
    shards = sorted(set(json.loads(index.read_text())["weight_map"].values())) if index else []
    for name in (*CHECKPOINT_FILES, *models.SHARD_INDEXES, *shards):
        if (folder / name).is_file():
            h.update(name.encode() + b"\0")
            with open(folder / name, "rb") as f:
                while chunk := f.read(1 << 24):
                    h.update(chunk)
    return h.hexdigest()[:24]


class _Encoded(torch.utils.data.Dataset):
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
    out["f1"] = float(
        skm.f1_score(
            labels,
            predicted,
            average="binary" if binary else "macro",
            labels=list(range(classes)),
            zero_division=0,
        )
    )
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


def class_accuracy(trained):
    """Per class of a trained model's evaluation part: how many, how many called right.

    Parameters
    ----------
    trained : Trained

    Returns
    -------
    pandas.DataFrame
        One row per class in label order: ``class`` (its name), ``sequences``, ``accuracy``
        (the share called this class; missing when it has none) and ``called`` (the share of
        all sequences the model calls this class).
    """
    confusion = np.asarray(trained.metrics["confusion"], dtype=float)
    sizes = confusion.sum(1)
    right = np.diag(confusion)
    return pd.DataFrame(
        {
            "class": list(trained.classes),
            "sequences": sizes.astype(int),
            "accuracy": np.divide(right, sizes, out=np.full(len(sizes), np.nan), where=sizes > 0),
            "called": confusion.sum(0) / max(confusion.sum(), 1),
        }
    )


def evaluate(model, tokenizer, dataset, max_length=512, batch_size=64, device=None, verbose=False):
    """`classification_metrics` of a model on a `data.Dataset`."""
    inputs = encode(tokenizer, dataset.sequences, max_length=max_length, truncate=True)
    logits = models.predict(model, inputs, batch_size=batch_size, device=device, verbose=verbose)
    return classification_metrics(logits, dataset.labels)


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
    code = cache.source_digest(["training.py"])
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
        ``"auto"`` is fp16 on CUDA and fp32 elsewhere; ``"bf16"`` about halves the time of a
        step on CPUs with AVX512-BF16 or AMX, and is 3-6x slower on others; ``"fast"`` picks
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
    unknown = set(settings or {}) - set(DEFAULTS)
    if unknown:
        raise KeyError(f"unknown training settings {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    settings = {**DEFAULTS, **(settings or {})}
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
    if not settings["finetune"]:
        return _as_is(name, parts, settings, device, root, verbose)
    tokenizer = tokenizer_for(name, settings["source"], settings["k"])
    key = checkpoint_key(name, parts, settings, seed)
    final = cache.cache_dir(root) / "models" / key
    bars, level = hf_logging.is_progress_bar_enabled(), hf_logging.get_verbosity()
    if not verbose:
        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    try:
        with _lock(final):
            model = _load_cached(name, final, len(classes))
            if model is None:
                final = _train(
                    name, parts, settings, seed, device, tokenizer, final, verbose, callbacks
                )
                model = _build(name, final, len(classes))
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()
    model = model.to(device).eval()
    return Trained(
        model,
        tokenizer,
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


def _as_is(name, parts, settings, device, root, verbose):
    """A checkpoint used as it is: loaded, checked against the data, evaluated (cached)."""
    source = settings["source"]
    classes = parts["train"].classes
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
    evaluation = parts["evaluation"]
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
        code=["training.py"],
    )
    return Trained(
        model, tokenizer, pd.DataFrame(), metrics, Path(str(source)), settings, classes, key
    )


def _train(name, parts, settings, seed, device, tokenizer, final, verbose, callbacks):
    """Train and save into ``final`` (or, on a read-only cache, a temporary folder); returns
    the folder the model was saved in."""
    torch.manual_seed(seed)
    classes = len(parts["train"].classes)
    source = settings["source"]
    head = checkpoint_labels(source)
    overrides = {}
    if head is not None and head != classes:
        print(f"note: {source} has a {head}-label head; a new {classes}-label head is trained")
        overrides["ignore_mismatched_sizes"] = True
    model = _build(name, source, classes, settings["k"], **overrides)
    if tokenizer is not None:
        models.check_vocab(model, len(tokenizer))
    train = parts["train"]
    if settings["max_train"] and len(train) > settings["max_train"]:
        keep = np.random.default_rng(seed).choice(len(train), settings["max_train"], replace=False)
        train = train.subset(np.sort(keep))

    def encoded(dataset):
        inputs = encode(
            tokenizer, dataset.sequences, max_length=settings["max_length"], truncate=True
        )
        return _Encoded(inputs, dataset.labels)

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
        train_dataset=encoded(train),
        eval_dataset=encoded(parts["validation"]),
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
        _save(trainer, tokenizer, parts, settings, device, final, work, verbose)
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


def _save(trainer, tokenizer, parts, settings, device, final, work, verbose):
    # without the autocast wrapper Trainer puts on forward under bf16 / fp16: the evaluation
    # is then the float32 one a reader gets from the saved checkpoint
    model = trainer.accelerator.unwrap_model(trainer.model, keep_fp32_wrapper=False)
    evaluation = evaluate(
        model,
        tokenizer,
        parts["evaluation"],
        max_length=settings["max_length"],
        device=device,
        verbose=verbose,
    )
    # Write everything beside the final name, then rename: a crash leaves no half model.
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}."))
    model.save_pretrained(staging)
    if tokenizer is not None:  # the folder is then a checkpoint anyone can load
        tokenizer.save_pretrained(staging)
    pd.DataFrame(trainer.state.log_history).to_json(staging / "history.json")
    (staging / "metrics.json").write_text(json.dumps(evaluation, indent=1))
    cache.share(staging)
    if final.exists():
        shutil.rmtree(final)
    os.replace(staging, final)
    shutil.rmtree(work, ignore_errors=True)


def warn_one_class(trained, name=""):
    """Warn when a model calls (nearly) every evaluation sequence one class: explanations of
    a constant classifier mean little.

    Returns
    -------
    float
        The largest share of evaluation sequences called one class.
    """
    confusion = np.asarray(trained.metrics["confusion"])
    called = confusion.sum(0) / max(confusion.sum(), 1)
    share = float(called.max())
    if share >= ONE_CLASS:
        warnings.warn(
            f"{name or 'the model'} calls {share:.0%} of the evaluation sequences "
            f"{trained.classes[int(called.argmax())]!r}: it has barely learnt the "
            "task, and explanations of a (nearly) constant classifier mean little",
            stacklevel=3,
        )
    return share


def warn_length_only(trained, dataset, name="", n=100, seed=0):
    """Warn when a model tells random sequences apart by length alone.

    Random sequences (GC 0.5) are drawn at each class's median length in `dataset`; a model
    that calls those of one length one class and those of another length another class, each
    at `ONE_CLASS` or more, has learnt where the classes' lengths differ, whatever their bases.

    Parameters
    ----------
    trained : Trained
    dataset : data.Dataset
        The sequences whose class lengths are compared (the evaluation part).
    name : str
        What the warning calls the model (a run).
    n : int
        Random sequences per length.
    seed : int

    Returns
    -------
    pandas.DataFrame
        Per distinct median length: ``length``, the class called most (``called``) and its
        ``share``; empty when every class has the same median length.
    """
    lengths = sorted(
        {
            int(np.median([len(q) for q, y in zip(dataset.sequences, dataset.labels) if y == c]))
            for c in range(len(trained.classes))
            if (dataset.labels == c).any()
        }
    )
    if len(lengths) < 2:
        return pd.DataFrame(columns=["length", "called", "share"])
    rows = []
    for i, length in enumerate(lengths):
        seqs = random_sequences(n, length, seed=seed + i)
        x = encode(
            trained.tokenizer, seqs, max_length=trained.settings.get("max_length"), truncate=True
        )
        called = np.bincount(
            models.predict(trained.model, x).argmax(-1).numpy(), minlength=len(trained.classes)
        )
        rows.append(
            {
                "length": length,
                "called": trained.classes[int(called.argmax())],
                "share": called.max() / n,
            }
        )
    table = pd.DataFrame(rows)
    if table["share"].min() >= ONE_CLASS and table["called"].nunique() > 1:
        said = ", ".join(
            f"{r.share:.0%} of {r.length} bp ones {r.called!r}" for r in table.itertuples()
        )
        warnings.warn(
            f"{name or 'the model'} calls random sequences by length alone "
            f"({said}): it may have learnt the classes' lengths, not their sequence; "
            "give every class the same length (or trim them) before explaining it",
            stacklevel=2,
        )
    return table


def settings_for(train, run):
    """Training settings of a ``"model:dataset"`` run from a profile's ``train`` mapping.

    ``train`` is keyed by model (``"dnabert"``) and optionally by run
    (``"dnabert:human_enhancers_cohn"``); the run's entries override the model's.
    """
    model_name = run.split(":")[0]
    return {**train.get(model_name, {}), **train.get(run, {})}


def run(
    run,
    train,
    seed=0,
    min_eval_per_class=500,
    max_sequences=0,
    device=None,
    root=None,
    verbose=False,
):
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
    parts = fit_length(model_name, parts, settings)
    trained = fine_tune(
        model_name, parts, settings, seed=seed, device=device, root=root, verbose=verbose
    )
    warn_one_class(trained, run)
    warn_length_only(trained, parts["evaluation"], run, seed=seed)
    return trained, parts


def max_tokens(name, settings):
    """Most tokens a model reads, [CLS] and [SEP] included (None: no limit, the CNN)."""
    if name == "cnn":
        return None
    limit = settings["max_length"]
    config = Path(str(settings["source"])) / "config.json"
    if config.is_file():
        limit = min(limit, json.loads(config.read_text()).get("max_position_embeddings", limit))
    return limit


def fit_length(name, parts, settings):
    """Cut sequences longer than the model accepts, the same way for every chapter.

    A sequence whose tokens exceed `max_tokens` keeps the nucleotides its first tokens cover;
    the count of cut sequences is printed.

    Returns
    -------
    dict of str to data.Dataset
        The parts, with long sequences cut (the parts themselves when none is).
    """
    limit = max_tokens(name, settings)
    if limit is None:
        return parts
    tokenizer = tokenizer_for(name, settings["source"], settings["k"])
    out = {}
    for part, d in parts.items():
        cut = tokenize(tokenizer, d.sequences, max_length=limit, truncate=True).sequences
        long = sum(a != b for a, b in zip(cut, d.sequences))
        if long:
            print(
                f"  {part}: {long:,} of {len(d):,} sequences are longer than the model's "
                f"{limit} tokens and were cut to their first {limit} tokens"
            )
            d = replace(d, sequences=cut)
        out[part] = d
    return out


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
    from . import data
    from .tokenizers import encode

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
