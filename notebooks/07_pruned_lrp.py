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
# # Pruned LRP
#
# An {term}`LRP` map of a DNA sequence gives some {term}`relevance` to almost every position. Most of it is
# small, and it is left to the reader to tell the few positions that matter from the noise
# around them — easy on a photograph, hard on 200 letters of DNA. Yanez Sarmiento et al.
# {cite}`yanez2024plrp` make the map sparse inside the propagation itself: at every layer, per
# input, the smallest relevances are pruned and their mass is given to the relevances that
# are kept, so the explanation stays {term}`conservative`. Because the pruning is decided anew for
# each input, different neurons are pruned for different sequences; the network is not
# changed. On images and on synthetic DNA with planted {term}`motifs <motif>` they report that
# {term}`pruned LRP`
# gives sparser maps that put more of their relevance inside the ground truth, at a small cost
# in {term}`faithfulness`.
#
# This chapter measures that trade-off on the book's synthetic task, where the planted motif
# positions are known exactly, for a transformer ({term}`DNABERT-2 <DNABERT>`, pruning
# {term}`AttnLRP`) and for the CNN
# (pruning its LRP composite): as the pruned fraction $p$ grows, how much sparser do the maps
# get ({term}`Gini index`), how much of their relevance falls on the planted motifs
# ({term}`relevance mass accuracy`), and how much of their faithfulness ({term}`mean drop`) do
# they keep?
#
# ## The pruning rule
#
# Let $R \in \mathbb{R}^d$ be the relevance of one input that arrives at the input of a linear
# or convolutional layer, $P = \sum_j \max(R_j, 0)$ its positive total, and
# $R_{(1)} \le R_{(2)} \le \dots$ its positive entries in increasing order. The $k$ smallest
# are pruned, with $k$ the largest number such that
#
# $$\sum_{i \le k} R_{(i)} \le p \, P ,$$
#
# and the positive entries that are kept are scaled so that their total is $P$ again:
#
# $$\tilde R_j = \begin{cases} 0 & j \text{ pruned,} \\
#   R_j \, \dfrac{P}{\sum_{i \text{ kept},\, R_i > 0} R_i} & R_j > 0 \text{ kept.}
#   \end{cases}$$
#
# Negative entries are pruned the same way by magnitude, against their own total. Both totals
# are unchanged, so the map still adds up to what was explained, and $p = 0$ is the unpruned
# method. This is the paper's variant that rescales the kept relevance (PLRP-λ), with one $p$
# for every layer; it is `lrp.prune_relevance`, applied at the input of every `Linear` and
# `Conv1d` layer during the backward pass (for AttnLRP, whose relevance is {term}`gradient × input`,
# to $x \odot \partial y_c / \partial x$). In the {term}`attribution` API it is the method `plrp`
# with options `base` and `p`.

# %% tags=["parameters"]
# None: the profile's value (src/dnaexplain/profiles/<profile>.yml); see the page "Your data, your model"
profile: str = "cpu"  # parameter set: smoke, cpu, paper, or the path of your own YAML file
prune_runs: list = None  # list of "model:dataset" runs, e.g. ["cnn:synthetic"]
train: dict = None  # settings per model, e.g. {"dnabert": {"source": "ckpt/", "finetune": False}}
prune_ps: list = None  # pruning fractions p in [0, 1), e.g. [0.0, 0.5, 0.9]
n_benchmark: int = None  # sequences per class (integer, 1 or more)

# %% tags=["hide-input"]
import numpy as np
from IPython.display import Markdown, display

from dnaexplain import book, claims, params, plots, training
from dnaexplain.studies import pruned_lrp as study

params.bind(globals())  # the profile's values, yours laid over, all checked
book.setup("{:.3g}")  # tables: 3 significant digits, no row numbers; warnings as admonitions

# %% [markdown]
# ## Models and sequences
#
# Both models are trained on the synthetic task by `training.run` (or loaded from the cache;
# the benchmark chapter uses the same models). The task: 200 bp of random background, and in
# the positives one or two instances of a {term}`JASPAR` motif (TBP, SP1, CTCF) sampled from its matrix
# and planted at random positions; the negatives have none, so the planted bases are exactly
# what separates the classes. Every map explains the motif class, on `n_benchmark` positives
# of the evaluation part (the same sequences for both models, and the same as in the benchmark
# chapter).

# %%
trained, ds, models_table = training.runs_on_class(
    prune_runs, train, "motif", n_benchmark, seed=seed, min_eval_per_class=min_eval_per_class,
    max_sequences=max_sequences)
motif = ds.classes.index("motif")
share = models_table["called motif among them"]
targets = np.full(len(ds), motif)
lengths = np.array([len(s) for s in ds.sequences])
inside = ds.mask.sum(1) / lengths  # share of each sequence that is planted motif
models_table

# %% [markdown]
# ## Maps at every pruning fraction
#
# One map per model, sequence and $p$ (cached). Sparsity is the Gini index of the absolute
# scores of a sequence (0 for a flat map, close to 1 when one position holds everything);
# the share of positions whose score is exactly 0 says the same more bluntly. Relevance mass
# accuracy is the share of the positive relevance that falls on planted bases; a flat map
# scores the share of the sequence that is planted (last column of the second table).
# Faithfulness is the mean drop of `mutagenesis.faithfulness`: the drop of the motif
# class's probability as the 1, 5, ... most relevant positions are mutated, averaged over the
# steps in `ns` (a coarse summary of the curve, not Samek's {term}`AOPC`, which averages over every
# step). Two references frame it: mutating positions in random order, and mutating the
# planted bases first (in random order among them). The second is no ceiling: a motif
# instance has weakly specified columns whose mutation costs little, and a map that finds the
# bases the model relies on inside the motif can beat it.

# %% tags=["hide-input"]
scores, truth, faith = study.measure(trained, ds, prune_ps, targets, ns, seed=seed,
                                     precision=mutagenesis_precision)

# %% tags=["hide-input"]
table, reference = study.tables(truth, faith)
reference["flat map: mass accuracy"] = inside.mean()
display(table)
reference

# %% [markdown]
# ## The trade-off
#
# Each line follows one model from $p = 0$ (leftmost point, the unpruned map) to the largest
# $p$. Left: faithfulness against sparsity; the dashed line in the model's colour is the mean
# drop of mutating positions in random order. Right: relevance mass accuracy against sparsity; the
# dashed line is a flat map's, the share of the sequence that is planted.

# %% tags=["hide-input"]
summary = table.reset_index().rename(columns={v: k for k, v in study.COLUMNS.items()})
summary["run"] = summary.run.map(study.label)
baselines = {study.label(r): {"mean_drop": reference.loc[r, "random order"],
                              "mass_accuracy": inside.mean()} for r in trained}

# %%
plots.pruning_tradeoff(summary, baselines);

# %% [markdown]
# ## How far can $p$ go?
#
# For each model: the largest $p$ up to which the mean drop stays within 10 % of its unpruned
# value (`metrics.last_within`), and what the mean drop and sparsity are there.

# %% tags=["hide-input"]
display(Markdown(study.cost_sentences(table, reference, share, prune_ps)))

# %% [markdown]
# What pruning does to the map: its sparsity, and where its relevance goes, at $p = 0$ and at
# the largest $p$. The change in relevance mass accuracy comes with a 95 % bootstrap interval
# over the sequences (paired: the same sequences at both ends).

# %% tags=["hide-input"]
text, pairs = study.localisation_sentences(table, truth, prune_ps, inside.mean(), seed=seed)
display(Markdown(text))

# %% tags=["hide-input"]
claims.record("Pruned LRP", profile, study.claim_rows(pairs, prune_ps, seed=seed))

# %% [markdown]
# ## What pruning does to a map
#
# Each figure is one positive sequence, each row one model at one $p$, scaled so that its
# largest absolute score is 1 (red positive, blue negative). Boxes mark the planted motif
# instances. The sequences shown are the first ones that every model calls a motif sequence
# (or simply the first, where none is).

# %%
for i in study.examples(trained, ds.sequences, motif, n_examples):
    tracks = {f"{study.label(run)}, {m}": s[i, : lengths[i]] for run in trained
              for m, s in scores[run].items()}
    sites = [(s.start, s.end, s.name) for s in ds.sites if s.index == i]
    plots.site_tracks(tracks, sites, ds.sequences[i],
                      title=f"positive {ds.index[i]} of the synthetic task");

# %% [markdown]
# Two things to look for. Pruning keeps the positions that carried the most relevance
# already, so it cannot move relevance onto a motif the unpruned map missed; what it can do
# is remove the low-level background around the motif, which is what the rise in mass
# accuracy measures. And since relevance is pruned at every layer, not only at the input, the
# map at the input can lose a motif instance entirely when its path through the network was
# pruned higher up: where a sequence has two instances, check whether both survive large $p$.
