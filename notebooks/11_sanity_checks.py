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
# # Sanity checks: does the map depend on the model?
#
# Every chapter so far ranks scoring methods by what their maps show: {term}`attention`
# against the {term}`LRP` family, AttnLRP against a CNN's LRP. A map earns that reading only if
# it describes what the model learnt. Adebayo et al. {cite}`adebayo2018sanity` found that some
# popular maps of image classifiers barely change when the trained weights are replaced by
# random ones: such a map shows the input, or the architecture, whatever the model knows. Their
# check is now the field's first control, and none of the papers this book reproduces ran it.
#
# The test (model-parameter randomisation, as Quantus's `MPRT` computes it): the weights of
# one block after another are re-drawn, from the classifier head down to the embeddings, and
# every map is computed again on the same sequences, for the same class. After each step the
# new map is compared with the trained model's map of the same sequence:
#
# * **Spearman's rank correlation of the absolute scores**, over the nucleotides of the
#   sequence (Quantus's default similarity): 1 when the order of importance is unchanged;
# * the **top-k overlap**: the share of the k highest-scoring positions the two maps share.
#
# *Cascading* randomisation keeps every block randomised so far, so its last step is a model
# with no trained weight left; *independent* randomisation re-draws one block at a time and
# shows which block a map listens to. A map that depends on the model falls towards 0 as the
# cascade goes down; a map that stays high with every weight random is flagged. The `random`
# map, seeded by the sequence alone, is the control that must stay at 1.

# %% tags=["parameters"]
# None: the profile's value (src/dnaexplain/profiles/<profile>.yml); see the page "Your data, your model"
profile: str = "cpu"  # parameter set: smoke, cpu, paper, or the path of your own YAML file
sanity_runs: list = None  # list of "model:dataset" runs, e.g. ["cnn:synthetic"]
train: dict = None  # settings per model, e.g. {"dnabert": {"source": "ckpt/", "finetune": False}}
sanity_methods: dict = None  # methods per model, e.g. {"cnn": ["lrp", "saliency", "random"]}
n_sanity: int = None  # sequences of the motif class (integer, 1 or more)

# %% tags=["hide-input"]
import numpy as np
from IPython.display import Markdown, display

from dnaexplain import book, claims, params, plots, training
from dnaexplain.studies import sanity_checks as study

params.bind(globals())  # the profile's values, yours laid over, all checked
book.setup("{:.3g}")  # tables: 3 significant digits, no row numbers; warnings as admonitions
k = max(ns)  # top positions compared

# %% [markdown]
# ## Models and sequences
#
# The models are the benchmark chapter's, trained on the synthetic task by `training.run` (or
# loaded from the cache): random background with JASPAR motifs planted in the positives, so a
# model that learnt the task has learnt the motifs. Each explains `n_sanity` positives of the
# evaluation part as the motif class, the same sequences for every model.

# %% tags=["hide-input"]
trained, ds, models_table = training.runs_on_class(
    sanity_runs, train, "motif", n_sanity, seed=seed, min_eval_per_class=min_eval_per_class,
    max_sequences=max_sequences)
target = np.full(len(ds), ds.classes.index("motif"))
models_table

# %% [markdown]
# ## Randomising the weights
#
# One table row per model, method, step and sequence (`randomisation.mprt`; cached). The
# figure shows the mean rank correlation with its 95 % bootstrap interval; the dotted line is
# the flagging threshold of 0.5, the x axis the block randomised at each step, from the head
# (left) to the embeddings (right).

# %% tags=["hide-input"]
tables = study.randomisation_tables(trained, ds, sanity_methods, target, k=k, seed=seed)
summary = study.summaries(tables, seed=seed)

# %%
plots.randomisation_curves(summary[summary.order == "cascading"], study.THRESHOLD);

# %% [markdown]
# Independent randomisation: one block at a time, the others trained. A map that drops at
# one block reads that block; a map that drops only at the head is a map of the head.

# %%
plots.randomisation_curves(summary[summary.order == "independent"], study.THRESHOLD);

# %% [markdown]
# ## With every weight random
#
# The last cascading step, per model and method: the mean rank correlation with the trained
# map (95 % interval), the top-k overlap, and whether the map is flagged (mean above 0.5).

# %% tags=["hide-input"]
final = study.fully_random(summary)
final

# %% [markdown]
# Each map's per-sequence correlations are tested against the threshold (sign-flip test of
# the mean difference; all maps but the random control form one family, adjusted by
# Benjamini-Hochberg). A map passes when its correlation is significantly below 0.5.

# %% tags=["hide-input"]
tested = study.tests(tables, seed=seed)
display(Markdown(study.verdicts(final, tested)))
claims.record("Sanity checks", profile, study.claim_rows(final, tested))

# %% [markdown]
# ## What this does and does not say
#
# Passing says that a map changes when the model changes; it does not say that the map is
# right. A map can depend on the weights and still point at the wrong bases; the benchmark
# and known-biology chapters ask that question. Failing is the stronger finding: a map that
# stays the same for a model with random weights cannot be evidence of what a trained model
# learnt, however plausible it looks. Attention and rollout are the first suspects: a
# randomised transformer still attends by its tokens' embeddings and positions, and rollout
# multiplies those patterns. Whether their maps keep their shape here is what the verdicts
# above say for this build's models.
