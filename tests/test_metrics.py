import math

import numpy as np
import pytest
import scipy.stats
import torch
from sklearn.metrics import roc_auc_score

from dnaexplain.metrics import (
    area_between_curves,
    auroc,
    entropy,
    gini,
    mean_drop,
    relevance_mass_accuracy,
    relevance_rank_accuracy,
    spearman,
    topk_overlap,
)

nan = np.nan


def test_gini_known_values():
    s = [[0, 0, 0, 1],        # one-hot, n = 4: sum (2i - 5) x_(i) / (4 * 1) = 3 / 4
         [1, 2, 3, 4],        # (-3*1 - 1*2 + 1*3 + 3*4) / (4 * 10) = 10 / 40
         [-4, 1, -2, 3],      # absolute values: as above
         [2, 2, 2, 2],        # flat
         [0, 0, 0, 0]]        # all zero: defined as flat
    np.testing.assert_allclose(gini(s), [0.75, 0.25, 0.25, 0, 0], atol=1e-15)


@pytest.mark.parametrize("n", [1, 2, 7, 100])
def test_gini_one_hot_is_one_minus_one_over_n(n):
    x = np.zeros((1, n))
    x[0, n // 2] = -3.5
    assert gini(x)[0] == pytest.approx(1 - 1 / n, abs=1e-15)


def test_gini_ignores_positions_beyond_length_or_nan():
    s = np.array([[0, 0, 1, 0, 0, 0], [0, 1, nan, nan, nan, nan], [nan] * 6])
    np.testing.assert_allclose(gini(s, lengths=[3, 6, 6]), [2 / 3, 1 / 2, nan])
    # without lengths, the zeros beyond the end count
    assert gini(s[:1])[0] == pytest.approx(5 / 6)


def test_gini_takes_torch():
    assert gini(torch.tensor([[0.0, 0.0, 1.0]]))[0] == pytest.approx(2 / 3)


def test_entropy_known_values():
    s = [[0, 0, 5, 0], [1, 1, 1, 1], [1, -1, 2, 0], [0, 0, 0, 0]]
    # p = (1/4, 1/4, 1/2, 0): H = 2 (1/4) ln 4 + (1/2) ln 2 = 1.5 ln 2
    np.testing.assert_allclose(entropy(s), [0, math.log(4), 1.5 * math.log(2), math.log(4)],
                               atol=1e-15)


def test_entropy_with_lengths():
    s = [[1, 1, 1, 0, 0], [3, 3, 3, 3, 3]]
    np.testing.assert_allclose(entropy(s, lengths=[3, 5]), [math.log(3), math.log(5)])


def test_relevance_mass_accuracy():
    s = [[3, 1, -2, 0],   # all positive relevance inside
         [3, -1, 2, 1],   # 3 of 6 inside
         [0, 0, 4, 0],    # none inside
         [-1, -1, 0, 0],  # no positive relevance
         [1, 2, 3, 4]]    # empty mask
    mask = [[1, 1, 0, 0]] * 4 + [[0, 0, 0, 0]]
    np.testing.assert_allclose(relevance_mass_accuracy(s, mask), [1, 0.5, 0, nan, nan])


def test_relevance_mass_accuracy_ignores_beyond_length():
    s = [[1, 0, 0, 5]]
    assert relevance_mass_accuracy(s, [[1, 0, 0, 0]], lengths=[3])[0] == 1
    assert relevance_mass_accuracy(s, [[1, 0, 0, 0]])[0] == pytest.approx(1 / 6)


def test_relevance_rank_accuracy():
    s = [[5, 4, 3, 2, 1],   # K = 2, top 2 = {0, 1}, one in the mask
         [1, 2, 3, 4, 5],   # K = 2, top 2 = {3, 4}, both in the mask
         [1, 1, 0, 0, 0],   # K = 1, tie between 0 and 1: half a hit
         [0, 0, 0, 0, 9]]   # empty mask
    mask = [[1, 0, 1, 0, 0], [0, 0, 0, 1, 1], [1, 0, 0, 0, 0], [0, 0, 0, 0, 0]]
    np.testing.assert_allclose(relevance_rank_accuracy(s, mask), [0.5, 1, 0.5, nan])


def test_auroc_extremes():
    s = [[4, 3, 2, 1], [1, 2, 3, 4], [1, 1, 1, 1], [4, 1, 3, 2], [1, 2, 3, 4], [1, 2, 3, 4]]
    mask = [[1, 1, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0], [0] * 4, [1] * 4]
    # row 3: positives 4, 1 against negatives 3, 2: 2 of 4 pairs won
    np.testing.assert_allclose(auroc(s, mask), [1, 0, 0.5, 0.5, nan, nan])


def test_auroc_matches_sklearn_on_random_data_with_ties():
    rng = np.random.default_rng(0)
    s = rng.integers(0, 6, size=(50, 40)).astype(float)  # many ties
    mask = rng.random((50, 40)) < 0.3
    lengths = rng.integers(10, 41, size=50)
    got = auroc(torch.tensor(s), torch.tensor(mask), lengths=lengths)
    want = [roc_auc_score(m[:n], x[:n]) for x, m, n in zip(s, mask, lengths)]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_spearman_matches_scipy():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 5, size=(30, 25)).astype(float)
    b = a + rng.normal(size=a.shape)
    lengths = rng.integers(5, 26, size=30)
    got = spearman(a, b, lengths=lengths)
    want = [scipy.stats.spearmanr(x[:n], y[:n]).statistic for x, y, n in zip(a, b, lengths)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(spearman([[1, 2, 3]], [[3, 2, 1]]), [-1])
    assert np.isnan(spearman([[1, 1, 1]], [[1, 2, 3]])[0])


def test_topk_overlap():
    a = [[5, 4, 3, 2, 1]] * 3
    b = [[1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [10, 9, 8, 7, 6]]
    np.testing.assert_allclose(topk_overlap(a, b, 2), [0, 0, 1])
    np.testing.assert_allclose(topk_overlap(a, b, 3), [1 / 3, 1 / 3, 1])
    # a tie at the k-th score counts in expectation: position 0 is in top_1(a) half the time
    assert topk_overlap([[1, 1, 0, 0]], [[1, 0, 0, 0]], 1)[0] == 0.5
    # k is capped at the sequence's length
    assert topk_overlap([[3, 2, 9]], [[1, 2, 9]], 5, lengths=[2])[0] == 1


def test_mean_drop_over_steps():
    assert mean_drop([0.1, 0.2, 0.6]) == pytest.approx(0.3)
    d = np.arange(30.0).reshape(2, 3, 5)
    np.testing.assert_allclose(mean_drop(torch.tensor(d)), d.mean(-1))


def test_area_between_curves_by_hand():
    # gaps most - least at n = 0, 1, 5: 0, 0.2, 0.4; trapezoids 0.1 * 1 + 0.3 * 4 = 1.3 over 5
    assert area_between_curves([1, 5], [0.2, 0.6], [0.0, 0.2]) == pytest.approx(0.26)
    # a map whose least relevant positions matter more: negative; equal curves: 0
    assert area_between_curves([1, 5], [0.0, 0.2], [0.2, 0.6]) == pytest.approx(-0.26)
    most = torch.rand(2, 3, 4, generator=torch.Generator().manual_seed(0))
    np.testing.assert_array_equal(area_between_curves([1, 2, 4, 8], most, most), np.zeros((2, 3)))
    # one step: the triangle from (0, 0) to (n, gap), divided by n
    assert area_between_curves([20], [0.5], [0.1]) == pytest.approx(0.2)
    with pytest.raises(ValueError, match="increasing"):
        area_between_curves([5, 1], [0.1, 0.2], [0.0, 0.0])
    with pytest.raises(ValueError, match="do not match"):
        area_between_curves([1, 5], [0.1, 0.2, 0.3], [0.0, 0.0, 0.0])
