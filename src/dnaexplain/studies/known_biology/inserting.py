"""Each factor's sites inserted into dinucleotide shuffles of the peaks: what a site alone
adds to the model's probability of its class."""

import pandas as pd

from ... import cache, claims, insertion
from ...book import p_value
from ...notation import number
from .answer import ALPHA, FACTORS, _name

signed = number("{:+.3g}")  # a change, powers of ten written out
plain = number("{:.3g}")

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
                f"({signed(r.change)} [{signed(r.lo)}, {signed(r.hi)}], from {plain(r.p_before)}; "
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
                    f"{signed(r.change)} [{signed(r.lo)}, {signed(r.hi)}] from {plain(r.p_before)} "
                    f"({int(r.n)} peaks; p = {p_value(r.p)})",
                    r.change,
                    r.p,
                    "greater",
                    paper="not run in the papers",
                    topic="known biology",
                )
            )
    return rows
