"""Where a model's weights come from: a named config, a checkpoint folder (whole or in shards),
or a hub id; reading their weight files."""

import json
from pathlib import Path

import huggingface_hub
import safetensors.torch
import torch

WEIGHTS = ("model.safetensors", "pytorch_model.bin")


# save_pretrained writes weights above its shard size as shards listed by an index
SHARD_INDEXES = tuple(f"{name}.index.json" for name in WEIGHTS)


def _snapshot(repo_id):
    """Download config.json and the weights of a hub repository, safetensors if it has them."""
    for name, index in zip(WEIGHTS, SHARD_INDEXES):
        stem, suffix = name.split(".")
        patterns = ["config.json", name, index, f"{stem}-*-of-*.{suffix}"]
        path = Path(huggingface_hub.snapshot_download(repo_id, allow_patterns=patterns))
        if (path / name).is_file() or (path / index).is_file():
            break
    return path


def _read_weights(file):
    """State dict from a safetensors or pickled PyTorch file, or the shards an index lists,
    on the CPU."""
    if file.name.endswith(".index.json"):
        shards = sorted(set(json.loads(file.read_text())["weight_map"].values()))
        return {
            key: value
            for shard in shards
            for key, value in _read_weights(file.parent / shard).items()
        }
    if file.suffix == ".safetensors":
        return safetensors.torch.load_file(file)
    return torch.load(file, map_location="cpu", weights_only=True)


def _source_kind(source, presets):
    """Whether `source` names a preset, a local directory or (by elimination) a hub id."""
    if source in presets:
        return "preset"
    if Path(source).is_dir():
        return "dir"
    if "/" not in str(source):
        raise ValueError(
            f"{source!r} is not a named config ({', '.join(presets)}), an existing directory "
            "or a hub id (owner/name)"
        )
    return "hub"


def weights_file(path):
    """The weights file of a checkpoint directory, or an error saying what is missing."""
    path = Path(path)
    if not (path / "config.json").is_file():
        raise FileNotFoundError(
            f"{path} has no config.json; point source at a directory written by "
            "model.save_pretrained(...) or a downloaded hub snapshot."
        )
    for name in WEIGHTS + SHARD_INDEXES:
        if (path / name).is_file():
            return path / name
    raise FileNotFoundError(
        f"{path} has no model weights (looked for {', '.join(WEIGHTS + SHARD_INDEXES)}); point "
        "source at a "
        "directory written by model.save_pretrained(...), download the checkpoint's weights "
        "into it, or use a named config to build an untrained model."
    )
