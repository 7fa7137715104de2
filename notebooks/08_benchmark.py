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
from IPython.display import Markdown, display

from dnaexplain import book, claims, params, plots, training
from dnaexplain.data import SYNTHETIC_TASK
from dnaexplain.studies import NAME, patterns
from dnaexplain.studies import benchmark as study

params.bind(globals())  # the profile's values, yours laid over, all checked
patterns.check_chosen(modisco_methods, benchmark_methods)
book.setup("{:.3g}")  # tables: 3 significant digits, no row numbers; warnings as admonitions

# %% tags=["hide-input"]
display(Markdown(study.task_sentence()))

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
methods = {m: benchmark_methods[m] for m in trained}
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
scores, ism_count = study.explain(trained, ds.sequences, methods, targets, n_ism)
print(study.ism_line(len(ds), ism_count))

# %% tags=["hide-input"]
truth, summaries = study.truth_table(scores, ds.mask, lengths, seed=seed)
head = summaries[study.HEADLINE]

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

# %%
study.ranking(head, len(ds))

# %%
plots.benchmark_ranking(head, label="AUROC (mean, 95 % interval)", chance=0.5);

# %% [markdown]
# The other two measures, sorted the same way. On both, a flat or random map scores the share
# of the sequence that is planted (given with each table).

# %%
for measure in ["mass_accuracy", "rank_accuracy"]:
    display(Markdown(f"**{study.MEASURES[measure]}** (a flat map: {inside.mean():.3f})"))
    display(study.ranking(summaries[measure], len(ds)))

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
order, ranking_tests = study.ranking_tests(head, truth, methods, seed=seed)
ranking_tests.rename_axis(["model", "a", "b"]).rename(
    columns={"mean_a": "AUROC a", "mean_b": "AUROC b", "estimate": "a − b"})

# %% tags=["hide-input"]
display(Markdown(study.ranking_sentences(head, order, ranking_tests, share)))

# %% [markdown]
# The attention-based scores, and each model's winner, against random scores:

# %% tags=["hide-input"]
display(Markdown(study.random_sentences(order, ranking_tests)))

# %% [markdown]
# The case study's thesis, that {term}`LRP` explains DNABERT better than its attention, can be held to
# the planted answer here: each LRP variant against {term}`attention <attention score>`, `lrp` against
# {term}`rollout`, and {term}`AttnLRP` (the DNABERT-2 study's method) against
# {term}`random scores <random baseline>`, per model, on AUROC. These
# rows go to the What replicates page, where they are judged with every other claim of the
# book.

# %% tags=["hide-input"]
thesis, recorded, text = study.thesis(truth, order, seed=seed)
claims.record("Benchmark", profile, recorded)
display(Markdown(text))

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
results = study.mutate(trained, ds, scores, ism_count, targets, ns, random_repeats, seed=seed,
                       precision=mutagenesis_precision)

# %% [markdown]
# The curves show, to stay readable, the planted sites, DNABERT's attention score where the
# model has it, and the three best and the worst method by AUROC; the test ran on all of them
# and all enter the comparison below.

# %%
for model_name, summary in results.items():
    plots.mutagenesis_curves(study.curves_shown(head, summary, model_name),
                             title=NAME.get(model_name, model_name))

# %% [markdown]
# Does the test rank the methods as the known answer does? For each model, the Spearman
# correlation across methods between AUROC and the accuracy *lost* at the largest $n$
# (accuracy unmutated minus accuracy after mutating the top positions): 1 means the test
# orders the methods exactly as the ground truth does. The two need not agree: the test
# rewards a map for the few positions that move the model most, AUROC for ranking every
# planted base above every background base. Where they disagree, the ground truth is the
# answer to "which positions make this a motif sequence".

# %% tags=["hide-input"]
display(Markdown(study.agreement_sentences(results, head, ns)))

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
