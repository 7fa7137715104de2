from pathlib import Path

import numpy as np
import pytest
import torch

from dnaexplain import cache


def test_key_is_stable_and_sensitive():
    a = {"method": "lrp", "n": 5, "seqs": ["ACGT"] * 100, "x": np.arange(4)}
    assert cache.key(a) == cache.key(dict(reversed(list(a.items()))))
    assert cache.key(a) != cache.key({**a, "n": 6})
    assert cache.key(a) != cache.key({**a, "seqs": ["ACGT"] * 99 + ["ACGA"]})
    assert cache.key(a) != cache.key({**a, "x": np.arange(4) + 1})
    with pytest.raises(TypeError, match="cannot build a cache key"):
        cache.key({"model": object()})


def test_cached_computes_once_then_reuses(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"scores": torch.arange(3.0)}

    first = cache.cached("demo", {"seed": 0}, compute, root=tmp_path)
    second = cache.cached("demo", {"seed": 0}, compute, root=tmp_path)
    assert len(calls) == 1
    assert torch.equal(first["scores"], second["scores"])
    cache.cached("demo", {"seed": 1}, compute, root=tmp_path)
    assert len(calls) == 2
    assert not list(tmp_path.rglob("*.tmp")), "temporary files left behind"


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_corrupt_entry_is_detected_and_recomputed(tmp_path, damage):
    cache.cached("demo", {"seed": 0}, lambda: 1, root=tmp_path)
    (path,) = (tmp_path / "demo").glob("*.pt")
    raw = path.read_bytes()
    path.write_bytes(
        {
            "truncate": raw[: len(raw) // 2],
            "flip": raw[:-10] + bytes([raw[-10] ^ 1]) + raw[-9:],
            "garbage": b"not a cache file",
        }[damage]
    )
    with pytest.warns(UserWarning, match="corrupt|unreadable"):
        assert cache.cached("demo", {"seed": 0}, lambda: 2, root=tmp_path) == 2
    assert cache.cached("demo", {"seed": 0}, lambda: 3, root=tmp_path) == 2


def test_entry_from_other_code_is_stale(tmp_path, monkeypatch):
    cache.cached("demo", {"seed": 0}, lambda: "old", root=tmp_path)
    monkeypatch.setattr(cache, "source_digest", lambda code=None: "another version")
    assert cache.cached("demo", {"seed": 0}, lambda: "new", root=tmp_path) == "new"


def test_failed_compute_writes_nothing(tmp_path):
    def boom():
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        cache.cached("demo", {"seed": 0}, boom, root=tmp_path)
    assert not list(tmp_path.rglob("*.pt"))


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A fake package: a imports b (inside a function), b imports c, d stands alone."""
    files = {
        "a.py": '"""A."""\n\ndef f():\n    from . import b\n    return b.g()\n',
        "b.py": "from .c import h\n\ndef g():\n    return h() + 1\n",
        "c.py": '"""C."""\n\ndef h():\n    """Two."""\n    return 2  # the answer\n',
        "d.py": "X = 1\n",
        "cache.py": "",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(cache, "__file__", str(tmp_path / "cache.py"))
    return tmp_path


def test_closure_follows_package_imports(package):
    assert cache._closure(["a.py"]) == ["a.py", "b.py", "c.py"]
    assert cache._closure(["d.py"]) == ["d.py"]
    with pytest.raises(FileNotFoundError, match="no module 'e.py'"):
        cache._closure(["e.py"])


def test_closure_takes_a_subpackage_whole_and_follows_its_relative_imports(package):
    sub = package / "sub"
    sub.mkdir()
    (sub / "__init__.py").write_text("from .one import f\n")
    (sub / "one.py").write_text("from ..c import h\n\ndef f():\n    return h()\n")
    (sub / "two.py").write_text("from . import one\n")
    (package / "uses.py").write_text("from .sub import f\nfrom . import SOURCES\n")
    assert cache._closure(["uses.py"]) == [
        "c.py",
        "sub/__init__.py",
        "sub/one.py",
        "sub/two.py",
        "uses.py",
    ]
    assert cache._closure(["sub/two.py"]) == ["c.py", "sub/one.py", "sub/two.py"]
    assert cache._closure(["sub"]) == ["c.py", "sub/__init__.py", "sub/one.py", "sub/two.py"]
    before = cache.source_digest(["uses.py"])
    (sub / "one.py").write_text("from ..c import h\n\ndef f():\n    return h() + 1\n")
    assert cache.source_digest(["uses.py"]) != before


def test_digest_ignores_docs_and_unrelated_modules(package):
    before, everything = cache.source_digest(["a.py"]), cache.source_digest()
    c = package / "c.py"
    c.write_text(
        '"""C, reworded."""\n\ndef h():\n    """Two, said again."""\n'
        "    return 2  # another comment\n"
    )
    (package / "d.py").write_text("X = 2\n")
    assert cache.source_digest(["a.py"]) == before
    assert cache.source_digest() != everything
    c.write_text('"""C."""\n\ndef h():\n    """Two."""\n    return 3\n')
    assert cache.source_digest(["a.py"]) != before


def test_digest_is_of_the_code_imported_not_of_the_file_edited_since(monkeypatch):
    import dnaexplain
    import dnaexplain.paths  # noqa: F401 (imported, so its source is the snapshot)

    before = cache.source_digest(["paths.py"])
    real = Path.read_text
    monkeypatch.setattr(
        Path,
        "read_text",
        lambda self, *a, **k: "EDITED = 1\n" if self.name == "paths.py" else real(self, *a, **k),
    )
    assert cache.source_digest(["paths.py"]) == before
    monkeypatch.setitem(dnaexplain.SOURCES, "paths.py", "EDITED = 1\n")
    assert cache.source_digest(["paths.py"]) != before


def test_a_read_only_cache_returns_the_result_with_a_warning(tmp_path, monkeypatch):
    def refuse(path, payload):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(cache, "_write", refuse)
    with pytest.warns(UserWarning, match="could not store scores in the cache .*Permission denied"):
        assert cache.cached("scores", {"a": 1}, lambda: 42, root=tmp_path) == 42


def test_entries_are_group_readable(tmp_path):
    cache.cached("scores", {"a": 2}, lambda: 7, root=tmp_path)
    (entry,) = (tmp_path / "scores").iterdir()
    assert entry.stat().st_mode & 0o044 == 0o044


def _graph():
    here = Path(cache.__file__).parent
    graph = {}
    for path in here.rglob("*.py"):
        name = path.relative_to(here).as_posix()
        graph[name] = {
            m
            for target in cache._imports(path.read_text(), name)
            for m in cache._modules(target)
            if m != name
        }
    return graph


def test_the_package_import_graph_has_no_circle():
    graph, state = _graph(), {}

    def visit(name, path):
        if state.get(name) == "open":
            raise AssertionError("import circle: " + " -> ".join(path + [name]))
        if state.get(name) is None:
            state[name] = "open"
            for other in graph.get(name, ()):
                visit(other, path + [name])
            state[name] = "done"

    for name in graph:
        visit(name, [])


def test_a_results_digest_moves_only_with_the_code_that_computes_it():
    # editing the parameter checks or the command line must keep every cached model valid
    assert "params.py" not in cache._closure(["training"])
    assert "__main__.py" not in cache._closure(["training"])
    assert not any(m.startswith("data/") for m in cache._closure(["tokenizers.py"]))
    assert "data/loading.py" in cache._closure(["training"])
    assert "defaults.py" in cache._closure(["training"])


def test_chapter_key_moves_with_source_profile_code_and_named_chapters(tmp_path, monkeypatch):
    book = tmp_path / "notebooks"
    book.mkdir()
    chapter = book / "03_scoring.py"
    chapter.write_text("from dnaexplain import metrics\nx = 1\n")
    page = book / "10_your_data.py"
    page.write_text("run('03_scoring')\n")
    profile = tmp_path / "smoke.yml"
    profile.write_text("seed: 0\n")
    before, page_before = cache.chapter_key(chapter, profile), cache.chapter_key(page, profile)
    assert cache.chapter_key(chapter, profile) == before  # deterministic
    profile.write_text("seed: 1\n")
    assert cache.chapter_key(chapter, profile) != before
    profile.write_text("seed: 0\n")
    chapter.write_text("from dnaexplain import metrics\nx = 2\n")
    assert cache.chapter_key(chapter, profile) != before
    assert cache.chapter_key(page, profile) != page_before  # the page runs that chapter
    chapter.write_text("from dnaexplain import metrics\nx = 1\n")
    # the library's code: the digest of what the chapter imports, and nothing else
    digests = {}
    monkeypatch.setattr(cache, "source_digest", lambda modules: digests.get(tuple(modules), "a"))
    unchanged = cache.chapter_key(chapter, profile)
    digests[("metrics",)] = "b"
    changed = cache.chapter_key(chapter, profile)
    assert changed != unchanged
    digests[("plots",)] = "c"
    assert cache.chapter_key(chapter, profile) == changed
