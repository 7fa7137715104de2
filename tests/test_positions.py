"""Tests of dnaexplain.positions: hand-worked examples, conservation, padding, round trips."""

import os
from pathlib import Path

import pytest
import torch

from dnaexplain import positions
from dnaexplain import tokenizers as tk
from dnaexplain.sequences import random_sequences

MIRROR = Path(
    os.environ.get("DNAEXPLAIN_DATA_MIRROR") or Path(__file__).parents[1] / "../shared/data"
)
BPE_JSON = MIRROR / "tokenizers/dnabert2_tokenizer.json"


@pytest.fixture(scope="module")
def k3():
    return tk.dnabert_tokenizer(3)


def bpe_batch():
    """Hand-made BPE batch: tokens cover [0,2) [2,5) [5,6) of a 6 bp sequence, then padding."""
    spans = torch.tensor([[[-1, -1], [0, 2], [2, 5], [5, 6], [-1, -1], [-1, -1]]])
    mask = torch.tensor([[1, 1, 1, 1, 1, 0]])
    return tk.Tokenization(torch.zeros(1, 6, dtype=torch.long), mask, spans, ["ACGTAC"], "bpe")


def test_kmer_hand_example(k3):
    # ACGTAC -> [CLS] ACG CGT GTA TAC [SEP]; specials get scores that must be ignored
    tok = tk.tokenize(k3, ["ACGTAC"])
    s = torch.tensor([[9.0, 1, 2, 3, 4, 7]])
    mean = positions.to_nucleotides(s, tok, "mean")
    copy = positions.to_nucleotides(s, tok, "copy")
    split = positions.to_nucleotides(s, tok, "split")
    assert torch.allclose(mean, torch.tensor([[1, 1.5, 2, 3, 3.5, 4]]))
    assert torch.allclose(copy, torch.tensor([[1.0, 3, 6, 9, 7, 4]]))
    assert torch.allclose(split, torch.tensor([[1 / 3, 1, 2, 3, 7 / 3, 4 / 3]]))
    assert split.sum().item() == pytest.approx(10.0)
    back = positions.to_tokens(split, tok)
    assert torch.allclose(back, torch.tensor([[0, 10 / 3, 6, 22 / 3, 20 / 3, 0]]))


def test_bpe_hand_example():
    tok = bpe_batch()
    s = torch.tensor([[5.0, 2, 3, 1, 8, 9]])
    expected = torch.tensor([[2.0, 2, 3, 3, 3, 1]])
    assert torch.equal(positions.to_nucleotides(s, tok, "copy"), expected)
    assert torch.equal(positions.to_nucleotides(s, tok, "mean"), expected)
    split = positions.to_nucleotides(s, tok, "split")
    assert torch.allclose(split, torch.ones(1, 6))
    # BPE tokens do not overlap: split then sum restores the token scores, specials 0
    assert torch.allclose(positions.to_tokens(split, tok), torch.tensor([[0.0, 2, 3, 1, 0, 0]]))


def test_kmer_round_trip_is_coverage_product(k3):
    # to_tokens(split(s)) = C C^T diag(1/k) s, with C the dense coverage matrix
    tok = tk.tokenize(k3, random_sequences(3, 9, seed=1) + ["ACGTA"])
    s = torch.randn(
        tok.input_ids.shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64
    )
    start, end = tok.spans.unbind(-1)
    pos = torch.arange(9)
    cover = ((pos >= start[..., None]) & (pos < end[..., None])).double()  # (n, t, L)
    expected = cover @ (cover.transpose(1, 2) @ (s / 3)[..., None])
    back = positions.to_tokens(positions.to_nucleotides(s, tok, "split"), tok)
    assert torch.allclose(back, expected[..., 0])


@pytest.mark.parametrize("k", [3, 6])
def test_split_preserves_totals_and_padding_is_ignored(k):
    tok = tk.dnabert_tokenizer(k)
    seqs = random_sequences(4, 30, seed=2) + random_sequences(1, 12, seed=3)
    batch = tk.tokenize(tok, seqs)
    s = torch.rand(batch.input_ids.shape, generator=torch.Generator().manual_seed(1))
    s[batch.attention_mask == 0] = 100.0  # padding scores must not leak
    real = batch.spans[..., 0] >= 0
    for strategy in positions.STRATEGIES:
        x = positions.to_nucleotides(s, batch, strategy)
        assert x.shape == (5, 30)
        assert torch.all(x[4, 12:] == 0)
        alone = tk.tokenize(tok, seqs[4:])
        t = alone.input_ids.shape[1]
        ref = positions.to_nucleotides(s[4:, :t], alone, strategy)
        assert torch.allclose(x[4:, :12], ref)
    split = positions.to_nucleotides(s, batch, "split")
    assert torch.allclose(split.sum(1), (s * real).sum(1))


@pytest.mark.skipif(not BPE_JSON.is_file(), reason=f"data mirror not found at {MIRROR}")
def test_bpe_real_tokenizer_mean_equals_copy_and_split_conserves():
    tok = tk.dnabert2_tokenizer(BPE_JSON)
    batch = tk.tokenize(tok, random_sequences(6, 80, seed=4) + ["ACGTNNACGT"])
    s = torch.randn(batch.input_ids.shape, generator=torch.Generator().manual_seed(2))
    mean = positions.to_nucleotides(s, batch, "mean")
    assert torch.equal(mean, positions.to_nucleotides(s, batch, "copy"))
    split = positions.to_nucleotides(s, batch, "split")
    real = batch.spans[..., 0] >= 0
    assert torch.allclose(split.sum(1), (s * real).sum(1), atol=1e-5)
    assert torch.allclose(positions.to_tokens(split, batch), s * real, atol=1e-6)
    assert torch.all(mean[6, 10:] == 0)


def test_many_sequences_vectorised(k3):
    batch = tk.tokenize(k3, random_sequences(10_000, 100, seed=5))
    s = torch.rand(batch.input_ids.shape, dtype=torch.float64)
    x = positions.to_nucleotides(s, batch, "mean")
    # interior positions are covered by 3 k-mers
    assert torch.allclose(x[:, 5], s[:, 4:7].mean(1))


def test_errors(k3):
    tok = tk.tokenize(k3, ["ACGTAC"])
    with pytest.raises(ValueError, match="unknown strategy 'sum'"):
        positions.to_nucleotides(torch.zeros(1, 6), tok, "sum")
    with pytest.raises(ValueError, match="do not match"):
        positions.to_nucleotides(torch.zeros(1, 5), tok)
    with pytest.raises(ValueError, match="do not cover"):
        positions.to_tokens(torch.zeros(1, 5), tok)
