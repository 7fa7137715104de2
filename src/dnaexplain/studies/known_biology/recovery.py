"""The motif procedure on every map: does it recover each factor's family?"""

import pandas as pd

from ... import cache, data, motifs
from ...book import p_value
from .answer import FACTORS, MAX_Q, _name


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
