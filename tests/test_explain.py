"""Tests of the `explain` command: inputs with ids (FASTA, tables, BED + genome), the output
folder's files read back by the tools that read them (h5py, pyBigWig, memelite, modisco),
sharding over ranks and processes, resuming, and bad input stopped before anything is computed.
"""

import gzip
import json
import os
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import torch

from dnaexplain import attribution, exporting, formats, inputs, models, regions
from dnaexplain.__main__ import main
from dnaexplain.attribution.registry import Method, Variant
from dnaexplain.regions import RegionError
from dnaexplain.sequences import from_indices, one_hot, random_sequences, reverse_complement
from dnaexplain.tokenizers import dnabert_tokenizer

SRC = Path(exporting.__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cnn_dir(tmp_path_factory):
    """A tiny CNN checkpoint folder with random weights."""
    folder = tmp_path_factory.mktemp("cnn")
    torch.manual_seed(0)
    models.build("cnn", "tiny", num_labels=2).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def cnn(cnn_dir):
    return exporting.checkpoint(cnn_dir)


@pytest.fixture(scope="module")
def dnabert_dir(tmp_path_factory):
    """A tiny DNABERT-3 checkpoint with its tokenizer saved beside it."""
    folder = tmp_path_factory.mktemp("dnabert")
    torch.manual_seed(0)
    models.build("dnabert", "tiny", k=3).save_pretrained(folder)
    dnabert_tokenizer(k=3).save_pretrained(folder)
    return folder


def write_fasta(path, ids, sequences, wrap=25):
    with open(path, "w") as f:
        for i, s in zip(ids, sequences):
            f.write(f">{i} some description\n")
            f.write("".join(s[j : j + wrap] + "\n" for j in range(0, len(s), wrap)))
    return path


@pytest.fixture(scope="module")
def genome(tmp_path_factory):
    """A two-chromosome genome FASTA and its sequences."""
    folder = tmp_path_factory.mktemp("genome")
    chroms = dict(zip(["chr1", "chr2"], random_sequences(2, 1200, seed=5)))
    chroms["chr2"] = chroms["chr2"][:900].lower()  # soft-masked, and of another length
    write_fasta(folder / "genome.fa", chroms, chroms.values(), wrap=60)
    return folder / "genome.fa", {c: s.upper() for c, s in chroms.items()}


def read_store(out):
    """Every dataset of scores.h5 as a numpy array."""
    found = {}
    with h5py.File(out / "scores.h5", "r") as f:
        f.visititems(
            lambda name, d: found.__setitem__(name, d[:]) if isinstance(d, h5py.Dataset) else None
        )
    return found


def assert_same_outputs(a, b):
    """Two output folders hold the same files with the same contents."""
    names = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    x, y = read_store(a), read_store(b)
    assert x.keys() == y.keys()
    for key in x:
        np.testing.assert_array_equal(x[key], y[key], err_msg=key)
    for name in names:
        if name.endswith((".npz", ".tsv", ".meme", ".bedGraph", ".bw")):
            assert (a / name).read_bytes() == (b / name).read_bytes(), name


def records_of(n=12, length=60, seed=1, lengths=None):
    sequences = random_sequences(n, length, seed=seed)
    if lengths is not None:
        sequences = [s[:k] for s, k in zip(sequences, lengths)]
    ids = [f"seq_{i}" for i in range(n)]
    return inputs.Records(ids, sequences, [f"x.fa:{i}" for i in range(n)])


# --- inputs --------------------------------------------------------------------------------


def test_fasta_ids_and_wrapped_sequences_are_kept(tmp_path):
    sequences = random_sequences(3, 70, seed=0)
    path = write_fasta(tmp_path / "in.fa", ["a", "b b", "c"], sequences)
    r = inputs.read(path)
    assert r.ids == ["a", "b", "c"] and r.sequences == sequences
    assert r.where == ["in.fa:1", "in.fa:5", "in.fa:9"] and r.windows is None


def test_table_ids_from_a_header_or_the_line_kept_in_the_outputs(tmp_path, cnn):
    (tmp_path / "a.csv").write_text("label,sequence,id\n1,acgtacgtac,x1\n0,GGNAGGTTAC,x2\n")
    r = inputs.read(tmp_path / "a.csv")
    assert r.ids == ["x1", "x2"] and r.sequences == ["ACGTACGTAC", "GGNAGGTTAC"]
    (tmp_path / "b.tsv").write_text("ACGT\t1\nTTTT\t0\n")
    assert inputs.read(tmp_path / "b.tsv").ids == ["b.tsv:1", "b.tsv:2"]
    out = exporting.export(tmp_path / "out", cnn, r, motif_sequences=0, verbose=False)
    assert pd.read_csv(out / "predictions.tsv", sep="\t")["id"].tolist() == ["x1", "x2"]
    assert [i.decode() for i in read_store(out)["ids"]] == ["x1", "x2"]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a.fa", ">x\nACGT\n>x\nACGA\n", "a.fa:3: id 'x' was already given at a.fa:1"),
        ("b.fa", ">x\nACGT\nACXT\n", "b.fa:3: invalid character 'X'"),
        ("c.fa", "ACGT\n>x\nA\n", "c.fa:1: sequence before the first"),
        ("d.csv", "id,sequence\nx,ACGT\ny,AC-T\n", "d.csv:3: invalid character '-'"),
        ("e.txt", "ACGT\n", "cannot tell the format"),
    ],
)
def test_bad_sequence_files_name_the_line(tmp_path, name, text, message):
    (tmp_path / name).write_text(text)
    with pytest.raises(ValueError, match=message):
        inputs.read(tmp_path / name)


def test_bed_windows_around_summit_or_centre_minus_strand_reverse_complemented(genome, tmp_path):
    fasta, chroms = genome
    bed = tmp_path / "peaks.narrowPeak"
    bed.write_text(
        "track name=peaks\n"
        "chr1\t100\t200\tp1\t0\t+\t1\t1\t1\t30\n"  # summit at 130
        "chr1\t300\t401\tp2\t0\t-\t1\t1\t1\t-1\n"  # no summit: centre 350
        "# a comment\n"
        "chr2\t500\t600\t.\t0\t.\n"  # '.': no strand, read as +
        "chr2\t10\t60\n"  # three columns: +
    )
    r = inputs.read(bed, fasta, 40)
    assert [(w.chrom, w.start, w.end, w.strand) for w in r.windows] == [
        ("chr1", 110, 150, "+"),
        ("chr1", 330, 370, "-"),
        ("chr2", 530, 570, "+"),
        ("chr2", 15, 55, "+"),
    ]
    assert r.ids == ["p1", "p2", "chr2:500-600(+)", "chr2:10-60(+)"]
    assert r.where == ["peaks.narrowPeak:2", "peaks.narrowPeak:3", "peaks.narrowPeak:5"] + [
        "peaks.narrowPeak:6"
    ]
    for w, s in zip(r.windows, r.sequences):
        forward = chroms[w.chrom][w.start : w.end]
        assert s == (reverse_complement(forward) if w.strand == "-" else forward)
    assert r.sizes == {"chr1": 1200, "chr2": 900}
    centred = inputs.read(bed, fasta, 40, centre="centre")
    assert centred.windows[0][2:4] == (130, 170)
    packed = tmp_path / "peaks.narrowPeak.gz"
    packed.write_bytes(gzip.compress(bed.read_bytes()))
    assert inputs.read(packed, fasta, 40).sequences == r.sequences


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("chr1\t5\t30\tq\t0\t+", r"bed:2: the 40 bp window chr1:-3-37 around the centre runs off"),
        ("chr2\t875\t895", r"bed:2: the 40 bp window chr2:865-905 .* runs off chr2 \(0-900\)"),
        ("1\t100\t200", r"bed:2: chromosome '1' is not in the genome .* closest is 'chr1'"),
        ("chr1\t100\t200\tq\t0\tx", r"bed:2: strand 'x' is none of '\+', '-' or '\.'"),
        ("chr1\t100\t200\tq\t0\t+", r"bed:2: the same window chr1:130-170\(\+\) as line 1"),
        ("chr1\t500\t600\tp\t0\t+", r"bed:2: interval name 'p' was already given on line 1"),
        ("chr1\t200\t100", r"bed:2: need 0 <= start < end"),
        ("chr1\t100\t200\tq\t0\t+\t1\t1\t1\t500", r"bed:2: summit offset 500 lies outside"),
    ],
)
def test_bad_bed_lines_stop_before_compute_naming_file_and_line(
    genome, tmp_path, cnn_dir, line, message, monkeypatch
):
    fasta, _ = genome
    bed = tmp_path / "peaks.bed"
    bed.write_text(f"chr1\t100\t200\tp\t0\t+\n{line}\n")
    with pytest.raises(RegionError, match=message):
        inputs.read(bed, fasta, 40)
    computed = []
    monkeypatch.setattr(exporting, "_compute", lambda *a: computed.append(a))
    args = ["explain", str(bed), "--genome", str(fasta), "--width", "40"]
    with pytest.raises(RegionError, match=message):
        main([*args, "--checkpoint", str(cnn_dir), "--out", str(tmp_path / "out"), "--quiet"])
    assert not computed and not (tmp_path / "out").exists()


# --- the output folder ---------------------------------------------------------------------


def test_fasta_run_keeps_ids_and_scores_match_the_library(tmp_path, cnn, cnn_dir, monkeypatch):
    sequences = random_sequences(9, 50, seed=3)
    sequences[4] = sequences[4][:31]  # shorter: padded with 0 / N
    ids = [f"r{i}" for i in range(9)][::-1]
    fasta = write_fasta(tmp_path / "in.fa", ids, sequences)
    out = tmp_path / "out"
    main(
        ["explain", str(fasta), "--checkpoint", str(cnn_dir), "--out", str(out)]
        + ["--methods", "lrp", "input_x_gradient", "ism", "--shard-size", "4", "--quiet"]
    )
    table = pd.read_csv(out / "predictions.tsv", sep="\t")
    assert table["id"].tolist() == ids
    store = read_store(out)
    assert [i.decode() for i in store["ids"]] == ids
    assert store["lengths"].tolist() == [len(s) for s in sequences]
    model = cnn.model
    logits = models.predict(model, one_hot(sequences, length=50)).numpy()
    np.testing.assert_allclose(store["logits"], logits, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(store["predicted"], logits.argmax(-1))
    assert table["predicted"].tolist() == [f"LABEL_{i}" for i in logits.argmax(-1)]
    np.testing.assert_allclose(table[["p_LABEL_0", "p_LABEL_1"]].sum(axis=1), 1)
    target = torch.from_numpy(logits.argmax(-1))
    want = attribution.explain_many(
        model,
        None,
        sequences,
        {m: (m, {}) for m in ("lrp", "input_x_gradient", "ism")}
        | {"hyp": ("ism", {"hypothetical": True})},
        target,
    )
    for m in ("lrp", "input_x_gradient", "ism"):
        np.testing.assert_allclose(store[f"scores/{m}"], want[m].numpy(), atol=1e-5, err_msg=m)
    assert set(store) >= {"hypothetical/input_x_gradient", "hypothetical/ism"}
    assert "hypothetical/lrp" not in store
    np.testing.assert_allclose(store["hypothetical/ism"], want["hyp"].numpy(), atol=1e-5)
    ohe = np.load(out / "ohe.npz")["arr_0"]
    assert ohe.shape == (9, 4, 50) and ohe.dtype == np.float32
    np.testing.assert_array_equal(ohe, one_hot(sequences, length=50).numpy())
    attr = np.load(out / "lrp" / "attr.npz")["arr_0"]  # no hypothetical: the observed base's
    np.testing.assert_array_equal(attr, ohe * store["scores/lrp"][:, None])
    np.testing.assert_array_equal(
        np.load(out / "ism" / "attr.npz")["arr_0"], store["hypothetical/ism"]
    )
    assert not (out / "shards").exists()
    assert json.loads((out / "run.json").read_text())["merged"] is True
    # the same command again finds the run complete and computes nothing
    monkeypatch.setattr(exporting, "_compute", lambda *a: pytest.fail("computed again"))
    main(
        ["explain", str(fasta), "--checkpoint", str(cnn_dir), "--out", str(out)]
        + ["--methods", "lrp", "input_x_gradient", "ism", "--shard-size", "4", "--quiet"]
    )


def test_bed_tracks_read_back_equal_the_scores_in_genome_order(genome, tmp_path, cnn):
    fasta, _ = genome
    bed = tmp_path / "peaks.bed"
    bed.write_text(
        "chr2\t500\t600\tc\t0\t+\n"  # chr2 first in the file, second in the genome
        "chr1\t100\t200\ta\t0\t+\n"
        "chr1\t300\t400\tb\t0\t-\n"
        "chr1\t600\t700\td\t0\t.\n"
    )
    r = inputs.read(bed, fasta, 50)
    out = exporting.export(tmp_path / "out", cnn, r, ["lrp", "ism"], verbose=False)
    import pyBigWig

    store = read_store(out)
    table = pd.read_csv(out / "predictions.tsv", sep="\t")
    assert table[["id", "chrom", "start", "end", "strand"]].values.tolist() == [
        ["c", "chr2", 525, 575, "+"],
        ["a", "chr1", 125, 175, "+"],
        ["b", "chr1", 325, 375, "-"],
        ["d", "chr1", 625, 675, "+"],
    ]
    for m in ("lrp", "ism"):
        bw = pyBigWig.open(str(out / m / f"{m}.bw"))
        assert bw.chroms() == {"chr1": 1200, "chr2": 900}
        graph = pd.read_csv(out / m / f"{m}.bedGraph", sep="\t", header=None)
        for i, w in enumerate(r.windows):
            want = store[f"scores/{m}"][i]
            want = want[::-1] if w.strand == "-" else want  # position j is the genome's end-1-j
            got = np.array(bw.values(w.chrom, w.start, w.end), dtype=np.float32)
            np.testing.assert_array_equal(got, want)
            rows = graph[(graph[0] == w.chrom) & (graph[1] < w.end) & (graph[2] > w.start)]
            per_base = np.repeat(rows[3].to_numpy(np.float32), rows[2] - rows[1])
            np.testing.assert_array_equal(per_base, want)
        bw.close()
    # the minus window's own sequence is the reverse complement, as the model read it
    assert store["sequences"][2].decode() == r.sequences[2]


def test_overlapping_windows_average_on_the_track():
    windows = [
        regions.Window("a", "chr1", 10, 14, "+", ""),
        regions.Window("b", "chr1", 12, 16, "-", ""),
        regions.Window("c", "chr1", 16, 18, "+", ""),
    ]
    scores = np.array([[1, 2, 3, 4], [10, 20, 30, 40], [7, 8, 0, 0]], dtype=np.float32)
    blocks = list(formats.track_blocks(windows, scores, ["chr1"]))
    assert [(c, s) for c, s, _ in blocks] == [("chr1", 10), ("chr1", 16)]
    np.testing.assert_array_equal(blocks[0][2], [1, 2, 6.5, 12, 30, 40])
    np.testing.assert_array_equal(blocks[1][2], [7, 8])


def test_dnabert_checkpoint_with_its_tokenizer(tmp_path, dnabert_dir):
    sequences = random_sequences(3, 40, seed=4)
    fasta = write_fasta(tmp_path / "in.fa", ["x", "y", "z"], sequences)
    out = tmp_path / "out"
    main(
        ["explain", str(fasta), "--checkpoint", str(dnabert_dir), "--out", str(out)]
        + ["--methods", "attnlrp", "ism", "--target", "1", "--quiet", "--motif-sequences", "0"]
    )
    trained = exporting.checkpoint(dnabert_dir)
    want = attribution.explain_many(
        trained.model,
        trained.tokenizer,
        sequences,
        {"attnlrp": ("attnlrp", {}), "ism": ("ism", {"hypothetical": True})},
        target=1,
    )
    store = read_store(out)
    np.testing.assert_allclose(store["scores/attnlrp"], want["attnlrp"].numpy(), atol=1e-5)
    np.testing.assert_allclose(store["hypothetical/ism"], want["ism"].numpy(), atol=1e-5)
    assert (store["target"] == 1).all() and not (out / "motifs.meme").exists()
    table = pd.read_csv(out / "predictions.tsv", sep="\t")
    assert table["explained"].tolist() == ["LABEL_1"] * 3


def test_another_runs_folder_is_refused_before_compute(tmp_path, cnn, monkeypatch):
    r = records_of(4)
    out = exporting.export(tmp_path / "out", cnn, r, ["lrp"], verbose=False)
    computed = []
    monkeypatch.setattr(exporting, "_compute", lambda *a: computed.append(a))
    with pytest.raises(exporting.OutputFolderError, match=r"out/run.json: .* differs in methods"):
        exporting.export(out, cnn, r, ["saliency"], verbose=False)
    with pytest.raises(exporting.OutputFolderError, match="differs in inputs"):
        exporting.export(out, cnn, records_of(4, seed=9), ["lrp"], verbose=False)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(exporting.OutputFolderError, match=r"holds files of no run \(notes.txt\)"):
        exporting.export(tmp_path / "other", cnn, r, ["lrp"], verbose=False)
    assert exporting.export(out, cnn, r, ["lrp"], verbose=False) == out  # complete: nothing to do
    assert not computed


def test_bad_methods_and_targets_stop_before_compute(tmp_path, cnn):
    r = records_of(2)
    with pytest.raises(ValueError, match="'attnlrp' does not run on a cnn"):
        exporting.export(tmp_path / "a", cnn, r, ["attnlrp"], verbose=False)
    with pytest.raises(ValueError, match=r"target 'enhancer' is none of the classes"):
        exporting.export(tmp_path / "a", cnn, r, target="enhancer", verbose=False)
    assert not (tmp_path / "a").exists()


# --- sharding and resuming -----------------------------------------------------------------


def test_two_ranks_then_merge_equal_one_process(tmp_path, cnn):
    r = records_of(11, lengths=[60, 55, 60, 41, 60, 60, 60, 59, 60, 60, 60])
    kw = dict(methods=["lrp", "input_x_gradient"], shard_size=3, verbose=False)
    one = exporting.export(tmp_path / "one", cnn, r, **kw)
    two = tmp_path / "two"
    exporting.export(two, cnn, r, rank=0, world_size=2, **kw)
    assert sorted(p.name for p in (two / "shards").iterdir()) == [
        "shard-00000.h5",
        "shard-00002.h5",
    ]
    assert not (two / "scores.h5").exists()  # rank 0 of 2 without a launcher does not merge
    exporting.export(two, cnn, r, rank=1, world_size=2, **kw)
    exporting.merge(two, verbose=False)
    assert_same_outputs(one, two)


class Killed(Exception):
    """Stands for the process being killed."""


def test_a_killed_run_resumes_without_recomputing_finished_shards(tmp_path, cnn, monkeypatch):
    r = records_of(10)
    kw = dict(methods=["lrp"], shard_size=2, verbose=False)
    whole = exporting.export(tmp_path / "whole", cnn, r, **kw)
    compute, calls, kill = exporting._compute, [], [True]

    def killed(trained, records, manifest, rows, *args):
        calls.append(rows.start)
        if len(calls) == 3 and kill:
            kill.pop()
            raise Killed
        return compute(trained, records, manifest, rows, *args)

    monkeypatch.setattr(exporting, "_compute", killed)
    out = tmp_path / "out"
    with pytest.raises(Killed):
        exporting.export(out, cnn, r, **kw)
    shards = sorted((out / "shards").iterdir())
    assert [p.name for p in shards] == ["shard-00000.h5", "shard-00001.h5"]
    assert not list((out / "shards").glob(".*"))  # no temporary file left by the interruption
    stamps = [p.stat().st_mtime_ns for p in shards]
    calls.clear()
    exporting.export(out, cnn, r, keep_shards=True, **kw)
    assert calls == [4, 6, 8]  # shards 2, 3, 4 only
    assert [p.stat().st_mtime_ns for p in shards] == stamps
    shutil.rmtree(out / "shards")
    assert_same_outputs(whole, out)


def test_half_written_shards_are_never_merged(tmp_path, cnn):
    r = records_of(6)
    kw = dict(methods=["lrp"], shard_size=3, verbose=False)
    out = tmp_path / "out"
    exporting.export(out, cnn, r, rank=0, world_size=2, **kw)
    good = (out / "shards" / "shard-00000.h5").read_bytes()
    (out / "shards" / ".shard-00001.h5.x7f3.tmp").write_bytes(good[: len(good) // 2])
    with pytest.raises(RuntimeError, match=r"1 of 2 shards are missing .*shard-00001.h5"):
        exporting.merge(out, verbose=False)
    (out / "shards" / "shard-00001.h5").write_bytes(good[: len(good) // 2])  # cut short
    with (
        pytest.warns(UserWarning, match="shard-00001.h5 is damaged"),
        pytest.raises(RuntimeError, match="nothing was merged"),
    ):
        exporting.merge(out, verbose=False)
    (out / "shards" / "shard-00001.h5").write_bytes(good)  # whole, but shard 0's rows
    with pytest.raises(RuntimeError, match="shard-00001.h5"):
        exporting.merge(out, verbose=False)
    assert not (out / "scores.h5").exists()
    exporting.export(out, cnn, r, **kw)  # computes shard 1 again, then merges
    assert_same_outputs(exporting.export(tmp_path / "ref", cnn, r, **kw), out)


def test_two_processes_under_torchrun_equal_one(tmp_path, cnn_dir):
    fasta = write_fasta(tmp_path / "in.fa", [f"s{i}" for i in range(14)], random_sequences(14, 48))
    args = ["-m", "dnaexplain", "explain", str(fasta), "--checkpoint", str(cnn_dir)]
    args += ["--methods", "lrp", "ism", "--shard-size", "3", "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2"]
    for command, out in (
        ([*torchrun, *args], "two"),
        ([sys.executable, *args], "one"),
    ):
        done = subprocess.run(
            [*command, "--out", str(tmp_path / out)],
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert done.returncode == 0, done.stderr[-3000:]
    assert_same_outputs(tmp_path / "one", tmp_path / "two")


# --- files the field reads -----------------------------------------------------------------

MOTIF = "GATAAGGCTTAC"


def _planted(model, inputs, target, batch_size, verbose, hypothetical):
    """Hand-made hypothetical scores: the planted motif's bases high, the other bases at its
    positions low, noise elsewhere, each sequence scaled by its own seeded weight."""
    codes = inputs.argmax(1).numpy()
    out = torch.zeros(inputs.shape)
    motif = np.array(["ACGT".index(c) for c in MOTIF])
    for i, s in enumerate(from_indices(codes)):
        rng = np.random.default_rng(zlib.crc32(s.encode()))
        h = rng.normal(0, 0.1, (4, len(s)))
        at, weight = s.find(MOTIF), rng.uniform(0.5, 1.5)
        cols = at + np.arange(len(MOTIF))
        h[:, cols] -= 0.3 * weight
        h[motif, cols] += weight
        out[i] = torch.from_numpy(h)
    return out if hypothetical else (out * inputs).sum(1)


@pytest.fixture
def planted(monkeypatch):
    """A method 'planted' on the CNN, of hand-made hypothetical scores (`_planted`)."""
    method = Method("planted", cnn=Variant(_planted, {"hypothetical": False}), whole=True)
    monkeypatch.setitem(attribution.REGISTRY, "planted", method)
    return "planted"


def planted_records(n, length, seed):
    """n random sequences with `MOTIF` at a random place in each."""
    rng = np.random.default_rng(seed)
    sequences = []
    for s in random_sequences(n, length, seed=seed):
        at = rng.integers(10, length - 10 - len(MOTIF))
        sequences.append(s[:at] + MOTIF + s[at + len(MOTIF) :])
    return inputs.Records([f"s{i}" for i in range(n)], sequences, [""] * n)


def test_modisco_motifs_runs_on_the_npz_as_written(tmp_path, cnn, planted):
    pytest.importorskip("modiscolite")
    modisco = Path(sys.executable).parent / "modisco"
    r = planted_records(200, 100, seed=7)
    out = exporting.export(
        tmp_path / "out", cnn, r, [planted], shard_size=64, motif_sequences=0, verbose=False
    )
    attr = np.load(out / "planted" / "attr.npz")["arr_0"]
    assert attr.shape == (200, 4, 100)
    result = tmp_path / "modisco.h5"
    done = subprocess.run(
        [str(modisco), "motifs", "-s", str(out / "ohe.npz"), "-a", str(out / "planted/attr.npz")]
        + ["-n", "2000", "-w", "100", "-o", str(result)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with h5py.File(result, "r") as f:
        ppm = f["pos_patterns/pattern_0/sequence"][:]  # (w, 4)
    found = "".join("ACGT"[j] for j in ppm.argmax(1))
    assert MOTIF in found or reverse_complement(MOTIF) in found, found


def test_meme_file_parses_back_with_memelite(tmp_path, cnn, planted):
    from memelite.io import read_meme

    motifs = {"m.motif_1 ACGT": np.eye(4), "m.motif_2 AANN": np.full((4, 4), 0.25)}
    formats.write_meme(tmp_path / "a.meme", motifs)
    back = read_meme(str(tmp_path / "a.meme"))
    assert back.keys() == motifs.keys()
    for name, ppm in motifs.items():
        np.testing.assert_allclose(back[name], ppm)
    # a run's motifs: the seqlets of scores high on a planted motif find it
    r = planted_records(40, 80, seed=2)
    out = exporting.export(tmp_path / "out", cnn, r, [planted], verbose=False)
    found = read_meme(str(out / "motifs.meme"))
    assert list(found)[0].startswith("planted.motif_1 ")
    consensus = list(found)[0].split()[1]
    assert MOTIF in consensus, consensus
    for ppm in found.values():
        assert ppm.shape[0] == 4
        np.testing.assert_allclose(ppm.sum(0), 1)


def test_npz_writer_checks_its_blocks_and_leaves_no_file(tmp_path):
    blocks = [np.ones((2, 4, 5)), np.zeros((1, 4, 5))]
    formats.write_npz(tmp_path / "a.npz", blocks, (3, 4, 5))
    np.testing.assert_array_equal(np.load(tmp_path / "a.npz")["arr_0"], np.concatenate(blocks))
    with pytest.raises(ValueError, match="blocks of 3 rows for an array of"):
        formats.write_npz(tmp_path / "b.npz", blocks, (4, 4, 5))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npz"]


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit):
        main(["explain", "--help"])
    text = capsys.readouterr().out
    for option in ("--genome", "--width", "--checkpoint", "--run", "--methods", "--target"):
        assert option in text


def test_a_cached_run_is_explained_and_never_trained(tmp_path, monkeypatch):
    from dnaexplain import params, training

    monkeypatch.setenv("DNAEXPLAIN_CACHE", str(tmp_path / "cache"))
    fasta = write_fasta(tmp_path / "in.fa", ["a", "b"], random_sequences(2, 200))
    args = ["explain", str(fasta), "--run", "cnn:synthetic", "--profile", "smoke", "--quiet"]
    with pytest.raises(FileNotFoundError, match="not in the checkpoint cache.*dnaexplain train"):
        main([*args, "--out", str(tmp_path / "out")])
    assert not (tmp_path / "cache" / "models").exists() or not any(
        (tmp_path / "cache" / "models").glob("*/metrics.json")
    )
    p = params.bind({"profile": "smoke"})
    trained, _ = training.run(
        "cnn:synthetic", p["train"], p["seed"], p["min_eval_per_class"], p["max_sequences"]
    )
    main([*args, "--out", str(tmp_path / "out"), "--motif-sequences", "0"])
    table = pd.read_csv(tmp_path / "out" / "predictions.tsv", sep="\t")
    assert table["id"].tolist() == ["a", "b"]
    assert {"logit_background", "logit_motif"} <= set(table.columns)
    manifest = json.loads((tmp_path / "out" / "run.json").read_text())
    assert manifest["model"]["key"] == trained.key


# --- methods and their options on the command line -----------------------------------------


def test_method_specs_read_labels_and_yaml_options():
    from dnaexplain.__main__ import method_specs

    assert method_specs(None) is None and method_specs([]) is None
    specs = method_specs(
        ["lrp", "ig=integrated_gradients", "deep_lift_shap"],
        ["ig.baseline=shuffled", "ig.steps=16", "deep_lift_shap.n_shuffles=5"],
    )
    assert specs == {
        "lrp": ("lrp", {}),
        "ig": ("integrated_gradients", {"baseline": "shuffled", "steps": 16}),
        "deep_lift_shap": ("deep_lift_shap", {"n_shuffles": 5}),
    }


@pytest.mark.parametrize(
    "methods, options, message",
    [
        (["lrp"], ["lpr.rules=z"], r"'lpr' is not among --methods \(lrp\) \(did you mean 'lrp'"),
        (["lrp"], ["lrp.rules"], "write LABEL.KEY=VALUE"),
        (["a=lrp", "a=ism"], [], "'a' is given twice"),
        (None, ["lrp.rules=z"], "name the method with --methods too"),
        (["ism"], ["ism.hypothetical=true"], "written wherever a method has them"),
    ],
)
def test_method_specs_errors_name_the_item(methods, options, message):
    from dnaexplain.__main__ import method_specs

    with pytest.raises(ValueError, match=message):
        method_specs(methods, options)


def test_an_option_on_the_command_line_reaches_the_method(tmp_path, cnn, cnn_dir, monkeypatch):
    sequences = random_sequences(5, 40, seed=4)
    fasta = write_fasta(tmp_path / "in.fa", [f"s{i}" for i in range(5)], sequences)
    out = tmp_path / "out"
    main(
        ["explain", str(fasta), "--checkpoint", str(cnn_dir), "--out", str(out), "--quiet"]
        + ["--methods", "deep_lift_shap", "dls5=deep_lift_shap", "--motif-sequences", "0"]
        + ["--option", "dls5.n_shuffles=5", "--target", "1"]
    )
    store = read_store(out)
    x = one_hot(sequences)
    for label, n in (("deep_lift_shap", 20), ("dls5", 5)):
        want = attribution.attribute(cnn.model, x, "deep_lift_shap", target=1, n_shuffles=n)
        np.testing.assert_allclose(store[f"scores/{label}"], want.numpy(), atol=1e-5)
    assert not np.allclose(store["scores/dls5"], store["scores/deep_lift_shap"], atol=1e-3)
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["methods"]["dls5"]["options"] == {"n_shuffles": 5}
    with pytest.raises(TypeError, match="deep_lift_shap does not take shuffles"):
        main(
            ["explain", str(fasta), "--checkpoint", str(cnn_dir), "--quiet"]
            + ["--out", str(tmp_path / "bad"), "--methods", "deep_lift_shap"]
            + ["--option", "deep_lift_shap.shuffles=5"]
        )
    assert not (tmp_path / "bad").exists()
