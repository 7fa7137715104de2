"""The known-biology study on hand-made inputs: every table and sentence checked to the value."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from dnaexplain import data, motifs, sites
from dnaexplain.motifs import MAF_FAMILY, POU_FAMILY, FoundMotif
from dnaexplain.studies import known_biology as study

CLASSES = ("oct4", "mafk")
OCT4, MAFK = "MA1115.1", "MA0496.2"


def test_runs_need_one_dataset_with_the_factors_classes(monkeypatch):
    with pytest.raises(ValueError, match=r"must all use one dataset, got \['a', 'b'\]"):
        study.check_runs(["cnn:a", "dnabert:b", "cnn:a"])
    with pytest.raises(ValueError, match="must all use one dataset, got none"):
        study.check_runs([])
    # a published dataset's classes are known before anything is loaded
    with pytest.raises(
        ValueError,
        match="human_nontata_promoters: this chapter needs classes named oct4, mafk; the "
        "dataset's classes are non-promoter, promoter",
    ):
        study.check_runs(["cnn:human_nontata_promoters"])
    monkeypatch.setitem(data.FILES, "peaks", SimpleNamespace(classes=("mafk", "ctcf", "oct4")))
    assert study.check_runs(["cnn:peaks", "dnabert:peaks"]) == "peaks"
    assert study.check_runs(["cnn:unknown"]) == "unknown"  # checked once its parts are read


def test_accuracy_sentence():
    table = pd.DataFrame(
        {"accuracy": [0.875, 0.5], "accuracy (oct4)": [0.75, 0.0], "accuracy (mafk)": [1.0, 1.0]},
        index=pd.Index(["CNN", "DNABERT"], name="model"),
    )
    assert study.accuracy_sentence(table) == (
        "Accuracy on the evaluation part: CNN 87.5% (Oct4 peaks 75.0%, MafK peaks 100.0%); "
        "DNABERT 50.0% (Oct4 peaks 0.0%, MafK peaks 100.0%)."
    )


def toy():
    """Three peaks: an Oct4 peak with an Oct4 site (20 bp), a MafK peak with a MafK site and an
    Oct4 site (40 bp), a MafK peak without any (30 bp)."""
    ds = data.Dataset("toy", ["A" * 20, "C" * 40, "G" * 30], [0, 1, 1], CLASSES)
    hits = pd.DataFrame(
        [(OCT4, 0, 5, 16), (MAFK, 1, 3, 22), (OCT4, 1, 24, 35)],
        columns=["motif", "sequence", "start", "end"],
    ).assign(name=lambda h: h.motif.map({OCT4: "POU5F1", MAFK: "MAFK"}))
    truth = sites.class_mask(hits, ds.labels, {0: OCT4, 1: MAFK}, 40)
    matrices = {
        i: data.Motif(i, name, np.ones((4, 2)), np.full((4, 2), 0.25))
        for i, name in [(OCT4, "POU5F1"), (MAFK, "MAFK")]
    }
    return ds, hits, truth, matrices


def test_site_carry_and_its_sentence_on_hand_placed_hits():
    ds, hits, truth, matrices = toy()
    assert [np.flatnonzero(t).tolist() for t in truth] == [
        list(range(5, 16)),
        list(range(3, 22)),
        [],
    ]
    carry = study.site_carry(ds, hits, truth, matrices)
    assert carry.index.tolist() == ["oct4 peaks", "mafk peaks"]
    assert carry.columns.tolist() == [
        "POU5F1 hit (MA1115.1)",
        "MAFK hit (MA0496.2)",
        "own factor's site bases (mean share)",
    ]
    assert carry.iloc[:, :2].values.tolist() == [[1.0, 0.0], [0.5, 0.5]]
    # 11 of 20 bases; (19 of 40 + 0 of 30) / 2
    assert carry.iloc[:, 2].tolist() == pytest.approx([11 / 20, 19 / 80])
    assert study.sites_sentence(carry, truth) == (
        "Of the 3 sequences, 2 hold a site of their own class's factor: 100% of the Oct4 "
        "peaks (and 0% hold a site of the other factor); 50% of the MafK peaks (and 50% hold a "
        "site of the other factor). Only sequences with an own site enter the measures below; "
        "the others have no known answer."
    )
    assert study.flat_share(truth, ds) == pytest.approx((11 / 20 + 19 / 40) / 2)


def test_own_sites_mark_each_peak_its_own_factor_only():
    matrices = study.factor_matrices()
    oct4, mafk = (motifs.consensus(matrices[i].counts) for i in (OCT4, MAFK))
    assert (len(oct4), len(mafk)) == (11, 19)
    ds = data.Dataset(
        "toy",
        ["A" * 5 + oct4 + "A" * 10, "C" * 3 + mafk + "CC" + oct4 + "C" * 5, "G" * 30],
        [0, 1, 1],
        CLASSES,
    )
    hits, truth = study.own_sites(ds, matrices)
    # the MARE is a palindrome: its consensus is a hit on both strands
    assert sorted(zip(hits.motif, hits.sequence, hits.start, hits.strand)) == [
        (MAFK, 1, 3, "+"),
        (MAFK, 1, 3, "-"),
        (OCT4, 0, 5, "+"),
        (OCT4, 1, 24, "+"),
    ]
    assert truth.shape == (3, 40)
    # the octamer in the MafK peak is not its own factor's site
    assert [np.flatnonzero(t).tolist() for t in truth] == [
        list(range(5, 16)),
        list(range(3, 22)),
        [],
    ]


def test_site_examples_frame_the_first_own_site():
    ds, hits, truth, _ = toy()
    lrp, rnd = np.arange(120.0).reshape(3, 40), np.zeros((3, 40))
    examples = study.site_examples(ds, hits, truth, {"cnn": {"lrp": lrp, "random": rnd}})
    assert [e["title"] for e in examples] == ["Oct4 peak 0", "MafK peak 1"]
    assert [e["window"] for e in examples] == [(0, 20), (0, 40)]  # cut at the sequence's end
    assert [e["sites"] for e in examples] == [[(5, 16, "POU5F1")], [(3, 22, "MAFK")]]
    assert list(examples[1]["scores"]) == ["CNN · lrp"]  # random scores left out
    np.testing.assert_array_equal(examples[1]["scores"]["CNN · lrp"], lrp[1])
    assert examples[1]["sequence"] == "C" * 40
    # a narrower window starts `flank` bases before the site; a class without a site is skipped
    (only,) = study.site_examples(ds, hits, truth & (ds.labels == 1)[:, None], {}, flank=2, width=5)
    assert (only["title"], only["window"], only["scores"]) == ("MafK peak 1", (1, 6), {})


def test_site_measures_of_a_perfect_and_a_flat_map():
    ds, _, truth, _ = toy()
    perfect = truth.astype(float)
    flat = np.where(np.arange(40) < np.array([20, 40, 30])[:, None], 1.0, 0.0)
    on_sites, summary = study.site_measures({"cnn": {"lrp": perfect, "flat": flat}}, truth, ds)
    assert on_sites["map"].unique().tolist() == ["CNN · lrp", "CNN · flat"]
    assert on_sites["class"].tolist() == ["oct4", "mafk", "mafk"] * 2
    auroc = summary["auroc"]
    assert auroc[["model", "method", "n"]].values.tolist() == [
        ["CNN", "lrp", 2],
        ["CNN", "flat", 2],
    ]
    assert auroc["mean"].tolist() == [1.0, 0.5]
    mass = summary["mass_accuracy"]["mean"].tolist()
    assert mass == pytest.approx([1.0, study.flat_share(truth, ds)])
    table = study.sites_table(summary)
    assert table.loc[("CNN", "lrp")].tolist() == [2, "1.000 [1.000, 1.000]", "1.000 [1.000, 1.000]"]


def rec(model, method, procedure, cls, n, rank=np.nan, motif="", match="", match_id="", q=np.nan):
    """One row of `recover`'s table."""
    return {
        "label": CLASSES.index(cls),
        "n_motifs": n,
        "rank": rank,
        "motif": motif,
        "match_rank": 1.0 if motif else np.nan,
        "match_id": match_id,
        "match": match,
        "q_value": q,
        "p_value": q / 10,
        "model": model,
        "method": method,
        "procedure": procedure,
        "class": cls,
    }


@pytest.fixture
def recovery():
    """CNN: lrp recovers POU (regions) and Maf (seqlets), random scores Maf (regions).
    DNABERT-2: nothing, on regions only."""
    return pd.DataFrame(
        [
            rec("CNN", "lrp", "regions", "oct4", 3, 2.0, "motif_2", "POU5F1", OCT4, 0.01),
            rec("CNN", "lrp", "regions", "mafk", 1),
            rec("CNN", "lrp", "seqlets", "oct4", 0),
            rec("CNN", "lrp", "seqlets", "mafk", 2, 1.0, "motif_1", "MAFK", MAFK, 0.002),
            rec("CNN", "random", "regions", "oct4", 2),
            rec("CNN", "random", "regions", "mafk", 1, 1.0, "motif_1", "MAFF", "MA0495.3", 0.04),
            rec("CNN", "random", "seqlets", "oct4", 0),
            rec("CNN", "random", "seqlets", "mafk", 0),
            rec("DNABERT-2", "attnlrp", "regions", "oct4", 1),
            rec("DNABERT-2", "attnlrp", "regions", "mafk", 0),
            rec("DNABERT-2", "random", "regions", "oct4", 0),
            rec("DNABERT-2", "random", "regions", "mafk", 0),
        ]
    )


def test_headline_from_a_small_recovery_table(recovery):
    table = study.headline(recovery)
    assert table.index.tolist() == [
        ("CNN", "lrp", "regions"),
        ("CNN", "lrp", "seqlets"),
        ("CNN", "random", "regions"),
        ("CNN", "random", "seqlets"),
        ("DNABERT-2", "attnlrp", "regions"),
        ("DNABERT-2", "random", "regions"),
    ]
    assert table.columns.tolist() == [
        "Oct4: motifs",
        "Oct4: first POU",
        "Oct4: match",
        "Oct4: q",
        "MafK: motifs",
        "MafK: first Maf",
        "MafK: match",
        "MafK: q",
    ]
    assert table["Oct4: motifs"].tolist() == [3, 0, 2, 0, 1, 0]
    assert table["Oct4: first POU"].tolist() == [2, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA]
    assert table["Oct4: match"].tolist() == ["POU5F1", "", "", "", "", ""]
    assert table["MafK: motifs"].tolist() == [1, 2, 1, 0, 0, 0]
    assert table["MafK: first Maf"].tolist() == [pd.NA, 1, 1, pd.NA, pd.NA, pd.NA]
    assert table["MafK: match"].tolist() == ["", "MAFK", "MAFF", "", "", ""]
    np.testing.assert_array_equal(table["MafK: q"], [np.nan, 0.002, 0.04, np.nan, np.nan, np.nan])


def test_summary_sentences_and_claim_rows(recovery):
    models = pd.DataFrame({"accuracy": [0.875, 0.5]}, index=["CNN", "DNABERT-2"])
    tests = pd.DataFrame(
        [[0.12, 0.05, 0.19, 0.003]],
        index=pd.MultiIndex.from_tuples([("CNN", "lrp", "AUROC")]),
        columns=["estimate", "lo", "hi", "p_adjusted"],
    )
    text = study.summary_sentences(recovery, models, {"cnn": "lrp"}, tests, ["cnn", "dnabert2"])
    assert text == (
        "- **CNN** (87.5% accurate): 1 of 4 maps × procedures recover the POU family for the "
        "Oct4 peaks; 2 of 4 maps × procedures recover the Maf family for the MafK peaks; random "
        "scores recover Maf as well, so there the enrichment test, not the map, finds the "
        "motif. On the sites, `lrp` leads (above random by 0.120 [+0.050, +0.190], adjusted "
        "p = 0.003).\n"
        "- **DNABERT-2** (50.0% accurate): 0 of 2 maps × procedures recover the POU family for "
        "the Oct4 peaks; 0 of 2 maps × procedures recover the Maf family for the MafK peaks; "
        "random scores recover neither."
    )
    rows = study.claim_rows(recovery, ["cnn", "dnabert2"])
    assert [(r["claim"], r["ours"], r["verdict"]) for r in rows] == [
        (
            "CNN's maps recover the POU motif in Oct4 peaks, beyond random scores",
            "1 of 2 maps × procedures; random scores do not",
            "replicates",
        ),
        (
            "CNN's maps recover the Maf motif in MafK peaks, beyond random scores",
            "1 of 2 maps × procedures; random scores do too",
            "does not replicate",
        ),
        (
            "DNABERT-2's maps recover the POU motif in Oct4 peaks, beyond random scores",
            "0 of 1 maps × procedures; random scores do not",
            "does not replicate",
        ),
        (
            "DNABERT-2's maps recover the Maf motif in MafK peaks, beyond random scores",
            "0 of 1 maps × procedures; random scores do not",
            "does not replicate",
        ),
    ]
    assert {(r["source"], r["paper"], r["topic"], r["estimate"]) for r in rows} == {
        ("Kurth et al.: maps match known biology", "not available offline", "known biology", None)
    }
    assert rows[0]["why"] == (
        "a motif whose best JASPAR match (q ≤ 0.05) is of the family; no test applies"
    )


def found_motif(i, n_sites, consensus="TGCTGAGTCA"):
    instances = [(k, 0, 10) for k in range(n_sites)]
    counts = np.full((4, 10), float(i))
    return FoundMotif(
        f"motif_{i}", "TGCTGA", consensus, instances, [], counts, 1e-5, 1e-4, n_sites, 0
    )


def compare_table(rows):
    """A `compare`-like table from (query, rank, id, name, tf_class, tf_family, q, strand)."""
    columns = ["query", "rank", "id", "name", "tf_class", "tf_family", "q_value", "strand"]
    return pd.DataFrame(rows, columns=columns)


BZIP = "Basic leucine zipper factors (bZIP)"


def test_top_motif_in_words():
    m = found_motif(1, 3)
    assert study.top_motif([], compare_table([]), "mafk") == (
        False,
        "no motif (no candidate passed the enrichment test)",
    )
    weak = compare_table([("motif_1", 1, MAFK, "MAFK", BZIP, "Maf-related factors", 0.2, "+")])
    assert study.top_motif([m], weak, "mafk") == (
        False,
        "`TGCTGAGTCA` (3 sites) with no JASPAR match at q ≤ 0.05",
    )
    maf = compare_table([("motif_1", 1, MAFK, "MAFK", BZIP, "Maf-related factors", 1e-3, "+")])
    assert study.top_motif([m], maf, "mafk") == (
        True,
        "`TGCTGAGTCA` (3 sites), best match MAFK (q = 0.001; Maf-related factors)",
    )
    # only the best match counts: a Maf factor second behind a bZIP of another family
    fos = compare_table(
        [
            ("motif_1", 2, MAFK, "MAFK", BZIP, "Maf-related factors", 1e-4, "+"),
            ("motif_1", 1, "MA0099.2", "FOS::JUN", BZIP, "Fos-related factors", 0.01, "+"),
        ]
    )
    ok, text = study.top_motif([m], fos, "mafk")
    assert not ok
    assert text == (
        "`TGCTGAGTCA` (3 sites), best match FOS::JUN (q = 0.01; Fos-related factors): a bZIP "
        "factor of another family, whose TGA(C/G)TCA core is the middle of the MARE; the motif "
        "holds that core without the flanking TGC…GCA that marks Maf factors"
    )
    sox = compare_table([("motif_1", 1, "MA0143.3", "Sox2", "HMG", "", 0.01, "+")])
    assert study.top_motif([m], sox, "oct4") == (
        False,
        "`TGCTGAGTCA` (3 sites), best match Sox2 (q = 0.01; no family)",
    )


def test_top_motifs_sentence_lists_one_models_maps():
    m = found_motif(1, 3)
    maf = compare_table([("motif_1", 1, MAFK, "MAFK", BZIP, "Maf-related factors", 1e-3, "+")])
    empty = compare_table([])
    found = {
        ("cnn", "lrp", "regions"): {0: [], 1: [m]},
        ("cnn", "lrp", "seqlets"): {0: [m], 1: []},
        ("dnabert", "lrp", "regions"): {0: [], 1: [m]},
    }
    matches = {
        ("cnn", "lrp", "regions"): {0: empty, 1: maf},
        ("cnn", "lrp", "seqlets"): {0: maf, 1: empty},
        ("dnabert", "lrp", "regions"): {0: empty, 1: maf},
    }
    assert study.top_motifs_sentence(found, matches, CLASSES, "cnn", "mafk") == (
        "**The CNN's top MafK motif.** In 1 of 2 maps and procedures the first-ranked motif of "
        "the MafK peaks matches a Maf-family factor best:\n\n"
        "- `lrp`, regions: **a Maf factor** — `TGCTGAGTCA` (3 sites), best match MAFK "
        "(q = 0.001; Maf-related factors).\n"
        "- `lrp`, seqlets: not a Maf factor — no motif (no candidate passed the enrichment "
        "test)."
    )


def test_best_matches_take_the_earliest_rank_then_the_smallest_q():
    recovery = pd.DataFrame(
        [
            rec("CNN", "lrp", "regions", "mafk", 3, 2.0, "motif_2", "MAFK", MAFK, 1e-3),
            rec("CNN", "lrp", "seqlets", "mafk", 1, 1.0, "motif_1", "MAFF", "MA0495.3", 0.04),
            rec("CNN", "random", "regions", "mafk", 2, 1.0, "motif_2", "MAFK", MAFK, 0.01),
            rec("CNN", "random", "regions", "oct4", 1),
            rec("DNABERT-2", "attnlrp", "regions", "mafk", 0),
        ]
    )
    chosen = found_motif(2, 4)
    table = compare_table(
        [
            ("motif_2", 1, "MA0495.3", "MAFF", BZIP, "Maf-related factors", 0.02, "+"),
            ("motif_2", 2, MAFK, "MAFK", BZIP, "Maf-related factors", 0.01, "-"),
        ]
    )
    found = {
        ("cnn", "lrp", "regions"): {1: [found_motif(1, 5), found_motif(2, 3)]},
        ("cnn", "lrp", "seqlets"): {1: [found_motif(1, 2)]},
        ("cnn", "random", "regions"): {1: [found_motif(1, 6), chosen]},
        ("dnabert2", "attnlrp", "regions"): {1: []},
    }
    matches = {key: {1: table} for key in found}
    pairs = study.best_matches(recovery, found, matches, CLASSES)
    assert list(pairs) == ["CNN", "DNABERT-2"]
    assert pairs["DNABERT-2"] == []
    ((label, counts, name, probs, strand),) = pairs["CNN"]  # no Oct4 motif recovered
    assert label == "MafK peaks, random (regions): motif_2, 4 sites"
    assert counts is chosen.counts
    assert name == "MAFK (MA0496.2), q = 0.01"
    np.testing.assert_array_equal(probs, data.jaspar_motifs([MAFK])[MAFK].probs)
    assert strand == "-"


def test_recover_runs_every_map_procedure_and_class_once(monkeypatch, tmp_path):
    monkeypatch.setenv("DNAEXPLAIN_CACHE", str(tmp_path))
    calls = []

    def fake(sequences, labels, scores, families, procedure, max_q, k):
        calls.append((float(scores[0, 0]), procedure, families, max_q, k))
        # class 1 (oct4) reports the number of sequences, class 0 (mafk) the first score
        table = pd.DataFrame({"label": list(families)}).assign(
            n_motifs=[len(sequences), int(scores[0, 0])], rank=np.nan
        )
        return table, {c: [] for c in families}, {c: f"matches {c}" for c in families}

    monkeypatch.setattr(motifs, "family_recovery", fake)
    ds = data.Dataset("toy", ["ACGT", "TTTT"], [1, 0], ("mafk", "oct4"))
    scores = {"cnn": {"lrp": np.full((2, 4), 7.0), "random": np.zeros((2, 4))}}
    recovery, found, matches = study.recover(scores, ds, k=0)
    assert [c[:2] for c in calls] == [
        (7.0, "regions"),
        (7.0, "seqlets"),
        (0.0, "regions"),
        (0.0, "seqlets"),
    ]
    # labels follow the dataset's classes; k 0 is the procedure's default
    assert all(c[2] == {1: POU_FAMILY, 0: MAF_FAMILY} for c in calls)
    assert {c[3:] for c in calls} == {(0.05, None)}
    assert recovery[
        ["model", "method", "procedure", "label", "class", "n_motifs"]
    ].values.tolist() == [
        ["CNN", "lrp", "regions", 1, "oct4", 2],
        ["CNN", "lrp", "regions", 0, "mafk", 7],
        ["CNN", "lrp", "seqlets", 1, "oct4", 2],
        ["CNN", "lrp", "seqlets", 0, "mafk", 7],
        ["CNN", "random", "regions", 1, "oct4", 2],
        ["CNN", "random", "regions", 0, "mafk", 0],
        ["CNN", "random", "seqlets", 1, "oct4", 2],
        ["CNN", "random", "seqlets", 0, "mafk", 0],
    ]
    assert (
        list(found)
        == list(matches)
        == [
            ("cnn", "lrp", "regions"),
            ("cnn", "lrp", "seqlets"),
            ("cnn", "random", "regions"),
            ("cnn", "random", "seqlets"),
        ]
    )
    assert matches["cnn", "random", "seqlets"] == {1: "matches 1", 0: "matches 0"}
    again, _, _ = study.recover(scores, ds, k=0)  # from the cache
    assert len(calls) == 4
    pd.testing.assert_frame_equal(again, recovery)
    study.recover({"cnn": {"lrp": scores["cnn"]["lrp"]}}, ds, k=6)  # another k, another key
    assert [c[4] for c in calls[4:]] == [6, 6]


def test_versus_random_pairs_each_method_with_random_scores():
    on_sites = pd.DataFrame(
        {
            "model": ["CNN"] * 6 + ["DNABERT-2"] * 3,
            "method": ["lrp"] * 3 + ["random"] * 3 + ["attnlrp"] * 3,
            "sequence": [0, 1, 2] * 3,
            "auroc": [0.9, 0.8, 0.7, 0.5, 0.5, 0.4, 0.6, 0.6, 0.6],
            "mass_accuracy": [0.5, 0.4, 0.3, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1],
        }
    )
    scores = {"cnn": {"lrp": None, "random": None}, "dnabert2": {"attnlrp": None}}
    tests = study.versus_random(on_sites, scores)
    assert tests.index.tolist() == [
        ("CNN", "lrp", "AUROC"),
        ("CNN", "lrp", "relevance mass accuracy"),
    ]
    assert tests["n"].tolist() == [3, 3]
    assert tests["mean_a"].tolist() == pytest.approx([0.8, 0.4])
    assert tests["mean_b"].tolist() == pytest.approx([14 / 30, 0.2])
    assert tests["estimate"].tolist() == pytest.approx([1 / 3, 0.2])
    # without random scores: an empty table that still has the three levels to name
    none = study.versus_random(on_sites[on_sites.method != "random"], {"cnn": {"lrp": None}})
    assert len(none) == 0 and none.columns.tolist() == study.COMPARISON_COLUMNS
    assert none.rename_axis(["model", "method", "measure"]).index.names == [
        "model",
        "method",
        "measure",
    ]
    assert study.versus(none, "CNN", "lrp") is None


def test_sites_sentences_name_the_best_map_and_its_margin_over_random():
    auroc = pd.DataFrame(
        [
            ("CNN", "lrp", 0.7, 0.6, 0.8, 12),
            ("CNN", "saliency", 0.65, 0.55, 0.75, 12),
            ("CNN", "ism", 0.45, 0.4, 0.5, 12),
            ("CNN", "random", 0.75, 0.7, 0.8, 12),
            ("DNABERT-2", "attnlrp", np.nan, np.nan, np.nan, 0),
        ],
        columns=["model", "method", "mean", "lo", "hi", "n"],
    )
    tests = pd.DataFrame(
        [[0.12, 0.05, 0.19, 0.003], [0.15, -0.02, 0.3, 0.2], [-0.08, -0.12, -0.04, 0.01]],
        index=pd.MultiIndex.from_tuples(
            [("CNN", "lrp", "AUROC"), ("CNN", "saliency", "AUROC"), ("CNN", "ism", "AUROC")]
        ),
        columns=["estimate", "lo", "hi", "p_adjusted"],
    )
    assert study.versus(tests, "CNN", "saliency") == (
        "no clear difference from random (+0.150, adjusted p = 0.2)"
    )
    assert study.versus(tests, "CNN", "ism") == (
        "below random by 0.080 [-0.120, -0.040], adjusted p = 0.01"
    )
    assert study.versus(tests, "CNN", "lrp", "relevance mass accuracy") is None
    text, best = study.sites_sentences({"auroc": auroc}, tests, ["cnn", "dnabert2"])
    assert best == {"cnn": "lrp"}  # random scores are no contender
    assert text == (
        "- **CNN**: `lrp` puts its scores on the sites best, AUROC 0.700 [0.600, 0.800] over "
        "12 sequences, above random by 0.120 [+0.050, +0.190], adjusted p = 0.003. Above "
        "random on AUROC: `lrp` (1 of 3).\n"
        "- **DNABERT-2**: no map has a defined AUROC (no sequence holds a site)."
    )


def per_sequence():
    """CNN, two sequences, drops per mask; the top-ism mask flips the second sequence."""
    rows = []
    for mask, drops in {
        "known sites": [0.1, 0.3],
        "top lrp": [0.2, 0.2],
        "top ism": [0.4, 0.6],
        "random positions": [0.0, 0.1],
    }.items():
        for i, d in enumerate(drops):
            after = not (mask == "top ism" and i == 1)
            rows.append(("CNN", mask, i, 5.0 + i, d, True, after))
    columns = ["model", "mask", "sequence", "mutated", "drop", "right before", "right after"]
    return pd.DataFrame(rows, columns=columns)


def test_mutation_table_and_tests_from_per_sequence_drops():
    table = study.mutation_table(per_sequence())
    assert table.index.tolist() == [
        ("CNN", "known sites"),
        ("CNN", "top lrp"),
        ("CNN", "top ism"),
        ("CNN", "random positions"),
    ]
    assert table["mean drop"].tolist() == pytest.approx([0.2, 0.2, 0.5, 0.05])
    assert table["n"].tolist() == [2, 2, 2, 2]
    assert table["bases changed"].tolist() == [5.5] * 4
    assert table["accuracy before"].tolist() == [1.0] * 4
    assert table["accuracy after"].tolist() == [1.0, 1.0, 0.5, 1.0]
    assert table["accuracy lost"].tolist() == [0.0, 0.0, 0.5, 0.0]
    assert (table["lo"] <= table["mean drop"]).all() and (table["mean drop"] <= table["hi"]).all()
    tests = study.mutation_tests(per_sequence())
    assert tests.index.tolist() == [
        ("CNN", "known sites", "random positions"),
        ("CNN", "top ism", "random positions"),
        ("CNN", "top ism", "known sites"),
        ("CNN", "top lrp", "random positions"),
        ("CNN", "top lrp", "known sites"),
    ]
    assert tests["estimate"].tolist() == pytest.approx([0.15, 0.45, 0.3, 0.15, 0.0])


def test_mutation_sentences_compare_sites_random_and_top_positions():
    index = pd.MultiIndex.from_tuples(
        [("CNN", m) for m in ["known sites", "top lrp", "top ism", "random positions"]]
        + [("DNABERT", m) for m in ["known sites", "random positions"]]
    )
    table = pd.DataFrame(
        {
            "mean drop": [0.2, 0.25, 0.5, 0.05, 0.1, 0.1],
            "n": [12] * 4 + [3] * 2,
            "bases changed": [17.5] * 4 + [9.0] * 2,
        },
        index=index,
    )
    tests = pd.DataFrame(
        [
            [0.2, 0.05, 0.15, 0.05, 0.25, 0.01],
            [0.25, 0.2, 0.05, -0.1, 0.2, 0.4],
            [0.5, 0.2, 0.3, 0.1, 0.5, 0.002],
            [0.1, 0.1, 0.0, -0.05, 0.05, 1.0],
        ],
        index=pd.MultiIndex.from_tuples(
            [
                ("CNN", "known sites", "random positions"),
                ("CNN", "top lrp", "known sites"),
                ("CNN", "top ism", "known sites"),
                ("DNABERT", "known sites", "random positions"),
            ]
        ),
        columns=["mean_a", "mean_b", "estimate", "lo", "hi", "p_adjusted"],
    )
    assert study.compared(tests, "CNN", "top ism", "known sites") == (
        "more than known sites (0.5 against 0.2, difference [+0.1, +0.5], adjusted p = 0.002)"
    )
    assert study.mutation_sentences(table, tests, ["cnn", "dnabert"]) == (
        "- **CNN** (12 sequences, 17.5 bases each on average): changing the known sites lowers "
        "the own-class probability more than random positions (0.2 against 0.05, difference "
        "[+0.05, +0.25], adjusted p = 0.01). The top positions of `ism` cost the most, more "
        "than known sites (0.5 against 0.2, difference [+0.1, +0.5], adjusted p = 0.002); 1 of "
        "2 maps' top positions cost more than the sites.\n"
        "- **DNABERT** (3 sequences, 9.0 bases each on average): changing the known sites "
        "lowers the own-class probability not clearly more or less than random positions "
        "(0.1 against 0.1, difference [-0.05, +0.05], adjusted p = 1)."
    )


def test_modisco_recover_runs_every_map_once_and_caches(monkeypatch, tmp_path):
    monkeypatch.setenv("DNAEXPLAIN_CACHE", str(tmp_path))
    calls = []

    def fake(sequences, labels, hypothetical, families, max_q):
        calls.append((list(sequences), hypothetical.shape, hypothetical.sum(), families, max_q))
        table = pd.DataFrame({"label": list(families)}).assign(
            n_motifs=[1, 0], rank=[1.0, np.nan], top_family=[True, False]
        )
        return table, {c: [] for c in families}, {c: f"matches {c}" for c in families}

    monkeypatch.setattr(motifs, "pattern_recovery", fake)
    ds = data.Dataset("toy", ["ACGT", "TTTT"], [1, 0], ("mafk", "oct4"))
    scores = {"dnabert": {"lrp": np.full((2, 4), 2.0), "random": np.ones((2, 4))}}
    trained = {"dnabert": SimpleNamespace(model=None)}
    recovery, patterns, matches = study.modisco_recover(trained, ds, scores)
    assert calls == [
        (["ACGT", "TTTT"], (2, 4, 4), 16.0, {1: POU_FAMILY, 0: MAF_FAMILY}, 0.05),
        (["ACGT", "TTTT"], (2, 4, 4), 8.0, {1: POU_FAMILY, 0: MAF_FAMILY}, 0.05),
    ]
    assert recovery[
        ["model", "method", "scores", "label", "class", "n_motifs"]
    ].values.tolist() == [
        ["DNABERT", "lrp", "projected", 1, "oct4", 1],
        ["DNABERT", "lrp", "projected", 0, "mafk", 0],
        ["DNABERT", "random", "projected", 1, "oct4", 1],
        ["DNABERT", "random", "projected", 0, "mafk", 0],
    ]
    assert list(patterns) == list(matches) == [("dnabert", "lrp"), ("dnabert", "random")]
    assert matches["dnabert", "random"] == {1: "matches 1", 0: "matches 0"}
    again, _, _ = study.modisco_recover(trained, ds, scores)  # from the cache
    assert len(calls) == 2
    pd.testing.assert_frame_equal(again, recovery)


def pattern_row(
    model, method, kind, cls, n, top="", q=np.nan, family=False, rank=np.nan, negative=("", np.nan)
):
    """One row of `modisco_recover`'s table."""
    return {
        "label": CLASSES.index(cls),
        "n_motifs": n,
        "rank": rank,
        "top_match": top,
        "top_q": q,
        "top_family": family,
        "n_negative": int(bool(negative[0])),
        "negative_match": negative[0],
        "negative_q": negative[1],
        "model": model,
        "method": method,
        "scores": kind,
        "class": cls,
    }


@pytest.fixture
def modisco_recovery():
    """CNN: ism (hypothetical) finds MAFK first in the MafK peaks and only a MafK pattern
    against the Oct4 peaks; lrp (projected) finds POU5F1 second for Oct4; random finds
    nothing. DNABERT: attention (projected) finds a non-family pattern for MafK."""
    return pd.DataFrame(
        [
            pattern_row("CNN", "ism", "hypothetical", "oct4", 0, negative=("MAFK", 1e-6)),
            pattern_row("CNN", "ism", "hypothetical", "mafk", 2, "MAFK", 1e-9, True, 1.0),
            pattern_row("CNN", "lrp", "projected", "oct4", 3, "SOX2", 0.01, False, 2.0),
            pattern_row("CNN", "lrp", "projected", "mafk", 1, "BACH2", 0.04, True, 1.0),
            pattern_row("CNN", "random", "projected", "oct4", 0),
            pattern_row("CNN", "random", "projected", "mafk", 0),
            pattern_row("DNABERT", "attention", "projected", "oct4", 0),
            pattern_row("DNABERT", "attention", "projected", "mafk", 1, "CTCF", 0.2),
        ]
    )


def test_modisco_table_from_a_small_recovery_table(modisco_recovery):
    table = study.modisco_table(modisco_recovery)
    assert table.index.tolist() == [
        ("CNN", "ism", "hypothetical"),
        ("CNN", "lrp", "projected"),
        ("CNN", "random", "projected"),
        ("DNABERT", "attention", "projected"),
    ]
    assert table.columns.tolist() == [
        "Oct4: patterns",
        "Oct4: top match",
        "Oct4: q",
        "Oct4: first POU",
        "MafK: patterns",
        "MafK: top match",
        "MafK: q",
        "MafK: first Maf",
    ]
    assert table["Oct4: patterns"].tolist() == [0, 3, 0, 0]
    assert table["Oct4: top match"].tolist() == ["", "SOX2", "", ""]
    assert table["Oct4: first POU"].tolist() == [pd.NA, 2, pd.NA, pd.NA]
    assert table["MafK: top match"].tolist() == ["MAFK", "BACH2", "", "CTCF"]
    assert table["MafK: first Maf"].tolist() == [1, 1, pd.NA, pd.NA]
    np.testing.assert_array_equal(table["MafK: q"], [1e-9, 0.04, np.nan, 0.2])


def test_modisco_sentences_count_each_kind_of_map(modisco_recovery):
    text = study.modisco_sentences(modisco_recovery, ["cnn", "dnabert"])
    assert text == (
        "- **CNN**: for the Oct4 peaks, the top pattern of 0 of 1 hypothetical and 0 of 2 "
        "projected maps is a POU factor (2 without a positive pattern), and in 1 map the top "
        "negative pattern, evidence against the class, is a Maf factor; for the MafK peaks, "
        "the top pattern of 1 of 1 hypothetical and 1 of 2 projected maps is a Maf factor (1 "
        "without a positive pattern).\n"
        "- **DNABERT**: no map gives the Oct4 peaks a positive pattern; for the MafK peaks, "
        "the top pattern of 0 of 1 projected maps is a Maf factor."
    )
    empty = modisco_recovery.assign(n_motifs=0, n_negative=0)
    assert study.modisco_sentences(empty, ["dnabert"]) == (
        "- **DNABERT**: no map gives either factor's peaks a positive pattern."
    )
    random_hit = modisco_recovery.copy()
    random_hit.loc[5, ["n_motifs", "top_match", "top_family"]] = [1, "MAFF", True]
    text = study.modisco_sentences(random_hit, ["cnn"])
    assert text.endswith(
        "the top pattern of 1 of 1 hypothetical and 2 of 2 projected maps is a Maf factor; "
        "random scores' is too."
    )


def test_insert_sites_is_the_insertion_of_each_factors_sites_per_model(monkeypatch, tmp_path):
    import torch

    from dnaexplain import insertion, models
    from dnaexplain.sequences import random_sequences

    monkeypatch.setenv("DNAEXPLAIN_CACHE", str(tmp_path))
    torch.manual_seed(0)
    cnn = models.cnn("tiny").double().eval()
    ds = SimpleNamespace(sequences=random_sequences(3, 40, seed=2), classes=("mafk", "oct4"))
    trained = {"cnn": SimpleNamespace(model=cnn, tokenizer=None, key="k")}
    table = study.insert_sites(trained, ds, n_shuffles=2, seed=1)
    # 3 peaks x 2 shuffles x (1 octamer + 2 MAREs)
    assert len(table) == 3 * 2 * 3 and set(table.model) == {"CNN"}
    direct = insertion.insert_motifs(
        cnn,
        None,
        ds.sequences,
        {"Oct4": ["ATGCAAAT"], "MafK": study.SITES["mafk"]},
        {"Oct4": 1, "MafK": 0},
        n_shuffles=2,
        seed=1,
    )
    merged = table.merge(direct, on=["motif", "site", "sequence", "background"])
    assert np.allclose(merged.change_x, merged.change_y, atol=1e-12)
    assert (table[table.motif == "Oct4"].target == 1).all()
    again = study.insert_sites(trained, ds, n_shuffles=2, seed=1)  # from the cache
    assert again.equals(table)


@pytest.fixture
def inserted_summary():
    # per model and factor, as insertion.summary gives it
    return pd.DataFrame(
        {
            "model": ["CNN", "CNN", "DNABERT", "DNABERT"],
            "motif": ["Oct4", "MafK", "Oct4", "MafK"],
            "p_before": [0.4, 0.5, 0.45, 0.5],
            "p_after": [0.6, 0.48, 0.45, 0.5],
            "change": [0.2, -0.02, 1e-4, -3e-5],
            "lo": [0.15, -0.03, -1e-4, -1e-4],
            "hi": [0.25, -0.01, 3e-4, 5e-5],
            "n": [100, 100, 100, 100],
            "p": [1e-4, 0.002, 0.4, 0.7],
            "p_adjusted": [4e-4, 0.004, 0.53, 0.7],
        }
    )


def test_insertion_sentences_say_rise_fall_or_no_clear_change(inserted_summary):
    text = study.insertion_sentences(inserted_summary, ["cnn", "dnabert"])
    cnn, dnabert = text.split("\n")
    assert cnn.startswith("- **CNN** (100 peaks): the Oct4 site raises the Oct4 probability (+0.2 ")
    assert "the MafK site lowers the MafK probability (-0.02 [-0.03, -0.01], from 0.5;" in cnn
    assert dnabert.count("does not clearly change") == 2
    assert "(-3×10⁻⁵ [-0.0001, +5×10⁻⁵], from 0.5;" in dnabert  # powers of ten, no e-notation


def test_insertion_claims_are_one_sided_rises(inserted_summary):
    rows = study.insertion_claim_rows(inserted_summary, ["cnn", "dnabert"])
    assert [r["claim"] for r in rows[:2]] == [
        "Inserting the Oct4 site into shuffled peaks raises the CNN's probability of the "
        "Oct4 class",
        "Inserting the MafK site into shuffled peaks raises the CNN's probability of the "
        "MafK class",
    ]
    # one-sided p of "greater": p / 2 when the change is positive, 1 - p / 2 when negative
    assert [r["p"] for r in rows] == pytest.approx([5e-5, 0.999, 0.2, 0.65])
    assert {r["topic"] for r in rows} == {"known biology"}
    assert {r["expected"] for r in rows} == {"greater"}
