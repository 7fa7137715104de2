"""TF-MoDISco on every map of a chapter: the maps on four channels, one modisco run per map
(cached), and which planted motifs each recovers (the chapter "A benchmark with known
answers"; the chapter "Known biology" ranks factor families with `four_channel` and
`motifs.pattern_recovery`).

Models are named by their key in the chapter's runs (``"cnn"``) and shown by `NAME`.
"""

import pandas as pd

from .. import attribution, cache, data, motifs
from ..models import CNNForSequenceClassification
from . import NAME

# the CNN's methods with hypothetical (four-channel) scores, TF-MoDISco's input
HYPOTHETICAL = ("input_x_gradient", "ism", "deep_lift_shap")
MAX_Q = 0.05  # TOMTOM q-value at or below which a JASPAR match counts


def check_chosen(chosen, methods, name="modisco_methods"):
    """Stop before any compute when a method given to TF-MoDISco is not one the chapter runs.

    Parameters
    ----------
    chosen : dict of str to list of str or None
        Model key -> methods whose maps TF-MoDISco reads (the ``modisco_methods`` parameter).
    methods : dict of str to list of str
        Model key -> the chapter's methods.
    name : str
        The parameter's name, for the message.

    Raises
    ------
    ValueError
        Naming the model, the method and the chapter's methods for that model.
    """
    for model, named in (chosen or {}).items():
        known = methods.get(model)
        if known is None:
            continue  # a model the chapter does not run: nothing of it is read
        for method in named:
            if method not in known:
                raise ValueError(
                    f"{name}.{model}: {method!r} is not among the chapter's methods for "
                    f"{model} ({', '.join(known)}); name one of them, or leave {model} out "
                    "to give TF-MoDISco all of them"
                )


def four_channel(trained, sequences, target, scores, chosen=None):
    """Every map as TF-MoDISco reads it, four channels per position.

    The CNN's methods of `HYPOTHETICAL` give hypothetical scores (``hypothetical=True``: a
    score for every base at every position), computed here (cached by
    `attribution.explain_all`); every other map, the transformers' ISM among them (its
    hypothetical scores would take a second ISM run, each mutant re-tokenised and classified
    again), is projected: its score on the observed base, 0 on the others
    (`motifs.projected`).

    Parameters
    ----------
    trained : dict of str to training.Trained
        By model key.
    sequences : list of str
        The n explained sequences.
    target : array-like of int, shape (n,)
        The class each sequence is explained as.
    scores : dict of str to dict of str to numpy.ndarray, shape (n, L)
        Model key -> method -> nucleotide scores (NaN rows stay NaN).
    chosen : dict of str to list of str, optional
        Model key -> the methods kept (`check_chosen`); a model not named keeps all its maps,
        one named with no method is left out.

    Returns
    -------
    maps : dict of str to dict of str to numpy.ndarray, shape (n, 4, L)
        Model key -> method -> four-channel scores, in the order of ``scores``.
    kinds : dict of str to dict of str to str
        The same keys -> ``"hypothetical"`` or ``"projected"``.
    """
    chosen = chosen or {}
    maps, kinds = {}, {}
    for model, by_method in scores.items():
        if model in chosen:
            by_method = {m: s for m, s in by_method.items() if m in chosen[model]}
        if not by_method:
            continue
        width = next(iter(by_method.values())).shape[1]
        cnn = isinstance(trained[model].model, CNNForSequenceClassification)
        found = {}
        for method in [m for m in by_method if cnn and m in HYPOTHETICAL]:
            found |= attribution.explain_all(  # ism: one forward pass per mutant, large batches
                trained[model],
                sequences,
                {method: (method, {"hypothetical": True})},
                target=target,
                batch_size=128 if method == "ism" else attribution.BATCH_SIZE,
            )
        maps[model] = {
            m: found[m][:, :, :width] if m in found else motifs.projected(s, list(sequences))
            for m, s in by_method.items()
        }
        kinds[model] = {m: "hypothetical" if m in found else "projected" for m in by_method}
    return maps, kinds


def planted(trained, sequences, target, scores, matrices, chosen=None):
    """TF-MoDISco on every map, and the planted motifs each recovers (cached).

    Parameters
    ----------
    trained, sequences, target, scores
        As for `four_channel`: the sequences that carry the planted motifs, explained as the
        class they make.
    matrices : list of str
        The planted JASPAR matrix ids.
    chosen : dict of str to list of str, optional
        The maps TF-MoDISco reads, as for `four_channel` (default: all).

    Returns
    -------
    recovery : pandas.DataFrame
        One row per model, method and planted matrix: ``model`` (shown name), ``method``,
        ``scores`` (``"hypothetical"`` or ``"projected"``), then the columns of
        `motifs.planted_recovery` (``planted``, ``n_sequences``, ``n_motifs``, ``rank`` of
        the first pattern whose best match is the planted matrix, NaN if none, ``q_value``,
        ...).
    patterns : dict of (str, str) to list of motifs.Pattern
        (model key, method) -> its patterns.
    matches : dict of (str, str) to pandas.DataFrame
        The same keys -> the `motifs.compare` table of its patterns.
    """
    maps, kinds = four_channel(trained, sequences, target, scores, chosen)
    rows, patterns, matches = [], {}, {}
    for model, by_method in maps.items():
        for method, h in by_method.items():
            key = {"hypothetical": h, "sequences": sequences, "planted": list(matrices)}
            table, p, m = cache.cached(
                "modisco",
                key | {"max_q": MAX_Q},
                lambda: motifs.planted_recovery(sequences, h, list(matrices), max_q=MAX_Q),
                code=["motifs"],
            )
            rows.append(
                table.assign(
                    model=NAME.get(model, model), method=method, scores=kinds[model][method]
                )
            )
            patterns[model, method], matches[model, method] = p, m
    recovery = pd.concat(rows, ignore_index=True)
    first = ["model", "method", "scores"]
    return recovery[first + [c for c in recovery.columns if c not in first]], patterns, matches


def planted_table(recovery):
    """Per map, its patterns and the rank of the first that recovers each planted motif.

    Parameters
    ----------
    recovery : pandas.DataFrame
        From `planted`.

    Returns
    -------
    pandas.DataFrame
        Indexed by (model, method, scores) in their first order: ``sequences`` (with scores),
        ``patterns`` (positive), then per planted matrix, by its JASPAR name, ``"<name>"``
        (the rank of the first pattern whose best match it is; nullable Int64, blank: none)
        and ``"<name>: q"`` (that match's TOMTOM q-value).
    """
    runs = pd.MultiIndex.from_frame(recovery[["model", "method", "scores"]].drop_duplicates())
    wide = recovery.set_index([*runs.names, "planted"]).unstack("planted").reindex(runs)
    ids = list(dict.fromkeys(recovery["planted"]))
    names = {i: m.name for i, m in data.jaspar_motifs(ids).items()}
    table = pd.DataFrame(index=runs)
    table["sequences"] = wide["n_sequences", ids[0]].astype(int)
    table["patterns"] = wide["n_motifs", ids[0]].astype(int)
    for i in ids:
        table[names[i]] = wide["rank", i].astype("Int64")
        table[f"{names[i]}: q"] = wide["q_value", i].astype(float)
    return table


def planted_sentences(recovery, models):
    """Per model, how many maps recover each planted motif, and the maps that recover all.

    Parameters
    ----------
    recovery : pandas.DataFrame
        From `planted`.
    models : iterable of str
        Model keys, in order.

    Returns
    -------
    str
        One list item per model: per planted motif, the maps that recover it, and the maps
        that recover all (or that no map gives a pattern at all).
    """
    names = {
        i: m.name for i, m in data.jaspar_motifs(list(dict.fromkeys(recovery.planted))).items()
    }
    lines = []
    for model_key in models:
        model = NAME.get(model_key, model_key)
        rec = recovery[recovery.model == model]
        n_maps = rec.method.nunique()
        if not rec.n_motifs.any():
            lines.append(f"- **{model}** ({n_maps} maps): no map gives a positive pattern.")
            continue
        per = [f"{names[i]} {int(rec[rec.planted == i]['rank'].notna().sum())}" for i in names]
        hit = rec.assign(found=rec["rank"].notna()).groupby("method", sort=False).found.all()
        text = f"- **{model}** ({n_maps} maps): recovered by " + ", ".join(per)
        text += (
            f"; all {len(names)} by " + ", ".join(f"`{m}`" for m in hit.index[hit])
            if hit.any()
            else f"; no map recovers all {len(names)}"
        )
        lines.append(text + ".")
    return "\n".join(lines)
