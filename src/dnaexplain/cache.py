"""Results cache: chapters store what they computed under a key made from what made it.

An entry is one file, ``<root>/<name>/<key>.pt``: a line with the SHA-256 of the payload, then
the payload (``torch.save`` of the key's parts and the value). Writes go to a temporary file that
is renamed into place, so a crash never leaves half an entry; a file whose checksum or recorded
parts do not match is reported and recomputed.

Keys include a digest of the code that made the entry: the named library modules and every
module they import from the package, read as syntax trees without docstrings, so editing a
comment, a docstring or an unrelated module keeps the results.
"""

import ast
import functools
import hashlib
import io
import json
import os
import sys
import tempfile
import warnings
from pathlib import Path, PurePosixPath

import numpy as np
import torch

from . import SOURCES


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
            return {
                "strings": hashlib.sha256("\n".join(value).encode()).hexdigest(),
                "n": len(value),
            }
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
    """Digest of the code of library modules, so results made by other code count as stale.

    Parameters
    ----------
    modules : list of str, optional
        Modules by their path in the package, e.g. ``["mutagenesis.py"]``, or a subpackage by
        its folder (``"data"``: all its modules); each brings the package modules it imports,
        transitively. Every module of the package when None.

    Returns
    -------
    str
        16 hex digits; unchanged by edits to comments, docstrings and layout.
    """
    here = Path(__file__).parent
    names = (
        sorted(p.relative_to(here).as_posix() for p in here.rglob("*.py"))
        if modules is None
        else _closure(modules)
    )
    h = hashlib.sha256()
    for name in names:
        h.update(name.encode() + b"\0" + _code(_source(name)) + b"\0")
    return h.hexdigest()[:16]


def _source(name):
    """A module's source: as imported (`dnaexplain.SOURCES`) when this process has imported
    it from this package, else as on disk."""
    here = Path(__file__).parent
    dotted = name[:-3].removesuffix("/__init__").replace("/", ".")
    imported = sys.modules.get(f"{__package__}.{dotted}")
    if (
        imported is not None
        and Path(imported.__file__).parent == (here / name).parent
        and name in SOURCES
    ):
        return SOURCES[name]
    return (here / name).read_text()


@functools.cache
def _code(source):
    """A module's syntax tree without docstrings, as bytes."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        documented = (
            isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        )
        if documented:
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree).encode()


def _modules(name):
    """The module files a name stands for: itself (``"lrp.py"``), every module of a
    subpackage (``"data"``), or none (an attribute such as ``SOURCES``)."""
    here = Path(__file__).parent
    if name.endswith(".py"):
        return [name] if (here / name).is_file() else []
    if (here / f"{name}.py").is_file():
        return [f"{name}.py"]
    if (here / name / "__init__.py").is_file():
        return sorted(p.relative_to(here).as_posix() for p in (here / name).rglob("*.py"))
    return []


def _closure(modules):
    """The module files and, transitively, the package modules they import, sorted."""
    seen, todo = set(), []
    for name in modules:
        found = _modules(name)
        if not found:
            raise FileNotFoundError(f"no module {name!r} in {Path(__file__).parent}")
        todo += found
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        # `from . import x` also names package attributes (SOURCES): only files are modules
        todo += [m for target in _imports(_source(name), name) for m in _modules(target)]
    return sorted(seen)


@functools.cache
def _imports(source, name):
    """What a module at ``name`` imports from the package (``from . import x``, ``from .x
    import y``, ``from ..x import y``), at any depth of its code, as paths in the package."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level >= 1:
            base = PurePosixPath(name).parent
            for _ in range(node.level - 1):
                base = base.parent
            targets = (
                [node.module.replace(".", "/")] if node.module else [a.name for a in node.names]
            )
            found += [(base / t).as_posix() for t in targets]
    return tuple(found)


def share(path):
    """Make a cache file, or a folder and everything in it, readable by the group and others
    (temporary files are created private), so a team can share one cache."""
    path = Path(path)
    for p in [path, *path.rglob("*")] if path.is_dir() else [path]:
        p.chmod(0o755 if p.is_dir() else 0o644)


def _write(path, payload):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
            f.flush()
            os.fsync(f.fileno())
        share(tmp)
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
        warnings.warn(
            f"cache entry {path} is corrupt (checksum mismatch); recomputing", stacklevel=2
        )
        return None
    try:
        entry = torch.load(io.BytesIO(payload), weights_only=False)
    except Exception as err:  # an unreadable payload is recomputed, whatever broke it
        warnings.warn(f"cache entry {path} is unreadable ({err}); recomputing", stacklevel=2)
        return None
    if entry.get("parts") != _canonical(parts):
        warnings.warn(
            f"cache entry {path} was made from other parameters; recomputing", stacklevel=2
        )
        return None
    return entry


def _locate(name, parts, root, code):
    """The file of an entry and its parts with the code's digest added."""
    parts = {**parts, "dnaexplain": source_digest(code)}
    return cache_dir(root) / name / f"{key(parts)}.pt", parts


def lookup(name, parts, root=None, code=None):
    """What `cached` stored under the same arguments, or None when there is no valid entry
    (missing, corrupt or stale: `cached` would compute it).

    Parameters
    ----------
    name, parts, root, code
        As for `cached`.

    Returns
    -------
    object or None
    """
    entry = _read(*_locate(name, parts, root, code))
    return None if entry is None else entry["value"]


def cached(name, parts, compute, root=None, code=None, verbose=False):
    """Return ``compute()``, stored under ``name`` and the key of ``parts``.

    Parameters
    ----------
    name : str
        What is stored (a folder in the cache), e.g. ``"mutagenesis"``.
    parts : dict
        Everything the result depends on: parameters, data identity, model identity. The
        digest of the code (`source_digest` of `code`) is added, so a change to the code that
        computes the value invalidates old entries.
    compute : callable
        Called with no arguments when there is no valid entry; its result must be picklable.
    root : str or Path, optional
        Cache root (see :func:`cache_dir`).
    code : list of str, optional
        Library modules that compute the value (with what they import); the whole library
        when None.
    verbose : bool
        Say whether the entry was reused or computed.

    Returns
    -------
    object
        The stored or freshly computed value.
    """
    path, parts = _locate(name, parts, root, code)
    entry = _read(path, parts)
    if entry is not None:
        if verbose:
            print(f"{name}: reused {path}")
        return entry["value"]
    value = compute()
    buffer = io.BytesIO()
    torch.save({"parts": _canonical(parts), "value": value}, buffer)
    try:
        _write(path, buffer.getvalue())
    except OSError as err:  # a read-only or full cache still returns what was computed
        warnings.warn(
            f"could not store {name} in the cache ({err}); the result is used but "
            "will be computed again next time",
            stacklevel=2,
        )
        return value
    if verbose:
        print(f"{name}: computed and stored {path}")
    return value


def chapter_key(chapter, profile, _seen=()):
    """Digest of what a chapter's executed notebook depends on, for re-executing only stale
    chapters: its source, the profile, the code of the library modules it imports (as
    `source_digest`), and the keys of the other chapters it names (a page that runs them or
    collects what they recorded).

    Parameters
    ----------
    chapter : str or Path
        The chapter's percent script, ``notebooks/NN_name.py``.
    profile : str or Path
        The parameter file it runs under.

    Returns
    -------
    str
        24 hex digits.
    """
    chapter, profile = Path(chapter), Path(profile)
    text = chapter.read_text()
    modules = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom) and node.module == "dnaexplain":
            modules |= {a.name for a in node.names}  # a module or a subpackage
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dnaexplain."):
            modules.add(node.module.split(".")[1])
    others = sorted(
        p
        for p in chapter.parent.glob("[0-9][0-9]_*.py")
        if p != chapter and p.stem in text and p not in _seen
    )
    return key(
        {
            "chapter": text,
            "profile": profile.read_text(),
            "code": source_digest(sorted(modules)) if modules else "",
            "others": [chapter_key(p, profile, (*_seen, chapter)) for p in others],
        }
    )


def main(argv=None):
    """Command line: ``chapter-key CHAPTER PROFILE`` prints `chapter_key`."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m dnaexplain.cache")
    commands = parser.add_subparsers(dest="command", required=True)
    stale = commands.add_parser("chapter-key", help="digest of what a chapter depends on")
    stale.add_argument("chapter")
    stale.add_argument("profile")
    args = parser.parse_args(argv)
    print(chapter_key(args.chapter, args.profile))


if __name__ == "__main__":
    main()
