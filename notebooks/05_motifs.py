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
# # Motifs
#
# {term}`Mutagenesis <mutagenesis>` asks whether the top-scored positions matter to the model;
# {term}`motif` analysis asks
# whether they mean something to a biologist. Section 4.4 of the DNABERT case study runs
# {term}`DNABERT`'s own motif procedure {cite}`ji2021dnabert` on the scores of each method for the
# promoter task and compares what it finds with {term}`JASPAR` {cite}`khan2018jaspar` using
# {term}`TOMTOM` {cite}`gupta2007tomtom`. The
# paper reports that {term}`attention <attention score>` finds mostly JASPAR's "Other C4 zinc finger-type factors" (in
# JASPAR 2018 the GATA-type zinc fingers, not the nuclear receptors, which JASPAR files as a
# class of their own), `lrp_last` mostly C2H2 zinc fingers and `lrp` mostly homeodomain
# factors.
#
# The procedure, with every threshold a parameter of `motifs.find_motifs`:
#
# 1. in each positive sequence, keep positions whose score is above the sequence's mean and
#    above 10 times its minimum, in contiguous runs of at least 5 bp;
# 2. keep the candidates that occur in significantly more positive than negative sequences
#    (hypergeometric test, {term}`Benjamini–Hochberg` adjusted $p < 0.005$);
# 3. merge similar candidates by alignment, expand every instance to a 24 bp window, keep motifs
#    with at least 3 instances, and build {term}`position weight matrices <PWM>`;
# 4. compare each matrix with JASPAR 2018 CORE vertebrates using TOMTOM.
#
# The first step takes whole high-score runs as candidate strings. With long runs these almost
# never repeat between sequences, so step 2 finds nothing enriched. `motif_kmer` > 0 instead
# takes every {term}`k-mer` inside a run as a candidate (0 keeps DNABERT's rule exactly); the
# parameter is printed with every result.

# %% tags=["parameters"]
# None: the profile's value (src/dnaexplain/profiles/<profile>.yml); see the page "Your data, your model"
profile: str = "cpu"  # parameter set: smoke, cpu, paper, or the path of your own YAML file
data_files: dict = None  # your datasets by file, e.g. {"mine": {"fasta": {"a": "a.fa", "b": "b.fa"}}}
motif_runs: list = None  # list of "model:dataset" runs, e.g. ["dnabert:mine"]
train: dict = None  # settings per model, e.g. {"dnabert": {"source": "ckpt/", "finetune": False}}
motif_methods: list = None  # methods whose scores are searched for motifs
n_motif: int = None  # sequences per class searched (integer, 1 or more)
motif_class: str = None  # class whose motifs are searched ("": promoter, else the last class)

# %% tags=["hide-input"]
import inspect

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from dnaexplain import (
    attribution,
    book,
    claims,
    data,
    metrics,
    motifs,
    paper,
    params,
    plots,
    training,
)

params.bind(globals())  # the profile's values, yours laid over, all checked
book.setup("{:.3g}")  # tables: 3 significant digits, no row numbers; warnings as admonitions

# %% [markdown]
# ## Scores on promoters
#
# Per task, up to `n_motif` evaluation sequences of each class. Scores explain the promoter
# class on the promoters; the non-promoters serve only as the background of the enrichment test.

# %%
found, matches, profiles, inputs = {}, {}, {}, {}
for run in motif_runs:
    trained, parts = training.run(run, train, seed=seed, min_eval_per_class=min_eval_per_class,
                                  max_sequences=max_sequences)
    per_class = min(n_motif, int(parts["evaluation"].counts().min()))
    ds = data.sample(parts["evaluation"], per_class, seed=seed)
    positive = motifs.positive_class(ds.classes, motif_class)
    pos = np.flatnonzero(ds.labels == positive)
    scored = attribution.explain_all(trained, [ds.sequences[i] for i in pos], motif_methods,
                                     target=np.full(len(pos), positive))
    width = max(len(s) for s in ds.sequences)
    labels = (ds.labels == positive).astype(int)
    for method, s in scored.items():
        full = np.zeros((len(ds), width))
        full[pos, : s.shape[1]] = s
        hits = motifs.find_motifs(ds.sequences, labels, full, k=motif_kmer or None)
        found[run, method] = hits
        matches[run, method] = motifs.compare(hits) if hits else pd.DataFrame(columns=motifs.COLUMNS)
        profiles[run, method] = (ds, pos, s)
        inputs[run, method] = (ds.sequences, labels, full)
    print(f"{run}: {len(pos)} {ds.classes[positive]}, {len(ds) - len(pos)} background; motifs per "
          f"method: " + ", ".join(f"{m} {len(found[run, m])}" for m in motif_methods))

# %% [markdown]
# ## What each method finds
#
# For each task and method: how many motifs passed every filter, the logos of the most frequent
# ones, and their best JASPAR matches (TOMTOM q-value below 0.05).

# %%
for (run, method), hits in found.items():
    display(Markdown(f"### {run.split(':')[1]} — `{method}`: {len(hits)} motifs"))
    if not hits:
        continue
    fig = plots.logos(hits, title=f"{run.split(':')[1]}, {method}")
    display(fig)
    plt.close(fig)
    best = matches[run, method]
    best = best[(best["rank"] == 1) & (best["q_value"] < 0.05)]
    display(best[["query", "id", "name", "tf_class", "tf_family", "q_value"]].head(8))

# %% [markdown]
# ## When a method finds nothing
#
# Every filter of the procedure can stop a method. Two matter here. The high-score rule keeps
# a position only if its score exceeds ten times the sequence's minimum, so a map whose
# largest score is less than ten times its smallest has no regions at all; a map close to
# uniform over the tokens, as the attention of a small model can be, falls in that case.
# And the enrichment test runs over thousands of candidate strings, so with a few hundred
# sequences a candidate needs a small p-value to survive the Benjamini-Hochberg correction at
# the paper's 0.005. The table gives, per task and method, the median ratio of a sequence's
# largest to its smallest score, how many candidates were tested, and the strongest of them,
# whether or not it passed.

# %% tags=["hide-input"]
rows = []
for (run, method), (sequences, labels, full) in inputs.items():
    ds, pos, s = profiles[run, method]
    clamped = np.clip(s, 0, None)
    ratio = np.median(clamped.max(1) / np.maximum(clamped.min(1), 1e-30))
    tested = motifs.candidates(sequences, labels, full, p_adjusted=None, k=motif_kmer or None)
    best = min(tested, key=lambda c: c.p, default=None)
    rows.append({"task": run.split(":")[1], "method": method, "max / min (median)": ratio,
                 "candidates tested": len(tested), "motifs found": len(found[run, method]),
                 "strongest candidate": best.seq if best else "",
                 "in promoters": best.n_pos if best else 0,
                 "in others": best.n_neg if best else 0,
                 "p": best.p if best else np.nan, "adjusted p": best.q if best else np.nan})
diagnosis = pd.DataFrame(rows)
diagnosis

# %% tags=["hide-input"]
# how peaked each map is, against the high-score rule's fold (find_motifs' default, used above)
fold = inspect.signature(motifs.find_motifs).parameters["fold"].default
num = book.number("{:.3g}")  # ratios can be huge: 4.67×10²⁶, not 4.67e+26
lines = []
for task, part in diagnosis.groupby("task", sort=False):
    ratio = dict(zip(part["method"], part["max / min (median)"]))
    flat = [m for m, r in ratio.items() if r < fold]
    peaked = [f"`{m}` ({num(r)})" for m, r in ratio.items() if r >= fold]
    lines.append(f"- **{task}**: " + (
        "the median ratio of largest to smallest score is under "
        f"{fold:g} for " + ", ".join(f"`{m}` ({num(ratio[m])})" for m in flat)
        + ", so the rule keeps no position in at least half of "
        + ("that method's" if len(flat) == 1 else "those methods'") + " sequences"
        + (f"; it is {fold:g} or more for " + ", ".join(peaked) if peaked else "")
        if flat else
        f"every method's median ratio is {fold:g} or more ("
        + ", ".join(peaked) + "): the rule finds regions in most sequences of each") + ".")
display(Markdown("\n".join(lines)))

# %% [markdown]
# ## Transcription-factor classes, side by side
#
# Each motif counts once for every TF class among its significant JASPAR matches (q < 0.05,
# the five best matches per motif). The paper's finding to compare with: attention → other C4
# zinc fingers (GATA-type), `lrp_last` → C2H2 zinc fingers, `lrp` → homeodomain factors.

# %%
rows = [{"task": run.split(":")[1], "method": method, "TF class": r.tf_class,
         "motifs": r.n_queries}
        for (run, method), table in matches.items() if len(table)
        for r in motifs.tf_families(table, level="tf_class").itertuples()]
classes = pd.DataFrame(rows, columns=["task", "method", "TF class", "motifs"])
classes.pivot_table(index=["task", "TF class"], columns="method", values="motifs",
                    fill_value=0, aggfunc="sum")

# %% tags=["hide-input"]
# the paper's report, on its non-TATA promoter task
PAPER = paper.MOTIF_CLASSES  # JASPAR's class names
lines, rows = [], []
for run in [r for r in motif_runs if r.endswith(":human_nontata_promoters")]:
    task = run.split(":")[1]
    report = motifs.class_report(classes[classes.task == task],
                                 {m: c for m, c in PAPER.items() if m in motif_methods})
    for method, r in report.iterrows():
        text = f"`{method}`'s motifs on promoters match mostly {r.expected}"
        if not r.top_motifs:
            lines.append(f"- **{task}, `{method}`**: no significant JASPAR match, so no TF class "
                         f"(the paper: {r.expected}).")
            rows.append(claims.claim(text, "section 4.4", "no significant JASPAR match",
                                     why="no motif of this method matched JASPAR (q < 0.05)",
                                     paper=r.expected))
            continue
        lines.append(f"- **{task}, `{method}`**: most matched class {r.top} ({r.top_motifs} "
                     f"motifs); the paper's {r.expected}: {r.expected_motifs} motifs — the "
                     f"paper's finding {'holds' if r.holds else 'does not hold'} here.")
        rows.append(claims.claim(
            text, "section 4.4", f"mostly {r.top} ({r.top_motifs} motifs)",
            verdict="replicates" if r.holds else "does not replicate",
            why="the most frequent TF class of its JASPAR matches; no test applies",
            paper=r.expected))
claims.record("Motifs", profile, rows)
display(Markdown("\n".join(lines) or "No non-TATA promoter task in `motif_runs`."))

# %% [markdown]
# How firm each verdict above is: a class "leads" by the count of motifs with a significant
# match in it, among each motif's five best matches, so one motif can decide it, and a motif's
# best match alone (the tables of best matches above) can tell another story.

# %% tags=["hide-input"]
lines = []
for run in [r for r in motif_runs if r.endswith(":human_nontata_promoters")]:
    task = run.split(":")[1]
    report = motifs.class_report(classes[classes.task == task],
                                 {m: c for m, c in PAPER.items() if m in motif_methods},
                                 best={m: matches[run, m] for m in motif_methods})
    for method, r in report.iterrows():
        if not r.top_motifs:
            continue
        lead = (f"only {r.top} has a match ({r.top_motifs} motif{'s' * (r.top_motifs != 1)})"
                if not r.second_motifs and r.tied == 1
                else f"{r.tied} classes tie at {r.top_motifs} motifs ({r.top})" if r.tied > 1
                else f"{r.top} leads {r.second} by {r.margin} motif{'s' * (r.margin != 1)} "
                     f"({r.top_motifs} against {r.second_motifs})")
        by_best = (f"counted by each motif's best match alone, {r.best_top} leads with "
                   f"{r.best_top_motifs} of {r.best_motifs} motifs" if r.best_motifs else
                   "no motif's best match is significant")
        agree = ("the same class" if r.best_top == r.top else "a different answer")
        lines.append(f"- **{task}, `{method}`**: {lead}; the paper's {r.expected} has "
                     f"{r.expected_motifs}. {by_best[0].upper() + by_best[1:]}"
                     + (f", {agree}." if r.best_motifs else "."))
display(Markdown("\n".join(lines) or "No non-TATA promoter task in `motif_runs`."))

# %% [markdown]
# ## The TATA box: a known answer
#
# In `prom_300_tata` every promoter is centred so that the transcription start site (TSS) is at
# position 249 of 300 (−249 … +50), and a TATA box sits about 30 bp upstream of it. A method
# that finds what the model uses for TATA promoters should (a) put its {term}`relevance` there on
# average and (b) return a TBP / TATA-box matrix among its motifs, or at least (c) rank a
# TATA-like string first among its candidates.

# %%
tata_runs = [r for r in motif_runs if r.endswith("prom_300_tata")]
for run in tata_runs:
    curves = {}
    for method in motif_methods:
        s = profiles[run, method][2]
        curves[method] = (np.arange(s.shape[1]) - 249, metrics.mean_profile(s))
    plots.positional_profile(curves, marks={"TSS": 0, "TATA (−30)": -30},
                             title=f"{run.split(':')[1]}: mean scaled score over promoters")

# %% tags=["hide-input"]
lines = []
for run in tata_runs:
    for method in motif_methods:
        x, y = (np.arange(profiles[run, method][2].shape[1]) - 249,
                profiles[run, method][2].mean(0))
        window = (x >= -40) & (x <= -20)
        ratio = y[window].mean() / np.abs(y).mean()
        table = matches[run, method]
        tbp = table[(table["q_value"] < 0.05) & table["name"].str.contains("TBP", na=False)]
        row = diagnosis.set_index(["task", "method"]).loc[(run.split(":")[1], method)]
        lines.append(f"- `{method}`: mean score in −40 … −20 is {ratio:.2f} times its mean "
                     f"absolute score over the sequence; a TBP matrix "
                     f"{'is' if len(tbp) else 'is not'} among its significant JASPAR matches; "
                     f"its strongest candidate is {row['strongest candidate'] or 'none'}"
                     + (f" ({row['in promoters']} promoters, {row['in others']} others, adjusted "
                        f"p {book.p_value(row['adjusted p'])}: "
                        f"{'passes' if row['adjusted p'] < 0.005 else 'misses'} the 0.005 cut)"
                        if row['strongest candidate'] else "") + ".")
display(Markdown("\n".join(lines) if lines else "No TATA task in `motif_runs`."))

# %% [markdown]
# ## Reading these results against the paper's
#
# Three things separate this run from the paper's, and each pushes the same way.
#
# * **The model.** The paper explains the pre-trained DNABERT fine-tuned on promoters; the
#   `smoke` and `cpu` {term}`profiles <profile>` train a small model from scratch on a few thousand sequences
#   (the `paper` profile fine-tunes the pre-trained one). The high-score rule is relative to a
#   sequence's own minimum, so a map can only yield motifs when it is peaked; how peaked each
#   method's maps are here is the ratio column above and the list below it.
# * **What the promoter motifs match.** Non-TATA promoters are mostly CpG-island promoters, and
#   GC-rich strings ranked high by a map tend to match GC-box binders such as the SP/KLF
#   factors, which JASPAR files under C2H2 zinc fingers. The TF class a method "finds" is the
#   class of the best TOMTOM match of a GC-rich 24 bp window, a weak link to the factor the
#   model relies on.
# * **The sample.** The TATA task's evaluation split holds about 300 promoters. Thousands of
#   candidate strings are tested, and the Benjamini–Hochberg cut at the paper's 0.005 then asks
#   for a p-value near 1e-6; the TATA section above says where each method's strongest
#   candidate fell. More sequences (the `paper` profile scores every evaluation sequence) or the
#   cut as a parameter of `motifs.find_motifs` (`p_adjusted`) move candidates across it.
