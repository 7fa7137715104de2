"""The Oct4 / MafK ChIP-seq peak files: mirror, cache, and the download from PyPI's JSON API and
the janggu wheel, tested against local copies in the real layouts."""

import hashlib
import json
import os
import zipfile
from pathlib import Path

import pytest

from dnaexplain import data
from dnaexplain.data import DatasetNotFoundError

ROOT = Path(__file__).resolve().parents[1]
MIRROR = Path(os.environ.get(data.MIRROR_ENV) or ROOT.parent / "shared" / "data")
WHEEL = data.CHIPSEQ_SOURCE["wheel"]
OCT4 = ">chr1:100-300\nacgtACGTNN\nTTTT\n>chr2:5-205\nGGGG\n"
MAFK = ">chr3:1-201\nTGCTGAGTCAGCA\n"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No test reads the user's cache or mirror, or reaches the network."""
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(data.MIRROR_ENV, raising=False)
    source = dict(data.CHIPSEQ_SOURCE, index=((tmp_path / "nowhere.json").as_uri(),))
    monkeypatch.setattr(data, "CHIPSEQ_SOURCE", source)
    return tmp_path / "cache"


def fake_pypi(tmp_path, monkeypatch, members=None, listed=None, layout="release"):
    """A wheel with the two members (and others), and PyPI JSON pointing at it: ``release``
    is the per-release API (``urls``), ``project`` the per-project one (``releases``), tried
    after a release URL that does not answer. Returns the wheel's path."""
    members = {"janggu/resources/sample.fa": OCT4, "janggu/resources/sample2.fa": MAFK,
               "janggu/__init__.py": "", "janggu-0.10.2.dist-info/METADATA": "Name: janggu\n"} \
        if members is None else members
    wheel = tmp_path / "files" / WHEEL
    wheel.parent.mkdir(exist_ok=True)
    with zipfile.ZipFile(wheel, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    files = [{"filename": "janggu-0.10.2.tar.gz", "url": "https://nowhere", "packagetype": "sdist",
              "digests": {"sha256": "0" * 64}},
             {"filename": WHEEL, "url": wheel.as_uri(), "packagetype": "bdist_wheel",
              "digests": {"sha256": listed or sha}}]
    index = tmp_path / f"{layout}.json"
    if layout == "release":
        index.write_text(json.dumps({"info": {"version": "0.10.2"}, "urls": files}))
        urls = (index.as_uri(),)
    else:
        # the project's latest release is another one: its files must not be used
        index.write_text(json.dumps({"info": {"version": "0.11"}, "urls": [],
                                     "releases": {"0.10.2": files, "0.11": []}}))
        urls = ((tmp_path / "404.json").as_uri(), index.as_uri())
    monkeypatch.setitem(data.CHIPSEQ_SOURCE, "index", urls)
    monkeypatch.setitem(data.CHIPSEQ_SOURCE, "sha256", sha)
    return wheel


@pytest.mark.parametrize("layout", ["release", "project"])
def test_download_from_the_wheel(isolated, tmp_path, monkeypatch, layout):
    wheel = fake_pypi(tmp_path, monkeypatch, layout=layout)
    found = data.locate_chipseq()
    assert list(found) == ["oct4", "mafk"]
    assert found["oct4"] == (isolated / "chipseq" / "oct4_peaks.fa", "download " + wheel.as_uri())
    assert found["mafk"] == (isolated / "chipseq" / "mafk_peaks.fa", "download " + wheel.as_uri())
    assert found["oct4"][0].read_text() == OCT4 and found["mafk"][0].read_text() == MAFK
    assert not list((isolated / "downloads").iterdir())  # wheel removed, no partial files
    assert sorted(p.name for p in (isolated / "chipseq").iterdir()) == ["mafk_peaks.fa",
                                                                       "oct4_peaks.fa"]
    wheel.unlink()  # now served from the cache
    assert {k: v[1] for k, v in data.locate_chipseq().items()} == {"oct4": "cache",
                                                                  "mafk": "cache"}


def test_mirror_root_and_cache_come_first(isolated, tmp_path, monkeypatch):
    mirror, root = tmp_path / "mirror", tmp_path / "root"
    for base, name in ((mirror, "oct4"), (mirror, "mafk"), (root, "mafk")):
        (base / "chipseq").mkdir(parents=True, exist_ok=True)
        (base / data.chipseq_relpath(name)).write_text(">x\nACGT\n")
    monkeypatch.setenv(data.MIRROR_ENV, str(mirror))
    found = data.locate_chipseq(root=root, download=False)
    assert found == {"oct4": (mirror / "chipseq" / "oct4_peaks.fa", "mirror"),
                     "mafk": (root / "chipseq" / "mafk_peaks.fa", "root")}


def test_only_the_missing_file_is_downloaded(isolated, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    (mirror / "chipseq").mkdir(parents=True)
    (mirror / "chipseq" / "oct4_peaks.fa").write_text(">x\nACGT\n")
    monkeypatch.setenv(data.MIRROR_ENV, str(mirror))
    wheel = fake_pypi(tmp_path, monkeypatch)
    found = data.locate_chipseq()
    assert found["oct4"] == (mirror / "chipseq" / "oct4_peaks.fa", "mirror")
    assert found["mafk"] == (isolated / "chipseq" / "mafk_peaks.fa", "download " + wheel.as_uri())


def test_sha256_is_checked(isolated, tmp_path, monkeypatch):
    fake_pypi(tmp_path, monkeypatch, listed="ab" * 32)  # the index lists another digest
    monkeypatch.setitem(data.CHIPSEQ_SOURCE, "sha256", None)  # trust the index alone
    with pytest.raises(DatasetNotFoundError, match=r"sha256 [0-9a-f]{64} does not match the "
                                                   r"abab"):
        data.locate_chipseq()
    assert not list((isolated / "downloads").iterdir())
    assert not (isolated / "chipseq").exists()
    # a pinned digest that the index contradicts stops before downloading
    monkeypatch.setitem(data.CHIPSEQ_SOURCE, "sha256", "cd" * 32)
    with pytest.raises(DatasetNotFoundError,
                       match="PyPI lists sha256 abab.* not the expected cdcd"):
        data.locate_chipseq()


def test_wheel_without_the_members(isolated, tmp_path, monkeypatch):
    fake_pypi(tmp_path, monkeypatch, members={"janggu/resources/sample.fa": OCT4})
    with pytest.raises(DatasetNotFoundError, match="holds no janggu/resources/sample2.fa"):
        data.locate_chipseq()
    assert not (isolated / "chipseq").exists()  # nothing written when one member is missing


def test_index_without_the_wheel(isolated, tmp_path, monkeypatch):
    index = tmp_path / "index.json"
    index.write_text(json.dumps({"urls": [{"filename": "other.whl"}]}))
    monkeypatch.setitem(data.CHIPSEQ_SOURCE, "index", (index.as_uri(),))
    with pytest.raises(DatasetNotFoundError, match=f"lists no {WHEEL}"):
        data.locate_chipseq()


def test_missing_files_message(isolated, tmp_path, monkeypatch):
    monkeypatch.setenv(data.MIRROR_ENV, str(tmp_path / "mirror"))
    with pytest.raises(DatasetNotFoundError) as e:
        data.locate_chipseq(root=tmp_path / "root", download=False)
    msg = str(e.value)
    for path in (tmp_path / "root", tmp_path / "mirror", isolated):
        assert str(path) in msg
    assert "chipseq/oct4_peaks.fa or chipseq/mafk_peaks.fa" in msg
    assert "downloads disabled" in msg and "fetch-chipseq" in msg
    assert "pip download --no-deps janggu==0.10.2" in msg
    assert "janggu/resources/sample2.fa -> chipseq/mafk_peaks.fa" in msg
    assert isinstance(e.value, FileNotFoundError)
    with pytest.raises(DatasetNotFoundError, match="download failed: .*nowhere.json"):
        data.locate_chipseq()
    with pytest.raises(KeyError, match="known: oct4, mafk"):
        data.chipseq_relpath("ctcf")


def test_cli(isolated, tmp_path, monkeypatch, capsys):
    assert data.main(["fetch-chipseq"]) == 1
    assert "ChIP-seq peaks not found" in capsys.readouterr().err
    fake_pypi(tmp_path, monkeypatch)
    assert data.main(["fetch-chipseq"]) == 0
    out = capsys.readouterr().out
    assert "chipseq oct4: 2 sequences" in out and "chipseq mafk: 1 sequences" in out
    assert "from download file://" in out


@pytest.mark.skipif(not (MIRROR / "chipseq").is_dir(), reason=f"no data mirror at {MIRROR}")
def test_real_mirror(monkeypatch):
    monkeypatch.setenv(data.MIRROR_ENV, str(MIRROR))
    found = data.locate_chipseq(download=False)
    counts = {k: p.read_text().count(">") for k, (p, _) in found.items()}
    assert counts == {"oct4": 3897, "mafk": 3900}
    assert {origin for _, origin in found.values()} == {"mirror"}
