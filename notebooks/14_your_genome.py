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
# # From the book to your genome
#
# The chapters keep their scores in a private cache. A reader with peaks of their own wants
# files their own tools open: a track for the genome browser, the input TF-MoDISco reads, a
# table of predictions under their own peak names. The `explain` command writes them:
#
# ```bash
# python -m dnaexplain explain peaks.bed --genome genome.fa --width 200 \
#     --run cnn:synthetic --profile cpu --methods lrp deep_lift_shap --out scores/
# ```
#
# and spreads over processes or GPUs with `torchrun --nproc_per_node N -m dnaexplain
# explain ...` (each process writes its shards, the first merges them, and a killed run
# starts again where it stopped). This page runs it on a genome it writes itself: two small
# chromosomes of random DNA with the CTCF motif planted under each peak, on half of them on
# the minus strand, explained by the CNN of the benchmark chapter (trained on sequences with
# planted CTCF, SP1 and TBP sites).

# %% tags=["parameters"]
# None: the profile's value (src/dnaexplain/profiles/<profile>.yml); see the page "Your data, your model"
profile: str = "cpu"  # parameter set: smoke, cpu, paper, or the path of your own YAML file

# %% tags=["hide-input"]
import tempfile
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pyBigWig
from IPython.display import Markdown, display

from dnaexplain import book, exporting, inputs, motifs, params, plots, training
from dnaexplain.sequences import random_sequences, reverse_complement

params.bind(globals())  # the profile's values, all checked
book.setup("{:.3g}")
run = next(r for r in benchmark_runs if r.startswith("cnn:"))
folder = Path(tempfile.mkdtemp(prefix="dnaexplain-genome-"))

# %% [markdown]
# ## A genome and its peaks
#
# Two chromosomes of 6 kb, GC 0.42 as in the synthetic task; every 500 bp a CTCF site
# (`CCACCAGGGGGCGC`, its core), written on the minus strand at every other peak; a BED file
# of 200 bp peaks with the site's centre as summit and the strand the site is on.

# %% tags=["hide-input"]
CTCF = "CCACCAGGGGGCGC"
chromosomes, rows = {}, []
for c, name in enumerate(["chrA", "chrB"]):
    dna = list(random_sequences(1, 6000, gc=0.42, seed=seed + c)[0])
    for j, centre in enumerate(range(500, 5600, 500)):
        strand = "-" if j % 2 else "+"
        site = CTCF if strand == "+" else reverse_complement(CTCF)
        start = centre - len(site) // 2
        dna[start : start + len(site)] = site
        rows.append((name, centre - 100, centre + 100, f"{name}_peak{j}", 0, strand, 100))
    chromosomes[name] = "".join(dna)
(folder / "genome.fa").write_text("".join(f">{n}\n{s}\n" for n, s in chromosomes.items()))
bed = pd.DataFrame(rows, columns=["chrom", "start", "end", "name", "score", "strand", "summit"])
bed.to_csv(folder / "peaks.bed", sep="\t", header=False, index=False)
bed.head()

# %% [markdown]
# ## The command, as a library call
#
# `inputs.read` reads the peaks as the command does (ids from the BED's name column, windows
# of `--width` around each summit, the reverse complement on `-`); `exporting.export` writes
# the folder, each peak explained as the motif class. The model is the benchmark chapter's (`training.run`, loaded from the cache;
# the command itself never trains: `--run` reads the cache only).

# %%
records = inputs.read(folder / "peaks.bed", genome=folder / "genome.fa", width=200)
trained, _ = training.run(run, train, seed=seed, min_eval_per_class=min_eval_per_class,
                          max_sequences=max_sequences)
out = exporting.export(folder / "scores", trained, records, methods=["lrp", "deep_lift_shap"],
                       target="motif", verbose=False)

# %% [markdown]
# What the folder holds:

# %% tags=["hide-input"]
pd.DataFrame({"file": sorted(str(f.relative_to(out)) for f in out.rglob("*") if f.is_file())})

# %% [markdown]
# The predictions keep the peak names and coordinates:

# %%
pd.read_csv(out / "predictions.tsv", sep="\t").head()

# %% [markdown]
# ## The track, read back
#
# The bigWig track of DeepLIFT/SHAP around the first two peaks, read with pyBigWig as a genome
# browser reads it, in genome order on both strands; the planted site lies in the middle of
# each peak.

# %%
with pyBigWig.open(str(out / "deep_lift_shap" / "deep_lift_shap.bw")) as bw:
    tracks = {f"{r.name} ({r.strand})": np.nan_to_num(bw.values(r.chrom, r.start, r.end))
              for r in bed.head(2).itertuples()}
plots.score_tracks(tracks, title="DeepLIFT/SHAP from the bigWig, genome order");

# %% tags=["hide-input"]
site = slice(100 - len(CTCF) // 2, 100 - len(CTCF) // 2 + len(CTCF))
with h5py.File(out / "scores.h5") as store:
    s = np.abs(store["scores/deep_lift_shap"][:])
share = (s[:, site].sum(1) / s.sum(1).clip(1e-12)).mean()
display(Markdown(
    f"Across the {len(s)} peaks, the planted {len(CTCF)} bp site holds "
    f"{share:.0%} of DeepLIFT/SHAP's absolute score, on {len(CTCF) / 200:.0%} of the bases."))

# %% [markdown]
# ## TF-MoDISco on the files as written
#
# `ohe.npz` and `deep_lift_shap/attr.npz` are what `modisco motifs -s ohe.npz -a attr.npz`
# reads; here the same files go to the book's TF-MoDISco call (`motifs.find_patterns`), and
# its patterns to TOMTOM against JASPAR. So few peaks may give no pattern at all: modisco
# needs more seqlets than a page of 22 peaks can offer.

# %% tags=["hide-input"]
ohe = np.load(out / "ohe.npz")["arr_0"]
attr = np.load(out / "deep_lift_shap" / "attr.npz")["arr_0"]
patterns = motifs.find_patterns(ohe, attr)
display(Markdown(
    f"TF-MoDISco finds {len(patterns)} pattern{'s' * (len(patterns) != 1)} in the "
    f"{len(ohe)} peaks" + (": " + "; ".join(f"`{q.id}` ({len(q.seqlets)} seqlets)"
                                          for q in patterns) if patterns else ".")))
