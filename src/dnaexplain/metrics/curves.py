"""Summaries of perturbation curves (the explained output as positions are mutated):
a mean drop, the area between two curves, how long a curve holds."""

import numpy as np
import torch


def _curves(x):
    """A float64 numpy copy of perturbation curves (..., steps)."""
    if torch.is_tensor(x):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def mean_drop(drops):
    """Mean drop of the explained output over a few perturbation steps.

    For a step set N (e.g. n = 1, 5, 10, 15, 20 mutated positions) and target probability p_c::

        mean drop = 1 / |N| sum_{n in N} (p_c(x) - p_c(x^(n)))

    where x^(n) has its n most (or least) relevant positions perturbed. This is not the AOPC of
    Samek et al. (2017), which averages the drop over every step k = 0 ... K of a perturbation
    that removes one more region per step: over a few uneven steps each weighs the same
    whatever the gap to the next, a coarse summary of the curve, named here for what it is.

    Parameters
    ----------
    drops : numpy.ndarray or torch.Tensor, shape (..., steps)
        ``p_c(x) - p_c(x^(n))`` for each step n, last axis.

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    return _curves(drops).mean(-1)


def area_between_curves(ns, most, least):
    """Faithfulness as in AttnLRP's protocol: the area between the least-relevant-first and the
    most-relevant-first perturbation curves (Achtibat et al. 2024, after Bluecher et al. 2024).

    With drops d(n) = p_c(x) - p_c(x^(n)), the curve of p_c under least-relevant-first
    perturbation lies above the most-relevant-first one by ``d_most(n) - d_least(n)``. The area
    is that gap integrated by the trapezoidal rule over n from 0 (where both curves start at
    p_c(x), gap 0) to max(ns), divided by max(ns): a mean gap per unit of n, in units of
    probability. Positive for a map whose top positions matter more than its bottom ones;
    about 0 for a random map, whose two orders are both random.

    Parameters
    ----------
    ns : array-like of int, shape (steps,)
        Positions perturbed at each step, increasing, all >= 1.
    most, least : numpy.ndarray or torch.Tensor, shape (..., steps)
        Drops with the most and with the least relevant positions perturbed first.

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    ns = np.asarray(ns, dtype=np.float64)
    most, least = _curves(most), _curves(least)
    if ns.ndim != 1 or not len(ns) or ns[0] < 1 or np.any(np.diff(ns) <= 0):
        raise ValueError(f"ns must be increasing positive steps, got {ns.tolist()}")
    if most.shape != least.shape or most.shape[-1:] != ns.shape:
        raise ValueError(
            f"curves of shapes {most.shape} and {least.shape} do not match {len(ns)} steps"
        )
    gap = most - least
    gap = np.concatenate([np.zeros(gap.shape[:-1] + (1,)), gap], axis=-1)
    x = np.r_[0.0, ns]
    return ((gap[..., 1:] + gap[..., :-1]) / 2 * np.diff(x)).sum(-1) / x[-1]


def last_within(xs, ys, tolerance=0.1):
    """Largest x up to which y has not fallen more than `tolerance` below its first value.

    The points are taken in order of x; y_0 is the value at the smallest x. The result is the
    last x before the first point with ``y < (1 - tolerance) * y_0`` (rises never count). Used
    for "how far can p grow before faithfulness drops by more than 10 %".

    Parameters
    ----------
    xs, ys : array-like, shape (m,)
        E.g. pruning fractions and the mean drop at each.
    tolerance : float
        Relative drop allowed, >= 0.

    Returns
    -------
    float
        NaN when y_0 is not a positive finite number (there is nothing to lose) or a y is NaN
        before the limit is reached.
    """
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    if xs.shape != ys.shape or xs.ndim != 1 or not len(xs):
        raise ValueError(
            f"xs and ys must be 1-D of one non-zero length, got {xs.shape}, {ys.shape}"
        )
    order = np.argsort(xs, kind="stable")
    xs, ys = xs[order], ys[order]
    if not (np.isfinite(ys[0]) and ys[0] > 0):
        return np.nan
    floor = (1 - tolerance) * ys[0]
    last = xs[0]
    for x, y in zip(xs, ys):
        if np.isnan(y):
            return np.nan
        if y < floor:
            break
        last = x
    return float(last)
