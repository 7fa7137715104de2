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
# # Fine-tuning
#
# Explanations describe a model, so the first step is a model worth explaining. The DNABERT
# case study fine-tunes the pre-trained {term}`DNABERT` (k = 6, 12 layers, 768 hidden units) on each
# task with learning rate $2 \cdot 10^{-4}$, weight decay 0.01, 10 % linear warm-up, 5 epochs,
# batch size 48 and sequences of at most 200 tokens, and reports 93 % accuracy on non-TATA
# promoters and 86 % on enhancers. The DNABERT-2 study adds DNABERT-2 and a convolutional
# network (CNN) as the comparison model.
#
# Everything here goes through one function, `training.fine_tune`, which wraps the stock
# Hugging Face `Trainer`: evaluation each epoch, the best epoch kept (validation accuracy), and a
# checkpoint cache keyed by model, data, settings and seed, so the later chapters load these
# exact models instead of training again. The `paper` {term}`profile` points `source` at the released
# checkpoints (`zhihan1996/DNA_bert_6`, `zhihan1996/DNABERT-2-117M`) and uses the paper's
# settings; the `cpu` profile trains small models from scratch.

# %% tags=["parameters"]
# None: the profile's value (src/dnaexplain/profiles/<profile>.yml); see the page "Your data, your model"
profile: str = "cpu"  # parameter set: smoke, cpu, paper, or the path of your own YAML file
data_files: dict = None  # your datasets by file, e.g. {"mine": {"fasta": {"a": "a.fa", "b": "b.fa"}}}
runs: list = None  # list of "model:dataset" runs, e.g. ["cnn:mine"]
train: dict = None  # settings per model, e.g. {"dnabert": {"source": "ckpt/", "finetune": False}}

# %% tags=["hide-input"]
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from dnaexplain import book, claims, paper, params, plots, training

params.bind(globals())  # the profile's values, yours laid over, all checked
book.setup("{:.4g}")  # tables: 4 significant digits, no row numbers; warnings as admonitions

# %% [markdown]
# ## Settings
#
# Training settings per run in this profile (anything not listed takes the paper's value from
# `training.DEFAULTS`). `precision` is the autocast precision of the forward and backward
# passes (the weights stay float32): `auto` means fp16 on a GPU and fp32 elsewhere, and the
# `cpu` profile's `bf16` about halves the time of a step on CPUs with bfloat16 instructions.
# `accumulation` splits each batch into that many micro-batches, which on two cores makes
# attention over 500 tokens cheaper per sequence without changing the optimiser's batch.

# %%
pd.DataFrame({run: {**training.DEFAULTS, **training.settings_for(train, run)}
              for run in runs}).T

# %% [markdown]
# ## Training
#
# Each run trains on the `train` part of `data.splits`, selects its epoch on `validation` and is
# scored once on `evaluation` — the same sequences the explanation chapters use.

# %%
trained, splits = {}, {}
for run in runs:
    trained[run], splits[run] = training.run(run, train, seed=seed, max_sequences=max_sequences,
                                             min_eval_per_class=min_eval_per_class)
    size = sum(p.numel() for p in trained[run].model.parameters())
    print(f"{run}: {size:,} parameters")

# %% [markdown]
# ## Learning curves
#
# The training loss is the mean cross-entropy per optimiser step, averaged over the steps
# between two logs, on the same scale whatever `accumulation` is; an untrained two-class model
# starts near $\ln 2 \approx 0.69$. Validation accuracy is measured after every epoch.

# %%
histories = {run: t.history for run, t in trained.items() if len(t.history)}
if histories:
    plots.learning_curves(histories)
for run in trained.keys() - histories.keys():
    print(f"{run}: used as it is (finetune: false), no training")

# %% [markdown]
# A model whose accuracy is no better than always answering the most frequent class has
# learned nothing usable. Per run and epoch, the validation accuracy is set against that
# majority-class rate: "at chance" means a one-sided binomial test of its correct count at
# that rate finds no excess (`claims.chance`, p of 0.05 or more).

# %% tags=["hide-input"]
lines = []
for run, h in histories.items():
    counts = splits[run]["validation"].counts()
    evals = h.dropna(subset=["eval_accuracy"]) if "eval_accuracy" in h else h.iloc[:0]
    if evals.empty:
        continue
    at = [int(round(e)) for e, a in zip(evals["epoch"], evals["eval_accuracy"])
          if not claims.chance(a, counts)["above"]]
    per_epoch = ", ".join(f"{a:.3f} (epoch {e:g})" for e, a in
                          zip(evals["epoch"], evals["eval_accuracy"]))
    final = trained[run].metrics
    kept = claims.chance(final["accuracy"], np.sum(final["confusion"], axis=1))
    lines.append(
        f"- **{run}**: validation accuracy {per_epoch}; the largest class is "
        f"{claims.chance(0, counts)['majority']:.3f} of {int(sum(counts))} sequences: "
        + (f"at chance after epoch{'s' * (len(at) > 1)} {', '.join(map(str, at))}" if at else
           "above chance after every epoch")
        + f". On the evaluation part, the kept model's accuracy {final['accuracy']:.3f} is "
        + ("at chance" if not kept["above"] else "above chance")
        + f" (largest class {kept['majority']:.3f}, one-sided binomial p = {book.p_value(kept['p'])}).")
display(Markdown("\n".join(lines) or "No run was trained here."))

# %% [markdown]
# ## Evaluation
#
# Accuracy per class matters as much as overall accuracy here: the {term}`mutagenesis` chapter asks how
# far mutations move each class, and a model that calls everything a promoter has nothing to
# lose on the promoter class. Classes are named as their dataset names them, in label order.
# The DNABERT case study reports overall accuracy only.

# %% tags=["hide-input"]
rows = []
for run, t in trained.items():
    model_name, dataset = run.split(":")
    m = t.metrics
    per_class = training.class_accuracy(t)
    rows.append({"model": model_name, "dataset": dataset, "accuracy": m["accuracy"],
                 "accuracy per class": ", ".join(f"{r['class']} {r.accuracy:.3f}"
                                                 for _, r in per_class.iterrows()),
                 "F1": m["f1"], "MCC": m["mcc"], "AUROC": m["auroc"],
                 "paper accuracy": paper.ACCURACY.get((model_name, dataset))})
table = pd.DataFrame(rows)
table

# %%
plots.confusion_matrices({run: t.metrics["confusion"] for run, t in trained.items()},
                         {run: t.classes for run, t in trained.items()});

# %% [markdown]
# ## How these numbers relate to the paper's

# %% tags=["hide-input"]
lines = []
for (model_name, dataset), reported in paper.ACCURACY.items():
    ours = table[(table.model == model_name) & (table.dataset == dataset)]
    if len(ours):
        acc = ours.accuracy.iloc[0]
        lines.append(f"- DNABERT on `{dataset}`: {acc:.1%} here, {reported:.0%} in the paper "
                     f"({acc - reported:+.1%}).")
source = train.get("dnabert", {}).get("source", training.DEFAULTS["source"])
if source in ("tiny", "mini", "base"):
    lines.append(
        f"\nThe DNABERT here is the `{source}` configuration trained from scratch on a few "
        "thousand sequences, not the released model pre-trained on the human genome. "
        "Pre-training is what lets the paper's model reach its accuracy from little labelled "
        "data; a small model without it learns mostly composition (GC and CpG content, see the "
        "Datasets chapter) and short motifs. The explanation chapters therefore explain a "
        "weaker model than the paper's, and say so where it matters. Run the `paper` profile "
        "on a GPU to explain the released checkpoints."
    )
display(Markdown("\n".join(lines)))
claims.record("Fine-tuning", profile,
              [row for run, t in trained.items() for row in claims.accuracy_claims(run, t)])
