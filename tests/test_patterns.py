"""TF-MoDISco on every map of a chapter, on hand-made maps and a stand-in for modisco: which
maps are hypothetical, one cached run per map, and the planted-motif table and sentences."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from dnaexplain import data, models, motifs
from dnaexplain.studies import patterns as study

TBP, SP1, CTCF = "MA0108.2", "MA0079.3", "MA0139.1"


def test_four_channel_asks_the_cnn_for_hypothetical_scores_and_projects_the_rest(monkeypatch):
    calls = []

    def fake(trained, sequences, methods, target, batch_size):
        (label, (method, options)), *_ = methods.items()
        calls.append((label, method, options, batch_size, list(target)))
        return {label: np.full((len(sequences), 4, 6), float(len(calls)))}  # wider than L

    monkeypatch.setattr(study.attribution, "explain_all", fake)
    ds = data.Dataset("toy", ["ACGT", "TTNA"], [1, 0], ("mafk", "oct4"))
    scores = {
        "cnn": {"lrp": np.array([[1.0, 2, 3, 4], [5, 6, 7, 8]]), "ism": np.zeros((2, 4))},
        "dnabert2": {"ism": np.ones((2, 4))},
    }
    trained = {
        "cnn": SimpleNamespace(model=models.cnn("tiny")),
        "dnabert2": SimpleNamespace(model=None),
    }
    maps, kinds = study.four_channel(trained, ds.sequences, ds.labels, scores)
    assert calls == [("ism", "ism", {"hypothetical": True}, 128, [1, 0])]
    assert kinds == {
        "cnn": {"lrp": "projected", "ism": "hypothetical"},
        "dnabert2": {"ism": "projected"},
    }
    assert maps["cnn"]["ism"].shape == (2, 4, 4) and (maps["cnn"]["ism"] == 1).all()
    np.testing.assert_array_equal(
        maps["cnn"]["lrp"][1, :, :], [[0, 0, 0, 8], [0] * 4, [0] * 4, [5, 6, 0, 0]]
    )
    np.testing.assert_array_equal(maps["dnabert2"]["ism"].sum(1), [[1, 1, 1, 1], [1, 1, 0, 1]])


def test_four_channel_keeps_the_chosen_maps_and_drops_a_model_given_none():
    scores = {
        "dnabert": {"lrp": np.ones((1, 4)), "attention": np.full((1, 4), 2.0)},
        "dnabert2": {"lrp": np.ones((1, 4))},
        "cnn": {"lrp": np.ones((1, 4))},
    }
    trained = {k: SimpleNamespace(model=None) for k in scores}
    chosen = {"dnabert": ["attention"], "dnabert2": []}
    maps, kinds = study.four_channel(trained, ["ACGT"], [1], scores, chosen)
    assert kinds == {"dnabert": {"attention": "projected"}, "cnn": {"lrp": "projected"}}
    np.testing.assert_array_equal(maps["dnabert"]["attention"].sum(1), [[2, 2, 2, 2]])


def test_check_chosen_names_the_model_method_and_the_valid_ones():
    methods = {"cnn": ["lrp", "deep_lift_shap"], "dnabert": ["attention"]}
    study.check_chosen({"cnn": ["deep_lift_shap"], "dnabert2": ["attnlrp"]}, methods)
    study.check_chosen(None, methods)
    with pytest.raises(ValueError, match=r"modisco_methods\.cnn: 'ism' .*\(lrp, deep_lift_shap\)"):
        study.check_chosen({"cnn": ["ism"]}, methods)


def test_planted_runs_every_map_once_and_caches(monkeypatch, tmp_path):
    monkeypatch.setenv("DNAEXPLAIN_CACHE", str(tmp_path))
    calls = []

    def fake(sequences, hypothetical, planted, max_q):
        calls.append((list(sequences), float(np.nansum(hypothetical)), planted, max_q))
        table = pd.DataFrame({"planted": planted, "n_sequences": 2, "n_motifs": 1})
        return table.assign(rank=[1.0, np.nan]), [], f"matches {len(calls)}"

    monkeypatch.setattr(motifs, "planted_recovery", fake)
    seqs = ["ACGT", "TTTT"]
    scores = {"dnabert": {"lrp": np.full((2, 4), 2.0), "ism": np.ones((2, 4))}}
    trained = {"dnabert": SimpleNamespace(model=None)}
    recovery, patterns, matches = study.planted(trained, seqs, [1, 1], scores, [TBP, CTCF])
    assert calls == [(seqs, 16.0, [TBP, CTCF], 0.05), (seqs, 8.0, [TBP, CTCF], 0.05)]
    assert recovery.columns.tolist()[:4] == ["model", "method", "scores", "planted"]
    assert recovery[["model", "method", "scores", "planted"]].values.tolist() == [
        ["DNABERT", "lrp", "projected", TBP],
        ["DNABERT", "lrp", "projected", CTCF],
        ["DNABERT", "ism", "projected", TBP],
        ["DNABERT", "ism", "projected", CTCF],
    ]
    assert recovery["rank"].isna().tolist() == [False, True, False, True]
    assert list(patterns) == list(matches) == [("dnabert", "lrp"), ("dnabert", "ism")]
    assert matches["dnabert", "ism"] == "matches 2"
    again, _, _ = study.planted(trained, seqs, [1, 1], scores, [TBP, CTCF])  # from the cache
    assert len(calls) == 2
    pd.testing.assert_frame_equal(again, recovery)


def planted_row(model, method, kind, planted, n, rank=np.nan, q=np.nan, sequences=100):
    """One row of `planted`'s table."""
    return {
        "model": model,
        "method": method,
        "scores": kind,
        "planted": planted,
        "n_sequences": sequences,
        "n_motifs": n,
        "rank": rank,
        "q_value": q,
    }


@pytest.fixture
def recovery():
    """CNN: ism (hypothetical) recovers all three; lrp CTCF second. DNABERT: attention none,
    ism (projected, 50 sequences) TBP first."""
    rows = [
        ("CNN", "ism", "hypothetical", 3, (1.0, 1e-9), (3.0, 1e-4), (2.0, 1e-12), 100),
        ("CNN", "lrp", "projected", 2, (np.nan,) * 2, (np.nan,) * 2, (2.0, 0.01), 100),
        ("DNABERT", "attention", "projected", 0, (np.nan,) * 2, (np.nan,) * 2, (np.nan,) * 2, 100),
        ("DNABERT", "ism", "projected", 1, (1.0, 0.03), (np.nan,) * 2, (np.nan,) * 2, 50),
    ]
    return pd.DataFrame(
        [
            planted_row(model, method, kind, planted, n, *found, sequences=seqs)
            for model, method, kind, n, *by, seqs in rows
            for planted, found in zip((TBP, SP1, CTCF), by)
        ]
    )


def test_planted_table_by_jaspar_name(recovery):
    table = study.planted_table(recovery)
    assert table.index.tolist() == [
        ("CNN", "ism", "hypothetical"),
        ("CNN", "lrp", "projected"),
        ("DNABERT", "attention", "projected"),
        ("DNABERT", "ism", "projected"),
    ]
    assert table.columns.tolist() == [
        "sequences",
        "patterns",
        "TBP",
        "TBP: q",
        "SP1",
        "SP1: q",
        "CTCF",
        "CTCF: q",
    ]
    assert table["sequences"].tolist() == [100, 100, 100, 50]
    assert table["patterns"].tolist() == [3, 2, 0, 1]
    assert table["TBP"].tolist() == [1, pd.NA, pd.NA, 1]
    assert table["CTCF"].tolist() == [2, 2, pd.NA, pd.NA]
    np.testing.assert_array_equal(table["SP1: q"], [1e-4, np.nan, np.nan, np.nan])


def test_planted_sentences(recovery):
    assert study.planted_sentences(recovery, ["cnn", "dnabert"]) == (
        "- **CNN** (2 maps): recovered by TBP 1, SP1 1, CTCF 2; all 3 by `ism`.\n"
        "- **DNABERT** (2 maps): recovered by TBP 1, SP1 0, CTCF 0; no map recovers all 3."
    )
    none = recovery[recovery.model == "DNABERT"].assign(n_motifs=0, rank=np.nan)
    assert study.planted_sentences(none, ["dnabert"]) == (
        "- **DNABERT** (2 maps): no map gives a positive pattern."
    )
