"""Comparison of motifs with JASPAR by TOMTOM (memelite), and the TF classes and families
they match.

memelite compiles TOMTOM with numba on first use and declares its functions ``cache=True``,
so the machine code is written to disk (``$NUMBA_CACHE_DIR`` when set, else memelite's
``__pycache__``, else numba's user cache when site-packages is read-only) and later processes
load it; it is rebuilt only when memelite's source changes (benchmarks time both calls).
"""

import numpy as np
import pandas as pd
from scipy.stats import false_discovery_control

from ..data import jaspar_record
from .pwm import probabilities

COLUMNS = [
    "query",
    "rank",
    "id",
    "name",
    "tf_class",
    "tf_family",
    "p_value",
    "q_value",
    "score",
    "offset",
    "overlap",
    "strand",
]


def _matrices(motifs):
    """(id, name, probabilities) of FoundMotifs or JASPAR Motifs (anything with ``id`` and
    ``counts``; the name is the id without a ``name``), or of a dict of id to such objects
    or to (4, w) counts or probabilities."""
    items = motifs.items() if isinstance(motifs, dict) else ((m.id, m) for m in motifs)
    return [
        (key, getattr(m, "name", key), probabilities(getattr(m, "counts", m))) for key, m in items
    ]


def _tf(release, matrix_id):
    """(TF class, TF family) of a JASPAR matrix, "; "-joined over its factors, or ("", "")."""
    m = jaspar_record(release, matrix_id)
    if m is None:
        return "", ""
    # heterodimers list one class per factor; repeats say nothing
    return tuple("; ".join(dict.fromkeys(v or [])) for v in (m.tf_class, m.tf_family))


def compare(motifs, database=None, n_best=5, release="JASPAR2018"):
    """Best database matches of each motif by TOMTOM (memelite), both strands.

    q-values are Benjamini-Hochberg adjusted over all database matrices, per query (memelite
    gives p-values only).

    Parameters
    ----------
    motifs : list of FoundMotif or data.Motif, or dict of str to array of shape (4, w)
        Queries; counts are normalised to probabilities.
    database : list of data.Motif, or dict of str to data.Motif or to array (4, w), optional
        Targets; default every JASPAR ``release`` CORE vertebrates matrix
        (`data.jaspar_motifs`, 579 for 2018).
    n_best : int
        Matches kept per query.
    release : str
        JASPAR release of the default database and of the TF class/family look-up.

    Returns
    -------
    pandas.DataFrame
        One row per (query, match), ``COLUMNS``: query, rank (1 = lowest p-value), id,
        name (TF name, or the id without one), tf_class and tf_family (from pyjaspar, ""
        unknown), p_value, q_value, score (TOMTOM's), offset (column of the target, or of
        its reverse complement, facing the query's first column), overlap (aligned columns),
        strand ("+", or "-" for the target's reverse complement).
    """
    from memelite import tomtom

    if database is None:
        from ..data import jaspar_motifs

        database = jaspar_motifs(release=release)
    queries, targets = _matrices(motifs), _matrices(database)
    if not queries:
        return pd.DataFrame(columns=COLUMNS)
    p, score, offset, overlap, strand = tomtom([m for *_, m in queries], [m for *_, m in targets])
    rows = []
    for iq, (query, *_) in enumerate(queries):
        q = false_discovery_control(p[iq], method="bh")
        for rank, j in enumerate(np.lexsort((-score[iq], p[iq]))[:n_best], 1):
            tid, name, _ = targets[j]
            rows.append(
                (
                    query,
                    rank,
                    tid,
                    name,
                    *_tf(release, tid),
                    p[iq, j],
                    q[j],
                    score[iq, j],
                    int(offset[iq, j]),
                    int(overlap[iq, j]),
                    "-" if strand[iq, j] else "+",
                )
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def tf_families(table, level="tf_family", max_q=0.05):
    """Which TF families (or classes) the motifs matched.

    Parameters
    ----------
    table : pandas.DataFrame
        From `compare`.
    level : {"tf_family", "tf_class"}
    max_q : float
        Only matches with q-value at most this count.

    Returns
    -------
    pandas.DataFrame
        Columns ``level``, n_queries (queries with a match in it, each counted once),
        queries and names (", "-joined); by decreasing n_queries, then name. Heterodimers
        count for each of their families; matches without one count as "unknown".
    """
    hits = table[table["q_value"] <= max_q]
    groups = {}
    for query, name, value in zip(hits["query"], hits["name"], hits[level]):
        for g in (value or "unknown").split("; "):
            qs, ns = groups.setdefault(g, ({}, {}))
            qs[query] = ns[name] = None  # dicts as ordered sets
    rows = [(g, len(qs), ", ".join(qs), ", ".join(ns)) for g, (qs, ns) in groups.items()]
    rows.sort(key=lambda r: (-r[1], r[0]))
    return pd.DataFrame(rows, columns=[level, "n_queries", "queries", "names"])


def best_match_classes(table, max_q=0.05):
    """TF classes of each motif's best match alone (rank 1, q-value at most `max_q`).

    `tf_families` counts a motif once for every class among all its significant matches;
    this counts it only for the class of its best one (each class of a heterodimer).

    Parameters
    ----------
    table : pandas.DataFrame
        From `compare`.

    Returns
    -------
    pandas.DataFrame
        Columns ``TF class``, ``motifs`` (motifs whose best match is in it), by decreasing
        ``motifs``, then name.
    """
    best = table[(table["rank"] == 1) & (table["q_value"] <= max_q)]
    out = tf_families(best, level="tf_class", max_q=max_q)
    return out.rename(columns={"tf_class": "TF class", "n_queries": "motifs"})[
        ["TF class", "motifs"]
    ]


def _ranked(part):
    """(class, motifs) pairs by decreasing motifs, then class name."""
    pairs = [(str(c), int(n)) for c, n in zip(part["TF class"], part["motifs"])]
    return sorted(pairs, key=lambda p: (-p[1], p[0]))


def class_report(classes, expected, best=None):
    """Each method's most matched TF class, against the class a paper reports for it.

    Parameters
    ----------
    classes : pandas.DataFrame
        Motifs per method and TF class, one task: columns ``method``, ``TF class`` and
        ``motifs`` (`tf_families` at level ``tf_class``, per method).
    expected : dict of str to str
        Method -> the TF class the paper reports (`paper.MOTIF_CLASSES`), found in a class
        name as a substring (a heterodimer's class names both of its factors' classes).
    best : dict of str to pandas.DataFrame, optional
        Method -> its `compare` table, to count classes by each motif's best match too
        (`best_match_classes`).

    Returns
    -------
    pandas.DataFrame
        Indexed by the methods of `expected`, in its order: ``expected``; ``top`` (the class
        with the most motifs; classes tied for most joined by " / "; "" without a match);
        ``top_motifs`` (0 without a match); ``tied`` (how many classes share the top count);
        ``second`` and ``second_motifs`` (the next class with fewer motifs than the top, ""
        and 0 when none); ``margin`` (motifs by which the top class leads the next class,
        0 for a tie, top_motifs with a single class); ``expected_motifs``
        (motifs in classes naming the expected one, the largest such count); ``holds``
        (whether a class with the top count names the expected one, ties included); with
        `best`, also ``best_top`` (the class(es) of most best matches, as ``top``),
        ``best_top_motifs`` and ``best_motifs`` (motifs with a significant best match).
    """
    rows = []
    for method, wanted in expected.items():
        ranked = _ranked(classes[classes["method"] == method])
        most = ranked[0][1] if ranked else 0
        tops = [c for c, n in ranked if n == most]
        rest = [(c, n) for c, n in ranked if n < most]
        hit = [n for c, n in ranked if wanted in c]
        row = {
            "method": method,
            "expected": wanted,
            "top": " / ".join(tops),
            "top_motifs": most,
            "tied": len(tops),
            "second": rest[0][0] if rest else "",
            "second_motifs": rest[0][1] if rest else 0,
            "margin": most - (ranked[1][1] if len(ranked) > 1 else 0),
            "expected_motifs": max(hit, default=0),
            "holds": any(wanted in c for c in tops),
        }
        if best is not None:
            table = best.get(method)
            table = table if table is not None else pd.DataFrame(columns=COLUMNS)
            b = _ranked(best_match_classes(table))
            b_most = b[0][1] if b else 0
            significant = (table["rank"] == 1) & (table["q_value"] <= 0.05)
            row |= {
                "best_top": " / ".join(c for c, n in b if n == b_most),
                "best_top_motifs": b_most,
                "best_motifs": int(table.loc[significant, "query"].nunique()),
            }
        rows.append(row)
    columns = [
        "method",
        "expected",
        "top",
        "top_motifs",
        "tied",
        "second",
        "second_motifs",
        "margin",
        "expected_motifs",
        "holds",
    ]
    if best is not None:
        columns += ["best_top", "best_top_motifs", "best_motifs"]
    return pd.DataFrame(rows, columns=columns).set_index("method")
