"""TF-MoDISco on every map: is each factor's top pattern of its family?"""

import pandas as pd

from ... import cache, motifs
from ..patterns import four_channel
from .answer import FACTORS, MAX_Q, _name


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
