from collections import Counter

import numpy as np
import pytest
import torch

from dnaexplain import sequences
from dnaexplain.sequences import (
    ALPHABET,
    InvalidSequenceError,
    clean,
    clean_all,
    dinucleotide_shuffle,
    from_indices,
    mutate,
    mutate_indices,
    one_hot,
    random_sequences,
    reverse_complement,
    to_indices,
)


def dinucleotides(s):
    return Counter(zip(s, s[1:]))


def test_alphabet():
    assert ALPHABET == "ACGT"


def test_clean_upper_cases():
    assert clean("acgTn") == "ACGTN"
    assert clean("") == ""


@pytest.mark.parametrize(
    "seq, char, pos",
    [("ACGTX", "X", 4), ("ac-gt", "-", 2), ("U", "U", 0), ("ACG T", " ", 3), ("ACGé", "é", 3)],
)
def test_clean_names_bad_character_and_position(seq, char, pos):
    with pytest.raises(
        InvalidSequenceError, match=f"invalid character '{char}' at position {pos}:"
    ):
        clean(seq)


def test_clean_error_says_how_to_fix():
    with pytest.raises(ValueError, match=r"only A, C, G, T \(and N for unknown bases\)"):
        clean("ACGR")


def test_clean_without_n():
    assert clean("acgt", allow_n=False) == "ACGT"
    with pytest.raises(InvalidSequenceError, match="'n' at position 1.*N is not allowed"):
        clean("an", allow_n=False)


def test_clean_rejects_non_strings():
    with pytest.raises(TypeError, match="bytes"):
        clean(b"ACGT")


def test_clean_all_names_the_sequence():
    assert clean_all(["ac", "GT"]) == ["AC", "GT"]
    with pytest.raises(
        InvalidSequenceError, match="sequence 2: invalid character 'Z' at position 1"
    ):
        clean_all(["A", "C", "AZ"])


def test_indices_round_trip_and_padding():
    idx = to_indices(["acgtn", "TTGCA"])
    assert idx.dtype == np.uint8
    np.testing.assert_array_equal(idx, [[0, 1, 2, 3, 4], [3, 3, 2, 1, 0]])
    assert from_indices(idx) == ["ACGTN", "TTGCA"]
    np.testing.assert_array_equal(to_indices(["AC", "G"], length=3), [[0, 1, 4], [2, 4, 4]])


def test_indices_errors():
    with pytest.raises(ValueError, match="different lengths.*length="):
        to_indices(["AC", "G"])
    with pytest.raises(ValueError, match="longer than length=2"):
        to_indices(["ACG"], length=2)
    with pytest.raises(
        InvalidSequenceError, match="sequence 1: invalid character 'X' at position 2"
    ):
        to_indices(["ACGT", "ACXT"])


def test_one_hot_exact():
    x = one_hot(["ACGTN"])
    expected = torch.tensor(
        [[[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0]]], dtype=torch.float32
    )
    assert x.shape == (1, 4, 5) and x.dtype == torch.float32
    assert torch.equal(x, expected)


def test_one_hot_batch_dtype_and_padding():
    x = one_hot(["ga", "T"], dtype=torch.float64, length=3)
    assert x.shape == (2, 4, 3) and x.dtype == torch.float64
    assert x[0, :, 0].tolist() == [0, 0, 1, 0] and x[0, :, 1].tolist() == [1, 0, 0, 0]
    assert x[1, :, 0].tolist() == [0, 0, 0, 1]
    assert x[0, :, 2].sum() == 0 and x[1, :, 1:].sum() == 0
    with pytest.raises(ValueError, match="different lengths"):
        one_hot(["AC", "G"])


def test_reverse_complement():
    assert reverse_complement("aACGTN") == "NACGTT"


def test_random_sequences_deterministic_and_gc():
    a = random_sequences(50, 200, gc=0.3, seed=7)
    assert a == random_sequences(50, 200, gc=0.3, seed=7)
    assert a != random_sequences(50, 200, gc=0.3, seed=8)
    assert len(a) == 50 and {len(s) for s in a} == {200}
    joined = "".join(a)
    assert set(joined) <= set(ALPHABET)
    assert abs((joined.count("G") + joined.count("C")) / len(joined) - 0.3) < 0.01
    assert set("".join(random_sequences(5, 40, gc=1.0))) == {"C", "G"}
    assert set("".join(random_sequences(5, 40, gc=0.0))) == {"A", "T"}
    with pytest.raises(ValueError, match="gc"):
        random_sequences(1, 10, gc=1.5)


def test_mutate_changes_exactly_the_given_positions():
    rng = np.random.default_rng(0)
    seq = random_sequences(1, 60, seed=1)[0]
    for _ in range(200):
        pos = rng.choice(60, size=rng.integers(0, 10), replace=False)
        out = mutate(seq, pos, rng)
        changed = {i for i in range(60) if out[i] != seq[i]}
        assert changed == set(pos.tolist())
        assert set(out) <= set(ALPHABET)


def test_mutate_is_uniform_over_other_bases_and_fills_n():
    rng = np.random.default_rng(1)
    outcomes = Counter(mutate("A", [0], rng) for _ in range(3000))
    assert set(outcomes) == {"C", "G", "T"}
    assert all(900 < c < 1100 for c in outcomes.values())
    filled = Counter(mutate("N", [0], rng) for _ in range(2000))
    assert set(filled) == set(ALPHABET)
    assert mutate("acgt", [], rng) == "ACGT"


def test_mutate_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(IndexError, match=r"\[0, 4\)"):
        mutate("ACGT", [4], rng)
    with pytest.raises(IndexError):
        mutate("ACGT", [-1], rng)
    with pytest.raises(ValueError, match="distinct"):
        mutate("ACGT", [1, 1], rng)


def test_mutate_indices_batch():
    x = to_indices(random_sequences(300, 40, seed=2))
    before = x.copy()
    pos = np.stack([np.random.default_rng(i).choice(40, 5, replace=False) for i in range(300)])
    y = mutate_indices(x, pos, np.random.default_rng(3))
    np.testing.assert_array_equal(x, before)  # input untouched
    mask = np.zeros_like(x, dtype=bool)
    np.put_along_axis(mask, pos, True, axis=1)
    np.testing.assert_array_equal(y != x, mask)
    # the boolean-mask form draws the same bases from the same generator state
    np.testing.assert_array_equal(mutate_indices(x, mask, np.random.default_rng(3)), y)
    with pytest.raises(ValueError, match="does not match"):
        mutate_indices(x, mask[:, :10], np.random.default_rng(0))


def test_dinucleotide_shuffle_preserves_counts_and_ends():
    rng = np.random.default_rng(0)
    for seq in random_sequences(20, 150, gc=0.4, seed=5) + ["AAAAAAAAAACAAAAAAAAAAC", "ACGTNNACGT"]:
        out = dinucleotide_shuffle(seq, rng)
        assert dinucleotides(out) == dinucleotides(seq)
        assert out[0] == seq[0] and out[-1] == seq[-1]


def test_dinucleotide_shuffle_deterministic_and_shuffles():
    seq = random_sequences(1, 200, seed=9)[0]
    a = dinucleotide_shuffle(seq, np.random.default_rng(4))
    assert a == dinucleotide_shuffle(seq, np.random.default_rng(4))
    assert a != seq
    assert a != dinucleotide_shuffle(seq, np.random.default_rng(5))
    assert sum(x != y for x, y in zip(a, seq)) > 50


def test_dinucleotide_shuffle_is_uniform_on_a_tiny_case():
    # Eulerian paths of ACAGATA: leave A towards C, G, T in any order -> 6 sequences
    rng = np.random.default_rng(0)
    seen = Counter(dinucleotide_shuffle("acagata", rng) for _ in range(3000))
    assert set(seen) == {"ACAGATA", "ACATAGA", "AGACATA", "AGATACA", "ATACAGA", "ATAGACA"}
    assert all(400 < c < 600 for c in seen.values())


def test_dinucleotide_shuffle_short_sequences():
    rng = np.random.default_rng(0)
    assert dinucleotide_shuffle("ag", rng) == "AG"
    assert dinucleotide_shuffle("", rng) == ""


def test_composition_statistics_by_hand():
    seqs = ["ACGT", "CGCG", "AATT", "CGNA"]
    np.testing.assert_allclose(sequences.gc_content(seqs), [0.5, 1.0, 0.0, 2 / 3])
    # ACGT: one CG, C=1 G=1, L=4 -> 4; CGCG: 2 CG, C=2 G=2 -> 2*4/4 = 2; AATT: no C -> nan
    np.testing.assert_allclose(sequences.cpg_ratio(seqs)[:3], [4.0, 2.0, np.nan])
    freq = sequences.dinucleotide_frequencies(["ACGT", "CGCG"])
    assert freq.sum() == pytest.approx(1)
    assert freq["CG"] == pytest.approx(3 / 6) and freq["GC"] == pytest.approx(1 / 6)
