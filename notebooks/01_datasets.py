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
# # Datasets
#
# The DNABERT case study fine-tunes {term}`DNABERT` on two binary tasks from *Genomic Benchmarks*
# {cite}`gresova2023genomic` and explains the fine-tuned models on 500 sequences of each class
# drawn from the test split:
#
# - **human non-TATA promoters** — 251 bp around transcription start sites of human promoters
#   without a TATA box (from the Eukaryotic Promoter Database), against random genomic
#   fragments of the same length;
# - **human enhancers (Cohn)** — 500 bp enhancer regions against non-enhancer regions; the
#   paper drops sequences shorter than 200 bp and any that contain an unknown base `N`.
#
# The DNABERT-2 chapters add the GUE promoter task `prom_300_tata` (−249 … +50 around the
# TSS), where a TATA box about 30 bp upstream of the TSS gives a known answer to look for.
#
# This chapter loads each set the way every later chapter does, shows what preprocessing
# removed, and looks at what separates the classes before any model sees them.

# %% tags=["parameters"]
# None: the profile's value (src/dnaexplain/profiles/<profile>.yml); see the page "Your data, your model"
profile: str = "cpu"  # parameter set: smoke, cpu, paper, or the path of your own YAML file
data_files: dict = None  # your datasets by file, e.g. {"mine": {"fasta": {"a": "a.fa", "b": "b.fa"}}}
datasets: list = None  # dataset names: built-in or from data_files, e.g. ["mine"]
n_examples: int = None  # example sequences shown per class (integer, 0 or more)

# %% tags=["hide-input"]
import pandas as pd
from IPython.display import Markdown, display

from dnaexplain import book, data, params, plots, sequences

params.bind(globals())  # the profile's values, yours laid over, all checked
book.setup("{:.3g}")  # tables: 3 significant digits, no row numbers; warnings as admonitions

# %% [markdown]
# ## Where the data come from
#
# `data.load` looks for a split in a directory given to it, then in the mirror directory
# `DNAEXPLAIN_DATA_MIRROR`, then in the download cache, and otherwise downloads the published
# archive (Zenodo for Genomic Benchmarks, the GUE archive of the DNABERT-2 authors). Only the
# test splits of the Genomic Benchmarks sets can be had offline here, so the book re-splits
# them (below). In the `smoke` {term}`profile` each set is capped at `max_sequences` sequences.

# %%
loaded = {}
for name in datasets:
    full = data.load(name)
    if max_sequences:
        full = data.sample(full, n_per_class=max_sequences // len(full.classes), seed=seed)
    loaded[name] = full

pd.DataFrame([
    {"dataset": d.name, "split": d.split, "classes": " / ".join(d.classes),
     "sequences": len(d), "source": d.source,
     "length alone (AUROC)": data.length_leak(d)} for d in loaded.values()
])

# %% [markdown]
# The last column asks whether a model could tell the classes apart by length alone: the
# {term}`AUROC` of sequence length as a classifier, 0.5 when lengths say nothing, 1 when they separate
# the classes. `data.from_files` warns from 0.6 on, since a model would learn the length.

# %% [markdown]
# ## What preprocessing removed
#
# The paper's enhancer filter drops sequences shorter than 200 bp or containing `N`; the
# promoter sets are used as published.

# %%
pd.DataFrame([{"dataset": d.name, **{k: v for k, v in d.removed.items()}, "kept": len(d)}
              for d in loaded.values()]).fillna(0).convert_dtypes()

# %% [markdown]
# ## Class balance

# %%
balance = pd.DataFrame([
    {"dataset": d.name, "class": d.classes[c], "sequences": int(n)}
    for d in loaded.values() for c, n in enumerate(d.counts())
])
plots.class_balance(balance);

# %% [markdown]
# ## Lengths and composition
#
# Per sequence of length $L$ with $n_X$ bases $X$ and $n_{CG}$ CpG dinucleotides we compute the
# GC content $g = (n_G + n_C)/L$ and the CpG observed/expected ratio
#
# $$
# \mathrm{CpG}_{o/e} = \frac{n_{CG}\, L}{n_C\, n_G}.
# $$
#
# CpG dinucleotides are depleted in most of the human genome ($\mathrm{CpG}_{o/e} \approx 0.2$)
# but not in CpG islands, which overlap most non-TATA promoters: composition alone already
# separates promoters from random fragments, and a model can score well by learning it. Keep
# this in mind when the {term}`attribution` chapters ask *which* positions matter.

# %%
per_sequence = pd.concat([
    pd.DataFrame({"dataset": d.name, "label": d.labels, "class": [d.classes[c] for c in d.labels],
                  "length": [len(s) for s in d.sequences],
                  "GC content": sequences.gc_content(d.sequences),
                  "CpG o/e": sequences.cpg_ratio(d.sequences)})
    for d in loaded.values()
], ignore_index=True).sort_values(["dataset", "label"], kind="stable")
per_sequence.groupby(["dataset", "class"])[["length", "GC content", "CpG o/e"]].agg(["mean", "std"])

# %% tags=["hide-input"]
spread = per_sequence.groupby("dataset")["length"].agg(["min", "max"])
if (spread["min"] < spread["max"]).any():
    plots.distributions(per_sequence, "length", "length (bp)")
else:
    display(Markdown("Every sequence of a set has the same length: " + ", ".join(
        f"{name} {row['min']} bp" for name, row in spread.iterrows()) + "."))

# %%
plots.distributions(per_sequence, "GC content", "GC content");

# %%
plots.distributions(per_sequence, "CpG o/e", "CpG observed / expected");

# %% tags=["hide-input"]
means = per_sequence.groupby(["dataset", "label"])["GC content"].mean().unstack()
display(Markdown("Mean GC content, positive minus negative class: " + "; ".join(
    f"{name} {row[1] - row[0]:+.3f}" for name, row in means.iterrows()) + ". A set where "
    "this difference is small asks the model for more than composition."))

# %% [markdown]
# Dinucleotide frequencies per class show the same story in more detail: the CG column is where
# promoters and background part ways most.

# %%
dinucleotides = pd.DataFrame({
    f"{d.name} / {d.classes[c]}": sequences.dinucleotide_frequencies(
        [s for s, y in zip(d.sequences, d.labels) if y == c])
    for d in loaded.values() for c in range(len(d.classes))
}).T
plots.dinucleotide_heatmap(dinucleotides);

# %% [markdown]
# ## Example sequences
#
# The first 60 bases of a few sequences of each class.

# %%
rows = []
for d in loaded.values():
    for c, cls in enumerate(d.classes):
        for i in [i for i, y in enumerate(d.labels) if y == c][:n_examples]:
            rows.append({"dataset": d.name, "class": cls, "row in source": int(d.index[i]),
                         "first 60 bp": d.sequences[i][:60]})
(pd.DataFrame(rows).style.hide(axis="index")
 .set_properties(subset=["first 60 bp"], **{"font-family": "monospace"}))

# %% [markdown]
# ## Train, validation and evaluation splits
#
# `data.splits` gives every later chapter the same three parts. Where all published splits can
# be had they are used as published (GUE ships train, dev and test; `prom_300_tata` is
# mirrored whole). Where only the test split is at hand — the Genomic Benchmarks sets here — it
# is re-split once, stratified by class, with a fixed seed: 70 % for fine-tuning, 10 % for model
# selection and 20 % for the explanation experiments, and never fewer than
# `min_eval_per_class` evaluation sequences per class (500 in the paper).

# %%
parts = {name: data.splits(name, seed=seed, min_eval_per_class=min_eval_per_class,
                           max_sequences=max_sequences) for name in datasets}
pd.DataFrame([
    {"dataset": name, "part": part, "from split": d.split,
     **{d.classes[c]: int(n) for c, n in enumerate(d.counts())}}
    for name, split in parts.items() for part, d in split.items()
]).fillna(0).convert_dtypes()  # counts as integers

# %% [markdown]
# ## A task with a known answer
#
# Real data never say which positions *should* matter. The last part of the book uses a
# synthetic task that does: random background of a fixed GC content (`data.SYNTHETIC_TASK`;
# the value, and how it compares with the data above, is printed below the figure), and
# {term}`JASPAR` {term}`motifs <motif>` {cite}`khan2018jaspar` (a TATA box, an SP1 GC box, a CTCF site) planted
# at recorded positions in the positive sequences only. The planted positions are the exact
# ground truth every attribution method is scored against.

# %%
toy = data.synthetic(200 if max_sequences else 2000, length=200, gc=data.SYNTHETIC_TASK["gc"],
                     seed=seed)
display(Markdown(f"{len(toy)} sequences, {int(toy.labels.sum())} with motifs; "
                 f"planted bases cover {toy.mask[toy.labels == 1].mean():.1%} of a positive."))
pd.DataFrame([s._asdict() for s in toy.sites[:8]])

# %%
plots.site_map(toy.mask, toy.labels);

# %% tags=["hide-input"]
# the background's GC content as the code sets it, against the real data's means above
gc = data.SYNTHETIC_TASK["gc"]
background = sequences.gc_content([s for s, y in zip(toy.sequences, toy.labels) if y == 0])
real = per_sequence.groupby(["dataset", "class"])["GC content"].mean()
display(Markdown(
    f"The book's synthetic task draws its background with GC content {gc:.2f} "
    f"(`data.SYNTHETIC_TASK`; the sequences without motifs here measure "
    f"{background.mean():.3f}). The real classes above average "
    + ", ".join(f"{v:.2f} ({d}, {c})" for (d, c), v in real.items()) + "."))
