"""What the chapter says in the end, and its rows for the findings page."""

from ... import claims
from .answer import FACTORS, _name
from .measures import versus


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
