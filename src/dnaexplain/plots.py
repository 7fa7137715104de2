"""The book's figures: plain functions that take tidy tables or arrays and return a Figure."""

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

PALETTE = "colorblind"


WIDTH = 9  # inches: wider figures shrink in the book's text column and their labels with them


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
    ax.legend(title="", loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="small")
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
        sns.histplot(
            part,
            x=value,
            hue="class",
            bins=bins,
            ax=ax,
            stat="density",
            common_norm=False,
            element="step",
            discrete=discrete,
        )
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
    fig, ax = plt.subplots(figsize=(WIDTH, 0.5 * len(frequencies) + 1.4))
    # percentages with one decimal: short enough to read in every cell at the column's width
    sns.heatmap(
        100 * frequencies,
        cmap="viridis",
        annot=True,
        fmt=".1f",
        annot_kws={"size": 9},
        cbar_kws={"label": "frequency (%)"},
        ax=ax,
    )
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
    ax.set_yticks(
        range(len(order)), [f"{'+' if labels[i] else '-'} seq {i}" for i in order], fontsize=7
    )
    ax.set(xlabel="position (bp)", title=title)
    ax.grid(False)
    fig.tight_layout()
    return fig


def learning_curves(histories):
    """Training loss per optimiser step and validation accuracy per epoch for several runs.

    Parameters
    ----------
    histories : dict of str to pandas.DataFrame
        Run name -> Trainer log history (columns ``step``, ``epoch``, ``loss``,
        ``eval_accuracy``). ``loss`` is the mean loss per optimiser step over the steps since
        the previous log, whatever the gradient accumulation (see `training.fine_tune`).
    """
    _style()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    for name, h in histories.items():
        train = h.dropna(subset=["loss"]) if "loss" in h else h.iloc[:0]
        evals = h.dropna(subset=["eval_accuracy"]) if "eval_accuracy" in h else h.iloc[:0]
        left.plot(train["step"], train["loss"], label=name, alpha=0.85)
        right.plot(evals["epoch"], evals["eval_accuracy"], marker="o", label=name)
    left.set(xlabel="optimiser step", ylabel="training loss", title="training loss")
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
        sns.heatmap(
            m / m.sum(1, keepdims=True),
            annot=m,
            fmt="d",
            cmap="Blues",
            vmin=0,
            vmax=1,
            cbar=False,
            xticklabels=classes[name],
            yticklabels=classes[name],
            ax=ax,
        )
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
    ax.set(
        ylabel="total / explained output (symlog)", title="relevance summed at each layer boundary"
    )
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
    fig, ax = plt.subplots(figsize=(WIDTH, 0.36 * len(names) + 1.4))
    im = ax.imshow(rows, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    ax.set_yticks(range(len(names)), names, fontsize=10)
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
    sns.heatmap(
        matrix,
        cmap="RdBu_r",
        vmin=-1,
        vmax=1,
        annot=True,
        fmt=".2f",
        annot_kws={"size": 7},
        square=True,
        cbar_kws={"shrink": 0.7},
        ax=ax,
    )
    ax.set(title=title, xlabel="", ylabel="")
    fig.tight_layout()
    return fig


def random_band(rand):
    """What the random band of one panel is, from the ``band`` of its most repeated row.

    n = 0 is one shared draw (one repeat) and n = all has its own number of random sequences,
    so neither says how the band of the mutated steps is made: the band is read from the
    mutated steps (n >= 1), from the one with the most repeats.

    Parameters
    ----------
    rand : pandas.DataFrame
        The ``random`` rows of `mutagenesis.summary` for one class (column ``band`` and, when
        present, ``n`` and ``repeats``).
    """
    rows = rand[rand["band"].astype(bool)]
    if "n" in rows and (rows["n"] > 0).any():
        rows = rows[rows["n"] > 0]
    if rows.empty:
        return "one repeat"
    if "repeats" in rows:
        return rows.loc[rows["repeats"].idxmax(), "band"]
    return rows["band"].iloc[-1]


def mutagenesis_curves(summary, title=""):
    """Accuracy against the number of mutated top positions, one panel per class.

    Parameters
    ----------
    summary : pandas.DataFrame
        From `mutagenesis.summary`: columns ``method``, ``class``, ``step`` (ordered
        categories "0" ... "all"), ``accuracy``, ``lo``, ``hi``, ``band``. The ``random``
        method is drawn as its mean with its band shaded, labelled with what the band is.
    """
    _style()
    classes = list(dict.fromkeys(summary["class"]))
    steps = (
        list(summary["step"].cat.categories)
        if hasattr(summary["step"], "cat")
        else list(dict.fromkeys(summary["step"]))
    )
    x = {s: i for i, s in enumerate(steps)}
    methods = [m for m in dict.fromkeys(summary["method"]) if m != "random"]
    colours = dict(zip(methods, sns.color_palette(PALETTE, len(methods))))
    # the palette's oranges and pinks are close: a marker per method tells them apart
    markers = dict(zip(methods, "osD^vPX*<>" * (1 + len(methods) // 10)))
    fig, axes = plt.subplots(
        1, len(classes), figsize=(5.2 * len(classes), 3.8), squeeze=False, sharey=True
    )
    for ax, cls in zip(axes[0], classes):
        part = summary[summary["class"] == cls]
        rand = part[part["method"] == "random"].sort_values("step")
        if len(rand):
            xs = [x[s] for s in rand["step"]]
            band = random_band(rand)
            ax.fill_between(
                xs, rand["lo"], rand["hi"], color="grey", alpha=0.25, label=f"random ({band})"
            )
            ax.plot(xs, rand["accuracy"], color="grey", ls="--")
        for m in methods:
            rows = part[part["method"] == m].sort_values("step")
            ax.plot(
                [x[s] for s in rows["step"]],
                rows["accuracy"],
                marker=markers[m],
                ms=4,
                color=colours[m],
                label=m,
            )
        ax.set_xticks(range(len(steps)), steps)
        ax.set(
            title=f"{title} — {cls}" if title else cls,
            xlabel="mutated top positions (n)",
            ylabel="accuracy",
            ylim=(-0.02, 1.02),
        )
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
    for ax in axes.flat[len(found) :]:
        ax.axis("off")
    for ax, m in zip(axes.flat, found):
        logo(m.counts, ax=ax, title=f"{m.id}: {len(m.instances)} sites")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def positional_profile(profiles, marks=None, xlabel="position relative to the TSS (bp)", title=""):
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
        ax.text(
            pos,
            1.02,
            label,
            ha="center",
            va="bottom",
            fontsize=8,
            transform=ax.get_xaxis_transform(),
        )
    ax.set(xlabel=xlabel, ylabel="mean score / max")
    ax.set_title(title, pad=18)  # above the marks' labels
    ax.legend(fontsize="x-small", loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    return fig


def strategy_tracks(tracks, bounds, sequence=None, title="", window=None):
    """Nucleotide scores of one sequence under several token-to-nucleotide strategies.

    One panel per strategy, scores drawn as steps, thin vertical lines at token boundaries, so
    that one sees how each strategy spreads a token's score over the positions it covers.

    Parameters
    ----------
    tracks : dict of str to numpy.ndarray, each shape (L,)
        Strategy (or any label) -> nucleotide scores of one sequence.
    bounds : iterable of int
        Start positions of the tokens (nucleotide indices).
    sequence : str, optional
        Written along the x axis when the window is at most 120 bp.
    window : tuple of 2 int, optional
        ``(start, end)`` to show only part of the sequence.
    """
    _style()
    names = list(tracks)
    length = len(np.asarray(tracks[names[0]]))
    start, end = window or (0, length)
    x = np.arange(start, end)
    fig, axes = plt.subplots(
        len(names), 1, figsize=(WIDTH, 1.5 * len(names) + 0.9), sharex=True, squeeze=False
    )
    colours = sns.color_palette(PALETTE, len(names))
    for ax, name, colour in zip(axes[:, 0], names, colours):
        y = np.asarray(tracks[name], dtype=float)[start:end]
        for b in bounds:
            if start <= b <= end:
                ax.axvline(b - 0.5, color="0.6", lw=0.6, zorder=0)
        ax.axhline(0, color="k", lw=0.6)
        ax.step(x, y, where="mid", color=colour, lw=1.4)
        ax.fill_between(x, y, step="mid", color=colour, alpha=0.25)
        ax.set_ylabel(name, fontsize=8)
        ax.grid(False)
    last = axes[-1, 0]
    if sequence is not None and end - start <= 120:
        last.set_xticks(x, list(sequence[start:end]), fontsize=6, family="monospace")
    else:
        last.set_xlabel("position (bp)")
    last.set_xlim(start - 0.5, end - 0.5)
    axes[0, 0].set_title(
        title + ("\n" if title else "") + "grey lines: token boundaries", fontsize=10
    )
    fig.tight_layout()
    return fig


def faithfulness_curves(table, title=""):
    """Mean drop of the target probability as positions are mutated, one panel per task.

    Solid lines mutate the most relevant positions first (steep is faithful), dashed lines the
    least relevant first (flat is faithful); the curves start at (0, 0).

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``task``, ``label`` (model and method), ``order`` ("most" / "least"), ``n``
        and ``drop``, e.g. `mutagenesis.faithfulness` tables stacked.
    """
    _style()
    tasks = list(dict.fromkeys(table["task"]))
    labels = list(dict.fromkeys(table["label"]))
    colours = dict(zip(labels, sns.color_palette(PALETTE, len(labels))))
    styles = {"most": "-", "least": "--"}
    fig, axes = plt.subplots(1, len(tasks), figsize=(5.4 * len(tasks), 3.9), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        part = table[table["task"] == task]
        for (label, order), rows in part.groupby(["label", "order"], sort=False):
            rows = rows.sort_values("n")
            ax.plot(
                [0, *rows["n"]],
                [0, *rows["drop"]],
                ls=styles.get(order, ":"),
                marker="o",
                ms=2.5,
                color=colours[label],
                lw=1.3,
            )
        ax.axhline(0, color="k", lw=0.6)
        ax.set(
            title=f"{title} — {task}" if title else task,
            xlabel="mutated positions (n)",
            ylabel="drop of p(target class)",
        )
    handles = [plt.Line2D([], [], color=colours[m], lw=2) for m in labels]
    handles += [plt.Line2D([], [], color="k", ls=s) for s in styles.values()]
    names = labels + ["most relevant first", "least relevant first"]
    axes[0][-1].legend(
        handles, names, fontsize="x-small", loc="center left", bbox_to_anchor=(1.01, 0.5)
    )
    fig.tight_layout()
    return fig


def metric_points(table, metrics, y="label", hue="task", reference=None, title=""):
    """Per-sequence measures as means with 95 % intervals, one panel per measure.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per sequence and map: a column ``y`` (e.g. "CNN · lrp"), a column ``hue``
        and the measure columns.
    metrics : dict of str to str
        Column -> axis label, in panel order.
    reference : dict of str to float, optional
        Column -> value drawn as a vertical dotted line (e.g. the share a flat map gives).
    """
    _style()
    order = list(dict.fromkeys(table[y]))
    several = table[hue].nunique() > 1
    fig, axes = plt.subplots(
        1,
        len(metrics),
        figsize=(4 * len(metrics) + 3.2, 0.34 * len(order) + 1.6),
        sharey=True,
        squeeze=False,
    )
    for ax, (column, label) in zip(axes[0], metrics.items()):
        part = table.dropna(subset=[column])
        if len(part):
            sns.pointplot(
                part,
                x=column,
                y=y,
                hue=hue,
                order=order,
                errorbar=("ci", 95),
                seed=0,  # the bootstrap of the bars, so a figure does not vary between runs
                linestyle="none",
                dodge=0.45 if several else False,
                markersize=4,
                err_kws={"linewidth": 1.2},
                ax=ax,
            )
        if reference and column in reference:
            ax.axvline(reference[column], color="k", ls=":", lw=1)
        ax.set(xlabel="", ylabel="")
        ax.set_title(label, fontsize=10)
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    handles, names = [], []
    for ax in axes[0]:
        h, n = ax.get_legend_handles_labels()
        for hh, nn in zip(h, n):
            if nn not in names:
                handles.append(hh)
                names.append(nn)
    if handles and several:
        axes[0][-1].legend(
            handles, names, fontsize="x-small", loc="center left", bbox_to_anchor=(1.01, 0.5)
        )
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def site_tracks(scores, sites, sequence=None, title="", window=None):
    """`score_tracks` with ground-truth intervals outlined across all rows and named on top.

    Parameters
    ----------
    scores : dict of str to numpy.ndarray, each shape (L,)
        Row label -> nucleotide scores of one sequence.
    sites : list of (int, int, str)
        ``(start, end, name)`` of each known site, end exclusive (e.g. `data.Site` fields).
    sequence, title, window
        As for `score_tracks`.
    """
    from matplotlib.patches import Rectangle

    fig = score_tracks(scores, sequence, title="", window=window)
    ax = fig.axes[0]
    start, end = window or (0, len(next(iter(scores.values()))))
    for s, e, name in sites:
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        ax.add_patch(
            Rectangle(
                (s - start - 0.5, -0.5),
                e - s,
                len(scores),
                fill=False,
                ec="black",
                lw=1.4,
                zorder=3,
            )
        )
        ax.text((s + e) / 2 - start - 0.5, -0.6, name, ha="center", va="bottom", fontsize=8)
    ax.set_title(title, pad=16)
    fig.tight_layout()
    return fig


def pruning_tradeoff(table, baselines=None):
    """Sparsity against faithfulness and against ground-truth accuracy as pruning grows.

    Two panels, x = mean Gini index: mean drop (left) and relevance mass accuracy (right); one
    line per run through its pruning fractions, each point labelled with its p.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``run``, ``p``, ``gini``, ``mean_drop``, ``mass_accuracy`` (one row per run
        and p).
    baselines : dict of str to dict, optional
        Run -> {"mean_drop": ..., "mass_accuracy": ...} drawn as dashed lines in the run's
        colour (e.g. the random order and the share of the sequence inside the ground truth).
    """
    _style()
    runs = list(dict.fromkeys(table["run"]))
    colours = dict(zip(runs, sns.color_palette(PALETTE, len(runs))))
    panels = [
        ("mean_drop", "mean drop (most relevant first)", "faithfulness"),
        ("mass_accuracy", "relevance mass accuracy", "relevance on the ground truth"),
    ]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.9))
    for ax, (column, label, heading) in zip(axes, panels):
        for run in runs:
            rows = table[table["run"] == run].sort_values("p")
            ax.plot(rows["gini"], rows[column], marker="o", ms=4, color=colours[run], label=run)
            for _, r in rows.iterrows():
                ax.annotate(
                    f"{r['p']:g}",
                    (r["gini"], r[column]),
                    textcoords="offset points",
                    xytext=(3, 4),
                    fontsize=7,
                    color=colours[run],
                )
            ref = (baselines or {}).get(run, {}).get(column)
            if ref is not None and np.isfinite(ref):
                ax.axhline(ref, color=colours[run], ls="--", lw=1, alpha=0.8)
        ax.set(xlabel="sparsity (mean Gini index)", ylabel=label, title=heading)
    axes[1].legend(fontsize="x-small", loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    return fig


def benchmark_ranking(summary, label="", chance=None, title=""):
    """Methods ranked by one measure, one panel per model: mean and interval per method.

    Parameters
    ----------
    summary : pandas.DataFrame
        Columns ``model``, ``method``, ``mean``, ``lo``, ``hi`` (e.g. from
        `metrics.bootstrap_summary`); each panel sorts its methods, best on top. ``random``
        is drawn in grey.
    label : str
        Name of the measure (x axis).
    chance : float, optional
        Value of an uninformative map, drawn as a dotted line (0.5 for AUROC).
    """
    _style()
    names = list(dict.fromkeys(summary["model"]))
    most = max(int((summary["model"] == m).sum()) for m in names) if names else 1
    fig, axes = plt.subplots(
        1,
        max(len(names), 1),
        figsize=(4.2 * max(len(names), 1), 0.32 * most + 1.4),
        squeeze=False,
        sharex=True,
    )
    for ax, name in zip(axes[0], names):
        rows = summary[summary["model"] == name].sort_values("mean", na_position="first")
        y = np.arange(len(rows))
        grey = rows["method"].eq("random").to_numpy()
        colour = ["grey" if g else sns.color_palette(PALETTE)[0] for g in grey]
        lo = (rows["mean"] - rows["lo"]).clip(lower=0).fillna(0)
        hi = (rows["hi"] - rows["mean"]).clip(lower=0).fillna(0)
        for yi, m, left, right, c in zip(y, rows["mean"], lo, hi, colour):
            ax.errorbar(m, yi, xerr=[[left], [right]], fmt="o", ms=4, color=c, capsize=2, lw=1.2)
        if chance is not None:
            ax.axvline(chance, color="k", ls=":", lw=1)
        ax.set_yticks(y, rows["method"], fontsize=8)
        ax.set(title=name, xlabel=label, ylim=(-0.6, len(rows) - 0.4))
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def region_profiles(
    panels, region=None, marks=None, xlabel="position relative to the TSS (bp)", title=""
):
    """Mean score along aligned sequences: one panel per group (e.g. model), one line per map.

    Each line is scaled to a largest absolute value of 1, so maps of different scales share
    an axis.

    Parameters
    ----------
    panels : dict of str to dict of str to (numpy.ndarray, numpy.ndarray)
        Panel title -> line label -> (positions (L,), mean score (L,)).
    region : tuple of 2 float, optional
        ``(start, end)`` shaded, in the units of the positions (e.g. the TATA window).
    marks : dict of str to float, optional
        Vertical dotted reference lines, label -> position, labelled inside the axes.
    """
    _style()
    fig, axes = plt.subplots(
        len(panels), 1, figsize=(10, 2.6 * len(panels) + 0.6), sharex=True, squeeze=False
    )
    for ax, (name, lines) in zip(axes[:, 0], panels.items()):
        colours = sns.color_palette(PALETTE, max(len(lines), 1))
        if region is not None:
            ax.axvspan(*region, color="0.85", zorder=0)
        for (label, (x, y)), colour in zip(lines.items(), colours):
            y = np.asarray(y, dtype=float)
            peak = np.nanmax(np.abs(y)) if len(y) else 0
            ax.plot(x, y / (peak if peak > 0 else 1), label=label, lw=1.1, color=colour)
        for text, pos in (marks or {}).items():
            ax.axvline(pos, color="k", ls=":", lw=1)
            ax.text(
                pos,
                0.04,
                f" {text}",
                fontsize=8,
                va="bottom",
                ha="left",
                transform=ax.get_xaxis_transform(),
            )
        ax.axhline(0, color="k", lw=0.5)
        ax.set(ylabel="mean score / max", title=name)
        ax.legend(fontsize="x-small", loc="center left", bbox_to_anchor=(1.01, 0.5))
    axes[-1, 0].set_xlabel(xlabel)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def motif_matches(pairs, title=""):
    """Logos of found motifs beside the JASPAR matrices they match, one row per motif.

    Parameters
    ----------
    pairs : list of (str, array-like of float (4, w), str, array-like of float (4, v), str)
        Per row: a label and the counts of the found motif; a label and the probabilities of
        its JASPAR match; the strand of the match (TOMTOM's: "-" draws the JASPAR matrix
        reverse-complemented, the way it aligns with the motif).

    Returns
    -------
    matplotlib.figure.Figure or None
        None when there is no pair.
    """
    from .motifs import logo

    if not pairs:
        return None
    _style()
    fig, axes = plt.subplots(
        len(pairs),
        2,
        figsize=(11, 1.9 * len(pairs)),
        squeeze=False,
        gridspec_kw={"width_ratios": [3, 2]},
    )
    for (left, right), (label, counts, name, probs, strand) in zip(axes, pairs):
        logo(counts, ax=left, title=label)
        p = np.asarray(probs, dtype=np.float64)
        flip = strand == "-"
        logo(
            p[::-1, ::-1] if flip else p,
            ax=right,
            title=f"{name} (reverse complement)" if flip else name,
        )
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def randomisation_curves(summary, threshold=0.5):
    """The sanity check's classic figure: similarity of each method's map to the trained
    model's as the weights go random, one panel per model and order.

    Parameters
    ----------
    summary : pandas.DataFrame
        `randomisation.summary` tables stacked, with columns ``model``, ``order``,
        ``method``, ``step``, ``block``, ``spearman``, ``lo`` and ``hi``.
    threshold : float
        Rank correlation above which a map is flagged (dotted line).
    """
    _style()
    panels = list(dict.fromkeys(zip(summary["model"], summary["order"])))
    methods = list(dict.fromkeys(summary["method"]))
    colours = dict(zip(methods, sns.color_palette(PALETTE, len(methods))))
    fig, axes = plt.subplots(1, len(panels), figsize=(WIDTH, 4.2), squeeze=False, sharey=True)
    for ax, (model, order) in zip(axes[0], panels):
        part = summary[(summary["model"] == model) & (summary["order"] == order)]
        for method, rows in part.groupby("method", sort=False):
            rows = rows.sort_values("step")
            c = colours[method]
            ax.plot(rows["step"], rows["spearman"], marker="o", ms=3, lw=1.3, color=c)
            ax.fill_between(rows["step"], rows["lo"], rows["hi"], color=c, alpha=0.15, lw=0)
        steps = part.drop_duplicates("step").sort_values("step")
        names = ["trained", *(_block_name(b) for b in steps["block"].iloc[1:])]
        ax.set_xticks(steps["step"], names, rotation=60, ha="right", fontsize="x-small")
        ax.axhline(threshold, color="k", lw=0.6, ls=":")
        ax.axhline(0, color="k", lw=0.6)
        ax.set(title=f"{model}, {order}", ylim=(-0.3, 1.05))
    axes[0][0].set_ylabel("Spearman with the trained map")
    handles = [plt.Line2D([], [], color=colours[m], lw=2) for m in methods]
    axes[0][-1].legend(
        handles, methods, fontsize="x-small", loc="center left", bbox_to_anchor=(1.01, 0.5)
    )
    fig.tight_layout()
    return fig


def _block_name(block):
    """A block as a tick reads it: ``bert.encoder.layer.3`` -> ``layer 3``."""
    parts = block.split(".")
    return f"{parts[-2]} {parts[-1]}" if parts[-1].isdigit() else parts[-1]
