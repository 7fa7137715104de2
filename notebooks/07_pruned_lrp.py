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

NAME = {"dnabert": "DNABERT", "dnabert2": "DNABERT-2", "cnn": "CNN"}
TOLERANCE = 0.10  # the mean drop may fall this far (relative) below its p = 0 value
PS = sorted({float(p) for p in prune_ps} | {0.0})  # p = 0, the unpruned map, always
TOP = f"p = {max(PS):g}"


def label(run):
    model_name = run.split(":")[0]
    method = "LRP" if model_name == "cnn" else "AttnLRP"
    return f"{NAME.get(model_name, model_name)} · {method}"


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
scores, truth, faith = {}, [], []
for run, t in trained.items():
    variants = attribution.plrp_variants(run.split(":")[0], PS)
    scores[run] = attribution.explain_all(t, ds.sequences, variants, target=targets)
    truth.append(metrics.ground_truth_table(scores[run], ds.mask, lengths).merge(
        metrics.map_table(scores[run], lengths, ["gini", "zeros"])).assign(run=run))
    references = {"random order": np.zeros(ds.mask.shape),
                  "planted sites": ds.mask.astype(float)}
    key = {"checkpoint": t.key, "sequences": ds.sequences, "target": targets,
           "methods": variants, "ns": ns, "seed": seed, "precision": mutagenesis_precision}
    faith.append(cache.cached("faithfulness", key, lambda: mutagenesis.faithfulness(
        t.model, t.tokenizer, ds.sequences, targets, {**scores[run], **references}, ns=ns,
        seed=seed, precision=mutagenesis_precision),
        code=["mutagenesis.py", "attribution"]).assign(run=run))
truth, faith = pd.concat(truth, ignore_index=True), pd.concat(faith, ignore_index=True)

# %% tags=["hide-input"]
drop = faith.groupby(["run", "method"], sort=False)["mean_drop"].first()
table = (truth.groupby(["run", "method"], sort=False)
         [["gini", "zeros", "mass_accuracy", "rank_accuracy", "auroc"]].mean())
table.insert(2, "mean_drop", drop.reindex(table.index))
table.insert(0, "p", [float(m.split("= ")[1]) for _, m in table.index])
table = table.rename(columns={"gini": "Gini", "zeros": "zero positions",
                              "mean_drop": "mean drop",
                              "mass_accuracy": "mass accuracy",
                              "rank_accuracy": "rank accuracy", "auroc": "AUROC"})
reference = drop.unstack("method")[["random order", "planted sites"]]
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
summary = table.reset_index().rename(columns={"Gini": "gini", "mean drop": "mean_drop",
                                              "mass accuracy": "mass_accuracy"})
baselines = {run: {"mean_drop": reference.loc[run, "random order"],
                   "mass_accuracy": inside.mean()} for run in trained}

# %%
plots.pruning_tradeoff(summary.assign(run=summary.run.map(label)),
                       {label(r): b for r, b in baselines.items()});

# %% [markdown]
# ## How far can $p$ go?
#
# For each model: the largest $p$ up to which the mean drop stays within 10 % of its unpruned
# value (`metrics.last_within`), and what the mean drop and sparsity are there.

# %% tags=["hide-input"]
def pruning_cost(run):
    """What pruning costs one run's map in faithfulness, in words."""
    rows, (rand, planted) = table.loc[run], reference.loc[run, ["random order", "planted sites"]]
    a0, a_top = rows.loc["p = 0", "mean drop"], rows.loc[TOP, "mean drop"]
    limit = metrics.last_within(rows["p"], rows["mean drop"], TOLERANCE)
    refs = f"random order {rand:.3g}, planted sites first {planted:.3g}"
    if share[run] < 0.5:
        return (f"the model calls only {share[run]:.0%} of these positives motif sequences: "
                f"it has not learned the motifs well enough for the question of what pruning "
                f"costs to be asked (mean drop {a0:.3g} unpruned, {a_top:.3g} at {TOP}; {refs}).")
    if not (a0 > max(rand, 0) and planted > rand) or np.isnan(limit):
        return (f"mutating its most relevant positions first is no more harmful than a "
                f"random order (mean drop {a0:.3g} against {rand:.3g}; planted sites first: "
                f"{planted:.3g}), so there is no faithfulness for pruning to lose.")
    if limit == max(PS):
        return (f"the mean drop stays within {TOLERANCE:.0%} of its unpruned value ({a0:.3g}) "
                f"at every p tested, {a_top:.3g} at {TOP} ({refs}): here sparsity costs no "
                "faithfulness.")
    at = rows.loc[rows.p == limit].iloc[0]
    return (f"the mean drop stays within {TOLERANCE:.0%} of its unpruned value ({a0:.3g}) up "
            f"to p = {limit:g} ({at['mean drop']:.3g}, Gini {at.Gini:.2f}); at {TOP} it is "
            f"{a_top:.3g} ({refs}).")


# %% tags=["hide-input"]
display(Markdown("\n".join(f"- **{label(run)}**: {pruning_cost(run)} " for run in trained)))

# %% [markdown]
# What pruning does to the map: its sparsity, and where its relevance goes, at $p = 0$ and at
# the largest $p$. The change in relevance mass accuracy comes with a 95 % bootstrap interval
# over the sequences (paired: the same sequences at both ends).

# %% tags=["hide-input"]
lines, pairs = [], {}
for run in trained:
    u, q = table.loc[(run, "p = 0")], table.loc[(run, TOP)]  # unpruned and most pruned
    pairs[run] = metrics.paired_values(truth[truth.run == run], "mass_accuracy", TOP, "p = 0")
    change = metrics.bootstrap_difference(*pairs[run], seed=seed)
    text = (f"- **{label(run)}**: sparsity (Gini) goes from {u.Gini:.2f} at p = 0 to "
            f"{q.Gini:.2f} at {TOP}, where {q['zero positions']:.0%} of the positions score "
            f"exactly 0 ({u['zero positions']:.0%} unpruned). ")
    if change["n"] == 0:
        lines.append(text + "Relevance mass accuracy is undefined here (no positive relevance).")
        continue
    moved = ("rises" if change["lo"] > 0 else "falls" if change["hi"] < 0
             else "does not change clearly")
    text += (f"Relevance mass accuracy {moved}: {u['mass accuracy']:.2f} → "
             f"{q['mass accuracy']:.2f} (change {change['mean']:+.3f}, 95 % interval "
             f"{change['lo']:+.3f} to {change['hi']:+.3f}; a flat map: {inside.mean():.2f}). "
             f"Rank accuracy goes {u['rank accuracy']:.2f} → {q['rank accuracy']:.2f}, AUROC "
             f"{u.AUROC:.2f} → {q.AUROC:.2f}")
    if change["lo"] > 0 and q.AUROC < u.AUROC:
        text += (": pruning concentrates what relevance is left on the motifs, but the "
                 "zeros it leaves put many planted bases level with the background, so as "
                 "a detector of every planted base the pruned map is worse")
    lines.append(text + ".")
display(Markdown("\n".join(lines)))

# %% tags=["hide-input"]
recorded = []
for run, (pruned, unpruned) in pairs.items():
    r = metrics.paired_comparison(pruned, unpruned, seed=seed)
    recorded.append(claims.claim(
        f"pruning ({TOP}) puts more of the positive relevance on the motifs ({label(run)}, "
        "synthetic task)", "Yanez Sarmiento et al. 2024, relevance localisation",
        f"mass accuracy {r['mean_b']:.2f} unpruned, {r['mean_a']:.2f} pruned ({r['n']} "
        "sequences)", r["estimate"], r["p"], "greater"))
claims.record("Pruned LRP", profile, recorded)

# %% [markdown]
# ## What pruning does to a map
#
# Each figure is one positive sequence, each row one model at one $p$, scaled so that its
# largest absolute score is 1 (red positive, blue negative). Boxes mark the planted motif
# instances. The sequences shown are the first ones that every model calls a motif sequence
# (or simply the first, where none is).

# %%
called = np.ones(len(ds), dtype=bool)
for t in trained.values():
    called &= models.predict(t.model, encode(t.tokenizer, ds.sequences)).argmax(1).numpy() \
        == motif
examples = (np.flatnonzero(called) if called.any() else np.arange(len(ds)))[:n_examples]
for i in examples:
    tracks = {f"{label(run)}, {m}": s[i, : lengths[i]] for run in trained
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
