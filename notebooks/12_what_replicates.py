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
# # What replicates
#
# Every claim of the DNABERT case study that this book tests, and the headline claims of the
# DNABERT-2 and pruned-LRP studies, one row each: what the paper says and where, this build's
# numbers, and a verdict. The rows are written by the chapters as they run and collected here,
# so this page always describes the build in front of you (its profile is named below).
#
# How a verdict is reached. A claim about one method against another (or against random
# positions) is tested on the same sequences: per sequence, the two outcomes are paired, and a
# sign-flip permutation test asks whether their mean difference is zero. Many claims are
# tested at once, so the p-values of all rows are adjusted together (Benjamini-Hochberg) and a
# claim **replicates** when its adjusted p is below 0.05 in the direction the paper states (for
# a claim of no difference: when no difference is found). It **does not replicate** when the
# difference is absent or goes the other way. **Cannot tell here** means this build cannot
# test it, and the last column says why: most often the model falls back on the class in
# question, so no mutation can lower its accuracy, or the model is not the paper's.

# %% tags=["parameters"]
profile: str = "cpu"  # parameter set whose chapters' claims are collected

# %%
import pandas as pd
from IPython.display import Markdown, display

from dnaexplain import claims

# recorded by 02_finetuning, 04_mutagenesis, 05_motifs, 06_dnabert2_cnn and 07_pruned_lrp
ORDER = ["Fine-tuning", "Mutagenesis", "Motifs", "DNABERT-2 and a CNN", "Pruned LRP"]
table = claims.collect(profile, order=ORDER)

# %% tags=["hide-input"]
replicated = int(table["verdict"].str.startswith("replicates").sum())
refuted = int(table["verdict"].str.startswith("does not").sum())
untold = int((table["verdict"] == "cannot tell here").sum())
display(Markdown(
    f"Profile `{profile}`: {len(table)} claims from {table['chapter'].nunique()} chapters. "
    f"{replicated} replicate, {refuted} do not, and {untold} cannot be told here."
    if len(table) else f"No chapter of profile `{profile}` has recorded claims yet: build the "
    "chapters first (`make book`)."))

# %%
shown = table.assign(**{"adjusted p": table["p_adjusted"].map(
    lambda p: "" if pd.isna(p) else f"{p:.2g}")})
shown[["chapter", "claim", "paper", "ours", "verdict", "adjusted p", "why"]].style.hide(
    axis="index").set_properties(**{"text-align": "left", "white-space": "normal"})
