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
# # Discussion
#
# The chapters before this one each end with the numbers of the run that built them. This page
# steps back: what this build found, what it cannot tell, what the checks can and cannot
# establish, and what to change to get closer to the papers.

# %% tags=["parameters", "hide-input"]
profile: str = "cpu"  # parameter set whose chapters' claims are discussed

# %% tags=["remove-input"]
from IPython.display import Markdown, display

from dnaexplain import claims, data, params

values = params.load_profile(profile)
table = claims.collect(profile)
found, cannot = claims.discussion(table, values)

# %% [markdown]
# ## What this build found
#
# The [findings page](12_what_replicates.html) lists every claim with its verdict; in short:

# %% tags=["remove-input"]
display(Markdown("\n".join(f"- {line}" for line in found)
                 or "No chapter of this profile has recorded a claim yet: build the chapters "
                    "first (`make book`)."))

# %% [markdown]
# ## What it cannot tell

# %% tags=["remove-input"]
display(Markdown("\n".join(f"- {line}" for line in cannot) or "Nothing recorded."))

# %% [markdown]
# ## What the checks establish
#
# Four kinds of evidence run through the book, and they answer different questions.
#
# - **{term}`Conservation <conservation>`** (the primer and the scoring chapter) is a property
#   of the *rules*. {term}`Chefer's <Chefer's rules>` conservative rules keep the total
#   {term}`relevance` at every layer; the baseline rules of the reference code need not: the
#   primer and the scoring chapter print how far their totals drift in this build. A
#   conservative map can still be a poor explanation: conservation says the books balance, not
#   that the money went where the map says.
# - **{term}`Mutagenesis <mutagenesis>` and {term}`faithfulness`** (the mutagenesis chapter and
#   the DNABERT-2 chapter) are properties of the *model and the map together*: positions a
#   method ranks high should matter to that model. They cannot say whether the model's reasons
#   are biologically right.
# - **Ground truth** (the benchmark chapter) is the only place where "right" is defined, and
#   only for a task we built. A method that finds planted {term}`motifs <motif>` there may
#   still miss the diffuse signals of real regulatory DNA, such as CpG content, that no motif
#   captures.
# - **Known biology** (the Oct4 / MafK chapter) holds the maps to binding sites that biology,
#   not the book, put there: real sequences, an answer that is only partial (not every peak
#   holds its factor's site, and a model may use other signals), but one nobody planted. It is
#   where a motif claim like the case study's can be checked at all.
#
# ## Why our numbers can differ from the papers'
#
# - **Pre-trained weights.** {term}`DNABERT` and DNABERT-2 owe much of their accuracy to
#   pre-training on genomes. Offline, the `cpu` and `smoke` {term}`profiles <profile>` train
#   small models from scratch on a few thousand sequences; they learn composition and a few
#   short motifs, and their explanations describe those models, not the released ones. The
#   `paper` profile loads the released checkpoints with the same code.
# - **Samples and repeats.** Profiles sized for small machines score and mutate fewer
#   sequences and repeat the {term}`random baseline` fewer times than a GPU run would (the
#   numbers are above); the mutagenesis band is the binomial interval of one random draw at the
#   accuracy pooled over the repeats, and says so in its legend.

# %% tags=["remove-input"]
resplit = []
for name in values["datasets"]:
    try:
        data.locate(name, "train", download=False)
    except data.DatasetNotFoundError:
        resplit.append(name)
display(Markdown(
    "- **Re-split data.** " + (
        f"Only the test splits of {', '.join(f'`{n}`' for n in resplit)} were found for this "
        "build, so they were re-split with a fixed seed; with the published splits (online, or "
        "in the mirror) those are used." if resplit else
        "Every dataset of this build was used in its published splits.")))

# %% [markdown]
# - **Published numbers, where they are available.** The mutagenesis chapter sets the DNABERT
#   case study's Table 1 beside this build's numbers, row by row, and the findings page puts the
#   paper's number beside ours wherever a paper gives one. Either comparison is closest with the
#   `paper` profile on a GPU, which uses the papers' pre-trained models and settings.
#
# ## Re-running and extending
#
# Every chapter re-executes with `papermill` and its own parameters; results are cached by the
# parameters, data, model and library version that made them, so changing one parameter re-runs
# only what depends on it. New scoring methods plug into `dnaexplain.attribution.attribute`;
# every chapter that takes a `methods` parameter picks them up.
#
# ## References
#
# ```{bibliography}
# ```
