import zlib
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import torch

from dnaexplain import data, models, mutagenesis, training
from dnaexplain import tokenizers as tk
from dnaexplain.mutagenesis import (
    ALL,
    experiment,
    faithfulness,
    mutate_top,
    rank_positions,
    summary,
)
from dnaexplain.sequences import from_indices, one_hot, random_sequences

CTCF = "MA0139.1"  # 19 bp, informative enough for a hand-set detector
THRESHOLD = 46.0
COLUMNS = ["method", "class", "label", "n", "step", "repeat", "sequences", "accuracy", "mean_p"]


def test_rank_positions_exact_order():
    s = np.array([[0.1, 0.9, -2.0, 0.5, 0.3], [5.0, 4.0, 3.0, 2.0, 1.0]])
    np.testing.assert_array_equal(rank_positions(s), [[1, 3, 4, 0, 2], [0, 1, 2, 3, 4]])
    np.testing.assert_array_equal(
        rank_positions(torch.tensor(s), lengths=[3, 5]), [[1, 0, 2, -1, -1], [0, 1, 2, 3, 4]]
    )


def test_rank_positions_never_beyond_length_or_nan():
    s = np.array([[0.0, 0.0, 9.0, 9.0], [1.0, np.nan, 2.0, 0.0]])
    order = rank_positions(s, lengths=[2, 4], seed=3)
    assert set(order[0, :2]) == {0, 1} and order[0, 2:].tolist() == [-1, -1]
    assert order[1].tolist() == [2, 0, 3, -1]


def test_rank_positions_breaks_ties_at_random_and_evenly():
    s = np.array([[1.0, 0.0, 1.0, 1.0, 0.0, 2.0]])
    firsts = [tuple(rank_positions(s, seed=seed)[0, 1:4]) for seed in range(3000)]
    # position 5 always leads; the tied 0, 2, 3 come next in every order
    counts = Counter(f[0] for f in firsts)
    assert set(counts) == {0, 2, 3}
    # each tied position leads a third of the time: 1000 +- 3 sd (sd = 25.8)
    assert all(920 < c < 1080 for c in counts.values()), counts
    assert len(set(firsts)) == 6
    assert rank_positions(s, seed=0)[0, -1] in (1, 4)


def test_mutate_top_changes_exactly_the_top_positions():
    seqs = random_sequences(20, 30, seed=1)
    rng = np.random.default_rng(2)
    scores = rng.normal(size=(20, 30))
    for n in (0, 1, 7, 30):
        out = mutate_top(seqs, scores, n, seed=4)
        top = np.argsort(-scores, axis=1)[:, :n]  # no ties in normal draws
        for s, o, t in zip(seqs, out, top):
            changed = [i for i, (a, b) in enumerate(zip(s, o)) if a != b]
            assert changed == sorted(t.tolist())


def test_mutate_top_respects_lengths_and_is_nested():
    seqs = ["ACGTACGT", "ACG"]
    scores = np.array([[1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 0, 0, 0, 0, 0]], dtype=float)
    five = mutate_top(seqs, scores, 5, seed=0)
    assert [len(s) for s in five] == [8, 3]
    assert five[0][:3] == "ACG" and all(a != b for a, b in zip(five[0][3:], "TACGT"))
    assert all(a != b for a, b in zip(five[1], "ACG"))  # capped at the length
    two = mutate_top(seqs, scores, 2, seed=0)
    assert two[0] == "ACGTAC" + five[0][6:]  # same new bases: nested mutants


@pytest.fixture(scope="module")
def motif_task():
    """A CNN whose weights detect CTCF, and synthetic sequences it classifies exactly.

    conv1 channel 0 is the motif's log-probabilities shifted to be >= 0 (so a window over the
    sequence's edge scores low) minus a threshold; everything after passes its maximum to the
    "motif" logit: logits (0, 10 h - 1), h = max_window (score - threshold)+. Kept: positives
    whose planted site clears the threshold by 1 with every other window 1 below it, and
    negatives with every window 1 below it.
    """
    ds = data.synthetic(300, length=100, motifs=(CTCF,), seed=0)
    logp = np.log(data.jaspar_motifs([CTCF])[CTCF].probs + 0.01)
    w = logp - logp.min(0)
    width = w.shape[1]
    model = models.build("cnn", "tiny", conv1_kernel=width)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.conv1.weight[0] = torch.tensor(w)
        model.conv1.bias[0] = -THRESHOLD
        model.conv2.weight[0, 0, 1] = 1
        model.fc.weight[0, 0] = 1
        model.classifier.weight[1, 0] = 10
        model.classifier.bias[1] = -1
    x = np.pad(one_hot(ds.sequences).numpy(), ((0, 0), (0, 0), (width // 2, width // 2)))
    windows = np.stack([np.einsum("nbw,bw->n", x[:, :, j : j + width], w) for j in range(100)], 1)
    site = np.zeros(windows.shape, dtype=bool)
    for s in ds.sites:
        site[s.index, s.start + width // 2] = True
    other = np.where(site, -np.inf, windows).max(1)
    planted = np.where(site, windows, -np.inf).max(1)
    keep = (other <= THRESHOLD - 1) & ((ds.labels == 0) | (planted >= THRESHOLD + 1))
    return model, ds.subset(np.flatnonzero(keep))


def test_hand_set_cnn_is_exact_on_the_kept_sequences(motif_task):
    model, ds = motif_task
    assert ds.counts().tolist() == [148, 134]
    logits = models.predict(model, one_hot(ds.sequences))
    assert training.classification_metrics(logits, ds.labels)["accuracy"] == 1


def test_experiment_on_cnn(motif_task):
    model, ds = motif_task
    ns = (1, 5, 10, 19)
    table = experiment(
        model,
        None,
        ds.sequences,
        ds.labels,
        {"motif": ds.mask.astype(float)},
        ns=ns,
        random_repeats=5,
        all_repeats=3,
        classes=ds.classes,
    )
    assert list(table.columns) == COLUMNS
    # per method and class: n = 0, one row per n, 3 for "all"; random: 5 per n
    assert len(table) == 2 * (1 + 4 + 3) + 2 * (1 + 4 * 5 + 3)
    assert table.step.cat.categories.tolist() == ["0", "1", "5", "10", "19", "all"]
    acc = summary(table).set_index(["method", "class", "n"])
    for method in ("motif", "random"):
        assert acc.loc[(method, "motif", 0), "accuracy"] == 1
        assert acc.loc[(method, "background", 0), "mean_p"] == pytest.approx(1 / (1 + np.e**-1))
    motif, rand = acc.loc["motif"], acc.loc["random"]
    # the planted bases are exactly what the CNN sees: mutating them beats random positions at
    # every n, far below the spread of the random repeats
    for n in ns:
        assert motif.loc[("motif", n), "accuracy"] < rand.loc[("motif", n), "lo"]
    assert motif.loc[("motif", 5), "accuracy"] < 0.3 < 0.85 < rand.loc[("motif", 5), "lo"]
    assert motif.loc[("motif", 19), "accuracy"] < 0.01  # 1 of 134: a window mutation created
    assert rand.loc[("motif", 19), "accuracy"] > 0.45
    assert rand.loc[("motif", ALL), "accuracy"] < 0.03
    assert (acc.xs("background", level="class").accuracy > 0.98).all()


@pytest.fixture(scope="module")
def bert_task():
    torch.manual_seed(0)
    # wide initial weights: predictions that differ between sequences
    model = models.build("dnabert", "tiny", initializer_range=1.0)
    tok = tk.dnabert_tokenizer(6)
    rng = np.random.default_rng(5)
    seqs = [random_sequences(1, int(n), seed=i)[0] for i, n in enumerate(rng.integers(20, 41, 24))]
    labels = rng.integers(0, 2, 24)
    scores = {"a": rng.normal(size=(24, 45)), "b": torch.tensor(rng.normal(size=(24, 40)))}
    return model, tok, seqs, labels, scores


def _run(task, **kw):
    model, tok, seqs, labels, scores = task
    kw = (
        dict(scores=scores, ns=(1, 3), random_repeats=2, all_repeats=2, max_length=30, batch_size=7)
        | kw
    )
    return experiment(model, tok, seqs, labels, **kw)


def test_experiment_on_dnabert_shape_and_unmutated_accuracy(bert_task):
    model, tok, seqs, labels, _ = bert_task
    table = _run(bert_task)
    assert list(table.columns) == COLUMNS
    assert table.method.unique().tolist() == ["a", "b", "random"]
    assert table["class"].unique().tolist() == ["0", "1"]
    assert len(table) == 2 * 2 * (1 + 2 + 2) + 2 * (1 + 2 * 2 + 2)
    assert table.n.tolist()[:5] == [0, 1, 3, ALL, ALL]
    logits = models.predict(model, tk.encode(tok, seqs, max_length=30, truncate=True))
    m = training.classification_metrics(logits, labels)
    zero = table[table.n == 0].set_index(["method", "label"]).accuracy
    for method in ("a", "b", "random"):
        assert zero[(method, 0)] == m["accuracy_0"] and zero[(method, 1)] == m["accuracy_1"]


def test_experiment_is_deterministic(bert_task):
    a, b = _run(bert_task), _run(bert_task, batch_size=64)
    pd.testing.assert_frame_equal(a, b, atol=1e-6)
    c = _run(bert_task, seed=1)
    assert not np.allclose(a.mean_p, c.mean_p)


def test_methods_that_agree_make_the_same_mutants_classified_once(bert_task, monkeypatch):
    """Common new bases: two methods with the same ranking make the same mutants, and each
    distinct sequence is classified once."""
    model, tok, seqs, labels, scores = bert_task
    rows = []
    monkeypatch.setattr(
        mutagenesis, "encode", lambda tok, s, **k: rows.extend(s) or tk.encode(tok, s, **k)
    )
    same = {"a": scores["a"], "a2": scores["a"].copy()}
    table, each = _run(bert_task, scores=same, per_sequence=True)
    assert len(rows) == len(set(rows))
    a, a2 = (each[each.method == m].reset_index(drop=True) for m in ("a", "a2"))
    pd.testing.assert_frame_equal(a.drop(columns="method"), a2.drop(columns="method"))
    # a2's 2 ns x 24 mutants are a's; the rest are distinct but for the rare n = 1 mutant of
    # a random repeat on a's position with a's base (about 1 in 60 per sequence)
    jobs = 2 * 2 + 2 * 2 + 1 + 2  # a, a2, 2 random repeats, n = 0, 2 random-sequence repeats
    assert (jobs - 2) * 24 - 8 <= len(rows) <= (jobs - 2) * 24


def test_bf16_classification_tracks_fp32(bert_task):
    # the fixture's wide weights amplify rounding; a model at the usual initial scale
    torch.manual_seed(0)
    task = (models.build("dnabert", "tiny"), *bert_task[1:])
    full, half = _run(task), _run(task, precision="bf16")
    pd.testing.assert_frame_equal(
        full.drop(columns=["accuracy", "mean_p"]), half.drop(columns=["accuracy", "mean_p"])
    )
    gap = (full.mean_p - half.mean_p).abs()
    assert 0 < gap.max() < 0.02


def test_batched_classification_equals_one_at_a_time(bert_task):
    """The table equals classifying every documented mutant alone (no padding, batch 1)."""
    model, tok, seqs, labels, scores = bert_task
    table = _run(bert_task, seed=7)
    lengths = np.array([len(s) for s in seqs])

    def check(mutants, rows):
        p = np.stack(
            [
                torch.softmax(
                    models.predict(
                        model, tk.encode(tok, [s], max_length=30, truncate=True), batch_size=1
                    )[0].double(),
                    -1,
                ).numpy()
                for s in mutants
            ]
        )
        per = (
            pd.DataFrame(
                {"accuracy": p.argmax(1) == labels, "mean_p": p[np.arange(len(labels)), labels]}
            )
            .groupby(labels)
            .mean()
        )
        got = table.query(rows)[["accuracy", "mean_p"]].to_numpy()
        np.testing.assert_allclose(got, per.to_numpy(), atol=1e-6)

    zeros = np.zeros((len(seqs), 40))
    for method, n, r, s in [
        ("a", 1, 0, scores["a"]),
        ("b", 3, 0, scores["b"]),
        ("random", 3, 1, zeros),
    ]:
        mutants = mutate_top(
            seqs, s, n, seed=[7, zlib.crc32(method.encode()), r], bases=[7, zlib.crc32(b"bases"), r]
        )
        check(mutants, f"method == '{method}' and n == {n} and repeat == {r}")
    draw = np.random.default_rng([7, zlib.crc32(b"all"), 1]).integers(
        0, 4, (len(seqs), lengths.max()), dtype=np.uint8
    )
    check(
        [s[:n] for s, n in zip(from_indices(draw), lengths)],
        f"method == 'b' and n == {ALL} and repeat == 1",
    )
    check(seqs, "method == 'random' and n == 0")


def test_experiment_rejects_a_method_named_random(bert_task):
    with pytest.raises(ValueError, match="random"):
        _run(bert_task, scores={"random": np.zeros((24, 40))})


def test_summary_band_over_repeats():
    table = pd.DataFrame(
        {
            "method": "random",
            "class": "x",
            "label": 0,
            "n": 5,
            "step": "5",
            "repeat": range(5),
            "sequences": 10,
            "accuracy": [0.1, 0.2, 0.3, 0.4, 0.5],
            "mean_p": 0.5,
        }
    )
    table = pd.concat([table, table.iloc[:1].assign(n=0, step="0")], ignore_index=True)
    # level 0.5: each 25 % tail of 5 repeats holds 1.25 repeats, so a percentile interval
    out = summary(table, level=0.5)
    assert out.repeats.tolist() == [5, 1]
    np.testing.assert_allclose(out.accuracy, [0.3, 0.1])
    np.testing.assert_allclose(out[["lo", "hi"]].iloc[0], [0.2, 0.4])  # 25th, 75th percentile
    assert out.band.iloc[0] == "middle 50 % of 5 repeats"
    # level 0.95 needs 40 repeats: with 5, the central 95 % of Binomial(10, 0.3) / 10, the
    # accuracy pooled over the repeats: P(X <= 0) = 0.028 >= 0.025, P(X <= 5) = 0.953 < 0.975
    out = summary(table)
    np.testing.assert_allclose(out[["lo", "hi"]].iloc[0], [0.0, 0.6])
    assert out.band.iloc[0] == "binomial 95 % of one draw (5 repeats pooled)"
    np.testing.assert_allclose(out[["lo", "hi"]].iloc[1], [0.0, 0.3])  # Binomial(10, 0.1)
    many = pd.DataFrame(
        {
            "method": "random",
            "class": "x",
            "label": 0,
            "n": 5,
            "step": "5",
            "repeat": range(40),
            "sequences": 39,
            "accuracy": np.arange(40) / 39,
            "mean_p": 0.5,
        }
    )
    out = summary(many)
    assert out.band.iloc[0] == "middle 95 % of 40 repeats"
    # linear quantiles at 0.025 * 39 and 0.975 * 39 of 0, 1/39, ..., 1
    np.testing.assert_allclose(out[["lo", "hi"]].iloc[0], [0.025, 0.975])


def test_per_sequence_outcomes_add_up_to_the_table(bert_task):
    table, outcomes = _run(bert_task, per_sequence=True)
    mean = outcomes.groupby(["method", "n", "repeat", "label"]).correct.mean()
    for row in table[table.n > 0].itertuples():
        assert mean[(row.method, row.n, row.repeat, row.label)] == pytest.approx(row.accuracy)
    shared = outcomes[outcomes.method == ""]
    assert set(shared.n) == {0, ALL}
    assert outcomes.groupby(["method", "n", "repeat"]).size().nunique() == 1  # every sequence


def test_faithfulness_most_relevant_first_drops_more(motif_task):
    model, ds = motif_task
    pos = ds.subset(np.flatnonzero(ds.labels == 1))
    kw = dict(ns=(1, 5, 10, 19), seed=0)
    scores = {"motif": ds.mask[ds.labels == 1].astype(float)}
    most = faithfulness(model, None, pos.sequences, pos.labels, scores, order="most", **kw)
    least = faithfulness(model, None, pos.sequences, pos.labels, scores, order="least", **kw)
    assert list(most.columns) == ["method", "order", "n", "drop", "mean_drop"]
    assert most.n.tolist() == [1, 5, 10, 19]
    assert (most["drop"] > least["drop"]).all()
    assert most["drop"].iloc[-1] > 0.7 and least["drop"].abs().max() < 0.02
    assert most.mean_drop.iloc[0] == pytest.approx(most["drop"].mean())
    assert most.mean_drop.iloc[0] > 0.5 > 0.02 > least.mean_drop.iloc[0]
    # per sequence: the same drops, whose means are the curve
    each = faithfulness(
        model, None, pos.sequences, pos.labels, scores, order="most", per_sequence=True, **kw
    )
    assert list(each.columns) == ["method", "order", "n", "sequence", "drop"]
    assert len(each) == 4 * len(pos) and each.sequence.nunique() == len(pos)
    np.testing.assert_allclose(each.groupby("n")["drop"].mean(), most["drop"])


# -- masks: known sites against top-scored and random positions -------------------------------


def test_top_mask_hand_cases():
    from dnaexplain.mutagenesis import top_mask

    s = np.array([[0.1, 0.9, -2.0, 0.5, 0.3], [5.0, 4.0, 3.0, 2.0, 1.0]])
    assert top_mask(s, [2, 3]).astype(int).tolist() == [[0, 1, 0, 1, 0], [1, 1, 1, 0, 0]]
    # lengths: row 0 chooses among its first 3 positions only; a count of 0 chooses none
    assert top_mask(torch.tensor(s), np.array([2, 0]), lengths=[3, 5]).astype(int).tolist() == [
        [1, 1, 0, 0, 0],
        [0, 0, 0, 0, 0],
    ]
    # NaN is never chosen
    nan = np.array([[np.nan, 1.0, 0.0, np.nan]])
    assert top_mask(nan, [2]).astype(int).tolist() == [[0, 1, 1, 0]]
    # ties: exactly the count, the same under a seed, spread evenly over the tied positions
    flat = np.zeros((4000, 4))
    a = top_mask(flat, np.ones(4000, dtype=int), seed=3)
    assert (a.sum(1) == 1).all()
    np.testing.assert_array_equal(a, top_mask(flat, np.ones(4000, dtype=int), seed=3))
    assert not np.array_equal(a, top_mask(flat, np.ones(4000, dtype=int), seed=4))
    np.testing.assert_allclose(a.mean(0), 0.25, atol=0.03)
    with pytest.raises(ValueError, match="sequence 0 has 3 valid positions, fewer than the 4"):
        top_mask(s, [4, 1], lengths=[3, 5])
    with pytest.raises(ValueError, match="integers >= 0"):
        top_mask(s, [1.5, 1])
    with pytest.raises(ValueError, match="one per sequence"):
        top_mask(s, [1])


def test_random_mask_counts_lengths_and_seed():
    from dnaexplain.mutagenesis import random_mask

    lengths, counts = [5, 10, 3, 7], [2, 10, 0, 7]
    m = random_mask(counts, lengths, seed=0)
    assert m.shape == (4, 10) and m.sum(1).tolist() == counts
    assert not (m & (np.arange(10) >= np.array(lengths)[:, None])).any()
    assert m[1].all() and m[3, :7].all()
    np.testing.assert_array_equal(m, random_mask(counts, lengths, seed=0))
    draws = np.stack([random_mask([2], [6], seed=s)[0] for s in range(3000)])
    np.testing.assert_allclose(draws.mean(0), 2 / 6, atol=0.03)  # uniform over positions
    assert len({tuple(np.flatnonzero(d)) for d in draws}) == 15  # every pair of 6 positions
    with pytest.raises(ValueError, match="fewer than the 4"):
        random_mask([4], [3])


def test_mutate_positions_changes_exactly_the_mask():
    from dnaexplain.mutagenesis import mutate_positions

    seqs = ["ACGTACGTNA", "TTTT"]
    mask = np.zeros((2, 12), dtype=bool)
    mask[0, [0, 3, 8]] = True
    mask[1, [1, 2]] = True
    for seed in range(50):
        out = mutate_positions(seqs, mask, seed=seed)
        assert [len(s) for s in out] == [10, 4]
        for s, new, row in zip(seqs, out, mask):
            changed = [i for i, (a, b) in enumerate(zip(s, new)) if a != b]
            assert changed == np.flatnonzero(row).tolist()  # every masked base differs
        assert out[0][8] in "ACGT"  # N becomes a base
    assert mutate_positions(seqs, mask, seed=1) == mutate_positions(seqs, mask, seed=1)
    assert mutate_positions(seqs, np.zeros((2, 3), dtype=bool)) == seqs
    mask[1, 5] = True
    with pytest.raises(ValueError, match="past the end of sequence 1"):
        mutate_positions(seqs, mask)
    with pytest.raises(ValueError, match="boolean array of shape"):
        mutate_positions(seqs, np.ones((2, 4)))


def test_mutate_masks_on_the_hand_set_cnn(motif_task):
    from dnaexplain.mutagenesis import mutate_masks, mutate_positions, random_mask

    model, ds = motif_task
    pos = ds.subset(np.flatnonzero(ds.labels == 1))
    m, lengths = len(pos), np.full(len(pos), 100)
    counts = pos.mask.sum(1)
    assert (counts == 19).all()  # one CTCF site per positive
    masks = {
        "site": pos.mask,
        "none": np.zeros((m, 100), dtype=bool),
        "random": np.stack([random_mask(counts, lengths, seed=r) for r in range(3)]),
    }
    table = mutate_masks(model, None, pos.sequences, pos.labels, masks, repeats=2)
    assert list(table.columns) == [
        "mask",
        "repeat",
        "sequence",
        "mutated",
        "p_before",
        "p_after",
        "drop",
    ]
    # 2-D masks twice (new bases), the 3-D random mask once per layer (its own positions)
    assert len(table) == (2 + 2 + 3) * m
    assert table.groupby("mask", sort=False).repeat.max().tolist() == [1, 1, 2]
    assert table["mask"].unique().tolist() == ["site", "none", "random"]
    assert (table.mutated == np.where(table["mask"] == "none", 0, 19)).all()
    p0 = torch.softmax(models.predict(model, one_hot(pos.sequences)).double(), -1)[:, 1].numpy()
    np.testing.assert_allclose(table.p_before, np.tile(p0, 7), rtol=1e-12)
    none = table[table["mask"] == "none"]
    assert (none["drop"] == 0).all()
    # a mutated site leaves no window above the threshold: logits (0, -1) in all but a few
    site = table[table["mask"] == "site"]
    floor = (np.isclose(site.p_after, 1 / (1 + np.e), rtol=1e-9)).mean()
    assert floor > 0.98
    # exactly the mutants of mutate_positions with the documented seed
    again = mutate_positions(pos.sequences, pos.mask, seed=[0, zlib.crc32(b"site"), 1])
    p1 = torch.softmax(models.predict(model, one_hot(again)).double(), -1)[:, 1].numpy()
    np.testing.assert_allclose(site[site.repeat == 1].p_after, p1, rtol=1e-12)
    mean = table.groupby("mask")["drop"].mean()
    # random positions hit the 19 bp site often (19 of 100 positions), but cost far less
    assert mean["site"] > 0.7 > 0.5 > mean["random"] > 0.2
    pd.testing.assert_frame_equal(
        table, mutate_masks(model, None, pos.sequences, pos.labels, masks, repeats=2, batch_size=5)
    )
    other = mutate_masks(model, None, pos.sequences, pos.labels, masks, repeats=2, seed=1)
    assert not np.allclose(
        table[table["mask"] == "random"].p_after, other[other["mask"] == "random"].p_after
    )
    random = table[table["mask"] == "random"]
    again = mutate_positions(pos.sequences, masks["random"][2], seed=[0, zlib.crc32(b"random"), 2])
    p2 = torch.softmax(models.predict(model, one_hot(again)).double(), -1)[:, 1].numpy()
    np.testing.assert_allclose(random[random.repeat == 2].p_after, p2, rtol=1e-12)
    with pytest.raises(ValueError, match="repeats must be at least 1"):
        mutate_masks(model, None, pos.sequences, pos.labels, masks, repeats=0)
    with pytest.raises(ValueError, match="mask 'site' marks positions past the end"):
        mutate_masks(
            model, None, pos.sequences[:3], pos.labels[:3], {"site": np.ones((3, 101), dtype=bool)}
        )


def test_mutate_masks_equals_one_at_a_time_on_dnabert(bert_task):
    from dnaexplain.mutagenesis import mutate_masks, mutate_positions, random_mask

    model, tok, seqs, labels, _ = bert_task
    lengths = np.array([len(s) for s in seqs])
    mask = random_mask(np.minimum(lengths, 5), lengths, seed=2)
    table = mutate_masks(model, tok, seqs, labels, {"r": mask}, seed=4, max_length=30, batch_size=7)

    def alone(sequences):
        return np.array(
            [
                torch.softmax(
                    models.predict(
                        model, tk.encode(tok, [s], max_length=30, truncate=True), batch_size=1
                    )[0].double(),
                    -1,
                )[y].item()
                for s, y in zip(sequences, labels)
            ]
        )

    np.testing.assert_allclose(table.p_before, alone(seqs), atol=1e-6)
    mutants = mutate_positions(seqs, mask, seed=[4, zlib.crc32(b"r"), 0])
    np.testing.assert_allclose(table.p_after, alone(mutants), atol=1e-6)
    assert (table.mutated == 5).all()


def test_table_one_and_per_sequence_correctness(bert_task):
    table, outcomes = _run(bert_task, per_sequence=True)
    summ = summary(table)
    one = mutagenesis.table_one(summ, 3, ["a", "absent", "b"])
    assert one["label"].tolist() == [0, 1] and "absent" not in one
    assert list(one.columns[2:]) == [
        "n = 0",
        "a",
        "b",
        "random",
        "random lo",
        "random hi",
        "random sequences",
    ]
    for row in one.to_dict("records"):
        at = summ[(summ.n == 3) & (summ.label == row["label"])].set_index("method").accuracy
        assert row["a"] == at["a"] and row["random"] == at["random"]
        for method, n, column in (
            ("a", 3, "a"),
            ("random", 3, "random"),
            ("a", 0, "n = 0"),
            ("b", ALL, "random sequences"),
        ):
            per = mutagenesis.correct(outcomes, method, n, row["label"])
            assert per.mean() == pytest.approx(row[column])
    with pytest.raises(KeyError, match="no outcomes of 'a' at n = 7"):
        mutagenesis.correct(outcomes, "a", 7, 0)


@pytest.mark.parametrize("repeats, all_repeats", [(4, 2), (2, 3)])
def test_figure_legend_names_the_repeats_used(bert_task, repeats, all_repeats):
    import matplotlib.pyplot as plt

    from dnaexplain import plots

    summ = summary(_run(bert_task, random_repeats=repeats, all_repeats=all_repeats))
    # n = 0 is one shared draw and n = all has all_repeats: neither names the band
    assert (
        plots.random_band(summ[(summ.method == "random") & (summ.label == 0)])
        == f"binomial 95 % of one draw ({repeats} repeats pooled)"
    )
    fig = plots.mutagenesis_curves(summ)
    labels = [t.get_text() for t in fig.axes[-1].get_legend().get_texts()]
    assert f"random (binomial 95 % of one draw ({repeats} repeats pooled))" in labels
    plt.close(fig)
