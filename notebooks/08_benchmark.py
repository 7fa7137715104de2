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
# # A benchmark with known answers
#
# Every earlier chapter judged {term}`score maps <score map>` without knowing which positions really matter: by
# what happens when top positions are mutated, by whether the maps agree, by whether they
# resemble known {term}`motifs <motif>`. On real promoters and enhancers nobody knows the right answer. On a
# synthetic task one can: plant motifs in random DNA, and the planted bases are, by
# construction, the only difference between the classes. A model that learned the task can
# only have learned them, and a map that explains it should put its weight there. This is the
# one place in the book where "which explanation is right" has an exact answer.
#
# The task (`data.SYNTHETIC_TASK`, its values printed below): 6,000 sequences of 200 bp of
# random background of one fixed GC content, not fitted to any real data set;
# half of them, the positives, carry one or two instances of a {term}`JASPAR` motif (TBP, SP1 or CTCF)
# sampled from its matrix at random non-overlapping positions. {term}`DNABERT`, DNABERT-2 and the CNN
# are trained on it, and every scoring method of each model explains the motif class on the
# positives of the evaluation part, where the ground truth is the mask of planted bases.
#
# Three measures compare a map $s$ of a sequence with its mask $M$ of $K$ planted bases:
#
# * **{term}`relevance mass accuracy`** {cite}`arras2022clevr`: the share of the positive {term}`relevance`
#   inside the mask, $\sum_{i \in M} s_i^+ / \sum_i s_i^+$;
# * **relevance rank accuracy**: the share of the $K$ highest-scoring positions that lie in the
#   mask;
# * **{term}`AUROC`**: the scores as a detector of planted positions, threshold-free; 0.5 is chance,
#   whatever the map's scale, sign or {term}`sparsity`, so it is the headline measure.
#
# A flat or random map scores the share of the sequence that is planted on the first two, and
# 0.5 on the third. Each measure is computed per sequence and averaged, with a 95 % bootstrap
# interval over sequences. The {term}`mutagenesis` test of the DNABERT study is run on the same maps,
# so it can itself be checked against the known answer.

# %% tags=["parameters"]
# None: the profile's value (src/dnaexplain/profiles/<profile>.yml); see the page "Your data, your model"
profile: str = "cpu"  # parameter set: smoke, cpu, paper, or the path of your own YAML file
benchmark_runs: list = None  # list of "model:dataset" runs, e.g. ["cnn:synthetic"]
train: dict = None  # settings per model, e.g. {"dnabert": {"source": "ckpt/", "finetune": False}}
benchmark_methods: dict = None  # methods per model, e.g. {"cnn": ["lrp", "ism", "random"]}
n_benchmark: int = None  # sequences per class (integer, 1 or more)
modisco_methods: dict = None  # maps TF-MoDISco reads, e.g. {"cnn": ["deep_lift_shap"]}; a model not named: all

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
    mutagenesis,
    params,
    plots,
    training,
)
from dnaexplain.studies import patterns

params.bind(globals())  # the profile's values, yours laid over, all checked
patterns.check_chosen(modisco_methods, benchmark_methods)
book.setup("{:.3g}")  # tables: 3 significant digits, no row numbers; warnings as admonitions

NAME = {"dnabert": "DNABERT", "dnabert2": "DNABERT-2", "cnn": "CNN"}
MEASURES = {"auroc": "AUROC", "mass_accuracy": "relevance mass accuracy",
            "rank_accuracy": "relevance rank accuracy"}
HEADLINE = "auroc"
ATTENTION = ["attention", "rollout", "attn_gradcam"]  # scores read off attention maps alone
# ISM classifies 3 L = 600 mutants per sequence (about 2 s per sequence for DNABERT "mini" on
# 2 CPU cores): the transformers get it on the first `n_ism` sequences (0 = all); the CNN, cheap
# to run, on all of them.

# %% tags=["hide-input"]
from dnaexplain.data import SYNTHETIC_TASK  # noqa: E402

display(Markdown(
    f"The task as the code makes it: {SYNTHETIC_TASK['n']:,} sequences of "
    f"{SYNTHETIC_TASK['length']} bp, background GC content {SYNTHETIC_TASK['gc']:.2f}, "
    f"{'–'.join(map(str, np.atleast_1d(SYNTHETIC_TASK['n_sites'])))} sites per positive from "
    f"JASPAR {', '.join(SYNTHETIC_TASK['motifs'])}."))

# %% [markdown]
# ## Models
#
# Each run is trained by `training.run` (or loaded from the cache; the pruned-LRP chapter uses
# the same DNABERT-2 and CNN). The table gives the accuracy on the whole evaluation part and
# the share of the explained positives that the model calls motif sequences: a map can only be
# expected to find motifs the model has found.

# %% tags=["hide-input"]
by_run, ds, models_table = training.runs_on_class(
    benchmark_runs, train, "motif", n_benchmark, seed=seed,
    min_eval_per_class=min_eval_per_class, max_sequences=max_sequences)
trained = {run.split(":")[0]: t for run, t in by_run.items()}
motif = ds.classes.index("motif")
share = dict(zip(trained, models_table["called motif among them"]))
targets = np.full(len(ds), motif)
lengths = np.array([len(s) for s in ds.sequences])
inside = ds.mask.sum(1) / lengths  # what a flat map scores on mass and rank accuracy
models_table.rename(index=lambda r: NAME.get(r.split(":")[0], r))

# %% [markdown]
# The planted sites of the first positives (black: planted bases):

# %%
plots.site_map(ds.mask, ds.labels, n=min(12, len(ds)), title="planted motif positions");

# %% [markdown]
# ## Scores
#
# Every method of `benchmark_methods` for each model, explaining the motif class (cached).
# Token scores go to nucleotides by the mean over the tokens covering a position (DNABERT's
# convention; for DNABERT-2's non-overlapping {term}`BPE` tokens, every nucleotide gets its token's
# score), which leaves a random map at chance on every measure. {term}`ISM`, the reference by brute
# force, scores the first `n_ism` sequences of a transformer (printed below); its rows are
# averages over those.

# %% tags=["hide-input"]
scores, ism_count = {}, {}
for model_name, t in trained.items():
    methods = [m for m in benchmark_methods[model_name] if m != "ism"]
    scores[model_name] = attribution.explain_all(t, ds.sequences, methods, target=targets)
    if "ism" in benchmark_methods[model_name]:
        k = ism_count[model_name] = (len(ds) if model_name == "cnn"
                                 else min(len(ds), n_ism or len(ds)))
        part = attribution.explain_all(t, ds.sequences[:k], ["ism"], target=targets[:k],
                                       batch_size=128)["ism"]
        full = np.full((len(ds), part.shape[1]), np.nan)
        full[:k] = part
        scores[model_name]["ism"] = full
print(f"{len(ds)} positives; ISM on " + (", ".join(
    f"{k} ({NAME.get(m, m)})" for m, k in ism_count.items()) or "none"))

# %% tags=["hide-input"]
truth = pd.concat([metrics.ground_truth_table(s, ds.mask, lengths).assign(
    model=NAME.get(m, m)) for m, s in scores.items()], ignore_index=True)
summaries = {measure: metrics.bootstrap_summary(truth, measure, ["model", "method"],
                                                seed=seed) for measure in MEASURES}
head = summaries[HEADLINE]

# %% [markdown]
# ## The ranking
#
# The headline table: AUROC of every method for every model, mean over the positives with its
# 95 % bootstrap interval. Rows are sorted by each method's relative rank among the methods of
# a model (0 = best, 1 = worst, so that models with more methods weigh the same), averaged
# over the models that have it; a blank means the method does not apply (the CNN has no
# attention). "(n = ...)" marks a mean over fewer sequences: ISM's subset, or, for relevance
# mass accuracy, the maps with any positive relevance at all ({term}`attention GradCAM` is often
# zero everywhere).

# %% tags=["hide-input"]
def ranking(summary):
    """A measure's summary as a table to read: methods by mean relative rank over the models,
    each cell "mean [95 % interval]"."""
    wide = summary.pivot(index="method", columns="model", values="mean")
    wide = wide[[c for c in dict.fromkeys(summary["model"])]]
    ranks = wide.rank(ascending=False)
    relative = ((ranks - 1) / (ranks.max() - 1).clip(lower=1)).mean(axis=1)
    order = relative.sort_values(kind="stable").index
    cells = summary.assign(cell=[
        "" if np.isnan(m) else f"{m:.3f} [{lo:.3f}, {hi:.3f}]" + (f" (n = {n})"
                                                                   if n < len(ds) else "")
        for m, lo, hi, n in zip(summary["mean"], summary["lo"], summary["hi"], summary["n"])])
    table = cells.pivot(index="method", columns="model", values="cell").fillna("")
    table = table.loc[order, wide.columns]
    table.insert(0, "relative rank", relative.loc[order].round(2))
    return table


# %%
ranking(summaries[HEADLINE])

# %%
plots.benchmark_ranking(summaries[HEADLINE], label="AUROC (mean, 95 % interval)", chance=0.5);

# %% [markdown]
# The other two measures, sorted the same way. On both, a flat or random map scores the share
# of the sequence that is planted (given with each table).

# %%
for measure in ["mass_accuracy", "rank_accuracy"]:
    display(Markdown(f"**{MEASURES[measure]}** (a flat map: {inside.mean():.3f})"))
    display(ranking(summaries[measure]))

# %%
plots.benchmark_ranking(summaries["mass_accuracy"],
                        label="relevance mass accuracy (mean, 95 % interval)",
                        chance=inside.mean());

# %% [markdown]
# ## What the ranking says
#
# Which differences are real is decided by paired comparisons on the same sequences, not by
# whether intervals overlap: for each model, the first-ranked method against every other
# one, and the attention-based scores and the winner against random scores, all on AUROC
# (`metrics.paired_comparisons`: mean difference with its 95 % bootstrap interval,
# {term}`sign-flip <sign-flip test>` permutation p). The comparisons of all models form one
# family, adjusted by {term}`Benjamini-Hochberg <Benjamini–Hochberg>`; a difference counts when its adjusted p is below 0.05.

# %% tags=["hide-input"]
order, pairs = {}, {}
for model_name in trained:
    model = NAME.get(model_name, model_name)
    ranked = (head[head.model == model].dropna(subset=["mean"])
              .sort_values("mean", ascending=False).method.tolist())
    order[model_name] = ranked
    against = [(ranked[0], other) for other in ranked[1:]]
    if "random" in benchmark_methods[model_name]:
        against += [(m, "random") for m in [m for m in ATTENTION if m in ranked] + ranked[:1]
                    if m != "random"]
    for a, b in against:
        pairs[model, a, b] = metrics.paired_values(truth[truth.model == model], HEADLINE, a, b)
ranking_tests = (metrics.paired_comparisons(pairs, seed=seed) if pairs else
                 pd.DataFrame(columns=["n", "mean_a", "mean_b", "estimate", "lo", "hi", "p",
                                       "p_adjusted"]))
ranking_tests.rename_axis(["model", "a", "b"]).rename(
    columns={"mean_a": "AUROC a", "mean_b": "AUROC b", "estimate": "a − b"})

# %% tags=["hide-input"]
def said(model, a, b):
    """The AUROC comparison of methods a and b of a model, in words."""
    return metrics.verdict(ranking_tests.loc[(model, a, b)], f"`{a}`", f"`{b}`", fmt=".3f")


# %% tags=["hide-input"]
lines = []
for model_name in trained:
    model, ranked = NAME.get(model_name, model_name), order[model_name]
    if not ranked:
        lines.append(f"- **{model}**: no method has a defined AUROC.")
        continue
    first = head[(head.model == model) & (head.method == ranked[0])].iloc[0]
    # first against each other, by other (a sorted index: a partial key on an unsorted
    # MultiIndex makes pandas warn that it searches past its lexsort depth)
    tests = ranking_tests.sort_index().loc[(model, first.method)]
    level = [m for m in ranked[1:] if not tests.loc[m].p_adjusted < 0.05]
    text = (f"- **{model}** (calls {share[model_name]:.0%} of the positives motif sequences): "
            f"`{first.method}` ranks first, AUROC {first['mean']:.3f} "
            f"[{first.lo:.3f}, {first.hi:.3f}]")
    if level:
        text += "; not clearly ahead of " + "; ".join(
            f"`{m}` ({tests.loc[m].mean_b:.3f}) — {said(model, first.method, m)}" for m in level)
    elif len(ranked) > 1:
        text += (f", clearly ahead of every other method, the next being `{ranked[1]}` — "
                 f"{said(model, first.method, ranked[1])}")
    if share[model_name] < 0.5:
        text += (". The model calls fewer than half of these sequences motif sequences: it has "
                 "not learned the task, and its maps have little to find")
    lines.append(text + ".")
display(Markdown("\n".join(lines)))

# %% [markdown]
# The attention-based scores, and each model's winner, against random scores:

# %% tags=["hide-input"]
lines = []
for model_name in trained:
    model = NAME.get(model_name, model_name)
    tested = [m for m in dict.fromkeys(ATTENTION + order[model_name][:1])
              if (model, m, "random") in ranking_tests.index]
    if tested:
        lines.append(f"- **{model}**: " + "; ".join(
            f"`{m}` — {said(model, m, 'random')}" for m in tested) + ".")
display(Markdown("\n".join(lines) or "No model has random scores to compare with."))

# %% [markdown]
# The case study's thesis, that {term}`LRP` explains DNABERT better than its attention, can be held to
# the planted answer here: each LRP variant against {term}`attention <attention score>`, `lrp` against
# {term}`rollout`, and {term}`AttnLRP` (the DNABERT-2 study's method) against
# {term}`random scores <random baseline>`, per model, on AUROC. These
# rows go to the What replicates page, where they are judged with every other claim of the
# book.

# %% tags=["hide-input"]
LRP_FAMILY = ["lrp", "lrp_last", "full_lrp", "attnlrp"]
tests = [(m, "attention", f"`{m}` finds the planted motifs better than attention (AUROC)",
          "case study, section 5 (LRP over attention)") for m in LRP_FAMILY]
tests.append(("lrp", "rollout", "`lrp` finds the planted motifs better than rollout (AUROC)",
              "case study, section 5 (LRP over attention)"))
tests.append(("attnlrp", "random", "`attnlrp` finds the planted motifs better than random "
              "scores (AUROC)", "Kurth et al., faithfulness"))
truth_pairs, said_rows = {}, {}
for model_name in trained:
    model = NAME.get(model_name, model_name)
    for a, b, text, source in tests:
        if {a, b} <= set(order[model_name]):
            truth_pairs[model, a, b] = metrics.paired_values(truth[truth.model == model],
                                                             HEADLINE, a, b)
            said_rows[model, a, b] = (f"{text}, {model}", source)
thesis = (metrics.paired_comparisons(truth_pairs, seed=seed) if truth_pairs else
          pd.DataFrame(columns=["n", "mean_a", "mean_b", "estimate", "p", "p_adjusted"]))
recorded, lines = [], []
for (model, a, b), r in thesis.iterrows():
    text, source = said_rows[model, a, b]
    recorded.append(claims.claim(text, source, f"{a} {r.mean_a:.3f}, {b} {r.mean_b:.3f} "
                                 f"({r.n:.0f} sequences)", r.estimate, r.p, "greater",
                                 paper="no ground truth in the paper",
                                 topic="planted truth" if b != "random" else ""))
    lines.append(f"- **{model}**, `{a}` {r.mean_a:.3f} against `{b}` {r.mean_b:.3f}: "
                 + metrics.verdict(r, f"`{a}`", f"`{b}`", fmt=".3f") + ".")
claims.record("Benchmark", profile, recorded)
display(Markdown("\n".join(lines) or "No model has both an LRP variant and attention."))

# %% [markdown]
# ## The mutagenesis test, checked against the known answer
#
# The DNABERT study's test (see the mutagenesis chapter): mutate the top $n$ positions of each
# positive and count how many the model still calls motif sequences. Here a reference that no
# real task has can be added: **planted sites**, mutating the planted bases first (ties among
# them, and beyond them, in random order). It is no ceiling: some columns of a motif are
# weakly specified and cost little when mutated, so a map that finds the bases the model
# relies on can do better. Random scores are left out as a method, since the
# test brings its own random-position baseline (grey band); ISM is left out where it covers
# only part of the sequences.

# %% tags=["hide-input"]
results = {}
for model_name, t in trained.items():
    chosen = {m: s for m, s in scores[model_name].items()
              if m != "random" and not (m == "ism" and ism_count[model_name] < len(ds))}
    chosen["planted sites"] = ds.mask.astype(float)
    key = {"checkpoint": t.key, "sequences": ds.sequences, "methods": list(chosen),
           "target": targets, "ns": ns, "repeats": random_repeats, "seed": seed,
           "precision": mutagenesis_precision}
    table = cache.cached("mutagenesis", key, lambda: mutagenesis.experiment(
        t.model, t.tokenizer, ds.sequences, targets, chosen, ns=ns,
        random_repeats=random_repeats, classes=ds.classes, seed=seed,
        precision=mutagenesis_precision), code=["mutagenesis.py", "attribution"])
    results[model_name] = mutagenesis.summary(table)

# %% [markdown]
# The curves show, to stay readable, the planted sites, DNABERT's attention score where the
# model has it, and the three best and the worst method by AUROC; the test ran on all of them
# and all enter the comparison below.

# %%
for model_name, summary in results.items():
    model = NAME.get(model_name, model_name)
    order = (head[head.model == model].dropna(subset=["mean"])
             .sort_values("mean", ascending=False).method)
    order = [m for m in order if m in set(summary.method) and m != "random"]
    shown = {"planted sites", "random", *order[:3], *order[-1:]}
    shown |= {"attention"} & set(summary.method)
    plots.mutagenesis_curves(summary[summary.method.isin(shown)], title=model)

# %% [markdown]
# Does the test rank the methods as the known answer does? For each model, the Spearman
# correlation across methods between AUROC and the accuracy *lost* at the largest $n$
# (accuracy unmutated minus accuracy after mutating the top positions): 1 means the test
# orders the methods exactly as the ground truth does. The two need not agree: the test
# rewards a map for the few positions that move the model most, AUROC for ranking every
# planted base above every background base. Where they disagree, the ground truth is the
# answer to "which positions make this a motif sequence".

# %% tags=["hide-input"]
lines = []
for model_name, summary in results.items():
    model = NAME.get(model_name, model_name)
    at = summary[summary.n == max(ns)].set_index("method")["accuracy"]
    start = summary[summary.n == 0]["accuracy"].iloc[0]
    lost = (start - at).drop(["random", "planted sites"], errors="ignore")
    auc = head[head.model == model].set_index("method")["mean"].reindex(lost.index)
    rho, used = metrics.rank_correlation(auc, lost)
    best = lost.idxmax() if lost.notna().any() else None
    text = (f"- **{model}**: unmutated, {start:.0%} of the positives are called motif "
            f"sequences. At n = {max(ns)}, ")
    if best is None or start == 0:
        text += "there is no accuracy to lose; the test says nothing about the methods here."
    else:
        text += (f"`{best}` costs the most accuracy ({lost[best]:.0%}), the planted sites "
                 f"{start - at.get('planted sites', np.nan):.0%}, random positions "
                 f"{start - at.get('random', np.nan):.0%}. ")
        text += ("Spearman correlation with the AUROC ranking: "
                 + (f"{rho:.2f} over {used} methods" if np.isfinite(rho)
                    else "undefined (too few methods, or no differences between them)"))
        text += (" — too few methods for the correlation to mean much." if
                 np.isfinite(rho) and used < 6 else ".")
    lines.append(text)
display(Markdown("\n".join(lines)))

# %% [markdown]
# ## Planted motifs from TF-MoDISco
#
# The field turns maps into motifs with {term}`TF-MoDISco` (tfmodisco-lite; the known-biology
# chapter describes it and its window settings for 200 bp sequences). Here it runs on the maps
# of `modisco_methods` (all of them unless the profile names fewer, as the cpu profile does
# to stay within its time) on the positives, each explained as a motif sequence: the CNN's ISM, DeepLIFT/SHAP and
# input × gradient as {term}`hypothetical scores <hypothetical score>`, every other map
# projected (its score on the observed base, 0 on the others), the transformers' ISM on its
# first `n_ism` sequences only. A planted motif counts as recovered when a positive pattern's
# best JASPAR match (TOMTOM, $q \le 0.05$) is the planted matrix itself; the table gives,
# for each planted matrix, the rank of the first such pattern (1: the pattern of most
# seqlets; blank: none) and the q-value of its match. modisco needs 20 seqlets for a pattern,
# so the smoke profile's few positives give none.

# %% tags=["hide-input"]
planted, planted_patterns, planted_matches = patterns.planted(
    trained, ds.sequences, targets, scores, list(SYNTHETIC_TASK["motifs"]), modisco_methods)
patterns.planted_table(planted)

# %% tags=["hide-input"]
display(Markdown(patterns.planted_sentences(planted, trained)))

# %% [markdown]
# Cautions. The models are small and trained from scratch, on a task that only they and this
# book have seen; which method wins depends on the model, and a ranking on a synthetic task
# says how a method behaves where the signal is a short, exactly located motif, not on every
# genomic task. The ground truth is what separates the classes, not necessarily what a
# particular model uses: a model may call a sequence positive from part of a motif, or from a
# few bases of it, and a map that finds only those is right about the model and still scores
# below 1. And ISM's rows rest on fewer sequences than the others' (their n is given).
