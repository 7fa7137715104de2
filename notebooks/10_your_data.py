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
# # Your data, your model
#
# Every chapter is a notebook that [papermill](https://papermill.readthedocs.io) can run with
# other parameters: your sequences instead of the book's, your checkpoint instead of a model
# trained here, a GPU instead of a laptop. This page runs the commands you would type, on
# small files it writes itself, so each command below was executed when this book was built.
#
# **Parameters.** A chapter's first cell holds `profile` and the handful of values you are
# likely to change, each `None` (take the {term}`profile`'s value). `profile` names a parameter set in
# `src/dnaexplain/profiles/` (`smoke`, `cpu`, `paper`) or the path of your own YAML file, whose missing values
# come from the set named by its own `profile` entry. Values given to papermill are laid over
# it: `-p name value` for a number or a word, `-y "name: [a, b]"` for lists and mappings
# (papermill's `-p` passes those as text). Every value is checked before anything is computed:
# a negative size, an unknown method, dataset or run, or a misspelt name stops the chapter
# with a message that names the nearest valid choice.
#
# **Datasets by file.** The parameter `data_files` declares datasets by name, which runs then
# use as `"model:name"`:
#
# | form | declaration | notes |
# |---|---|---|
# | one FASTA file per class | `{fasta: {bound: bound.fa, unbound: unbound.fa}}` | classes in the order given; one sequence per line works too |
# | a table | `{csv: enhancers.csv}` | `sequence,label` rows (`.tsv`: tab); header optional; label an integer or a class name |
# | a folder | `{folder: my_task}` | `train`, `validation` (or `dev`) and `test` files, used as published |
#
# Options: `classes` (names in label order), `min_length` / `max_length` (drop shorter or
# longer sequences) and `n` (`keep`, `drop` or `error` for sequences holding N). Nothing is
# filtered unless you ask. Sequences are checked (empty, characters other than A, C, G, T, N:
# the error names the file and line), and a warning says when the classes differ in length,
# since a model would learn the length. Without a `folder`, the sequences are split once,
# stratified, with the seed: 70 % train, 10 % validation, 20 % evaluation (at least
# `min_eval_per_class`, or a fifth of the smallest class when it is small). Relative paths are
# read from the folder papermill runs the notebook in (`--cwd`).
#
# **Checkpoints.** In `train`, per model or per run, `source` is a named size (`tiny`, `mini`,
# `base`), a folder written by `save_pretrained`, or a hub id. A {term}`DNABERT` folder's tokenizer is
# read from `vocab.txt` or `tokenizer.json`, or rebuilt from `k` (read off the checkpoint's
# vocabulary); a stock `BertForSequenceClassification` saved with SDPA attention is switched to
# eager attention, which the attention-based methods need. `finetune: false` explains the
# checkpoint as it is (it is only evaluated); otherwise it is fine-tuned, with a new head when
# its number of labels differs from your classes. Fine-tuned models are cached under a key
# made of the checkpoint's files (not its path), the data and the settings. Sequences longer
# than a model reads are cut to what it reads, and each chapter prints how many were.
#
# The demonstration below runs on the `smoke` settings (tiny models, a few hundred
# sequences) whatever profile built the book, so it costs seconds; for real work start from
# `profile: cpu` or `profile: paper`.

# %% tags=["parameters"]
profile: str = "cpu"  # the profile of the build (the commands below use smoke settings)

# %% tags=["hide-input"]
import contextlib
import shutil
import warnings
from functools import partial
from pathlib import Path

import numpy as np
import yaml
from IPython.display import Markdown, display

from dnaexplain import book, claims, data, duplicates, params, training

book.setup("{:.3g}")  # tables: 3 significant digits, no row numbers; warnings as admonitions
work = Path.cwd().parent / ".cache" / "your_data"  # the build runs every page in notebooks/
shutil.rmtree(work, ignore_errors=True)
work.mkdir(parents=True)
shell = partial(book.shell, cwd=work)  # runs papermill / jupytext there, shows the command


def printed(notebook):
    """What a notebook run in the working folder printed, and its warnings."""
    return book.printed(work / notebook)


# %% [markdown]
# ## Your files
#
# Two FASTA files, one per class (300 sequences with a MARE site against 300 of background),
# and a table of enhancer-like sequences with a TATA-like word in the positives, labelled by
# name.

# %% tags=["hide-input"]
rng = np.random.default_rng(0)


def random_dna(n, length, motif=""):
    """n random sequences; a motif at a random place in each when given."""
    out = []
    for _ in range(n):
        s = "".join(rng.choice(list("ACGT"), length))
        at = rng.integers(0, length - len(motif) + 1)
        out.append(s[:at] + motif + s[at + len(motif):])
    return out


for name, motif in (("bound", "TGCTGACTCAGCA"), ("unbound", "")):
    records = [f">{name}_{i}\n{s}\n" for i, s in enumerate(random_dna(300, 120, motif))]
    (work / f"{name}.fa").write_text("".join(records))
rows = [f"{s},enhancer" for s in random_dna(120, 120, "TATAAAAG")]
rows += [f"{s},background" for s in random_dna(120, 120)]
(work / "enhancers.csv").write_text("sequence,label\n" + "\n".join(rows) + "\n")
for chapter in ("02_finetuning", "03_scoring"):
    shell("jupytext", "--to", "ipynb", "-o", f"{chapter}.ipynb",
          f"../../notebooks/{chapter}.py")
sorted(p.name for p in work.iterdir())

# %% [markdown]
# The chapters are percent scripts (`notebooks/*.py`); `jupytext` turns them into the
# notebooks papermill runs (`make notebooks` does it for all of them).
#
# ## One FASTA file per class: fine-tune on them
#
# A YAML file names the files and the runs; everything else comes from the profile it names.
# The smoke profile's models learn little in their one or two epochs, so the file gives the
# CNN ten epochs at a higher learning rate, and keeps every sequence (`max_sequences: 0`).

# %%
peaks = {"profile": "smoke",
         "data_files": {"peaks": {"fasta": {"bound": "bound.fa", "unbound": "unbound.fa"}}},
         "runs": ["cnn:peaks", "dnabert:peaks"], "max_sequences": 0,
         "train": {"cnn": {"epochs": 10, "learning_rate": 0.003}}}
(work / "peaks.yml").write_text(yaml.safe_dump(peaks, sort_keys=False))
print((work / "peaks.yml").read_text())
shell("papermill", "02_finetuning.ipynb", "peaks-finetuning.ipynb", "-p", "profile", "peaks.yml")
print(printed("peaks-finetuning.ipynb"))

# %% tags=["hide-input"]
with contextlib.chdir(work):  # the file's paths are relative to where papermill ran it
    settings = params.load_profile("peaks.yml")
data.declare("peaks", fasta={c: work / f for c, f in peaks["data_files"]["peaks"]["fasta"]
                             .items()})
with warnings.catch_warnings():  # the chapter above warned already; the sentence says it
    warnings.simplefilter("ignore")
    learnt = {run: training.run(run, settings["train"], seed=settings["seed"],
                                min_eval_per_class=settings["min_eval_per_class"],
                                max_sequences=settings["max_sequences"])[0].metrics
              for run in peaks["runs"]}
beats = {run: claims.chance(m["accuracy"], np.sum(m["confusion"], axis=1))
         for run, m in learnt.items()}
display(Markdown("Accuracy on the evaluation part: " + "; ".join(
    f"`{run}` {b['accuracy']:.1%}, against {b['majority']:.1%} for always calling the "
    f"largest class: " + ("it has learnt the task" if b["above"] else "no better than that")
    + f" (one-sided binomial p = {book.p_value(b['p'])})" for run, b in beats.items()) + "."))

# %% [markdown]
# The chapter prints, per run, where each part of the data came from, and it warns when a
# model calls nearly every sequence one class: explanations of such a model mean little.
#
# ## A CSV table: score it, with parameters on the command line

# %%
shell("papermill", "03_scoring.ipynb", "enhancers-scoring.ipynb", "-p", "profile", "smoke",
      "-y", "data_files: {enh: {csv: enhancers.csv}}", "-y", "runs: [dnabert:enh]",
      "-p", "n_scored", "3")
print(printed("enhancers-scoring.ipynb"))

# %% [markdown]
# ## Duplicates and leaks
#
# A sequence the model trained on and is then scored on inflates its accuracy, and a sequence
# in two classes is a label no model gets right. Public datasets have both: iEnhancer-2L's
# published test split shares a quarter of its sequences with its training split. Here the
# table gets three planted problems: a row repeated, a row repeated in lower case, and a row
# repeated under the other label.

# %% tags=["hide-input"]
rows = (work / "enhancers.csv").read_text().splitlines()
planted = rows + [rows[1], rows[2].lower(), rows[3].replace(",enhancer", ",background")]
(work / "planted.csv").write_text("\n".join(planted) + "\n")

# %% [markdown]
# `duplicates.report` looks for each kind across the parts a run would use, and names a row to
# look at:

# %%
data.declare("planted", csv=work / "planted.csv")
before = data.splits("planted", duplicates="keep", seed=0, min_eval_per_class=24)
duplicates.report(before)

# %% [markdown]
# Every run removes from the evaluation part what the training or validation part already
# holds, and repeats within it, and says so (`duplicates: keep` in `data_files` keeps them);
# a sequence in two classes is reported and kept, since its labels are the data's:

# %%
after = data.splits("planted", seed=0, min_eval_per_class=24)

# %% tags=["hide-input"]
gone = after["evaluation"].removed
display(Markdown(
    f"The evaluation part went from {len(before['evaluation'])} to "
    f"{len(after['evaluation'])} sequences ("
    + (", ".join(f"{n} {why}" for why, n in gone.items()) or "nothing removed") + ")."))

# %% [markdown]
# ## Your own checkpoint, explained as it is
#
# Here the checkpoint is the DNABERT the last command trained, copied to a folder of its own as
# a colleague would hand it over; any folder written by `save_pretrained` works the same way.

# %%
smoke = params.load_profile("smoke")
data.declare("enh", csv=work / "enhancers.csv")
trained, _ = training.run("dnabert:enh", smoke["train"], seed=smoke["seed"],
                          min_eval_per_class=smoke["min_eval_per_class"],
                          max_sequences=smoke["max_sequences"])
shutil.copytree(trained.path, work / "my_model")
mine = {"profile": "smoke", "data_files": {"enh": {"csv": "enhancers.csv"}},
        "runs": ["dnabert:enh"],
        "train": {"dnabert": {"source": "my_model", "finetune": False}}}
(work / "mine.yml").write_text(yaml.safe_dump(mine, sort_keys=False))
shell("papermill", "03_scoring.ipynb", "mine-scoring.ipynb", "-p", "profile", "mine.yml")
print(printed("mine-scoring.ipynb"))

# %% tags=["hide-input"]
same = f"accuracy {trained.metrics['accuracy']:.3f}" in printed("mine-scoring.ipynb")
display(Markdown(
    f"The checkpoint was evaluated, not trained: the scoring chapter reports accuracy "
    f"{trained.metrics['accuracy']:.3f} on the evaluation part, "
    f"{'the same as' if same else 'unlike'} the fine-tuning run that made it."))

# %% [markdown]
# ## When something is wrong
#
# A typo stops the chapter before any compute, with the nearest valid name:

# %%
try:
    shell("papermill", "03_scoring.ipynb", "typo.ipynb", "-p", "profile", "mine.yml",
          "-y", "methods: [lrp, atention]")
except RuntimeError as err:
    print(str(err).strip().splitlines()[-1])
