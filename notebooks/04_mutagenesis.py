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
# # Mutagenesis
#
# A {term}`score map` claims that some positions matter more than others. Section 4.3 of the DNABERT
# case study puts that claim to a direct test: for each sequence, rank its positions by score,
# change the top $n$ of them to a random other base, re-tokenise and classify again. If the
# scores are right, the model's accuracy on a class falls faster when its top-scored positions
# are mutated than when random positions are. The paper reports (Table 1, Figures 1 and 2) that
# the {term}`LRP`-based scores beat the others at $n = 20$ and that {term}`attention <attention score>` cannot reliably beat random
# positions.
#
# Two baselines frame every curve: **{term}`random <random baseline>`** positions, repeated with different seeds (the
# grey band shows where one random draw falls: the middle 95 % of the repeats when there are
# at least 40 of them, else the binomial interval of one draw at the accuracy pooled over the
# repeats; the legend and the text below say which), and **{term}`n = all`**, a random sequence of the same length, which is how the
# model classifies sequences with no signal left. Ties in a score map are broken at random,
# never by position, so no method gains from the order of the sequence.

# %% tags=["parameters"]
# None: the profile's value (src/dnaexplain/profiles/<profile>.yml); see the page "Your data, your model"
profile: str = "cpu"  # parameter set: smoke, cpu, paper, or the path of your own YAML file
data_files: dict = None  # your datasets by file, e.g. {"mine": {"fasta": {"a": "a.fa", "b": "b.fa"}}}
runs: list = None  # list of "model:dataset" runs, e.g. ["dnabert:mine"]
train: dict = None  # settings per model, e.g. {"dnabert": {"source": "ckpt/", "finetune": False}}
mutagenesis_methods: list = None  # methods judged, see dnaexplain.attribution.METHODS
n_per_class: int = None  # sequences per class mutated (integer, 1 or more, the paper: 500)

# %% tags=["hide-input"]
import pandas as pd
from IPython.display import Markdown, display

from dnaexplain import (
    attribution,
    book,
    cache,
    claims,
    data,
    models,
    mutagenesis,
    paper,
    params,
    plots,
    training,
)
from dnaexplain.tokenizers import encode

params.bind(globals())  # the profile's values, yours laid over, all checked
dnabert_runs = params.runs_of(runs, "dnabert", "mutates the sequences DNABERT's maps rank (a CNN has no attention)")
book.setup("{:.3f}")  # tables: 3 decimals, no row numbers; warnings as admonitions
# the paper's LRP variants; AttnLRP, CP-LRP and the gradient maps are this book's additions
LRP_METHODS = [m for m in ["lrp", "lrp_last", "full_lrp"] if m in mutagenesis_methods]

# %% [markdown]
# ## The experiment
#
# Per task, `n_per_class` evaluation sequences of each class (500, as in the paper), scored by
# every method for the class the model predicts. All mutated sequences of all methods are
# classified together in large batches, so the experiment costs about what classifying that
# many sequences costs (`benchmarks/mutagenesis.py` measures the ratio). Results are cached.
# Each position's new base is drawn once and shared by every method: where two methods pick the
# same positions they make the same mutant, classified once, so the methods are compared on the
# same mutations rather than on different draws.
#
# The `cpu` {term}`profile` leaves {term}`integrated gradients` out of this chapter: its 32 interpolation steps
# cost more than the other ten maps together. It also classifies the mutants in bfloat16
# where the CPU runs it natively (`mutagenesis_precision: fast`), which halves the cost there;
# the check below the loop compares the unmutated accuracy with the same sequences classified
# in float32.

# %%
results, outcomes, checks = {}, {}, []
for run in dnabert_runs:
    trained, parts = training.run(run, train, seed=seed, min_eval_per_class=min_eval_per_class,
                                  max_sequences=max_sequences)
    per_class = min(n_per_class, int(parts["evaluation"].counts().min()))
    ds = data.sample(parts["evaluation"], per_class, seed=seed)
    scores = attribution.explain_all(trained, ds.sequences, mutagenesis_methods)
    key = {"checkpoint": trained.key, "sequences": ds.sequences, "methods": mutagenesis_methods,
           "ns": ns, "repeats": random_repeats, "seed": seed, "precision": mutagenesis_precision}
    table, outcomes[run] = cache.cached("mutagenesis", key, lambda: mutagenesis.experiment(
        trained.model, trained.tokenizer, ds.sequences, ds.labels, scores, ns=ns,
        random_repeats=random_repeats, classes=ds.classes, seed=seed,
        precision=mutagenesis_precision, per_sequence=True), code=["mutagenesis.py", "attribution"])
    results[run] = mutagenesis.summary(table)
    full = models.predict(trained.model, encode(trained.tokenizer, ds.sequences, truncate=True))
    fp32 = training.classification_metrics(full, ds.labels)
    unmutated = results[run].query("n == 0 and method == 'random'").set_index("label").accuracy
    for label, cls in enumerate(ds.classes):
        checks.append({"task": run.split(":")[1], "class": cls, "sequences": per_class,
                       f"n = 0 ({mutagenesis_precision})": unmutated[label],
                       "float32": fp32[f"accuracy_{label}"]})
pd.DataFrame(checks)

# %% [markdown]
# ## Figures 1 and 2, rebuilt
#
# Accuracy per class against the number of mutated positions, laid out as the paper's: Figure 1
# holds the class of each task whose accuracy the paper's model loses on random sequences
# (promoters, which the paper calls "TATA", and enhancers), Figure 2 the other class. A method
# whose curve falls below the grey band found positions that matter to the model more than
# random ones do. The band says where one draw of random positions falls over these
# sequences; its legend says how it is made (a percentile interval needs 40 repeats or more,
# below that it is the binomial interval of one draw at the accuracy pooled over the repeats).

# %%
def panels(label):
    """One panel per task: the rows of one class, titled by task and class."""
    return pd.concat([s[s["label"] == label].assign(**{"class": f"{run.split(':')[1]}: {c}"})
                      for run, s in results.items() for c in s.loc[s["label"] == label, "class"]
                      .unique()])


for number, label in ((1, paper.INFORMATIVE_LABEL), (2, 1 - paper.INFORMATIVE_LABEL)):
    plots.mutagenesis_curves(panels(label), title=f"Figure {number}")

# %% [markdown]
# ## The class each model falls back on
#
# With its positions randomised a sequence carries no evidence, so what a model calls random
# sequences is {term}`the class it falls back on <fallback class>`. Mutations push every sequence towards that class,
# so on it a method must work against that pull: a fall there still counts, and its claims are
# tested like the others, with the fallback noted beside them on the What replicates page.

# %% tags=["hide-input"]
lines = []
for run, summary in results.items():
    task = run.split(":")[1]
    one = mutagenesis.table_one(summary, max(ns), [])
    ours = one.loc[one["random sequences"].idxmax(), "class"]
    theirs = paper.fallback_class(task)
    said = "" if theirs is None else (
        f"; the paper's model falls back on {paper.table_1(task, theirs)['paper class']!r}, "
        f"label {theirs}")
    # on the fallback class: which methods' top n positions still lower the accuracy
    start = float(one.loc[one["class"] == ours, "n = 0"].iloc[0])
    at = summary[(summary["class"] == ours) & (summary["n"] == max(ns))]
    at = at.set_index("method")["accuracy"]
    fell = [m for m in at.index if m != "random" and at[m] < start]
    rest = [m for m in at.index if m != "random" and m not in fell]
    moved = (f" On {ours!r}, {start:.2f} unmutated, mutating the top {max(ns)} positions "
             + (f"lowers the accuracy for {len(fell)} of {len(fell) + len(rest)} methods "
                f"(lowest {at[fell].min():.2f}, {at[fell].idxmin()})" if fell else
                "lowers the accuracy for none of the methods")
             + (f" and leaves it level or higher for {', '.join(rest)}" if rest and fell else "")
             + (f"; {max(ns)} random positions give {at['random']:.2f}" if "random" in at.index
                else "") + ".")
    lines.append(f"- **{task}**: this build's model calls random sequences {ours!r} most often "
                 f"(" + ", ".join(f"{r['class']} {r['random sequences']:.2f}" for _, r in
                                  one.iterrows()) + f"){said}.{moved}")
display(Markdown("\n".join(lines)))

# %% [markdown]
# ## Table 1, beside the paper
#
# Per task and class, this build's accuracy unmutated, with the top $n$ positions of each
# method mutated (the largest $n$ of the profile; the paper's 20), with $n$ random positions
# (mean and band) and on random sequences, next to the paper's row. The paper's {term}`LRP* <LRP star>` is the
# better of `lrp` and `lrp_last`, picked after the fact per class; here every variant is shown.

# %%
for run, summary in results.items():
    task = run.split(":")[1]
    ours = mutagenesis.table_one(summary, max(ns), LRP_METHODS + ["attention"]).set_index("label")
    theirs = paper.TABLE_1[paper.TABLE_1["dataset"] == task].set_index("label")
    theirs = theirs.drop(columns="dataset").rename(columns={"paper class": "class"})
    theirs = theirs.add_prefix("paper: ")
    display(Markdown(f"**{task}**, this build at n = {max(ns)}; the paper at n = 20"))
    display(ours.join(theirs).reset_index(drop=True))

# %% [markdown]
# ## The paper's claims, tested
#
# Each claim of Table 1 and Figures 1 and 2 is tested on the same sequences: per sequence,
# whether it is still called its class under one method against under the other (for random
# positions, the share of the repeats), compared by a paired {term}`sign-flip test`. The What
# replicates page adjusts the p-values of every claim of the book together
# ({term}`Benjamini-Hochberg <Benjamini–Hochberg>`) before it calls a claim replicated.

# %%
rows = [row for run in results for row in claims.mutagenesis_claims(
    run.split(":")[1], results[run], outcomes[run], max(ns))]
claims.record("Mutagenesis", profile, rows)
if rows:
    display(pd.DataFrame(rows)[["claim", "source", "paper", "ours", "estimate", "p", "caveat"]]
            .style.hide(axis="index").format({"estimate": "{:+.3f}", "p": book.number("{:.2g}")},
                                             na_rep=book.MISSING))
else:
    print(f"The case study reports mutagenesis on {', '.join(paper.TABLE_1['dataset'].unique())}"
          f" only; none of {', '.join(results)} is one of them, so there is no claim to test.")

# %% [markdown]
# Two cautions when reading these lines. The models here are small and trained from scratch
# (see the fine-tuning chapter), so they lean on composition more than the pre-trained model of
# the paper and a few point mutations move them less. And a claim about one class of one task
# is a claim about one curve. Where random sequences are called a class at least as often as
# the real ones, the model falls back on that class when evidence is missing: mutations push
# towards it, so its accuracy has less room to fall, and a method whose curve stays level there
# has not necessarily failed. Curves on that class can still fall (the list above says how far
# they do here), but a fall that works against the pull is harder to read than one on the other
# class. The informative rows are the other class of each task, the one the model has to find
# evidence for; the same reading applies to the paper's Figures 1 and 2, where the curves of one
# class per task stay flat.

# %% [markdown]
# ## Exercise
#
# :::{exercise} Predict a curve before running it
# :label: mutagenesis-predict
#
# Re-run this chapter with papermill on two methods (random positions are always part of the
# experiment), for example
#
# ```bash
# .venv/bin/papermill notebooks/04_mutagenesis.ipynb out.ipynb -p profile smoke \
#     -y "mutagenesis_methods: [lrp, attention]"
# ```
#
# Before it runs, sketch on paper, for each class of one task, the accuracy as $n$ grows from
# 0 to the largest $n$ for `lrp`, for `attention` and for random positions, and mark where
# the $n$ = all point lies. Then compare your sketch with the figure the run draws. Where you
# were wrong, which of your assumptions was it?
# :::
#
# :::{solution} mutagenesis-predict
# :class: dropdown
#
# What can be predicted is the *shape*, not the numbers, which depend on the model, the data
# and the profile:
#
# - Every curve starts at the same point, the unmutated accuracy of that class, since at
#   $n = 0$ nothing has changed.
# - The {term}`n = all` point is how often the model calls random sequences that class. For
#   the class the model falls back on it is high, often above the unmutated accuracy; for the
#   other class it is low. That decides which class shows a difference most clearly:
#   mutations push towards the fallback class, so its curves fall less, if at all, and a
#   fall there is weaker evidence; a method that finds what the model uses can still lower
#   them.
# - For the class the model has to find evidence for, random positions lower the accuracy
#   slowly (a few random changes rarely hit what matters), and a {term}`faithful
#   <faithfulness>` method lowers it faster, towards the $n$ = all level. Its curve should lie
#   below the random band; how far below, and from which $n$ on, is what the run measures.
# - `attention` has no reason to fall faster than random: it shows where the [CLS] token
#   looks, not what the output depends on. The DNABERT case study reports that it cannot
#   reliably beat random positions; whether it does on this model is what the figure shows.
#
# Typical wrong assumptions: that both classes behave alike (mutations pull towards the
# fallback class, so its curves fall less);
# that curves fall without limit (they level off near the $n$ = all point); that a curve
# inside the random band is a weak result (it means no evidence that the method beats chance).
# :::
