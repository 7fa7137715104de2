"""Known-biology helpers of `motifs`: factor families, the recovery rank, seqlet motifs."""

import numpy as np
import pandas as pd
import pytest

from dnaexplain import motifs
from dnaexplain.motifs import MAF_FAMILY, POU_FAMILY


def table(rows):
    """A `compare`-like table from (query, rank, id, name, q_value) rows."""
    t = pd.DataFrame(rows, columns=["query", "rank", "id", "name", "q_value"])
    t["p_value"] = t["q_value"] / 10
    return t


def test_families_on_jaspar_names():
    pou = ["POU5F1", "Pou5f1::Sox2", "POU2F2", "Pou2f3", "POU5F1B", "pou3f1"]
    maf = ["MAFK", "MAFF", "MAFG", "MAF::NFE2", "Bach1::Mafk", "MAFG::NFE2L1", "Nfe2l2", "NFE2",
           "BACH2", "Mafb", "NRL"]
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
    a = table([("motif_1", 1, "MA0143.3", "Sox2", 0.001),
               ("motif_1", 2, "MA0142.1", "Pou5f1::Sox2", 0.03),
               ("motif_2", 1, "MA1115.1", "POU5F1", 0.2),
               ("motif_2", 2, "MA0142.1", "Pou5f1::Sox2", 0.3),
               ("motif_3", 1, "MA0507.1", "POU2F2", 0.01)])
    b = table([("motif_1", 1, "MA0496.2", "MAFK", 0.001), ("motif_2", 1, "MA0143.3", "Sox2", 0.5)])
    runs = {("dnabert", "lrp"): a, ("cnn", "saliency"): b}
    top1 = motifs.recovery(runs, POU_FAMILY)
    assert list(top1.columns) == ["model", "method", *motifs.RECOVERY_COLUMNS]
    assert top1[["model", "method", "n_motifs", "motif", "match", "match_id"]].values.tolist() == [
        ["dnabert", "lrp", 3, "motif_2", "POU5F1", "MA1115.1"],
        ["cnn", "saliency", 2, "", "", ""]]
    np.testing.assert_array_equal(top1["rank"], [2, np.nan])
    np.testing.assert_array_equal(top1["match_rank"], [1, np.nan])
    np.testing.assert_allclose(top1["q_value"], [0.2, np.nan])
    np.testing.assert_allclose(top1["p_value"], [0.02, np.nan])
    # the second-best match counts with top_k=2: motif_1 through Pou5f1::Sox2
    top2 = motifs.recovery(runs, POU_FAMILY, top_k=2)
    assert top2.loc[0, ["rank", "motif", "match_rank", "match", "q_value"]].tolist() == [
        1.0, "motif_1", 2.0, "Pou5f1::Sox2", 0.03]
    # with q <= 0.05, motif_2's POU5F1 (q 0.2) no longer counts: motif_3 is the first
    strict = motifs.recovery(runs, POU_FAMILY, max_q=0.05)
    assert strict.loc[0, ["rank", "motif", "match", "q_value"]].tolist() == [
        3.0, "motif_3", "POU2F2", 0.01]
    # the other family: run b's motif_1 is MAFK
    maf = motifs.recovery(runs, MAF_FAMILY)
    np.testing.assert_array_equal(maf["rank"], [np.nan, 1])
    assert maf.loc[1, "match"] == "MAFK"


def test_recovery_with_the_motif_order_given():
    """Motifs without a kept match still take their rank; an empty run has no motifs."""
    t = table([("motif_3", 1, "MA1115.1", "POU5F1", 0.01),
               ("motif_1", 1, "MA0143.3", "Sox2", 0.01)])
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
        seqs[i] = seqs[i][:s] + site + seqs[i][s + len(site):]
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
        seqs.append(x[:s] + site + x[s + len(site):])
        scores[i, s : s + len(site)] += 1.0
    return seqs, np.repeat([0, 1], n), scores


@pytest.mark.parametrize("procedure", motifs.PROCEDURES)
def test_family_recovery_finds_each_class_its_factor(procedure):
    seqs, labels, scores = two_factors()
    table, found, matches = motifs.family_recovery(
        seqs, labels, scores, {0: POU_FAMILY, 1: MAF_FAMILY}, procedure=procedure, k=6)
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
    wrong, _, _ = motifs.family_recovery(seqs, labels, scores, {0: MAF_FAMILY},
                                         procedure=procedure, k=6)
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
