import itertools
import math

import numpy as np
import pandas as pd
import pytest

from dnaexplain import data, sites
from dnaexplain.sequences import one_hot, reverse_complement

BASES = "ACGT"


def brute_hits(sequences, counts, pseudocount, q, resolution):
    """Every window on both strands, scored letter by letter with the forward matrix (the
    minus strand by reverse-complementing the window), and its p-value by enumerating all
    4^w words."""
    p = (counts + pseudocount * q[:, None]) / (counts.sum(0) + pseudocount)
    s = np.log2(p / q[:, None])
    table = np.round(s * resolution).astype(np.int64)
    w = s.shape[1]
    words = ["".join(t) for t in itertools.product(BASES, repeat=w)]
    prob = np.array([math.prod(q[BASES.index(c)] for c in v) for v in words])

    def score(word, m):
        return sum(m[BASES.index(c), k] for k, c in enumerate(word))

    null = {
        "+": np.array([score(v, table) for v in words]),
        "-": np.array([score(reverse_complement(v), table) for v in words]),
    }
    rows = []
    for i, seq in enumerate(sequences):
        seq = seq.upper()
        for j in range(len(seq) - w + 1):
            window = seq[j : j + w]
            if set(window) - set(BASES):
                continue
            for strand in "+-":
                site = window if strand == "+" else reverse_complement(window)
                whole = score(site, table)
                pv = prob[null[strand] >= whole].sum()
                rows.append((i, j, j + w, strand, score(site, s), pv, site))
    return pd.DataFrame(
        rows, columns=["sequence", "start", "end", "strand", "score", "p_value", "site"]
    ), s


def key(df):
    return df.sort_values(["sequence", "start", "strand"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def case():
    rng = np.random.default_rng(3)
    lengths = [30, 5, 17, 1, 40, 25]
    seqs = ["".join(rng.choice(list(BASES), size=n)) for n in lengths]
    seqs[4] = seqs[4][:10] + "N" + seqs[4][11:]  # windows over N are not scored
    seqs[2] = seqs[2].lower()  # soft-masked
    counts = rng.integers(0, 20, size=(4, 5)).astype(float)
    counts[:, 0] = [9, 0, 0, 1]  # zero counts need the pseudocount
    q = np.array([0.3, 0.2, 0.15, 0.35])  # not strand-symmetric: each strand has its null
    brute, s = brute_hits(seqs, counts, 0.5, q, 100)
    return seqs, counts, q, brute, s


def test_scan_matches_brute_force_on_every_window(case):
    seqs, counts, q, brute, s = case
    hits = sites.scan(seqs, counts, p_value=1.0, pseudocount=0.5, background=q)
    assert list(hits.columns) == sites.COLUMNS
    assert len(hits) == len(brute) == 2 * (26 + 1 + 13 + 36 - 5 + 21)
    got, want = key(hits), key(brute)
    for c in ("sequence", "start", "end", "strand", "site"):
        assert got[c].tolist() == want[c].tolist()
    np.testing.assert_allclose(got.score, want.score, rtol=0, atol=1e-12)
    np.testing.assert_allclose(got.p_value, want.p_value, rtol=1e-12, atol=0)
    np.testing.assert_allclose(sites.log_odds(counts, 0.5, q), s, atol=1e-15)


@pytest.mark.parametrize(
    "threshold",
    [dict(p_value=0.01), dict(p_value="3rd smallest"), dict(min_score=2.0), dict(relative=0.8)],
)
def test_scan_thresholds_match_brute_force(case, threshold):
    seqs, counts, q, brute, s = case
    if threshold.get("p_value") == "3rd smallest":  # a hit's own p-value is "at most"
        threshold = dict(p_value=np.sort(brute.p_value.unique())[2] * (1 + 1e-9))
    hits = sites.scan(seqs, counts, pseudocount=0.5, background=q, **threshold)
    if "p_value" in threshold:
        keep = brute.p_value <= threshold["p_value"]
    elif "min_score" in threshold:
        keep = brute.score >= threshold["min_score"]
    else:
        lo, hi = s.min(0).sum(), s.max(0).sum()
        keep = (brute.score - lo) / (hi - lo) >= threshold["relative"]
    want = key(brute[keep])
    assert 0 < len(want) < len(brute)
    assert key(hits)[["sequence", "start", "strand"]].equals(want[["sequence", "start", "strand"]])


@pytest.mark.parametrize("w", [3, 4])
def test_p_values_equal_enumeration_of_all_words(w):
    """Scan the 4^w words themselves: each p-value is the background mass of the words
    scoring at least as high, with the rounded matrix exactly, and with a fine resolution
    close to the real-valued matrix."""
    rng = np.random.default_rng(w)
    counts = rng.random((4, w)) * 10
    q = np.array([0.1, 0.4, 0.3, 0.2])
    words = ["".join(t) for t in itertools.product(BASES, repeat=w)]
    prob = np.array([math.prod(q[BASES.index(c)] for c in v) for v in words])
    s = sites.log_odds(counts, pseudocount=0.0, background=q)
    for resolution in (7, 100, 100000):
        table = np.round(s * resolution)
        hits = sites.scan(
            words,
            counts,
            p_value=1.0,
            pseudocount=0.0,
            background=q,
            strands="+",
            resolution=resolution,
        )
        assert hits.sequence.tolist() == list(range(len(words)))
        whole = np.array([sum(table[BASES.index(c), k] for k, c in enumerate(v)) for v in words])
        exact = np.array([prob[whole >= x].sum() for x in whole])
        np.testing.assert_allclose(hits.p_value, exact, rtol=1e-12)
    real = np.array([sum(s[BASES.index(c), k] for k, c in enumerate(v)) for v in words])
    # at 1e-5 bit resolution no two words' scores fall into one bin
    np.testing.assert_allclose(
        hits.p_value, [prob[real >= x - 1e-9].sum() for x in real], rtol=1e-12
    )


def test_hand_case_both_strands():
    """ACG with 3 counts per column, pseudocount 1, uniform background: a match has
    probability 3.25 / 4, a mismatch 0.25 / 4. TTACGTT holds ACG on the forward strand at 2 and
    on the reverse strand at 3 (CGT); each scores 3 log2(3.25) bits with p-value 1/64, and
    the next best words (one mismatch) have p-value 10/64."""
    counts = np.array([[3, 0, 0], [0, 3, 0], [0, 0, 3], [0, 0, 0]], dtype=float)
    np.testing.assert_allclose(
        sites.log_odds(counts, 1.0), np.where(counts > 0, math.log2(3.25), -2.0)
    )
    hits = sites.scan(["TTACGTT"], counts, p_value=1 / 64, pseudocount=1.0)
    assert hits[["sequence", "start", "end", "strand", "site"]].values.tolist() == [
        [0, 2, 5, "+", "ACG"],
        [0, 3, 6, "-", "ACG"],
    ]
    np.testing.assert_allclose(hits.score, 3 * math.log2(3.25))
    np.testing.assert_allclose(hits.p_value, 1 / 64, rtol=1e-12)
    # ACGAAGG: ACG at 0 (+); one mismatch: TCG (- at 1), AAG (+ at 3), AGG (+ at 4)
    near = sites.scan(["ACGAAGG"], counts, p_value=10 / 64, pseudocount=1.0)
    assert near[["start", "strand", "site"]].values.tolist() == [
        [0, "+", "ACG"],
        [1, "-", "TCG"],
        [3, "+", "AAG"],
        [4, "+", "AGG"],
    ]
    np.testing.assert_allclose(near.p_value, [1 / 64, 10 / 64, 10 / 64, 10 / 64], rtol=1e-12)
    np.testing.assert_allclose(near.score[1:], 2 * math.log2(3.25) - 2)
    assert sites.scan(
        ["TTACGTT"], counts, p_value=1 / 64, pseudocount=1.0, strands="-"
    ).start.tolist() == [3]


def test_inputs_one_hot_lower_case_and_motif_forms():
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list(BASES), size=60)) for _ in range(20)]
    motif = data.jaspar_motifs(["MA1115.1"])["MA1115.1"]
    from_strings = sites.scan(seqs, motif, p_value=0.01)
    assert len(from_strings) and set(from_strings.motif) == {"MA1115.1"}
    assert set(from_strings.name) == {"POU5F1"}
    pd.testing.assert_frame_equal(sites.scan(one_hot(seqs), motif, p_value=0.01), from_strings)
    pd.testing.assert_frame_equal(
        sites.scan(one_hot(seqs).numpy(), motif, p_value=0.01), from_strings
    )
    pd.testing.assert_frame_equal(
        sites.scan([s.lower() for s in seqs], motif, p_value=0.01), from_strings
    )
    jaspar = data.jaspar_db().fetch_motif_by_id("MA1115.1")  # a pyjaspar motif
    pd.testing.assert_frame_equal(sites.scan(seqs, jaspar, p_value=0.01), from_strings)
    counts = sites.scan(seqs, {"MA1115.1": motif.counts}, p_value=0.01)
    assert counts.drop(columns="name").equals(from_strings.drop(columns="name"))
    # batches change nothing; several motifs come in the order given
    pd.testing.assert_frame_equal(sites.scan(seqs, motif, p_value=0.01, batch_size=3), from_strings)
    two = sites.scan(seqs, data.jaspar_motifs(["MA0496.2", "MA1115.1"]), p_value=0.01)
    assert two.motif.unique().tolist() == ["MA0496.2", "MA1115.1"]
    pd.testing.assert_frame_equal(two[two.motif == "MA1115.1"].reset_index(drop=True), from_strings)
    # one-hot padding (all-zero columns) is never scanned
    padded = one_hot(seqs[:2] + ["ACGT"], length=60)
    assert sites.scan(padded, np.eye(4)[:, :2], min_score=-100).query(
        "sequence == 2"
    ).start.tolist() == [0, 0, 1, 1, 2, 2]


def test_background_from_sequences():
    seqs = ["AAAAAACGT", "AAAAAAAAT"]
    hits = sites.scan(
        seqs, np.eye(4)[:, :1], p_value=1.0, pseudocount=1.0, background="sequences", strands="+"
    )
    q = np.array([14, 1, 1, 2]) / 18
    want = np.log2((1 + q[0]) / 2 / q[0])
    np.testing.assert_allclose(hits.score[hits.site == "A"], want)
    np.testing.assert_allclose(hits.p_value[hits.site == "A"], q[0])


def test_mask():
    hits = pd.DataFrame(
        {
            "motif": ["a", "a", "b", "a"],
            "sequence": [0, 0, 1, 2],
            "start": [1, 3, 0, 8],
            "end": [4, 6, 2, 12],
        }
    )
    m = sites.mask(hits, 3, 10)
    assert m.astype(int).tolist() == [
        [0, 1, 1, 1, 1, 1, 0, 0, 0, 0],
        [1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 0, 1, 1],
    ]
    assert sites.mask(hits, 3, 10, motif="b").sum() == 2
    assert not sites.mask(hits.iloc[:0], 3, 10).any()
    with pytest.raises(ValueError, match="no hits of motif"):
        sites.mask(hits, 3, 10, motif="c")
    with pytest.raises(ValueError, match="n = 2"):
        sites.mask(hits, 2, 10)


def test_mask_of_a_scan():
    hits = sites.scan(["TTACGTT", "GGGG"], np.eye(4)[:, :3], min_score=5)
    assert sites.mask(hits, 2, 7).astype(int).tolist() == [[0, 0, 1, 1, 1, 1, 0], [0] * 7]


def test_errors():
    with pytest.raises(ValueError, match="one threshold"):
        sites.scan(["ACGT"], np.ones((4, 2)), p_value=0.1, min_score=1)
    with pytest.raises(ValueError, match=r"shape \(4, w\)"):
        sites.scan(["ACGT"], np.ones((3, 2)))
    with pytest.raises(ValueError, match="pseudocount > 0"):
        sites.scan(["ACGT"], np.eye(4), pseudocount=0)
    with pytest.raises(ValueError, match="background"):
        sites.scan(["ACGT"], np.ones((4, 2)), background=[0.5, 0.5, 0, 0])
    with pytest.raises(ValueError, match="p_value"):
        sites.scan(["ACGT"], np.ones((4, 2)), p_value=0)
    with pytest.raises(ValueError, match="strands"):
        sites.scan(["ACGT"], np.ones((4, 2)), strands="+-")
    with pytest.raises(TypeError, match="list of str"):
        sites.scan("ACGT", np.ones((4, 2)))
    with pytest.raises(ValueError, match="invalid character"):
        sites.scan(["ACGX"], np.ones((4, 2)))
    empty = sites.scan(["AC"], np.ones((4, 3)))
    assert empty.empty and list(empty.columns) == sites.COLUMNS


def test_class_mask_keeps_each_class_its_own_motif():
    hits = pd.DataFrame(
        {
            "motif": ["pou", "maf", "maf", "pou", "pou"],
            "sequence": [0, 0, 1, 1, 2],
            "start": [0, 4, 2, 6, 1],
            "end": [3, 7, 5, 8, 3],
        }
    )
    m = sites.class_mask(hits, [0, 1, 0], {0: "pou", 1: "maf"}, 8)
    assert m.astype(int).tolist() == [
        [1, 1, 1, 0, 0, 0, 0, 0],
        [0, 0, 1, 1, 1, 0, 0, 0],
        [0, 1, 1, 0, 0, 0, 0, 0],
    ]
    # a class without a motif gets no positions
    assert sites.class_mask(hits, [0, 1, 0], {0: "pou"}, 8)[1].sum() == 0
    with pytest.raises(ValueError, match="there are 2 labels"):
        sites.class_mask(hits, [0, 1], {0: "pou"}, 8)
