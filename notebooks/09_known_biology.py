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
# # Known biology: Oct4 and MafK
#
# The DNABERT case study judged its maps partly by the {term}`motifs <motif>` they yield, and named the
# transcription-factor classes those motifs resemble: {term}`attention <attention score>` finds
# "other" C4 zinc fingers (GATA-type in {term}`JASPAR` 2018), `lrp_last` C2H2 zinc fingers, `lrp` homeodomain factors. On
# promoters nobody knows which
# factors a model relies on, so such a finding cannot be checked. The benchmark chapter had an
# exact answer, but on artificial sequences. This chapter takes the road between: real human
# DNA for which biology knows the answer.
#
# The sequences are 200 bp {term}`ChIP-seq` peaks of two transcription factors, the sample
# data of the [janggu](https://pypi.org/project/janggu/) package. Oct4 (POU5F1) is a
# POU-domain factor that binds the octamer ATGCAAAT; MafK is a small Maf factor that binds the
# Maf recognition element (MARE) TGCTGA(C/G)TCAGCA, alone or with a CNC partner (NFE2, NRF2,
# BACH1). A model that tells Oct4 peaks from MafK peaks has every reason to use these motifs,
# so an explanation of an Oct4 peak as Oct4 should point at its octamers, and of a MafK peak at
# its MAREs. The answer is partial: not every peak holds its factor's site, and a model may
# also use other signals (partner factors, base composition). It says where {term}`relevance` belongs
# when a site is there, not that nothing else may matter.
#
# Three questions, asked of {term}`DNABERT`, DNABERT-2 and the CNN, for each of their scoring methods:
#
# 1. **Motifs.** Run on the maps, does the motif procedure of the motif chapter return a POU
#    motif for the Oct4 peaks and a Maf motif for the MafK peaks, and how high does it rank
#    them? Once with DNABERT's high-score regions, once with {term}`seqlets <seqlet>`.
# 2. **Relevance on the sites.** A scan with JASPAR's POU5F1 and MAFK {term}`matrices <PWM>` marks the
#    sites. Do the maps put their relevance there ({term}`relevance mass accuracy`,
#    {term}`AUROC`), and more than {term}`random scores <random baseline>` do?
# 3. **Mutation.** Does changing the bases of the sites cost the model more than changing as
#    many random bases, and more or less than changing each map's top-scored bases?
#
# Each step is a function of `dnaexplain.studies.known_biology` (`study` in the cells below);
# the known answer, each class's factor with its JASPAR matrix and family, is its `FACTORS`.

# %% tags=["parameters"]
# None: the profile's value (src/dnaexplain/profiles/<profile>.yml); see the page "Your data, your model"
profile: str = "cpu"  # parameter set: smoke, cpu, paper, or the path of your own YAML file
data_files: dict = None  # the peaks by file, e.g. {"oct4_mafk": {"fasta": {"oct4": "o.fa", "mafk": "m.fa"}}}
biology_runs: list = None  # list of "model:dataset" runs, e.g. ["cnn:oct4_mafk"]
train: dict = None  # settings per model, e.g. {"dnabert": {"source": "ckpt/", "finetune": False}}
biology_methods: dict = None  # methods per model, e.g. {"cnn": ["lrp", "ism", "random"]}
n_biology: int = None  # sequences per class (integer, 1 or more)
modisco_methods: dict = None  # maps TF-MoDISco reads, e.g. {"cnn": ["deep_lift_shap"]}; a model not named: all

# %% tags=["hide-input"]
import numpy as np
from IPython.display import Markdown, display

from dnaexplain import book, claims, data, insertion, params, plots
from dnaexplain.studies import known_biology as study
from dnaexplain.studies.patterns import check_chosen

params.bind(globals())  # the profile's values, yours laid over, all checked
check_chosen(modisco_methods, biology_methods)
book.setup("{:.3g}")  # tables: 3 significant digits, no row numbers; warnings as admonitions

# %% [markdown]
# ## The peaks
#
# The two files are declared like a reader's own data (`data_files`, the page "Your data,
# your model"): `"chipseq:oct4"` and `"chipseq:mafk"` name the book's copies, found in the data
# mirror or the download cache, or fetched from PyPI (the janggu wheel, checked against its
# published hash). The peaks are split once with the seed, as every file dataset is.

# %% tags=["hide-input"]
dataset, parts = study.peaks(biology_runs, seed=seed, min_eval_per_class=min_eval_per_class,
                             max_sequences=max_sequences)
for line in study.peak_files(dataset):
    print(line)
data.origins(parts)

# %%
data.summary(parts["evaluation"])

# %% [markdown]
# ## The models
#
# Each run of `biology_runs` is trained by `training.run` on the `train` part (or loaded from
# the cache), with the settings of `train` for its model and run, and scored on the whole
# evaluation part. Only a model that tells the classes apart has learnt something for a map
# to show.

# %% tags=["hide-input"]
trained, models_table = study.train_models(biology_runs, train, seed=seed,
                                           min_eval_per_class=min_eval_per_class,
                                           max_sequences=max_sequences)
models_table

# %% tags=["hide-input"]
display(Markdown(study.accuracy_sentence(models_table)))

# %% [markdown]
# ## The sites
#
# `n_biology` evaluation sequences of each class are drawn with the seed; every later section
# works on them. Each is scanned on both strands with the JASPAR 2018 matrices of the two
# factors (`sites.scan`: log-odds against a uniform background, exact p-values, a hit at
# $p \le 10^{-4}$). The table gives the share of each class's sequences with at least one hit
# of each matrix: an Oct4 site should be commoner in Oct4 peaks than in MafK peaks, and a MARE
# in MafK peaks.

# %% tags=["hide-input"]
ds = study.draw(parts["evaluation"], n_biology, seed=seed)
matrices = study.factor_matrices()
hits, truth = study.own_sites(ds, matrices)
carry = study.site_carry(ds, hits, truth, matrices)
carry.style.format("{:.1%}")

# %% tags=["hide-input"]
display(Markdown(study.sites_sentence(carry, truth)))

# %% [markdown]
# ## Scores
#
# Every method of `biology_methods` for each model, each sequence explained as its own class
# (cached). Token scores go to nucleotides by the mean over the tokens covering a position, as
# in the benchmark chapter.

# %% tags=["hide-input"]
scores = study.explain(trained, ds, biology_methods, width=truth.shape[1])
print(study.scores_line(scores))

# %% [markdown]
# One peak of each class with its own factor's site (black frame), and the maps of every
# model and method (random scores left out) around it, each row scaled to its largest
# absolute score.

# %%
for example in study.site_examples(ds, hits, truth, scores):
    plots.site_tracks(**example)

# %% [markdown]
# ## Motifs from the maps
#
# For each class, its sequences are the positives and the other class's the background; the
# motif chapter's procedure runs on each map (`motifs.family_recovery`): step 1 either takes
# DNABERT's high-score regions ("regions") or tangermeme's seqlets ("seqlets"); every
# {term}`k-mer` inside them (`motif_kmer`, as in the motif chapter) is a candidate; candidates
# enriched in the positives ({term}`Benjamini–Hochberg` adjusted $p < 0.005$) are merged into motifs
# of 24 bp windows, ranked by their number of sites and compared with JASPAR 2018 CORE
# vertebrates by {term}`TOMTOM`. A motif recovers its class's factor when its best JASPAR match
# belongs to the factor's family at $q \le 0.05$: for Oct4 any POU-domain factor (POU5F1
# itself, Pou5f1::Sox2, POU2F1, ...), for MafK the factors that bind the MARE or its
# half-site (the small Mafs MAFF, MAFG, MAFK, the large Mafs MAF, MAFA, MAFB, NRL, and their
# CNC partners NFE2, NFE2L1-3, BACH1-2).

# %% tags=["hide-input"]
recovery, found, matches = study.recover(scores, ds, k=motif_kmer)

# %% [markdown]
# The headline table: for each model, method and procedure, how many motifs each class gave,
# the rank of the first one that recovers the class's factor family (blank: none does), its
# JASPAR match and the TOMTOM q-value of that match.

# %% tags=["hide-input"]
study.headline(recovery)

# %% [markdown]
# For each model and class, the recovering motif of the earliest rank (ties: the smallest
# q-value) beside the JASPAR matrix it matches, drawn on the strand TOMTOM aligned.

# %% tags=["hide-input"]
for model, pairs in study.best_matches(recovery, found, matches, ds.classes).items():
    plots.motif_matches(pairs, title=model)

# %% tags=["hide-input"]
if "cnn" in trained:
    display(Markdown(study.top_motifs_sentence(found, matches, ds.classes, "cnn", "mafk")))

# %% [markdown]
# ## Motifs from TF-MoDISco
#
# {term}`TF-MoDISco` {cite}`shrikumar2018tfmodisco`, in its rewrite tfmodisco-lite
# (`modisco-lite` on PyPI), is how the field turns attribution maps into motifs. It reads
# {term}`hypothetical scores <hypothetical score>`: at every position a score for each of the
# four bases, whichever is observed, saying what that base would contribute there. The observed
# base's score, the contribution, finds the seqlets: windows whose summed contribution passes a
# threshold fitted against a Laplace null (a 5 % false discovery rate). Seqlets are compared on
# both strands by their contribution and hypothetical scores, clustered (Leiden) and aligned
# into patterns, each summarised by its seqlets' base frequencies and mean contribution (the
# contribution weight matrix, CWM). Seqlets of positive contribution make positive patterns,
# evidence for the class; those of negative contribution negative patterns, evidence against
# it. Unlike the procedure above, modisco has no background set: it runs on each class's peaks
# alone, each explained as its own class (`motifs.pattern_recovery`).
#
# It runs on the maps of `modisco_methods`: all of them unless the profile names fewer (the
# cpu profile does, to stay within its time). Only some maps have
# hypothetical scores. On the CNN, ISM tries every base at every position,
# DeepLIFT/SHAP scores every base against its 20 dinucleotide-shuffled references, and
# input × gradient has the gradient at every base: these three are computed again with
# `hypothetical=True`. Every other map has one score per position and enters *projected*: its
# score on the observed base, 0 on the other three, so the clustering sees the contribution
# alone. The transformers' ISM (in the paper profile) is projected too: its hypothetical scores
# would take a second ISM run, each mutant re-tokenised and classified again (about 10 s per
# peak for DNABERT on 2 cores). Maps with no negative score (attention, rollout, Grad-CAM,
# saliency, random scores) are first centred on each sequence's median: modisco fits its null
# to windows of both signs and cannot run without negative ones.
#
# modisco's window settings were made for 1 kb sequences cut to their central 400 bp: 21 bp
# seqlet cores with 10 bp flanks, more than 100 seqlets per sign, patterns trimmed to 30 bp and
# widened by 10 bp on each side. On a 200 bp peak a 41 bp seqlet is a fifth of the sequence, no
# seqlet can be centred within 20 bp of either end, and patterns of 50 bp would drop every
# seqlet too close to an end to be widened that far. Here cores are 15 bp with 5 bp flanks: a
# core holds the 13 bp MARE, a 25 bp seqlet the 19 columns of MAFK's JASPAR matrix, and an 8 bp
# octamer fills more than half a core. Patterns are trimmed to 20 bp and widened by 5 bp. A
# pattern, and each sign, needs 20 seqlets: 100 peaks per class give a few hundred seqlets in
# all, often not 100 of one sign. The best of 10 Leiden runs is kept: on the CNN's maps of the
# cpu profile modisco's default of 50 took three times as long for the same patterns. Each
# pattern is compared
# with JASPAR 2018 CORE vertebrates by TOMTOM as modisco's own report does it: its base
# frequencies over the columns whose total absolute CWM reaches 30 % of the largest.

# %% tags=["hide-input"]
modisco, patterns, pattern_matches = study.modisco_recover(trained, ds, scores, modisco_methods)

# %% [markdown]
# For each model, method and kind of scores, per factor: the positive patterns found; the top
# pattern's (most seqlets) best JASPAR match and its TOMTOM q-value; and the rank of the first
# pattern whose best match is a factor of the family at $q \le 0.05$ (1: the top pattern's is;
# blank: none). The sentences below count, per model, the maps whose top pattern is of the
# family, and those whose top negative pattern, bases that speak against the class, is of the
# other factor's family. With few peaks per class (the smoke profile's 20) a class rarely
# yields 20 seqlets of one pattern, and its row stays blank.

# %% tags=["hide-input"]
study.modisco_table(modisco)

# %% tags=["hide-input"]
display(Markdown(study.modisco_sentences(modisco, trained)))

# %% [markdown]
# ## Relevance on the sites
#
# The scan's sites of each sequence's own factor are the known answer; the measures of the
# benchmark chapter compare each map with it, on the sequences that hold such a site:
# **relevance mass accuracy** (the share of positive relevance on site bases; a flat map
# scores the share of bases that are site bases) and **AUROC** of the scores as a detector of
# site bases (0.5 is chance, whatever the map's scale). Means over sequences with 95 %
# bootstrap intervals; the dotted line is what a flat map scores.

# %% tags=["hide-input"]
on_sites, summary = study.site_measures(scores, truth, ds, seed=seed)
study.sites_table(summary)

# %%
plots.metric_points(on_sites[on_sites.sequence.isin(np.flatnonzero(truth.any(1)))],
                    study.MEASURES, y="map", hue="class",
                    reference={"auroc": 0.5, "mass_accuracy": study.flat_share(truth, ds)});

# %% [markdown]
# Against random scores, on the same sequences: for every model with `random` among its
# methods, each other method's measure minus random's, per sequence
# (`metrics.paired_comparisons`: mean difference, 95 % bootstrap interval,
# {term}`sign-flip <sign-flip test>` permutation p). All comparisons of the chapter's two measures form one family, adjusted by
# {term}`Benjamini–Hochberg`; a difference counts when its adjusted p is below 0.05.

# %% tags=["hide-input"]
versus_random = study.versus_random(on_sites, scores, seed=seed)
versus_random.rename_axis(["model", "method", "measure"]).rename(
    columns={"mean_a": "method", "mean_b": "random", "estimate": "method − random"})

# %% tags=["hide-input"]
text, best_on_sites = study.sites_sentences(summary, versus_random, trained)
display(Markdown(text))

# %% [markdown]
# ## Mutating the sites
#
# If a model relies on the sites, changing their bases should lower its probability of the
# sequence's own class. For each model, on the sequences that hold an own-factor site
# (`mutagenesis.mutate_masks`): every site base changed to a random other base ("known
# sites"); as many bases, the highest-scored of each map (`mutagenesis.top_mask`, one mask per
# method but random); and as many bases drawn at random (`mutagenesis.random_mask`,
# `random_repeats` draws, averaged per sequence). The measure is the drop of the own-class
# probability, and the accuracy before and after (a sequence counts as called right when its
# own class gets more than half the probability).

# %% tags=["hide-input"]
per_sequence = study.mutate_sites(trained, scores, truth, ds, seed=seed, repeats=random_repeats,
                                  precision=mutagenesis_precision)
mutation_table = study.mutation_table(per_sequence, seed=seed)
mutation_table

# %%
plots.metric_points(per_sequence, {"drop": "drop of the own-class probability"}, y="mask",
                    hue="model", reference={"drop": 0.0});

# %% [markdown]
# Paired comparisons of the drops on the same sequences, one family adjusted by
# Benjamini–Hochberg: the known sites against random positions, and each map's top positions
# against random positions and against the known sites.

# %% tags=["hide-input"]
mutation_tests = study.mutation_tests(per_sequence, seed=seed)
mutation_tests.rename_axis(["model", "mutated", "against"]).rename(
    columns={"mean_a": "drop", "mean_b": "drop against", "estimate": "difference"})

# %% tags=["hide-input"]
display(Markdown(study.mutation_sentences(mutation_table, mutation_tests, trained)))

# %% [markdown]
# ## Inserting the sites
#
# Mutation asks what the model loses without a site; insertion asks what a site alone adds,
# the causal half of a motif claim. Each peak is shuffled five times keeping its
# dinucleotides (which destroys its sites but keeps its composition), each factor's site (the
# octamer ATGCAAAT; the MARE TGCTGA(C/G)TCAGCA, both middle bases) is written at the centre,
# and the model's probability of that factor's class is read before and after (as
# tangermeme's `marginalize` does; the transformers re-tokenise the edited sequence). Per
# model and factor: the mean change over the peaks (each peak's shuffles and sites averaged
# first), its 95 % bootstrap interval and a sign-flip test against 0 (Benjamini-Hochberg over
# the table).

# %% tags=["hide-input"]
inserted = study.insert_sites(trained, ds, seed=seed)
inserted_summary = insertion.summary(inserted, seed=seed)
inserted_summary

# %% tags=["hide-input"]
display(Markdown(study.insertion_sentences(inserted_summary, trained)))

# %% [markdown]
# ## What this says
#
# The case study named the TF classes of its motifs without a known answer. Here the same
# procedure has one, and each map can be held to it three ways.

# %% tags=["hide-input"]
display(Markdown(study.summary_sentences(recovery, models_table, best_on_sites, versus_random,
                                         trained)))

# %% tags=["hide-input"]
# For the What replicates page: does a map of each model recover each factor's family, beyond
# what random scores recover? No test applies (a motif is found or not); the counts decide.
recorded = study.claim_rows(recovery, trained)
recorded += study.insertion_claim_rows(inserted_summary, trained)
claims.record("Known biology", profile, recorded)
