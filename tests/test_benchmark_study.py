"""The benchmark chapter's analysis on hand-made maps and summaries: ISM on part of the
sequences, the ranking table, the tests each model gets, the thesis rows, and the sentences."""

from types import SimpleNamespace

import numpy as np
import pandas as pd

from dnaexplain.studies import benchmark as study


def test_task_sentence():
    task = {"n": 12000, "length": 200, "gc": 0.4, "n_sites": [1, 3], "motifs": ["A", "B"]}
    assert study.task_sentence(task) == (
        "The task as the code makes it: 12,000 sequences of 200 bp, background GC content "
        "0.40, 1–3 sites per positive from JASPAR A, B."
    )


def test_explain_gives_transformers_ism_on_the_first_n_ism_and_the_cnn_on_all(monkeypatch):
    calls = []

    def fake(t, sequences, methods, target, batch_size=None):
        calls.append((t, list(methods), len(sequences), batch_size))
        return {m: np.full((len(sequences), 3), 1.0 + len(calls)) for m in methods}

    monkeypatch.setattr(study.attribution, "explain_all", fake)
    seqs = ["AAA", "CCC", "GGG", "TTT"]
    methods = {"dnabert": ["lrp", "ism"], "cnn": ["ism", "random"]}
    scores, counts = study.explain({"dnabert": "d", "cnn": "c"}, seqs, methods, np.ones(4), 2)
    assert counts == {"dnabert": 2, "cnn": 4}
    assert calls == [("d", ["lrp"], 4, None), ("d", ["ism"], 2, 128), ("c", ["random"], 4, None),
                     ("c", ["ism"], 4, 128)]  # fmt: skip
    assert (
        np.isnan(scores["dnabert"]["ism"][2:]).all() and (scores["dnabert"]["ism"][:2] == 3).all()
    )
    assert not np.isnan(scores["cnn"]["ism"]).any()
    assert study.ism_line(4, counts) == "4 positives; ISM on 2 (DNABERT), 4 (CNN)"
    assert study.ism_line(4, {}) == "4 positives; ISM on none"


def _summary():
    # model A: m1 > m2 > m3; model B: m2 > m1 (no m3); m3's mean rests on 3 sequences
    return pd.DataFrame(
        {
            "model": ["A", "A", "A", "B", "B"],
            "method": ["m1", "m2", "m3", "m1", "m2"],
            "mean": [0.9, 0.8, 0.5, 0.6, 0.7],
            "lo": [0.85, 0.7, 0.4, 0.5, 0.6],
            "hi": [0.95, 0.9, 0.6, 0.7, 0.8],
            "n": [10, 10, 3, 10, 10],
        }
    )


def test_ranking_is_the_mean_relative_rank_over_models():
    table = study.ranking(_summary(), 10)
    # m1: A 0 (first of 3), B 1 (second of 2) -> 0.5; m2: A 0.5, B 0 -> 0.25; m3: A 1
    assert table.index.tolist() == ["m2", "m1", "m3"]
    assert table["relative rank"].tolist() == [0.25, 0.5, 1.0]
    assert table.loc["m3", "A"] == "0.500 [0.400, 0.600] (n = 3)"
    assert table.loc["m1", "B"] == "0.600 [0.500, 0.700]" and table.loc["m3", "B"] == ""
    assert table.columns.tolist() == ["relative rank", "A", "B"]


def _truth():
    rng = np.random.default_rng(0)
    rows = []
    for model, base in (("DNABERT", {"attnlrp": 0.9, "attention": 0.6, "random": 0.5}),
                        ("CNN", {"lrp": 0.8, "random": 0.5})):  # fmt: skip
        for method, mean in base.items():
            for i in range(12):
                rows.append({"model": model, "method": method, "sequence": i,
                             "auroc": mean + 0.01 * rng.standard_normal()})  # fmt: skip
    return pd.DataFrame(rows)


def test_ranking_tests_and_the_sentences_on_a_clear_winner():
    truth = _truth()
    head = truth.groupby(["model", "method"], sort=False).auroc.agg(["mean"]).reset_index()
    head["lo"], head["hi"], head["n"] = head["mean"] - 0.01, head["mean"] + 0.01, 12
    methods = {"dnabert": ["attention", "attnlrp", "random"], "cnn": ["lrp", "random"]}
    order, tests = study.ranking_tests(head, truth, methods, seed=0)
    assert order == {"dnabert": ["attnlrp", "attention", "random"], "cnn": ["lrp", "random"]}
    assert set(tests.index) == {
        ("DNABERT", "attnlrp", "attention"),
        ("DNABERT", "attnlrp", "random"),
        ("DNABERT", "attention", "random"),
        ("CNN", "lrp", "random"),
    }
    assert (tests.p_adjusted < 0.05).all()
    text = study.ranking_sentences(head, order, tests, {"dnabert": 0.9, "cnn": 0.3})
    dnabert, cnn = text.split("\n")
    assert dnabert.startswith(
        "- **DNABERT** (calls 90% of the positives motif sequences): `attnlrp` ranks first, "
        "AUROC 0.90"
    )
    assert ", clearly ahead of every other method, the next being `attention`" in dnabert
    assert cnn.endswith("it has not learned the task, and its maps have little to find.")
    against = study.random_sentences(order, tests).split("\n")
    assert against[0].startswith("- **DNABERT**: `attention` — **`attention`** is better")
    assert "; `attnlrp` — **`attnlrp`** is better" in against[0]


def test_without_random_scores_no_test_against_them():
    truth = _truth()
    truth = truth[truth.method != "random"]
    head = truth.groupby(["model", "method"], sort=False).auroc.agg(["mean"]).reset_index()
    order, tests = study.ranking_tests(head, truth, {"dnabert": ["attention", "attnlrp"]})
    assert list(tests.index) == [("DNABERT", "attnlrp", "attention")]
    assert study.random_sentences(order, tests) == "No model has random scores to compare with."


def test_thesis_rows_are_one_sided_and_topic_planted_truth_except_random():
    truth = _truth()
    order = {"dnabert": ["attnlrp", "attention", "random"], "cnn": ["lrp", "random"]}
    tests, rows, text = study.thesis(truth, order, seed=0)
    assert list(tests.index) == [
        ("DNABERT", "attnlrp", "attention"),
        ("DNABERT", "attnlrp", "random"),
    ]
    assert [r["topic"] for r in rows] == ["planted truth", ""]
    assert rows[0]["claim"] == (
        "`attnlrp` finds the planted motifs better than attention (AUROC), DNABERT"
    )
    assert {r["expected"] for r in rows} == {"greater"} and rows[0]["p"] < 0.05
    assert text.count("\n") == 1
    _, none, text = study.thesis(truth, {"cnn": ["lrp", "random"]})
    assert none == [] and text == "No model has both an LRP variant and attention."


def test_mutate_drops_random_and_partial_ism_and_adds_the_planted_sites(monkeypatch, tmp_path):
    monkeypatch.setenv("DNAEXPLAIN_CACHE", str(tmp_path))
    seen = []

    def experiment(model, tokenizer, sequences, target, maps, **kw):
        seen.append(sorted(maps))
        return pd.DataFrame({"method": list(maps)})

    monkeypatch.setattr(study.mutagenesis, "experiment", experiment)
    monkeypatch.setattr(study.mutagenesis, "summary", lambda t: t.assign(n=0))
    ds = SimpleNamespace(sequences=["ACGT", "TTTT"], mask=np.eye(2, 4, dtype=bool),
                         classes=("background", "motif"))  # fmt: skip
    trained = {m: SimpleNamespace(key=m, model=None, tokenizer=None) for m in ("dnabert", "cnn")}
    one = {"lrp": np.ones((2, 4)), "ism": np.ones((2, 4)), "random": np.ones((2, 4))}
    scores = {"dnabert": dict(one), "cnn": dict(one)}
    results = study.mutate(trained, ds, scores, {"dnabert": 1, "cnn": 2}, np.ones(2), [1], 2)
    assert seen == [["lrp", "planted sites"], ["ism", "lrp", "planted sites"]]
    assert set(results) == {"dnabert", "cnn"}


def _results():
    rows = []
    for method, accuracy in (("a", [0.9, 0.2]), ("b", [0.9, 0.5]), ("c", [0.9, 0.8]),
                             ("planted sites", [0.9, 0.1]), ("random", [0.9, 0.85])):  # fmt: skip
        rows += [{"method": method, "n": n, "accuracy": acc} for n, acc in zip((0, 20), accuracy)]
    return {"cnn": pd.DataFrame(rows)}


def test_curves_show_planted_random_attention_and_the_best_three_and_worst():
    head = pd.DataFrame(
        {"model": "CNN", "method": list("abcde"), "mean": [0.9, 0.8, 0.7, 0.6, 0.5]}
    )
    summary = pd.DataFrame({"method": [*"abcde", "planted sites", "random", "attention"]})
    shown = study.curves_shown(head, summary, "cnn")
    assert set(shown.method) == {"a", "b", "c", "e", "planted sites", "random", "attention"}


def test_agreement_sentences_give_the_correlation_with_auroc():
    head = pd.DataFrame({"model": "CNN", "method": list("abc"), "mean": [0.9, 0.8, 0.6]})
    text = study.agreement_sentences(_results(), head, [0, 20])
    assert text == (
        "- **CNN**: unmutated, 90% of the positives are called motif sequences. At n = 20, "
        "`a` costs the most accuracy (70%), the planted sites 80%, random positions 5%. "
        "Spearman correlation with the AUROC ranking: 1.00 over 3 methods — too few methods "
        "for the correlation to mean much."
    )
    nothing = {"cnn": _results()["cnn"].assign(accuracy=0.0)}
    assert study.agreement_sentences(nothing, head, [0, 20]).endswith(
        "there is no accuracy to lose; the test says nothing about the methods here."
    )
