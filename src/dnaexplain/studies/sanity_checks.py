"""The chapter "Sanity checks": every method's map under model-parameter randomisation.

Each run's model explains the same sequences as its weights are randomised block by block
(`randomisation.mprt`, cascading and independent); the tables, the figure's input and the
claim rows of the findings page come from here.
"""

import numpy as np
import pandas as pd

from .. import attribution, cache, claims, metrics, randomisation
from ..notation import number, p_value
from . import NAME

THRESHOLD = 0.5  # rank correlation with every weight random above which a map is flagged


def two(x):
    """A correlation to two decimals (no "-0.00")."""
    return number("{:.2f}")(round(float(x), 2) + 0.0)


def compared_positions(sequences):
    """The nucleotides compared: inside each sequence and not N, shape (n, L)."""
    width = max(map(len, sequences))
    return np.array([[b in "ACGTacgt" for b in s.ljust(width, "N")] for s in sequences])


def randomisation_tables(trained, ds, methods, target, k=5, seed=0, batch_size=None):
    """`randomisation.mprt` of every run, cascading and independent (cached).

    Parameters
    ----------
    trained : dict of str to training.Trained
        By ``"model:dataset"`` run.
    ds : data.Dataset
        The n sequences every model explains.
    methods : dict of str to list of str
        Methods per model name.
    target : numpy.ndarray of int, shape (n,)
        The class explained.
    k : int
        Top positions compared.
    seed : int
    batch_size : int, optional
        Sequences per pass (`attribution.BATCH_SIZE` when None).

    Returns
    -------
    pandas.DataFrame
        The `mprt` rows of every run and order, with ``model`` (its name on the page) and
        ``order``.
    """
    valid = compared_positions(ds.sequences)
    tables = []
    for run, t in trained.items():
        model = run.split(":")[0]
        chosen = {m: (m, {}) for m in methods[model]}

        def explain(m):
            return attribution.explain_many(
                m,
                t.tokenizer,
                ds.sequences,
                chosen,
                target=target,
                batch_size=batch_size or attribution.BATCH_SIZE,
            )

        for order in randomisation.ORDERS:
            key = {
                "checkpoint": t.key,
                "sequences": ds.sequences,
                "target": target,
                "methods": methods[model],
                "order": order,
                "k": k,
                "seed": seed,
            }
            table = cache.cached(
                "randomisation",
                key,
                lambda: randomisation.mprt(t.model, explain, valid, order, k=k, seed=seed),
                code=["randomisation.py", "attribution"],
            )
            tables.append(table.assign(model=NAME.get(model, model), order=order))
    return pd.concat(tables, ignore_index=True)


def summaries(tables, seed=0):
    """`randomisation.summary` per model and order, stacked (the figure's input).

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``order`` and those of `randomisation.summary`.
    """
    parts = [
        randomisation.summary(part, THRESHOLD, seed=seed).assign(model=model, order=order)
        for (model, order), part in tables.groupby(["model", "order"], sort=False)
    ]
    return pd.concat(parts, ignore_index=True)


def fully_random(summary):
    """Per model and method: the similarity with every block random (the last cascading step).

    Returns
    -------
    pandas.DataFrame
        Index (model, method); ``spearman`` with ``lo`` and ``hi``, ``overlap``, ``n`` and
        ``flagged``.
    """
    cascade = summary[summary.order == "cascading"]
    last = cascade.loc[cascade.groupby(["model", "method"], sort=False)["step"].idxmax()]
    return last.set_index(["model", "method"])[["spearman", "lo", "hi", "overlap", "n", "flagged"]]


def tests(tables, seed=0):
    """Is each map's rank correlation with every block random below `THRESHOLD`? One family
    (Benjamini-Hochberg), sign-flip tests of the per-sequence correlations against it.

    Returns
    -------
    pandas.DataFrame
        Index (model, method); `metrics.paired_comparisons` columns (``mean_a`` the mean
        correlation, ``mean_b`` the threshold).
    """
    cascade = tables[tables.order == "cascading"]
    last = cascade[cascade.step == cascade.groupby("model").step.transform("max")]
    pairs = {}
    for (model, method), part in last.groupby(["model", "method"], sort=False):
        values = part["spearman"].dropna().to_numpy()
        if method != "random" and len(values):
            pairs[model, method] = (values, np.full(len(values), THRESHOLD))
    return metrics.paired_comparisons(pairs, seed=seed)


def verdicts(final, tested):
    """What the check says of each model's maps, as bullet lines.

    Parameters
    ----------
    final : pandas.DataFrame
        From `fully_random`.
    tested : pandas.DataFrame
        From `tests`.

    Returns
    -------
    str
        Markdown: per model, the maps that pass (significantly below the threshold with every
        weight random), those flagged, and the random control.
    """
    lines = []
    for model, part in final.groupby(level="model", sort=False):
        passed, kept = [], []
        for method, r in part.droplevel("model").iterrows():
            if method == "random":
                continue
            t = tested.loc[(model, method)] if (model, method) in tested.index else None
            if t is not None and t.p_adjusted < 0.05 and t.estimate < 0:
                passed.append(f"`{method}` ({two(r.spearman)})")
            else:
                kept.append(f"`{method}` ({two(r.spearman)})")
        text = f"- **{model}**: with every weight random, "
        text += (
            f"{', '.join(passed)} {'falls' if len(passed) == 1 else 'fall'} below {THRESHOLD}"
            if passed
            else "no map falls clearly below"
        )
        if kept:
            stays = "stays" if len(kept) == 1 else "stay"
            text += f"; {', '.join(kept)} {stays} at or above it, or cannot be told apart from it"
        if "random" in part.index.get_level_values("method"):
            text += " (the random control stays at 1 by construction)"
        lines.append(text + ".")
    return "\n".join(lines)


def claim_rows(final, tested):
    """The findings page's rows: each map depends on the model (below `THRESHOLD` with every
    weight random), per model and method but the random control.

    Returns
    -------
    list of dict
        `claims.claim` rows.
    """
    rows = []
    for (model, method), t in tested.iterrows():
        r = final.loc[(model, method)]
        rows.append(
            claims.claim(
                f"`{method}`'s maps of the {model} depend on what it learnt: with every weight "
                f"random their rank correlation with the trained maps is below {THRESHOLD}",
                "Adebayo et al. 2018, model randomisation (a check the papers did not run)",
                f"Spearman {two(r.spearman)} [{two(r.lo)}, "
                f"{two(r.hi)}], top-k overlap {two(r.overlap)} "
                f"({t.n:.0f} sequences; p = {p_value(t.p)})",
                t.estimate,
                t.p,
                "less",
                paper="not run in the papers",
                topic="model dependence",
            )
        )
    return rows
