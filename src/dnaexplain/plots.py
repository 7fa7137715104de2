"""The book's figures: plain functions that take tidy tables or arrays and return a Figure."""

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

PALETTE = "colorblind"


def _style():
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)


def class_balance(table):
    """Bar chart of sequences per class and dataset.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``dataset``, ``class``, ``sequences``.
    """
    _style()
    fig, ax = plt.subplots(figsize=(7, 3))
    sns.barplot(table, y="dataset", x="sequences", hue="class", ax=ax)
    ax.set(xlabel="sequences", ylabel="")
    ax.legend(title="", loc="lower right", fontsize="small")
    fig.tight_layout()
    return fig


def distributions(table, value, label, bins=40):
    """One histogram panel per dataset of a per-sequence ``value``, coloured by class.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``dataset``, ``class`` and ``value`` (one row per sequence).
    value : str
        Column to draw.
    label : str
        Axis label.
    """
    _style()
    names = list(dict.fromkeys(table["dataset"]))
    fig, axes = plt.subplots(1, len(names), figsize=(3.6 * len(names), 3), squeeze=False)
    for ax, name in zip(axes[0], names):
        part = table[table["dataset"] == name]
        discrete = part[value].nunique() < 5
        sns.histplot(part, x=value, hue="class", bins=bins, ax=ax, stat="density",
                     common_norm=False, element="step", discrete=discrete)
        ax.set(title=name, xlabel=label)
    fig.tight_layout()
    return fig


def dinucleotide_heatmap(frequencies, title=""):
    """Heat map of dinucleotide frequencies (first base in rows, second in columns).

    Parameters
    ----------
    frequencies : pandas.DataFrame
        Index ``group`` (e.g. dataset / class), 16 columns named by dinucleotide ("AA" ... "TT").
    """
    _style()
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(frequencies) + 1.2))
    sns.heatmap(frequencies, cmap="viridis", annot=True, fmt=".3f", annot_kws={"size": 7},
                cbar_kws={"label": "frequency"}, ax=ax)
    ax.set(title=title, xlabel="dinucleotide", ylabel="")
    fig.tight_layout()
    return fig


def site_map(mask, labels, n=12, title="planted motif positions"):
    """Rows of sequences with their ground-truth positions, positives first.

    Parameters
    ----------
    mask : numpy.ndarray of bool, shape (n_sequences, length)
    labels : numpy.ndarray of int, shape (n_sequences,)
    """
    _style()
    order = np.argsort(-labels, kind="stable")[:n]
    fig, ax = plt.subplots(figsize=(9, 0.25 * n + 1))
    ax.imshow(mask[order], aspect="auto", cmap="Greys", interpolation="nearest")
    ax.set_yticks(range(len(order)), [f"{'+' if labels[i] else '-'} seq {i}" for i in order],
                  fontsize=7)
    ax.set(xlabel="position (bp)", title=title)
    ax.grid(False)
    fig.tight_layout()
    return fig
