"""The sanity-check chapter's tables, sentences and claim rows, on hand-made MPRT tables."""

import numpy as np
import pandas as pd
import pytest

from dnaexplain.studies import sanity_checks as study


def table(values):
    """An `mprt`-like table: per (model, method), the correlations of 10 sequences at step 2
    (every block random); step 0 is the trained map (1) and step 1 halfway."""
    rows = []
    for (model, method), last in values.items():
        for order in ("cascading", "independent"):
            for step, block, rho in [(0, "none", 1.0), (1, "head", 0.8), (2, "input", None)]:
                r = np.full(10, rho) if rho is not None else np.asarray(last, float)
                rows.append(
                    pd.DataFrame(
                        {
                            "model": model,
                            "order": order,
                            "method": method,
                            "step": step,
                            "block": block,
                            "sequence": np.arange(10),
                            "spearman": r,
                            "overlap": r / 2,
                        }
                    )
                )
    return pd.concat(rows, ignore_index=True)


VALUES = {
    ("CNN", "lrp"): np.linspace(-0.1, 0.1, 10),  # mean 0: depends on the model
    ("CNN", "attention"): np.linspace(0.8, 1.0, 10),  # mean 0.9: flagged
    ("CNN", "random"): np.ones(10),
}


def test_fully_random_reads_the_last_cascading_step():
    final = study.fully_random(study.summaries(table(VALUES)))
    assert final.loc[("CNN", "lrp"), "spearman"] == pytest.approx(0)
    assert final.loc[("CNN", "attention"), "spearman"] == pytest.approx(0.9)
    assert final.loc[("CNN", "attention"), "overlap"] == pytest.approx(0.45)
    assert list(final.flagged) == [False, True, True]
    assert final.loc[("CNN", "lrp"), "lo"] < 0 < final.loc[("CNN", "lrp"), "hi"]


def test_tests_leave_out_the_random_control_and_adjust_together():
    tested = study.tests(table(VALUES))
    assert list(tested.index) == [("CNN", "lrp"), ("CNN", "attention")]
    assert tested.loc[("CNN", "lrp"), "estimate"] == pytest.approx(-0.5)
    assert tested.loc[("CNN", "attention"), "estimate"] == pytest.approx(0.4)
    # ten sequences all on one side: the sign-flip p is 2 / 2**10, both adjusted alike
    assert tested.p.tolist() == pytest.approx([2 / 1024, 2 / 1024])


def test_verdicts_and_claim_rows_say_which_map_passes():
    tables = table(VALUES)
    final = study.fully_random(study.summaries(tables))
    tested = study.tests(tables)
    text = study.verdicts(final, tested)
    assert text == (
        "- **CNN**: with every weight random, `lrp` (0.00) falls below 0.5; `attention` (0.90) "
        "stays at or above it, or cannot be told apart from it (the random control stays at 1 "
        "by construction)."
    )
    rows = study.claim_rows(final, tested)
    assert [r["topic"] for r in rows] == ["model dependence"] * 2
    assert rows[0]["estimate"] == pytest.approx(-0.5) and rows[0]["expected"] == "less"
    assert "`attention`'s maps of the CNN depend on what it learnt" in rows[1]["claim"]


def test_compared_positions_leave_out_n_and_padding():
    valid = study.compared_positions(["ACGN", "AC"])
    assert valid.tolist() == [[True, True, True, False], [True, True, False, False]]
