"""The pruned-LRP chapter's analysis on hand-made tables: the pruning fractions, the two
tables, each branch of what pruning costs, the localisation sentences and claim rows."""

import numpy as np
import pandas as pd
import pytest

from dnaexplain.studies import pruned_lrp as study

RUN = "cnn:synthetic"


def test_fractions_always_hold_the_unpruned_map():
    assert study.fractions([0.9, 0.5]) == [0.0, 0.5, 0.9]
    assert study.top([0.5, 0.9]) == "p = 0.9"
    assert study.label(RUN) == "CNN · LRP"
    assert study.label("dnabert2:synthetic") == "DNABERT-2 · AttnLRP"


def _measures(drops, ginis=(0.3, 0.5, 0.8)):
    """Two sequences per map at p = 0, 0.5, 0.9; the mean drop of each map and references."""
    maps = ["p = 0", "p = 0.5", "p = 0.9"]
    truth = pd.DataFrame(
        {
            "run": RUN,
            "method": np.repeat(maps, 2),
            "sequence": [0, 1] * 3,
            "gini": np.repeat(ginis, 2),
            "zeros": np.repeat([0.0, 0.4, 0.8], 2),
            "mass_accuracy": [0.2, 0.3, 0.3, 0.4, 0.5, 0.6],
            "rank_accuracy": 0.5,
            "auroc": np.repeat([0.9, 0.85, 0.7], 2),
        }
    )
    methods = maps + ["random order", "planted sites"]
    faith = pd.DataFrame({"run": RUN, "method": methods, "mean_drop": drops})
    return truth, faith


def test_tables_average_each_map_and_keep_the_references():
    truth, faith = _measures([0.4, 0.39, 0.2, 0.05, 0.5])
    table, reference = study.tables(truth, faith)
    assert table.columns.tolist() == [
        "p", "Gini", "zero positions", "mean drop", "mass accuracy", "rank accuracy", "AUROC"
    ]  # fmt: skip
    assert table["p"].tolist() == [0.0, 0.5, 0.9]
    assert table.loc[(RUN, "p = 0.5"), "mass accuracy"] == pytest.approx(0.35)
    assert table["mean drop"].tolist() == [0.4, 0.39, 0.2]
    assert reference.loc[RUN].tolist() == [0.05, 0.5]


@pytest.mark.parametrize(
    "drops, share, start",
    [
        ([0.4, 0.39, 0.2, 0.05, 0.5], 0.9, "the mean drop stays within 10% of its unpruned value "
         "(0.4) up to p = 0.5 (0.39, Gini 0.50); at p = 0.9 it is 0.2"),
        ([0.4, 0.39, 0.38, 0.05, 0.5], 0.9, "the mean drop stays within 10% of its unpruned value "
         "(0.4) at every p tested, 0.38 at p = 0.9"),
        ([0.04, 0.04, 0.04, 0.05, 0.5], 0.9, "mutating its most relevant positions first is no "
         "more harmful than a random order (mean drop 0.04 against 0.05"),
        ([0.4, 0.39, 0.2, 0.05, 0.5], 0.3, "the model calls only 30% of these positives"),
    ],
)  # fmt: skip
def test_pruning_cost_says_how_far_p_can_go(drops, share, start):
    table, reference = study.tables(*_measures(drops))
    text = study.pruning_cost(table.loc[RUN], reference.loc[RUN], share, [0.5, 0.9])
    assert text.startswith(start)
    assert study.cost_sentences(table, reference, {RUN: share}, [0.5, 0.9]).startswith(
        f"- **CNN · LRP**: {start}"
    )


def test_localisation_sentences_and_the_claim_rows():
    truth, faith = _measures([0.4, 0.39, 0.2, 0.05, 0.5])
    table, _ = study.tables(truth, faith)
    text, pairs = study.localisation_sentences(table, truth, [0.5, 0.9], flat=0.1)
    assert text.startswith(
        "- **CNN · LRP**: sparsity (Gini) goes from 0.30 at p = 0 to 0.80 at p = 0.9, where 80% "
        "of the positions score exactly 0 (0% unpruned). Relevance mass accuracy rises: "
        "0.25 → 0.55 (change +0.300"
    )
    assert text.endswith("the pruned map is worse.")  # AUROC falls from 0.9 to 0.7
    np.testing.assert_allclose(pairs[RUN], [[0.5, 0.6], [0.2, 0.3]])
    (row,) = study.claim_rows(pairs, [0.5, 0.9])
    assert row["claim"] == (
        "pruning (p = 0.9) puts more of the positive relevance on the motifs (CNN · LRP, "
        "synthetic task)"
    )
    assert row["estimate"] == pytest.approx(0.3) and row["expected"] == "greater"
    assert row["ours"] == "mass accuracy 0.25 unpruned, 0.55 pruned (2 sequences)"
