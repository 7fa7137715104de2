"""Results cache: chapters store what they computed under a key made from what made it.

An entry is one file, ``<root>/<name>/<key>.pt``: a line with the SHA-256 of the payload, then
the payload (``torch.save`` of the key's parts and the value). Writes go to a temporary file that
is renamed into place, so a crash never leaves half an entry; a file whose checksum or recorded
parts do not match is reported and recomputed.
"""

import hashlib
import io
import json
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch


def cache_dir(root=None):
    """Return the cache root: ``root``, else ``$DNAEXPLAIN_CACHE``, else ``~/.cache/dnaexplain``."""
    root = root or os.environ.get("DNAEXPLAIN_CACHE") or Path.home() / ".cache" / "dnaexplain"
    return Path(root)


def _canonical(value):
    """A JSON-able stand-in for ``value`` that changes whenever ``value`` does."""
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        if len(value) > 64 and all(isinstance(v, str) for v in value):
            return {"strings": hashlib.sha256("\n".join(value).encode()).hexdigest(), "n": len(value)}
        return [_canonical(v) for v in value]
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        digest = hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()
        return {"array": digest, "shape": list(value.shape), "dtype": str(value.dtype)}
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(
        f"cannot build a cache key from a {type(value).__name__}; pass its defining "
        "parameters (numbers, strings, lists, arrays) instead"
    )


def key(parts):
    """Hex digest naming the entry made from ``parts`` (a dict of parameters and inputs)."""
    text = json.dumps(_canonical(parts), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def source_digest(modules=None):
    """Digest of the library's source (or of the named module files, e.g. ``["models.py"]``),
    so results made by other code count as stale."""
    here = Path(__file__).parent
    files = [here / m for m in modules] if modules else sorted(here.glob("*.py"))
    return hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()[:16]


def _write(path, payload):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read(path, parts):
    """The stored value, or None when the entry is missing, corrupt or stale."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    digest, _, payload = raw.partition(b"\n")
    if hashlib.sha256(payload).hexdigest().encode() != digest:
        warnings.warn(f"cache entry {path} is corrupt (checksum mismatch); recomputing")
        return None
    try:
        entry = torch.load(io.BytesIO(payload), weights_only=False)
    except Exception as err:  # an unreadable payload is recomputed, whatever broke it
        warnings.warn(f"cache entry {path} is unreadable ({err}); recomputing")
        return None
    if entry.get("parts") != _canonical(parts):
        warnings.warn(f"cache entry {path} was made from other parameters; recomputing")
        return None
    return entry


def cached(name, parts, compute, root=None, verbose=False):
    """Return ``compute()``, stored under ``name`` and the key of ``parts``.

    Parameters
    ----------
    name : str
        What is stored (a folder in the cache), e.g. ``"mutagenesis"``.
    parts : dict
        Everything the result depends on: parameters, data identity, model identity. The
        digest of the library's source is added, so a code change invalidates old entries.
    compute : callable
        Called with no arguments when there is no valid entry; its result must be picklable.
    root : str or Path, optional
        Cache root (see :func:`cache_dir`).
    verbose : bool
        Say whether the entry was reused or computed.

    Returns
    -------
    object
        The stored or freshly computed value.
    """
    parts = {**parts, "dnaexplain": source_digest()}
    path = cache_dir(root) / name / f"{key(parts)}.pt"
    entry = _read(path, parts)
    if entry is not None:
        if verbose:
            print(f"{name}: reused {path}")
        return entry["value"]
    value = compute()
    buffer = io.BytesIO()
    torch.save({"parts": _canonical(parts), "value": value}, buffer)
    _write(path, buffer.getvalue())
    if verbose:
        print(f"{name}: computed and stored {path}")
    return value
