# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # DNABERT-2, AttnLRP and a CNN
#
# {term}`DNABERT-2 <DNABERT>` {cite}`zhou2024dnabert2` drops two things the earlier chapters relied on. Its
# tokens come from {term}`byte-pair encoding` (BPE): a token covers a variable number of nucleotides,
# and tokens do not overlap, where DNABERT's {term}`6-mers <k-mer>` overlap by five. And attention is biased
# by distance (ALiBi) instead of position embeddings. Kurth, Yanez Sarmiento and Renard
# {cite}`kurth2026dnabert2` ask whether the explanations of such a genome language model are as
# trustworthy as those of a convolutional network (CNN), whose {term}`LRP` maps are known to pick out
# sequence {term}`motifs <motif>`. They adapt {term}`AttnLRP` {cite}`achtibat2024attnlrp` to DNABERT-2, propose ways
# to move {term}`relevance` between the token and the nucleotide level, and compare DNABERT-2's maps
# with a CNN's by {term}`faithfulness`, {term}`sparsity`, {term}`complexity`, agreement and biological localisation.
# They conclude that AttnLRP gives reliable explanations that match known biological
# patterns, as the CNN's do.
#
# This chapter runs that comparison on two promoter tasks: the non-TATA promoters of the
# earlier chapters and GUE's `prom_300_tata`, whose sequences are aligned on the transcription
# start site (TSS), so a known signal, the TATA box about 30 bp upstream, can be looked for.
#
# The maps that can be compared, on the same sequences (`compare_methods` picks, per model,
# which of them a {term}`profile` runs; this build's choice is printed below the settings):
#
# * **DNABERT-2**: AttnLRP (relevance at the word embeddings; bilinear products split their
#   relevance evenly between the factors, LayerNorm's scale held constant), {term}`CP-LRP`
#   ({term}`gradient × input` with attention probabilities, LayerNorm's scale and the gate of the gated MLP held
#   constant, GELU and tanh passing relevance unchanged, so it {term}`conserves <conservation>`),
#   {term}`integrated gradients`, {term}`in-silico saturation mutagenesis` (ISM: the drop of the target logit, averaged
#   over the three point mutants of a position; expensive, a reference) and {term}`random scores <random baseline>`;
# * **CNN**: its LRP composite (z⁺ rule on the convolutions, ε rule on the dense layers),
#   integrated gradients, ISM and random scores.
#
# The CNN scores nucleotides directly; DNABERT-2 scores tokens, which is the first problem.

# %% tags=["parameters"]
# None: the profile's value (params/<profile>.yml); see the page "Your data, your model"
profile: str = "cpu"  # parameter set: smoke, cpu, paper, or the path of your own YAML file
data_files: dict = None  # your datasets by file, e.g. {"mine": {"fasta": {"a": "a.fa", "b": "b.fa"}}}
compare_runs: list = None  # list of "model:dataset" runs, e.g. ["cnn:mine"]
train: dict = None  # settings per model, e.g. {"dnabert": {"source": "ckpt/", "finetune": False}}
compare_methods: dict = None  # methods per model, e.g. {"cnn": ["lrp", "ism", "random"]}
n_compare: int = None  # sequences per class compared (integer, 1 or more)

# %% tags=["hide-input"]
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from dnaexplain import (
    attribution,
    book,
    cache,
    claims,
    metrics,
    models,
    mutagenesis,
    params,
    plots,
    training,
)
from dnaexplain.tokenizers import encode

params.bind(globals())  # the profile's values, yours laid over, all checked
book.setup("{:.3g}")  # tables: 3 significant digits, no row numbers; warnings as admonitions
num = book.number("{:.3g}")  # a number in a sentence or a table cell's text: 3.9×10⁻⁶

NAME = {"dnabert2": "DNABERT-2", "cnn": "CNN", "dnabert": "DNABERT"}
# each model's LRP map: the one the paper compares (AttnLRP on DNABERT-2, LRP on the CNN)
LRP = {m: next((x for x in ms if "lrp" in x), ms[0]) for m, ms in compare_methods.items()}
STRATEGY = "split"  # token to nucleotide mapping of the main comparison (see below)
STRATEGIES = ["split", "mean", "copy"]
TSS = 249  # prom_300: positions -249 ... +50 around the TSS
TATA = (TSS - 40, TSS - 20 + 1)  # the -40 ... -20 window, 21 bp
TATA_PATTERN = "TATAWAW"
TOP_K = max(ns)  # top positions compared between maps
EFFECT = 0.01  # smallest area between the curves read as a difference (1 percentage point)
BATCH = {"ism": 1024}  # ism: mutants per forward pass; other methods: sequences per pass


def label(model_name, method):
    return f"{NAME.get(model_name, model_name)} · {method}"


def tidy(table, model_name, task):
    """A per-map table of one model on one task, with the columns figures group by."""
    return table.assign(task=task, model=NAME[model_name],
                        label=[label(model_name, m) for m in table.method])


display(Markdown("Maps this build compares (`compare_methods`): " + "; ".join(
    f"{NAME.get(m, m)}: {', '.join(f'`{x}`' for x in ms)}" for m, ms in compare_methods.items())
    + "."))


# %% [markdown]
# ## Models and sequences
#
# The models are trained (or loaded from the cache) by `training.run`, exactly as in the
# fine-tuning chapter. Both models of a task see the same data parts, so their evaluation parts
# are the same sequences; from it, `n_compare` sequences per class are drawn (fewer where a
# class has fewer), and every map below is computed on those.
#
# **Which class is explained.** Every map, and the faithfulness test, follows the *true*
# class of the sequence. The predicted class would make two models answer different questions
# wherever they disagree, and the comparison of their maps is the point of this chapter; with
# the true class, both maps explain the same output of the same sequence, right or wrong.

# %% tags=["hide-input"]
tasks = list(dict.fromkeys(run.split(":")[1] for run in compare_runs))
by_run, samples, tables = {}, {}, []
for task in tasks:
    runs = [run for run in compare_runs if run.split(":")[1] == task]
    t, samples[task], table = training.runs_on_class(
        runs, train, None, n_compare, seed=seed, min_eval_per_class=min_eval_per_class,
        max_sequences=max_sequences)
    by_run.update(t)
    tables.append(table)
trained = {tuple(run.split(":")): by_run[run] for run in compare_runs}
lengths = {task: np.array([len(s) for s in ds.sequences]) for task, ds in samples.items()}
both = [t for t in tasks if ("dnabert2", t) in trained and ("cnn", t) in trained]
models_table = pd.concat(
    [pd.DataFrame([{"task": task, "model": NAME[m]} for m, task in trained]),
     pd.concat(tables).loc[compare_runs].reset_index(drop=True)], axis=1).rename(
    columns={"sequences explained": "sequences compared"})
models_table

# %% [markdown]
# ## From tokens to nucleotides
#
# A token-level map has to be moved to nucleotides before it can be set beside a CNN's, mutated
# position by position, or laid over a TATA box. `positions.to_nucleotides` offers three ways.
# For a token $t$ with score $s_t$ covering $|t|$ nucleotides:
#
# * **copy**: every nucleotide of $t$ gets $s_t$; a nucleotide covered by several tokens gets
#   their sum;
# * **mean**: every nucleotide gets the mean score of the tokens covering it — DNABERT's
#   convention for overlapping $k$-mers;
# * **split**: every nucleotide of $t$ gets $s_t / |t|$, so nucleotide scores add up to the
#   token scores and the map stays conservative.
#
# BPE tokens do not overlap: each nucleotide lies in exactly one token, so **mean and copy are
# the same map** for DNABERT-2 (they differ only for $k$-mers). Split differs from them by the
# factor $1/|t|$, which changes more than the scale: it changes the *ranking* of positions. A
# 10-nucleotide token with score 1 ranks all ten of its positions above a 1-nucleotide token
# with score 0.5 under copy, and below it under split (0.1 against 0.5). Copy lets long tokens
# dominate and inflates the total relevance by the token lengths; split keeps the total, so
# the nucleotide map carries exactly the relevance LRP assigned to the tokens (conservation
# survives the move), and it is the strategy of the main comparison below. The other direction,
# nucleotides to tokens, sums a nucleotide map over each token (`metrics.token_level`); it
# undoes split exactly and lets the CNN's map be read on DNABERT-2's tokens.
#
# Here, DNABERT-2's maps are computed under each strategy (cached; mean and copy are kept
# separate to check that they agree).

# %% tags=["hide-input"]
scores, tokens = {}, {}
for (model_name, task), t in trained.items():
    ds = samples[task]
    strategy = STRATEGY if model_name == "dnabert2" else "mean"  # ignored by the CNN
    scores[model_name, task] = {
        method: attribution.explain_all(
            t, ds.sequences, [method], target=ds.labels, strategy=strategy,
            batch_size=BATCH.get(method, attribution.BATCH_SIZE))[method]
        for method in compare_methods[model_name]}
    if t.tokenizer is not None:
        tokens[task] = encode(t.tokenizer, ds.sequences)

by_strategy = {}
for (model_name, task), t in trained.items():
    if model_name != "dnabert2":
        continue
    ds, method = samples[task], LRP[model_name]
    by_strategy[task] = {STRATEGY: scores[model_name, task][method]}
    for strategy in STRATEGIES[1:]:
        by_strategy[task][strategy] = attribution.explain_all(
            t, ds.sequences, [method], target=ds.labels, strategy=strategy)[method]

# %% tags=["hide-input"]
lines = []
for task, maps in by_strategy.items():
    gap = np.abs(maps["mean"] - maps["copy"]).max()
    sizes = [e - s for row in tokens[task].spans.tolist() for s, e in row if s >= 0]
    lines.append(f"- `{task}`: mean and copy differ by at most {num(gap)} over all positions; "
                 f"DNABERT-2's tokens cover {np.mean(sizes):.1f} nucleotides on average "
                 f"(from {min(sizes)} to {max(sizes)}).")
display(Markdown("\n".join(lines) or "No DNABERT-2 run in `compare_runs`."))

# %% [markdown]
# The three strategies on a stretch of one TATA promoter: the same AttnLRP token scores, spread
# over the nucleotides of each token (grey lines mark where tokens start), and the CNN's LRP
# map of the same sequence for reference.

# %% tags=["hide-input"]
# the example: the first promoter of a prom_ task with a TATAWAW in -40 ... -20 (else the
# first promoter of the first task), its AttnLRP map under each strategy and the CNN's map,
# on the stretch around the box (the first 66 bp of a task without one)
example_task = next((t for t in by_strategy if t.startswith("prom_")),
                    next(iter(by_strategy), None))
example = None
if example_task is not None:
    ex = samples[example_task]
    promoter = ex.classes.index("promoter") if "promoter" in ex.classes else 1
    sites = metrics.motif_mask(ex.sequences, TATA_PATTERN)[:, TATA[0]:TATA[1]].any(1)
    picks = np.flatnonzero((ex.labels == promoter) & sites)
    i = picks[0] if len(picks) else int(np.flatnonzero(ex.labels == promoter)[0])
    tracks = {f"AttnLRP, {s}": by_strategy[example_task][s][i] for s in STRATEGIES}
    if ("cnn", example_task) in scores:
        tracks[label("cnn", LRP["cnn"])] = scores["cnn", example_task][LRP["cnn"]][i]
    window = (max(0, TATA[0] - 20), min(len(ex.sequences[i]), TATA[1] + 25))
    if not example_task.startswith("prom_"):
        window = (0, min(66, len(ex.sequences[i])))
    example = dict(tracks=tracks, sequence=ex.sequences[i], window=window,
                   bounds=[s for s, _ in tokens[example_task].spans[i].tolist() if s >= 0],
                   title=f"{example_task}, sequence {ex.index[i]} of the source "
                         f"(bp {window[0]}–{window[1] - 1})")

# %%
if example is not None:
    plots.strategy_tracks(**example);

# %% [markdown]
# ## Every map on the same sequences
#
# One sequence of each class per task, every map of both models, each row scaled to a largest
# absolute score of 1. DNABERT-2's gradient and LRP maps show the token structure (blocks of
# equal score, since every nucleotide of a token gets the same share); ISM, on the models
# whose `compare_methods` include it, scores each nucleotide on its own.

# %%
for task in tasks:
    ds = samples[task]
    for c, name in enumerate(ds.classes):
        i = int(np.flatnonzero(ds.labels == c)[0])
        rows = {label(m, method): s[i] for (m, tk), maps in scores.items() if tk == task
                for method, s in maps.items()}
        plots.score_tracks(rows, ds.sequences[i],
                           title=f"{task} — {name}, sequence {ds.index[i]} of the source")

# %% [markdown]
# ## Faithfulness
#
# A faithful map names the positions the model's output depends on. As in the {term}`mutagenesis`
# chapter, the $n$ highest-scoring positions of each sequence are changed to a random other
# base (ties broken at random), the mutant is classified again and the drop of the probability
# of the explained class is recorded. Mutating the *least* relevant positions first is the
# contrast: a faithful map loses little there. Two summaries of the curves, per sequence:
#
# * the **{term}`mean drop`** over the steps $n$ of one curve (most relevant first, or least). Over a
#   few uneven steps this is a coarse summary, not the {term}`AOPC` of Samek et al., which averages
#   over every step;
# * the **{term}`area between the curves <area between curves>`**, as in AttnLRP's protocol: how far the probability stays
#   higher when the least relevant positions go first than when the most relevant do,
#   integrated over $n$ from 0 to `max(ns)` (trapezoids, $n = 0$ included, where both curves
#   start) and divided by `max(ns)` (`metrics.area_between_curves`). It contrasts a map with
#   itself: a random map's two orders are both random, so its area is 0 in expectation for any
#   model, and a map that puts the evidence at the bottom scores below 0. This is the measure
#   faithfulness is ranked by here.
#
# Both depend on the model as well as on the map: a model that shrugs off point mutations has
# small values for every map. ISM measures the effect of single mutations directly, so it is
# close to an upper reference for small $n$.

# %% tags=["hide-input"]
drops = []
for (model_name, task), t in trained.items():
    ds, maps = samples[task], dict(scores[model_name, task])
    if task in by_strategy and model_name == "dnabert2":
        maps[f"{LRP[model_name]} (copy)"] = by_strategy[task]["copy"]
    for order in ["most", "least"]:
        key = {"checkpoint": t.key, "sequences": ds.sequences, "targets": ds.labels,
               "scores": maps, "ns": ns, "order": order, "seed": seed, "per_sequence": True,
               "precision": mutagenesis_precision}
        table = cache.cached("faithfulness", key, lambda: mutagenesis.faithfulness(
            t.model, t.tokenizer, ds.sequences, ds.labels, maps, ns=ns, order=order,
            seed=seed, per_sequence=True, precision=mutagenesis_precision),
            code=["mutagenesis.py"])
        drops.append(tidy(table, model_name, task))
drops = pd.concat(drops, ignore_index=True)
curves = (drops.groupby(["task", "model", "method", "label", "order", "n"], sort=False)
          ["drop"].mean().reset_index())

# %%
plots.faithfulness_curves(curves[~curves.method.str.endswith("(copy)")]);

# %% tags=["hide-input"]
# per sequence: the drop at every step, most and least relevant first, side by side
wide = drops.pivot_table(index=["task", "model", "method", "label", "sequence"],
                         columns=["order", "n"], values="drop", sort=False)
areas = pd.DataFrame({
    "mean drop, most first": metrics.mean_drop(wide["most"].to_numpy()),
    "mean drop, least first": metrics.mean_drop(wide["least"].to_numpy()),
    "area between curves": metrics.area_between_curves(
        wide["most"].columns.to_numpy(), wide["most"].to_numpy(), wide["least"].to_numpy())},
    index=wide.index).reset_index()
faithfulness_table = areas.groupby(["task", "model", "method"], sort=False)[
    ["mean drop, most first", "mean drop, least first", "area between curves"]].mean()
faithfulness_table

# %% [markdown]
# ## Sparsity and complexity
#
# A map a person can read puts its weight on few positions. Sparsity is the Gini index of the
# absolute scores of a sequence (0 for a flat map, $1 - 1/L$ for a single position), complexity
# the entropy of the absolute scores normalised to sum to 1 (0 for a single position,
# $\ln L$ for a flat map: $\ln 300 \approx 5.7$). Both are per sequence; the figure shows means
# with 95 % intervals over the compared sequences.
#
# Across architectures these measures partly measure the architecture. The CNN ends in a
# global max pooling, which hands each filter's relevance to the one window where the filter
# responded most, so positions outside every winning window get exactly zero; DNABERT-2's
# maps are constant over each token, and attention spreads relevance over the whole sequence.
# The random maps of each model mark the floor.

# %%
per_sequence = pd.concat([tidy(metrics.map_table(maps, lengths[task]), model_name, task)
                          for (model_name, task), maps in scores.items()], ignore_index=True)
plots.metric_points(per_sequence, {"gini": "sparsity (Gini, higher = sparser)",
                                   "entropy": "complexity (entropy, lower = simpler)"});

# %% [markdown]
# ## The strategies compared
#
# The same AttnLRP token scores under each strategy, and at token level, judged by the same
# measures: sparsity and complexity of the nucleotide map, faithfulness (area between the
# curves) and agreement with the CNN's LRP map (mean Spearman correlation per sequence, and
# the share of the top-$k$ positions both maps have in common, $k$ = `max(ns)`). The token
# level row compares DNABERT-2's token scores with the CNN's map summed over the same tokens.
# Mean equals copy here, so only copy has its own faithfulness run.

# %% tags=["hide-input"]
COLUMNS = {"gini": "gini", "entropy": "entropy", "area between curves": "area between curves",
           "spearman": "Spearman with CNN", "overlap": f"top-{TOP_K} overlap with CNN"}
parts = []
for task, maps in by_strategy.items():
    cnn = scores.get(("cnn", task), {}).get(LRP.get("cnn"))
    on_tokens = [None if s is None else metrics.token_level(s, tokens[task])
                 for s in (maps[STRATEGY], cnn)]
    table = pd.concat([
        metrics.map_table({f"nucleotides, {s}": m for s, m in maps.items()}, lengths[task],
                          reference=cnn, k=TOP_K),
        metrics.map_table({"tokens (CNN summed per token)": on_tokens[0]},
                          reference=on_tokens[1], k=TOP_K)])
    table = table.groupby("method", sort=False).mean(numeric_only=True)
    # mean and copy are one map: both read the area of the copy run
    area = faithfulness_table.loc[(task, NAME["dnabert2"]), "area between curves"]
    table["area between curves"] = table.index.map(
        {f"nucleotides, {s}": area.get(LRP["dnabert2"] + ("" if s == STRATEGY else " (copy)"),
                                       np.nan) for s in maps})
    parts.append(table.rename_axis("level").reset_index().assign(task=task))
strategies_table = (pd.concat(parts) if parts else pd.DataFrame(columns=["task", "level"])
                    ).set_index(["task", "level"]).reindex(columns=list(COLUMNS)).rename(
    columns=COLUMNS)
strategies_table

# %% [markdown]
# Split against copy on faithfulness, per sequence (the same sequences under both maps):
# `metrics.paired_comparisons` gives the mean difference of the areas, its 95 % bootstrap
# interval, the {term}`sign-flip <sign-flip test>` permutation p and p adjusted by
# {term}`Benjamini-Hochberg <Benjamini–Hochberg>` over the tasks.
# A difference is read as one when the adjusted p is below 0.05 and it is at least `EFFECT`.

# %% tags=["hide-input"]
def areas_of(task, model_name, a, b):
    """Per-sequence areas between the curves of two maps of one model, paired by sequence."""
    part = areas[(areas.task == task) & (areas.model == NAME[model_name])]
    return metrics.paired_values(part, "area between curves", a, b)


strategy_tests = metrics.paired_comparisons(
    {task: areas_of(task, "dnabert2", LRP["dnabert2"], f"{LRP['dnabert2']} (copy)")
     for task in by_strategy}, seed=seed)
lines = []
for task in by_strategy:
    part = strategies_table.loc[task]
    split_row, copy_row = part.loc[f"nucleotides, {STRATEGY}"], part.loc["nucleotides, copy"]
    lines.append(
        f"- `{task}`: split gives Gini {split_row['gini']:.3f} against copy's "
        f"{copy_row['gini']:.3f}; area between the curves "
        f"{split_row['area between curves']:.3g} against "
        f"{copy_row['area between curves']:.3g}: "
        f"{metrics.verdict(strategy_tests.loc[task], 'split', 'copy', effect=EFFECT)}; Spearman "
        f"correlation with the "
        f"CNN's map {split_row['Spearman with CNN']:.3f} against "
        f"{copy_row['Spearman with CNN']:.3f}, at token level "
        f"{part.iloc[-1]['Spearman with CNN']:.3f}.")
display(Markdown("\n".join(lines) or "No DNABERT-2 run in `compare_runs`."))

# %% [markdown]
# ## Do the two models agree?
#
# Mean Spearman correlation per sequence between every pair of maps of a task, within and
# across the two models. Agreement across models is not a measure of quality — two models may
# use different evidence and both be explained correctly — but two explanations of models that
# learned the same biology should rank positions alike, and the random maps show where chance
# lies (0).

# %%
agreement, overlaps = {}, {}
for task in tasks:
    maps = {label(m, method): s for (m, tk), ms in scores.items() if tk == task
            for method, s in ms.items()}
    agreement[task] = metrics.agreement(maps, lengths[task])
    overlaps[task] = metrics.agreement(maps, lengths[task], k=TOP_K)
    plots.method_correlation(agreement[task], title=f"{task}: mean Spearman correlation")

# %% [markdown]
# The same question for the top of the maps: the share of each sequence's top $k$ positions
# that a DNABERT-2 map and a CNN map have in common, for maps of the same method and for the
# two LRP maps. Two random maps share $k / L$ of their top $k$ on average.

# %% tags=["hide-input"]
rows = []
for task in both:
    a, b = scores["dnabert2", task], scores["cnn", task]
    for ma, mb in dict.fromkeys([(LRP["dnabert2"], LRP["cnn"])] + [(m, m) for m in a if m in b]):
        pair = label("dnabert2", ma), label("cnn", mb)
        rows.append({"task": task, "DNABERT-2": ma, "CNN": mb,
                     "Spearman": agreement[task].loc[pair],
                     f"top-{TOP_K} overlap": overlaps[task].loc[pair],
                     "chance": np.mean(np.minimum(TOP_K, lengths[task]) / lengths[task])})
overlap_table = pd.DataFrame(rows)
overlap_table

# %% [markdown]
# ## Biological localisation: the TATA box
#
# In `prom_300_tata` the TSS sits at position 249 of 300, and a TATA box (consensus TATAWAW)
# lies about 30 bp upstream of it. Two measures of whether a map finds it, on the promoters
# (explaining the promoter class):
#
# * the share of the positive relevance that falls in the window −40 … −20 (21 bp), divided by
#   the share of positions the window covers (21 / 300 = 7 %): the **enrichment**, 1 for a
#   map that spreads its relevance evenly;
# * in promoters with at least one TATAWAW match anywhere, the same enrichment on the matched
#   positions themselves.
#
# Two checks of the data first: where the matches lie, and how often non-promoters carry one
# in the window too.

# %% tags=["hide-input"]
tata_tasks = [t for t in tasks if t.startswith("prom_300")]
localisation, tata_check = [], {}
for task in tata_tasks:
    ds = samples[task]
    sites = metrics.motif_mask(ds.sequences, TATA_PATTERN, int(lengths[task].max()))
    window = np.zeros_like(sites)
    window[:, TATA[0]:TATA[1]] = True
    found = pd.DataFrame({"with a TATAWAW match": sites.any(1),
                          "with one in −40 … −20": (sites & window).any(1)})
    tata_check[task] = found.groupby(ds.labels).mean().set_axis(ds.classes).rename_axis(task)
    display(tata_check[task])
    promoters = ds.labels == ds.classes.index("promoter")
    for (model_name, tk), maps in scores.items():
        if tk == task:
            table = metrics.localisation_table(maps, {"window": window, "TATAWAW": sites},
                                               lengths[task])
            localisation.append(tidy(table[promoters[table.sequence]], model_name, task))
localisation = (pd.concat(localisation, ignore_index=True) if localisation else
                pd.DataFrame(columns=["task", "model", "method", "label", "window share",
                                      "window enrichment", "TATAWAW enrichment"]))

# %% tags=["hide-input"]
lines = []
for task, check in tata_check.items():
    share = check["with one in −40 … −20"]
    lines.append(
        f"In the `{task}` sequences compared here, {share['promoter']:.0%} of the promoters "
        f"and {share['non-promoter']:.0%} of the non-promoters carry a strict TATAWAW in "
        "−40 … −20. A strict consensus match misses boxes that differ from it at one "
        "position, and "
        + ("the non-promoters carry it about as often, so the box alone cannot separate the "
           "classes here; a model may learn it as one piece of evidence among others."
           if share["non-promoter"] >= 0.5 * share["promoter"] else
           "the non-promoters carry it less often, so it is evidence a model can use.")
        + " The enrichment measures below are therefore about where a map puts its relevance "
        "on promoters, not a test a model must pass.")
display(Markdown("\n\n".join(lines) or "No `prom_300` task in `compare_runs`."))

# %% [markdown]
# Mean score along the promoters, per map (each sequence scaled to a largest absolute score of
# 1, then averaged, then each curve scaled to its peak), and the enrichment per map:

# %% tags=["hide-input"]
for task in tata_tasks:
    ds = samples[task]
    keep = ds.labels == ds.classes.index("promoter")
    panels = {}
    for (model_name, tk), maps in scores.items():
        for method, s in maps.items():
            if tk == task and method != "random":
                panels.setdefault(NAME[model_name], {})[method] = (
                    np.arange(s.shape[1]) - TSS, metrics.mean_profile(s[keep]))
    plots.region_profiles(panels, region=(TATA[0] - TSS - 0.5, TATA[1] - TSS - 0.5),
                          marks={"TSS": 0, "−30": -30},
                          title=f"{task}: mean scaled score over the promoters "
                                "(shaded: −40 … −20)")
if len(localisation):
    plots.metric_points(localisation, {"window enrichment": "enrichment in −40 … −20",
                                       "TATAWAW enrichment": "enrichment on TATAWAW"},
                        reference={"window enrichment": 1, "TATAWAW enrichment": 1});

# %% tags=["hide-input"]
localisation_table = (localisation.groupby(["task", "model", "method"], sort=False)
                      [["window share", "window enrichment", "TATAWAW enrichment"]].mean()
                      if len(localisation) else localisation)
localisation_table

# %% [markdown]
# ## Which model explains better, and by which measure
#
# Per task, AttnLRP on DNABERT-2 against LRP on the CNN, on the same sequences: every measure
# is taken per sequence and the two maps are compared pairwise (`metrics.paired_comparisons`:
# mean difference DNABERT-2 minus CNN with its 95 % bootstrap interval, sign-flip
# permutation p). All the comparisons of this section form one family: their p-values are
# adjusted together by Benjamini-Hochberg, and a verdict needs an adjusted p below 0.05 (and,
# for the area between the curves, a difference of at least `EFFECT`).

# %% tags=["hide-input"]
MEASURES = {"area between curves": ("faithfulness (area between the curves)", True, EFFECT),
            "gini": ("sparsity (Gini)", True, 0),
            "entropy": ("complexity (entropy)", False, 0),
            "window enrichment": ("localisation (enrichment in −40 … −20, promoters)", True,
                                  0),
            "TATAWAW enrichment": ("localisation (enrichment on TATAWAW, promoters)", True, 0)}
a_lrp, c_lrp = label("dnabert2", LRP.get("dnabert2")), label("cnn", LRP.get("cnn"))
tables = {"area between curves": areas, "gini": per_sequence, "entropy": per_sequence,
          "window enrichment": localisation, "TATAWAW enrichment": localisation}
pairs = {(task, column): metrics.paired_values(table[table.task == task], column, a_lrp, c_lrp,
                                               key="label")
         for task in both for column, table in tables.items() if (table.task == task).any()}
model_tests = (metrics.paired_comparisons(pairs, seed=seed) if pairs else
               pd.DataFrame(columns=["n", "mean_a", "mean_b", "estimate", "lo", "hi", "p",
                                     "p_adjusted"]))
model_tests.rename(columns={"mean_a": "DNABERT-2", "mean_b": "CNN"})

# %% tags=["hide-input"]
lines = []
for task in both:
    lines.append(f"\n**{task}** (`{a_lrp}` against `{c_lrp}`)\n")
    for column, (name, high, effect) in MEASURES.items():
        if (task, column) not in model_tests.index:
            continue
        r = model_tests.loc[(task, column)]
        lines.append(f"- {name}: DNABERT-2 {r.mean_a:.3g}, CNN {r.mean_b:.3g} over {r.n:.0f} "
                     f"sequences — {metrics.verdict(r, 'DNABERT-2', 'the CNN', high, effect)}.")
    rho = agreement[task].loc[a_lrp, c_lrp]
    lines.append(f"- agreement between the two LRP maps: mean Spearman correlation "
                 f"{rho:.3f} (not a quality measure).")
display(Markdown("\n".join(lines) or "`compare_runs` has no task with both models."))

# %% [markdown]
# ## How these numbers relate to the paper's
#
# Kurth et al.'s own numbers are not available offline (the book carries none of their
# tables), so they are not reproduced here as numbers; their conclusions are, and are set
# against these results next. Each check is a
# paired comparison on the same sequences: AttnLRP's area between the curves against that of
# the random map of the same model, and its enrichment on the TATA box region against 1 (an
# even spread); the checks of all tasks form one family (Benjamini-Hochberg).

# %% tags=["hide-input"]
ours = [t for t in tasks if ("dnabert2", t) in scores]
checks = {}
for task in ours:  # against the random map, or 0 without one
    has_random = "random" in scores["dnabert2", task]
    area, other = areas_of(task, "dnabert2", LRP["dnabert2"],
                           "random" if has_random else LRP["dnabert2"])
    checks[task, "faithful"] = (area, other if has_random else np.zeros_like(area))
    loc = localisation[(localisation.task == task)
                       & (localisation.label == label("dnabert2", LRP["dnabert2"]))]
    if len(loc):
        values = loc["window enrichment"].to_numpy()
        checks[task, "biology"] = (values, np.ones_like(values))
paper_tests = metrics.paired_comparisons(checks, seed=seed) if checks else None

# %% tags=["hide-input"]
# the rows of the What replicates page: the paper's findings, and which model localises the
# TATA box
said = {"faithful": ("AttnLRP's maps of DNABERT-2 are faithful: mutating their top positions "
                     "lowers p(class) more than a random map's (area between the curves)"),
        "biology": ("AttnLRP's maps of DNABERT-2 on TATA promoters put their relevance on the "
                    "TATA box region (-40 ... -20) more than an even spread")}
rows = [] if paper_tests is None else [
    claims.claim(f"{said[kind]} ({task})", "Kurth et al., faithfulness and TATA analyses",
                 f"{num(r.mean_a)} against {num(r.mean_b)} ({r.n:.0f} sequences)", r.estimate, r.p,
                 "greater", paper="not available offline",
                 topic="tata box" if kind == "biology" else "")
    for (task, kind), r in paper_tests.iterrows()]
where = {"window enrichment": "enrichment in −40 … −20",
         "TATAWAW enrichment": "enrichment on TATAWAW"}
rows += [claims.claim(f"`{LRP['dnabert2']}` on DNABERT-2 localises the TATA box at least as "
                      f"well as `{LRP['cnn']}` on the CNN ({where[column]}, {task})",
                      "Kurth et al., comparison with a CNN",
                      f"DNABERT-2 {num(r.mean_a)}, CNN {num(r.mean_b)} ({r.n:.0f} promoters)",
                      r.estimate, r.p, "not less", paper="not available offline",
                      topic="tata box")
         for (task, column), r in model_tests.iterrows() if "enrichment" in column]
claims.record("DNABERT-2 and a CNN", profile, rows)

# %% tags=["hide-input"]
def faithful(task):
    """AttnLRP's area between the curves against the reference, and the paper's finding."""
    r = paper_tests.loc[(task, "faithful")]
    holds = r.p_adjusted < 0.05 and r.estimate >= EFFECT
    reference = ("the random map's" if "random" in scores["dnabert2", task] else "0")
    return (f"AttnLRP's area between the curves is {r.mean_a:.3g} against {reference} "
            f"{r.mean_b:.3g} (difference {r.estimate:+.3g}, 95 % interval {r.lo:+.3g} to "
            f"{r.hi:+.3g}, adjusted p = {book.p_value(r.p_adjusted)}): the paper's finding that "
            "AttnLRP's maps are faithful "
            + ("holds here" if holds else
               f"is not borne out here (that needs an adjusted p below 0.05 and a difference "
               f"of at least {EFFECT})" if r.estimate > 0 else "does not hold here"))


def on_tata(task):
    """AttnLRP's relevance on the TATA window, and the paper's finding on known biology."""
    b = paper_tests.loc[(task, "biology")]
    above = b.p_adjusted < 0.05 and b.estimate > 0
    return (f"on the promoters it puts {b.mean_a:.2f} times the even share of its positive "
            f"relevance on −40 … −20, the TATA box region, "
            f"{'significantly' if above else 'not significantly'} above 1 "
            f"(adjusted p = {book.p_value(b.p_adjusted)}, {b.n:.0f} promoters): the paper's finding "
            "that the maps match known biology " + ("holds here" if above else
                                                   "is not borne out here"))


# %% tags=["hide-input"]
accuracy = models_table.set_index(["task", "model"])["accuracy (evaluation part)"]
display(Markdown("\n".join(
    f"- `{task}`: DNABERT-2 classifies {accuracy[task, NAME['dnabert2']]:.1%} of the evaluation "
    f"part correctly; {faithful(task)}"
    + (f"; {on_tata(task)}" if (task, "biology") in paper_tests.index else "") + "."
    for task in ours)))

# %% tags=["hide-input"]
source = train.get("dnabert2", {}).get("source", training.DEFAULTS["source"])
gaps = [(task, accuracy[task, NAME["dnabert2"]], accuracy[task, NAME["cnn"]]) for task in both]
if source in models.DNABERT2_CONFIGS:
    display(Markdown(
        f"The DNABERT-2 here is the `{source}` configuration trained from scratch on a "
        "few thousand of the benchmark's sequences, not the pre-trained DNABERT-2-117M that "
        "the paper fine-tunes. Without pre-training on genomes a small transformer learns "
        "mostly composition and short motifs, and what it has learned is what its maps can "
        "show. "
        "Accuracy on the evaluation part, DNABERT-2 against the CNN: "
        + "; ".join(f"`{t}` {a:.1%} against {c:.1%}" for t, a, c in gaps)
        + ". The paper compares two well-trained models; where the models here differ much "
        "in accuracy, that difference is the first suspect for a difference between their "
        "maps, before the explanation methods. Run the `paper` profile on a GPU to explain "
        "the released checkpoint."))
