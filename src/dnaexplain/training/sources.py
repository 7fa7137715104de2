"""What a model source is: its tokenizer, DNABERT's k, the size of its head and a digest.

A source is a named configuration (``"mini"``), a checkpoint folder or a hub id; these read
it without loading its weights.
"""

import hashlib
import json
import warnings
from pathlib import Path

from .. import models
from ..tokenizers import dnabert2_tokenizer, dnabert_tokenizer

CHECKPOINT_FILES = (
    "config.json",
    "model.safetensors",
    "pytorch_model.bin",
    "vocab.txt",
    "tokenizer.json",
)


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
