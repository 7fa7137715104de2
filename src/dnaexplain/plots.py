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


def learning_curves(histories):
    """Training loss and validation accuracy per epoch for several runs.

    Parameters
    ----------
    histories : dict of str to pandas.DataFrame
        Run name -> Trainer log history (columns ``epoch``, ``loss``, ``eval_accuracy``).
    """
    _style()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    for name, h in histories.items():
        train = h.dropna(subset=["loss"]) if "loss" in h else h.iloc[:0]
        evals = h.dropna(subset=["eval_accuracy"]) if "eval_accuracy" in h else h.iloc[:0]
        left.plot(train["epoch"], train["loss"], label=name, alpha=0.85)
        right.plot(evals["epoch"], evals["eval_accuracy"], marker="o", label=name)
    left.set(xlabel="epoch", ylabel="training loss", title="training loss")
    right.set(xlabel="epoch", ylabel="accuracy", title="validation accuracy")
    right.legend(fontsize="small", loc="lower right")
    fig.tight_layout()
    return fig


def confusion_matrices(matrices, classes):
    """Confusion matrices side by side.

    Parameters
    ----------
    matrices : dict of str to array-like, shape (c, c)
        Run name -> counts (rows: true class, columns: predicted class).
    classes : dict of str to sequence of str
        Run name -> class names.
    """
    _style()
    fig, axes = plt.subplots(1, len(matrices), figsize=(3.3 * len(matrices), 3.2), squeeze=False)
    for ax, (name, m) in zip(axes[0], matrices.items()):
        m = np.asarray(m)
        sns.heatmap(m / m.sum(1, keepdims=True), annot=m, fmt="d", cmap="Blues", vmin=0, vmax=1,
                    cbar=False, xticklabels=classes[name], yticklabels=classes[name], ax=ax)
        ax.set(title=name, xlabel="predicted", ylabel="true")
    fig.tight_layout()
    return fig


def relevance_totals(totals):
    """Total relevance at successive layer boundaries, one line per rule set.

    Parameters
    ----------
    totals : pandas.DataFrame
        Index: boundary names from the input upwards; one column per rule set.
    """
    _style()
    fig, ax = plt.subplots(figsize=(7, 3.4))
    for rules in totals:
        ax.plot(range(len(totals)), totals[rules].to_numpy(), marker="o", label=rules)
    ax.set_xticks(range(len(totals)), totals.index, rotation=30, ha="right")
    ax.set_yscale("symlog", linthresh=1)
    ax.set(ylabel="total / explained output (symlog)",
           title="relevance summed at each layer boundary")
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def score_tracks(scores, sequence=None, title="", window=None):
    """One row per method of nucleotide scores along a sequence, each row scaled to max |s| = 1.

    Parameters
    ----------
    scores : dict of str to numpy.ndarray, each shape (L,)
        Method -> nucleotide scores of one sequence.
    sequence : str, optional
        Written under the map when it is short enough to read (<= 120 bp shown).
    window : tuple of 2 int, optional
        ``(start, end)`` to show only part of the sequence.
    """
    _style()
    names = list(scores)
    rows = np.array([np.asarray(scores[m], dtype=float) for m in names])
    start, end = window or (0, rows.shape[1])
    rows = rows[:, start:end]
    scale = np.abs(rows).max(1, keepdims=True)
    rows = rows / np.where(scale > 0, scale, 1)
    fig, ax = plt.subplots(figsize=(min(16, 3 + 0.06 * rows.shape[1]), 0.42 * len(names) + 1.4))
    im = ax.imshow(rows, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.grid(False)
    if sequence is not None and end - start <= 120:
        ax.set_xticks(range(end - start), list(sequence[start:end]), fontsize=6, family="monospace")
    else:
        ticks = ax.get_xticks()
        ax.set_xticks(ticks[(ticks >= 0) & (ticks < end - start)])
        ax.set_xticklabels([str(int(t) + start) for t in ax.get_xticks()])
        ax.set_xlabel("position (bp)")
    ax.set_title(title)
    fig.colorbar(im, ax=ax, fraction=0.02, pad=0.01, label="score / max |score|")
    fig.tight_layout()
    return fig


def method_correlation(matrix, title="mean Spearman correlation between methods"):
    """Heat map of a symmetric method x method agreement matrix (a DataFrame)."""
    _style()
    fig, ax = plt.subplots(figsize=(0.55 * len(matrix) + 2.5, 0.5 * len(matrix) + 1.8))
    sns.heatmap(matrix, cmap="RdBu_r", vmin=-1, vmax=1, annot=True, fmt=".2f",
                annot_kws={"size": 7}, square=True, cbar_kws={"shrink": 0.7}, ax=ax)
    ax.set(title=title, xlabel="", ylabel="")
    fig.tight_layout()
    return fig


def mutagenesis_curves(summary, title=""):
    """Accuracy against the number of mutated top positions, one panel per class.

    Parameters
    ----------
    summary : pandas.DataFrame
        From `mutagenesis.summary`: columns ``method``, ``class``, ``step`` (ordered
        categories "0" ... "all"), ``accuracy``, ``lo``, ``hi``. The ``random`` method is drawn
        as its mean with the interval shaded.
    """
    _style()
    classes = list(dict.fromkeys(summary["class"]))
    steps = list(summary["step"].cat.categories) if hasattr(summary["step"], "cat") else \
        list(dict.fromkeys(summary["step"]))
    x = {s: i for i, s in enumerate(steps)}
    methods = [m for m in dict.fromkeys(summary["method"]) if m != "random"]
    colours = dict(zip(methods, sns.color_palette(PALETTE, len(methods))))
    fig, axes = plt.subplots(1, len(classes), figsize=(5.2 * len(classes), 3.8), squeeze=False,
                             sharey=True)
    for ax, cls in zip(axes[0], classes):
        part = summary[summary["class"] == cls]
        rand = part[part["method"] == "random"].sort_values("step")
        if len(rand):
            xs = [x[s] for s in rand["step"]]
            ax.fill_between(xs, rand["lo"], rand["hi"], color="grey", alpha=0.25,
                            label="random (95% of repeats)")
            ax.plot(xs, rand["accuracy"], color="grey", ls="--")
        for m in methods:
            rows = part[part["method"] == m].sort_values("step")
            ax.plot([x[s] for s in rows["step"]], rows["accuracy"], marker="o", ms=3,
                    color=colours[m], label=m)
        ax.set_xticks(range(len(steps)), steps)
        ax.set(title=f"{title} — {cls}" if title else cls, xlabel="mutated top positions (n)",
               ylabel="accuracy", ylim=(-0.02, 1.02))
    axes[0][-1].legend(fontsize="x-small", loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    return fig


def logos(found, title="", n=6):
    """Information-content logos of the first ``n`` motifs found (`motifs.FoundMotif`)."""
    from .motifs import logo

    _style()
    found = found[:n]
    if not found:
        return None
    cols = min(3, len(found))
    rows = -(-len(found) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.4 * cols, 1.8 * rows), squeeze=False)
    for ax in axes.flat[len(found):]:
        ax.axis("off")
    for ax, m in zip(axes.flat, found):
        logo(m.counts, ax=ax, title=f"{m.id}: {len(m.instances)} sites")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def positional_profile(profiles, marks=None, xlabel="position relative to the TSS (bp)",
                       title=""):
    """Mean score along aligned sequences, one line per method (each scaled to max 1).

    Parameters
    ----------
    profiles : dict of str to (numpy.ndarray, numpy.ndarray)
        Method -> (positions (L,), mean score (L,)).
    marks : dict of str to float, optional
        Vertical reference lines, label -> position (e.g. {"TATA box": -30}).
    """
    _style()
    fig, ax = plt.subplots(figsize=(9, 3.4))
    for name, (x, y) in profiles.items():
        peak = np.nanmax(np.abs(y))
        ax.plot(x, y / (peak if peak > 0 else 1), label=name, lw=1.2)
    for label, pos in (marks or {}).items():
        ax.axvline(pos, color="k", ls=":", lw=1)
        ax.text(pos, 1.02, label, ha="center", va="bottom", fontsize=8,
                transform=ax.get_xaxis_transform())
    ax.set(xlabel=xlabel, ylabel="mean score / max", title=title)
    ax.legend(fontsize="x-small", loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    return fig
