"""A paired comparison in words: which side is better, and the numbers behind it."""

from ..notation import p_value


def verdict(r, a="a", b="b", higher=True, effect=0.0, alpha=0.05, fmt=".3g"):
    """One paired comparison in words: which side is better, and the numbers behind it.

    Parameters
    ----------
    r : pandas.Series or namedtuple
        A row of `paired_comparisons`: ``n``, ``estimate`` (mean of a - b), ``lo``, ``hi``,
        ``p_adjusted``.
    a, b : str
        Names of the two sides, as the text should say them.
    higher : bool
        Whether a higher value of the measure is better.
    effect : float
        Smallest absolute difference read as one.
    alpha : float
        Adjusted p below which a difference counts.
    fmt : str
        Format of the difference and its interval.

    Returns
    -------
    str
        "too few sequences to compare" (n < 2), else "no clear difference (...)", "a clear
        difference, but below <effect> (...)" or "**<a or b>** is better (...)", the
        parentheses holding the difference, its 95 % interval and the adjusted p.
    """
    if r.n < 2:
        return "too few sequences to compare"
    numbers = (
        f"mean difference {r.estimate:+{fmt}}, 95 % interval {r.lo:+{fmt}} to "
        f"{r.hi:+{fmt}}, adjusted p = {p_value(r.p_adjusted)}"
    )
    if not r.p_adjusted < alpha:
        return f"no clear difference ({numbers})"
    if abs(r.estimate) < effect:
        return f"a clear difference, but below {effect} ({numbers})"
    return f"**{a if (r.estimate > 0) == higher else b}** is better ({numbers})"
