"""Tests of `dnaexplain.metrics`, on hand-made inputs with exact expected values or against
brute-force and reference implementations."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import torch
from sklearn.metrics import roc_auc_score

from dnaexplain.metrics import (
    agreement,
    area_between_curves,
    auroc,
    bootstrap_difference,
    bootstrap_mean,
    bootstrap_summary,
    entropy,
    gini,
    ground_truth_table,
    last_within,
    localisation_table,
    map_table,
    mean_drop,
    mean_profile,
    motif_mask,
    paired_comparison,
    paired_comparisons,
    paired_values,
    rank_correlation,
    relevance_enrichment,
    relevance_mass_accuracy,
    relevance_rank_accuracy,
    spearman,
    token_level,
    topk_overlap,
    verdict,
    zero_fraction,
)
from dnaexplain.tokenizers import Tokenization

nan = np.nan


# -- map measures, agreement and perturbation curves ---------------------------------------


def test_gini_known_values():
    s = [
        [0, 0, 0, 1],  # one-hot, n = 4: sum (2i - 5) x_(i) / (4 * 1) = 3 / 4
        [1, 2, 3, 4],  # (-3*1 - 1*2 + 1*3 + 3*4) / (4 * 10) = 10 / 40
        [-4, 1, -2, 3],  # absolute values: as above
        [2, 2, 2, 2],  # flat
        [0, 0, 0, 0],
    ]  # all zero: defined as flat
    np.testing.assert_allclose(gini(s), [0.75, 0.25, 0.25, 0, 0], atol=1e-15)


@pytest.mark.parametrize("n", [1, 2, 7, 100])
def test_gini_one_hot_is_one_minus_one_over_n(n):
    x = np.zeros((1, n))
    x[0, n // 2] = -3.5
    assert gini(x)[0] == pytest.approx(1 - 1 / n, abs=1e-15)


def test_gini_ignores_positions_beyond_length_or_nan():
    s = np.array([[0, 0, 1, 0, 0, 0], [0, 1, nan, nan, nan, nan], [nan] * 6])
    np.testing.assert_allclose(gini(s, lengths=[3, 6, 6]), [2 / 3, 1 / 2, nan])
    # without lengths, the zeros beyond the end count
    assert gini(s[:1])[0] == pytest.approx(5 / 6)


def test_gini_takes_torch():
    assert gini(torch.tensor([[0.0, 0.0, 1.0]]))[0] == pytest.approx(2 / 3)


def test_entropy_known_values():
    s = [[0, 0, 5, 0], [1, 1, 1, 1], [1, -1, 2, 0], [0, 0, 0, 0]]
    # p = (1/4, 1/4, 1/2, 0): H = 2 (1/4) ln 4 + (1/2) ln 2 = 1.5 ln 2
    np.testing.assert_allclose(
        entropy(s), [0, math.log(4), 1.5 * math.log(2), math.log(4)], atol=1e-15
    )


def test_entropy_with_lengths():
    s = [[1, 1, 1, 0, 0], [3, 3, 3, 3, 3]]
    np.testing.assert_allclose(entropy(s, lengths=[3, 5]), [math.log(3), math.log(5)])


def test_relevance_mass_accuracy():
    s = [
        [3, 1, -2, 0],  # all positive relevance inside
        [3, -1, 2, 1],  # 3 of 6 inside
        [0, 0, 4, 0],  # none inside
        [-1, -1, 0, 0],  # no positive relevance
        [1, 2, 3, 4],
    ]  # empty mask
    mask = [[1, 1, 0, 0]] * 4 + [[0, 0, 0, 0]]
    np.testing.assert_allclose(relevance_mass_accuracy(s, mask), [1, 0.5, 0, nan, nan])


def test_relevance_mass_accuracy_ignores_beyond_length():
    s = [[1, 0, 0, 5]]
    assert relevance_mass_accuracy(s, [[1, 0, 0, 0]], lengths=[3])[0] == 1
    assert relevance_mass_accuracy(s, [[1, 0, 0, 0]])[0] == pytest.approx(1 / 6)


def test_relevance_rank_accuracy():
    s = [
        [5, 4, 3, 2, 1],  # K = 2, top 2 = {0, 1}, one in the mask
        [1, 2, 3, 4, 5],  # K = 2, top 2 = {3, 4}, both in the mask
        [1, 1, 0, 0, 0],  # K = 1, tie between 0 and 1: half a hit
        [0, 0, 0, 0, 9],
    ]  # empty mask
    mask = [[1, 0, 1, 0, 0], [0, 0, 0, 1, 1], [1, 0, 0, 0, 0], [0, 0, 0, 0, 0]]
    np.testing.assert_allclose(relevance_rank_accuracy(s, mask), [0.5, 1, 0.5, nan])


def test_auroc_extremes():
    s = [[4, 3, 2, 1], [1, 2, 3, 4], [1, 1, 1, 1], [4, 1, 3, 2], [1, 2, 3, 4], [1, 2, 3, 4]]
    mask = [[1, 1, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0], [0] * 4, [1] * 4]
    # row 3: positives 4, 1 against negatives 3, 2: 2 of 4 pairs won
    np.testing.assert_allclose(auroc(s, mask), [1, 0, 0.5, 0.5, nan, nan])


def test_auroc_matches_sklearn_on_random_data_with_ties():
    rng = np.random.default_rng(0)
    s = rng.integers(0, 6, size=(50, 40)).astype(float)  # many ties
    mask = rng.random((50, 40)) < 0.3
    lengths = rng.integers(10, 41, size=50)
    got = auroc(torch.tensor(s), torch.tensor(mask), lengths=lengths)
    want = [roc_auc_score(m[:n], x[:n]) for x, m, n in zip(s, mask, lengths)]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_spearman_matches_scipy():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 5, size=(30, 25)).astype(float)
    b = a + rng.normal(size=a.shape)
    lengths = rng.integers(5, 26, size=30)
    got = spearman(a, b, lengths=lengths)
    want = [scipy.stats.spearmanr(x[:n], y[:n]).statistic for x, y, n in zip(a, b, lengths)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(spearman([[1, 2, 3]], [[3, 2, 1]]), [-1])
    assert np.isnan(spearman([[1, 1, 1]], [[1, 2, 3]])[0])


def test_topk_overlap():
    a = [[5, 4, 3, 2, 1]] * 3
    b = [[1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [10, 9, 8, 7, 6]]
    np.testing.assert_allclose(topk_overlap(a, b, 2), [0, 0, 1])
    np.testing.assert_allclose(topk_overlap(a, b, 3), [1 / 3, 1 / 3, 1])
    # a tie at the k-th score counts in expectation: position 0 is in top_1(a) half the time
    assert topk_overlap([[1, 1, 0, 0]], [[1, 0, 0, 0]], 1)[0] == 0.5
    # k is capped at the sequence's length
    assert topk_overlap([[3, 2, 9]], [[1, 2, 9]], 5, lengths=[2])[0] == 1


def test_mean_drop_over_steps():
    assert mean_drop([0.1, 0.2, 0.6]) == pytest.approx(0.3)
    d = np.arange(30.0).reshape(2, 3, 5)
    np.testing.assert_allclose(mean_drop(torch.tensor(d)), d.mean(-1))


def test_area_between_curves_by_hand():
    # gaps most - least at n = 0, 1, 5: 0, 0.2, 0.4; trapezoids 0.1 * 1 + 0.3 * 4 = 1.3 over 5
    assert area_between_curves([1, 5], [0.2, 0.6], [0.0, 0.2]) == pytest.approx(0.26)
    # a map whose least relevant positions matter more: negative; equal curves: 0
    assert area_between_curves([1, 5], [0.0, 0.2], [0.2, 0.6]) == pytest.approx(-0.26)
    most = torch.rand(2, 3, 4, generator=torch.Generator().manual_seed(0))
    np.testing.assert_array_equal(area_between_curves([1, 2, 4, 8], most, most), np.zeros((2, 3)))
    # one step: the triangle from (0, 0) to (n, gap), divided by n
    assert area_between_curves([20], [0.5], [0.1]) == pytest.approx(0.2)
    with pytest.raises(ValueError, match="increasing"):
        area_between_curves([5, 1], [0.1, 0.2], [0.0, 0.0])
    with pytest.raises(ValueError, match="do not match"):
        area_between_curves([1, 5], [0.1, 0.2, 0.3], [0.0, 0.0, 0.0])


# -- localisation on known sites, token-level views and paired comparisons -----------------


def test_motif_mask_finds_overlapping_iupac_matches():
    seqs = [
        "GGTATAAAAGG",  # TATAAAA at 2: positions 2..8
        "TATATATATA",  # TATAWAW needs A/T at 4 and 6: TATATAT at 0, TATATAT at 2 -> 0..8
        "tataTAA",  # lower case is upper-cased; TATATAA at 0
        "TATANAA",  # N matches nothing
        "CCC",
    ]
    m = motif_mask(seqs, "TATAWAW", length=11)
    assert m.shape == (5, 11)
    expected = np.zeros((5, 11), bool)
    expected[0, 2:9] = True
    expected[1, 0:9] = True
    expected[2, 0:7] = True
    np.testing.assert_array_equal(m, expected)


def test_motif_mask_pattern_n_and_errors():
    np.testing.assert_array_equal(motif_mask(["ACGT"], "NN"), [[True] * 4])
    assert motif_mask(["ACG", "A"], "T").shape == (2, 3)
    with pytest.raises(ValueError, match="IUPAC"):
        motif_mask(["ACGT"], "TAZ")
    with pytest.raises(ValueError, match="IUPAC"):
        motif_mask(["ACGT"], "")


def test_relevance_enrichment_known_values():
    s = np.array(
        [
            [1, 3, 0, -2, 5],  # RMA 3/4 over 4 valid positions, mask covers 1: 3
            [1, 1, 1, 1, 1],  # even map: RMA 2/5, mask covers 2 of 5: 1
            [-1, -1, -1, -1, -1],  # no positive relevance: NaN
            [1, 2, 3, 4, 5],
        ]
    )  # empty region: NaN
    mask = np.array([[0, 1, 0, 0, 1], [1, 1, 0, 0, 0], [1, 0, 0, 0, 0], [0, 0, 0, 0, 0]], bool)
    out = relevance_enrichment(s, mask, lengths=[4, 5, 5, 5])
    np.testing.assert_allclose(out, [3, 1, nan, nan])
    # the share itself is relevance_mass_accuracy
    assert relevance_mass_accuracy(s, mask, lengths=[4, 5, 5, 5])[0] == pytest.approx(0.75)


def test_token_level_sums_spans_and_marks_specials():
    # [CLS] AC G TT [SEP] / [CLS] A [SEP] [PAD] [PAD]
    spans = torch.tensor(
        [
            [[-1, -1], [0, 2], [2, 3], [3, 5], [-1, -1]],
            [[-1, -1], [0, 1], [-1, -1], [-1, -1], [-1, -1]],
        ]
    )
    tok = Tokenization(
        input_ids=torch.zeros(2, 5, dtype=torch.long),
        attention_mask=torch.tensor([[1] * 5, [1, 1, 1, 0, 0]]),
        spans=spans,
        sequences=["ACGTT", "A"],
        kind="bpe",
    )
    x = np.array([[1.0, 2.0, 4.0, 8.0, 16.0], [0.5, 0, 0, 0, 0]])
    np.testing.assert_array_equal(
        token_level(x, tok), [[nan, 3, 4, 24, nan], [nan, 0.5, nan, nan, nan]]
    )


def sign_flip_p(d):
    """Exact two-sided sign-flip p of the mean of d, by enumerating all 2^n sign patterns."""
    d = np.asarray(d, dtype=float)
    signs = np.array(list(itertools.product([1, -1], repeat=len(d))))
    means = (signs * d).mean(1)
    return np.mean(np.abs(means) >= abs(d.mean()) - 1e-12)


def test_paired_comparison_exact():
    out = paired_comparison([2, 3, 4, 5, 6, nan], [1, 1, 1, 1, 1, 0])
    # five positive differences 1..5: only all-plus and all-minus reach |mean| 3, p = 2 / 32
    assert out["n"] == 5
    assert out["mean_a"] == pytest.approx(4) and out["mean_b"] == pytest.approx(1)
    assert out["estimate"] == pytest.approx(3)
    assert out["p"] == pytest.approx(2 / 32)
    assert 1 <= out["lo"] < 3 < out["hi"] <= 5
    # differences 1, 2, 3, 4, -5 (sum 5): flipping a set of weight w gives sum 15 - 2 w, at
    # least 5 in size for w <= 5 (10 sets: {}, 5 singletons, {1,2}, {1,3}, {1,4}, {2,3}) or,
    # by symmetry, w >= 10 (10 more): p = 20 / 32
    d = [1, 2, 3, 4, -5]
    got = paired_comparison([2, 3, 4, 5, 0], [1, 1, 1, 1, 5])
    assert got["estimate"] == pytest.approx(1)
    assert got["p"] == pytest.approx(20 / 32) and sign_flip_p(d) == pytest.approx(20 / 32)


def test_paired_comparison_on_a_large_sample_matches_the_normal_theory():
    rng = np.random.default_rng(0)
    a = rng.normal(0.15, 1, size=300)
    b = rng.normal(0.0, 1, size=300)
    d = a - b
    out = paired_comparison(a, b, n_resamples=4999)
    assert out["estimate"] == pytest.approx(d.mean())
    # for a mean of 300 values, both resamplings approach the t test: interval mean +- 1.97
    # standard errors, p that of the one-sample t test (here about 0.12; Monte Carlo error of
    # p with 4999 sign patterns about 0.005)
    se = d.std(ddof=1) / np.sqrt(len(d))
    assert out["lo"] == pytest.approx(d.mean() - 1.97 * se, abs=0.15 * se)
    assert out["hi"] == pytest.approx(d.mean() + 1.97 * se, abs=0.15 * se)
    assert out["p"] == pytest.approx(scipy.stats.ttest_1samp(d, 0).pvalue, abs=0.015)


def test_paired_comparison_degenerate():
    same = paired_comparison([1, 2, 3], [1, 2, 3])
    assert same["p"] == 1 and same["estimate"] == 0 and same["lo"] == same["hi"] == 0
    one = paired_comparison([1, nan], [0, 1])
    assert one["n"] == 1 and one["p"] == 1 and np.isnan(one["lo"])
    empty = paired_comparison([nan], [1])
    assert empty["n"] == 0 and np.isnan(empty["p"]) and np.isnan(empty["mean_a"])
    with pytest.raises(ValueError):
        paired_comparison([1, 2], [1])


def test_paired_comparisons_adjusts_the_family():
    pairs = {
        ("t", "gini"): ([2, 3, 4, 5, 6], [1, 1, 1, 1, 1]),  # p = 2/32
        ("t", "entropy"): ([2, 3, 4, 5, 0], [1, 1, 1, 1, 5]),  # p = 20/32
        ("t", "none"): ([nan], [1.0]),
    }  # no pairs: no test
    table = paired_comparisons(pairs)
    assert list(table.index) == list(pairs)
    assert list(table.columns) == [
        "n",
        "mean_a",
        "mean_b",
        "estimate",
        "lo",
        "hi",
        "p",
        "p_adjusted",
    ]
    np.testing.assert_allclose(table["p"][:2], [2 / 32, 20 / 32])
    # Benjamini-Hochberg over the two tests: p_(1) * 2 / 1, p_(2) * 2 / 2
    np.testing.assert_allclose(table["p_adjusted"][:2], [4 / 32, 20 / 32])
    assert np.isnan(table.loc[("t", "none"), "p_adjusted"])
    assert table.loc[("t", "gini"), "n"] == 5


# -- known answers: ground-truth tables, bootstrap intervals, limits -----------------------


def test_ground_truth_table_matches_the_measures_row_by_row():
    rng = np.random.default_rng(0)
    mask = np.zeros((5, 12), dtype=bool)
    mask[:, 3:6] = True
    mask[4] = False  # a sequence without ground truth: NaN measures
    scores = {"a": rng.normal(size=(5, 12)), "b": torch.rand(5, 14)}  # b wider than the mask
    table = ground_truth_table(scores, mask, lengths=[12, 12, 10, 12, 12])
    assert list(table.columns) == ["method", "sequence", "mass_accuracy", "rank_accuracy", "auroc"]
    assert table.method.tolist() == ["a"] * 5 + ["b"] * 5
    assert table.sequence.tolist() == list(range(5)) * 2
    b = scores["b"].numpy()[:, :12]
    lengths = [12, 12, 10, 12, 12]
    np.testing.assert_allclose(table.auroc[5:], auroc(b, mask, lengths))
    np.testing.assert_allclose(
        table.mass_accuracy[:5], relevance_mass_accuracy(scores["a"], mask, lengths)
    )
    np.testing.assert_allclose(table.rank_accuracy[5:], relevance_rank_accuracy(b, mask, lengths))
    assert (
        table.loc[table.sequence == 4, ["mass_accuracy", "rank_accuracy", "auroc"]]
        .isna()
        .all()
        .all()
    )


def test_ground_truth_table_perfect_and_unscored_rows():
    mask = np.zeros((3, 8), dtype=bool)
    mask[:, 2:4] = True
    perfect = mask.astype(float)
    perfect[2] = nan  # a sequence the method did not score
    table = ground_truth_table({"oracle": perfect}, mask)
    np.testing.assert_allclose(table.iloc[:2, 2:].to_numpy(), 1.0)
    assert table.iloc[2, 2:].isna().all()


def test_ground_truth_table_rejects_narrow_scores():
    with pytest.raises(ValueError, match="do not cover"):
        ground_truth_table({"a": np.zeros((2, 5))}, np.zeros((2, 6), dtype=bool))


def test_bootstrap_mean_interval_contains_mean_and_drops_nan():
    v = np.r_[np.linspace(0, 1, 101), nan, np.inf]
    out = bootstrap_mean(v, seed=1)
    assert out["n"] == 101
    assert out["mean"] == pytest.approx(0.5)
    assert out["lo"] < 0.5 < out["hi"]
    # the percentile interval of a mean: about +- 1.96 standard errors
    se = np.linspace(0, 1, 101).std() / np.sqrt(101)
    assert out["hi"] - out["lo"] == pytest.approx(2 * 1.96 * se, rel=0.15)
    assert bootstrap_mean(v, seed=1) == out  # seeded


def test_bootstrap_mean_degenerate_inputs():
    empty = bootstrap_mean([nan, nan])
    assert empty["n"] == 0 and np.isnan([empty["mean"], empty["lo"], empty["hi"]]).all()
    one = bootstrap_mean([0.3])
    assert one["mean"] == 0.3 and np.isnan(one["lo"]) and np.isnan(one["hi"])
    flat = bootstrap_mean([2.0] * 10)
    assert flat["lo"] == flat["hi"] == flat["mean"] == 2.0


def test_bootstrap_difference_pairs_only_finite():
    a = np.array([1.0, 2.0, nan, 4.0])
    b = np.array([0.5, 1.0, 3.0, nan])
    out = bootstrap_difference(a, b)
    assert out["n"] == 2 and out["mean"] == pytest.approx(0.75)
    with pytest.raises(ValueError):
        bootstrap_difference([1, 2], [1, 2, 3])


def test_bootstrap_summary_groups_in_order():
    table = pd.DataFrame(
        {
            "model": ["m2", "m2", "m1", "m1", "m1"],
            "method": ["x", "x", "y", "y", "y"],
            "auroc": [0.5, 0.7, 1.0, nan, 0.8],
        }
    )
    out = bootstrap_summary(table, "auroc", ["model", "method"])
    assert out[["model", "method"]].values.tolist() == [["m2", "x"], ["m1", "y"]]
    np.testing.assert_allclose(out["mean"], [0.6, 0.9])
    assert out["n"].tolist() == [2, 2]
    assert list(out.columns) == ["model", "method", "mean", "lo", "hi", "n"]


@pytest.mark.parametrize(
    "ys, expected",
    [
        ([1.0, 0.95, 0.91, 0.5], 0.7),  # falls below 0.9 at the last point
        ([1.0, 0.5, 1.0, 1.0], 0.0),  # a drop stops the walk, whatever comes after
        ([1.0, 1.2, 1.1, 0.95], 0.9),  # rises never count
        ([0.0, 0.1, 0.1, 0.1], nan),  # nothing to lose
        ([-0.1, 0.0, 0.0, 0.0], nan),
        ([nan, 1.0, 1.0, 1.0], nan),
    ],
)
def test_last_within(ys, expected):
    xs = [0.0, 0.3, 0.7, 0.9]
    got = last_within(xs, ys, tolerance=0.1)
    assert (np.isnan(got) and np.isnan(expected)) or got == expected


def test_last_within_sorts_by_x():
    assert last_within([0.9, 0.0, 0.5], [0.1, 1.0, 0.95]) == 0.5


def test_zero_fraction():
    s = np.array([[0, 1, 0, 2], [0, 0, 5, 0], [nan] * 4])
    np.testing.assert_allclose(zero_fraction(s, lengths=[4, 2, 4]), [0.5, 1.0, nan])
    np.testing.assert_allclose(zero_fraction(torch.zeros(1, 3)), [1.0])


# -- tables over many maps -----------------------------------------------------------------


def test_map_table_hand_case_and_reference_columns():
    scores = {
        "a": np.array([[0.0, 0, 0, 1], [1, 1, 1, 1]]),
        "b": np.array([[1.0, 2, 3, 4], [4, 3, 2, 1]]),
    }
    t = map_table(scores, measures=["gini", "zeros"], reference=scores["b"], k=1)
    assert t.columns.tolist() == ["method", "sequence", "gini", "zeros", "spearman", "overlap"]
    assert t.method.tolist() == ["a", "a", "b", "b"] and t.sequence.tolist() == [0, 1, 0, 1]
    np.testing.assert_allclose(t.gini, [0.75, 0, 0.25, 0.25], atol=1e-15)
    np.testing.assert_allclose(t.zeros, [0.75, 0, 0, 0])
    # a's first row ranks the last position top, as b does; its second row is constant
    np.testing.assert_allclose(t.spearman, [math.sqrt(0.6), nan, 1, 1])
    np.testing.assert_allclose(t.overlap, [1, 0.25, 1, 1])


def test_map_table_matches_the_measures_with_lengths():
    rng = np.random.default_rng(1)
    s, ref, lengths = rng.normal(size=(4, 9)), rng.normal(size=(4, 9)), [9, 5, 7, 2]
    t = map_table({"m": s}, lengths, ["gini", "entropy", "zeros"], reference=ref, k=3)
    np.testing.assert_array_equal(t.gini, gini(s, lengths))
    np.testing.assert_array_equal(t.entropy, entropy(s, lengths))
    np.testing.assert_array_equal(t.zeros, zero_fraction(s, lengths))
    np.testing.assert_array_equal(t.spearman, spearman(s, ref, lengths))
    np.testing.assert_array_equal(t.overlap, topk_overlap(s, ref, 3, lengths))
    assert map_table({}).columns.tolist() == ["method", "sequence", "gini", "entropy"]


def test_localisation_table_hand_case():
    scores = {"m": np.array([[1.0, 3, 0, 0], [2, 2, 2, 2]])}
    window = np.array([[0, 1, 0, 0], [0, 1, 0, 0]], dtype=bool)
    sites = np.array([[0, 0, 0, 0], [1, 0, 0, 0]], dtype=bool)
    t = localisation_table(scores, {"window": window, "site": sites})
    assert t.columns.tolist() == [
        "method",
        "sequence",
        "window share",
        "window enrichment",
        "site share",
        "site enrichment",
    ]
    np.testing.assert_allclose(t["window share"], [0.75, 0.25])
    np.testing.assert_allclose(t["window enrichment"], [3, 1])  # shares over 1/4 of positions
    np.testing.assert_allclose(t["site share"], [nan, 0.25])  # no site in the first sequence
    np.testing.assert_allclose(t["site enrichment"], [nan, 1])


def test_mean_profile_scales_each_row_first():
    s = np.array([[1.0, -2.0], [3.0, 3.0], [0.0, 0.0]], dtype=np.float32)
    out = mean_profile(s)
    np.testing.assert_allclose(out, [(0.5 + 1 + 0) / 3, (-1 + 1 + 0) / 3])
    assert out.dtype == np.float32
    np.testing.assert_array_equal(mean_profile(torch.tensor(s)), out)


def test_agreement_matrix_is_the_mean_of_the_pairwise_measures():
    maps = {
        "up": np.array([[1.0, 2, 3, 4], [1, 2, 3, 4]]),
        "down": np.array([[4.0, 3, 2, 1], [1, 2, 4, 3]]),
        "flat": np.array([[1.0, 1, 1, 1], [1, 2, 3, 4]]),
    }
    rho = agreement(maps)
    assert rho.index.tolist() == rho.columns.tolist() == ["up", "down", "flat"]
    # up against down: -1 and 0.8; the flat map's constant first row is left out
    np.testing.assert_allclose(rho.loc["up", "down"], (-1 + 0.8) / 2)
    np.testing.assert_allclose(rho.loc["up", "flat"], 1)
    np.testing.assert_allclose(np.diag(rho), [1, 1, 1])
    top = agreement(maps, k=1)
    np.testing.assert_allclose(top.loc["up", "down"], (0 + 0) / 2)
    np.testing.assert_allclose(top.loc["up", "flat"], (0.25 + 1) / 2)  # a 4-way tie at the top


def test_paired_values_pairs_by_sequence():
    table = pd.DataFrame(
        {"method": ["b", "a", "a", "b", "a"], "sequence": [2, 2, 0, 0, 1], "x": [20.0, 2, 0, 10, 1]}
    )
    a, b = paired_values(table, "x", "a", "b")
    np.testing.assert_array_equal(a, [0, 1, 2])
    np.testing.assert_array_equal(b, [10, nan, 20])  # b lacks sequence 1


def _row(n=10, estimate=0.5, lo=0.2, hi=0.8, p_adjusted=0.01):
    return pd.Series({"n": n, "estimate": estimate, "lo": lo, "hi": hi, "p_adjusted": p_adjusted})


def test_verdict_texts():
    numbers = "mean difference +0.5, 95 % interval +0.2 to +0.8, adjusted p = 0.01"
    assert verdict(_row(), "A", "B") == f"**A** is better ({numbers})"
    assert verdict(_row(), "A", "B", higher=False) == f"**B** is better ({numbers})"
    assert verdict(_row(), effect=1.0) == f"a clear difference, but below 1.0 ({numbers})"
    assert verdict(_row(p_adjusted=0.05)).startswith("no clear difference (mean difference +0.5")
    assert verdict(_row(n=1)) == "too few sequences to compare"
    assert (
        verdict(_row(estimate=-0.25, lo=-0.5, hi=0.0), "A", "B", fmt=".3f")
        == "**B** is better (mean difference -0.250, 95 % interval -0.500 to +0.000, "
        "adjusted p = 0.01)"
    )


def test_rank_correlation():
    a = [0.9, 0.5, nan, 0.7, 0.1]
    b = [3.0, 1.0, 2.0, 2.0, 0.0]
    rho, n = rank_correlation(a, b)
    assert n == 4 and rho == pytest.approx(1.0)
    rho, n = rank_correlation([1, 2, 3], [3, 1, 2])
    assert rho == pytest.approx(scipy.stats.spearmanr([1, 2, 3], [3, 1, 2]).statistic)
    assert np.isnan(rank_correlation([1, 2], [2, 1])[0])  # fewer than three items
    assert np.isnan(rank_correlation([1, 2, 3], [1, 1, 1])[0])  # no differences on one side
