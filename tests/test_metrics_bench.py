"""The known-answer helpers of `metrics`: ground-truth tables, bootstrap intervals, limits."""

import numpy as np
import pandas as pd
import pytest
import torch

from dnaexplain.metrics import (
    auroc,
    bootstrap_difference,
    bootstrap_mean,
    bootstrap_summary,
    ground_truth_table,
    last_within,
    relevance_mass_accuracy,
    relevance_rank_accuracy,
)

nan = np.nan


def test_ground_truth_table_matches_the_measures_row_by_row():
    rng = np.random.default_rng(0)
    mask = np.zeros((5, 12), dtype=bool)
    mask[:, 3:6] = True
    mask[4] = False  # a sequence without ground truth: NaN measures
    scores = {"a": rng.normal(size=(5, 12)), "b": torch.rand(5, 14)}  # b wider than the mask
    table = ground_truth_table(scores, mask, lengths=[12, 12, 10, 12, 12])
    assert list(table.columns) == ["method", "sequence", "mass_accuracy", "rank_accuracy",
                                   "auroc"]
    assert table.method.tolist() == ["a"] * 5 + ["b"] * 5
    assert table.sequence.tolist() == list(range(5)) * 2
    b = scores["b"].numpy()[:, :12]
    lengths = [12, 12, 10, 12, 12]
    np.testing.assert_allclose(table.auroc[5:], auroc(b, mask, lengths))
    np.testing.assert_allclose(table.mass_accuracy[:5],
                               relevance_mass_accuracy(scores["a"], mask, lengths))
    np.testing.assert_allclose(table.rank_accuracy[5:],
                               relevance_rank_accuracy(b, mask, lengths))
    assert table.loc[table.sequence == 4, ["mass_accuracy", "rank_accuracy", "auroc"]] \
        .isna().all().all()


def test_ground_truth_table_perfect_and_unscored_rows():
    mask = np.zeros((3, 8), dtype=bool)
    mask[:, 2:4] = True
    perfect = mask.astype(float)
    perfect[2] = nan  # a sequence the method did not score
    table = ground_truth_table({"oracle": perfect}, mask)
    np.testing.assert_allclose(table.iloc[:2, 2:].to_numpy(), 1.0)
    assert table.iloc[2, 2:].isna().all()


def test_ground_truth_table_rejects_narrow_scores():
    with pytest.raises(ValueError, match="do not cover"):
        ground_truth_table({"a": np.zeros((2, 5))}, np.zeros((2, 6), dtype=bool))


def test_bootstrap_mean_interval_contains_mean_and_drops_nan():
    v = np.r_[np.linspace(0, 1, 101), nan, np.inf]
    out = bootstrap_mean(v, seed=1)
    assert out["n"] == 101
    assert out["mean"] == pytest.approx(0.5)
    assert out["lo"] < 0.5 < out["hi"]
    # the percentile interval of a mean: about +- 1.96 standard errors
    se = np.linspace(0, 1, 101).std() / np.sqrt(101)
    assert out["hi"] - out["lo"] == pytest.approx(2 * 1.96 * se, rel=0.15)
    assert bootstrap_mean(v, seed=1) == out  # seeded


def test_bootstrap_mean_degenerate_inputs():
    empty = bootstrap_mean([nan, nan])
    assert empty["n"] == 0 and np.isnan([empty["mean"], empty["lo"], empty["hi"]]).all()
    one = bootstrap_mean([0.3])
    assert one["mean"] == 0.3 and np.isnan(one["lo"]) and np.isnan(one["hi"])
    flat = bootstrap_mean([2.0] * 10)
    assert flat["lo"] == flat["hi"] == flat["mean"] == 2.0


def test_bootstrap_difference_pairs_only_finite():
    a = np.array([1.0, 2.0, nan, 4.0])
    b = np.array([0.5, 1.0, 3.0, nan])
    out = bootstrap_difference(a, b)
    assert out["n"] == 2 and out["mean"] == pytest.approx(0.75)
    with pytest.raises(ValueError):
        bootstrap_difference([1, 2], [1, 2, 3])


def test_bootstrap_summary_groups_in_order():
    table = pd.DataFrame({"model": ["m2", "m2", "m1", "m1", "m1"],
                          "method": ["x", "x", "y", "y", "y"],
                          "auroc": [0.5, 0.7, 1.0, nan, 0.8]})
    out = bootstrap_summary(table, "auroc", ["model", "method"])
    assert out[["model", "method"]].values.tolist() == [["m2", "x"], ["m1", "y"]]
    np.testing.assert_allclose(out["mean"], [0.6, 0.9])
    assert out["n"].tolist() == [2, 2]
    assert list(out.columns) == ["model", "method", "mean", "lo", "hi", "n"]


@pytest.mark.parametrize("ys, expected", [
    ([1.0, 0.95, 0.91, 0.5], 0.7),       # falls below 0.9 at the last point
    ([1.0, 0.5, 1.0, 1.0], 0.0),         # a drop stops the walk, whatever comes after
    ([1.0, 1.2, 1.1, 0.95], 0.9),        # rises never count
    ([0.0, 0.1, 0.1, 0.1], nan),         # nothing to lose
    ([-0.1, 0.0, 0.0, 0.0], nan),
    ([nan, 1.0, 1.0, 1.0], nan),
])
def test_last_within(ys, expected):
    xs = [0.0, 0.3, 0.7, 0.9]
    got = last_within(xs, ys, tolerance=0.1)
    assert (np.isnan(got) and np.isnan(expected)) or got == expected


def test_last_within_sorts_by_x():
    assert last_within([0.9, 0.0, 0.5], [0.1, 1.0, 0.95]) == 0.5


def test_zero_fraction():
    from dnaexplain.metrics import zero_fraction

    s = np.array([[0, 1, 0, 2], [0, 0, 5, 0], [nan] * 4])
    np.testing.assert_allclose(zero_fraction(s, lengths=[4, 2, 4]), [0.5, 1.0, nan])
    np.testing.assert_allclose(zero_fraction(torch.zeros(1, 3)), [1.0])
