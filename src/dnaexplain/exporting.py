"""Results that leave the book: the scores of many sequences, written to a folder in the
formats other tools read, computed in shards that several processes share and that a killed
run does not compute again.

`export` is the library call behind ``python -m dnaexplain explain``. The output folder:

==================== ===========================================================================
``run.json``         what the run is: model, methods, target, a digest of the inputs, the shards;
                     a later run into the folder must be the same run, which then resumes
``predictions.tsv``  one row per sequence: id (and chrom, start, end, strand for BED input),
                     length, predicted and explained class, ``logit_<class>``, ``p_<class>``
``scores.h5``        all of it in one chunked HDF5 store: ``ids``, ``sequences``, ``lengths``,
                     ``logits`` (n, classes), ``predicted``, ``target`` (n,), ``scores/<method>``
                     (n, L), ``hypothetical/<method>`` (n, 4, L) where the method has them,
                     ``chrom``, ``start``, ``end``, ``strand`` for BED input; ``run.json`` in
                     its attributes
``ohe.npz``          one-hot sequences (n, 4, L) as ``arr_0``, float32: ``modisco motifs -s``
``<method>/attr.npz`` (n, 4, L): the hypothetical scores where the method has them (``ism``,
                     the CNN's ``input_x_gradient`` and ``deep_lift_shap``), else the score on
                     the observed base and 0 on the others: ``modisco motifs -a``
``<method>/<method>.bw``, ``.bedGraph``
                     per-base tracks on the genome (BED input): a ``-`` window's scores are
                     reversed into genome order (`regions.to_genome`), values unchanged; where
                     windows overlap, the track holds the mean of their scores
``motifs.meme``      motifs of each method's seqlets (`motifs.seqlet_motifs`) in up to
                     ``motif_sequences`` sequences (evenly spaced); positives are those whose
                     explained class is the predicted one, and without negatives recurrence
                     alone counts; named ``<method>.motif_<j> <consensus>``
==================== ===========================================================================

Scores are in the orientation the model read (reverse complement on ``-`` strands) everywhere
but the tracks; L is the longest sequence, shorter ones are padded with 0 (N in the one-hot).

Why HDF5 (h5py) rather than zarr: the store is written once, by one process, from the shards,
so zarr's strength, many writers to one store, is not needed; one file is easy to move and
check; TF-MoDISco (its results), the ENCODE / ChromBPNet pipelines and R, Julia and MATLAB read
HDF5, and modisco-lite depends on h5py already. Chunks of about 1 MiB along the sequences, not
compressed (`COMPRESSION`).

Sharding: the n sequences are cut into shards of ``shard_size`` consecutive sequences, and
shard i belongs to rank i mod world size, so shards, and the batches within them, do not depend
on the number of processes: one process and two write the same numbers. Each rank writes its
shards to ``shards/shard-<i>.h5``, each through a temporary file renamed into place when
complete; after every rank is done (a barrier), rank 0 merges them into the files above, then
removes ``shards/``. A run that is started again computes only the shards it does not find
complete (a temporary or unreadable file counts as missing), and merging refuses to start
while any shard is missing. Processes come from ``torchrun`` or ``accelerate launch``, read
through accelerate's ``PartialState`` (one GPU each, or gloo on CPUs; ``accelerate launch
--cpu`` starts one process unless MPI is set up, so CPUs take ``torchrun``).
"""

import hashlib
import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from . import attribution, formats, models, training
from .attribution import registry
from .regions import to_genome
from .sequences import one_hot
from .tokenizers import encode, kmer_k

SHARD_SIZE = 1000  # sequences per shard: the unit of work, of resuming and of merging
FORMAT = 1  # layout version of the output folder
MOTIF_SEQUENCES = 2000  # sequences whose seqlets make the motifs (evenly spaced), at most
OUTPUTS = ("run.json", "predictions.tsv", "scores.h5", "ohe.npz", "motifs.meme", "shards")
NOT_COMPARED = ("merged", "source")  # entries of run.json that do not make another run


class OutputFolderError(ValueError):
    """The output folder holds files of another run."""


def default_methods(model):
    """The LRP method of a model: ``lrp`` for the CNN, ``attnlrp`` for a transformer."""
    return ["lrp"] if isinstance(model, models.CNNForSequenceClassification) else ["attnlrp"]


def checkpoint(source, name=None, k=None, device=None):
    """A model to explain from any source the chapters accept, without training.

    Parameters
    ----------
    source : str or Path
        A checkpoint folder (whole or in shards), a hub id, or a named config (``"mini"``:
        random weights, warned about).
    name : {"dnabert", "dnabert2", "cnn"}, optional
        The architecture; read off a folder's ``config.json`` when None.
    k : int, optional
        DNABERT's k; read off the checkpoint when None.
    device : torch.device or str, optional

    Returns
    -------
    training.Trained
        Model (eval mode), tokenizer, classes (the config's ``id2label``), path and key (a
        digest of the checkpoint's files).
    """
    name = name or _architecture(source)
    presets = {"dnabert": models.DNABERT_CONFIGS, "dnabert2": models.DNABERT2_CONFIGS}
    if str(source) in presets.get(name, models.CNN_CONFIGS):
        warnings.warn(
            f"the named config {source!r} has random weights: its explanations mean nothing",
            stacklevel=2,
        )
    labels = training.checkpoint_labels(source) or 2
    extra = {"k": k or training.checkpoint_k(source)} if name == "dnabert" else {}
    model = models.build(name, source, num_labels=labels, **extra).eval()
    if device is not None:
        model.to(device)
    tokenizer = training.tokenizer_for(name, source, extra.get("k"))
    if tokenizer is not None:
        models.check_vocab(model, len(tokenizer))
    classes = tuple(model.config.id2label[i] for i in range(model.config.num_labels))
    key = training.checkpoint_digest(source)
    return training.Trained(model, tokenizer, None, {}, Path(str(source)), {}, classes, key)


def _architecture(source):
    """A checkpoint folder's model name, from its ``config.json``."""
    config = Path(str(source)) / "config.json"
    meta = json.loads(config.read_text()) if config.is_file() else {}
    kind = meta.get("model_type")
    if kind == models.CNNConfig.model_type:
        return "cnn"
    if kind == models.DNABERT2Config.model_type:
        return "dnabert2"
    if kind == "bert" and meta.get("vocab_size") in {5 + 4**k for k in (3, 4, 5, 6)}:
        return "dnabert"
    raise ValueError(
        f"{source}: cannot tell the model from its config.json (model_type {kind!r}); "
        f"name it: one of {', '.join(models.BUILDERS)}"
    )


def cached_run(run, p, device=None):
    """The model of a profile's ``"model:dataset"`` run, from the checkpoint cache.

    Parameters
    ----------
    run : str
    p : dict
        Bound parameters (`params.bind`): ``train``, ``seed``, ``max_sequences``,
        ``min_eval_per_class``.
    device : torch.device or str, optional

    Returns
    -------
    training.Trained

    Raises
    ------
    FileNotFoundError
        The run is not in the cache: explaining never trains (``python -m dnaexplain train``
        does, and across GPUs).
    """

    try:
        trained, _ = training.run(
            run,
            p["train"],
            seed=p["seed"],
            max_sequences=p["max_sequences"],
            min_eval_per_class=p["min_eval_per_class"],
            device=device,
            cached_only=True,
        )
    except FileNotFoundError as err:
        raise FileNotFoundError(
            f"{run}: {err}; train it first: python -m dnaexplain train --runs {run}"
        ) from None
    return trained


def plan(trained, records, methods=None, target=None, strategy="mean", shard_size=SHARD_SIZE):
    """What a run is, checked before anything is computed: the contents of ``run.json``.

    Parameters
    ----------
    trained : training.Trained
        Model, tokenizer, classes and key (`checkpoint`, `cached_run`, `training.run`).
    records : inputs.Records
        Sequences with ids (and windows, for BED input).
    methods : list of str, or dict of str to (str, dict), optional
        Method names, or labels mapped to ``(method, options)``; default `default_methods`.
        Labels name files and folders: letters, digits, ``_``, ``-``, ``.``.
    target : int, str or None
        The class explained: its index or name; None explains each sequence's predicted
        class.
    strategy : {"mean", "split", "copy"}
        Token to nucleotide mapping (`positions.to_nucleotides`).
    shard_size : int
        Sequences per shard.

    Returns
    -------
    dict
        JSON-able; equal for equal runs.

    Raises
    ------
    ValueError, TypeError
        Unknown or unfit methods, options, target or labels; sequences the model cannot read.
    """
    model = trained.model
    cnn = isinstance(model, models.CNNForSequenceClassification)
    kind = "cnn" if cnn else "transformer"
    methods = methods or default_methods(model)
    if not isinstance(methods, dict):
        methods = {m: (m, {}) for m in methods}
    spec = {}
    for label, (method, options) in methods.items():
        if not label or not all(c.isalnum() or c in "_-." for c in label) or label[0] == ".":
            raise ValueError(
                f"method label {label!r} names files: use letters, digits, '_', '-' and '.'"
            )
        registry.options(kind, method, dict(options))  # checks the method and its options
        hypothetical = "hypothetical" in registry.variant(kind, method).options
        spec[label] = {"method": method, "options": dict(options), "hypothetical": hypothetical}
    classes = list(trained.classes)
    if isinstance(target, str):
        if target not in classes:
            raise ValueError(f"target {target!r} is none of the classes {classes}")
        target = classes.index(target)
    if target is not None and not 0 <= int(target) < len(classes):
        raise ValueError(f"target {target} is not a class index in 0..{len(classes) - 1}")
    if int(shard_size) < 1:
        raise ValueError(f"shard_size must be at least 1, got {shard_size}")
    _check_lengths(trained, records)
    n = len(records.sequences)
    digest = hashlib.sha256()
    for i, s in zip(records.ids, records.sequences):
        digest.update(f"{i}\t{s}\n".encode())
    for w in records.windows or ():
        digest.update(f"{w.chrom}\t{w.start}\t{w.end}\t{w.strand}\n".encode())
    return {
        "format": FORMAT,
        "model": {"name": type(model).__name__, "key": trained.key},
        "classes": classes,
        "methods": spec,
        "target": None if target is None else int(target),
        "strategy": strategy,
        "inputs": {
            "n": n,
            "width": max(map(len, records.sequences)),
            "digest": digest.hexdigest()[:24],
            "windows": records.windows is not None,
            "sizes": dict(records.sizes or {}),
        },
        "shard_size": int(shard_size),
        "shards": -(-n // int(shard_size)),
        # where the model was read from: recorded, not compared (its key is)
        "source": str(trained.path),
    }


def _check_lengths(trained, records):
    """ValueError naming the first sequence longer than a DNABERT model reads."""
    k = None if trained.tokenizer is None else kmer_k(trained.tokenizer)
    if k is None:
        return
    limit = trained.model.config.max_position_embeddings - 2 + k - 1  # [CLS], [SEP]
    for w, s in zip(records.where, records.sequences):
        if len(s) > limit:
            raise ValueError(
                f"{w}: a sequence of {len(s)} bp is longer than DNABERT-{k} reads "
                f"({limit} bp); use shorter sequences (a smaller window width)"
            )


def export(
    out,
    trained,
    records,
    methods=None,
    target=None,
    strategy="mean",
    shard_size=SHARD_SIZE,
    batch_size=attribution.BATCH_SIZE,
    device=None,
    rank=None,
    world_size=None,
    motif_sequences=MOTIF_SEQUENCES,
    keep_shards=False,
    verbose=True,
):
    """Explain sequences and write the output folder (module docstring), sharded and
    resumable.

    Parameters
    ----------
    out : str or Path
        Output folder: new, empty, or holding this same run (which resumes).
    trained, records, methods, target, strategy, shard_size
        As for `plan`.
    batch_size : int
        Sequences per pass (`attribution.attribute`).
    device : torch.device or str, optional
        Where to compute. Default: with ``rank`` None, the process's GPU (its own under a
        launcher) where there is one, else the CPU; with ``rank`` given, the model's device.
    rank, world_size : int, optional
        This process's shards (those i with i mod world_size == rank). None: read from the
        launcher (accelerate's ``PartialState``; one process without one), and after a barrier
        rank 0 merges. Given explicitly with world_size > 1, nothing is merged: call `merge`
        once every rank is done.
    motif_sequences : int
        Sequences (evenly spaced) whose seqlets make ``motifs.meme``; 0 writes no motif file.
    keep_shards : bool
        Keep ``shards/`` after merging.
    verbose : bool
        Progress bars.

    Returns
    -------
    pathlib.Path
        The output folder.

    Raises
    ------
    OutputFolderError
        The folder holds another run's files (before anything is computed).
    """
    out = Path(out)
    manifest = plan(trained, records, methods, target, strategy, shard_size)
    barrier = None
    if rank is None:
        from accelerate import PartialState

        state = PartialState(cpu=not torch.cuda.is_available())
        rank, world_size = state.process_index, state.num_processes
        barrier = state.wait_for_everyone if world_size > 1 else None
        device = state.device if device is None else device
    world_size = world_size or 1
    if not 0 <= rank < world_size:
        raise ValueError(f"rank {rank} is not in 0..{world_size - 1}")
    if claim(out, manifest):
        if verbose and rank == 0:
            print(f"{out}: already complete")
        return out
    write_shards(out, trained, records, manifest, rank, world_size, batch_size, device, verbose)
    if barrier is not None:
        barrier()
    if rank == 0 and (barrier is not None or world_size == 1):
        merge(out, motif_sequences, keep_shards, verbose)
    if barrier is not None:
        barrier()
    return out


def claim(out, manifest):
    """Make ``out`` this run's folder, or find it is already: True when the run there is
    complete.

    Raises
    ------
    OutputFolderError
        ``out`` holds another run (its ``run.json`` differs: the message names what), or files
        that are no run's.
    """
    found = out / "run.json"
    if found.is_file():
        before = json.loads(found.read_text())
        done = before.get("merged", False)
        what = [
            k
            for k in {**before, **manifest}
            if k not in NOT_COMPARED and before.get(k) != manifest.get(k)
        ]
        if what:
            raise OutputFolderError(
                f"{found}: the folder holds another run's files (it differs in "
                f"{', '.join(what)}); write to another folder, or delete this one"
            )
        return done
    if out.exists() and not out.is_dir():
        raise OutputFolderError(f"{out} is a file, not a folder")
    # another rank may be writing run.json this moment: its temporary file is no stranger
    strangers = sorted(
        p.name
        for p in (out.iterdir() if out.is_dir() else ())
        if p.name not in OUTPUTS and not p.name.startswith(".run.json.")
    )
    if strangers:
        raise OutputFolderError(
            f"{out} holds files of no run ({', '.join(strangers[:3])}); write to a new or "
            "empty folder"
        )
    _write_json(found, manifest)
    return False


def _write_json(path, value):
    with formats.atomic(path) as tmp:
        tmp.write_text(json.dumps(value, indent=1) + "\n")


def _digest(manifest):
    """Digest of a run's manifest, which its shards carry."""
    text = json.dumps({k: v for k, v in manifest.items() if k not in NOT_COMPARED}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def shard_path(out, i):
    """Where shard i of a run is written."""
    return Path(out) / "shards" / f"shard-{i:05d}.h5"


def shard_rows(manifest, i):
    """The sequences (a range of positions) of shard i."""
    size = manifest["shard_size"]
    return range(i * size, min((i + 1) * size, manifest["inputs"]["n"]))


def finished(out, manifest, i):
    """Whether shard i of this run is on disk, complete (a damaged file counts as missing)."""
    import h5py

    path = shard_path(out, i)
    if not path.is_file():
        return False
    rows = shard_rows(manifest, i)
    try:
        with h5py.File(path, "r") as f:
            return (
                f.attrs["run"] == _digest(manifest)
                and f.attrs["shard"] == i
                and bool(f.attrs["complete"])
                and np.array_equal(f["rows"][:], np.arange(rows.start, rows.stop))
                and all(
                    f[f"scores/{label}"].shape == (len(rows), manifest["inputs"]["width"])
                    for label in manifest["methods"]
                )
            )
    except Exception as err:  # any damage means compute it again
        warnings.warn(
            f"{path} is damaged ({type(err).__name__}: {err}); computing it again",
            stacklevel=2,
        )
        return False


def write_shards(
    out,
    trained,
    records,
    manifest,
    rank=0,
    world_size=1,
    batch_size=attribution.BATCH_SIZE,
    device=None,
    verbose=True,
):
    """Compute and write this rank's shards that are not on disk complete.

    Parameters
    ----------
    out : Path
    trained, records
        As for `export`.
    manifest : dict
        From `plan`, written to ``out`` (`claim`).
    rank, world_size, batch_size, device, verbose
        As for `export`.

    Returns
    -------
    list of int
        The shards computed now.
    """
    mine = [i for i in range(manifest["shards"]) if i % world_size == rank]
    todo = [i for i in mine if not finished(out, manifest, i)]
    model = trained.model
    home = models.model_device(model)
    if device is not None:
        model.to(device)
    bar = tqdm(
        total=sum(len(shard_rows(manifest, i)) for i in todo),
        desc=f"explain (rank {rank} of {world_size})" if world_size > 1 else "explain",
        unit="seq",
        position=rank,
        disable=not verbose or not todo,
    )
    try:
        for i in todo:
            result = _compute(trained, records, manifest, shard_rows(manifest, i), batch_size, bar)
            _write_shard(out, manifest, i, records, result)
    finally:
        bar.close()
        model.to(home)
    return todo


def _compute(trained, records, manifest, rows, batch_size, bar):
    """Logits, explained classes, scores (m, L) and hypothetical scores (m, 4, L) of a shard,
    batch by batch."""
    model, tokenizer = trained.model, trained.tokenizer
    width = manifest["inputs"]["width"]
    spec = manifest["methods"]
    methods = {
        label: (
            s["method"],
            {**s["options"], "hypothetical": True} if s["hypothetical"] else s["options"],
        )
        for label, s in spec.items()
    }
    parts = {"logits": [], "target": [], **{label: [] for label in spec}}
    for start in range(rows.start, rows.stop, batch_size):
        sequences = records.sequences[start : min(start + batch_size, rows.stop)]
        inputs = encode(tokenizer, sequences)
        logits = models.predict(model, inputs, batch_size=batch_size).float()
        target = (
            logits.argmax(-1)
            if manifest["target"] is None
            else torch.full((len(sequences),), manifest["target"])
        )
        scores = attribution.explain_many(
            model, tokenizer, sequences, methods, target, manifest["strategy"], batch_size
        )
        parts["logits"].append(logits.numpy())
        parts["target"].append(target.numpy())
        for label, s in scores.items():
            s = s.float().numpy()
            parts[label].append(np.pad(s, [(0, 0)] * (s.ndim - 1) + [(0, width - s.shape[-1])]))
        bar.update(len(sequences))
    out = {key: np.concatenate(value) for key, value in parts.items()}
    ohe = one_hot(records.sequences[rows.start : rows.stop], length=width).numpy()
    result = {"logits": out["logits"], "target": out["target"], "scores": {}, "hypothetical": {}}
    for label, s in spec.items():
        if s["hypothetical"]:
            result["hypothetical"][label] = out[label]
            result["scores"][label] = (out[label] * ohe).sum(1)
        else:
            result["scores"][label] = out[label]
    return result


def _write_shard(out, manifest, i, records, result):
    """Shard i, whole or not at all: written to a temporary file, renamed when complete."""
    import h5py

    rows = shard_rows(manifest, i)
    text = h5py.string_dtype()
    path = shard_path(out, i)
    with formats.atomic(path) as tmp, h5py.File(tmp, "w") as f:
        f["rows"] = np.arange(rows.start, rows.stop)
        f.create_dataset("ids", data=records.ids[rows.start : rows.stop], dtype=text)
        f.create_dataset("sequences", data=records.sequences[rows.start : rows.stop], dtype=text)
        if records.windows is not None:
            windows = records.windows[rows.start : rows.stop]
            f.create_dataset("chrom", data=[w.chrom for w in windows], dtype=text)
            f["start"] = np.array([w.start for w in windows], dtype=np.int64)
            f["end"] = np.array([w.end for w in windows], dtype=np.int64)
            f.create_dataset("strand", data=[w.strand for w in windows], dtype=text)
        f["logits"] = result["logits"].astype(np.float32)
        f["target"] = result["target"].astype(np.int64)
        for group in ("scores", "hypothetical"):
            for label, value in result[group].items():
                f[f"{group}/{label}"] = value.astype(np.float32)
        f.attrs["run"] = _digest(manifest)
        f.attrs["shard"] = i
        f.attrs["complete"] = True


def merge(out, motif_sequences=MOTIF_SEQUENCES, keep_shards=False, verbose=True):
    """Merge a run's shards into its output files (module docstring), once all are complete.

    Parameters
    ----------
    out : str or Path
        The run's folder.
    motif_sequences, keep_shards, verbose
        As for `export`.

    Returns
    -------
    pathlib.Path
        The folder.

    Raises
    ------
    RuntimeError
        A shard is missing or incomplete (nothing is merged then).
    """
    out = Path(out)
    manifest = json.loads((out / "run.json").read_text())
    manifest.pop("merged", None)
    for stale in [*out.glob(f".*{formats.TEMPORARY}"), *out.glob(f"*/.*{formats.TEMPORARY}")]:
        if stale.parent.name != "shards":  # temporary files of a merge that was killed
            stale.unlink(missing_ok=True)
    missing = [i for i in range(manifest["shards"]) if not finished(out, manifest, i)]
    if missing:
        raise RuntimeError(
            f"{out}: {len(missing)} of {manifest['shards']} shards are missing or incomplete "
            f"({', '.join(shard_path(out, i).name for i in missing[:5])}); nothing was merged. "
            "Run explain again with the same arguments to compute them"
        )
    steps = ["scores.h5", "predictions.tsv", "npz", "tracks", "motifs"]
    with tqdm(total=len(steps), desc="merge", disable=not verbose) as bar:
        _write_store(out, manifest)
        bar.update()
        _write_predictions(out, manifest)
        bar.update()
        _write_npz(out, manifest)
        bar.update()
        if manifest["inputs"]["windows"]:
            _write_tracks(out, manifest)
        bar.update()
        if motif_sequences:
            _write_motifs(out, manifest, motif_sequences)
        bar.update()
    _write_json(out / "run.json", {**manifest, "merged": True})
    if not keep_shards:
        shutil.rmtree(out / "shards")
    return out


CHUNK_VALUES = 1 << 18  # values per chunk of scores.h5 (1 MiB of float32)
# of scores.h5's arrays: none. float32 scores hardly compress (on the CNN's LRP and hypothetical
# gradients of random 500-bp sequences, gzip with shuffle kept 82-86 % of the bytes, lzf 100 %)
# and compressing multiplied the time to write them by 5 (lzf) to 15 (gzip)
COMPRESSION = None
WINDOW_FIELDS = ("chrom", "start", "end", "strand")


def _shards(out, manifest):
    """The run's shards, open for reading, in order (a generator of h5py.File)."""
    import h5py

    for i in range(manifest["shards"]):
        with h5py.File(shard_path(out, i), "r") as f:
            yield f


def _write_store(out, manifest):
    """``scores.h5``: every array of the shards in one chunked store."""
    import h5py

    n, width = manifest["inputs"]["n"], manifest["inputs"]["width"]
    text = h5py.string_dtype()
    rows = max(1, min(n, CHUNK_VALUES // width))
    with formats.atomic(out / "scores.h5") as tmp, h5py.File(tmp, "w") as f:
        shapes = {
            "ids": ((n,), text),
            "sequences": ((n,), text),
            "lengths": ((n,), np.int64),
            "logits": ((n, len(manifest["classes"])), np.float32),
            "predicted": ((n,), np.int64),
            "target": ((n,), np.int64),
        }
        if manifest["inputs"]["windows"]:
            shapes |= {"chrom": ((n,), text), "start": ((n,), np.int64)}
            shapes |= {"end": ((n,), np.int64), "strand": ((n,), text)}
        for name, (shape, dtype) in shapes.items():
            f.create_dataset(name, shape, dtype=dtype)
        for label, s in manifest["methods"].items():
            f.create_dataset(
                f"scores/{label}",
                (n, width),
                np.float32,
                chunks=(rows, width),
                compression=COMPRESSION,
            )
            if s["hypothetical"]:
                f.create_dataset(
                    f"hypothetical/{label}",
                    (n, 4, width),
                    np.float32,
                    chunks=(max(1, rows // 4), 4, width),
                    compression=COMPRESSION,
                )
        for shard in _shards(out, manifest):
            r = slice(int(shard["rows"][0]), int(shard["rows"][-1]) + 1)
            sequences = shard["sequences"].asstr()[:]
            f["ids"][r] = shard["ids"].asstr()[:]
            f["sequences"][r] = sequences
            f["lengths"][r] = [len(s) for s in sequences]
            f["logits"][r] = shard["logits"][:]
            f["predicted"][r] = shard["logits"][:].argmax(-1)
            f["target"][r] = shard["target"][:]
            for name in WINDOW_FIELDS if manifest["inputs"]["windows"] else ():
                f[name][r] = (
                    shard[name].asstr()[:] if name in ("chrom", "strand") else shard[name][:]
                )
            for group in ("scores", "hypothetical"):
                for label in shard.get(group, {}):
                    f[f"{group}/{label}"][r] = shard[f"{group}/{label}"][:]
        f.attrs["run"] = json.dumps(manifest)
        f.attrs["classes"] = manifest["classes"]
        f.attrs["orientation"] = (
            "scores as the model read each sequence: reverse complement on '-' strands"
        )


def _write_predictions(out, manifest):
    """``predictions.tsv`` from ``scores.h5``."""
    import h5py
    import pandas as pd

    classes = manifest["classes"]
    with h5py.File(out / "scores.h5", "r") as f:
        logits = f["logits"][:]
        table = {"id": f["ids"].asstr()[:]}
        if manifest["inputs"]["windows"]:
            for name in WINDOW_FIELDS:
                table[name] = f[name].asstr()[:] if name in ("chrom", "strand") else f[name][:]
        table["length"] = f["lengths"][:]
        table["predicted"] = np.array(classes, dtype=object)[f["predicted"][:]]
        table["explained"] = np.array(classes, dtype=object)[f["target"][:]]
    p = torch.softmax(torch.from_numpy(logits).double(), -1).numpy()
    for j, c in enumerate(classes):
        table[f"logit_{c}"] = logits[:, j]
    for j, c in enumerate(classes):
        table[f"p_{c}"] = p[:, j]
    formats.write_table(out / "predictions.tsv", pd.DataFrame(table))


def _write_npz(out, manifest):
    """``ohe.npz`` and ``<method>/attr.npz``, streamed shard by shard."""
    n, width = manifest["inputs"]["n"], manifest["inputs"]["width"]

    def ohe(shard):
        return one_hot(list(shard["sequences"].asstr()[:]), length=width).numpy()

    formats.write_npz(
        out / "ohe.npz", (ohe(s) for s in _shards(out, manifest)), (n, 4, width), np.float32
    )
    for label, spec in manifest["methods"].items():

        def attr(shard):
            if spec["hypothetical"]:
                return shard[f"hypothetical/{label}"][:]
            return ohe(shard) * shard[f"scores/{label}"][:][:, None, :]

        formats.write_npz(
            out / label / "attr.npz",
            (attr(s) for s in _shards(out, manifest)),
            (n, 4, width),
            np.float32,
        )


def _write_tracks(out, manifest):
    """``<method>/<method>.bw`` and ``.bedGraph``: scores on the genome (module docstring)."""
    import h5py

    from .regions import Window

    sizes = manifest["inputs"]["sizes"]
    with h5py.File(out / "scores.h5", "r") as f:
        chrom, strand = f["chrom"].asstr()[:], f["strand"].asstr()[:]
        start, end = f["start"][:], f["end"][:]
        windows = [
            Window("", c, int(a), int(b), s, "") for c, a, b, s in zip(chrom, start, end, strand)
        ]
        for label in manifest["methods"]:
            scores = f[f"scores/{label}"][:]
            minus = strand == "-"
            scores[minus] = to_genome(scores[minus], "-")
            used = set(chrom)
            order = [c for c in sizes if c in used]
            formats.write_bigwig(
                out / label / f"{label}.bw", sizes, formats.track_blocks(windows, scores, order)
            )
            formats.write_bedgraph(
                out / label / f"{label}.bedGraph", formats.track_blocks(windows, scores, order)
            )


def _write_motifs(out, manifest, most):
    """``motifs.meme``: each method's motifs from the seqlets of up to ``most`` sequences."""
    import h5py

    from .motifs import probabilities, seqlet_motifs

    n = manifest["inputs"]["n"]
    rows = np.unique(np.linspace(0, n - 1, min(n, most)).round().astype(np.int64))
    found = {}
    with h5py.File(out / "scores.h5", "r") as f:
        sequences = list(f["sequences"].asstr()[rows])
        # positives: sequences explained for the class the model predicts
        labels = (f["predicted"][rows] == f["target"][rows]).astype(np.int64)
        for label in manifest["methods"]:
            motifs = seqlet_motifs(
                sequences,
                labels,
                f[f"scores/{label}"][rows],
                # without negatives no enrichment can be tested: recurrence alone counts
                p_adjusted=0.005 if 0 < labels.sum() < len(labels) else None,
            )
            for m in motifs:
                found[f"{label}.{m.id} {m.consensus}"] = probabilities(m.counts)
    formats.write_meme(out / "motifs.meme", found)
