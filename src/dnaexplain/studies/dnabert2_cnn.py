"""DNABERT-2 against a CNN, after Kurth et al.: the analyses of the chapter "DNABERT-2,
AttnLRP and a CNN".

Both models of a task explain the same sequences for their true class. The steps, in the
chapter's order: the models and sequences (`models_and_sequences`), every map
(`explain`) and DNABERT-2's LRP map under each token-to-nucleotide strategy
(`strategy_maps`), faithfulness (`faithfulness`, `areas`), sparsity and complexity
(`map_measures`), the strategies side by side (`strategies_table`), agreement between the
models (`agreement`, `overlap_table`), the TATA box (`tata_sites`, `localisation`), the two
LRP maps compared (`model_tests`) and the paper's findings tested (`paper_tests`,
`claim_rows`); each ``*_summary`` function states a table's result in sentences.

The chapter's objects, as these functions take them:

trained : dict of (str, str) to training.Trained
    (model, task) -> the trained model, in the order of the runs.
samples : dict of str to data.Dataset
    Task -> the sequences compared, the same for every model of the task.
scores : dict of (str, str) to dict of str to numpy.ndarray, each shape (n, L)
    (model, task) -> method -> nucleotide scores of the task's n sequences.
lrp : dict of str to str
    Model -> the LRP map the paper compares (`lrp_maps`).
"""

import numpy as np
import pandas as pd

from .. import attribution, cache, claims, metrics, models, mutagenesis, training
from ..notation import number, p_value
from ..tokenizers import encode
from . import NAME, sequence_lengths

STRATEGY = "split"  # token to nucleotide mapping of the main comparison
STRATEGIES = ["split", "mean", "copy"]
TSS = 249  # prom_300: positions -249 ... +50 around the TSS
TATA = (TSS - 40, TSS - 20 + 1)  # the -40 ... -20 window, 21 bp
TATA_PATTERN = "TATAWAW"
EFFECT = 0.01  # smallest area between the curves read as a difference (1 percentage point)
BATCH = {"ism": 1024}  # ism: mutants per forward pass; other methods: sequences per pass
# the measures the two LRP maps are compared by: column -> (words, higher is better, effect)
MEASURES = {
    "area between curves": ("faithfulness (area between the curves)", True, EFFECT),
    "gini": ("sparsity (Gini)", True, 0),
    "entropy": ("complexity (entropy)", False, 0),
    "window enrichment": ("localisation (enrichment in −40 … −20, promoters)", True, 0),
    "TATAWAW enrichment": ("localisation (enrichment on TATAWAW, promoters)", True, 0),
}
NO_DNABERT2 = "No DNABERT-2 run in `compare_runs`."
_num = number("{:.3g}")


def label(model, method):
    """A map's name in figures and tables: ``"DNABERT-2 · attnlrp"``."""
    return f"{NAME.get(model, model)} · {method}"


def tidy(table, model, task):
    """A per-map table of one model on one task, with the columns figures group by.

    Parameters
    ----------
    table : pandas.DataFrame
        With a column ``method``.
    model, task : str
        E.g. ``"cnn"``, ``"prom_300_tata"``.

    Returns
    -------
    pandas.DataFrame
        `table` with ``task``, ``model`` (its name, `NAME`) and ``label`` (`label`) added.
    """
    return table.assign(task=task, model=NAME[model], label=[label(model, m) for m in table.method])


def lrp_maps(methods):
    """Each model's LRP map: the first of its methods with "lrp" in the name (AttnLRP on
    DNABERT-2, LRP on the CNN), else its first method.

    Parameters
    ----------
    methods : dict of str to list of str
        Model -> methods (`compare_methods`).

    Returns
    -------
    dict of str to str
    """
    return {m: next((x for x in ms if "lrp" in x), ms[0]) for m, ms in methods.items()}


def maps_compared(methods):
    """The sentence naming the maps a build compares, per model (`compare_methods`)."""
    per_model = "; ".join(
        f"{NAME.get(m, m)}: {', '.join(f'`{x}`' for x in ms)}" for m, ms in methods.items()
    )
    return f"Maps this build compares (`compare_methods`): {per_model}."


def both_models(keys):
    """The tasks that have a DNABERT-2 and a CNN run, in order.

    Parameters
    ----------
    keys : iterable of (str, str)
        (model, task) pairs, e.g. the keys of `trained` or `scores`.

    Returns
    -------
    list of str
    """
    keys = list(keys)
    return [t for t in with_dnabert2(keys) if ("cnn", t) in keys]


def with_dnabert2(keys):
    """The tasks that have a DNABERT-2 run, in the order they first appear in ``keys``
    ((model, task) pairs)."""
    keys = list(keys)
    return [t for t in dict.fromkeys(t for _, t in keys) if ("dnabert2", t) in keys]


def models_and_sequences(runs, train, n, seed=0, min_eval_per_class=500, max_sequences=0):
    """The models of the runs and, per task, the sequences all its models explain.

    Parameters
    ----------
    runs : list of str
        ``"model:dataset"`` runs (`compare_runs`).
    train : dict
        The profile's training settings (`training.settings_for`).
    n : int
        Sequences per class drawn from the evaluation part (fewer where a class has fewer).
    seed, min_eval_per_class, max_sequences
        As for `training.run`.

    Returns
    -------
    trained : dict of (str, str) to training.Trained
        (model, task) -> model, in the order of `runs`.
    samples : dict of str to data.Dataset
        Task -> the drawn sequences, tasks in the order they first appear in `runs`.
    table : pandas.DataFrame
        One row per run: ``task``, ``model``, then `training.runs_on_class`'s columns (its
        ``sequences explained`` named ``sequences compared``).
    """
    tasks = list(dict.fromkeys(run.split(":")[1] for run in runs))
    by_run, samples, tables = {}, {}, []
    for task in tasks:
        group = [run for run in runs if run.split(":")[1] == task]
        t, samples[task], table = training.runs_on_class(
            group,
            train,
            None,
            n,
            seed=seed,
            min_eval_per_class=min_eval_per_class,
            max_sequences=max_sequences,
        )
        by_run.update(t)
        tables.append(table)
    trained = {tuple(run.split(":")): by_run[run] for run in runs}
    table = pd.concat(
        [
            pd.DataFrame([{"task": task, "model": NAME[m]} for m, task in trained]),
            pd.concat(tables).loc[runs].reset_index(drop=True),
        ],
        axis=1,
    ).rename(columns={"sequences explained": "sequences compared"})
    return trained, samples, table


def explain(trained, samples, methods):
    """Every map of every model, for the true class of each sequence (cached).

    DNABERT-2's token scores reach the nucleotides by `STRATEGY`.

    Parameters
    ----------
    trained, samples
        See the module docstring.
    methods : dict of str to list of str
        Model -> methods (`compare_methods`).

    Returns
    -------
    dict of (str, str) to dict of str to numpy.ndarray, each shape (n, L)
        `scores`: (model, task) -> method -> nucleotide scores.
    """
    missing = sorted({m for m, _ in trained} - set(methods))
    if missing:
        raise ValueError(
            f"compare_methods has no methods for {', '.join(missing)}, which compare_runs "
            f"runs; add them, e.g. {{{missing[0]!r}: ['integrated_gradients', 'random']}}"
        )
    scores = {}
    for (model, task), t in trained.items():
        ds = samples[task]
        strategy = STRATEGY if model == "dnabert2" else "mean"  # ignored by the CNN
        scores[model, task] = {
            method: attribution.explain_all(
                t,
                ds.sequences,
                [method],
                target=ds.labels,
                strategy=strategy,
                batch_size=BATCH.get(method, attribution.BATCH_SIZE),
            )[method]
            for method in methods[model]
        }
    return scores


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


def faithfulness(trained, samples, scores, maps, lrp, ns, seed=0, precision="fp32"):
    """Drop of the explained class's probability as each map's most, and least, relevant
    positions are mutated (`mutagenesis.faithfulness`, cached).

    DNABERT-2 also runs its LRP map under copy, as ``"<method> (copy)"`` (mean is the same
    map for BPE tokens).

    Parameters
    ----------
    trained, samples, scores, lrp
        See the module docstring.
    maps : dict of str to dict of str to numpy.ndarray
        `strategy_maps`.
    ns : list of int
        Numbers of positions mutated.
    seed : int
    precision : str
        Of classifying the mutants (`mutagenesis_precision`).

    Returns
    -------
    pandas.DataFrame
        One row per map, order, n and sequence: ``method``, ``order`` (``"most"``,
        ``"least"``), ``n``, ``sequence``, ``drop``, ``task``, ``model``, ``label``.
    """
    drops = []
    for (model, task), t in trained.items():
        ds, mine = samples[task], dict(scores[model, task])
        if task in maps and model == "dnabert2":
            mine[f"{lrp[model]} (copy)"] = maps[task]["copy"]
        for order in ["most", "least"]:
            key = {
                "checkpoint": t.key,
                "sequences": ds.sequences,
                "targets": ds.labels,
                "scores": mine,
                "ns": ns,
                "order": order,
                "seed": seed,
                "per_sequence": True,
                "precision": precision,
            }
            table = cache.cached(
                "faithfulness",
                key,
                lambda: mutagenesis.faithfulness(
                    t.model,
                    t.tokenizer,
                    ds.sequences,
                    ds.labels,
                    mine,
                    ns=ns,
                    order=order,
                    seed=seed,
                    per_sequence=True,
                    precision=precision,
                ),
                code=["mutagenesis.py"],
            )
            drops.append(tidy(table, model, task))
    return pd.concat(drops, ignore_index=True)


def curves(drops):
    """Mean drop per map, order and n, without the copy maps (they are for the strategies).

    Parameters
    ----------
    drops : pandas.DataFrame
        `faithfulness`.

    Returns
    -------
    pandas.DataFrame
        Columns ``task``, ``model``, ``method``, ``label``, ``order``, ``n``, ``drop``.
    """
    mean = (
        drops.groupby(["task", "model", "method", "label", "order", "n"], sort=False)["drop"]
        .mean()
        .reset_index()
    )
    return mean[~mean.method.str.endswith("(copy)")]


def areas(drops):
    """Per sequence, the mean drop of each order and the area between the two curves.

    Parameters
    ----------
    drops : pandas.DataFrame
        `faithfulness`: every n of both orders for each map and sequence.

    Returns
    -------
    pandas.DataFrame
        One row per map and sequence: ``task``, ``model``, ``method``, ``label``,
        ``sequence``, ``mean drop, most first``, ``mean drop, least first`` (`metrics.mean_drop`)
        and ``area between curves`` (`metrics.area_between_curves`).
    """
    # per sequence: the drop at every step, most and least relevant first, side by side
    wide = drops.pivot_table(
        index=["task", "model", "method", "label", "sequence"],
        columns=["order", "n"],
        values="drop",
        sort=False,
    )
    most, least = wide["most"], wide["least"]
    return pd.DataFrame(
        {
            "mean drop, most first": metrics.mean_drop(most.to_numpy()),
            "mean drop, least first": metrics.mean_drop(least.to_numpy()),
            "area between curves": metrics.area_between_curves(
                most.columns.to_numpy(), most.to_numpy(), least.to_numpy()
            ),
        },
        index=wide.index,
    ).reset_index()


def faithfulness_table(per_sequence):
    """`areas`' measures averaged over the sequences, indexed by task, model and method."""
    columns = ["mean drop, most first", "mean drop, least first", "area between curves"]
    return per_sequence.groupby(["task", "model", "method"], sort=False)[columns].mean()


def paired_areas(per_sequence, task, model, a, b):
    """Per-sequence areas between the curves of two maps of one model, paired by sequence.

    Parameters
    ----------
    per_sequence : pandas.DataFrame
        `areas`.
    task, model : str
        E.g. ``"prom_300_tata"``, ``"dnabert2"``.
    a, b : str
        Two of the model's methods.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray), each shape (n,)
    """
    part = per_sequence[(per_sequence.task == task) & (per_sequence.model == NAME[model])]
    return metrics.paired_values(part, "area between curves", a, b)


def map_measures(scores, samples):
    """Sparsity (Gini) and complexity (entropy) of every map, per sequence.

    Returns
    -------
    pandas.DataFrame
        `metrics.map_table`'s rows (``method``, ``sequence``, ``gini``, ``entropy``) with
        `tidy`'s columns.
    """
    return pd.concat(
        [
            tidy(metrics.map_table(maps, sequence_lengths(samples[task])), model, task)
            for (model, task), maps in scores.items()
        ],
        ignore_index=True,
    )


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


def agreement(scores, samples, k=None):
    """Mean agreement per sequence between every pair of maps of a task, both models'.

    Parameters
    ----------
    scores, samples
        See the module docstring.
    k : int, optional
        None: Spearman correlation; else the share of the top k positions in common.

    Returns
    -------
    dict of str to pandas.DataFrame
        Task -> `metrics.agreement`'s square table, by `label`.
    """
    tables = {}
    for task, ds in samples.items():
        maps = {
            label(m, method): s
            for (m, tk), ms in scores.items()
            if tk == task
            for method, s in ms.items()
        }
        tables[task] = metrics.agreement(maps, sequence_lengths(ds), k=k)
    return tables


def overlap_table(scores, samples, spearman, overlaps, lrp, k):
    """Agreement between a DNABERT-2 map and a CNN map: the two LRP maps, and each method
    both models run.

    Parameters
    ----------
    scores, samples, lrp
        See the module docstring.
    spearman, overlaps : dict of str to pandas.DataFrame
        `agreement` without and with `k`.
    k : int

    Returns
    -------
    pandas.DataFrame
        One row per task and pair: ``task``, ``DNABERT-2``, ``CNN`` (the methods),
        ``Spearman``, ``top-<k> overlap`` and ``chance``, the overlap two random maps have in
        expectation (k / L, averaged over the sequences).
    """
    rows = []
    for task in both_models(scores):
        a, b = scores["dnabert2", task], scores["cnn", task]
        lengths = sequence_lengths(samples[task])
        for ma, mb in dict.fromkeys(
            [(lrp["dnabert2"], lrp["cnn"])] + [(m, m) for m in a if m in b]
        ):
            pair = label("dnabert2", ma), label("cnn", mb)
            rows.append(
                {
                    "task": task,
                    "DNABERT-2": ma,
                    "CNN": mb,
                    "Spearman": spearman[task].loc[pair],
                    f"top-{k} overlap": overlaps[task].loc[pair],
                    "chance": np.mean(np.minimum(k, lengths) / lengths),
                }
            )
    return pd.DataFrame(rows)


def tata_tasks(samples):
    """The tasks aligned on the TSS (``prom_300*``), where the TATA box can be looked for."""
    return [t for t in samples if t.startswith("prom_300")]


def _tata_regions(ds):
    """TATAWAW matches and the −40 … −20 window, each (n, L) bool."""
    sites = metrics.motif_mask(ds.sequences, TATA_PATTERN, int(sequence_lengths(ds).max()))
    window = np.zeros_like(sites)
    window[:, TATA[0] : TATA[1]] = True
    return sites, window


def tata_sites(samples):
    """Per class, the share of sequences with a TATAWAW match, and with one in −40 … −20.

    Returns
    -------
    dict of str to pandas.DataFrame
        Task (`tata_tasks`) -> one row per class, indexed by its name; columns ``with a
        TATAWAW match`` and ``with one in −40 … −20``.
    """
    tables = {}
    for task in tata_tasks(samples):
        ds = samples[task]
        sites, window = _tata_regions(ds)
        anywhere, in_window = sites.any(1), (sites & window).any(1)
        found = pd.DataFrame({"with a TATAWAW match": anywhere, "with one in −40 … −20": in_window})
        tables[task] = found.groupby(ds.labels).mean().set_axis(ds.classes).rename_axis(task)
    return tables


def tata_summary(checks):
    """Markdown: how often promoters and non-promoters carry a TATAWAW in −40 … −20, and
    what that means for the measures; one paragraph per task.

    Parameters
    ----------
    checks : dict of str to pandas.DataFrame
        `tata_sites`: classes ``promoter`` and ``non-promoter``.

    Returns
    -------
    str
        The paragraphs, or a sentence saying there is no ``prom_300`` task.
    """
    lines = []
    for task, check in checks.items():
        share = check["with one in −40 … −20"]
        # a box the non-promoters carry as often cannot tell the classes apart
        common = share["non-promoter"] >= 0.5 * share["promoter"]
        lines.append(
            f"In the `{task}` sequences compared here, {share['promoter']:.0%} of the promoters "
            f"and {share['non-promoter']:.0%} of the non-promoters carry a strict TATAWAW in "
            "−40 … −20. A strict consensus match misses boxes that differ from it at one "
            "position, and "
            + (
                "the non-promoters carry it about as often, so the box alone cannot separate "
                "the classes here; a model may learn it as one piece of evidence among others."
                if common
                else "the non-promoters carry it less often, so it is evidence a model can use."
            )
            + " The enrichment measures below are therefore about where a map puts its "
            "relevance on promoters, not a test a model must pass."
        )
    return "\n\n".join(lines) or "No `prom_300` task in `compare_runs`."


def localisation(scores, samples):
    """Where each map puts its positive relevance on the promoters of the TSS-aligned tasks.

    Returns
    -------
    pandas.DataFrame
        `metrics.localisation_table`'s rows on the promoters (``method``, ``sequence``,
        ``window share``, ``window enrichment``, ``TATAWAW share``, ``TATAWAW enrichment``),
        with `tidy`'s columns; empty, with the columns later steps read, without such a task.
    """
    parts = []
    for task in tata_tasks(samples):
        ds = samples[task]
        sites, window = _tata_regions(ds)
        promoters = ds.labels == ds.classes.index("promoter")
        for (model, tk), maps in scores.items():
            if tk == task:
                table = metrics.localisation_table(
                    maps, {"window": window, "TATAWAW": sites}, sequence_lengths(ds)
                )
                parts.append(tidy(table[promoters[table.sequence]], model, task))
    if not parts:
        columns = ["task", "model", "method", "label", "window share", "window enrichment"]
        return pd.DataFrame(columns=[*columns, "TATAWAW enrichment"])
    return pd.concat(parts, ignore_index=True)


def promoter_profiles(scores, samples):
    """Mean scaled score along the promoters of each TSS-aligned task, per map but random.

    Returns
    -------
    list of dict
        The arguments of `plots.region_profiles`, one figure per task: ``panels`` (model
        name -> method -> (positions relative to the TSS, mean profile), each shape (L,)),
        ``region`` (the −40 … −20 window), ``marks`` and ``title``.
    """
    figures = []
    for task in tata_tasks(samples):
        ds = samples[task]
        keep = ds.labels == ds.classes.index("promoter")
        panels = {}
        for (model, tk), maps in scores.items():
            for method, s in maps.items():
                if tk == task and method != "random":
                    panels.setdefault(NAME[model], {})[method] = (
                        np.arange(s.shape[1]) - TSS,
                        metrics.mean_profile(s[keep]),
                    )
        figures.append(
            {
                "panels": panels,
                "region": (TATA[0] - TSS - 0.5, TATA[1] - TSS - 0.5),
                "marks": {"TSS": 0, "−30": -30},
                "title": f"{task}: mean scaled score over the promoters (shaded: −40 … −20)",
            }
        )
    return figures


def localisation_means(table):
    """`localisation`'s measures averaged over the promoters, by task, model and method."""
    if not len(table):
        return table
    columns = ["window share", "window enrichment", "TATAWAW enrichment"]
    return table.groupby(["task", "model", "method"], sort=False)[columns].mean()


def model_tests(tasks, per_sequence, measures, located, lrp, seed=0):
    """DNABERT-2's LRP map against the CNN's (or the map `lrp` names for each), per task and
    measure (`MEASURES`), paired by sequence; all comparisons one family
    (`metrics.paired_comparisons`).

    Parameters
    ----------
    tasks : list of str
        The tasks with both models (`both_models`).
    per_sequence, measures, located : pandas.DataFrame
        `areas`, `map_measures`, `localisation`.
    lrp : dict of str to str
        The map of each model: `lrp_maps`, or the CNN's ``deep_lift_shap`` in its place.
    seed : int

    Returns
    -------
    pandas.DataFrame
        Indexed by (task, measure), for the measures a task has; columns ``n``, ``mean_a``
        (DNABERT-2), ``mean_b`` (CNN), ``estimate``, ``lo``, ``hi``, ``p``, ``p_adjusted``.
    """
    a, b = label("dnabert2", lrp.get("dnabert2")), label("cnn", lrp.get("cnn"))
    tables = {
        "area between curves": per_sequence,
        "gini": measures,
        "entropy": measures,
        "window enrichment": located,
        "TATAWAW enrichment": located,
    }
    pairs = {
        (task, column): metrics.paired_values(table[table.task == task], column, a, b, key="label")
        for task in tasks
        for column, table in tables.items()
        if (table.task == task).any()
    }
    if not pairs:
        return pd.DataFrame(
            columns=["n", "mean_a", "mean_b", "estimate", "lo", "hi", "p", "p_adjusted"]
        )
    return metrics.paired_comparisons(pairs, seed=seed)


def model_summary(tasks, tests, spearman, lrp):
    """Markdown: per task, each measure of the two maps compared (the LRP maps of `lrp_maps`,
    or another CNN map in their place) and its verdict, then their agreement.

    Parameters
    ----------
    tasks : list of str
        `both_models`.
    tests : pandas.DataFrame
        `model_tests`.
    spearman : dict of str to pandas.DataFrame
        `agreement`.
    lrp : dict of str to str

    Returns
    -------
    str
        The lists, or a sentence saying no task has both models.
    """
    a, b = label("dnabert2", lrp.get("dnabert2")), label("cnn", lrp.get("cnn"))
    lines = []
    for task in tasks:
        lines.append(f"\n**{task}** (`{a}` against `{b}`)\n")
        for column, (name, high, effect) in MEASURES.items():
            if (task, column) not in tests.index:
                continue
            r = tests.loc[(task, column)]
            said = metrics.verdict(r, "DNABERT-2", "the CNN", high, effect)
            lines.append(
                f"- {name}: DNABERT-2 {r.mean_a:.3g}, CNN {r.mean_b:.3g} over {r.n:.0f} "
                f"sequences — {said}."
            )
        lines.append(
            f"- agreement between the two maps: mean Spearman correlation "
            f"{spearman[task].loc[a, b]:.3f} (not a quality measure)."
        )
    return "\n".join(lines) or "`compare_runs` has no task with both models."


def paper_tests(scores, per_sequence, located, lrp, seed=0):
    """The paper's findings on DNABERT-2, per task: AttnLRP's area between the curves against
    the random map's (0 without one), and its enrichment in −40 … −20 against 1; one family.

    Parameters
    ----------
    scores, lrp
        See the module docstring.
    per_sequence, located : pandas.DataFrame
        `areas`, `localisation`.
    seed : int

    Returns
    -------
    pandas.DataFrame or None
        Indexed by (task, ``"faithful"`` or ``"biology"``), `metrics.paired_comparisons`'
        columns; None without a DNABERT-2 run.
    """
    method, checks = lrp.get("dnabert2"), {}
    for task in with_dnabert2(scores):
        has_random = "random" in scores["dnabert2", task]
        area, other = paired_areas(
            per_sequence, task, "dnabert2", method, "random" if has_random else method
        )
        checks[task, "faithful"] = (area, other if has_random else np.zeros_like(area))
        loc = located[(located.task == task) & (located.label == label("dnabert2", method))]
        if len(loc):
            values = loc["window enrichment"].to_numpy()
            checks[task, "biology"] = (values, np.ones_like(values))
    return metrics.paired_comparisons(checks, seed=seed) if checks else None


def claim_rows(paper, models_compared, lrp):
    """The rows of the What replicates page: the paper's findings, and which model
    localises the TATA box.

    Parameters
    ----------
    paper : pandas.DataFrame or None
        `paper_tests`.
    models_compared : pandas.DataFrame
        `model_tests`.
    lrp : dict of str to str

    Returns
    -------
    list of dict
        `claims.claim` rows.
    """
    said = {
        "faithful": (
            "AttnLRP's maps of DNABERT-2 are faithful: mutating their top positions "
            "lowers p(class) more than a random map's (area between the curves)"
        ),
        "biology": (
            "AttnLRP's maps of DNABERT-2 on TATA promoters put their relevance on the "
            "TATA box region (-40 ... -20) more than an even spread"
        ),
    }
    rows = (
        []
        if paper is None
        else [
            claims.claim(
                f"{said[kind]} ({task})",
                "Kurth et al., faithfulness and TATA analyses",
                f"{_num(r.mean_a)} against {_num(r.mean_b)} ({r.n:.0f} sequences)",
                r.estimate,
                r.p,
                "greater",
                paper="not available offline",
                topic="tata box" if kind == "biology" else "",
            )
            for (task, kind), r in paper.iterrows()
        ]
    )
    where = {
        "window enrichment": "enrichment in −40 … −20",
        "TATAWAW enrichment": "enrichment on TATAWAW",
    }
    rows += [
        claims.claim(
            f"`{lrp['dnabert2']}` on DNABERT-2 localises the TATA box at least as "
            f"well as `{lrp['cnn']}` on the CNN ({where[column]}, {task})",
            "Kurth et al., comparison with a CNN",
            f"DNABERT-2 {_num(r.mean_a)}, CNN {_num(r.mean_b)} ({r.n:.0f} promoters)",
            r.estimate,
            r.p,
            "not less",
            paper="not available offline",
            topic="tata box",
        )
        for (task, column), r in models_compared.iterrows()
        if "enrichment" in column
    ]
    return rows


def faithful_sentence(r, reference):
    """AttnLRP's area between the curves against the reference, and the paper's finding.

    Parameters
    ----------
    r : pandas.Series
        A ``"faithful"`` row of `paper_tests`.
    reference : str
        What AttnLRP was compared with, e.g. ``"the random map's"``.

    Returns
    -------
    str
        A clause, without a final stop.
    """
    holds = r.p_adjusted < 0.05 and r.estimate >= EFFECT
    return (
        f"AttnLRP's area between the curves is {r.mean_a:.3g} against {reference} "
        f"{r.mean_b:.3g} (difference {r.estimate:+.3g}, 95 % interval {r.lo:+.3g} to "
        f"{r.hi:+.3g}, adjusted p = {p_value(r.p_adjusted)}): the paper's finding that "
        "AttnLRP's maps are faithful "
        + (
            "holds here"
            if holds
            else f"is not borne out here (that needs an adjusted p below 0.05 and a difference "
            f"of at least {EFFECT})"
            if r.estimate > 0
            else "does not hold here"
        )
    )


def tata_sentence(r):
    """AttnLRP's relevance on the TATA window, and the paper's finding on known biology.

    Parameters
    ----------
    r : pandas.Series
        A ``"biology"`` row of `paper_tests`.

    Returns
    -------
    str
        A clause, without a final stop.
    """
    above = r.p_adjusted < 0.05 and r.estimate > 0
    return (
        f"on the promoters it puts {r.mean_a:.2f} times the even share of its positive "
        f"relevance on −40 … −20, the TATA box region, "
        f"{'significantly' if above else 'not significantly'} above 1 "
        f"(adjusted p = {p_value(r.p_adjusted)}, {r.n:.0f} promoters): the paper's finding "
        "that the maps match known biology " + ("holds here" if above else "is not borne out here")
    )


def findings(paper, table, scores):
    """Markdown: per task with DNABERT-2, its accuracy and the paper's findings tested.

    Parameters
    ----------
    paper : pandas.DataFrame or None
        `paper_tests`.
    table : pandas.DataFrame
        `models_and_sequences`' table (``task``, ``model``, ``accuracy (evaluation part)``).
    scores : dict
        See the module docstring.

    Returns
    -------
    str
        One item per task, or `NO_DNABERT2`.
    """
    accuracy = table.set_index(["task", "model"])["accuracy (evaluation part)"]
    lines = []
    for task in with_dnabert2(scores):
        random = "random" in scores["dnabert2", task]
        line = (
            f"- `{task}`: DNABERT-2 classifies {accuracy[task, NAME['dnabert2']]:.1%} of the "
            f"evaluation part correctly; "
            + faithful_sentence(
                paper.loc[(task, "faithful")], "the random map's" if random else "0"
            )
        )
        if (task, "biology") in paper.index:
            line += f"; {tata_sentence(paper.loc[(task, 'biology')])}"
        lines.append(line + ".")
    return "\n".join(lines) or NO_DNABERT2


def training_note(train, table, tasks):
    """Markdown: a caveat for a DNABERT-2 trained from scratch (a named size, not a
    checkpoint), with both models' accuracies.

    Parameters
    ----------
    train : dict
        The profile's training settings.
    table : pandas.DataFrame
        `models_and_sequences`' table.
    tasks : list of str
        `both_models`.

    Returns
    -------
    str
        The paragraph, or "" for a pre-trained DNABERT-2.
    """
    source = train.get("dnabert2", {}).get("source", training.DEFAULTS["source"])
    if source not in models.DNABERT2_CONFIGS:
        return ""
    accuracy = table.set_index(["task", "model"])["accuracy (evaluation part)"]
    gaps = "; ".join(
        f"`{t}` {accuracy[t, NAME['dnabert2']]:.1%} against {accuracy[t, NAME['cnn']]:.1%}"
        for t in tasks
    )
    return (
        f"The DNABERT-2 here is the `{source}` configuration trained from scratch on a "
        "few thousand of the benchmark's sequences, not the pre-trained DNABERT-2-117M that "
        "the paper fine-tunes. Without pre-training on genomes a small transformer learns "
        "mostly composition and short motifs, and what it has learned is what its maps can "
        "show. "
        f"Accuracy on the evaluation part, DNABERT-2 against the CNN: {gaps}. The paper "
        "compares two well-trained models; where the models here differ much in accuracy, "
        "that difference is the first suspect for a difference between their maps, before the "
        "explanation methods. Run the `paper` profile on a GPU to explain the released "
        "checkpoint."
    )
