import hashlib
import json
import os
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pytest

from dnaexplain import data
from dnaexplain.data import Dataset, DatasetNotFoundError
from dnaexplain.sequences import reverse_complement

ROOT = Path(__file__).resolve().parents[1]
MIRROR = Path(os.environ.get(data.MIRROR_ENV) or ROOT.parent / "shared" / "data")
needs_mirror = pytest.mark.skipif(
    not (MIRROR / "genomic_benchmarks").is_dir(),
    reason=f"data mirror not found at {MIRROR} (set {data.MIRROR_ENV})",
)


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No test reads the user's cache or mirror, or reaches the network."""
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(data.MIRROR_ENV, raising=False)
    for key in data.URLS:
        monkeypatch.setitem(data.URLS, key, (tmp_path / "nowhere" / key).as_uri() + "/{name}.zip")
    monkeypatch.setitem(data.CHIPSEQ_SOURCE, "index", ((tmp_path / "nowhere.json").as_uri(),))
    return tmp_path / "cache"


@pytest.fixture
def mirror(monkeypatch):
    monkeypatch.setenv(data.MIRROR_ENV, str(MIRROR))
    return MIRROR


def write_zip(path, files):
    with zipfile.ZipFile(path, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return path


# --- registry -------------------------------------------------------------------------------


def test_registry():
    assert set(data.DATASETS) == {
        "human_nontata_promoters",
        "human_enhancers_cohn",
        "human_enhancers_ensembl",
        "prom_300_tata",
        "prom_300_notata",
        "prom_core_tata",
        "prom_core_notata",
    }
    assert data.spec("human_nontata_promoters").classes == ("non-promoter", "promoter")
    assert data.spec("human_enhancers_cohn").classes == ("non-enhancer", "enhancer")
    assert data.spec("prom_core_tata").splits == ("train", "dev", "test")
    assert (
        data.relpath("human_enhancers_cohn", "train")
        == "genomic_benchmarks/human_enhancers_cohn.train.tsv"
    )
    assert data.relpath("prom_300_tata", "dev") == "gue/prom/prom_300_tata/dev.csv"


def test_unknown_name_lists_known_ones():
    with pytest.raises(
        KeyError, match="unknown dataset 'human_tata'.*human_nontata_promoters.*prom_core_notata"
    ):
        data.load("human_tata")


def test_unknown_split():
    with pytest.raises(ValueError, match="splits train, test; got 'dev'"):
        data.load("human_enhancers_cohn", "dev")


# --- the real mirror ------------------------------------------------------------------------

MIRRORED = [
    ("human_nontata_promoters", "test", [4119, 4915], 251),
    ("human_enhancers_cohn", "test", [3474, 3474], 500),
    ("prom_300_tata", "train", [2460, 2444], 300),
    ("prom_300_tata", "test", [315, 298], 300),
    ("prom_300_notata", "dev", [2681, 2626], 300),
    ("prom_300_notata", "test", [2625, 2682], 300),
    ("prom_core_tata", "dev", [306, 307], 70),
    ("prom_core_notata", "train", [21284, 21168], 70),
    ("prom_core_notata", "test", [2648, 2659], 70),
]


@needs_mirror
@pytest.mark.parametrize("name, split, counts, length", MIRRORED)
def test_load_mirror(mirror, name, split, counts, length):
    d = data.load(name, split, preprocess=False, download=False)
    assert d.name == name and d.split == split
    assert d.counts().tolist() == counts
    assert d.labels.dtype == np.int64 and d.labels.shape == (sum(counts),)
    assert {len(s) for s in d.sequences} == {length}
    assert d.source == f"mirror: {data.relpath(name, split)}"
    np.testing.assert_array_equal(d.index, np.arange(len(d)))


@needs_mirror
def test_mirror_preprocessing_keeps_what_the_paper_keeps(mirror):
    promoters = data.load("human_nontata_promoters")
    assert len(promoters) == 9034 and promoters.removed == {}
    assert sum("N" in s for s in promoters.sequences) == 1  # kept: tokenizers handle N
    cohn = data.load("human_enhancers_cohn")
    assert len(cohn) == 6948  # this test split has no short or N-containing sequences
    assert cohn.removed == {"shorter than 200 bp": 0, "contains N": 0}


@needs_mirror
def test_root_argument_comes_before_the_mirror(mirror, tmp_path):
    (tmp_path / "mine" / "genomic_benchmarks").mkdir(parents=True)
    own = tmp_path / "mine" / "genomic_benchmarks" / "human_enhancers_cohn.test.tsv"
    own.write_text("A" * 300 + "\t1\n")  # no header
    d = data.load("human_enhancers_cohn", root=tmp_path / "mine")
    assert d.sequences == ["A" * 300] and d.labels.tolist() == [1]
    assert d.source == "root: genomic_benchmarks/human_enhancers_cohn.test.tsv"


@needs_mirror
def test_verbose_says_where_from(mirror, capsys):
    data.load("prom_300_tata", "test", verbose=True)
    out = capsys.readouterr().out
    assert "613 sequences (315 non-promoter, 298 promoter) from mirror" in out


# --- reading and preprocessing --------------------------------------------------------------


def test_enhancer_preprocessing(tmp_path):
    rows = [
        "seq\tlabel",
        "A" * 200 + "\t1",
        "acgt" * 49 + "\t0",
        "A" * 120 + "N" * 10 + "\t1",
        "C" * 99 + "N" + "C" * 150 + "\t0",
        "g" * 500 + "\t0",
    ]
    path = tmp_path / "genomic_benchmarks" / "human_enhancers_ensembl.test.tsv"
    path.parent.mkdir()
    path.write_text("\n".join(rows) + "\n")
    d = data.load("human_enhancers_ensembl", root=tmp_path)
    assert d.sequences == ["A" * 200, "G" * 500]
    assert d.labels.tolist() == [1, 0]
    assert d.index.tolist() == [0, 4]
    assert d.removed == {"shorter than 200 bp": 2, "contains N": 1}
    raw = data.load("human_enhancers_ensembl", root=tmp_path, preprocess=False)
    assert len(raw) == 5 and raw.removed == {}


def test_bad_file_contents(tmp_path):
    path = tmp_path / "gue" / "prom" / "prom_core_tata" / "test.csv"
    path.parent.mkdir(parents=True)
    path.write_text("sequence,label\nACGT,0\nACXT,1\n")
    with pytest.raises(
        ValueError, match="test.csv.*sequence 1: invalid character 'X' at position 2"
    ):
        data.load("prom_core_tata", root=tmp_path)
    path.write_text("ACGT,0\nACGT,2\n")
    with pytest.raises(ValueError, match="labels must lie in 0..1"):
        data.load("prom_core_tata", root=tmp_path)


# --- missing data ---------------------------------------------------------------------------


def test_missing_dataset_message(isolated, tmp_path, monkeypatch):
    monkeypatch.setenv(data.MIRROR_ENV, str(tmp_path / "mirror"))
    with pytest.raises(DatasetNotFoundError) as e:
        data.load("human_enhancers_ensembl", root=tmp_path / "root", download=False)
    msg = str(e.value)
    rel = "genomic_benchmarks/human_enhancers_ensembl.test.tsv"
    for path in (tmp_path / "root", tmp_path / "mirror", isolated):
        assert str(path / rel) in msg
    assert f"Set {data.MIRROR_ENV} to a folder that contains {rel}" in msg
    assert "downloads from " + data.url("human_enhancers_ensembl") in msg
    assert "downloads disabled" in msg
    assert isinstance(e.value, FileNotFoundError)


def test_failed_download_is_reported(isolated):
    with pytest.raises(
        DatasetNotFoundError,
        match=r"(?s)prom_core_tata.*\$DNAEXPLAIN_DATA_MIRROR: \(not set\)"
        r".*download failed",
    ):
        data.load("prom_core_tata")
    assert not list((isolated / "downloads").iterdir())


# --- downloads against local archives in the real layouts -----------------------------------


def gb_archive(tmp_path, prefix=""):
    name = "human_enhancers_ensembl"
    files = {
        f"{prefix}{name}/train/positive/10.txt": "acgt" * 60,
        f"{prefix}{name}/train/positive/9.txt": "T" * 250 + "\n",
        f"{prefix}{name}/train/negative/3.txt": "G" * 150,
        f"{prefix}{name}/test/negative/1.txt": "C" * 210,
        f"{prefix}{name}/test/positive/2.txt": "A" * 205,
        f"{prefix}{name}/test/positive/0.txt": "AC" * 110,
        f"__MACOSX/{name}/test/positive/._0.txt": "junk",
    }
    return write_zip(tmp_path / f"{name}_v0.zip", files)


@pytest.mark.parametrize("prefix", ["", "extra_folder/"])
def test_download_genomic_benchmarks(isolated, tmp_path, monkeypatch, prefix):
    archive = gb_archive(tmp_path, prefix)
    monkeypatch.setitem(data.URLS, "genomic_benchmarks", tmp_path.as_uri() + "/{name}_v0.zip")
    path, origin = data.locate("human_enhancers_ensembl", "test")
    assert origin == "download " + archive.as_uri()
    assert path == isolated / "genomic_benchmarks" / "human_enhancers_ensembl.test.tsv"
    # mirror layout, sorted by label then by numeric file id
    assert path.read_text() == f"seq\tlabel\n{'C' * 210}\t0\n{'AC' * 110}\t1\n{'A' * 205}\t1\n"
    assert not list((isolated / "downloads").iterdir())  # archive removed after conversion
    train = data.load("human_enhancers_ensembl", "train")
    assert train.sequences == ["T" * 250, "ACGT" * 60]  # 9.txt before 10.txt; 150 bp removed
    assert train.removed == {"shorter than 200 bp": 1, "contains N": 0}
    archive.unlink()  # now served from the cache
    assert data.locate("human_enhancers_ensembl", "test")[1] == "cache"


def test_download_genomic_benchmarks_unexpected_class_folder(isolated, tmp_path, monkeypatch):
    write_zip(
        tmp_path / "human_enhancers_cohn_v0.zip", {"human_enhancers_cohn/test/enhancer/1.txt": "A"}
    )
    monkeypatch.setitem(data.URLS, "genomic_benchmarks", tmp_path.as_uri() + "/{name}_v0.zip")
    with pytest.raises(
        DatasetNotFoundError, match="unexpected class folder 'enhancer'.*negative, positive"
    ):
        data.load("human_enhancers_cohn")


def test_download_gue(isolated, tmp_path, monkeypatch):
    files = {"GUE/EMP/H3/test.csv": "sequence,label\nAAAA,0\n"}
    for name in ("prom_300_tata", "prom_300_notata", "prom_core_tata", "prom_core_notata"):
        for i, split in enumerate(("train", "dev", "test")):
            files[f"GUE/prom/{name}/{split}.csv"] = "sequence,label\n" + "ACGT,1\nTTTT,0\n" * (
                i + 1
            )
    archive = write_zip(tmp_path / "GUE.zip", files)
    monkeypatch.setitem(data.URLS, "gue", archive.as_uri())
    d = data.load("prom_300_notata", "train", verbose=True)
    assert d.sequences == ["ACGT", "TTTT"] and d.labels.tolist() == [1, 0]
    assert d.source == "download: gue/prom/prom_300_notata/train.csv"
    archive.unlink()  # one archive serves every GUE dataset
    assert len(data.load("prom_core_tata", "test")) == 6
    assert not (isolated / "gue" / "EMP").exists()


class Broken:
    """A response that sends some bytes, then fails like a dropped connection."""

    headers = {"Content-Length": "4000000"}

    def __init__(self):
        self.sent = False

    def read(self, n):
        if self.sent:
            raise ConnectionResetError("connection reset by peer")
        self.sent = True
        return b"PK\x03\x04" + b"\0" * 1000

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_interrupted_download_leaves_no_file(isolated, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: Broken())
    with pytest.raises(DatasetNotFoundError, match="download failed: connection reset by peer"):
        data.load("human_nontata_promoters")
    assert not list((isolated / "downloads").iterdir())
    assert not (isolated / "genomic_benchmarks").exists()


def test_download_that_is_not_a_zip(isolated, tmp_path, monkeypatch):
    page = tmp_path / "page.html"
    page.write_text("<html>Google Drive can't scan this file for viruses</html>")
    monkeypatch.setitem(data.URLS, "gue", page.as_uri())
    with pytest.raises(DatasetNotFoundError, match="did not return a zip archive"):
        data.load("prom_300_tata")
    assert not list((isolated / "downloads").iterdir())


# --- command line ---------------------------------------------------------------------------


@needs_mirror
def test_cli_fetch(mirror, capsys):
    assert data.main(["fetch", "human_nontata_promoters", "--split", "test"]) == 0
    out = capsys.readouterr().out
    assert "human_nontata_promoters test: 9,034 sequences" in out and "from mirror" in out
    assert data.main(["fetch", "prom_300_notata", "nonsense"]) == 1
    captured = capsys.readouterr()
    assert "prom_300_notata dev: 5,307 sequences" in captured.out
    assert "no file gue/prom/prom_300_notata/train.csv" in captured.err
    assert "unknown dataset 'nonsense'" in captured.err


def test_cli_list(capsys):
    assert data.main(["list"]) == 0
    assert "human_enhancers_cohn" in capsys.readouterr().out


# --- Dataset, split and sample --------------------------------------------------------------


def toy(n0=10, n1=20):
    labels = np.array([0] * n0 + [1] * n1)
    seqs = [f"{'ACGT'[i % 4]}" * 5 for i in range(n0 + n1)]
    return Dataset("toy", seqs, labels, ("a", "b"), "toy", "test")


def test_dataset_checks_lengths():
    with pytest.raises(ValueError, match="must match"):
        Dataset("x", ["A"], np.array([0, 1]), ("a", "b"))


def test_split_exact_sizes():
    parts = data.split(toy(), fractions=(0.6, 0.2, 0.2), seed=0, min_eval_per_class=3)
    # class a: eval max(2, 3) = 3, val round(7/4) = 2, train 5; class b: 4, 4, 12
    assert parts["evaluation"].counts().tolist() == [3, 4]
    assert parts["validation"].counts().tolist() == [2, 4]
    assert parts["train"].counts().tolist() == [5, 12]
    assert parts["train"].split == "test/train"


def test_split_too_small_class():
    with pytest.raises(ValueError, match="class 'a' has 10 sequences.*min_eval_per_class=500"):
        data.split(toy())


@needs_mirror
def test_split_real_data(mirror):
    d = data.load("human_nontata_promoters")
    parts = data.split(d, seed=0)
    again = data.split(d, seed=0)
    other = data.split(d, seed=1)
    for k in parts:
        np.testing.assert_array_equal(parts[k].index, again[k].index)
        assert parts[k].sequences == again[k].sequences
    assert not np.array_equal(parts["evaluation"].index, other["evaluation"].index)
    idx = [parts[k].index for k in ("train", "validation", "evaluation")]
    assert sum(map(len, idx)) == len(d)
    np.testing.assert_array_equal(
        np.sort(np.concatenate(idx)), np.arange(len(d))
    )  # disjoint, covering
    assert (parts["evaluation"].counts() >= 500).all()
    for k, p in parts.items():
        frac = p.counts() / d.counts()
        assert np.allclose(frac, frac.mean(), atol=0.002), k  # stratified
    assert abs(len(parts["train"]) / len(d) - 0.7) < 0.01
    assert [d.sequences[i] for i in parts["validation"].index] == parts["validation"].sequences


def test_split_honours_minimum_evaluation():
    parts = data.split(toy(1000, 600), fractions=(0.8, 0.1, 0.1), seed=3)
    assert parts["evaluation"].counts().tolist() == [500, 500]
    assert parts["validation"].counts().tolist() == [56, 11]  # round(500 / 9), round(100 / 9)


def test_sample():
    d = toy(10, 20)
    s = data.sample(d, 4, seed=1)
    assert s.counts().tolist() == [4, 4]
    assert list(s.index) == sorted(s.index)
    assert data.sample(d, 4, seed=1).index.tolist() == s.index.tolist()
    assert data.sample(d, 4, seed=2).index.tolist() != s.index.tolist()
    assert [d.sequences[i] for i in s.index] == s.sequences
    with pytest.raises(ValueError, match="class 'a' has 10 sequences, fewer than 11"):
        data.sample(d, 11)


# --- JASPAR and the synthetic task ----------------------------------------------------------


def test_jaspar_motifs():
    motifs = data.jaspar_motifs(["MA0108.2", "MA0139.1"])
    assert list(motifs) == ["MA0108.2", "MA0139.1"]
    tbp = motifs["MA0108.2"]
    assert tbp.name == "TBP" and tbp.probs.shape == (4, 15) and tbp.counts.shape == (4, 15)
    np.testing.assert_allclose(tbp.probs.sum(axis=0), 1)
    assert tbp.counts[:, 2].tolist() == [352, 0, 2, 35]  # the A of TATA
    assert len(data.jaspar_motifs()) == 579  # JASPAR 2018 CORE vertebrates, latest versions
    with pytest.raises(KeyError, match="MA9999.9"):
        data.jaspar_motifs(["MA9999.9"])


def test_synthetic_ground_truth():
    d = data.synthetic(400, length=120, n_sites=(1, 3), seed=0, both_strands=True)
    motifs = data.jaspar_motifs(data.DEFAULT_MOTIFS)
    assert d.counts().tolist() == [200, 200]
    assert d.mask.shape == (400, 120) and d.mask.dtype == bool
    rebuilt = np.zeros_like(d.mask)
    per_seq = np.zeros(400, dtype=int)
    for s in d.sites:
        assert not rebuilt[s.index, s.start : s.end].any()  # no overlaps
        rebuilt[s.index, s.start : s.end] = True
        per_seq[s.index] += 1
        probs = motifs[s.motif].probs
        assert s.name == motifs[s.motif].name and s.end - s.start == probs.shape[1]
        site = d.sequences[s.index][s.start : s.end]
        forward = site if s.strand == "+" else reverse_complement(site)
        # every planted base is possible under the motif's column probabilities
        assert all(probs["ACGT".index(b), j] > 0 for j, b in enumerate(forward))
    np.testing.assert_array_equal(rebuilt, d.mask)
    assert ((per_seq >= 1) & (per_seq <= 3) == (d.labels == 1)).all()
    assert {s.strand for s in d.sites} == {"+", "-"}
    assert {s.motif for s in d.sites} == set(data.DEFAULT_MOTIFS)
    assert all(set(s) <= set("ACGT") and len(s) == 120 for s in d.sequences)


def test_synthetic_deterministic_and_gc():
    a = data.synthetic(1000, seed=3, gc=0.42)
    b = data.synthetic(1000, seed=3, gc=0.42)
    c = data.synthetic(1000, seed=4, gc=0.42)
    assert a.sequences == b.sequences and a.sites == b.sites
    np.testing.assert_array_equal(a.labels, b.labels)
    assert a.sequences != c.sequences
    background = "".join(s for s, y in zip(a.sequences, a.labels) if y == 0)
    assert abs((background.count("G") + background.count("C")) / len(background) - 0.42) < 0.005
    assert all(len([s for s in a.sites if s.index == i]) == 1 for i in np.flatnonzero(a.labels))


def test_synthetic_options_and_subset():
    d = data.synthetic(10, length=50, motifs=["MA0108.2"], n_sites=2, positive_fraction=0.3, seed=1)
    assert d.counts().tolist() == [7, 3] and len(d.sites) == 6
    pos = np.flatnonzero(d.labels)
    sub = d.subset([pos[2], pos[0]])
    assert sub.labels.tolist() == [1, 1] and sub.mask.shape == (2, 50)
    assert sorted(s.index for s in sub.sites) == [0, 0, 1, 1]
    for s in sub.sites:
        assert sub.mask[s.index, s.start : s.end].all()
    with pytest.raises(ValueError, match="do not fit"):
        data.synthetic(10, length=18, motifs=["MA0139.1"])  # CTCF is 19 bp


def _write_gb(root, name, split, n_per_class, length=50, seed=0):
    rng = np.random.default_rng(seed)
    rows = ["seq\tlabel"] + [
        "".join(rng.choice(list("ACGT"), length)) + f"\t{label}"
        for label in (0, 1)
        for _ in range(n_per_class)
    ]
    path = root / data.relpath(name, split)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(rows) + "\n")


def test_splits_resplit_the_test_split_when_train_is_missing(tmp_path):
    _write_gb(tmp_path, "human_nontata_promoters", "test", 40)
    parts = data.splits("human_nontata_promoters", min_eval_per_class=10, root=tmp_path)
    assert {p.split for p in parts.values()} == {"test/train", "test/validation", "test/evaluation"}
    assert sum(len(p) for p in parts.values()) == 80
    assert (parts["evaluation"].counts() >= 10).all()
    again = data.splits("human_nontata_promoters", min_eval_per_class=10, root=tmp_path)
    assert again["train"].sequences == parts["train"].sequences


def test_splits_use_published_splits_when_all_are_there(tmp_path):
    _write_gb(tmp_path, "human_nontata_promoters", "test", 15, seed=1)
    _write_gb(tmp_path, "human_nontata_promoters", "train", 40, seed=2)
    parts = data.splits("human_nontata_promoters", root=tmp_path)
    assert parts["evaluation"].split == "test" and len(parts["evaluation"]) == 30
    assert parts["train"].split == "train/train" and parts["validation"].split == "train/validation"
    assert len(parts["train"]) + len(parts["validation"]) == 80
    assert parts["validation"].counts().tolist() == [5, 5]  # an eighth of each class
    assert not set(parts["train"].index) & set(parts["validation"].index)
    capped = data.splits("human_nontata_promoters", root=tmp_path, max_sequences=10)
    assert [len(p) for p in capped.values()] == [10, 10, 10]


def test_splits_of_the_synthetic_task_carry_masks_and_repeat(monkeypatch):
    monkeypatch.setitem(data.SYNTHETIC_TASK, "n", 200)
    a = data.splits(data.SYNTHETIC, seed=0, min_eval_per_class=500)
    b = data.splits(data.SYNTHETIC, seed=0)
    assert a["train"].sequences == b["train"].sequences
    assert sum(len(p) for p in a.values()) == 200
    for part in a.values():
        assert part.mask.shape == (len(part), 200)
        assert (part.mask[part.labels == 0] == 0).all() and part.mask[part.labels == 1].any(1).all()


def test_sample_class_draws_one_class_in_order():
    ds = Dataset("toy", [f"A{i}" for i in range(10)], [0, 1] * 5, ("no", "yes"))
    picked = data.sample_class(ds, "yes", 3, seed=1)
    assert (picked.labels == 1).all() and len(picked) == 3
    assert list(picked.index) == sorted(picked.index)
    assert picked.sequences == data.sample_class(ds, "yes", 3, seed=1).sequences
    assert len(data.sample_class(ds, "no", 99)) == 5


# -- datasets from a reader's files ---------------------------------------------------------


@pytest.fixture
def declared():
    saved = dict(data.FILES)  # the declarations of this test only, then those before it
    data.FILES.clear()
    yield data.FILES
    data.FILES.clear()
    data.FILES.update(saved)


def write_fasta(path, sequences, width=60):
    lines = []
    for i, s in enumerate(sequences):
        lines += [f">seq{i} some description"] + [s[j : j + width] for j in range(0, len(s), width)]
    path.write_text("\n".join(lines) + "\n")
    return path


def random_sequences(n, length, seed):
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("ACGT"), length)) for _ in range(n)]


def test_fasta_per_class_reads_wrapped_soft_masked_records(tmp_path):
    pos = random_sequences(5, 130, 0)
    neg = random_sequences(7, 130, 1)
    masked = [s[:10].lower() + s[10:] for s in pos]  # soft-masked genome
    d = data.from_files(
        fasta={
            "bound": write_fasta(tmp_path / "p.fa", masked),
            "unbound": write_fasta(tmp_path / "n.fa", neg),
        },
        name="mine",
    )
    assert d.classes == ("bound", "unbound")
    assert d.sequences == pos + neg
    assert d.labels.tolist() == [0] * 5 + [1] * 7
    assert d.source == "p.fa + n.fa"  # file names, not the machine's folders
    table = data.summary(d)
    assert table.loc["bound"].tolist() == [5, 130, 130, 130]
    assert table.dtypes.map(lambda t: t.kind == "i").all()


def test_one_sequence_per_line_is_read_too(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text("ACGTAC\n\nTTGACA\n")
    b = tmp_path / "b.txt"
    b.write_text("GGGCCC\n")
    d = data.from_files(fasta={"a": a, "b": b})
    assert d.sequences == ["ACGTAC", "TTGACA", "GGGCCC"] and d.labels.tolist() == [0, 0, 1]


def test_table_labels_as_names_or_integers_header_optional(tmp_path):
    named = tmp_path / "named.csv"
    named.write_text("sequence,label\n" + "ACGT,enhancer\nTTTT,background\nGGGG,enhancer\n" * 5)
    d = data.from_files(csv=named)
    assert d.classes == ("background", "enhancer") and d.labels.tolist() == [1, 0, 1] * 5
    d = data.from_files(csv=named, classes=["enhancer", "background"])
    assert d.labels.tolist() == [0, 1, 0] * 5
    numbered = tmp_path / "numbered.tsv"
    numbered.write_text("ACGT\t1\nTTTT\t0\n" * 5)
    d = data.from_files(csv=numbered)
    assert d.classes == ("class 0", "class 1") and d.labels.tolist() == [1, 0] * 5


@pytest.mark.parametrize(
    "text, message",
    [
        ("sequence,label\nACGT,0\nACXT,1\n", r"t.csv:3: .*'X'"),
        ("sequence,label\nACGT,0\n,1\n", r"t.csv:3: empty sequence"),
        ("ACGT,0\nACGT,2\n", None),
        ("ACGT,0\nACGT\n", r"t.csv:2: expected 'sequence,label'"),
    ],
)
def test_bad_rows_name_the_file_and_line(tmp_path, text, message):
    path = tmp_path / "t.csv"
    path.write_text(text)
    if message is None:  # labels 0 and 2 make three classes, one of them empty
        with pytest.raises(
            ValueError,
            match=r"class 'class 0' has 1 sequence\(s\), fewer than 5 "
            r"\(sequences per class: 'class 0': 1, 'class 1': 0, 'class 2': 1\)",
        ):
            data.from_files(csv=path)
        return
    with pytest.raises(ValueError, match=message):
        data.from_files(csv=path)


def test_fasta_errors_name_the_line(tmp_path):
    bad = tmp_path / "bad.fa"
    bad.write_text(">a\nACGT\n>b\nACGT\nAC-GT\n")
    ok = write_fasta(tmp_path / "ok.fa", ["ACGT"])
    with pytest.raises(ValueError, match=r"bad.fa:5: .*'-'"):  # the line, not the header
        data.from_files(fasta={"x": bad, "y": ok})
    bad.write_text(">a\nACGT\n>b\n>c\nACGT\n")
    with pytest.raises(ValueError, match=r"bad.fa:3: empty sequence"):  # no line: its header
        data.from_files(fasta={"x": bad, "y": ok})


def test_preprocessing_only_when_asked(tmp_path):
    a = write_fasta(tmp_path / "a.fa", ["ACGTNACGTA", "ACGTACGTAC", "ACG"])
    b = write_fasta(tmp_path / "b.fa", ["TTTTTTTTTT", "GGGGGGGGGG"])
    files = {"a": a, "b": b}
    assert len(data.from_files(fasta=files)) == 5  # nothing filtered by default
    d = data.from_files(fasta=files, min_length=5, n="drop")
    assert len(d) == 3 and d.removed == {"shorter than 5 bp": 1, "contains N": 1}
    assert d.index.tolist() == [1, 3, 4]
    with pytest.raises(ValueError, match="a.fa:2: the sequence contains N"):
        data.from_files(fasta=files, n="error")


def test_a_length_leak_is_warned_about(tmp_path):
    long = write_fasta(tmp_path / "pos.fa", random_sequences(20, 300, 0))
    short = write_fasta(tmp_path / "neg.fa", random_sequences(20, 280, 1))
    with pytest.warns(UserWarning, match="differ in length .*AUROC 1.00"):
        d = data.from_files(fasta={"pos": long, "neg": short})
    assert data.length_leak(d) == 1.0
    same = write_fasta(tmp_path / "neg2.fa", random_sequences(20, 300, 2))
    assert data.length_leak(data.from_files(fasta={"pos": long, "neg": same})) == 0.5


def test_declared_fasta_dataset_is_re_split_by_seed(tmp_path, declared):
    files = {
        "pos": write_fasta(tmp_path / "p.fa", random_sequences(60, 50, 0)),
        "neg": write_fasta(tmp_path / "n.fa", random_sequences(40, 50, 1)),
    }
    data.declare("mine", fasta=files)
    parts = data.splits("mine", seed=3, min_eval_per_class=500)
    # 500 evaluation sequences per class cannot be had: a fifth of the smallest class is kept
    assert parts["evaluation"].counts().tolist() == [12, 8]
    assert sum(len(p) for p in parts.values()) == 100
    again = data.splits("mine", seed=3, min_eval_per_class=500)
    assert again["train"].sequences == parts["train"].sequences
    table = data.origins(parts)
    assert table.loc["evaluation", "source"] == "p.fa + n.fa"
    assert table.loc["evaluation", "pos"] == 12


def test_declared_folder_is_used_as_published(tmp_path, declared):
    folder = tmp_path / "task"
    folder.mkdir()
    for name, n in (("train", 10), ("dev", 2), ("test", 4)):
        rows = "".join(f"{s},{i % 2}\n" for i, s in enumerate(random_sequences(n, 20, n)))
        (folder / f"{name}.csv").write_text("sequence,label\n" + rows)
    data.declare("task", folder=folder)
    parts = data.splits("task")
    assert [len(parts[p]) for p in ("train", "validation", "evaluation")] == [10, 2, 4]
    assert parts["validation"].source == "task/dev.csv"
    assert data.load("task", "test").sequences == parts["evaluation"].sequences


def test_declare_rejects_built_in_names_and_missing_files(tmp_path, declared):
    with pytest.raises(ValueError, match="built-in dataset"):
        data.declare("human_nontata_promoters", csv=tmp_path / "x.csv")
    with pytest.raises(DatasetNotFoundError, match="no file .*x.csv"):
        data.declare("mine", csv=tmp_path / "x.csv")
    with pytest.raises(KeyError, match="declared from files: none"):
        data.splits("mine")


@needs_mirror
def test_published_splits_from_different_places_are_never_combined(mirror, isolated):
    # a downloaded train split in the cache beside the mirror's test split
    name = "human_nontata_promoters"
    cached = isolated / data.relpath(name, "train")
    cached.parent.mkdir(parents=True)
    cached.write_text("seq\tlabel\n" + "ACGTACGTAC\t0\n" * 10 + "ACGTACGTAC\t1\n" * 10)
    parts = data.splits(name, min_eval_per_class=100, max_sequences=0)
    assert {p.source for p in parts.values()} == {f"mirror: {data.relpath(name, 'test')}"}
    assert parts["train"].split == "test/train"


def test_chipseq_names_in_data_files_are_found_when_read(tmp_path, declared, monkeypatch):
    """ "chipseq:<set>" is checked when declared, and found (mirror, cache, download) only when
    the dataset is read, so declaring it costs nothing where the chapter never reads it."""
    from dnaexplain import params

    monkeypatch.setitem(data.CHIPSEQ_SOURCE, "index", ((tmp_path / "nowhere.json").as_uri(),))
    peaks = {"oct4": "chipseq:oct4", "mafk": "chipseq:mafk"}
    params.check(data_files={"peaks": {"fasta": peaks}}, runs=["cnn:peaks"])  # nothing read
    data.declare("peaks", fasta=peaks)
    with pytest.raises(DatasetNotFoundError, match="ChIP-seq peaks not found"):
        data.splits("peaks")
    mirror = tmp_path / "mirror"
    (mirror / "chipseq").mkdir(parents=True)
    oct4, mafk = random_sequences(30, 200, 0), random_sequences(40, 200, 1)
    write_fasta(mirror / "chipseq" / "oct4_peaks.fa", [s.lower() for s in oct4])  # soft-masked
    write_fasta(mirror / "chipseq" / "mafk_peaks.fa", mafk)
    monkeypatch.setenv(data.MIRROR_ENV, str(mirror))
    assert data.file_path("chipseq:mafk") == mirror / "chipseq" / "mafk_peaks.fa"
    assert data.file_path("mine.fa") == Path("mine.fa")
    parts = data.splits("peaks", seed=0, min_eval_per_class=5)
    assert parts["train"].classes == ("oct4", "mafk")
    assert parts["evaluation"].counts().tolist() == [6, 8]  # a fifth of each class
    assert parts["evaluation"].source == "oct4_peaks.fa + mafk_peaks.fa"
    every = {s: int(y) for p in parts.values() for s, y in zip(p.sequences, p.labels)}
    assert every == {**{s: 0 for s in oct4}, **{s: 1 for s in mafk}}
    with pytest.raises(
        ValueError,
        match="data_files.x: unknown ChIP-seq set 'chipseq:sox2'; "
        "known: chipseq:oct4, chipseq:mafk",
    ):
        data.declare("x", fasta={"a": "chipseq:sox2", "b": "chipseq:mafk"})
    with pytest.raises(ValueError, match="unknown ChIP-seq set"):
        data.file_path("chipseq:sox2")


@pytest.mark.skipif(not (MIRROR / "chipseq").is_dir(), reason=f"no ChIP-seq peaks in {MIRROR}")
def test_chipseq_dataset_at_full_size_from_a_copy_of_the_mirror(tmp_path, declared, monkeypatch):
    import shutil

    shutil.copytree(MIRROR / "chipseq", tmp_path / "chipseq")
    monkeypatch.setenv(data.MIRROR_ENV, str(tmp_path))
    data.declare("oct4_mafk", fasta={"oct4": "chipseq:oct4", "mafk": "chipseq:mafk"})
    parts = data.splits("oct4_mafk", seed=0, min_eval_per_class=500)
    assert sum(p.counts() for p in parts.values()).tolist() == [3897, 3900]
    # 20 % of each class is evaluated (more than the 500 asked for), 1/8 of the rest validates
    assert parts["evaluation"].counts().tolist() == [779, 780]
    assert parts["validation"].counts().tolist() == [390, 390]
    assert {len(s) for p in parts.values() for s in p.sequences} == {200}


# The Oct4 / MafK ChIP-seq peak files: mirror, cache, and the download from PyPI's JSON API
# and the janggu wheel, tested against local copies in the real layouts.

WHEEL = data.CHIPSEQ_SOURCE["wheel"]
OCT4 = ">chr1:100-300\nacgtACGTNN\nTTTT\n>chr2:5-205\nGGGG\n"
MAFK = ">chr3:1-201\nTGCTGAGTCAGCA\n"


def fake_pypi(tmp_path, monkeypatch, members=None, listed=None, layout="release"):
    """A wheel with the two members (and others), and PyPI JSON pointing at it: ``release``
    is the per-release API (``urls``), ``project`` the per-project one (``releases``), tried
    after a release URL that does not answer. Returns the wheel's path."""
    members = (
        {
            "janggu/resources/sample.fa": OCT4,
            "janggu/resources/sample2.fa": MAFK,
            "janggu/__init__.py": "",
            "janggu-0.10.2.dist-info/METADATA": "Name: janggu\n",
        }
        if members is None
        else members
    )
    wheel = tmp_path / "files" / WHEEL
    wheel.parent.mkdir(exist_ok=True)
    with zipfile.ZipFile(wheel, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    files = [
        {
            "filename": "janggu-0.10.2.tar.gz",
            "url": "https://nowhere",
            "packagetype": "sdist",
            "digests": {"sha256": "0" * 64},
        },
        {
            "filename": WHEEL,
            "url": wheel.as_uri(),
            "packagetype": "bdist_wheel",
            "digests": {"sha256": listed or sha},
        },
    ]
    index = tmp_path / f"{layout}.json"
    if layout == "release":
        index.write_text(json.dumps({"info": {"version": "0.10.2"}, "urls": files}))
        urls = (index.as_uri(),)
    else:
        # the project's latest release is another one: its files must not be used
        index.write_text(
            json.dumps(
                {"info": {"version": "0.11"}, "urls": [], "releases": {"0.10.2": files, "0.11": []}}
            )
        )
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
    assert sorted(p.name for p in (isolated / "chipseq").iterdir()) == [
        "mafk_peaks.fa",
        "oct4_peaks.fa",
    ]
    wheel.unlink()  # now served from the cache
    assert {k: v[1] for k, v in data.locate_chipseq().items()} == {"oct4": "cache", "mafk": "cache"}


def test_mirror_root_and_cache_come_first(isolated, tmp_path, monkeypatch):
    mirror, root = tmp_path / "mirror", tmp_path / "root"
    for base, name in ((mirror, "oct4"), (mirror, "mafk"), (root, "mafk")):
        (base / "chipseq").mkdir(parents=True, exist_ok=True)
        (base / data.chipseq_relpath(name)).write_text(">x\nACGT\n")
    monkeypatch.setenv(data.MIRROR_ENV, str(mirror))
    found = data.locate_chipseq(root=root, download=False)
    assert found == {
        "oct4": (mirror / "chipseq" / "oct4_peaks.fa", "mirror"),
        "mafk": (root / "chipseq" / "mafk_peaks.fa", "root"),
    }


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
    with pytest.raises(
        DatasetNotFoundError,
        match=r"sha256 [0-9a-f]{64} does not match the "
        r"abab",
    ):
        data.locate_chipseq()
    assert not list((isolated / "downloads").iterdir())
    assert not (isolated / "chipseq").exists()
    # a pinned digest that the index contradicts stops before downloading
    monkeypatch.setitem(data.CHIPSEQ_SOURCE, "sha256", "cd" * 32)
    with pytest.raises(
        DatasetNotFoundError, match="PyPI lists sha256 abab.* not the expected cdcd"
    ):
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


def test_labels_that_differ_in_case_or_a_stray_label_stop_with_the_counts(tmp_path):
    seqs = random_sequences(13, 20, seed=5)
    path = tmp_path / "t.csv"
    path.write_text(
        "".join(f"{q},{'enhancer' if i < 6 else 'background'}\n" for i, q in enumerate(seqs[:12]))
        + f"{seqs[12]},Enhancer \n"
    )
    with pytest.raises(
        ValueError,
        match=r"t.csv: labels \['Enhancer', 'enhancer'\] differ only "
        r"in case or spaces, so they make 2 classes \(sequences per label: "
        r"'Enhancer': 1, 'background': 6, 'enhancer': 6\)",
    ):
        data.from_files(csv=path)
    path.write_text(path.read_text().replace("Enhancer", "enhancr"))
    with pytest.raises(
        ValueError,
        match=r"class 'enhancr' has 1 sequence\(s\), fewer than 5 .*"
        r"give classes: \[...\] to read only the labels you mean",
    ):
        data.from_files(csv=path)
    with pytest.raises(ValueError, match=r"t.csv:13: label 'enhancr' is not one of the classes"):
        data.from_files(csv=path, classes=["enhancer", "background"])


def test_a_declared_folder_of_fasta_prints_its_class_order(tmp_path, declared, capsys):
    folder = tmp_path / "task"
    for i, (part, n) in enumerate((("train", 10), ("dev", 4), ("test", 4))):
        (folder / part).mkdir(parents=True)
        for c, cls in enumerate(("nonenhancer", "enhancer")):
            write_fasta(folder / part / f"{cls}.fa", random_sequences(n, 20, seed=10 * c + i))
    data.declare("task", folder=folder)
    parts = data.splits("task")
    assert parts["train"].classes == ("enhancer", "nonenhancer")
    assert (
        "task: classes in label order (file names, sorted): enhancer = 0, nonenhancer = 1; "
        "give classes: [...]" in capsys.readouterr().out
    )
    data.declare("ordered", folder=folder, classes=["nonenhancer", "enhancer"])
    assert data.splits("ordered")["evaluation"].classes == ("nonenhancer", "enhancer")
    assert "label order" not in capsys.readouterr().out
