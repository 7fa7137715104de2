"""Maps held to known biology: ChIP-seq peaks of Oct4 and MafK, whose factors' sites are the
answer (the chapter "Known biology").

The chapter asks three questions of every map of every model: does the motif procedure
recover the class's factor family (`recover`, `headline`), and TF-MoDISco's top pattern
(`modisco_recover`, `modisco_table`); does the map put its relevance on the factor's sites
(`site_measures`, `versus_random`); and does mutating the sites cost the model more than
mutating random or top-scored bases (`mutate_sites`, `mutation_tests`). The
functions named ``*_sentence`` or ``*_sentences`` put a table's findings in words for the
page; `claim_rows` gives the rows the chapter records for the findings page.

Models are named by their key in the chapter's runs (``"cnn"``) and shown by `NAME`; a
``model`` column of a table holds the shown name.
"""

import numpy as np
import pandas as pd

from .. import (
    attribution,
    cache,
    claims,
    data,
    insertion,
    metrics,
    motifs,
    mutagenesis,
    sites,
    training,
)
from ..book import p_value
from . import NAME, sequence_lengths
from .patterns import four_channel

# The chapter's known answer, by class name: the factor's JASPAR 2018 matrix (the site scan)
# and its family (motif recovery). A dataset of the chapter needs these class names.
FACTORS = {
    "oct4": {
        "factor": "Oct4",
        "matrix": "MA1115.1",
        "family": motifs.POU_FAMILY,
        "family name": "POU",
    },
    "mafk": {
        "factor": "MafK",
        "matrix": "MA0496.2",
        "family": motifs.MAF_FAMILY,
        "family name": "Maf",
    },
}
P_SITE = 1e-4  # p-value of a matrix hit (FIMO's default)
MAX_Q = 0.05  # TOMTOM q-value at or below which a JASPAR match counts
MEASURES = {"auroc": "AUROC", "mass_accuracy": "relevance mass accuracy"}
ALPHA = 0.05  # adjusted p below which a paired difference counts
COMPARISON_COLUMNS = ["n", "mean_a", "mean_b", "estimate", "lo", "hi", "p", "p_adjusted"]


def _name(model):
    return NAME.get(model, model)


def _check_classes(dataset, classes):
    missing = [c for c in FACTORS if c not in classes]
    if missing:
        raise ValueError(
            f"{dataset}: this chapter needs classes named {', '.join(FACTORS)}; "
            f"the dataset's classes are {', '.join(classes)}"
        )


def check_runs(runs):
    """The one dataset of the chapter's runs, checked before anything is loaded.

    Parameters
    ----------
    runs : list of str
        ``"model:dataset"`` runs (``biology_runs``).

    Returns
    -------
    str
        The dataset's name.

    Raises
    ------
    ValueError
        The runs use no dataset or several; a declared or published dataset whose classes
        lack one of `FACTORS`.
    """
    datasets = sorted({run.split(":")[1] for run in runs})
    if len(datasets) != 1:
        raise ValueError(f"biology_runs must all use one dataset, got {datasets or 'none'}")
    dataset = datasets[0]
    spec = data.FILES.get(dataset) or data.DATASETS.get(dataset)
    if spec is not None and spec.classes:  # known without reading a file
        _check_classes(dataset, spec.classes)
    return dataset


def peaks(runs, seed=0, min_eval_per_class=500, max_sequences=0):
    """The parts of the runs' dataset, checked to hold the classes of `FACTORS`.

    Parameters
    ----------
    runs : list of str
        ``"model:dataset"`` runs, all of one dataset (`check_runs`).
    seed, min_eval_per_class, max_sequences
        As for `data.splits`.

    Returns
    -------
    dataset : str
    parts : dict of str to data.Dataset
        ``train``, ``validation``, ``evaluation``.
    """
    dataset = check_runs(runs)
    parts = data.splits(
        dataset, seed=seed, min_eval_per_class=min_eval_per_class, max_sequences=max_sequences
    )
    _check_classes(dataset, parts["evaluation"].classes)
    return dataset, parts


def peak_files(dataset):
    """Where the files of a declared dataset were found, one line per class.

    Returns
    -------
    list of str
        ``"<class>: <path as given> -> <folder>/<file> (<origin>)"``, the origin of a
        ``"chipseq:<set>"`` file being ``"mirror"``, ``"cache"``, ... (`data.locate_chipseq`);
        empty for a dataset not declared by files.
    """
    spec = data.FILES.get(dataset)
    lines = []
    for cls, path in zip(spec.classes, spec.paths) if spec else []:
        where = data.file_path(path)
        origin = (
            data.locate_chipseq()[str(path).split(":")[1]][1]
            if str(path).startswith(data.CHIPSEQ_PREFIX)
            else "your file"
        )
        lines.append(f"{cls}: {path} -> {where.parent.name}/{where.name} ({origin})")
    return lines


def train_models(runs, train, seed=0, min_eval_per_class=500, max_sequences=0):
    """Each run's model, trained by `training.run` (or loaded from the cache), and its accuracy.

    Parameters
    ----------
    runs : list of str
        ``"model:dataset"`` runs.
    train : dict
        The profile's training settings.
    seed, min_eval_per_class, max_sequences
        As for `training.run`.

    Returns
    -------
    trained : dict of str to training.Trained
        By model key (``"cnn"``), in the order of ``runs``.
    table : pandas.DataFrame
        Indexed by ``model`` (shown name): ``parameters``, ``accuracy``, ``accuracy (<class>)``
        per class, ``AUROC``, all on the whole evaluation part.
    """
    trained, rows = {}, []
    for run in runs:
        model = run.split(":")[0]
        t, _ = training.run(
            run,
            train,
            seed=seed,
            min_eval_per_class=min_eval_per_class,
            max_sequences=max_sequences,
        )
        trained[model] = t
        rows.append(
            {
                "model": _name(model),
                "parameters": sum(p.numel() for p in t.model.parameters()),
                "accuracy": t.metrics["accuracy"],
                **{f"accuracy ({c})": t.metrics[f"accuracy_{i}"] for i, c in enumerate(t.classes)},
                "AUROC": t.metrics["auroc"],
            }
        )
    return trained, pd.DataFrame(rows).set_index("model")


def accuracy_sentence(models_table):
    """The models' accuracy, overall and on each factor's peaks, as one sentence.

    Parameters
    ----------
    models_table : pandas.DataFrame
        From `train_models`: indexed by model, columns ``accuracy`` and ``accuracy (<class>)``
        for every class of `FACTORS`.

    Returns
    -------
    str
    """
    return (
        "Accuracy on the evaluation part: "
        + "; ".join(
            f"{model} {r.accuracy:.1%} ("
            + ", ".join(f"{FACTORS[c]['factor']} peaks {r[f'accuracy ({c})']:.1%}" for c in FACTORS)
            + ")"
            for model, r in models_table.iterrows()
        )
        + "."
    )


def draw(evaluation, n, seed=0):
    """``n`` sequences of each class (fewer when the smallest class has fewer), with the seed.

    Parameters
    ----------
    evaluation : data.Dataset
    n : int
        Sequences per class (``n_biology``).

    Returns
    -------
    data.Dataset
    """
    return data.sample(evaluation, min(n, int(evaluation.counts().min())), seed=seed)


def factor_matrices():
    """The JASPAR matrices of the factors of `FACTORS`, by matrix id, in its order."""
    return data.jaspar_motifs([FACTORS[c]["matrix"] for c in FACTORS])


def own_sites(ds, matrices):
    """Sites of both factors in every sequence, and the bases of each sequence's own factor.

    Parameters
    ----------
    ds : data.Dataset
        n sequences whose classes include those of `FACTORS`.
    matrices : dict of str to data.Motif
        The factors' matrices (`factor_matrices`).

    Returns
    -------
    hits : pandas.DataFrame
        `sites.scan` of every matrix on both strands at p <= `P_SITE` (columns
        `sites.COLUMNS`).
    truth : numpy.ndarray of bool, shape (n, longest sequence)
        True on the bases of hits of the sequence's own class's matrix (`sites.class_mask`).
    """
    hits = sites.scan(ds.sequences, matrices, p_value=P_SITE)
    own = {ds.classes.index(c): FACTORS[c]["matrix"] for c in FACTORS}
    return hits, sites.class_mask(hits, ds.labels, own, int(sequence_lengths(ds).max()))


def site_carry(ds, hits, truth, matrices):
    """Which peaks carry which factor's site.

    Parameters
    ----------
    ds : data.Dataset
        n sequences.
    hits, truth
        From `own_sites`.
    matrices : dict of str to data.Motif
        The scanned matrices (`factor_matrices`), in the order of `FACTORS`.

    Returns
    -------
    pandas.DataFrame
        One row per class of `FACTORS` (``"<class> peaks"``): per matrix, the share of the
        class's sequences with at least one hit (``"<name> hit (<id>)"``); then the mean share
        of each sequence's bases that are sites of its own factor.
    """
    lengths = sequence_lengths(ds)
    label = {c: ds.classes.index(c) for c in FACTORS}
    carry = pd.DataFrame(
        {
            f"{m.name} hit ({m.id})": [
                np.isin(
                    np.flatnonzero(ds.labels == label[c]), hits[hits.motif == m.id].sequence
                ).mean()
                for c in FACTORS
            ]
            for m in matrices.values()
        },
        index=[f"{c} peaks" for c in FACTORS],
    )
    carry["own factor's site bases (mean share)"] = [
        (truth[ds.labels == label[c]].sum(1) / lengths[ds.labels == label[c]]).mean()
        for c in FACTORS
    ]
    return carry


def sites_sentence(carry, truth):
    """How many sequences hold a site of their own factor, and of the other one.

    Parameters
    ----------
    carry : pandas.DataFrame
        From `site_carry`: its first two columns are the hit shares of the factors' matrices,
        in the order of `FACTORS`.
    truth : numpy.ndarray of bool, shape (n, L)
        From `own_sites`.

    Returns
    -------
    str
    """
    own = {c: carry.loc[f"{c} peaks"].iloc[i] for i, c in enumerate(FACTORS)}
    other = {c: carry.loc[f"{c} peaks"].iloc[1 - i] for i, c in enumerate(FACTORS)}
    return (
        f"Of the {len(truth)} sequences, {truth.any(1).sum()} hold a site of their own class's "
        "factor: "
        + "; ".join(
            f"{own[c]:.0%} of the {FACTORS[c]['factor']} peaks (and {other[c]:.0%} hold a "
            f"site of the other factor)"
            for c in FACTORS
        )
        + ". Only sequences with an own site enter the measures below; the others have no "
        "known answer."
    )


def explain(trained, ds, methods, width):
    """Every method's map of every model, each sequence explained as its own class (cached).

    Parameters
    ----------
    trained : dict of str to training.Trained
        By model key.
    ds : data.Dataset
        n sequences.
    methods : dict of str to list of str
        Methods per model key (``biology_methods``).
    width : int
        Columns kept, L (the site map's).

    Returns
    -------
    dict of str to dict of str to numpy.ndarray, shape (n, L)
        Model key -> method -> nucleotide scores, in the order of ``methods[model]``.
    """
    scores = {}
    for model, t in trained.items():
        cheap = [m for m in methods[model] if m != "ism"]
        found = attribution.explain_all(t, ds.sequences, cheap, target=ds.labels)
        if "ism" in methods[model]:  # one forward pass per mutant: large batches
            found |= attribution.explain_all(
                t, ds.sequences, ["ism"], target=ds.labels, batch_size=128
            )
        scores[model] = {m: found[m][:, :width] for m in methods[model]}
    return scores


def scores_line(scores):
    """The methods scored for each model, as one line: ``"CNN: lrp, ism; ..."``."""
    return "; ".join(f"{_name(m)}: {', '.join(s)}" for m, s in scores.items())


def site_examples(ds, hits, truth, scores, flank=30, width=80):
    """For each factor, its first peak with an own site and every map around that site.

    Parameters
    ----------
    ds : data.Dataset
        n sequences.
    hits, truth
        From `own_sites`.
    scores : dict of str to dict of str to numpy.ndarray, shape (n, L)
        From `explain`; random scores are left out.
    flank : int
        Bases shown before the first own site.
    width : int
        Bases shown.

    Returns
    -------
    list of dict
        Keyword arguments of `plots.site_tracks` (``scores``, ``sites``, ``sequence``,
        ``title``, ``window``), one per factor whose peaks hold an own site.
    """
    lengths = sequence_lengths(ds)
    examples = []
    for c in FACTORS:
        chosen = np.flatnonzero(truth.any(1) & (ds.labels == ds.classes.index(c)))
        if not len(chosen):  # no peak of this class holds its factor's site
            continue
        i = int(chosen[0])
        own = hits[(hits.sequence == i) & (hits.motif == FACTORS[c]["matrix"])]
        start = max(0, int(own.start.min()) - flank)
        examples.append(
            {
                "scores": {
                    f"{_name(m)} · {method}": s[i]
                    for m, by in scores.items()
                    for method, s in by.items()
                    if method != "random"
                },
                "sites": list(zip(own.start, own.end, own.name)),
                "sequence": ds.sequences[i],
                "title": f"{FACTORS[c]['factor']} peak {i}",
                "window": (start, min(int(lengths[i]), start + width)),
            }
        )
    return examples


def recover(scores, ds, k=None):
    """The motif procedure on every map, for every class against the others (cached).

    Parameters
    ----------
    scores : dict of str to dict of str to numpy.ndarray, shape (n, L)
        From `explain`.
    ds : data.Dataset
        The n explained sequences.
    k : int, optional
        Candidate k-mer length (``motif_kmer``); None or 0: the procedure's default.

    Returns
    -------
    recovery : pandas.DataFrame
        One row per model, method, procedure (`motifs.PROCEDURES`) and class of `FACTORS`:
        ``label``, the columns of `motifs.RECOVERY_COLUMNS` (``n_motifs``, ``rank`` of the
        first motif in the factor's family, NaN if none, its ``motif``, ``match_id``,
        ``match``, ``q_value``, ...), ``model`` (shown name), ``method``, ``procedure``,
        ``class``.
    found : dict of (str, str, str) to dict of int to list of motifs.FoundMotif
        (model key, method, procedure) -> label -> its motifs in rank order.
    matches : dict of (str, str, str) to dict of int to pandas.DataFrame
        The same keys -> label -> the `motifs.compare` table of its motifs.
    """
    families = {ds.classes.index(c): FACTORS[c]["family"] for c in FACTORS}
    recovery, found, matches = [], {}, {}
    for model, by_method in scores.items():
        for method, s in by_method.items():
            for procedure in motifs.PROCEDURES:
                # the key and code as the chapter first stored them: cached results stay valid
                key = {
                    "scores": s,
                    "sequences": ds.sequences,
                    "labels": ds.labels,
                    "procedure": procedure,
                    "k": k,
                    "families": {c: sorted(f) for c, f in families.items()},
                    "max_q": MAX_Q,
                }
                table, f, m = cache.cached(
                    "recovery",
                    key,
                    lambda: motifs.family_recovery(
                        ds.sequences,
                        ds.labels,
                        s,
                        families,
                        procedure,
                        max_q=MAX_Q,
                        k=k or None,
                    ),
                    code=["motifs"],
                )
                recovery.append(
                    table.assign(model=_name(model), method=method, procedure=procedure)
                )
                found[model, method, procedure], matches[model, method, procedure] = f, m
    recovery = pd.concat(recovery, ignore_index=True)
    recovery["class"] = [ds.classes[i] for i in recovery["label"]]
    return recovery, found, matches


def headline(recovery):
    """Per map and procedure, each factor's motifs and the first that recovers its family.

    Parameters
    ----------
    recovery : pandas.DataFrame
        From `recover` (columns model, method, procedure, class, n_motifs, rank, match,
        q_value at least), one row per class of `FACTORS` and run.

    Returns
    -------
    pandas.DataFrame
        Indexed by (model, method, procedure) in their first order; per factor
        ``"<factor>: motifs"`` (int), ``"<factor>: first <family>"`` (the rank, nullable
        Int64), ``"<factor>: match"`` ("" when none) and ``"<factor>: q"``.
    """
    runs = pd.MultiIndex.from_frame(recovery[["model", "method", "procedure"]].drop_duplicates())
    wide = recovery.set_index([*runs.names, "class"]).unstack("class").reindex(runs)
    table = pd.DataFrame(index=runs)
    for c, f in FACTORS.items():
        table[f"{f['factor']}: motifs"] = wide["n_motifs", c].astype(int)
        table[f"{f['factor']}: first {f['family name']}"] = wide["rank", c].astype("Int64")
        table[f"{f['factor']}: match"] = wide["match", c].fillna("")
        table[f"{f['factor']}: q"] = wide["q_value", c]
    return table


def best_matches(recovery, found, matches, classes):
    """Per model, the recovering motif of the earliest rank of each factor beside its match.

    Ties of rank go to the smallest q-value, then to the first map and procedure.

    Parameters
    ----------
    recovery, found, matches
        From `recover`.
    classes : sequence of str
        Class names by label.

    Returns
    -------
    dict of str to list of tuple
        Shown model name -> the pairs of `plots.motif_matches` (label, the motif's counts,
        its match's name, the JASPAR probabilities, TOMTOM's strand), one per factor with a
        recovering motif; every model of ``found`` is a key, in its order.
    """
    pairs = {}
    for model_key in dict.fromkeys(k[0] for k in found):
        model = _name(model_key)
        pairs[model] = []
        for c in FACTORS:
            rows = recovery[
                (recovery.model == model) & (recovery["class"] == c) & recovery["rank"].notna()
            ]
            if not len(rows):
                continue
            best = rows.sort_values(["rank", "q_value"], kind="stable").iloc[0]
            key = (model_key, best.method, best.procedure)
            label = list(classes).index(c)
            motif = next(m for m in found[key][label] if m.id == best.motif)
            table = matches[key][label]
            strand = table[(table["query"] == best.motif) & (table["id"] == best.match_id)].strand
            pairs[model].append(
                (
                    f"{FACTORS[c]['factor']} peaks, {best.method} ({best.procedure}): "
                    f"{best.motif}, {len(motif.instances)} sites",
                    motif.counts,
                    f"{best.match} ({best.match_id}), q = {p_value(best.q_value)}",
                    data.jaspar_motifs([best.match_id])[best.match_id].probs,
                    strand.iloc[0],
                )
            )
    return pairs


def top_motif(found, table, cls):
    """The first-ranked motif of one class in one map and its best JASPAR match, in words.

    Parameters
    ----------
    found : list of motifs.FoundMotif
        The class's motifs in rank order (`recover`'s ``found[key][label]``).
    table : pandas.DataFrame
        Their `motifs.compare` table (columns query, rank, id, name, tf_class, tf_family,
        q_value).
    cls : str
        The class, a key of `FACTORS`.

    Returns
    -------
    ok : bool
        Whether the best match (q <= `MAX_Q`) is in the class's factor family.
    text : str
        The motif's consensus and sites, and its best match with q-value and family.
    """
    if not found:
        return False, "no motif (no candidate passed the enrichment test)"
    best = table[(table["query"] == found[0].id) & (table["rank"] == 1)]
    text = f"`{found[0].consensus}` ({len(found[0].instances)} sites)"
    if not len(best) or best.q_value.iloc[0] > MAX_Q:
        return False, text + " with no JASPAR match at q ≤ 0.05"
    b = best.iloc[0]
    ok = motifs.in_family(b["name"], b["id"], FACTORS[cls]["family"])
    text += f", best match {b['name']} (q = {p_value(b.q_value)}; {b.tf_family or 'no family'})"
    if not ok and "leucine zipper" in b.tf_class:
        # a bZIP match of another family is the MARE's core: say so rather than just "no"
        text += (
            ": a bZIP factor of another family, whose TGA(C/G)TCA core is the middle of "
            "the MARE; the motif holds that core without the flanking TGC…GCA that marks "
            "Maf factors"
        )
    return ok, text


def top_motifs_sentence(found, matches, classes, model="cnn", cls="mafk"):
    """One model's first-ranked motif of one class in every map and procedure, as a list.

    Parameters
    ----------
    found, matches
        From `recover`.
    classes : sequence of str
        Class names by label.
    model : str
        Model key.
    cls : str
        Class, a key of `FACTORS`.

    Returns
    -------
    str
        A bold heading, how many maps' first motif matches the family best, and one item
        per map and procedure (`top_motif`).
    """
    label = list(classes).index(cls)
    family = FACTORS[cls]["family name"]
    lines, n_ok = [], 0
    for key, by_class in found.items():
        if key[0] != model:
            continue
        ok, text = top_motif(by_class[label], matches[key][label], cls)
        n_ok += ok
        verdict = f"**a {family} factor**" if ok else f"not a {family} factor"
        lines.append(f"- `{key[1]}`, {key[2]}: {verdict} — {text}.")
    factor = FACTORS[cls]["factor"]
    return (
        f"**The {_name(model)}'s top {factor} motif.** In {n_ok} of {len(lines)} maps and "
        f"procedures the first-ranked motif of the {factor} peaks matches a {family}-family "
        "factor best:\n\n" + "\n".join(lines)
    )


def modisco_recover(trained, ds, scores, chosen=None):
    """TF-MoDISco on every map, for every class of `FACTORS` alone (cached).

    The CNN's maps of `patterns.HYPOTHETICAL` enter as hypothetical scores, every other map
    projected (`patterns.four_channel`).

    Parameters
    ----------
    trained : dict of str to training.Trained
        By model key.
    ds : data.Dataset
        The n explained sequences.
    scores : dict of str to dict of str to numpy.ndarray, shape (n, L)
        From `explain`.
    chosen : dict of str to list of str, optional
        The maps TF-MoDISco reads, as for `patterns.four_channel` (default: all).

    Returns
    -------
    recovery : pandas.DataFrame
        One row per model, method and class of `FACTORS`: ``label``, the columns of
        `motifs.RECOVERY_COLUMNS` (``n_motifs``: positive patterns; ``rank`` of the first in
        the factor's family, NaN if none; its ``match``, ``q_value``, ...) and of
        `motifs.TOP_COLUMNS` (the first pattern's best match ``top_match``, ``top_q``,
        ``top_family``; the first negative pattern's ``negative_match``, ...), ``model``
        (shown name), ``method``, ``scores`` (``"hypothetical"`` or ``"projected"``),
        ``class``.
    patterns : dict of (str, str) to dict of int to list of motifs.Pattern
        (model key, method) -> label -> its patterns (`motifs.find_patterns`).
    matches : dict of (str, str) to dict of int to pandas.DataFrame
        The same keys -> label -> the `motifs.compare` table of its patterns.
    """
    maps, kinds = four_channel(trained, ds.sequences, ds.labels, scores, chosen)
    families = {ds.classes.index(c): FACTORS[c]["family"] for c in FACTORS}
    recovery, patterns, matches = [], {}, {}
    for model, by_method in maps.items():
        for method, h in by_method.items():
            key = {
                "hypothetical": h,
                "sequences": ds.sequences,
                "labels": ds.labels,
                "families": {c: sorted(f) for c, f in families.items()},
                "max_q": MAX_Q,
            }
            table, p, m = cache.cached(
                "modisco",
                key,
                lambda: motifs.pattern_recovery(ds.sequences, ds.labels, h, families, max_q=MAX_Q),
                code=["motifs"],
            )
            recovery.append(
                table.assign(model=_name(model), method=method, scores=kinds[model][method])
            )
            patterns[model, method], matches[model, method] = p, m
    recovery = pd.concat(recovery, ignore_index=True)
    recovery["class"] = [ds.classes[i] for i in recovery["label"]]
    return recovery, patterns, matches


def modisco_table(recovery):
    """Per map, each factor's top TF-MoDISco pattern and the first in its family.

    Parameters
    ----------
    recovery : pandas.DataFrame
        From `modisco_recover`, one row per class of `FACTORS` and map.

    Returns
    -------
    pandas.DataFrame
        Indexed by (model, method, scores) in their first order; per factor
        ``"<factor>: patterns"`` (positive patterns), ``"<factor>: top match"`` (the first
        pattern's best JASPAR match, "" when none), ``"<factor>: q"`` (its TOMTOM q-value)
        and ``"<factor>: first <family>"`` (the rank of the first pattern whose best match is
        of the family at q <= `MAX_Q`, nullable Int64: 1 when the top pattern's is).
    """
    runs = pd.MultiIndex.from_frame(recovery[["model", "method", "scores"]].drop_duplicates())
    wide = recovery.set_index([*runs.names, "class"]).unstack("class").reindex(runs)
    table = pd.DataFrame(index=runs)
    for c, f in FACTORS.items():
        table[f"{f['factor']}: patterns"] = wide["n_motifs", c].astype(int)
        table[f"{f['factor']}: top match"] = wide["top_match", c].fillna("")
        table[f"{f['factor']}: q"] = wide["top_q", c].astype(float)
        table[f"{f['factor']}: first {f['family name']}"] = wide["rank", c].astype("Int64")
    return table


def modisco_sentences(recovery, models):
    """Per model, how many maps' top TF-MoDISco pattern is of each factor's family.

    Parameters
    ----------
    recovery : pandas.DataFrame
        From `modisco_recover`.
    models : iterable of str
        Model keys, in order.

    Returns
    -------
    str
        One list item per model: per factor, the maps whose top pattern is of the family
        (hypothetical and projected maps counted apart where the model has both), and the
        maps without a positive pattern; random scores named when theirs is; the maps whose
        top negative pattern is of the other factor's family. A model without any pattern
        gets one phrase.
    """
    lines = []
    for model_key in models:
        model = _name(model_key)
        rec = recovery[recovery.model == model]
        if not rec.n_motifs.any() and not rec.n_negative.any():
            lines.append(f"- **{model}**: no map gives either factor's peaks a positive pattern.")
            continue
        parts = []
        for c, f in FACTORS.items():
            of = rec[rec["class"] == c]
            empty = int((of.n_motifs == 0).sum())
            if empty == len(of):
                parts.append(
                    f"no map gives the {f['factor']} peaks a positive pattern" + _against(of, c)
                )
                continue
            hits = [
                f"{int(of[of.scores == kind].top_family.sum())} of {int((of.scores == kind).sum())}"
                f" {kind}"
                for kind in ("hypothetical", "projected")
                if (of.scores == kind).any()
            ]
            text = (
                f"for the {f['factor']} peaks, the top pattern of {' and '.join(hits)} maps is "
                f"a {f['family name']} factor"
            )
            if empty:
                text += f" ({empty} without a positive pattern)"
            if (of.top_family & (of.method == "random")).any():
                text += "; random scores' is too"
            parts.append(text + _against(of, c))
        lines.append(f"- **{model}**: " + "; ".join(parts) + ".")
    return "\n".join(lines)


def _against(rows, cls):
    """ ", and in k of them the top negative pattern is a <other family> factor" for the maps
    (`modisco_recover` rows of class ``cls``) whose first negative pattern best matches the
    other factor's family at q <= `MAX_Q`; "" when none does."""
    for other, f in FACTORS.items():
        if other == cls:
            continue
        k = sum(
            q <= MAX_Q and motifs.in_family(name, family=f["family"])
            for name, q in zip(rows.negative_match, rows.negative_q)
        )
        if k:
            return (
                f", and in {k} map{'s' if k > 1 else ''} the top negative pattern, evidence "
                f"against the class, is a {f['family name']} factor"
            )
    return ""


def site_measures(scores, truth, ds, seed=0):
    """Every map against the own-factor sites, per sequence, and the means per map.

    Parameters
    ----------
    scores : dict of str to dict of str to numpy.ndarray, shape (n, L)
        From `explain`.
    truth : numpy.ndarray of bool, shape (n, L)
        From `own_sites`.
    ds : data.Dataset
        The n sequences.
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    on_sites : pandas.DataFrame
        `metrics.ground_truth_table` of every model (one row per model, method and
        sequence; ``auroc``, ``mass_accuracy``, ...), with ``model`` (shown name), ``class``
        (the sequence's) and ``map`` (``"<model> · <method>"``).
    summary : dict of str to pandas.DataFrame
        Per measure of `MEASURES`, `metrics.bootstrap_summary` by model and method
        (``mean``, ``lo``, ``hi``, ``n``).
    """
    lengths = sequence_lengths(ds)
    on_sites = pd.concat(
        [
            metrics.ground_truth_table(s, truth, lengths).assign(model=_name(m))
            for m, s in scores.items()
        ],
        ignore_index=True,
    )
    on_sites["class"] = [ds.classes[i] for i in ds.labels[on_sites["sequence"]]]
    on_sites["map"] = on_sites["model"] + " · " + on_sites["method"]
    summary = {
        m: metrics.bootstrap_summary(on_sites, m, ["model", "method"], seed=seed) for m in MEASURES
    }
    return on_sites, summary


def sites_table(summary):
    """The measures of `site_measures` as one table to read.

    Parameters
    ----------
    summary : dict of str to pandas.DataFrame
        From `site_measures`.

    Returns
    -------
    pandas.DataFrame
        Indexed by (model, method): ``n``, then per measure ``"mean [lo, hi]"`` (3 decimals).
    """
    table = summary["auroc"][["model", "method", "n"]].copy()
    for m, name in MEASURES.items():
        table[name] = [
            f"{r['mean']:.3f} [{r.lo:.3f}, {r.hi:.3f}]" for _, r in summary[m].iterrows()
        ]
    return table.set_index(["model", "method"])


def flat_share(truth, ds):
    """What a flat map scores on relevance mass accuracy: the mean share of site bases over
    the sequences that hold an own site.

    Parameters
    ----------
    truth : numpy.ndarray of bool, shape (n, L)
    ds : data.Dataset
        The n sequences.

    Returns
    -------
    float
    """
    return (truth.sum(1) / sequence_lengths(ds))[truth.any(1)].mean()


def versus_random(on_sites, scores, seed=0):
    """Each map's measures minus random scores', per sequence, one family of tests.

    Parameters
    ----------
    on_sites : pandas.DataFrame
        From `site_measures`.
    scores : dict of str to dict of str to numpy.ndarray
        From `explain`: models and methods in their order; a model without ``random`` is
        left out.
    seed : int
        Seed of the bootstrap and permutations.

    Returns
    -------
    pandas.DataFrame
        `metrics.paired_comparisons` indexed by (model, method, measure name of `MEASURES`):
        ``n``, ``mean_a`` (the method), ``mean_b`` (random), ``estimate``, ``lo``, ``hi``,
        ``p``, ``p_adjusted``; empty with these columns when no model has random scores.
    """
    pairs = {}
    for model_key, by_method in scores.items():
        model = _name(model_key)
        wide = {
            m: on_sites[on_sites.model == model].pivot(index="sequence", columns="method", values=m)
            for m in MEASURES
        }
        if "random" not in wide["auroc"]:
            continue
        for method in [x for x in by_method if x != "random"]:
            for m, name in MEASURES.items():
                pairs[model, method, name] = (
                    wide[m][method].to_numpy(),
                    wide[m]["random"].to_numpy(),
                )
    if not pairs:  # still indexed by three levels, so the chapter can name them
        empty = pd.MultiIndex.from_arrays([[], [], []])
        return pd.DataFrame(index=empty, columns=COMPARISON_COLUMNS)
    return metrics.paired_comparisons(pairs, seed=seed)


def versus(tests, model, method, measure="AUROC"):
    """A method's difference from random on one measure, in words.

    Parameters
    ----------
    tests : pandas.DataFrame
        From `versus_random`.
    model : str
        Shown model name.
    method, measure : str

    Returns
    -------
    str or None
        None when the pair was not tested (no random scores).
    """
    if (model, method, measure) not in tests.index:
        return None
    r = tests.loc[(model, method, measure)]
    if not r.p_adjusted < ALPHA:
        return (
            f"no clear difference from random ({r.estimate:+.3f}, adjusted p = "
            f"{p_value(r.p_adjusted)})"
        )
    return (
        f"{'above' if r.estimate > 0 else 'below'} random by {abs(r.estimate):.3f} "
        f"[{r.lo:+.3f}, {r.hi:+.3f}], adjusted p = {p_value(r.p_adjusted)}"
    )


def sites_sentences(summary, tests, models):
    """Per model, the map that puts its scores on the sites best, and which maps beat random.

    Parameters
    ----------
    summary : dict of str to pandas.DataFrame
        From `site_measures` (its ``"auroc"`` summary is read).
    tests : pandas.DataFrame
        From `versus_random`.
    models : iterable of str
        Model keys, in order.

    Returns
    -------
    text : str
        One list item per model.
    best : dict of str to str
        Model key -> its method of highest mean AUROC (random left out); models without a
        defined AUROC are absent.
    """
    auroc = summary["auroc"].dropna(subset=["mean"])
    best, lines = {}, []
    for model_key in models:
        model = _name(model_key)
        part = auroc[(auroc.model == model) & (auroc.method != "random")]
        if not len(part):
            lines.append(f"- **{model}**: no map has a defined AUROC (no sequence holds a site).")
            continue
        top = part.sort_values("mean", ascending=False).iloc[0]
        best[model_key] = top.method
        above = [
            m
            for m in part.method
            if (model, m, "AUROC") in tests.index
            and tests.loc[(model, m, "AUROC")].p_adjusted < ALPHA
            and tests.loc[(model, m, "AUROC")].estimate > 0
        ]
        text = (
            f"- **{model}**: `{top.method}` puts its scores on the sites best, AUROC "
            f"{top['mean']:.3f} [{top.lo:.3f}, {top.hi:.3f}] over {top.n} sequences"
        )
        against = versus(tests, model, top.method)
        text += f", {against}" if against else ""
        text += (
            f". Above random on AUROC: {', '.join(f'`{m}`' for m in above) or 'no method'}"
            f" ({len(above)} of {len(part)})."
        )
        lines.append(text)
    return "\n".join(lines), best


def mutate_sites(trained, scores, truth, ds, seed=0, repeats=1, precision="fp32"):
    """The drop of the own-class probability when the sites, each map's top bases or random
    bases are mutated, on the sequences that hold an own site (cached).

    Every mask changes as many bases per sequence as its sites cover: ``"known sites"``;
    ``"top <method>"`` for each method but random (`mutagenesis.top_mask`); ``"random
    positions"``, ``repeats`` draws (`mutagenesis.random_mask`).

    Parameters
    ----------
    trained : dict of str to training.Trained
        By model key.
    scores : dict of str to dict of str to numpy.ndarray, shape (n, L)
        From `explain`.
    truth : numpy.ndarray of bool, shape (n, L)
        From `own_sites`.
    ds : data.Dataset
        The n sequences.
    seed : int
    repeats : int
        Draws of the random positions (``random_repeats``).
    precision : str
        As for `mutagenesis.mutate_masks`.

    Returns
    -------
    pandas.DataFrame
        One row per model, mask and sequence (the random draws averaged): ``model`` (shown
        name), ``mask``, ``sequence``, ``mutated`` (bases changed), ``drop``, and the shares
        ``right before`` and ``right after`` (own class above one half).
    """
    lengths = sequence_lengths(ds)
    keep = np.flatnonzero(truth.any(1))
    counts = truth[keep].sum(1)
    mutation = []
    for model, t in trained.items():
        masks = {"known sites": truth[keep]}
        masks |= {
            f"top {m}": mutagenesis.top_mask(s[keep], counts, lengths[keep], seed=seed)
            for m, s in scores[model].items()
            if m != "random"
        }
        masks["random positions"] = np.stack(
            [mutagenesis.random_mask(counts, lengths[keep], seed=[seed, r]) for r in range(repeats)]
        )
        # the key and code as the chapter first stored them: cached results stay valid
        key = {
            "checkpoint": t.key,
            "sequences": [ds.sequences[i] for i in keep],
            "masks": masks,
            "targets": ds.labels[keep],
            "seed": seed,
            "precision": precision,
        }
        mutation.append(
            cache.cached(
                "mutagenesis",
                key,
                lambda: mutagenesis.mutate_masks(
                    t.model,
                    t.tokenizer,
                    key["sequences"],
                    key["targets"],
                    masks,
                    seed=seed,
                    precision=precision,
                ),
                code=["mutagenesis.py"],
            ).assign(model=_name(model))
        )
    mutation = pd.concat(mutation, ignore_index=True)
    mutation["right before"] = mutation.p_before > 0.5
    mutation["right after"] = mutation.p_after > 0.5
    return (
        mutation.groupby(["model", "mask", "sequence"], sort=False)[
            ["mutated", "drop", "right before", "right after"]
        ]
        .mean()
        .reset_index()
    )


def mutation_table(per_sequence, seed=0):
    """Mean drop per model and mask, with its interval and the accuracy before and after.

    Parameters
    ----------
    per_sequence : pandas.DataFrame
        From `mutate_sites`.
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    pandas.DataFrame
        Indexed by (model, mask) in their first order: ``mean drop``, ``lo``, ``hi``, ``n``,
        ``bases changed``, ``accuracy before``, ``accuracy after``, ``accuracy lost``.
    """
    drops = metrics.bootstrap_summary(per_sequence, "drop", ["model", "mask"], seed=seed)
    accuracy = per_sequence.groupby(["model", "mask"], sort=False)[
        ["mutated", "right before", "right after"]
    ].mean()
    table = drops.set_index(["model", "mask"]).join(accuracy)
    table["accuracy lost"] = table["right before"] - table["right after"]
    return table.rename(
        columns={
            "mean": "mean drop",
            "mutated": "bases changed",
            "right before": "accuracy before",
            "right after": "accuracy after",
        }
    )


def mutation_tests(per_sequence, seed=0):
    """Paired comparisons of the drops, one family: the known sites against random
    positions, and each map's top positions against random positions and the known sites.

    Parameters
    ----------
    per_sequence : pandas.DataFrame
        From `mutate_sites`.
    seed : int

    Returns
    -------
    pandas.DataFrame
        `metrics.paired_comparisons` indexed by (model, mask, the mask it is compared with).
    """
    pairs = {}
    for model in per_sequence.model.unique():
        wide = per_sequence[per_sequence.model == model].pivot(
            index="sequence", columns="mask", values="drop"
        )
        for a in wide.columns.drop("random positions"):
            pairs[model, a, "random positions"] = (
                wide[a].to_numpy(),
                wide["random positions"].to_numpy(),
            )
            if a != "known sites":
                pairs[model, a, "known sites"] = (
                    wide[a].to_numpy(),
                    wide["known sites"].to_numpy(),
                )
    return metrics.paired_comparisons(pairs, seed=seed)


def compared(tests, model, a, b):
    """Mask ``a``'s drop against mask ``b``'s, in words ("more than b (...)").

    Parameters
    ----------
    tests : pandas.DataFrame
        From `mutation_tests`.
    model : str
        Shown model name.
    a, b : str
        Masks, e.g. ``"top lrp"`` and ``"known sites"``.

    Returns
    -------
    str
    """
    r = tests.loc[(model, a, b)]
    if r.p_adjusted < ALPHA:
        word = "more than" if r.estimate > 0 else "less than"
    else:
        word = "not clearly more or less than"
    return (
        f"{word} {b} ({r.mean_a:.3g} against {r.mean_b:.3g}, difference "
        f"[{r.lo:+.3g}, {r.hi:+.3g}], adjusted p = {p_value(r.p_adjusted)})"
    )


def mutation_sentences(table, tests, models):
    """Per model, what mutating the sites costs against random and top-scored bases.

    Parameters
    ----------
    table : pandas.DataFrame
        From `mutation_table`.
    tests : pandas.DataFrame
        From `mutation_tests`.
    models : iterable of str
        Model keys, in order.

    Returns
    -------
    str
        One list item per model.
    """
    lines = []
    for model_key in models:
        model = _name(model_key)
        tops = table.loc[model].drop(["known sites", "random positions"])["mean drop"]
        text = (
            f"- **{model}** ({int(table.loc[(model, 'known sites'), 'n'])} sequences, "
            f"{table.loc[(model, 'known sites'), 'bases changed']:.1f} bases each on "
            f"average): changing the known sites lowers the own-class probability "
            f"{compared(tests, model, 'known sites', 'random positions')}"
        )
        if len(tops):
            strongest = tops.idxmax()
            above = [
                m
                for m in tops.index
                if tests.loc[(model, m, "known sites")].p_adjusted < ALPHA
                and tests.loc[(model, m, "known sites")].estimate > 0
            ]
            text += (
                f". The top positions of `{strongest.removeprefix('top ')}` cost the most, "
                f"{compared(tests, model, strongest, 'known sites')}; "
                f"{len(above)} of {len(tops)} maps' top positions cost more than the sites"
            )
        lines.append(text + ".")
    return "\n".join(lines)


def summary_sentences(recovery, models_table, best, tests, models):
    """Per model, the chapter in one item: motif recovery, random scores', the best map on
    the sites.

    Parameters
    ----------
    recovery : pandas.DataFrame
        From `recover`.
    models_table : pandas.DataFrame
        From `train_models`.
    best : dict of str to str
        From `sites_sentences`.
    tests : pandas.DataFrame
        From `versus_random`.
    models : iterable of str
        Model keys, in order.

    Returns
    -------
    str
    """
    lines = []
    for model_key in models:
        model = _name(model_key)
        rec = recovery[recovery.model == model]
        n_maps = len(rec) // len(FACTORS)
        got = {c: rec[(rec["class"] == c) & rec["rank"].notna()] for c in FACTORS}
        text = f"- **{model}** ({models_table.loc[model, 'accuracy']:.1%} accurate): " + "; ".join(
            f"{len(got[c])} of {n_maps} maps × procedures recover the "
            f"{FACTORS[c]['family name']} family for the {FACTORS[c]['factor']} peaks"
            for c in FACTORS
        )
        rnd = rec[rec.method == "random"]
        if len(rnd):
            both = [c for c in FACTORS if rnd[rnd["class"] == c]["rank"].notna().any()]
            text += (
                f"; random scores recover {' and '.join(FACTORS[c]['family name'] for c in both)}"
                " as well, so there the enrichment test, not the map, finds the motif"
                if both
                else "; random scores recover neither"
            )
        method = best.get(model_key)
        if method:
            text += (
                f". On the sites, `{method}` leads "
                f"({versus(tests, model, method) or 'no random baseline'})"
            )
        lines.append(text + ".")
    return "\n".join(lines)


def claim_rows(recovery, models):
    """The chapter's claims for the findings page: does a map of each model recover each
    factor's family, beyond what random scores recover? No test applies (a motif is found or
    not); the counts decide.

    Parameters
    ----------
    recovery : pandas.DataFrame
        From `recover`.
    models : iterable of str
        Model keys, in order.

    Returns
    -------
    list of dict
        `claims.claim` rows, one per model and factor: "replicates" when some map but no
        random scores recover the family.
    """
    rows = []
    for model_key in models:
        model = _name(model_key)
        rec = recovery[recovery.model == model]
        for c, f in FACTORS.items():
            hits = rec[(rec["class"] == c) & rec["rank"].notna()]
            maps = hits[hits.method != "random"][["method", "procedure"]].drop_duplicates()
            n_maps = len(rec[(rec["class"] == c) & (rec.method != "random")])
            by_random = (hits.method == "random").any()
            holds = len(maps) > 0 and not by_random
            rows.append(
                claims.claim(
                    f"{model}'s maps recover the {f['family name']} motif in {f['factor']} "
                    "peaks, beyond random scores",
                    "Kurth et al.: maps match known biology",
                    f"{len(maps)} of {n_maps} maps × procedures; random scores "
                    + ("do too" if by_random else "do not"),
                    verdict="replicates" if holds else "does not replicate",
                    why="a motif whose best JASPAR match (q ≤ 0.05) is of the family; no test "
                    "applies",
                    paper="not available offline",
                    topic="known biology",
                )
            )
    return rows


# each factor's site as inserted: the octamer, and the MARE with either middle base (C/G)
SITES = {"oct4": ["ATGCAAAT"], "mafk": ["TGCTGACTCAGCA", "TGCTGAGTCAGCA"]}
N_SHUFFLES = 5  # backgrounds per peak


def insert_sites(trained, ds, n_shuffles=N_SHUFFLES, seed=0):
    """Each factor's sites inserted at the centre of dinucleotide shuffles of the peaks, and
    the change of the model's probability of that factor's class (`insertion.insert_motifs`,
    cached).

    Parameters
    ----------
    trained : dict of str to training.Trained
        By model.
    ds : data.Dataset
        The drawn peaks, whose shuffles are the backgrounds.
    n_shuffles, seed : int

    Returns
    -------
    pandas.DataFrame
        `insertion.insert_motifs` rows of every model, with ``model``; ``motif`` is the
        factor's name.
    """
    found = {FACTORS[c]["factor"]: SITES[c] for c in FACTORS}
    target = {FACTORS[c]["factor"]: ds.classes.index(c) for c in FACTORS}
    tables = []
    for model, t in trained.items():
        key = {
            "checkpoint": t.key,
            "sequences": ds.sequences,
            "sites": found,
            "target": target,
            "n_shuffles": n_shuffles,
            "seed": seed,
        }
        table = cache.cached(
            "insertion",
            key,
            lambda: insertion.insert_motifs(
                t.model, t.tokenizer, ds.sequences, found, target, n_shuffles=n_shuffles, seed=seed
            ),
            code=["insertion.py"],
        )
        tables.append(table.assign(model=_name(model)))
    return pd.concat(tables, ignore_index=True)


def insertion_sentences(summary, models):
    """Per model, what inserting each factor's site does to that factor's class probability.

    Parameters
    ----------
    summary : pandas.DataFrame
        `insertion.summary` of `insert_sites`: one row per model (shown name) and factor.
    models : iterable of str
        Model keys, in order.

    Returns
    -------
    str
        One list item per model: per factor, the mean change with its interval and adjusted
        p, said as a rise, a fall or no change told apart from 0 (adjusted p at or above
        `ALPHA`).
    """
    lines = []
    for model_key in models:
        model = _name(model_key)
        parts = []
        for f in FACTORS.values():
            r = summary[(summary.model == model) & (summary.motif == f["factor"])].iloc[0]
            told = r.p_adjusted < ALPHA
            way = ("raises" if r.change > 0 else "lowers") if told else "does not clearly change"
            parts.append(
                f"the {f['factor']} site {way} the {f['factor']} probability "
                f"({r.change:+.3g} [{r.lo:+.3g}, {r.hi:+.3g}], from {r.p_before:.3g}; "
                f"adjusted p = {p_value(r.p_adjusted)})"
            )
        lines.append(f"- **{model}** ({int(r.n)} peaks): " + "; ".join(parts) + ".")
    return "\n".join(lines)


def insertion_claim_rows(summary, models):
    """The findings page's rows: inserting each factor's site into shuffled peaks raises the
    model's probability of that factor's class.

    Parameters
    ----------
    summary : pandas.DataFrame
        As for `insertion_sentences`.
    models : iterable of str
        Model keys, in order.

    Returns
    -------
    list of dict
        `claims.claim` rows, one per model and factor, tested one-sided (``"greater"``) by
        the sign-flip p of the summary.
    """
    rows = []
    for model_key in models:
        model = _name(model_key)
        for f in FACTORS.values():
            r = summary[(summary.model == model) & (summary.motif == f["factor"])].iloc[0]
            rows.append(
                claims.claim(
                    f"Inserting the {f['factor']} site into shuffled peaks raises the "
                    f"{model}'s probability of the {f['factor']} class",
                    "Motif insertion (a causal check the papers did not run)",
                    f"{r.change:+.3g} [{r.lo:+.3g}, {r.hi:+.3g}] from {r.p_before:.3g} "
                    f"({int(r.n)} peaks; p = {p_value(r.p)})",
                    r.change,
                    r.p,
                    "greater",
                    paper="not run in the papers",
                    topic="known biology",
                )
            )
    return rows
