"""Tests of `dnaexplain.studies.dnabert2_cnn` on hand-made models' outputs: maps, drops and
test tables small enough to work out by hand."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from dnaexplain import models, mutagenesis
from dnaexplain.data import Dataset
from dnaexplain.studies import dnabert2_cnn as study
from dnaexplain.tokenizers import Tokenization

nan = np.nan
COLUMNS = ["n", "mean_a", "mean_b", "estimate", "lo", "hi", "p", "p_adjusted"]


def _tokens(spans, sequences):
    spans = torch.tensor(spans)
    return Tokenization(
        input_ids=torch.zeros(spans.shape[:2], dtype=torch.long),
        attention_mask=(spans[..., 0] >= 0).long(),
        spans=spans,
        sequences=sequences,
        kind="bpe",
    )


def _drops(task, model, method, most, least, ns=(1, 5)):
    """A `faithfulness` table of one map: ``most[i][j]`` is sequence i's drop at ns[j]."""
    rows = [
        {"method": method, "order": order, "n": n, "sequence": i, "drop": d}
        for order, curves in (("most", most), ("least", least))
        for i, curve in enumerate(curves)
        for n, d in zip(ns, curve)
    ]
    return study.tidy(pd.DataFrame(rows), model, task)


# -- names, runs and maps ------------------------------------------------------------------


def test_label_and_tidy_name_each_map_by_model_and_method():
    assert study.label("dnabert2", "attnlrp") == "DNABERT-2 · attnlrp"
    assert study.label("other", "x") == "other · x"
    table = study.tidy(pd.DataFrame({"method": ["lrp", "ism"], "v": [1, 2]}), "cnn", "t")
    assert table.to_dict("list") == {
        "method": ["lrp", "ism"],
        "v": [1, 2],
        "task": ["t", "t"],
        "model": ["CNN", "CNN"],
        "label": ["CNN · lrp", "CNN · ism"],
    }


def test_lrp_maps_take_the_first_lrp_method_else_the_first():
    methods = {"dnabert2": ["integrated_gradients", "attnlrp", "cp_lrp"], "cnn": ["ism", "random"]}
    assert study.lrp_maps(methods) == {"dnabert2": "attnlrp", "cnn": "ism"}
    assert study.maps_compared(methods) == (
        "Maps this build compares (`compare_methods`): DNABERT-2: `integrated_gradients`, "
        "`attnlrp`, `cp_lrp`; CNN: `ism`, `random`."
    )


def test_tasks_keep_the_order_they_first_appear_in():
    keys = [("cnn", "B"), ("dnabert2", "A"), ("cnn", "C"), ("dnabert2", "B"), ("cnn", "A")]
    assert study.with_dnabert2(keys) == ["B", "A"]
    assert study.both_models(keys) == ["B", "A"]
    assert study.both_models([("cnn", "A")]) == []
    assert study.with_dnabert2({("dnabert2", "A"): 1}) == ["A"]  # a dict's keys


def test_explain_names_a_model_without_methods():
    trained = {("cnn", "t"): None, ("dnabert2", "t"): None}
    with pytest.raises(ValueError, match="no methods for dnabert2, which compare_runs runs"):
        study.explain(trained, {}, {"cnn": ["lrp"]})


def test_examples_show_the_first_sequence_of_each_class_with_every_map():
    ds = Dataset("t", ["AAAA", "CCCC", "GGGG"], [1, 0, 1], ("no", "yes"), index=[7, 8, 9])
    scores = {
        ("dnabert2", "t"): {"attnlrp": np.arange(12.0).reshape(3, 4)},
        ("cnn", "t"): {"lrp": -np.arange(12.0).reshape(3, 4)},
        ("cnn", "other"): {"lrp": np.zeros((1, 4))},
    }
    figures = study.examples({"t": ds}, scores)
    assert [f["title"] for f in figures] == [
        "t — no, sequence 8 of the source",
        "t — yes, sequence 7 of the source",
    ]
    assert [f["sequence"] for f in figures] == ["CCCC", "AAAA"]
    assert list(figures[0]["scores"]) == ["DNABERT-2 · attnlrp", "CNN · lrp"]
    np.testing.assert_array_equal(figures[0]["scores"]["CNN · lrp"], [-4, -5, -6, -7])


# -- token to nucleotide strategies ----------------------------------------------------------


def test_strategy_check_reports_the_gap_and_the_token_sizes():
    tokens = _tokens(
        [[[-1, -1], [0, 1], [1, 4], [-1, -1]], [[-1, -1], [0, 2], [2, 4], [-1, -1]]],
        ["ACGT", "ACGT"],
    )
    same = np.ones((2, 4))
    maps = {"t": {"split": same / 2, "mean": same, "copy": same}}
    assert study.strategy_check(maps, tokens={"t": tokens}) == (
        "- `t`: mean and copy differ by at most 0 over all positions; DNABERT-2's tokens "
        "cover 2.0 nucleotides on average (from 1 to 3)."
    )
    maps["t"]["copy"] = same + np.array([0, 0, 0.25, 0])
    assert "differ by at most 0.25 over" in study.strategy_check(maps, {"t": tokens})
    assert study.strategy_check({}, {}) == "No DNABERT-2 run in `compare_runs`."


def test_strategies_table_judges_each_strategy_and_the_token_level():
    tokens = _tokens(
        [[[-1, -1], [0, 1], [1, 4], [-1, -1]], [[-1, -1], [0, 2], [2, 4], [-1, -1]]],
        ["ACGT", "ACGT"],
    )
    split = np.array([[1.0, 0, 0, 0], [0, 0, 0, 1]])
    flat = np.ones((2, 4))
    maps = {"t": {"split": split, "mean": flat, "copy": flat}}
    scores = {("dnabert2", "t"): {"attnlrp": split}, ("cnn", "t"): {"lrp": split}}
    samples = {"t": Dataset("t", ["ACGT", "ACGT"], [0, 1], ("a", "b"))}
    index = pd.MultiIndex.from_tuples(
        [("t", "DNABERT-2", "attnlrp"), ("t", "DNABERT-2", "attnlrp (copy)")]
    )
    faithful = pd.DataFrame({"area between curves": [0.3, 0.1]}, index=index)
    lrp = {"dnabert2": "attnlrp", "cnn": "lrp"}
    table = study.strategies_table(maps, scores, {"t": tokens}, samples, faithful, lrp, k=2)
    assert table.index.tolist() == [
        ("t", "nucleotides, split"),
        ("t", "nucleotides, mean"),
        ("t", "nucleotides, copy"),
        ("t", "tokens (CNN summed per token)"),
    ]
    assert table.columns.tolist() == [
        "gini",
        "entropy",
        "area between curves",
        "Spearman with CNN",
        "top-2 overlap with CNN",
    ]
    # one-hot rows of 4 (Gini 3/4), flat rows (0); on tokens the one-hot rows become [1, 0]
    # and [0, 1] over the two tokens (Gini 1/2)
    np.testing.assert_allclose(table["gini"], [0.75, 0, 0, 0.5])
    np.testing.assert_allclose(table["entropy"], [0, np.log(4), np.log(4), 0])
    # mean and copy are one map: both read the copy run's area; the token level has none
    np.testing.assert_allclose(table["area between curves"], [0.3, 0.1, 0.1, nan])
    # split is the CNN's map: the same ranks; a flat map has no ranking
    np.testing.assert_allclose(table["Spearman with CNN"], [1, nan, nan, 1])
    # ties share the top 2 in expectation: a one-hot row with itself 1 + 3 (1/3)^2 of 2, a
    # flat row (1/2 each) with it 1/2 + 3 (1/3)(1/2) of 2; two tokens are the whole top 2
    np.testing.assert_allclose(table["top-2 overlap with CNN"], [2 / 3, 0.5, 0.5, 1])


def test_strategies_table_without_a_cnn_leaves_the_agreement_empty():
    tokens = _tokens([[[0, 2], [2, 4]]], ["ACGT"])
    s = np.array([[1.0, 2, 3, 4]])
    maps = {"t": {"split": s, "mean": s, "copy": s}}
    index = pd.MultiIndex.from_tuples([("t", "DNABERT-2", "attnlrp")])
    faithful = pd.DataFrame({"area between curves": [0.2]}, index=index)
    samples = {"t": Dataset("t", ["ACGT"], [0], ("a",))}
    table = study.strategies_table(
        maps, {}, {"t": tokens}, samples, faithful, {"dnabert2": "attnlrp"}, k=1
    )
    assert table["Spearman with CNN"].isna().all()
    np.testing.assert_allclose(table["area between curves"], [0.2, nan, nan, nan])
    assert study.strategies_table({}, {}, {}, {}, faithful, {}, k=1).empty


def test_strategy_summary_states_split_against_copy():
    index = pd.MultiIndex.from_product(
        [["t"], ["nucleotides, split", "nucleotides, mean", "nucleotides, copy", "tokens"]]
    )
    table = pd.DataFrame(
        {
            "gini": [0.5, 0.25, 0.25, 0.6],
            "area between curves": [0.031, 0.012, 0.012, nan],
            "Spearman with CNN": [0.125, 0.0625, 0.0625, 0.375],
        },
        index=index,
    )
    tests = pd.DataFrame([[12, 0.031, 0.012, 0.019, 0.004, 0.034, 0.01, 0.02]], ["t"], COLUMNS)
    assert study.strategy_summary(table, tests) == (
        "- `t`: split gives Gini 0.500 against copy's 0.250; area between the curves 0.031 "
        "against 0.012: **split** is better (mean difference +0.019, 95 % interval +0.004 to "
        "+0.034, adjusted p = 0.02); Spearman correlation with the CNN's map 0.125 against "
        "0.062, at token level 0.375."
    )
    assert study.strategy_summary(table, tests.iloc[:0]) == "No DNABERT-2 run in `compare_runs`."


def test_strategy_example_picks_a_promoter_with_a_box_in_the_window():
    ds, scores = _tata_task()
    spans = [[[3 * j, 3 * j + 3] for j in range(100)]] * 2
    tokens = {"prom_300_tata": _tokens(spans, ds.sequences)}
    attnlrp = scores["dnabert2", "prom_300_tata"]["attnlrp"]
    maps = {"prom_300_tata": {s: attnlrp for s in study.STRATEGIES}}
    lrp = {"dnabert2": "attnlrp", "cnn": "lrp"}
    example = study.strategy_example({"prom_300_tata": ds}, scores, maps, tokens, lrp)
    assert example["sequence"] == ds.sequences[1]  # the promoter with the box at 215
    assert example["window"] == (189, 255)
    assert list(example["tracks"]) == [
        "AttnLRP, split",
        "AttnLRP, mean",
        "AttnLRP, copy",
        "CNN · lrp",
    ]
    assert example["bounds"][:3] == [0, 3, 6] and len(example["bounds"]) == 100
    assert example["title"] == "prom_300_tata, sequence 1 of the source (bp 189–254)"
    assert study.strategy_example({}, {}, {}, {}, lrp) is None


# -- faithfulness ------------------------------------------------------------------------


def test_areas_and_curves_from_per_sequence_drops():
    drops = pd.concat(
        [
            _drops(
                "t",
                "dnabert2",
                "attnlrp",
                most=[[0.2, 0.6], [0.0, 0.1]],
                least=[[0, 0.2], [0.1, 0.1]],
            ),
            _drops(
                "t", "dnabert2", "attnlrp (copy)", most=[[0, 0], [0, 0]], least=[[0, 0], [0, 0]]
            ),
        ],
        ignore_index=True,
    )
    areas = study.areas(drops)
    assert areas.columns.tolist() == [
        "task",
        "model",
        "method",
        "label",
        "sequence",
        "mean drop, most first",
        "mean drop, least first",
        "area between curves",
    ]
    first = areas[areas.method == "attnlrp"]
    # gaps 0, 0.2, 0.4 at n = 0, 1, 5: (0.1 * 1 + 0.3 * 4) / 5; and 0, -0.1, 0: -0.25 / 5
    np.testing.assert_allclose(first["area between curves"], [0.26, -0.05])
    np.testing.assert_allclose(first["mean drop, most first"], [0.4, 0.05])
    np.testing.assert_allclose(first["mean drop, least first"], [0.1, 0.1])
    table = study.faithfulness_table(areas)
    assert table.index.tolist() == [
        ("t", "DNABERT-2", "attnlrp"),
        ("t", "DNABERT-2", "attnlrp (copy)"),
    ]
    np.testing.assert_allclose(table["area between curves"], [0.105, 0])
    curves = study.curves(drops)
    assert set(curves.method) == {"attnlrp"}  # the copy map is for the strategies only
    np.testing.assert_allclose(curves["drop"], [0.1, 0.35, 0.05, 0.15])
    a, b = study.paired_areas(areas, "t", "dnabert2", "attnlrp", "attnlrp (copy)")
    np.testing.assert_allclose(a, [0.26, -0.05])
    np.testing.assert_allclose(b, [0, 0])


def test_faithfulness_runs_both_orders_of_every_map_and_caches_them(tmp_path, monkeypatch):
    monkeypatch.setenv("DNAEXPLAIN_CACHE", str(tmp_path))
    torch.manual_seed(0)
    cnn = SimpleNamespace(model=models.cnn("tiny").eval(), tokenizer=None, key="tiny cnn")
    sequences = ["ACGTACGTACGTACGTACGT", "TTTTACGTAAAACCCCGGGG", "GATTACAGATTACAGATTAC"]
    ds = Dataset("t", sequences, [0, 1, 0], ("a", "b"))
    rng = np.random.default_rng(0)
    scores = {("cnn", "t"): {"lrp": rng.random((3, 20)), "random": np.zeros((3, 20))}}
    drops = study.faithfulness({("cnn", "t"): cnn}, {"t": ds}, scores, {}, {}, [1, 2], seed=3)
    assert len(drops) == 2 * 2 * 2 * 3  # maps, orders, ns, sequences
    assert drops.groupby(["method", "order"]).size().tolist() == [6] * 4
    direct = mutagenesis.faithfulness(
        cnn.model,
        None,
        sequences,
        ds.labels,
        scores["cnn", "t"],
        ns=[1, 2],
        order="least",
        seed=3,
        per_sequence=True,
    )
    mine = drops[drops.order == "least"].reset_index(drop=True)
    np.testing.assert_array_equal(mine["drop"], direct["drop"])
    assert (mine.label == "CNN · " + mine.method).all()

    def not_again(*args, **kwargs):
        raise AssertionError("recomputed a cached faithfulness run")

    monkeypatch.setattr(mutagenesis, "faithfulness", not_again)
    again = study.faithfulness({("cnn", "t"): cnn}, {"t": ds}, scores, {}, {}, [1, 2], seed=3)
    pd.testing.assert_frame_equal(again, drops)
    assert len(list((tmp_path / "faithfulness").glob("*.pt"))) == 2


def test_faithfulness_adds_dnabert2s_copy_map(monkeypatch, tmp_path):
    monkeypatch.setenv("DNAEXPLAIN_CACHE", str(tmp_path))
    seen = []

    def fake(model, tokenizer, sequences, targets, scores, ns, order, **kwargs):
        seen.append((order, list(scores)))
        return pd.DataFrame({"method": list(scores), "order": order, "n": 1, "sequence": 0})

    monkeypatch.setattr(mutagenesis, "faithfulness", fake)
    t = SimpleNamespace(model=None, tokenizer=None, key="k")
    ds = Dataset("t", ["ACGT"], [0], ("a",))
    scores = {
        ("dnabert2", "t"): {"attnlrp": np.ones((1, 4))},
        ("cnn", "t"): {"lrp": np.ones((1, 4))},
    }
    maps = {"t": {"copy": np.zeros((1, 4))}}
    trained = {("dnabert2", "t"): t, ("cnn", "t"): t}
    drops = study.faithfulness(trained, {"t": ds}, scores, maps, {"dnabert2": "attnlrp"}, [1])
    assert seen == [
        ("most", ["attnlrp", "attnlrp (copy)"]),
        ("least", ["attnlrp", "attnlrp (copy)"]),
        ("most", ["lrp"]),
        ("least", ["lrp"]),
    ]
    assert drops.label.tolist() == [
        "DNABERT-2 · attnlrp",
        "DNABERT-2 · attnlrp (copy)",
        "DNABERT-2 · attnlrp",
        "DNABERT-2 · attnlrp (copy)",
        "CNN · lrp",
        "CNN · lrp",
    ]
    assert scores["dnabert2", "t"].keys() == {"attnlrp"}  # the chapter's maps left as they were


# -- agreement -----------------------------------------------------------------------------


def test_overlap_table_pairs_the_lrp_maps_and_the_shared_methods():
    samples = {"t": Dataset("t", ["ACGT", "ACGTACGT"], [0, 1], ("a", "b"))}
    s = np.zeros((2, 8))
    scores = {
        ("dnabert2", "t"): {"attnlrp": s, "integrated_gradients": s, "random": s},
        ("cnn", "t"): {"lrp": s, "random": s, "integrated_gradients": s},
    }
    names = [study.label(m, x) for (m, _), ms in scores.items() for x in ms]
    spearman = {"t": pd.DataFrame(np.arange(36.0).reshape(6, 6) / 100, names, names)}
    overlaps = {"t": pd.DataFrame(np.arange(36.0).reshape(6, 6) / 10, names, names)}
    lrp = {"dnabert2": "attnlrp", "cnn": "lrp"}
    table = study.overlap_table(scores, samples, spearman, overlaps, lrp, k=5)
    assert table[["DNABERT-2", "CNN"]].values.tolist() == [
        ["attnlrp", "lrp"],
        ["integrated_gradients", "integrated_gradients"],
        ["random", "random"],
    ]
    # rows 0-2 are DNABERT-2's maps, columns 3-5 the CNN's: cell (i, j) holds 6 i + j
    np.testing.assert_allclose(table["Spearman"], [0.03, 0.11, 0.16])
    np.testing.assert_allclose(table["top-5 overlap"], [0.3, 1.1, 1.6])
    # top 5 of 4 and of 8 positions: min(5, L) / L averaged
    np.testing.assert_allclose(table["chance"], [(1 + 5 / 8) / 2] * 3)
    assert study.overlap_table({("cnn", "t"): {}}, samples, spearman, overlaps, lrp, 5).empty


def test_agreement_is_per_task_over_both_models_maps():
    samples = {"t": Dataset("t", ["ACGT", "ACGT"], [0, 1], ("a", "b"))}
    up, down = np.array([[1.0, 2, 3, 4]] * 2), np.array([[4.0, 3, 2, 1]] * 2)
    scores = {("dnabert2", "t"): {"attnlrp": up}, ("cnn", "t"): {"lrp": down, "ism": up}}
    table = study.agreement(scores, samples)["t"]
    assert table.index.tolist() == ["DNABERT-2 · attnlrp", "CNN · lrp", "CNN · ism"]
    np.testing.assert_allclose(table.values, [[1, -1, 1], [-1, 1, -1], [1, -1, 1]])
    top = study.agreement(scores, samples, k=2)["t"]
    np.testing.assert_allclose(top.values, [[1, 0, 1], [0, 1, 0], [1, 0, 1]])


# -- the TATA box --------------------------------------------------------------------------


def _tata_task():
    """prom_300_tata, two sequences of 300 bp: a non-promoter with a TATAAAA at 100 (outside
    −40 … −20, positions 209 ... 229) and a promoter with one at 215 (inside). AttnLRP puts
    all its relevance on the promoter's box, the CNN spreads it evenly."""
    base = "C" * 300
    sequences = [base[:100] + "TATAAAA" + base[107:], base[:215] + "TATAAAA" + base[222:]]
    ds = Dataset("prom_300_tata", sequences, [0, 1], ("non-promoter", "promoter"))
    attnlrp = np.zeros((2, 300))
    attnlrp[1, 215:222] = 1
    scores = {
        ("dnabert2", "prom_300_tata"): {"attnlrp": attnlrp, "random": np.ones((2, 300))},
        ("cnn", "prom_300_tata"): {"lrp": np.ones((2, 300))},
    }
    return ds, scores


def test_tata_sites_count_matches_per_class_and_in_the_window():
    ds, _ = _tata_task()
    samples = {"prom_300_tata": ds, "human_nontata_promoters": ds}
    checks = study.tata_sites(samples)
    assert list(checks) == ["prom_300_tata"]  # only the TSS-aligned task
    table = checks["prom_300_tata"]
    assert table.index.tolist() == ["non-promoter", "promoter"]
    assert table.to_dict("list") == {
        "with a TATAWAW match": [1.0, 1.0],
        "with one in −40 … −20": [0.0, 1.0],
    }
    text = study.tata_summary(checks)
    assert text.startswith(
        "In the `prom_300_tata` sequences compared here, 100% of the promoters and 0% of the "
        "non-promoters carry a strict TATAWAW in −40 … −20."
    )
    assert "the non-promoters carry it less often, so it is evidence a model can use." in text
    common = table.assign(**{"with one in −40 … −20": [0.5, 0.8]})
    assert "carry it about as often" in study.tata_summary({"prom_300_tata": common})
    assert study.tata_summary({}) == "No `prom_300` task in `compare_runs`."


def test_localisation_reads_the_promoters_only():
    ds, scores = _tata_task()
    table = study.localisation(scores, {"prom_300_tata": ds})
    assert table.label.tolist() == ["DNABERT-2 · attnlrp", "DNABERT-2 · random", "CNN · lrp"]
    assert (table.sequence == 1).all()
    # all of AttnLRP's relevance on the 7 bp box: 300 / 21 in the window, 300 / 7 on the box
    np.testing.assert_allclose(table["window share"], [1, 21 / 300, 21 / 300])
    np.testing.assert_allclose(table["window enrichment"], [300 / 21, 1, 1])
    np.testing.assert_allclose(table["TATAWAW enrichment"], [300 / 7, 1, 1])
    means = study.localisation_means(table)
    assert means.index.tolist() == [
        ("prom_300_tata", "DNABERT-2", "attnlrp"),
        ("prom_300_tata", "DNABERT-2", "random"),
        ("prom_300_tata", "CNN", "lrp"),
    ]
    empty = study.localisation(scores, {"human_nontata_promoters": ds})
    assert empty.empty and "TATAWAW enrichment" in empty.columns
    assert study.localisation_means(empty).empty


def test_promoter_profiles_leave_out_random_and_centre_on_the_tss():
    ds, scores = _tata_task()
    (figure,) = study.promoter_profiles(scores, {"prom_300_tata": ds})
    assert {m: list(lines) for m, lines in figure["panels"].items()} == {
        "DNABERT-2": ["attnlrp"],
        "CNN": ["lrp"],
    }
    positions, profile = figure["panels"]["DNABERT-2"]["attnlrp"]
    assert positions[0] == -249 and positions[-1] == 50
    np.testing.assert_array_equal(np.flatnonzero(profile), np.arange(215, 222))  # the promoter
    assert figure["region"] == (-40.5, -19.5)


# -- DNABERT-2 against the CNN, and the paper's findings -------------------------------------


def _rows(model, method, **values):
    frame = pd.DataFrame({"method": method, "sequence": [0, 1, 2], **values})
    return study.tidy(frame, model, "t")


def _per_sequence():
    """`areas` and `map_measures` rows of the two LRP maps on three sequences of task t."""
    areas = pd.concat(
        [
            _rows("dnabert2", "attnlrp", **{"area between curves": [0.1, 0.2, 0.3]}),
            _rows("dnabert2", "random", **{"area between curves": [0.0, 0.1, -0.1]}),
            _rows("cnn", "lrp", **{"area between curves": [0.0, 0.1, 0.2]}),
        ]
    )
    measures = pd.concat(
        [
            _rows("dnabert2", "attnlrp", gini=[0.5, 0.5, 0.5], entropy=[1.0, 2.0, 3.0]),
            _rows("cnn", "lrp", gini=[0.2, 0.2, 0.2], entropy=[1.0, 1.0, 1.0]),
        ]
    )
    return areas, measures


def test_model_tests_pair_the_two_lrp_maps_by_sequence():
    areas, measures = _per_sequence()
    located = study.localisation({}, {})
    lrp = {"dnabert2": "attnlrp", "cnn": "lrp"}
    tests = study.model_tests(["t"], areas, measures, located, lrp)
    assert tests.index.tolist() == [("t", "area between curves"), ("t", "gini"), ("t", "entropy")]
    assert tests.n.tolist() == [3, 3, 3]
    np.testing.assert_allclose(tests.mean_a, [0.2, 0.5, 2])
    np.testing.assert_allclose(tests.mean_b, [0.1, 0.2, 1])
    np.testing.assert_allclose(tests.estimate, [0.1, 0.3, 1])
    empty = study.model_tests([], areas, measures, located, lrp)
    assert empty.empty and empty.columns.tolist() == COLUMNS


def test_model_summary_lists_each_measure_and_the_agreement():
    tests = pd.DataFrame(
        [[3, 0.5, 0.2, 0.3, 0.3, 0.3, 0.25, 0.25], [3, 2.0, 1.0, 1.0, 0.0, 2.0, 0.5, 0.5]],
        pd.MultiIndex.from_tuples([("t", "gini"), ("t", "entropy")]),
        COLUMNS,
    )
    a, b = "DNABERT-2 · attnlrp", "CNN · lrp"
    spearman = {"t": pd.DataFrame([[1, 0.25], [0.25, 1]], [a, b], [a, b])}
    text = study.model_summary(["t"], tests, spearman, {"dnabert2": "attnlrp", "cnn": "lrp"})
    assert text.split("\n") == [
        "",
        "**t** (`DNABERT-2 · attnlrp` against `CNN · lrp`)",
        "",
        "- sparsity (Gini): DNABERT-2 0.5, CNN 0.2 over 3 sequences — no clear difference "
        "(mean difference +0.3, 95 % interval +0.3 to +0.3, adjusted p = 0.25).",
        "- complexity (entropy): DNABERT-2 2, CNN 1 over 3 sequences — no clear difference "
        "(mean difference +1, 95 % interval +0 to +2, adjusted p = 0.5).",
        "- agreement between the two maps: mean Spearman correlation 0.250 (not a quality "
        "measure).",
    ]
    assert study.model_summary([], tests, {}, {}) == (
        "`compare_runs` has no task with both models."
    )


def test_paper_tests_set_attnlrp_against_random_and_an_even_spread():
    areas, _ = _per_sequence()
    located = pd.DataFrame(
        {
            "task": "t",
            "label": ["DNABERT-2 · attnlrp"] * 2 + ["CNN · lrp"] * 2,
            "window enrichment": [2.0, 4.0, 9.0, 9.0],
        }
    )
    lrp = {"dnabert2": "attnlrp", "cnn": "lrp"}
    scores = {("dnabert2", "t"): {"attnlrp": None, "random": None}, ("cnn", "t"): {}}
    tests = study.paper_tests(scores, areas, located, lrp)
    assert tests.index.tolist() == [("t", "faithful"), ("t", "biology")]
    assert tests.n.tolist() == [3, 2]
    np.testing.assert_allclose(tests.mean_a, [0.2, 3])
    np.testing.assert_allclose(tests.mean_b, [0.0, 1])  # the random map's areas; 1
    no_random = study.paper_tests({("dnabert2", "t"): {"attnlrp": None}}, areas, located[:0], lrp)
    assert no_random.index.tolist() == [("t", "faithful")]
    np.testing.assert_allclose(no_random.loc[("t", "faithful"), ["mean_a", "mean_b"]], [0.2, 0])
    assert study.paper_tests({("cnn", "t"): {}}, areas, located, lrp) is None


def _paper():
    return pd.DataFrame(
        [
            [12, 0.05, 0.01, 0.04, 0.02, 0.06, 0.001, 0.002],
            [6, 2.5, 1.0, 1.5, 0.5, 2.5, 0.2, 0.3],
        ],
        pd.MultiIndex.from_tuples([("t", "faithful"), ("t", "biology")]),
        COLUMNS,
    )


def test_the_sentences_on_the_papers_findings():
    paper = _paper()
    assert study.faithful_sentence(paper.loc[("t", "faithful")], "the random map's") == (
        "AttnLRP's area between the curves is 0.05 against the random map's 0.01 (difference "
        "+0.04, 95 % interval +0.02 to +0.06, adjusted p = 0.002): the paper's finding that "
        "AttnLRP's maps are faithful holds here"
    )
    small = paper.loc[("t", "faithful")].copy()
    small["estimate"] = 0.005  # significant, but below EFFECT
    assert study.faithful_sentence(small, "0").endswith(
        "is not borne out here (that needs an adjusted p below 0.05 and a difference of at "
        "least 0.01)"
    )
    small["estimate"] = -0.02
    assert study.faithful_sentence(small, "0").endswith("does not hold here")
    assert study.tata_sentence(paper.loc[("t", "biology")]) == (
        "on the promoters it puts 2.50 times the even share of its positive relevance on "
        "−40 … −20, the TATA box region, not significantly above 1 (adjusted p = 0.3, 6 "
        "promoters): the paper's finding that the maps match known biology is not borne out "
        "here"
    )


def test_findings_give_accuracy_and_both_findings_per_task():
    table = pd.DataFrame(
        {
            "task": ["t", "t"],
            "model": ["DNABERT-2", "CNN"],
            "accuracy (evaluation part)": [0.75, 0.5],
        }
    )
    scores = {("dnabert2", "t"): {"attnlrp": None, "random": None}, ("cnn", "t"): {}}
    text = study.findings(_paper(), table, scores)
    assert text.startswith(
        "- `t`: DNABERT-2 classifies 75.0% of the evaluation part correctly; AttnLRP's area "
        "between the curves is 0.05 against the random map's 0.01"
    )
    assert "; on the promoters it puts 2.50 times" in text and text.endswith("not borne out here.")
    assert study.findings(None, table, {("cnn", "t"): {}}) == "No DNABERT-2 run in `compare_runs`."


def test_claim_rows_state_the_findings_and_the_localisation_comparison():
    models_compared = pd.DataFrame(
        [[6, 3.0, 1.5, 1.5, 0.5, 2.5, 0.04, 0.08], [12, 0.2, 0.1, 0.1, 0, 0.2, 0.5, 0.5]],
        pd.MultiIndex.from_tuples([("t", "window enrichment"), ("t", "gini")]),
        COLUMNS,
    )
    rows = study.claim_rows(_paper(), models_compared, {"dnabert2": "attnlrp", "cnn": "lrp"})
    assert [r["expected"] for r in rows] == ["greater", "greater", "not less"]
    assert [r["topic"] for r in rows] == ["", "tata box", "tata box"]
    assert rows[0]["ours"] == "0.05 against 0.01 (12 sequences)"
    assert rows[0]["claim"].endswith("(area between the curves) (t)")
    assert rows[0]["p"] == pytest.approx(0.0005)  # one-sided: half the two-sided p
    assert rows[2]["claim"] == (
        "`attnlrp` on DNABERT-2 localises the TATA box at least as well as `lrp` on the CNN "
        "(enrichment in −40 … −20, t)"
    )
    assert rows[2]["ours"] == "DNABERT-2 3, CNN 1.5 (6 promoters)"
    assert study.claim_rows(None, models_compared.iloc[1:], {}) == []


def test_training_note_only_for_a_dnabert2_trained_from_scratch():
    table = pd.DataFrame(
        {
            "task": ["t", "t"],
            "model": ["DNABERT-2", "CNN"],
            "accuracy (evaluation part)": [0.75, 0.5],
        }
    )
    note = study.training_note({"dnabert2": {"source": "tiny"}}, table, ["t"])
    assert note.startswith("The DNABERT-2 here is the `tiny` configuration trained from scratch")
    assert "DNABERT-2 against the CNN: `t` 75.0% against 50.0%. The paper" in note
    assert study.training_note({"dnabert2": {"source": "ckpt/"}}, table, ["t"]) == ""
