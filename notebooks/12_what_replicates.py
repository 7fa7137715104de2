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
# Every claim of the DNABERT case study that this book tests, the headline claims of the
# DNABERT-2 and pruned-LRP studies, and the book's own tests against known answers, one row
# each, with the paper's number beside ours where the paper gives one. The chapters write the
# rows as they run, so this page describes the build in front of you.

# %% tags=["parameters", "hide-input"]
profile: str = "cpu"  # parameter set whose chapters' claims are collected

# %% tags=["remove-input"]
from IPython.display import HTML, Markdown, display

from dnaexplain import claims

# recorded by 02_finetuning, 04_mutagenesis, 05_motifs, 06_dnabert2_cnn, 07_pruned_lrp,
# 08_benchmark and 09_known_biology; shown strongest evidence first
PAGES = {"Mutagenesis": "04_mutagenesis", "Benchmark": "08_benchmark",
         "DNABERT-2 and a CNN": "06_dnabert2_cnn", "Known biology": "09_known_biology",
         "Motifs": "05_motifs", "Pruned LRP": "07_pruned_lrp", "Fine-tuning": "02_finetuning",
         "Sanity checks": "11_sanity_checks"}
table = claims.collect(profile, order=list(PAGES))
counts = claims.summary(table)
findings, caveats = claims.headlines(table)

# %% tags=["remove-input"]
display(Markdown(
    f"Profile `{profile}`: {len(table)} claims from {table['chapter'].nunique()} chapters; "
    f"{counts['replicates']} replicate, {counts['does not replicate']} do not, and "
    f"{counts['cannot tell here']} cannot be told here. Each verdict's number leads to its "
    "statistics and reasons at the foot of the page."
    if len(table) else f"No chapter of profile `{profile}` has recorded claims yet: build the "
    "chapters first (`make book`)."))

# %% tags=["remove-input"]
display(HTML(claims.to_html(table, {c: f"{p}.html" for c, p in PAGES.items()})))

# %% [markdown]
# ## What this build found

# %% tags=["remove-input"]
display(Markdown("\n".join(f"- {line}" for line in findings)
                 or "No chapter recorded a finding of the topics this page summarises."))

# %% [markdown]
# ## What limits it

# %% tags=["remove-input"]
display(Markdown("\n".join(f"- {line}" for line in caveats)
                 or "No caveat was recorded by this build's chapters."))

# %% [markdown]
# ## How a verdict is reached
#
# A claim about one method against another (or against random positions) is tested on the
# same sequences: per sequence the two outcomes are paired, and a {term}`sign-flip test`
# asks whether their mean difference points the way the claim says. A claim is tested as it
# is stated: "lowers accuracy more than" is one-sided, and "no better than" fails only when
# the method is shown better, so a method worse than random supports it. The p-values of all
# rows are adjusted together (Benjamini-Hochberg) and a difference counts when its adjusted p
# is below 0.05. A row on a {term}`fallback class` is tested like any other and carries that
# caveat. **Cannot tell here** is kept for claims no test applies to, and the notes say why;
# motif claims, found or not found, are judged from their counts.
#
# ## Statistics and reasons

# %% tags=["remove-input"]
display(HTML(claims.notes_html(table)))
