"""Mutating the sites against mutating random and top-scored bases."""

import numpy as np
import pandas as pd

from ... import cache, metrics, mutagenesis
from ...book import p_value
from .. import sequence_lengths
from .answer import ALPHA, _name


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
