"""Tests of the localisation, token-level and paired measures added for the DNABERT-2 / CNN
chapter, on hand-made inputs with exact expected values."""

import numpy as np
import pytest
import torch

from dnaexplain.metrics import (
    motif_mask,
    paired_difference,
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


def test_paired_difference_exact():
    out = paired_difference([2, 3, 4, 5, 6, nan], [1, 1, 1, 1, 1, 0])
    # five positive differences 1..5: exact two-sided p = 2 / 2^5
    assert out["n"] == 5
    assert out["mean_a"] == pytest.approx(4) and out["mean_b"] == pytest.approx(1)
    assert out["mean_diff"] == pytest.approx(3) and out["share_a"] == 1
    assert out["p"] == pytest.approx(0.0625)
    # differences 1, 2, 3, 4, -5: W = min(10, 5) = 5, exact p = 20 / 32
    assert paired_difference([2, 3, 4, 5, 0], [1, 1, 1, 1, 5])["p"] == pytest.approx(0.625)


def test_paired_difference_degenerate():
    same = paired_difference([1, 2, 3], [1, 2, 3])
    assert same["p"] == 1 and same["mean_diff"] == 0 and same["share_a"] == 0
    empty = paired_difference([nan], [1])
    assert empty["n"] == 0 and np.isnan(empty["p"]) and np.isnan(empty["mean_a"])
    with pytest.raises(ValueError):
        paired_difference([1, 2], [1])
