"""Tests of the localisation, token-level and paired measures added for the DNABERT-2 / CNN
chapter, on hand-made inputs with exact expected values."""

import itertools

import numpy as np
import pytest
import scipy.stats
import torch

from dnaexplain.metrics import (
    motif_mask,
    paired_comparison,
    paired_comparisons,
    relevance_enrichment,
    relevance_mass_accuracy,
    token_level,
)
from dnaexplain.tokenizers import Tokenization

nan = np.nan


def test_motif_mask_finds_overlapping_iupac_matches():
    seqs = ["GGTATAAAAGG",   # TATAAAA at 2: positions 2..8
            "TATATATATA",    # TATAWAW needs A/T at 4 and 6: TATATAT at 0, TATATAT at 2 -> 0..8
            "tataTAA",       # lower case is upper-cased; TATATAA at 0
            "TATANAA",       # N matches nothing
            "CCC"]
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
    s = np.array([[1, 3, 0, -2, 5],     # RMA 3/4 over 4 valid positions, mask covers 1: 3
                  [1, 1, 1, 1, 1],      # even map: RMA 2/5, mask covers 2 of 5: 1
                  [-1, -1, -1, -1, -1],  # no positive relevance: NaN
                  [1, 2, 3, 4, 5]])     # empty region: NaN
    mask = np.array([[0, 1, 0, 0, 1], [1, 1, 0, 0, 0], [1, 0, 0, 0, 0], [0, 0, 0, 0, 0]],
                    bool)
    out = relevance_enrichment(s, mask, lengths=[4, 5, 5, 5])
    np.testing.assert_allclose(out, [3, 1, nan, nan])
    # the share itself is relevance_mass_accuracy
    assert relevance_mass_accuracy(s, mask, lengths=[4, 5, 5, 5])[0] == pytest.approx(0.75)


def test_token_level_sums_spans_and_marks_specials():
    # [CLS] AC G TT [SEP] / [CLS] A [SEP] [PAD] [PAD]
    spans = torch.tensor([[[-1, -1], [0, 2], [2, 3], [3, 5], [-1, -1]],
                          [[-1, -1], [0, 1], [-1, -1], [-1, -1], [-1, -1]]])
    tok = Tokenization(input_ids=torch.zeros(2, 5, dtype=torch.long),
                       attention_mask=torch.tensor([[1] * 5, [1, 1, 1, 0, 0]]), spans=spans,
                       sequences=["ACGTT", "A"], kind="bpe")
    x = np.array([[1.0, 2.0, 4.0, 8.0, 16.0], [0.5, 0, 0, 0, 0]])
    np.testing.assert_array_equal(token_level(x, tok),
                                  [[nan, 3, 4, 24, nan], [nan, 0.5, nan, nan, nan]])


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
    pairs = {("t", "gini"): ([2, 3, 4, 5, 6], [1, 1, 1, 1, 1]),      # p = 2/32
             ("t", "entropy"): ([2, 3, 4, 5, 0], [1, 1, 1, 1, 5]),   # p = 20/32
             ("t", "none"): ([nan], [1.0])}                          # no pairs: no test
    table = paired_comparisons(pairs)
    assert list(table.index) == list(pairs)
    assert list(table.columns) == ["n", "mean_a", "mean_b", "estimate", "lo", "hi", "p",
                                   "p_adjusted"]
    np.testing.assert_allclose(table["p"][:2], [2 / 32, 20 / 32])
    # Benjamini-Hochberg over the two tests: p_(1) * 2 / 1, p_(2) * 2 / 2
    np.testing.assert_allclose(table["p_adjusted"][:2], [4 / 32, 20 / 32])
    assert np.isnan(table.loc[("t", "none"), "p_adjusted"])
    assert table.loc[("t", "gini"), "n"] == 5
