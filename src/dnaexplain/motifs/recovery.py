"""Does a method recover a factor's family: motifs of each class against the others, their
JASPAR matches, and the rank of the first match in the family."""

import numpy as np
import pandas as pd

from .databases import COLUMNS, compare
from .procedure import find_motifs
from .seqlets import seqlet_motifs

# Families of JASPAR factors for the chapter on Oct4 and MafK peaks. A JASPAR name matches a
# family when one of its "::"-separated factors (heterodimers) does, case-insensitively; an
# entry ending in "*" is a prefix, an entry like "MA0496" or "MA0496.2" a matrix id.
# POU-domain factors, Oct4 (POU5F1) among them, all bind the octamer ATGCAAAT: POU1F1 ...
# POU6F2, POU5F1B, and the Oct4-Sox2 composite Pou5f1::Sox2.
POU_FAMILY = frozenset({"POU*"})


# Factors binding the MARE (TGCTGA(C/G)TCAGCA) as MafK does: the small Mafs MAFF, MAFG, MAFK;
# the large Mafs MAF, MAFA, MAFB, NRL; and the CNC factors NFE2, NFE2L1-3, BACH1, BACH2, which
# bind its half-site with a small Maf (JASPAR MAF::NFE2, Bach1::Mafk, MAFG::NFE2L1, Nfe2l2).
# The issue calls this group "large Maf"; in biology MAFF, MAFG and MAFK are the small ones.
MAF_FAMILY = frozenset(
    {
        "MAFF",
        "MAFG",
        "MAFK",
        "MAF",
        "MAFA",
        "MAFB",
        "NRL",
        "NFE2",
        "NFE2L1",
        "NFE2L2",
        "NFE2L3",
        "BACH1",
        "BACH2",
    }
)


RECOVERY_COLUMNS = [
    "n_motifs",
    "rank",
    "motif",
    "match_rank",
    "match_id",
    "match",
    "q_value",
    "p_value",
]


def in_family(name, matrix_id="", family=POU_FAMILY):
    """Whether a JASPAR match belongs to a family of factors.

    Parameters
    ----------
    name : str
        JASPAR factor name, e.g. ``"Pou5f1::Sox2"`` (each factor of a heterodimer is tried).
    matrix_id : str
        JASPAR matrix id, e.g. ``"MA1115.1"``.
    family : iterable of str, or callable
        Factor names (any case), prefixes ending in ``*``, and matrix ids with or without
        version (`POU_FAMILY`, `MAF_FAMILY`); or a function ``f(name, matrix_id) -> bool``.

    Returns
    -------
    bool
    """
    if callable(family):
        return bool(family(name, matrix_id))
    entries = [f.upper() for f in ([family] if isinstance(family, str) else family)]
    parts = [p.strip().upper() for p in str(name).split("::")]
    base = str(matrix_id).upper().split(".")[0]
    for f in entries:
        if f.endswith("*"):
            if any(p.startswith(f[:-1]) for p in parts):
                return True
        elif f in parts or f == str(matrix_id).upper() or ("." not in f and f == base):
            return True
    return False


def _key(key, names):
    key = key if isinstance(key, tuple) else (key,)
    if len(key) != len(names):
        raise ValueError(f"key {key!r} does not have one value per name {names}")
    return key


def recovery(matches, family, top_k=1, max_q=None, motifs=None, names=("model", "method")):
    """Rank of the first discovered motif whose TOMTOM match is in a family, per run.

    For each run (e.g. a model and a scoring method), its motifs are taken in their order
    (`find_motifs`: most instances first) and numbered 1, 2, ...; the recovery rank is the
    number of the first motif with a match in ``family`` among its ``top_k`` best matches
    (TOMTOM rank, `compare`), counting only matches with q-value at most ``max_q`` when given.

    Parameters
    ----------
    matches : dict of tuple to pandas.DataFrame
        Per run key, e.g. ``(model, method)``, the `compare` table of its motifs (columns
        query, rank, id, name, p_value, q_value at least).
    family : iterable of str, or callable
        See `in_family` (`POU_FAMILY`, `MAF_FAMILY`).
    top_k : int
        How many of each motif's best matches may be in the family.
    max_q : float, optional
        Only matches with q-value at most this count.
    motifs : dict of tuple to list of FoundMotif or of str, optional
        Per run key, its motifs (or their ids) in rank order; motifs absent from the table
        (no match kept) still take their place. Default: the queries in the order they first
        appear in the table, which is `find_motifs`' order when `compare` got its list.
    names : tuple of str
        Column names of the key's parts; a key that is not a tuple is a 1-tuple.

    Returns
    -------
    pandas.DataFrame
        One row per run, in the order of ``matches``: the key columns, then ``n_motifs``;
        ``rank`` (float, NaN when no motif matches the family); for that motif ``motif`` (its
        id), and its best family match: ``match_rank`` (TOMTOM rank), ``match_id``,
        ``match`` (name), ``q_value``, ``p_value`` (NaN / "" when none).
    """
    if top_k < 1:
        raise ValueError(f"top_k must be at least 1, got {top_k}")
    names = tuple(names)
    given = None if motifs is None else {_key(k, names): v for k, v in motifs.items()}
    rows = []
    for key, table in matches.items():
        key = _key(key, names)
        missing = {"query", "rank", "id", "name", "p_value", "q_value"} - set(table.columns)
        if missing:
            raise ValueError(
                f"{key}: the table lacks columns {sorted(missing)} (give the output of compare)"
            )
        if given is None:
            order = list(dict.fromkeys(table["query"]))
        elif key in given:
            order = [getattr(m, "id", m) for m in given[key]]
        else:
            raise KeyError(f"motifs has no entry for {key}")
        kept = table[table["rank"] <= top_k]
        if max_q is not None:
            kept = kept[kept["q_value"] <= max_q]
        hit = (
            kept[[in_family(n, i, family) for n, i in zip(kept["name"], kept["id"])]]
            if len(kept)
            else kept
        )
        row = dict(
            zip(names, key),
            n_motifs=len(order),
            rank=np.nan,
            motif="",
            match_rank=np.nan,
            match_id="",
            match="",
            q_value=np.nan,
            p_value=np.nan,
        )
        for r, query in enumerate(order, 1):
            found = hit[hit["query"] == query].sort_values("rank", kind="stable")
            if len(found):
                best = found.iloc[0]
                row.update(
                    rank=float(r),
                    motif=query,
                    match_rank=float(best["rank"]),
                    match_id=best["id"],
                    match=best["name"],
                    q_value=float(best["q_value"]),
                    p_value=float(best["p_value"]),
                )
                break
        rows.append(row)
    return pd.DataFrame(rows, columns=[*names, *RECOVERY_COLUMNS])


PROCEDURES = ("regions", "seqlets")  # step 1 of the motif search: `find_motifs`, `seqlet_motifs`


def family_recovery(
    sequences,
    labels,
    scores,
    families,
    procedure="regions",
    top_k=1,
    max_q=None,
    database=None,
    **options,
):
    """Motifs of each class against the others, their JASPAR matches, and whether the class's
    known factor family is among them (`recovery`).

    For every class c of ``families``, the sequences of class c are the positives and all
    others the negatives: motifs are found from the scores (``"regions"``: the book's
    procedure, `find_motifs`; ``"seqlets"``: `seqlet_motifs`), compared with JASPAR
    (`compare`), and ranked by `recovery` against c's family.

    Parameters
    ----------
    sequences : list of str
        n sequences.
    labels : array-like of int, shape (n,)
        Class of each sequence.
    scores : array of float, shape (n, L); or list of 1-D arrays
        Nucleotide scores, each sequence explained as its own class (only the positives' rows
        are read, so one map of every sequence's true class serves all classes).
    families : dict of int to family
        Class -> its factors' family (see `in_family`: `POU_FAMILY`, `MAF_FAMILY`, names,
        matrix ids or a function).
    procedure : {"regions", "seqlets"}
        Step 1 of the search.
    top_k, max_q
        As for `recovery`.
    database : optional
        As for `compare` (default JASPAR 2018 CORE vertebrates).
    **options
        Passed to `find_motifs` or `seqlet_motifs` (e.g. ``k=6``, ``p_adjusted``).

    Returns
    -------
    table : pandas.DataFrame
        One row per class of ``families``: ``label``, then `RECOVERY_COLUMNS`.
    found : dict of int to list of FoundMotif
        The motifs of each class, in rank order.
    matches : dict of int to pandas.DataFrame
        The `compare` table of each class's motifs (empty, with `COLUMNS`, when none).
    """
    if procedure not in PROCEDURES:
        raise ValueError(f"procedure must be one of {', '.join(PROCEDURES)}, got {procedure!r}")
    search = find_motifs if procedure == "regions" else seqlet_motifs
    labels = np.asarray(labels)
    found, matches, rows = {}, {}, []
    for c, family in families.items():
        if not (labels == c).any():
            raise ValueError(f"class {c} has no sequences")
        found[c] = search(sequences, (labels == c).astype(int), scores, **options)
        matches[c] = compare(found[c], database) if found[c] else pd.DataFrame(columns=COLUMNS)
        rows.append(
            recovery({c: matches[c]}, family, top_k, max_q, {c: found[c]}, names=("label",))
        )
    return pd.concat(rows, ignore_index=True), found, matches


def positive_class(classes, name=None):
    """Label of the class whose motifs are searched.

    Parameters
    ----------
    classes : sequence of str
        Class names by label.
    name : str, optional
        The class asked for; empty or None: ``"promoter"`` when there is one, else the last
        class (label 1 of a binary task).

    Returns
    -------
    int
    """
    if name:
        if name not in classes:
            raise ValueError(
                f"motif_class {name!r} is not a class of this dataset; its classes: "
                f"{', '.join(classes)}"
            )
        return list(classes).index(name)
    return list(classes).index("promoter") if "promoter" in classes else len(classes) - 1
