"""Position weight matrices of aligned instances: counts, probabilities, information content,
consensus and logos."""

import numpy as np
import pandas as pd

from ..sequences import ALPHABET


def counts_matrix(instances):
    """Base counts per column of equal-length strings; letters other than ACGT are skipped.

    Parameters
    ----------
    instances : list of str
        m strings of length w.

    Returns
    -------
    numpy.ndarray of float64, shape (4, w)
        Rows A, C, G, T.
    """
    if not instances or len({len(s) for s in instances}) > 1:
        raise ValueError("instances must be one or more strings of the same length")
    w = len(instances[0])
    x = np.frombuffer("".join(instances).upper().encode(), dtype=np.uint8).reshape(-1, w)
    letters = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)
    return (x[None, :, :] == letters[:, None, None]).sum(axis=1).astype(np.float64)


def probabilities(counts, pseudocount=0.0):
    """Column-normalised counts.

    Parameters
    ----------
    counts : array-like of float, shape (4, w)
    pseudocount : float
        Added to every count first (DNABERT's logos use none).

    Returns
    -------
    numpy.ndarray of float64, shape (4, w)
        Columns sum to 1; a column without counts is uniform.
    """
    c = np.asarray(counts, dtype=np.float64) + pseudocount
    total = c.sum(axis=0, keepdims=True)
    return np.where(total > 0, c / np.where(total > 0, total, 1), 0.25)


def information_content(probs, background=(0.25,) * 4):
    """Information content of each column in bits: sum_b p_b log2(p_b / q_b), 0 log 0 = 0.

    Parameters
    ----------
    probs : array-like of float, shape (4, w)
    background : sequence of 4 float
        Background base frequencies q (A, C, G, T).

    Returns
    -------
    numpy.ndarray of float64, shape (w,)
        2 bits for a single base on a uniform background, 0 for a uniform column.
    """
    p = np.asarray(probs, dtype=np.float64)
    q = np.asarray(background, dtype=np.float64)[:, None]
    terms = p * np.log2(np.where(p > 0, p, 1) / q)
    return terms.sum(axis=0)


def consensus(counts):
    """Most frequent base of each column (the first on ties), N where a column is empty.

    Parameters
    ----------
    counts : array-like of float, shape (4, w)

    Returns
    -------
    str of length w
    """
    c = np.asarray(counts)
    return "".join(ALPHABET[j] if t > 0 else "N" for j, t in zip(c.argmax(axis=0), c.sum(0)))


def logo(matrix, ax=None, title=""):
    """Information-content sequence logo (letter height p_b IC of its column), by logomaker.

    Parameters
    ----------
    matrix : array-like of float, shape (4, w)
        Probabilities, or counts (columns not summing to 1 are normalised).
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    title : str

    Returns
    -------
    matplotlib.axes.Axes
    """
    import logomaker

    p = np.asarray(matrix, dtype=np.float64)
    if not np.allclose(p.sum(axis=0), 1):
        p = probabilities(p)
    heights = pd.DataFrame((p * information_content(p)).T, columns=list(ALPHABET))
    drawn = logomaker.Logo(heights, ax=ax, color_scheme="classic")
    drawn.ax.set_ylim(0, 2)
    drawn.ax.set_ylabel("bits")
    drawn.ax.set_title(title)
    return drawn.ax
