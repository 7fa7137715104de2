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
# # Scoring position contributions
#
# Section 4.2 of the DNABERT case study turns a fine-tuned model and one sequence into one score
# per nucleotide, in six ways: {term}`the attention of the [CLS] token <attention score>` in the
# last layer ({term}`DNABERT`'s own visualisation), {term}`attention rollout`
# {cite}`abnar2020rollout`, {term}`attention GradCAM`, and three variants of {term}`LRP` with
# {term}`the rules of Chefer et al. <Chefer's rules>` {cite}`chefer2021transformer` — rolled out
# over the layers (`lrp`), read at the last attention map (`lrp_last`), or read at the encoder
# input (`full_lrp`). This chapter computes all of them, plus {term}`AttnLRP`
# {cite}`achtibat2024attnlrp`, {term}`CP-LRP`, gradient-based scores and a {term}`random baseline`, on the same
# sequences of both tasks.
#
# Every method scores *tokens*. A {term}`6-mer <k-mer>` token covers six positions; following DNABERT, a
# position gets the mean score of the tokens that cover it:
#
# $$s_i = \frac{1}{|\{t : i \in t\}|} \sum_{t \ni i} s_t .$$

# %% tags=["parameters"]
# None: the profile's value (src/dnaexplain/profiles/<profile>.yml); see the page "Your data, your model"
profile: str = "cpu"  # parameter set: smoke, cpu, paper, or the path of your own YAML file
data_files: dict = None  # your datasets by file, e.g. {"mine": {"fasta": {"a": "a.fa", "b": "b.fa"}}}
runs: list = None  # list of "model:dataset" runs, e.g. ["dnabert:mine"]
train: dict = None  # settings per model, e.g. {"dnabert": {"source": "ckpt/", "finetune": False}}
methods: list = None  # scoring methods, see dnaexplain.attribution.METHODS
n_scored: int = None  # correctly classified sequences scored per class (integer, 1 or more)

# %% tags=["hide-input"]
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from dnaexplain import attribution, book, cache, metrics, models, params, plots, training
from dnaexplain.tokenizers import encode

params.bind(globals())  # the profile's values, yours laid over, all checked
dnabert_runs = params.runs_of(runs, "dnabert", "scores DNABERT's attention and LRP maps (a CNN has no attention)")
book.setup("{:.3g}")  # tables: 3 significant digits, no row numbers; warnings as admonitions

# %% [markdown]
# ## The models and the sequences
#
# The models are the DNABERT runs of the fine-tuning chapter (loaded from the cache). Scores
# explain the class each sequence truly belongs to, on sequences of the evaluation part that the
# model classifies correctly, `n_scored` per class.

# %%
chosen = {}
for run in dnabert_runs:
    trained, parts = training.run(run, train, seed=seed, min_eval_per_class=min_eval_per_class,
                                  max_sequences=max_sequences)
    evaluation = parts["evaluation"]
    logits = models.predict(trained.model, encode(trained.tokenizer, evaluation.sequences))
    right = np.flatnonzero(logits.argmax(1).numpy() == evaluation.labels)
    rng = np.random.default_rng(seed)
    picks = np.concatenate([rng.permutation(right[evaluation.labels[right] == c])[:n_scored]
                            for c in range(len(evaluation.classes))])
    chosen[run] = (trained, evaluation.subset(np.sort(picks)))
    print(f"{run}: accuracy {trained.metrics['accuracy']:.3f}; "
          f"{len(picks)} correctly classified sequences scored")

# %% [markdown]
# ## Every method on the same sequences

# %%
scores = {}
for run, (trained, ds) in chosen.items():
    scores[run] = attribution.explain_all(trained, ds.sequences, methods, target=ds.labels)

# %% [markdown]
# Each row below is one method's scores along one sequence, scaled so that the largest
# absolute score is 1 (red positive, blue negative). The methods built on attention
# (attention, rollout, GradCAM, `lrp`, `lrp_last`) are non-negative by construction;
# `full_lrp`, AttnLRP, CP-LRP and the gradients carry a sign.

# %%
for run, (_, ds) in chosen.items():
    for c, name in enumerate(ds.classes):
        for i in np.flatnonzero(ds.labels == c)[:n_examples]:
            length = len(ds.sequences[i])
            plots.score_tracks({m: s[i, :length] for m, s in scores[run].items()},
                               ds.sequences[i], title=f"{run.split(':')[1]} — {name}, "
                               f"sequence {ds.index[i]} of the source")

# %% [markdown]
# ## Do the methods agree?
#
# For each pair of methods, the Spearman correlation of their nucleotide scores, per sequence,
# averaged over all scored sequences of a task. High agreement between two methods says they
# rank positions alike, not that either is right; the {term}`mutagenesis` chapter tests that.

# %%
for run, (_, ds) in chosen.items():
    names = list(scores[run])
    lengths = np.array([len(s) for s in ds.sequences])
    agreement = pd.DataFrame(
        [[np.nanmean(metrics.spearman(scores[run][a], scores[run][b], lengths=lengths))
          for b in names] for a in names], index=names, columns=names)
    plots.method_correlation(agreement, title=f"{run.split(':')[1]}: mean Spearman correlation")

# %% [markdown]
# ## Which conventions `lrp` follows
#
# The paper ran the code of Chefer et al. (hila-chefer/Transformer-Explainability, commit
# c3e578f: `BERT_explainability/modules/BERT/ExplanationGenerator.py`), and that code
# differs from the paper's description of `lrp` in two places; both choices are options of
# `attribution.attribute`.
#
# * **Which layers.** The code's BERT `generate_LRP` starts the rollout at the last layer,
#   so its map is the last layer's {term}`relevance`-weighted attention alone; the paper describes a
#   rollout over the layers. The default here, `start_layer=0`, follows the paper's
#   description, because that is the method whose results the paper reports and discusses;
#   `start_layer=-1` is the code's default.
# * **Normalisation.** Before each product, the BERT code divides every row of
#   $\bar{A}_b + I$ by its sum (as attention rollout does); the ViT code of the same
#   repository multiplies $\bar{A}_b + I$ as it is, and the paper does not say. The default
#   here, `normalize=True`, follows the BERT code the paper ran: every row of the product
#   stays a distribution over tokens, so a layer does not outweigh the others by the scale
#   of its relevance alone. `normalize=False` is the ViT convention. For the last layer
#   alone the two differ by a factor on the row; over several layers they can rank tokens
#   differently (whether they do here is measured below).
#
# Two smaller differences are fixed: the [CLS] entry is set to the row minimum, as the code
# does since its commit 38071a7 (so it cannot stretch a later min-max scaling), and every
# division of the LRP rules is exact, where the code adds $10^{-9}$ to each denominator,
# which moves its maps by $10^{-4}$ to $2 \cdot 10^{-3}$ relative on random 4-layer
# DNABERTs (see `dnaexplain.lrp`). How much the two conventions change the map here, as the
# mean Spearman correlation per sequence with the default map:

# %% tags=["hide-input"]
trained, ds = next(iter(chosen.values()))
lengths = np.array([len(s) for s in ds.sequences[:8]])
variants = {"start_layer=0, normalize=True (default)": {},
            "start_layer=0, normalize=False": {"normalize": False},
            "start_layer=-1, normalize=True (the code's generate_LRP)": {"start_layer": -1},
            "start_layer=-1, normalize=False": {"start_layer": -1, "normalize": False}}
maps = attribution.explain_all(trained, ds.sequences[:8],
                              {name: ("lrp", opts) for name, opts in variants.items()},
                              target=ds.labels[:8])
default = maps[next(iter(variants))]
conventions = pd.Series({name: np.nanmean(metrics.spearman(default, m, lengths=lengths))
                         for name, m in maps.items()}, name="mean Spearman with the default")
display(conventions.to_frame())
same = conventions.iloc[1] >= 0.995  # what rounds to 1.00
display(Markdown(
    f"On {len(lengths)} sequences of `{ds.name}`: without normalisation the rollout over "
    f"all layers correlates {conventions.iloc[1]:.2f} with the default; the last layer "
    f"alone, {conventions.iloc[2]:.2f}. "
    + ("So on this model the normalisation barely changes how the rollout ranks positions; "
       "which layers are rolled out matters more." if same and conventions.iloc[2] < 0.995 else
       "So on this model the normalisation barely changes how the rollout ranks positions."
       if same else "So on this model the normalisation changes how the rollout ranks "
       "positions.")))

# %% [markdown]
# ## Conservation, checked live
#
# The invariants the library's tests assert, on the fine-tuned promoter model and a few of the
# sequences above, in float64: with Chefer's {term}`conservative` rules the relevance at the encoder
# input sums to 1 (the one-hot start), the baseline rule set does not; attention rollout's rows
# sum to 1; attention GradCAM lies in [0, 1].

# %%
trained, ds = next(iter(chosen.values()))
check = cache.cached("invariants", {"checkpoint": trained.key, "sequences": ds.sequences[:8],
                                    "target": ds.labels[:8]},
                     lambda: attribution.invariants(trained.model, trained.tokenizer,
                                                    ds.sequences[:8], ds.labels[:8]),
                     code=["attribution"])
check

# %% tags=["hide-input"]
low, high = check.loc["full_lrp total (chefer)"]
assert abs(low - 1) < 1e-6 and abs(high - 1) < 1e-6
drift = book.number("{:.1e}")(max(abs(low - 1), abs(high - 1)))
display(Markdown(
    f"Chefer's rules: every sequence's total lies within {drift} "
    "of 1. The baseline rules, which the reference code uses for `lrp_last` and `full_lrp`, "
    f"end between {book.number()(check.loc['full_lrp total (chefer_baseline)', 'min'])} and "
    f"{book.number()(check.loc['full_lrp total (chefer_baseline)', 'max'])}."))

# %% [markdown]
# ## Exercise
#
# :::{exercise} Which method would you trust, and why?
# :label: scoring-trust
#
# You have seen the maps of every method on the same sequences, how far they agree, and which
# of them conserve relevance. Before reading the next chapters, pick the method whose map you
# would show a biologist as "what the model looked at", and write down
#
# 1. what in this chapter supports your choice, and what in it cannot;
# 2. which result of a later test would make you change your mind.
# :::
#
# :::{solution} scoring-trust
# :class: dropdown
#
# There is no single right pick; what matters is the kind of evidence behind it.
#
# - **What this chapter can say.** Whether a method's rules are {term}`conservative
#   <conservation>` (its sizes can then be read as shares of the output), and which methods
#   rank positions alike. Agreement between two maps is not evidence that either is right: two
#   methods built on the same attention weights can agree and both be wrong. A map that looks
#   clean, sparse or biologically plausible has not yet been tested either.
# - **What it cannot say.** Whether the positions a map ranks high are those the model's
#   output depends on ({term}`faithfulness`), and whether they are the positions that matter
#   biologically. Conservation does not settle either: it says the relevance adds up, not
#   where it went. The baseline rules fail conservation, yet their *ranking* may still be
#   useful, which is all the mutagenesis test uses.
# - **What would change your mind.** A {term}`mutagenesis` curve of your method that stays
#   inside the {term}`random baseline`'s band (next chapter); a low
#   {term}`relevance mass accuracy` or an {term}`AUROC` near 0.5 on the synthetic task whose answer is
#   known (the benchmark chapter); {term}`motifs <motif>` found from its scores that match nothing in
#   {term}`JASPAR` (the motifs chapter).
#
# A defensible answer therefore names a method *provisionally* and the tests it still has to
# pass, on this model; a method that passes them for one model may fail them for another.
# :::
