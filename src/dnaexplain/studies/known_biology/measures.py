"""Relevance on the sites: AUROC and relevance mass accuracy per map, against random scores."""

import pandas as pd

from ... import metrics
from ...book import p_value
from .. import sequence_lengths
from .answer import ALPHA, COMPARISON_COLUMNS, MEASURES, _name


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
