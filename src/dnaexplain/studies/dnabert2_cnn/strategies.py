"""DNABERT-2's token scores to nucleotides: each strategy's map, a check and an example,
and the strategies compared."""

import numpy as np
import pandas as pd

from ... import attribution, metrics
from ...tokenizers import encode
from .. import NAME, sequence_lengths
from .faithfulness import paired_areas
from .runs import EFFECT, NO_DNABERT2, STRATEGIES, STRATEGY, TATA, TATA_PATTERN, _num, label


def tokenizations(trained, samples):
    """The tokens of each task's sequences, for the tasks with a tokenising model.

    Returns
    -------
    dict of str to tokenizers.Tokenization
        Task -> tokens of its n sequences (of the last such model of the task).
    """
    return {
        task: encode(t.tokenizer, samples[task].sequences)
        for (_, task), t in trained.items()
        if t.tokenizer is not None
    }


def strategy_maps(trained, samples, scores, lrp):
    """DNABERT-2's LRP map under each token-to-nucleotide strategy (cached).

    Returns
    -------
    dict of str to dict of str to numpy.ndarray, each shape (n, L)
        Task -> strategy (`STRATEGIES`) -> nucleotide scores; `STRATEGY`'s is the map of
        `scores`. Only tasks with a DNABERT-2 run.
    """
    maps = {}
    for (model, task), t in trained.items():
        if model != "dnabert2":
            continue
        ds, method = samples[task], lrp[model]
        maps[task] = {STRATEGY: scores[model, task][method]}
        for strategy in STRATEGIES[1:]:
            maps[task][strategy] = attribution.explain_all(
                t, ds.sequences, [method], target=ds.labels, strategy=strategy
            )[method]
    return maps


def strategy_check(maps, tokens):
    """Markdown: how far mean and copy differ (0 for BPE tokens, which do not overlap) and
    how many nucleotides a token covers, one item per task.

    Parameters
    ----------
    maps : dict of str to dict of str to numpy.ndarray, each shape (n, L)
        `strategy_maps`.
    tokens : dict of str to tokenizers.Tokenization
        `tokenizations`.

    Returns
    -------
    str
        The items, or `NO_DNABERT2` without a task.
    """
    lines = []
    for task, by in maps.items():
        gap = np.abs(by["mean"] - by["copy"]).max()
        sizes = [e - s for row in tokens[task].spans.tolist() for s, e in row if s >= 0]
        lines.append(
            f"- `{task}`: mean and copy differ by at most {_num(gap)} over all positions; "
            f"DNABERT-2's tokens cover {np.mean(sizes):.1f} nucleotides on average "
            f"(from {min(sizes)} to {max(sizes)})."
        )
    return "\n".join(lines) or NO_DNABERT2


def strategy_example(samples, scores, maps, tokens, lrp):
    """One promoter's LRP map under each strategy, and the CNN's map of it.

    The promoter is the first of a ``prom_`` task with a TATAWAW in −40 … −20 (else the first
    promoter of that task, else of the first task with DNABERT-2); the window is the
    stretch around the box (the first 66 bp of a task without a TSS).

    Returns
    -------
    dict or None
        The arguments of `plots.strategy_tracks`; None without a DNABERT-2 run.
    """
    task = next((t for t in maps if t.startswith("prom_")), next(iter(maps), None))
    if task is None:
        return None
    ds = samples[task]
    promoter = ds.classes.index("promoter") if "promoter" in ds.classes else 1
    sites = metrics.motif_mask(ds.sequences, TATA_PATTERN)[:, TATA[0] : TATA[1]].any(1)
    picks = np.flatnonzero((ds.labels == promoter) & sites)
    i = picks[0] if len(picks) else int(np.flatnonzero(ds.labels == promoter)[0])
    tracks = {f"AttnLRP, {s}": maps[task][s][i] for s in STRATEGIES}
    if ("cnn", task) in scores:
        tracks[label("cnn", lrp["cnn"])] = scores["cnn", task][lrp["cnn"]][i]
    window = (max(0, TATA[0] - 20), min(len(ds.sequences[i]), TATA[1] + 25))
    if not task.startswith("prom_"):
        window = (0, min(66, len(ds.sequences[i])))
    return dict(
        tracks=tracks,
        sequence=ds.sequences[i],
        window=window,
        bounds=[s for s, _ in tokens[task].spans[i].tolist() if s >= 0],
        title=f"{task}, sequence {ds.index[i]} of the source (bp {window[0]}–{window[1] - 1})",
    )


def examples(samples, scores):
    """The first sequence of each class per task, with every map of every model.

    Returns
    -------
    list of dict
        The arguments of `plots.score_tracks`: ``scores`` (`label` -> scores, shape (L,)),
        ``sequence`` and ``title``.
    """
    figures = []
    for task, ds in samples.items():
        for c, name in enumerate(ds.classes):
            i = int(np.flatnonzero(ds.labels == c)[0])
            rows = {
                label(m, method): s[i]
                for (m, tk), maps in scores.items()
                if tk == task
                for method, s in maps.items()
            }
            title = f"{task} — {name}, sequence {ds.index[i]} of the source"
            figures.append({"scores": rows, "sequence": ds.sequences[i], "title": title})
    return figures


def strategies_table(maps, scores, tokens, samples, faithful, lrp, k):
    """The strategies judged by the same measures: sparsity, complexity, faithfulness and
    agreement with the CNN's LRP map, and the token level against the CNN summed per token.

    Parameters
    ----------
    maps, tokens
        `strategy_maps`, `tokenizations`.
    scores, samples, lrp
        See the module docstring.
    faithful : pandas.DataFrame
        `faithfulness_table`; mean reads copy's area, being the same map.
    k : int
        Top positions compared with the CNN's map.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``task`` and ``level`` (``"nucleotides, <strategy>"`` per strategy, then
        ``"tokens (CNN summed per token)"``); columns ``gini``, ``entropy``, ``area between
        curves``, ``Spearman with CNN`` and ``top-<k> overlap with CNN`` (NaN without a CNN).
    """
    columns = {
        "gini": "gini",
        "entropy": "entropy",
        "area between curves": "area between curves",
        "spearman": "Spearman with CNN",
        "overlap": f"top-{k} overlap with CNN",
    }
    parts = []
    for task, by in maps.items():
        cnn = scores.get(("cnn", task), {}).get(lrp.get("cnn"))
        on_tokens = [
            None if s is None else metrics.token_level(s, tokens[task]) for s in (by[STRATEGY], cnn)
        ]
        table = pd.concat(
            [
                metrics.map_table(
                    {f"nucleotides, {s}": m for s, m in by.items()},
                    sequence_lengths(samples[task]),
                    reference=cnn,
                    k=k,
                ),
                metrics.map_table(
                    {"tokens (CNN summed per token)": on_tokens[0]}, reference=on_tokens[1], k=k
                ),
            ]
        )
        table = table.groupby("method", sort=False).mean(numeric_only=True)
        area = faithful.loc[(task, NAME["dnabert2"]), "area between curves"]
        table["area between curves"] = table.index.map(
            {
                f"nucleotides, {s}": area.get(
                    lrp["dnabert2"] + ("" if s == STRATEGY else " (copy)"), np.nan
                )
                for s in by
            }
        )
        parts.append(table.rename_axis("level").reset_index().assign(task=task))
    table = pd.concat(parts) if parts else pd.DataFrame(columns=["task", "level"])
    return table.set_index(["task", "level"]).reindex(columns=list(columns)).rename(columns=columns)


def strategy_tests(per_sequence, maps, lrp, seed=0):
    """Split against copy on faithfulness: DNABERT-2's LRP map's areas between the curves,
    paired by sequence, one family over the tasks (`metrics.paired_comparisons`).

    Returns
    -------
    pandas.DataFrame
        Indexed by task; `metrics.paired_comparisons`' columns (a: split, b: copy).
    """
    method = lrp["dnabert2"]
    pairs = {
        task: paired_areas(per_sequence, task, "dnabert2", method, f"{method} (copy)")
        for task in maps
    }
    return metrics.paired_comparisons(pairs, seed=seed)


def strategy_summary(table, tests):
    """Markdown: split against copy, one item per task.

    Parameters
    ----------
    table : pandas.DataFrame
        `strategies_table`.
    tests : pandas.DataFrame
        `strategy_tests`.

    Returns
    -------
    str
        The items, or `NO_DNABERT2` without a task.
    """
    lines = []
    for task in tests.index:
        part = table.loc[task]
        split, copy = part.loc[f"nucleotides, {STRATEGY}"], part.loc["nucleotides, copy"]
        said = metrics.verdict(tests.loc[task], "split", "copy", effect=EFFECT)
        lines.append(
            f"- `{task}`: split gives Gini {split['gini']:.3f} against copy's "
            f"{copy['gini']:.3f}; area between the curves "
            f"{split['area between curves']:.3g} against "
            f"{copy['area between curves']:.3g}: {said}; Spearman correlation with the "
            f"CNN's map {split['Spearman with CNN']:.3f} against "
            f"{copy['Spearman with CNN']:.3f}, at token level "
            f"{part.iloc[-1]['Spearman with CNN']:.3f}."
        )
    return "\n".join(lines) or NO_DNABERT2
