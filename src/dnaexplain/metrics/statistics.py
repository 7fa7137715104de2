"""Paired comparisons of measures taken on the same sequences (sign-flip tests with
Benjamini-Hochberg adjustment) and bootstrap intervals."""

import numpy as np
import scipy.stats


def _pair(a, b):
    """Two 1-D float64 arrays of one shape, cut to the pairs where both are finite."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"a and b must be 1-D of one shape, got {a.shape} and {b.shape}")
    keep = np.isfinite(a) & np.isfinite(b)
    return a[keep], b[keep]


def paired_comparison(a, b, level=0.95, n_resamples=9999, seed=0):
    """Compare two measures taken on the same sequences: mean difference, interval and p.

    Pairs with a NaN or infinite value on either side are dropped. The estimate is the mean
    of d = a - b; the interval the percentile bootstrap interval of that mean
    (`scipy.stats.bootstrap`); p that of the two-sided sign-flip permutation test of the mean
    (`scipy.stats.permutation_test`, paired: each d_i keeps or flips its sign), exact over all
    2^n sign patterns while 2^n <= `n_resamples`, else from `n_resamples` random ones. Both
    are about the mean, so a large difference in a few sequences counts as such.

    Parameters
    ----------
    a, b : array-like, shape (n,)
        One measure per sequence for two maps, same sequences in the same order.
    level : float
        Coverage of the interval, in (0, 1).
    n_resamples : int
        Bootstrap resamples, and the most sign patterns drawn.
    seed : int
        Seed of both resamplings.

    Returns
    -------
    dict
        ``n`` (pairs used), ``mean_a``, ``mean_b``, ``estimate`` (mean of a - b), ``lo``,
        ``hi`` and ``p``. Without pairs all but ``n`` are NaN; with one pair ``lo`` and ``hi``
        are NaN and p is 1; p is 1 and the interval (0, 0) when every difference is 0.
    """
    a, b = _pair(a, b)
    d = a - b
    out = {
        "n": len(d),
        "mean_a": np.nan,
        "mean_b": np.nan,
        "estimate": np.nan,
        "lo": np.nan,
        "hi": np.nan,
        "p": np.nan,
    }
    if not len(d):
        return out
    out.update(mean_a=a.mean(), mean_b=b.mean(), estimate=d.mean())
    if not d.any():
        out.update(lo=0.0, hi=0.0, p=1.0)
    elif len(d) == 1:  # +d and -d are equally far from 0
        out["p"] = 1.0
    else:
        out["p"] = float(
            scipy.stats.permutation_test(
                (d,),
                np.mean,
                permutation_type="samples",
                n_resamples=n_resamples,
                vectorized=True,
                axis=-1,
                rng=seed,
            ).pvalue
        )
        interval = bootstrap_mean(d, level=level, n_boot=n_resamples, seed=seed)
        out.update(lo=interval["lo"], hi=interval["hi"])
    return out


def paired_comparisons(pairs, level=0.95, n_resamples=9999, seed=0):
    """`paired_comparison` of many pairs of measures, as one family of tests.

    p-values are adjusted for the family by Benjamini-Hochberg
    (`scipy.stats.false_discovery_control`): verdicts on adjusted p < 0.05 keep the expected
    share of false ones among them at 5 % or less (for independent or positively dependent
    tests). Pairs without a p (no pairs of values) are left out of the family.

    Parameters
    ----------
    pairs : dict of hashable to (array-like, array-like)
        Key (str or tuple, e.g. (task, measure)) -> (a, b), each shape (n,) for that pair.
    level, n_resamples, seed
        As for `paired_comparison`.

    Returns
    -------
    pandas.DataFrame
        Indexed by the keys (a MultiIndex for tuple keys), in their order; columns ``n``,
        ``mean_a``, ``mean_b``, ``estimate``, ``lo``, ``hi``, ``p`` and ``p_adjusted``.
    """
    import pandas as pd

    columns = ["n", "mean_a", "mean_b", "estimate", "lo", "hi", "p", "p_adjusted"]
    keys = list(pairs)
    table = pd.DataFrame(
        [paired_comparison(a, b, level, n_resamples, seed) for a, b in pairs.values()],
        index=pd.Index(keys, tupleize_cols=True),
        columns=columns[:-1],
    )
    table["n"] = table["n"].astype(int)
    tested = table["p"].notna().to_numpy()
    table["p_adjusted"] = np.nan
    if tested.any():
        table.loc[tested, "p_adjusted"] = scipy.stats.false_discovery_control(
            table["p"].to_numpy()[tested], method="bh"
        )
    return table


def bootstrap_mean(values, level=0.95, n_boot=2000, seed=0):
    """Mean of the finite values and a percentile bootstrap interval for it.

    The values (e.g. one measure over sequences) are resampled with replacement `n_boot`
    times (`scipy.stats.bootstrap`); the interval holds the middle `level` of the resampled
    means.

    Parameters
    ----------
    values : array-like, shape (n,)
        NaN and infinite values are dropped first.
    level : float
        Coverage of the interval, in (0, 1).
    n_boot : int
        Bootstrap resamples.
    seed : int
        Seed of the resampling.

    Returns
    -------
    dict
        ``mean``, ``lo``, ``hi`` and ``n`` (finite values used). Without values the mean is
        NaN; with fewer than two, ``lo`` and ``hi`` are NaN.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    out = {"mean": v.mean() if len(v) else np.nan, "lo": np.nan, "hi": np.nan, "n": len(v)}
    if len(v) < 2:
        return out
    ci = scipy.stats.bootstrap(
        (v,),
        np.mean,
        n_resamples=n_boot,
        vectorized=True,
        axis=-1,
        confidence_level=level,
        method="percentile",
        rng=seed,
    ).confidence_interval
    out["lo"], out["hi"] = float(ci.low), float(ci.high)
    return out


def bootstrap_difference(a, b, level=0.95, n_boot=2000, seed=0):
    """Mean of the paired differences a - b and its bootstrap interval (`bootstrap_mean`).

    Pairs where either side is not finite are dropped, so a method scored on fewer sequences
    is compared only where both were scored.

    Parameters
    ----------
    a, b : array-like, shape (n,)
        One measure per sequence for two methods, same sequences in the same order.
    level, n_boot, seed
        As for `bootstrap_mean`.

    Returns
    -------
    dict
        ``mean``, ``lo``, ``hi``, ``n`` of a - b.
    """
    a, b = _pair(a, b)
    return bootstrap_mean(a - b, level, n_boot, seed)


def bootstrap_summary(table, value, by, level=0.95, n_boot=2000, seed=0):
    """Mean and bootstrap interval of one column of a per-sequence table, per group.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per sequence (and group), e.g. from `ground_truth_table`.
    value : str
        Column summarised.
    by : str or list of str
        Grouping columns (e.g. ``["model", "method"]``); groups keep their first appearance.
    level, n_boot, seed
        As for `bootstrap_mean`.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then ``mean``, ``lo``, ``hi``, ``n``; one row per group.
    """
    import pandas as pd

    by = [by] if isinstance(by, str) else list(by)
    rows = []
    for key, part in table.groupby(by, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        rows.append(
            {**dict(zip(by, key)), **bootstrap_mean(part[value].to_numpy(), level, n_boot, seed)}
        )
    return pd.DataFrame(rows, columns=[*by, "mean", "lo", "hi", "n"])


def rank_correlation(a, b, min_n=3):
    """Spearman correlation between two measures of the same items (methods, say), over the
    items where both are finite: do the two measures order the items alike?

    Parameters
    ----------
    a, b : array-like, shape (m,)
        One value per item, same items in the same order.
    min_n : int
        Fewest items a correlation is given for.

    Returns
    -------
    (float, int)
        The correlation, NaN with fewer than `min_n` items or a side without differences, and
        the number of items used.
    """
    a, b = _pair(a, b)
    if len(a) < min_n or len(np.unique(a)) < 2 or len(np.unique(b)) < 2:
        return np.nan, len(a)
    return float(scipy.stats.spearmanr(a, b).statistic), len(a)
