"""Motif insertion: the model's change of class probability when a factor's known sites are
written into dinucleotide-shuffled backgrounds, the causal half of a motif claim beside what
the maps say (tangermeme's `marginalize`).

A map that puts relevance on a factor's sites says the model looks there; inserting the sites
into sequences that lack them says whether the model then changes its mind. Each background
sequence (a ChIP-seq peak, say) is dinucleotide-shuffled `n_shuffles` times, which keeps its
base and dinucleotide composition but breaks up its sites; each site is written over the middle
of each shuffle (or at ``position``), and the model's probability of the target class is read
before and after (`insert_motifs`). `summary` averages the change per sequence and tests it
against 0.

Randomness is seeded per sequence: the shuffles of a sequence come from
``numpy.random.default_rng([seed, zlib.crc32(sequence.encode())])`` (the cleaned, upper-case
sequence), drawn one after the other with `sequences.dinucleotide_shuffle`. So a sequence's
backgrounds depend only on the seed and the sequence, not on which other sequences are in the
call, on their order or on batching; a sequence given twice gets the same backgrounds twice.

How this relates to tangermeme's ``marginalize(model, X, motif, start=None)``: tangermeme
substitutes a one-hot motif into one-hot backgrounds ``X`` (`ersatz.substitute`: the motif
overwrites the bases it covers, the length is kept, and by default the motif's middle sits at
the sequence's middle, ``start = L // 2 - m // 2``) and returns ``func(model, X)`` before and
after, by default every raw output of the model (`tangermeme.predict`). The backgrounds are the
caller's, usually from `tangermeme.ersatz.dinucleotide_shuffle`. Here the substitution is the
same (overwrite, same default start) but on strings, and for the transformers each edited
string is re-tokenised, as the package's ISM does: a site changes every k-mer that overlaps it
(k - 1 bases into the background on each side for DNABERT) and may change the BPE
segmentation of DNABERT-2 around it, which no edit of a tensor of tokens could express. For the
CNN the one-hot of an edited string is tangermeme's substituted tensor, so with the same
backgrounds (``n_shuffles=None``) the logits before and after are `marginalize`'s (the tests
check this to 1e-10). Beyond it: the shuffles are drawn here (`sequences.dinucleotide_shuffle`,
Altschul-Erickson, first and last base kept, seeded per sequence as above; tangermeme's own
shuffle draws with one random state per call), several sites may stand for one motif, each
motif has its class, and the result is the target's softmax probability and logit in a tidy
table. Sites are A, C, G and T only: tangermeme's ``N`` (keep the background's base) is not
offered, so every inserted base is the site's.
"""

import operator
import zlib
from collections.abc import Mapping

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

from . import metrics, models
from .sequences import ALPHABET, clean_all, dinucleotide_shuffle
from .tokenizers import encode

N_SHUFFLES = 20
BATCH_SIZE = 64
CHUNK = 8192  # sequences tokenised at once
COLUMNS = [
    "motif",
    "site",
    "sequence",
    "background",
    "target",
    "p_before",
    "p_after",
    "change",
    "logit_change",
]


def insert_motifs(
    model,
    tokenizer,
    sequences,
    motifs,
    target,
    n_shuffles=N_SHUFFLES,
    position=None,
    seed=0,
    batch_size=BATCH_SIZE,
    device=None,
    precision="fp32",
    verbose=False,
):
    """The change of the target class's probability when each motif's sites are inserted into
    dinucleotide shuffles of each sequence.

    For each of the n sequences, `n_shuffles` dinucleotide shuffles are drawn (seeded by
    `seed` and the sequence, see the module docstring); each site of each motif overwrites the
    bases of each shuffle from its start, the centre (``L // 2 - m // 2`` for a site of m bases
    in a background of L, tangermeme's rule) or `position`; every background and every edited
    background is encoded afresh (`tokenizers.encode`: tokens for DNABERT / DNABERT-2, one-hot
    for the CNN) and classified (`models.predict`). Each background is classified once, for
    all motifs. Every input is checked before anything is shuffled or classified.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        DNABERT, DNABERT-2 or the CNN (`models`); its train / eval mode is kept.
    tokenizer : transformers tokenizer or None
        The model's tokenizer; None for the CNN (one-hot input in the model's dtype).
    sequences : list of str
        n background sequences (A, C, G, T, N, any case), lengths L_i, each at least as long
        as the longest site.
    motifs : str, list of str, or dict of str to (str or list of str)
        What to insert. A string is one motif with one site, named by itself; a list of
        strings is that many such motifs; a dict names each motif and gives its site or its
        sites (e.g. ``{"MafK": ["TGCTGACTCAGCA", "TGCTGAGTCAGCA"]}``: each site is inserted
        into every background in turn). Sites hold A, C, G, T only (any case): an IUPAC
        consensus is given as its sites, and a reverse complement as a site of its own.
    target : int, dict of str to int, or list of int
        Class whose probability is read: one for all motifs, or one per motif (by name, or in
        the motifs' order).
    n_shuffles : int or None
        Shuffles per sequence, >= 1. None: the sequences are the backgrounds themselves (to
        insert into backgrounds made elsewhere, e.g. tangermeme's), background 0 of each.
    position : int, optional
        0-based start of every insertion, with ``0 <= position <= L_i - m`` for every sequence
        and site; the centre of each background when None.
    seed : int
        Non-negative; drives the shuffles.
    batch_size : int
        Sequences per forward pass.
    device : torch.device or str, optional
        Where to run (the model is moved there); the model's device when None.
    precision : {"fp32", "bf16", "fp16", "auto", "fast"}
        Autocast precision of the forward passes (`models.autocast`).
    verbose : bool
        Show a progress bar.

    Returns
    -------
    pandas.DataFrame
        One row per motif, site, sequence and background (s = `n_shuffles`, or 1), in that
        order, so sum over motifs of (sites x n x s) rows: ``motif`` (name), ``site`` (the
        inserted string), ``sequence`` (index in `sequences`), ``background`` (shuffle index,
        0 to s - 1), ``target``, ``p_before`` and ``p_after`` (softmax probability of the
        target, float64, without and with the site), ``change`` (``p_after - p_before``:
        positive where the site raises the class) and ``logit_change`` (the change of the
        target's logit, which does not saturate near probabilities 0 and 1).

    Raises
    ------
    ValueError
        A site with a letter other than A, C, G, T or without letters, a site longer than a
        background, a position that puts a site past a background's end, a target outside the
        model's classes, no motifs, a target per motif that misses a motif, a bad
        `n_shuffles` or `seed`, or a sequence with a letter other than A, C, G, T, N.
    TypeError
        A tokenizer with the CNN, or none with a transformer.
    """
    is_cnn = isinstance(model, models.CNNForSequenceClassification)
    if is_cnn != (tokenizer is None):
        raise TypeError(
            "the CNN reads one-hot DNA: pass tokenizer=None"
            if is_cnn
            else f"{type(model).__name__} needs its tokenizer (each edited sequence is "
            "re-tokenised)"
        )
    sites = _sites(motifs)
    targets = _targets(target, list(dict.fromkeys(name for name, _ in sites)), model)
    seqs = clean_all([sequences] if isinstance(sequences, str) else list(sequences))
    if not seqs:
        raise ValueError("no sequences to insert motifs into")
    if n_shuffles is not None and (isinstance(n_shuffles, bool) or operator.index(n_shuffles) < 1):
        raise ValueError(f"n_shuffles must be at least 1 (or None), got {n_shuffles}")
    if isinstance(seed, bool) or operator.index(seed) < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed}")
    lengths = np.array([len(s) for s in seqs])
    starts = {site: _starts(site, name, lengths, position) for name, site in sites}

    if n_shuffles is None:
        backgrounds, s = seqs, 1
    else:
        backgrounds, s = [b for seq in seqs for b in _shuffles(seq, n_shuffles, seed)], n_shuffles
    n = len(seqs)
    start_of = {site: np.repeat(st, s) for site, st in starts.items()}  # per background
    edited = [
        b[:a] + site + b[a + len(site) :]
        for _, site in sites
        for b, a in zip(backgrounds, start_of[site].tolist())
    ]
    logits = _classify(
        model, tokenizer, backgrounds + edited, batch_size, device, precision, verbose
    )
    probs = torch.softmax(torch.from_numpy(logits), -1).numpy()
    rows = []
    for k, (name, site) in enumerate(sites):
        c = targets[name]
        block = slice(len(backgrounds) * (k + 1), len(backgrounds) * (k + 2))
        before, after = probs[: len(backgrounds), c], probs[block, c]
        rows.append(
            pd.DataFrame(
                {
                    "motif": name,
                    "site": site,
                    "sequence": np.repeat(np.arange(n), s),
                    "background": np.tile(np.arange(s), n),
                    "target": c,
                    "p_before": before,
                    "p_after": after,
                    "change": after - before,
                    "logit_change": logits[block, c] - logits[: len(backgrounds), c],
                }
            )
        )
    return pd.concat(rows, ignore_index=True)[COLUMNS]


def summary(table, value="change", by=None, level=0.95, seed=0):
    """Mean change per motif (and model) with a bootstrap interval and a sign-flip test
    against 0.

    The unit is the background sequence: a sequence's changes are first averaged over its
    shuffles and the motif's sites (they share the sequence's composition, so they are not
    independent), then the n sequence means are resampled (`metrics.bootstrap_mean`) and
    tested against 0 by the paired sign-flip test (`metrics.paired_comparisons` with b = 0,
    one family over all groups, p adjusted by Benjamini-Hochberg).

    Parameters
    ----------
    table : pandas.DataFrame
        From `insert_motifs`, or several of them concatenated with a column telling them
        apart (``model``, say).
    value : str
        Column summarised: ``"change"`` (probability) or ``"logit_change"``.
    by : str or list of str, optional
        Grouping columns; ``["model", "motif"]`` when the table has a ``model`` column, else
        ``["motif"]``. Groups keep their first appearance.
    level : float
        Coverage of the interval.
    seed : int
        Seed of the bootstrap and of the sign patterns.

    Returns
    -------
    pandas.DataFrame
        One row per group: the `by` columns, ``p_before`` and ``p_after`` (mean
        probabilities), `value` (mean of the sequence means), ``lo`` and ``hi`` (its
        interval), ``n`` (sequences), ``p`` (two-sided sign-flip test of mean 0) and
        ``p_adjusted``.
    """
    if by is None:
        by = ["model", "motif"] if "model" in table else ["motif"]
    by = [by] if isinstance(by, str) else list(by)
    per_sequence = (
        table.groupby([*by, "sequence"], sort=False)[["p_before", "p_after", value]]
        .mean()
        .reset_index()
    )
    groups = per_sequence.groupby(by, sort=False)
    rows, pairs = [], {}
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        v = part[value].to_numpy()
        interval = metrics.bootstrap_mean(v, level=level, seed=seed)
        pairs[key] = (v, np.zeros_like(v))
        rows.append(
            {
                **dict(zip(by, key)),
                "p_before": part["p_before"].mean(),
                "p_after": part["p_after"].mean(),
                value: interval["mean"],
                "lo": interval["lo"],
                "hi": interval["hi"],
                "n": interval["n"],
            }
        )
    out = pd.DataFrame(rows, columns=[*by, "p_before", "p_after", value, "lo", "hi", "n"])
    if rows:
        tests = metrics.paired_comparisons(pairs, level=level, seed=seed)
        out["p"] = tests["p"].to_numpy()
        out["p_adjusted"] = tests["p_adjusted"].to_numpy()
    else:
        out["p"] = out["p_adjusted"] = pd.Series(dtype=float)
    return out


def _sites(motifs):
    """(motif name, upper-case site) pairs in the order given; ValueError on a bad site."""
    if isinstance(motifs, str):
        motifs = {motifs: motifs}
    elif not isinstance(motifs, Mapping):
        motifs = {m: m for m in motifs}
    if not motifs:
        raise ValueError("no motifs to insert")
    pairs = []
    for name, given in motifs.items():
        given = [given] if isinstance(given, str) else list(given)
        if not given:
            raise ValueError(f"motif {name!r} has no sites")
        for j, site in enumerate(given):
            if not isinstance(site, str):
                raise TypeError(f"motif {name!r}: a site must be a str, got {type(site).__name__}")
            site = site.upper()
            bad = next((i for i, b in enumerate(site) if b not in ALPHABET), None)
            if not site or bad is not None:
                what = "is empty" if not site else f"holds {site[bad]!r} at position {bad}"
                spelled = metrics.IUPAC.get(site[bad], "") if site else ""
                hint = (
                    f" ({site[bad]} = {' or '.join(spelled)}: give each site as its own string)"
                    if len(spelled) > 1
                    else ""
                )
                raise ValueError(
                    f"motif {name!r}, site {j} {given[j]!r} {what}: sites are A, C, G, T only{hint}"
                )
            pairs.append((name, site))
    return pairs


def _targets(target, names, model):
    """Class index per motif name; ValueError when one is missing or out of range."""
    if isinstance(target, Mapping):
        missing = [m for m in names if m not in target]
        if missing:
            raise ValueError(f"target gives no class for motifs {missing}")
        out = {m: target[m] for m in names}
    elif isinstance(target, (list, tuple, np.ndarray, torch.Tensor)):
        target = list(np.asarray(target).ravel())
        if len(target) != len(names):
            raise ValueError(f"{len(target)} targets for {len(names)} motifs {names}")
        out = dict(zip(names, target))
    else:
        out = dict.fromkeys(names, target)
    classes = model.config.num_labels
    for m, c in out.items():
        if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or not 0 <= c < classes:
            raise ValueError(
                f"target {c!r} of motif {m!r} is not a class of a model with {classes} classes "
                f"(0 to {classes - 1})"
            )
        out[m] = int(c)
    return out


def _starts(site, name, lengths, position):
    """Start of ``site`` in each background (n,); ValueError where it does not fit."""
    m = len(site)
    short = np.flatnonzero(lengths < m)
    if len(short):
        i = int(short[0])
        raise ValueError(
            f"motif {name!r}: site {site} ({m} bp) is longer than sequence {i} "
            f"({lengths[i]} bp; {len(short)} sequences are shorter than it)"
        )
    if position is None:
        return lengths // 2 - m // 2
    position = operator.index(position)
    past = np.flatnonzero(position + m > lengths)
    if position < 0 or len(past):
        where = "before the start" if position < 0 else f"past the end of sequence {past[0]}"
        raise ValueError(
            f"position {position} puts motif {name!r}'s site {site} ({m} bp) {where}: "
            f"a position must lie in [0, L - {m}] for every sequence"
        )
    return np.full(len(lengths), position)


def _shuffles(sequence, n_shuffles, seed):
    """``n_shuffles`` dinucleotide shuffles of one (clean) sequence, seeded by it."""
    rng = np.random.default_rng([seed, zlib.crc32(sequence.encode())])
    return [dinucleotide_shuffle(sequence, rng) for _ in range(n_shuffles)]


def _classify(model, tokenizer, strings, batch_size, device, precision, verbose):
    """Logits of many sequences, float64 (N, classes), in input order; encoded in chunks of
    about `CHUNK` sequences of similar length."""
    lengths = np.array([len(s) for s in strings])
    order = np.argsort(lengths, kind="stable")
    chunk = batch_size * max(1, CHUNK // batch_size)  # whole batches per chunk
    dtype = next(model.parameters()).dtype
    out = np.empty((len(strings), model.config.num_labels))
    with tqdm(total=len(strings), desc="insert motifs", disable=not verbose) as bar:
        for start in range(0, len(order), chunk):
            rows = order[start : start + chunk]
            x = encode(tokenizer, [strings[i] for i in rows])
            if torch.is_tensor(x):
                x = x.to(dtype)
            logits = models.predict(
                model, x, batch_size=batch_size, device=device, precision=precision
            )
            out[rows] = logits.double().numpy()
            bar.update(len(rows))
    return out
