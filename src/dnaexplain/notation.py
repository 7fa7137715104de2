"""How the book writes numbers: powers of ten instead of e-notation, p-values to two digits.

A module of its own, importing nothing from the package, so that `metrics` (whose sentences
state p-values) and `book` (which formats the pages) share it without either entering the
other's code digest.
"""

import pandas as pd

MISSING = "–"  # what a missing value looks like in a table
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def number(fmt="{:.3g}"):
    """A float formatter: ``fmt``, but e-notation written as a power of ten.

    Parameters
    ----------
    fmt : str
        A format string for one number, e.g. ``"{:.3g}"``.

    Returns
    -------
    callable
        ``float -> str``; missing values give `MISSING`.

    Examples
    --------
    >>> number("{:.3g}")(3.917e26), number("{:.2g}")(1e-5), number("{:.3g}")(0.25)
    ('3.92×10²⁶', '10⁻⁵', '0.25')
    """

    def format_number(x):
        if pd.isna(x):
            return MISSING
        text = fmt.format(x)
        mantissa, e, exponent = text.partition("e")
        if not e or not exponent.lstrip("+-").isdigit():
            return text
        power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
        if mantissa.lstrip("+-") == "1":
            return mantissa[:-1] + power  # keeps a sign
        return f"{mantissa}×{power}"

    return format_number


def p_value(p):
    """A p-value or q-value to two significant digits, powers of ten written out (``3×10⁻⁵``)."""
    return number("{:.2g}")(p)
