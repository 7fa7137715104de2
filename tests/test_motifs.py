import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

from dnaexplain import data, motifs
from dnaexplain.motifs import MAF_FAMILY, POU_FAMILY, Candidate

CTCF, TGIF1 = "MA0139.1", "MA0796.1"


def marked(dataset, seed=1):
    """Scores of an ideal explainer: 1 on planted bases, small non-negative noise elsewhere."""
    rng = np.random.default_rng(seed)
    return dataset.mask + rng.uniform(0, 0.05, dataset.mask.shape)


def aligned_columns(found, table, planted):
    """(found column, planted column) pairs at TOMTOM's offset for the top match."""
    offset = int(table.iloc[0]["offset"])
    w = planted.probs.shape[1]
    return [(c, c + offset) for c in range(found.counts.shape[1]) if 0 <= c + offset < w]


def distance(found, planted, pairs):
    """Mean total-variation distance between aligned probability columns."""
    p = motifs.probabilities(found.counts)
    return np.mean([0.5 * np.abs(p[:, a] - planted.probs[:, b]).sum() for a, b in pairs])


@pytest.fixture(scope="module")
def ctcf():
    """CTCF planted in 100 of 200 sequences, motifs found from 6-mers and compared once."""
    d = data.synthetic(200, 100, motifs=(CTCF,), seed=0)
    scores = marked(d)
    found = motifs.find_motifs(d.sequences, d.labels, scores, k=6)
    return d, scores, found, motifs.compare(found)


# high-scoring regions


def dnabert_rule(s, min_length=5):
    """DNABERT's rule written out position by position, for non-negative scores."""
    keep = [x > np.mean(s) and x > 10 * np.min(s) for x in s]
    regions, start = [], None
    for i, k in enumerate(keep + [False]):
        if k and start is None:
            start = i
        if not k and start is not None:
            if i - start >= min_length:
                regions.append((start, i))
            start = None
    return regions


def test_high_score_regions_hand_made():
    rows = [
        [5, 5, 5, 5, 5] + [0] * 10,  # run touching the start
        [0] * 6 + [3] * 6,  # run touching the end
        [0, 0, 4, 4, 4, 4, 0, 0, 0, 0],  # run of 4: too short
        [1] * 5 + [12] * 5 + [9] * 5,  # mean 7.33, 10 x min = 10: the 9s fail the fold rule
        [-2, -2, 3, 3, 3, 3, 3, -1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],  # signed: clamped at 0
        [2.0] * 7,  # constant: nothing above the mean
        [],
    ]
    assert motifs.high_score_regions(rows) == [
        [(0, 5)],
        [(6, 12)],
        [],
        [(5, 10)],
        [(2, 7)],
        [],
        [],
    ]
    assert motifs.high_score_regions(rows[2:3], min_length=4) == [[(2, 6)]]
    assert motifs.high_score_regions(rows[3:4], fold=0.5) == [[(5, 15)]]


def test_high_score_regions_padded_rows_stop_at_each_length():
    scores = np.array(
        [
            [0, 0, 0, 1, 1, 1, 1, 1, 9, 9, 9, 9, 9],  # length 8: the 9s are padding
            [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        ],
        dtype=float,
    )
    assert motifs.high_score_regions(scores, lengths=[8, 13]) == [[(3, 8)], [(0, 5)]]
    assert motifs.high_score_regions(scores) == [[(8, 13)], [(0, 5)]]
    with pytest.raises(ValueError, match="exceeds"):
        motifs.high_score_regions(scores, lengths=[8, 14])


def test_high_score_regions_equal_dnabert_rule_on_non_negative_scores():
    rng = np.random.default_rng(0)
    # smoothed (runs) with some zeros (min 0) and some rows without (min > 0)
    rows = [
        np.convolve(rng.gamma(0.5, size=n), np.ones(4), "same") * (rng.random(n) < 0.9)
        for n in rng.integers(5, 80, 200)
    ]
    got = motifs.high_score_regions(rows)
    assert got == [dnabert_rule(r) for r in rows]
    assert sum(map(len, got)) == 245 and sum(r.min() > 0 for r in rows) == 17


# enrichment


def upper_tail(x, n, positives, total):
    """P(X >= x) for X hypergeometric: n of total drawn, positives of them marked."""
    return sum(
        math.comb(positives, j) * math.comb(total - positives, n - j)
        for j in range(x, min(n, positives) + 1)
    ) / math.comb(total, n)


def test_enrichment_is_the_hypergeometric_upper_tail():
    # 3 of 4 positives and 1 of 4 negatives: (C(4,3) C(4,1) + C(4,4) C(4,0)) / C(8,4)
    assert motifs.enrichment([3], [1], 4, 4)[0] == pytest.approx(17 / 70, rel=1e-12)
    np.testing.assert_allclose(
        motifs.enrichment([3, 5], [1, 2], 20, 30),
        [upper_tail(3, 4, 20, 50), upper_tail(5, 7, 20, 50)],
        rtol=1e-12,
    )
    cases = [(1, 0, 100, 100), (12, 40, 50, 500), (0, 3, 5, 5)]
    for a, b, pos, neg in cases:
        expected = upper_tail(a, a + b, pos, pos + neg)
        assert motifs.enrichment([a], [b], pos, neg)[0] == pytest.approx(expected, rel=1e-10)


def test_candidates_count_sequences_containing_the_string():
    # GATTACA scores high in positives 0-2; positive 3 lacks it; negative 5 has it twice
    seqs = [
        "CCGATTACACC",
        "GATTACACCCC",
        "CCCCGATTACA",
        "CCCCCCCCCCC",
        "CCCCCCCCCCC",
        "GATTACAGATTACA",
        "CCCCCCCCCCC",
        "CCCCCCCCCCC",
    ]
    labels = [1, 1, 1, 1, 0, 0, 0, 0]
    scores = [np.zeros(len(s)) for s in seqs]
    for i, s in enumerate(seqs[:3]):
        scores[i][s.index("GATTACA") : s.index("GATTACA") + 7] = 1
    (c,) = motifs.candidates(seqs, labels, scores, p_adjusted=None)
    assert c.seq == "GATTACA"
    assert c.regions == ((0, 2, 9), (1, 0, 7), (2, 4, 11))
    assert (c.n_pos, c.n_neg) == (3, 1)
    assert c.p == pytest.approx(17 / 70) and c.q == pytest.approx(17 / 70)
    assert motifs.candidates(seqs, labels, scores) == []  # 17/70 is not below 0.005
    # k-mers of the regions: GATTACA has two 6-mers, both in the same sequences
    kmers = motifs.candidates(seqs, labels, scores, p_adjusted=None, k=6)
    assert sorted(c.seq for c in kmers) == ["ATTACA", "GATTAC"]
    assert all((c.n_pos, c.n_neg) == (3, 1) for c in kmers)


def test_candidates_check_score_lengths():
    seqs = ["ACGTACGTAC", "ACGTA"]
    with pytest.raises(ValueError, match="lengths must match"):
        motifs.candidates(seqs, [1, 0], [np.ones(10), np.ones(6)])
    padded = np.zeros((2, 12))
    padded[0, 2:8] = 1
    padded[1, 5:] = 7  # beyond sequence 1's end: ignored
    got = motifs.candidates(seqs, [1, 1], padded, p_adjusted=None)
    assert [(c.seq, c.regions) for c in got] == [("GTACGT", ((0, 2, 8),))]


# merging and windows


def test_align_counts_identities_over_ungapped_offsets():
    assert motifs.align("ACGTA", "GTA") == (3, 2)
    assert motifs.align("GATTA", "TTACC") == (3, 2)  # b overhangs a's end
    assert motifs.align("TACC", "GGTA") == (2, -2)  # b starts before a
    assert motifs.align("AAAA", "TTTT") == (0, 0)  # ties: offset nearest 0


def test_align_scores_equal_biopython_without_internal_gaps():
    from Bio.Align import PairwiseAligner

    # Biopython's defaults of DNABERT's time (1.88 charges end gaps -1), internal gaps
    # forbidden as DNABERT does
    aligner = PairwiseAligner(match_score=1, mismatch_score=0, gap_score=0)
    aligner.internal_gap_score = -10000.0
    rng = np.random.default_rng(0)
    for _ in range(50):
        a, b = ("".join(rng.choice(list("ACGT"), n)) for n in rng.integers(3, 12, 2))
        assert motifs.align(a, b)[0] == aligner.score(a, b)


def cand(seq, *regions, p=1e-4):
    return Candidate(seq, regions, 5, 0, p, p)


def test_merge_moves_instances_onto_the_seed():
    cands = [
        cand("GTTACAT", (1, 10, 17)),  # TTACA at offset 1: becomes (1, 11, 16)
        cand("TTACA", (0, 3, 8), (2, 0, 5)),
        cand("CCCCC", (0, 20, 25)),  # 1 identity with TTACA: its own seed
        cand("TTACAT", (0, 3, 9)),  # lands on (0, 3, 8), which TTACA already has
    ]
    (s1, i1), (s2, i2) = motifs.merge(cands)
    assert s1.seq == "CCCCC" and i1 == [(0, 20, 25)]  # same length and p-value: by string
    assert s2.seq == "TTACA" and i2 == [(0, 3, 8), (1, 11, 16), (2, 0, 5)]
    # with a threshold of 6 identities TTACAT (5 with TTACA) seeds, GTTACAT (6) joins it
    strict = motifs.merge(cands, threshold=6)
    assert [s.seq for s, _ in strict] == ["CCCCC", "TTACA", "TTACAT"]
    assert strict[2][1] == [(0, 3, 9), (1, 11, 17)]


def test_expand_centres_windows_and_handles_edges():
    seq = "ACGTACGTAC" * 3  # length 30
    inst = [(0, 10, 15), (0, 10, 14), (0, 0, 30), (0, 16, 20), (0, 0, 5), (0, 26, 30)]
    kept, strings = motifs.expand(inst, [seq], window=24)
    # odd margin: 9 left, 10 right; even: 10 each; longer than the window: centre cut;
    # ending exactly at the end is kept; the last two leave the sequence and are dropped
    assert kept == [(0, 1, 25), (0, 0, 24), (0, 3, 27), (0, 6, 30)]
    assert strings == [seq[1:25], seq[0:24], seq[3:27], seq[6:30]]
    kept, strings = motifs.expand(inst[4:] + [(0, -40, -30)], [seq], window=24, edge="pad")
    assert kept == [(0, -9, 15), (0, 16, 40), (0, -47, -23)]
    assert strings == ["N" * 9 + seq[:15], seq[16:] + "N" * 10, "N" * 24]
    with pytest.raises(ValueError):
        motifs.expand(inst, [seq], edge="clip")


def test_find_motifs_near_sequence_edges():
    # 12 bp sites in 30 bp sequences (several of them cut to 26): most windows leave
    # the sequence
    d = data.synthetic(200, 30, motifs=(TGIF1,), seed=3)
    seqs = [s[:26] if i % 3 == 0 else s for i, s in enumerate(d.sequences)]
    scores = [m[: len(s)] + 0.01 for m, s in zip(d.mask.astype(float), seqs)]
    drop = motifs.find_motifs(seqs, d.labels, scores)
    pad = motifs.find_motifs(seqs, d.labels, scores, edge="pad")
    # shortest enriched string first: cut sites make TGACAGCT the seed
    assert drop[0].seed == pad[0].seed == "TGACAGCT"
    assert "TGACAGCTGTCA" in drop[0].consensus and "TGACAGCTGTCA" in pad[0].consensus
    assert len(pad[0].instances) > len(drop[0].instances) >= 3
    assert all(len(w) == 24 for w in pad[0].windows)
    assert all(0 <= a and b <= len(seqs[i]) for i, a, b in drop[0].instances)
    assert any(a < 0 or b > len(seqs[i]) for i, a, b in pad[0].instances)
    # padded columns count fewer bases; every count is a base of a window
    assert pad[0].counts.sum() == sum(len(w) - w.count("N") for w in pad[0].windows)
    assert pad[0].counts.sum(axis=0).min() < len(pad[0].windows)


# motif recovery


def test_find_motifs_dnabert_defaults_recover_a_conserved_motif():
    d = data.synthetic(200, 100, motifs=(TGIF1,), seed=0)
    found = motifs.find_motifs(d.sequences, d.labels, marked(d))
    planted = data.jaspar_motifs([TGIF1])[TGIF1]
    top = found[0]
    assert top.id == "motif_1" and top.seed == "TGACAGCTGTCA"
    assert top.seed in top.consensus and motifs.consensus(planted.counts) == top.seed
    assert top.q < 0.005 and top.n_neg == 0 and top.n_pos >= 50
    assert len(top.instances) == len(top.windows) >= 60
    table = motifs.compare(found[:1])
    assert table.iloc[0]["id"] == TGIF1
    assert distance(top, planted, aligned_columns(top, table, planted)) < 0.05


def test_find_motifs_recovers_ctcf_and_compare_ranks_it_first(ctcf):
    d, scores, found, table = ctcf
    # whole regions of a degenerate motif never recur letter for letter
    assert motifs.find_motifs(d.sequences, d.labels, scores) == []
    top = found[0]
    assert top.counts.shape == (4, 24) and len(top.instances) >= 30
    assert top.counts.sum(axis=0).tolist() == [len(top.instances)] * 24
    best = table[table["query"] == "motif_1"].iloc[0]
    assert (best["rank"], best["id"], best["name"], best["strand"]) == (1, CTCF, "CTCF", "+")
    assert best["tf_class"] == "C2H2 zinc finger factors"
    assert best["q_value"] < 1e-10
    planted = data.jaspar_motifs([CTCF])[CTCF]
    pairs = aligned_columns(top, table, planted)
    assert len(pairs) >= 17
    assert distance(top, planted, pairs) < 0.15
    planted_consensus = motifs.consensus(planted.counts)
    same = [top.consensus[a] == planted_consensus[b] for a, b in pairs]
    assert np.mean(same) >= 0.85


# TOMTOM


def test_compare_finds_a_jaspar_matrix_and_its_reverse_complement():
    m = data.jaspar_motifs([CTCF])[CTCF]
    table = motifs.compare({"fwd": m.counts, "rev": m.counts[::-1, ::-1]}, n_best=3)
    assert list(table.columns) == motifs.COLUMNS
    assert table["query"].tolist() == ["fwd"] * 3 + ["rev"] * 3
    assert table["rank"].tolist() == [1, 2, 3] * 2
    first = table[table["rank"] == 1]
    assert first["id"].tolist() == [CTCF, CTCF]
    assert first["strand"].tolist() == ["+", "-"]
    assert first["offset"].tolist() == [0, 0] and first["overlap"].tolist() == [19, 19]
    assert (table["q_value"] >= table["p_value"]).all()
    for _, rows in table.groupby("query"):
        assert rows["p_value"].is_monotonic_increasing


def test_compare_offset_of_a_query_cut_from_a_target():
    m = data.jaspar_motifs([CTCF])[CTCF]
    row = motifs.compare({"core": m.probs[:, 3:15]}, n_best=1).iloc[0]
    assert (row["id"], row["offset"], row["overlap"], row["strand"]) == (CTCF, 3, 12, "+")


def test_tf_families_counts_each_query_once():
    table = pd.DataFrame(
        {
            "query": ["m1", "m1", "m2", "m2", "m3"],
            "name": ["CTCF", "CTCFL", "Ahr::Arnt", "ZIC4", "X"],
            "tf_family": ["zf", "zf", "PAS; bHLH-ZIP", "zf", ""],
            "q_value": [0.001, 0.01, 0.02, 0.5, 0.01],
        }
    )
    got = motifs.tf_families(table)
    assert got.to_dict("list") == {
        "tf_family": ["PAS", "bHLH-ZIP", "unknown", "zf"],
        "n_queries": [1, 1, 1, 1],
        "queries": ["m2", "m2", "m3", "m1"],
        "names": ["Ahr::Arnt", "Ahr::Arnt", "X", "CTCF, CTCFL"],
    }
    assert motifs.tf_families(table, max_q=1)["n_queries"].tolist() == [2, 1, 1, 1]


def test_tf_families_of_ctcf_matches(ctcf):
    *_, table = ctcf
    got = motifs.tf_families(table, level="tf_class")
    assert got.iloc[0]["tf_class"] == "C2H2 zinc finger factors"
    assert got.iloc[0]["n_queries"] == table["query"].nunique()


def test_class_report_margin_ties_and_best_matches():
    # m1..m3 best match C2H2, m4 SAND; every motif also has a lower SAND match: by "any
    # significant match" SAND leads by one motif, by best match C2H2 leads
    table = pd.DataFrame(
        {
            "query": ["m1", "m1", "m2", "m2", "m3", "m3", "m4", "m5"],
            "rank": [1, 2, 1, 2, 1, 2, 1, 1],
            "name": ["SP1", "GMEB2", "KLF4", "GMEB2", "ZNF263", "GMEB2", "GMEB2", "X"],
            "tf_class": ["C2H2", "SAND", "C2H2", "SAND", "C2H2", "SAND", "SAND", "Homeo"],
            "q_value": [0.01, 0.02, 0.01, 0.02, 0.01, 0.03, 0.01, 0.5],
        }
    )
    per_class = motifs.tf_families(table, level="tf_class")
    classes = pd.DataFrame(
        {"method": "a", "TF class": per_class["tf_class"], "motifs": per_class["n_queries"]}
    )
    got = motifs.class_report(classes, {"a": "C2H2", "b": "Homeo"}, best={"a": table})
    a = got.loc["a"]
    assert (a["top"], a["top_motifs"], a["tied"]) == ("SAND", 4, 1)
    assert (a["second"], a["second_motifs"], a["margin"]) == ("C2H2", 3, 1)
    assert a["expected_motifs"] == 3 and not a["holds"]
    assert (a["best_top"], a["best_top_motifs"], a["best_motifs"]) == ("C2H2", 3, 4)
    b = got.loc["b"]  # no match at all
    assert (b["top"], b["top_motifs"], b["margin"], b["holds"]) == ("", 0, 0, False)
    assert (b["best_top"], b["best_motifs"]) == ("", 0)
    # a tie for the most motifs holds whichever class sorts first, and names both
    tied = pd.DataFrame({"method": "a", "TF class": ["SAND", "C2H2"], "motifs": [3, 3]})
    got = motifs.class_report(tied, {"a": "SAND"}).loc["a"]
    assert (got["top"], got["tied"], got["holds"], got["margin"]) == ("C2H2 / SAND", 2, True, 0)
    assert "best_top" not in got


# PWMs and logos


def test_counts_probabilities_information_content_exact():
    counts = motifs.counts_matrix(["ACGT", "ACGA", "ACNA"])
    np.testing.assert_array_equal(counts, [[3, 0, 0, 2], [0, 3, 0, 0], [0, 0, 2, 0], [0, 0, 0, 1]])
    assert motifs.consensus(counts) == "ACGA"
    p = motifs.probabilities(counts)
    np.testing.assert_allclose(p[:, 3], [2 / 3, 0, 0, 1 / 3])
    np.testing.assert_allclose(
        motifs.probabilities(counts, pseudocount=1)[:, 0], [4 / 7, 1 / 7, 1 / 7, 1 / 7]
    )
    entropy = -(2 / 3 * math.log2(2 / 3) + 1 / 3 * math.log2(1 / 3))
    np.testing.assert_allclose(motifs.information_content(p), [2, 2, 2, 2 - entropy])
    empty = np.zeros((4, 2))
    empty[:, 1] = 5
    np.testing.assert_allclose(motifs.probabilities(empty), 0.25)
    np.testing.assert_allclose(motifs.information_content(np.full((4, 3), 0.25)), 0)
    assert motifs.consensus(empty) == "NA"
    skewed = motifs.information_content([[1], [0], [0], [0]], background=(0.4, 0.1, 0.1, 0.4))
    np.testing.assert_allclose(skewed, [math.log2(1 / 0.4)])
    with pytest.raises(ValueError):
        motifs.counts_matrix(["ACG", "AC"])


def test_logo_returns_axes():
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = motifs.counts_matrix(["ACGT", "ACGA", "ACCA"])
    ax = motifs.logo(counts, title="toy")
    assert isinstance(ax, matplotlib.axes.Axes)
    assert ax.get_title() == "toy" and ax.get_ylim() == (0, 2)
    fig, given = plt.subplots()
    assert motifs.logo(motifs.probabilities(counts), ax=given) is given
    plt.close("all")


def test_positive_class_of_the_motif_search():
    assert motifs.positive_class(("non-promoter", "promoter")) == 1
    assert motifs.positive_class(("promoter", "other")) == 0
    assert motifs.positive_class(("bound", "unbound")) == 1
    assert motifs.positive_class(("bound", "unbound"), "bound") == 0
    with pytest.raises(ValueError, match="motif_class 'bond' is not a class.*bound, unbound"):
        motifs.positive_class(("bound", "unbound"), "bond")


# Known-biology helpers: factor families, the recovery rank, seqlet motifs.


def table(rows):
    """A `compare`-like table from (query, rank, id, name, q_value) rows."""
    t = pd.DataFrame(rows, columns=["query", "rank", "id", "name", "q_value"])
    t["p_value"] = t["q_value"] / 10
    return t


def test_families_on_jaspar_names():
    pou = ["POU5F1", "Pou5f1::Sox2", "POU2F2", "Pou2f3", "POU5F1B", "pou3f1"]
    maf = [
        "MAFK",
        "MAFF",
        "MAFG",
        "MAF::NFE2",
        "Bach1::Mafk",
        "MAFG::NFE2L1",
        "Nfe2l2",
        "NFE2",
        "BACH2",
        "Mafb",
        "NRL",
    ]
    others = ["Sox2", "SOX21", "JUN", "FOS::JUN", "NFE2L2X", "MAFZ", "Pax5", "SPOUT"]
    assert all(motifs.in_family(n, family=POU_FAMILY) for n in pou)
    assert all(motifs.in_family(n, family=MAF_FAMILY) for n in maf)
    assert not any(motifs.in_family(n, family=POU_FAMILY) for n in maf + others)
    assert not any(motifs.in_family(n, family=MAF_FAMILY) for n in pou + others)
    # matrix ids, with or without version; a single name; a predicate
    assert motifs.in_family("x", "MA0496.2", {"MA0496"})
    assert motifs.in_family("x", "MA0496.2", {"ma0496.2"})
    assert not motifs.in_family("x", "MA0496.2", {"MA0496.1"})
    assert motifs.in_family("Sox2", "", "SOX2")
    assert motifs.in_family("Sox2", "MA0143.3", lambda name, i: i.startswith("MA0143"))


def test_recovery_rank_hand_case():
    """Run a: motif_1's best match is Sox2 and its second Pou5f1::Sox2; motif_2's best is
    POU5F1 (q 0.2); motif_3's best POU2F2 (q 0.01). Run b: no POU match at all."""
    a = table(
        [
            ("motif_1", 1, "MA0143.3", "Sox2", 0.001),
            ("motif_1", 2, "MA0142.1", "Pou5f1::Sox2", 0.03),
            ("motif_2", 1, "MA1115.1", "POU5F1", 0.2),
            ("motif_2", 2, "MA0142.1", "Pou5f1::Sox2", 0.3),
            ("motif_3", 1, "MA0507.1", "POU2F2", 0.01),
        ]
    )
    b = table([("motif_1", 1, "MA0496.2", "MAFK", 0.001), ("motif_2", 1, "MA0143.3", "Sox2", 0.5)])
    runs = {("dnabert", "lrp"): a, ("cnn", "saliency"): b}
    top1 = motifs.recovery(runs, POU_FAMILY)
    assert list(top1.columns) == ["model", "method", *motifs.RECOVERY_COLUMNS]
    assert top1[["model", "method", "n_motifs", "motif", "match", "match_id"]].values.tolist() == [
        ["dnabert", "lrp", 3, "motif_2", "POU5F1", "MA1115.1"],
        ["cnn", "saliency", 2, "", "", ""],
    ]
    np.testing.assert_array_equal(top1["rank"], [2, np.nan])
    np.testing.assert_array_equal(top1["match_rank"], [1, np.nan])
    np.testing.assert_allclose(top1["q_value"], [0.2, np.nan])
    np.testing.assert_allclose(top1["p_value"], [0.02, np.nan])
    # the second-best match counts with top_k=2: motif_1 through Pou5f1::Sox2
    top2 = motifs.recovery(runs, POU_FAMILY, top_k=2)
    assert top2.loc[0, ["rank", "motif", "match_rank", "match", "q_value"]].tolist() == [
        1.0,
        "motif_1",
        2.0,
        "Pou5f1::Sox2",
        0.03,
    ]
    # with q <= 0.05, motif_2's POU5F1 (q 0.2) no longer counts: motif_3 is the first
    strict = motifs.recovery(runs, POU_FAMILY, max_q=0.05)
    assert strict.loc[0, ["rank", "motif", "match", "q_value"]].tolist() == [
        3.0,
        "motif_3",
        "POU2F2",
        0.01,
    ]
    # the other family: run b's motif_1 is MAFK
    maf = motifs.recovery(runs, MAF_FAMILY)
    np.testing.assert_array_equal(maf["rank"], [np.nan, 1])
    assert maf.loc[1, "match"] == "MAFK"


def test_recovery_with_the_motif_order_given():
    """Motifs without a kept match still take their rank; an empty run has no motifs."""
    t = table(
        [("motif_3", 1, "MA1115.1", "POU5F1", 0.01), ("motif_1", 1, "MA0143.3", "Sox2", 0.01)]
    )
    given = {("m", "x"): ["motif_1", "motif_2", "motif_3"], ("m", "y"): []}
    out = motifs.recovery({("m", "x"): t, ("m", "y"): t.iloc[:0]}, POU_FAMILY, motifs=given)
    np.testing.assert_array_equal(out["rank"], [3, np.nan])
    assert out["n_motifs"].tolist() == [3, 0]
    # default order: first appearance in the table
    assert motifs.recovery({"x": t}, POU_FAMILY, names=("method",)).loc[0, "rank"] == 1
    with pytest.raises(KeyError, match="no entry"):
        motifs.recovery({("m", "z"): t}, POU_FAMILY, motifs=given)
    with pytest.raises(ValueError, match="lacks columns"):
        motifs.recovery({("m", "x"): t.drop(columns="q_value")}, POU_FAMILY)
    with pytest.raises(ValueError, match="one value per name"):
        motifs.recovery({"x": t}, POU_FAMILY)


def planted(n_pos=60, n_neg=60, length=80, site="TGCTGAGTCA", seed=0):
    """Random sequences; positives carry ``site`` at a random place, scored 1 + noise there and
    noise (< 0.05) elsewhere."""
    rng = np.random.default_rng(seed)
    n = n_pos + n_neg
    seqs = ["".join(rng.choice(list("ACGT"), length)) for _ in range(n)]
    scores = rng.random((n, length)) * 0.05
    starts = rng.integers(0, length - len(site) + 1, n_pos)
    for i, s in enumerate(starts):
        seqs[i] = seqs[i][:s] + site + seqs[i][s + len(site) :]
        scores[i, s : s + len(site)] += 1.0
    return seqs, np.array([1] * n_pos + [0] * n_neg), scores, starts


def test_seqlets_cover_the_planted_sites():
    seqs, labels, scores, starts = planted()
    found = motifs.seqlets(scores[:60])
    assert list(found.columns) == ["sequence", "start", "end", "attribution", "p_value"]
    assert sorted(found.sequence) == list(range(60))  # one per positive
    s = starts[found.sequence]
    assert ((found.start <= s) & (found.end >= s + 10)).all()  # the site, and
    assert ((found.end - found.start) <= 13).all()  # at most a base or two of noise around it
    assert (np.diff(found.p_value) >= 0).all()
    # ragged rows: a seqlet never reaches past its sequence's end
    rows = [scores[i, : starts[i] + 10] for i in range(60)]
    cut = motifs.seqlets(rows)
    assert (cut.end <= starts[cut.sequence] + 10).all() and len(cut) == 60


def test_seqlet_motifs_match_the_book_procedure_on_planted_sites():
    seqs, labels, scores, starts = planted()
    found = motifs.seqlet_motifs(seqs, labels, scores, k=6)
    book = motifs.find_motifs(seqs, labels, scores, k=6)
    assert len(found) == len(book) == 1
    m = found[0]
    assert "TGCTGAGTCA" in m.consensus and m.seed in "TGCTGAGTCA"
    # every window that fits holds the site at the same place
    assert len(m.instances) == sum(7 <= s <= 80 - 17 for s in starts) == 40
    assert {w[7:17] for w in m.windows} == {"TGCTGAGTCA"}
    assert m.instances == book[0].instances and m.consensus == book[0].consensus
    with pytest.raises(ValueError, match="labels"):
        motifs.seqlet_motifs(seqs, labels[:5], scores)


def two_factors(n=50, length=80, seed=0):
    """Class 0 carries the consensus of JASPAR's POU5F1 matrix, class 1 that of MAFK's, each
    scored 1 there and noise (< 0.05) elsewhere."""
    from dnaexplain import data

    rng = np.random.default_rng(seed)
    sites = [motifs.consensus(data.jaspar_motifs([i])[i].counts) for i in ("MA1115.1", "MA0496.2")]
    seqs, scores = [], rng.random((2 * n, length)) * 0.05
    for i in range(2 * n):
        site = sites[i // n]
        s = int(rng.integers(0, length - len(site) + 1))
        x = "".join(rng.choice(list("ACGT"), length))
        seqs.append(x[:s] + site + x[s + len(site) :])
        scores[i, s : s + len(site)] += 1.0
    return seqs, np.repeat([0, 1], n), scores


@pytest.mark.parametrize("procedure", motifs.PROCEDURES)
def test_family_recovery_finds_each_class_its_factor(procedure):
    seqs, labels, scores = two_factors()
    table, found, matches = motifs.family_recovery(
        seqs, labels, scores, {0: POU_FAMILY, 1: MAF_FAMILY}, procedure=procedure, k=6
    )
    assert list(table.columns) == ["label", *motifs.RECOVERY_COLUMNS]
    assert table["label"].tolist() == [0, 1]
    assert table["rank"].tolist() == [1.0, 1.0]  # each class's first motif is its factor's
    assert table["match_rank"].tolist() == [1.0, 1.0]  # and that is its best JASPAR match
    assert motifs.in_family(table.loc[0, "match"], family=POU_FAMILY)
    assert motifs.in_family(table.loc[1, "match"], family=MAF_FAMILY)
    assert (table["q_value"] < 1e-3).all()
    assert [len(found[c]) for c in (0, 1)] == table["n_motifs"].tolist()
    assert set(matches[0]["query"]) == {m.id for m in found[0]}
    # the wrong family is not found: the octamer is no Maf site
    wrong, _, _ = motifs.family_recovery(
        seqs, labels, scores, {0: MAF_FAMILY}, procedure=procedure, k=6
    )
    assert np.isnan(wrong.loc[0, "rank"]) and wrong.loc[0, "match"] == ""


def test_family_recovery_errors_and_nothing_found():
    seqs, labels, scores = two_factors(n=10)
    flat = np.zeros_like(scores)  # no high-scoring region: no motif, no rank
    table, found, matches = motifs.family_recovery(seqs, labels, flat, {0: POU_FAMILY})
    assert found == {0: []} and matches[0].empty
    assert table.loc[0, "n_motifs"] == 0 and np.isnan(table.loc[0, "rank"])
    with pytest.raises(ValueError, match="procedure"):
        motifs.family_recovery(seqs, labels, scores, {0: POU_FAMILY}, procedure="kmers")
    with pytest.raises(ValueError, match="class 2 has no sequences"):
        motifs.family_recovery(seqs, labels, scores, {2: POU_FAMILY})
