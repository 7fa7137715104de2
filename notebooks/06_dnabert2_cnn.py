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
# # DNABERT-2, AttnLRP and a CNN
#
# {term}`DNABERT-2 <DNABERT>` {cite}`zhou2024dnabert2` drops two things the earlier chapters relied on. Its
# tokens come from {term}`byte-pair encoding` (BPE): a token covers a variable number of nucleotides,
# and tokens do not overlap, where DNABERT's {term}`6-mers <k-mer>` overlap by five. And attention is biased
# by distance (ALiBi) instead of position embeddings. Kurth, Yanez Sarmiento and Renard
# {cite}`kurth2026dnabert2` ask whether the explanations of such a genome language model are as
# trustworthy as those of a convolutional network (CNN), whose {term}`LRP` maps are known to pick out
# sequence {term}`motifs <motif>`. They adapt {term}`AttnLRP` {cite}`achtibat2024attnlrp` to DNABERT-2, propose ways
# to move {term}`relevance` between the token and the nucleotide level, and compare DNABERT-2's maps
# with a CNN's by {term}`faithfulness`, {term}`sparsity`, {term}`complexity`, agreement and biological localisation.
# They conclude that AttnLRP gives reliable explanations that match known biological
# patterns, as the CNN's do.
#
# This chapter runs that comparison on two promoter tasks: the non-TATA promoters of the
# earlier chapters and GUE's `prom_300_tata`, whose sequences are aligned on the transcription
# start site (TSS), so a known signal, the TATA box about 30 bp upstream, can be looked for.
#
# The maps that can be compared, on the same sequences (`compare_methods` picks, per model,
# which of them a {term}`profile` runs; this build's choice is printed below the settings):
#
# * **DNABERT-2**: AttnLRP (relevance at the word embeddings; bilinear products split their
#   relevance evenly between the factors, LayerNorm's scale held constant), {term}`CP-LRP`
#   ({term}`gradient × input` with attention probabilities, LayerNorm's scale and the gate of the gated MLP held
#   constant, GELU and tanh passing relevance unchanged, so it {term}`conserves <conservation>`),
#   {term}`integrated gradients`, {term}`in-silico saturation mutagenesis` (ISM: the drop of the target logit, averaged
#   over the three point mutants of a position; expensive, a reference) and {term}`random scores <random baseline>`;
# * **CNN**: its LRP composite (z⁺ rule on the convolutions, ε rule on the dense layers),
#   integrated gradients, ISM and random scores.
#
# The CNN scores nucleotides directly; DNABERT-2 scores tokens, which is the first problem.

# %% tags=["parameters"]
# None: the profile's value (src/dnaexplain/profiles/<profile>.yml); see the page "Your data, your model"
profile: str = "cpu"  # parameter set: smoke, cpu, paper, or the path of your own YAML file
data_files: dict = None  # your datasets by file, e.g. {"mine": {"fasta": {"a": "a.fa", "b": "b.fa"}}}
compare_runs: list = None  # list of "model:dataset" runs, e.g. ["cnn:mine"]
train: dict = None  # settings per model, e.g. {"dnabert": {"source": "ckpt/", "finetune": False}}
compare_methods: dict = None  # methods per model, e.g. {"cnn": ["lrp", "ism", "random"]}
n_compare: int = None  # sequences per class compared (integer, 1 or more)

# %% tags=["hide-input"]
from IPython.display import Markdown, display

from dnaexplain import book, claims, params, plots
from dnaexplain.studies import dnabert2_cnn as study

params.bind(globals())  # the profile's values, yours laid over, all checked
book.setup("{:.3g}")  # tables: 3 significant digits, no row numbers; warnings as admonitions
lrp = study.lrp_maps(compare_methods)  # the maps compared: AttnLRP on DNABERT-2, LRP on the CNN
k = max(ns)  # top positions compared between maps
display(Markdown(study.maps_compared(compare_methods)))

# %% [markdown]
# ## Models and sequences
#
# The models are trained (or loaded from the cache) by `training.run`, exactly as in the
# fine-tuning chapter. Both models of a task see the same data parts, so their evaluation parts
# are the same sequences; from it, `n_compare` sequences per class are drawn (fewer where a
# class has fewer), and every map below is computed on those.
#
# **Which class is explained.** Every map, and the faithfulness test, follows the *true*
# class of the sequence. The predicted class would make two models answer different questions
# wherever they disagree, and the comparison of their maps is the point of this chapter; with
# the true class, both maps explain the same output of the same sequence, right or wrong.

# %% tags=["hide-input"]
trained, samples, models_table = study.models_and_sequences(
    compare_runs, train, n_compare, seed=seed, min_eval_per_class=min_eval_per_class,
    max_sequences=max_sequences)
models_table

# %% [markdown]
# ## From tokens to nucleotides
#
# A token-level map has to be moved to nucleotides before it can be set beside a CNN's, mutated
# position by position, or laid over a TATA box. `positions.to_nucleotides` offers three ways.
# For a token $t$ with score $s_t$ covering $|t|$ nucleotides:
#
# * **copy**: every nucleotide of $t$ gets $s_t$; a nucleotide covered by several tokens gets
#   their sum;
# * **mean**: every nucleotide gets the mean score of the tokens covering it — DNABERT's
#   convention for overlapping $k$-mers;
# * **split**: every nucleotide of $t$ gets $s_t / |t|$, so nucleotide scores add up to the
#   token scores and the map stays conservative.
#
# BPE tokens do not overlap: each nucleotide lies in exactly one token, so **mean and copy are
# the same map** for DNABERT-2 (they differ only for $k$-mers). Split differs from them by the
# factor $1/|t|$, which changes more than the scale: it changes the *ranking* of positions. A
# 10-nucleotide token with score 1 ranks all ten of its positions above a 1-nucleotide token
# with score 0.5 under copy, and below it under split (0.1 against 0.5). Copy lets long tokens
# dominate and inflates the total relevance by the token lengths; split keeps the total, so
# the nucleotide map carries exactly the relevance LRP assigned to the tokens (conservation
# survives the move), and it is the strategy of the main comparison below. The other direction,
# nucleotides to tokens, sums a nucleotide map over each token (`metrics.token_level`); it
# undoes split exactly and lets the CNN's map be read on DNABERT-2's tokens.
#
# Here, DNABERT-2's maps are computed under each strategy (cached; mean and copy are kept
# separate to check that they agree).

# %% tags=["hide-input"]
scores = study.explain(trained, samples, compare_methods)  # (model, task) -> method -> (n, L)
tokens = study.tokenizations(trained, samples)
by_strategy = study.strategy_maps(trained, samples, scores, lrp)  # task -> strategy -> (n, L)

# %% tags=["hide-input"]
display(Markdown(study.strategy_check(by_strategy, tokens)))

# %% [markdown]
# The three strategies on a stretch of one TATA promoter: the same AttnLRP token scores, spread
# over the nucleotides of each token (grey lines mark where tokens start), and the CNN's LRP
# map of the same sequence for reference.

# %%
example = study.strategy_example(samples, scores, by_strategy, tokens, lrp)
if example is not None:
    plots.strategy_tracks(**example);

# %% [markdown]
# ## Every map on the same sequences
#
# One sequence of each class per task, every map of both models, each row scaled to a largest
# absolute score of 1. DNABERT-2's gradient and LRP maps show the token structure (blocks of
# equal score, since every nucleotide of a token gets the same share); ISM, on the models
# whose `compare_methods` include it, scores each nucleotide on its own.

# %%
for figure in study.examples(samples, scores):
    plots.score_tracks(**figure)

# %% [markdown]
# ## Faithfulness
#
# A faithful map names the positions the model's output depends on. As in the {term}`mutagenesis`
# chapter, the $n$ highest-scoring positions of each sequence are changed to a random other
# base (ties broken at random), the mutant is classified again and the drop of the probability
# of the explained class is recorded. Mutating the *least* relevant positions first is the
# contrast: a faithful map loses little there. Two summaries of the curves, per sequence:
#
# * the **{term}`mean drop`** over the steps $n$ of one curve (most relevant first, or least). Over a
#   few uneven steps this is a coarse summary, not the {term}`AOPC` of Samek et al., which averages
#   over every step;
# * the **{term}`area between the curves <area between curves>`**, as in AttnLRP's protocol: how far the probability stays
#   higher when the least relevant positions go first than when the most relevant do,
#   integrated over $n$ from 0 to `max(ns)` (trapezoids, $n = 0$ included, where both curves
#   start) and divided by `max(ns)` (`metrics.area_between_curves`). It contrasts a map with
#   itself: a random map's two orders are both random, so its area is 0 in expectation for any
#   model, and a map that puts the evidence at the bottom scores below 0. This is the measure
#   faithfulness is ranked by here.
#
# Both depend on the model as well as on the map: a model that shrugs off point mutations has
# small values for every map. ISM measures the effect of single mutations directly, so it is
# close to an upper reference for small $n$.

# %% tags=["hide-input"]
drops = study.faithfulness(trained, samples, scores, by_strategy, lrp, ns, seed=seed,
                           precision=mutagenesis_precision)

# %%
plots.faithfulness_curves(study.curves(drops));

# %% tags=["hide-input"]
areas = study.areas(drops)  # per map and sequence
faithfulness_table = study.faithfulness_table(areas)
faithfulness_table

# %% [markdown]
# ## Sparsity and complexity
#
# A map a person can read puts its weight on few positions. Sparsity is the Gini index of the
# absolute scores of a sequence (0 for a flat map, $1 - 1/L$ for a single position), complexity
# the entropy of the absolute scores normalised to sum to 1 (0 for a single position,
# $\ln L$ for a flat map: $\ln 300 \approx 5.7$). Both are per sequence; the figure shows means
# with 95 % intervals over the compared sequences.
#
# Across architectures these measures partly measure the architecture. The CNN ends in a
# global max pooling, which hands each filter's relevance to the one window where the filter
# responded most, so positions outside every winning window get exactly zero; DNABERT-2's
# maps are constant over each token, and attention spreads relevance over the whole sequence.
# The random maps of each model mark the floor.

# %%
per_sequence = study.map_measures(scores, samples)
plots.metric_points(per_sequence, {"gini": "sparsity (Gini, higher = sparser)",
                                   "entropy": "complexity (entropy, lower = simpler)"});

# %% [markdown]
# ## The strategies compared
#
# The same AttnLRP token scores under each strategy, and at token level, judged by the same
# measures: sparsity and complexity of the nucleotide map, faithfulness (area between the
# curves) and agreement with the CNN's LRP map (mean Spearman correlation per sequence, and
# the share of the top-$k$ positions both maps have in common, $k$ = `max(ns)`). The token
# level row compares DNABERT-2's token scores with the CNN's map summed over the same tokens.
# Mean equals copy here, so only copy has its own faithfulness run.

# %% tags=["hide-input"]
strategies_table = study.strategies_table(by_strategy, scores, tokens, samples,
                                          faithfulness_table, lrp, k)
strategies_table

# %% [markdown]
# Split against copy on faithfulness, per sequence (the same sequences under both maps):
# `metrics.paired_comparisons` gives the mean difference of the areas, its 95 % bootstrap
# interval, the {term}`sign-flip <sign-flip test>` permutation p and p adjusted by
# {term}`Benjamini-Hochberg <Benjamini–Hochberg>` over the tasks.
# A difference is read as one when the adjusted p is below 0.05 and it is at least `study.EFFECT` (one percentage point).

# %% tags=["hide-input"]
strategy_tests = study.strategy_tests(areas, by_strategy, lrp, seed=seed)
display(Markdown(study.strategy_summary(strategies_table, strategy_tests)))

# %% [markdown]
# ## Do the two models agree?
#
# Mean Spearman correlation per sequence between every pair of maps of a task, within and
# across the two models. Agreement across models is not a measure of quality — two models may
# use different evidence and both be explained correctly — but two explanations of models that
# learned the same biology should rank positions alike, and the random maps show where chance
# lies (0).

# %%
agreement = study.agreement(scores, samples)  # task -> map x map
for task, table in agreement.items():
    plots.method_correlation(table, title=f"{task}: mean Spearman correlation")

# %% [markdown]
# The same question for the top of the maps: the share of each sequence's top $k$ positions
# that a DNABERT-2 map and a CNN map have in common, for maps of the same method and for the
# two LRP maps. Two random maps share $k / L$ of their top $k$ on average.

# %% tags=["hide-input"]
overlaps = study.agreement(scores, samples, k=k)
study.overlap_table(scores, samples, agreement, overlaps, lrp, k)

# %% [markdown]
# ## Biological localisation: the TATA box
#
# In `prom_300_tata` the TSS sits at position 249 of 300, and a TATA box (consensus TATAWAW)
# lies about 30 bp upstream of it. Two measures of whether a map finds it, on the promoters
# (explaining the promoter class):
#
# * the share of the positive relevance that falls in the window −40 … −20 (21 bp), divided by
#   the share of positions the window covers (21 / 300 = 7 %): the **enrichment**, 1 for a
#   map that spreads its relevance evenly;
# * in promoters with at least one TATAWAW match anywhere, the same enrichment on the matched
#   positions themselves.
#
# Two checks of the data first: where the matches lie, and how often non-promoters carry one
# in the window too.

# %% tags=["hide-input"]
tata_sites = study.tata_sites(samples)  # task -> class x share of sequences
for table in tata_sites.values():
    display(table)
localisation = study.localisation(scores, samples)

# %% tags=["hide-input"]
display(Markdown(study.tata_summary(tata_sites)))

# %% [markdown]
# Mean score along the promoters, per map (each sequence scaled to a largest absolute score of
# 1, then averaged, then each curve scaled to its peak), and the enrichment per map:

# %% tags=["hide-input"]
for figure in study.promoter_profiles(scores, samples):
    plots.region_profiles(**figure)
if len(localisation):
    plots.metric_points(localisation, {"window enrichment": "enrichment in −40 … −20",
                                       "TATAWAW enrichment": "enrichment on TATAWAW"},
                        reference={"window enrichment": 1, "TATAWAW enrichment": 1});

# %% tags=["hide-input"]
study.localisation_means(localisation)

# %% [markdown]
# ## Which model explains better, and by which measure
#
# Per task, AttnLRP on DNABERT-2 against LRP on the CNN, on the same sequences: every measure
# is taken per sequence and the two maps are compared pairwise (`metrics.paired_comparisons`:
# mean difference DNABERT-2 minus CNN with its 95 % bootstrap interval, sign-flip
# permutation p). All the comparisons of this section form one family: their p-values are
# adjusted together by Benjamini-Hochberg, and a verdict needs an adjusted p below 0.05 (and,
# for the area between the curves, a difference of at least `study.EFFECT`).

# %% tags=["hide-input"]
both = study.both_models(trained)  # tasks with a DNABERT-2 and a CNN run
model_tests = study.model_tests(both, areas, per_sequence, localisation, lrp, seed=seed)
model_tests.rename(columns={"mean_a": "DNABERT-2", "mean_b": "CNN"})

# %% tags=["hide-input"]
display(Markdown(study.model_summary(both, model_tests, agreement, lrp)))

# %% [markdown]
# The paper sets AttnLRP against the CNN's LRP. For a CNN the field's own map is
# {term}`DeepLIFT/SHAP <DeepLIFT>`: DeepLIFT's rescale rule against 20 dinucleotide-shuffled
# copies of each sequence, averaged (`deep_lift_shap`). Where the build computes it, the same
# comparisons with it in the CNN's place, as a family of their own:

# %% tags=["hide-input"]
if "deep_lift_shap" in compare_methods.get("cnn", []):
    field = lrp | {"cnn": "deep_lift_shap"}
    field_tests = study.model_tests(both, areas, per_sequence, localisation, field, seed=seed)
    display(Markdown(study.model_summary(both, field_tests, agreement, field)))
else:
    display(Markdown("This build's `compare_methods` has no `deep_lift_shap` for the CNN."))

# %% [markdown]
# ## How these numbers relate to the paper's
#
# Kurth et al.'s own numbers are not available offline (the book carries none of their
# tables), so they are not reproduced here as numbers; their conclusions are, and are set
# against these results next. Each check is a
# paired comparison on the same sequences: AttnLRP's area between the curves against that of
# the random map of the same model, and its enrichment on the TATA box region against 1 (an
# even spread); the checks of all tasks form one family (Benjamini-Hochberg).

# %% tags=["hide-input"]
paper_tests = study.paper_tests(scores, areas, localisation, lrp, seed=seed)
# the rows of the What replicates page: the paper's findings, and which model localises the
# TATA box
claims.record("DNABERT-2 and a CNN", profile, study.claim_rows(paper_tests, model_tests, lrp))

# %% tags=["hide-input"]
display(Markdown(study.findings(paper_tests, models_table, scores)))

# %% tags=["hide-input"]
note = study.training_note(train, models_table, both)  # "" for a pre-trained DNABERT-2
if note:
    display(Markdown(note))
