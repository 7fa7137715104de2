"""Motif insertion: parity with tangermeme's `marginalize`, a hand-computed case, seeding, the
transformer path and the checks of its inputs."""

import zlib

import numpy as np
import pandas as pd
import pytest
import torch
from tangermeme.marginalize import marginalize

from dnaexplain import insertion, models
from dnaexplain import tokenizers as tk
from dnaexplain.attribution import Logits
from dnaexplain.models.cnn import CNNConfig
from dnaexplain.sequences import dinucleotide_shuffle, one_hot, random_sequences

OCT4 = "ATGCAAAT"  # octamer, 8 bp: an even site
MARE = ["TGCTGACTCAGCA", "TGCTGAGTCAGCA"]  # MafK's MARE, 13 bp: odd sites


@pytest.fixture(scope="module")
def cnn():
    torch.manual_seed(0)
    return models.cnn("tiny").double().eval()


def _shuffles(sequence, n, seed):
    """The backgrounds the module docstring promises."""
    rng = np.random.default_rng([seed, zlib.crc32(sequence.encode())])
    return [dinucleotide_shuffle(sequence, rng) for _ in range(n)]


def _insert(background, site, start=None):
    start = len(background) // 2 - len(site) // 2 if start is None else start
    return background[:start] + site + background[start + len(site) :]


@pytest.mark.parametrize("length", [40, 41])
@pytest.mark.parametrize("position", [None, 3])
def test_cnn_equals_tangermeme_marginalize(cnn, length, position):
    backgrounds = random_sequences(6, length, seed=length)
    motifs = {"oct4": OCT4, "mafk": MARE}
    table = insertion.insert_motifs(
        cnn, None, backgrounds, motifs, {"oct4": 1, "mafk": 0}, n_shuffles=None, position=position
    )
    assert len(table) == 6 * 3 and (table.background == 0).all()
    x = one_hot(backgrounds, torch.float64)
    for site, target in [(OCT4, 1), (MARE[0], 0), (MARE[1], 0)]:
        before, after = marginalize(
            Logits(cnn), x, site, start=position, device="cpu", batch_size=4
        )
        assert not torch.equal(before, after)
        rows = table[table.site == site]
        assert rows.sequence.tolist() == list(range(6)) and (rows.target == target).all()
        p_before = torch.softmax(before, -1)[:, target].numpy()
        p_after = torch.softmax(after, -1)[:, target].numpy()
        np.testing.assert_allclose(rows.p_before, p_before, rtol=0, atol=1e-10)
        np.testing.assert_allclose(rows.p_after, p_after, rtol=0, atol=1e-10)
        np.testing.assert_allclose(rows.change, p_after - p_before, rtol=0, atol=1e-10)
        logit_change = (after - before)[:, target].numpy()
        np.testing.assert_allclose(rows.logit_change, logit_change, rtol=0, atol=1e-10)


def _detector(word, weight, bias):
    """A CNN whose class-1 logit is ``weight * [word in x] + bias`` and class-0 logit 0.

    conv1 scores the 4-mer's matches (4 on the word, at most 3 elsewhere) minus 3, so after
    ReLU it is 1 exactly where the word starts; every later layer passes that on unchanged.
    """
    config = CNNConfig(
        conv1_channels=1,
        conv1_kernel=5,
        pool_size=1,
        conv2_channels=1,
        conv2_kernel=1,
        hidden_size=1,
        num_labels=2,
    )
    model = models.CNNForSequenceClassification(config).double().eval()
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        for i, base in enumerate(word):  # output at p reads inputs p - 2 ... p + 2
            model.conv1.weight[0, "ACGT".index(base), i] = 1.0
        model.conv1.bias[0] = -3.0
        model.conv2.weight[0, 0, 0] = 1.0
        model.fc.weight[0, 0] = 1.0
        model.classifier.weight[1, 0] = weight
        model.classifier.bias[1] = bias
    return model


def test_hand_case_a_word_detector():
    model = _detector("ACGT", weight=2.0, bias=-1.0)
    sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731  p(class 1) = sigmoid(logit 1)
    seqs = ["ACGTAACCGGTTACGATCGA", "TTTTACGTTTTTGGGCCCAAT", "GATTACAGATTACAGATTACA"]
    table = insertion.insert_motifs(
        model, None, seqs, {"word": "ACGT", "other": "TTTT"}, 1, n_shuffles=7, seed=5
    )
    assert len(table) == 2 * 3 * 7
    for row in table.itertuples():
        background = _shuffles(seqs[row.sequence], 7, 5)[row.background]
        edited = _insert(background, row.site)
        had, has = "ACGT" in background, "ACGT" in edited
        assert row.p_before == pytest.approx(sigmoid(2.0 * had - 1.0), abs=1e-12)
        assert row.p_after == pytest.approx(sigmoid(2.0 * has - 1.0), abs=1e-12)
        assert row.logit_change == pytest.approx(2.0 * (has - had), abs=1e-12)
    # both cases occur: backgrounds that hold the word already, and TTTT writing over it
    assert (table.p_before > 0.5).any() and (table.logit_change < 0).any()
    word = table[table.motif == "word"]
    np.testing.assert_allclose(word.p_after, sigmoid(1.0), rtol=0, atol=1e-12)
    assert (word.change >= 0).all() and (word.change > 0).any()
    # the class-0 probability moves by exactly the opposite amount
    zero = insertion.insert_motifs(model, None, seqs, "ACGT", 0, n_shuffles=7, seed=5)
    np.testing.assert_allclose(zero.change, -word.change.to_numpy(), atol=1e-12)


def test_same_seed_same_table_and_draws_per_sequence(cnn):
    seqs = random_sequences(4, 60, seed=1)
    motifs = {"oct4": OCT4, "mafk": MARE}
    run = lambda s, seed=0: insertion.insert_motifs(  # noqa: E731
        cnn, None, s, motifs, 1, n_shuffles=5, seed=seed, batch_size=3
    )
    table = run(seqs)
    pd.testing.assert_frame_equal(table, run(seqs))
    assert not np.allclose(table.p_before, run(seqs, seed=1).p_before)
    # sequence 2 alone, and among others in another order: the same backgrounds and numbers
    alone = run([seqs[2]]).drop(columns="sequence")
    mixed = run([seqs[3], seqs[2], seqs[0]])
    mixed = mixed[mixed.sequence == 1].drop(columns="sequence")
    mine = table[table.sequence == 2].drop(columns="sequence")
    for other in (alone, mixed):
        pd.testing.assert_frame_equal(
            other.reset_index(drop=True), mine.reset_index(drop=True), rtol=0, atol=1e-12
        )
    # the backgrounds are dinucleotide shuffles: the site is what changes the prediction
    assert table.groupby("sequence").p_before.nunique().gt(1).all()


def test_dnabert_path_equals_predicting_the_edited_strings():
    torch.manual_seed(0)
    model = models.dnabert("tiny", k=3).eval()
    tok = tk.dnabert_tokenizer(k=3)
    seqs = random_sequences(3, 30, seed=2) + ["acgtacgtacgtacgtacgtacgtacgtacgtac"]
    motifs = {"oct4": [OCT4, "ATTTGCAT"], "mafk": MARE[0]}
    table = insertion.insert_motifs(
        model, tok, seqs, motifs, [1, 0], n_shuffles=3, seed=4, batch_size=5
    )
    assert len(table) == 3 * 4 * 3
    for (name, site), rows in table.groupby(["motif", "site"], sort=False):
        backgrounds = [b for s in seqs for b in _shuffles(s.upper(), 3, 4)]
        edited = [_insert(b, site) for b in backgrounds]
        c = 1 if name == "oct4" else 0
        for strings, column in [(backgrounds, "p_before"), (edited, "p_after")]:
            logits = models.predict(model, tk.encode(tok, strings), batch_size=64)
            p = torch.softmax(logits.double(), -1)[:, c].numpy()
            np.testing.assert_allclose(rows[column], p, rtol=0, atol=1e-6)
        assert (rows.target == c).all()
    assert np.abs(table.change).max() > 0


def test_summary_averages_per_sequence_and_tests_against_zero():
    # 6 sequences, 2 shuffles each: per-sequence means 0.1, 0.2, 0.3, 0.1, 0.2, 0.3
    change = np.repeat([0.1, 0.2, 0.3, 0.1, 0.2, 0.3], 2) + np.tile([-0.05, 0.05], 6)
    table = pd.DataFrame(
        {"motif": "m", "sequence": np.repeat(np.arange(6), 2), "p_before": 0.2}
    ).assign(p_after=0.2 + change, change=change)
    both = pd.concat([table.assign(model="a"), table.assign(model="b", change=0.0)])
    out = insertion.summary(both, seed=0)
    assert out[["model", "motif"]].values.tolist() == [["a", "m"], ["b", "m"]]
    a, b = out.iloc[0], out.iloc[1]
    assert a.n == 6 and a.change == pytest.approx(0.2) and a.lo <= 0.2 <= a.hi
    assert a.p == pytest.approx(2 / 2**6)  # exact sign-flip test: all 6 positive
    assert b.change == 0 and b.p == 1
    assert a.p_before == pytest.approx(0.2) and a.p_after == pytest.approx(0.4)
    assert list(out.columns) == [
        "model",
        "motif",
        "p_before",
        "p_after",
        "change",
        "lo",
        "hi",
        "n",
        "p",
        "p_adjusted",
    ]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"motifs": "ATGNAAAT"}, "holds 'N' at position 3"),
        ({"motifs": {"mafk": ["TGCTGACTCAGCA", "TGCTGASTCAGCA"]}}, "S = C or G"),
        ({"motifs": ""}, "is empty"),
        ({"motifs": {}}, "no motifs"),
        ({"motifs": {"x": []}}, "has no sites"),
        ({"motifs": "A" * 31}, "longer than sequence 1"),
        ({"position": 25}, "past the end of sequence 1"),
        ({"position": -1}, "before the start"),
        ({"target": 2}, "not a class of a model with 2 classes"),
        ({"target": -1}, "not a class"),
        ({"target": {"other": 1}}, "no class for motifs"),
        ({"target": [0, 1]}, "2 targets for 1 motifs"),
        ({"n_shuffles": 0}, "n_shuffles must be at least 1"),
        ({"seed": -1}, "non-negative"),
        ({"sequences": ["ACGTX" * 8]}, "invalid character 'X'"),
    ],
)
def test_bad_input_is_an_error_before_any_compute(cnn, monkeypatch, kwargs, message):
    def boom(*args, **kwargs):
        raise AssertionError("classified before the inputs were checked")

    monkeypatch.setattr(models, "predict", boom)
    monkeypatch.setattr(insertion, "dinucleotide_shuffle", boom)
    call = {"sequences": ["A" * 40, "C" * 30], "motifs": OCT4, "target": 1} | kwargs
    with pytest.raises(ValueError, match=message):
        insertion.insert_motifs(cnn, None, **call)


def test_model_and_tokenizer_must_match(cnn):
    tok = tk.dnabert_tokenizer(k=3)
    with pytest.raises(TypeError, match="tokenizer=None"):
        insertion.insert_motifs(cnn, tok, ["ACGT" * 10], OCT4, 1)
    with pytest.raises(TypeError, match="needs its tokenizer"):
        insertion.insert_motifs(models.dnabert("tiny", k=3), None, ["ACGT" * 10], OCT4, 1)
