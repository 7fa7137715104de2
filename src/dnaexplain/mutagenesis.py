"""Mutating the most relevant positions: the DNABERT-LRP paper's section 4.3 experiment and
faithfulness curves.

Per sequence, positions are ranked by a nucleotide score map (highest first, ties in random
order), the top n are each changed to a random other base, and the mutants are re-tokenised and
classified. A faithful map destroys the prediction with few mutations; the baselines are random
positions (repeated), no mutation (n = 0) and entirely random sequences (n = "all").

Randomness is seeded per method and repeat: method m, repeat r breaks its ties with
``numpy.random.default_rng([seed, zlib.crc32(m.encode()), r])``, and the new bases of repeat r
come from ``default_rng([seed, zlib.crc32(b"bases"), r])``, one per position of every sequence,
shared by all methods. So a method's mutants do not depend on which other methods run, two
methods that pick the same positions make the same mutant (the comparison of methods is paired:
common random numbers), and within one method and repeat the mutants are nested: the top 5
mutant carries the top 1 mutant's new base, and more.

All mutants of an experiment are classified together, each distinct sequence once (methods
often agree on the top positions: about a tenth of the mutants of the cpu profile's methods
are repeats), sorted by length and in chunks of about `CHUNK` sequences (to bound the memory
of tokens), so the experiment costs about what classifying that many sequences costs.
"""

import zlib

import numpy as np
import pandas as pd
import scipy.stats
import torch
from tqdm import tqdm

from . import metrics, models
from .metrics.measures import as_matrix, valid_positions
from .sequences import from_indices, mutate_indices, to_indices
from .tokenizers import encode

NS = (1, 5, 10, 15, 20)
ALL = -1  # n of the "all positions" baseline: random sequences of the same lengths
CHUNK = 8192  # sequences tokenised at once


def rank_positions(scores, lengths=None, seed=0):
    """Positions of each sequence ordered by score, highest first, ties in random order.

    Ties are broken by a seeded random key, never by position, so no method gains from where
    its ties sit; every tied position is equally likely to come first.

    Parameters
    ----------
    scores : numpy.ndarray or torch.Tensor, shape (n, L)
        Nucleotide scores; NaN marks positions that must never be chosen.
    lengths : array-like of int, shape (n,), optional
        Sequence lengths: positions ``>= lengths[i]`` are never chosen. All L when None.
    seed : int, sequence of int or numpy.random.Generator
        Anything `numpy.random.default_rng` takes.

    Returns
    -------
    numpy.ndarray of int64, shape (n, L)
        Row i lists the valid positions of sequence i, best first, then -1 for the rest.
    """
    s = as_matrix(scores)
    valid = valid_positions(s, lengths)
    order = _order(s, valid, np.random.default_rng(seed))
    order[np.arange(s.shape[1]) >= valid.sum(1)[:, None]] = -1
    return order


def _order(s, valid, rng):
    """Every position of each row: valid ones by descending score and random key, then the rest."""
    key = rng.random(s.shape)
    return np.lexsort((key, np.where(valid, -s, np.inf)), axis=1)


def _mutants(indices, scores, lengths, ns, rng, changed):
    """Copies of ``indices`` with the top n positions mutated, for each n in ``ns`` (nested).

    Parameters
    ----------
    indices : numpy.ndarray of uint8, shape (n, L)
    scores : numpy.ndarray, shape (n, L)
    lengths : numpy.ndarray of int, shape (n,)
    ns : list of int
    rng : numpy.random.Generator
        Breaks ties.
    changed : numpy.ndarray of uint8, shape (n, L)
        The new base of every position (`_bases`), shared by all n: the mutants are nested.

    Returns
    -------
    list of numpy.ndarray of uint8, shape (n, L)
    """
    valid = valid_positions(scores, lengths)
    order = _order(scores, valid, rng)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(order.shape[1]), axis=1)
    # invalid positions rank last and are never mutated, even when n exceeds the valid ones
    return [np.where((rank < n) & valid, changed, indices) for n in ns]


def _bases(indices, lengths, rng):
    """A new base for every position within each sequence's length, (n, L) uint8."""
    return mutate_indices(indices, np.arange(indices.shape[1]) < lengths[:, None], rng)


def _rng(seed, method, repeat):
    return np.random.default_rng([seed, zlib.crc32(method.encode()), repeat])


def _encode(sequences):
    """Base indices (n, L), padded with N, and lengths (n,) of a list of sequences."""
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    return to_indices(sequences, int(lengths.max())), lengths


def _decode(indices, lengths):
    return [s[:n] for s, n in zip(from_indices(indices), lengths.tolist())]


def _fit(scores, shape):
    """Scores as float64 (n, L) for sequences of the given (n, L) shape, cut to L."""
    s = as_matrix(scores)
    if s.shape[0] != shape[0] or s.shape[1] < shape[1]:
        raise ValueError(
            f"scores of shape {s.shape} do not cover {shape[0]} sequences of up to {shape[1]} bp"
        )
    return s[:, : shape[1]]


def mutate_top(sequences, scores, n, seed=0, bases=None):
    """Change the n highest-scoring positions of each sequence to a random other base.

    Parameters
    ----------
    sequences : list of str
        m sequences, upper case, lengths up to L.
    scores : numpy.ndarray or torch.Tensor, shape (m, >= L)
        Nucleotide scores (0 or NaN beyond a sequence's end); ranked by `rank_positions`.
    n : int
        Positions to mutate; a sequence with fewer valid positions has all of them mutated.
    seed : int, sequence of int or numpy.random.Generator
        Drives the tie breaks.
    bases : int, sequence of int or numpy.random.Generator, optional
        Drives the new bases: one per position of every sequence, drawn before any is chosen
        (see the module docstring). None: a generator spawned from `seed`'s.

    Returns
    -------
    list of str
        m mutated sequences, same lengths.
    """
    idx, lengths = _encode(sequences)
    rng = np.random.default_rng(seed)
    changed = _bases(
        idx, lengths, rng.spawn(1)[0] if bases is None else np.random.default_rng(bases)
    )
    (out,) = _mutants(idx, _fit(scores, idx.shape), lengths, [n], rng, changed)
    return _decode(out, lengths)


def _classify(
    model, tokenizer, indices, lengths, max_length, batch_size, device, precision, verbose
):
    """Class probabilities of many encoded sequences, float64 (n, classes), input order; each
    distinct sequence is classified once."""
    # each distinct sequence once: a row's bytes and its length identify it
    key = np.concatenate([indices, lengths.astype("<u4")[:, None].view(np.uint8)], axis=1)
    _, first, inverse = np.unique(
        key.view(np.dtype((np.void, key.shape[1])))[:, 0], return_index=True, return_inverse=True
    )
    order = first[np.argsort(lengths[first], kind="stable")]  # chunks pad to similar lengths
    chunk = batch_size * max(1, CHUNK // batch_size)  # whole batches per chunk
    probs = []
    with tqdm(total=len(order), desc="classify mutants", disable=not verbose) as bar:
        for start in range(0, len(order), chunk):
            rows = order[start : start + chunk]
            x = encode(
                tokenizer,
                _decode(indices[rows], lengths[rows]),
                max_length=max_length,
                truncate=True,
            )
            logits = models.predict(
                model, x, batch_size=batch_size, device=device, precision=precision
            )
            probs.append(torch.softmax(logits.double(), -1).numpy())
            bar.update(len(rows))
    out = np.empty((len(indices), probs[0].shape[1]))
    out[order] = np.concatenate(probs)
    return out[first[inverse.ravel()]]


def experiment(
    model,
    tokenizer,
    sequences,
    labels,
    scores,
    ns=NS,
    random_repeats=10,
    all_repeats=3,
    classes=None,
    seed=0,
    max_length=512,
    batch_size=16,
    device=None,
    precision="fp32",
    per_sequence=False,
    verbose=False,
):
    """Accuracy per class after mutating each method's top n positions, with baselines.

    For every method and n in `ns`, the top n positions of every sequence are mutated (see
    `mutate_top`), the mutants re-tokenised (truncated to `max_length` tokens) and classified.
    Baselines, shared by all methods:

    * ``"random"``: positions in random order, `random_repeats` times (repeat = 0, 1, ...);
    * n = 0: the unmutated sequences;
    * n = `ALL` (-1): uniformly random sequences of the same lengths, `all_repeats` times.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        A classifier built by `models`.
    tokenizer : transformers tokenizer or None
        The model's tokenizer; None for the CNN (one-hot input).
    sequences : list of str
        m sequences, upper case.
    labels : array-like of int, shape (m,)
        True classes.
    scores : dict of str to numpy.ndarray or torch.Tensor, shape (m, >= L)
        Nucleotide scores per method (L the longest sequence); ``"random"`` is reserved.
    ns : iterable of int
        Numbers of positions to mutate, each >= 1.
    random_repeats, all_repeats : int
        Repeats of the random-position and random-sequence baselines.
    classes : sequence of str, optional
        Class names by label; ``"0"``, ``"1"``, ... when None.
    seed : int
        Non-negative; see the module docstring for how it is used.
    max_length, batch_size, device, precision, verbose
        Tokens per sequence, sequences per forward pass, where to run, autocast precision of
        the classification (see `models.autocast`; bf16 about halves its cost on recent
        CPUs), progress bar.
    per_sequence : bool
        Also return every sequence's outcome, for paired comparisons of methods on the same
        sequences.

    Returns
    -------
    table : pandas.DataFrame
        One row per method, class, n and repeat, columns:

        * ``method``: a key of `scores` or ``"random"``;
        * ``class``, ``label``: class name and index;
        * ``n``: positions mutated; 0 and ``ALL`` (-1) rows are repeated under every method;
        * ``step``: n as an ordered categorical ``"0" < "1" < ... < "all"``, to plot on;
        * ``repeat``: 0 except for the random baselines;
        * ``sequences``: the class's sequences;
        * ``accuracy``: fraction of them still classified as their class;
        * ``mean_p``: mean probability of the true class.
    outcomes : pandas.DataFrame
        With ``per_sequence``: one row per method, n, repeat and sequence, columns ``method``,
        ``n``, ``repeat``, ``sequence`` (position in `sequences`), ``label``, ``correct``
        (bool) and ``p`` (probability of the true class); n = 0 and ``ALL`` rows under
        ``method`` ``""`` (shared by all methods).
    """
    if "random" in scores:
        raise ValueError('"random" names the random-position baseline; rename that method')
    ns = sorted({int(n) for n in ns})
    if ns and ns[0] < 1:
        raise ValueError(f"ns must be positive, got {ns}")
    idx, lengths = _encode(sequences)
    labels = np.asarray(labels, dtype=np.int64)
    methods = {name: _fit(s, idx.shape) for name, s in scores.items()}
    methods["random"] = np.zeros(idx.shape)  # all tied: a uniformly random order
    jobs, batches = [], []  # (method or None if shared, n, repeat) and its mutants
    bases = [_bases(idx, lengths, _rng(seed, "bases", r)) for r in range(max(1, random_repeats))]
    for name, s in methods.items():
        for r in range(random_repeats if name == "random" else 1):
            batches += _mutants(idx, s, lengths, ns, _rng(seed, name, r), bases[r])
            jobs += [(name, n, r) for n in ns]
    jobs.append((None, 0, 0))
    batches.append(idx)
    for r in range(all_repeats):
        jobs.append((None, ALL, r))
        batches.append(_rng(seed, "all", r).integers(0, 4, idx.shape, dtype=np.uint8))
    probs = _classify(
        model,
        tokenizer,
        np.concatenate(batches),
        np.tile(lengths, len(jobs)),
        max_length,
        batch_size,
        device,
        precision,
        verbose,
    )
    y = np.tile(labels, len(jobs))
    each = pd.DataFrame(
        {
            "job": np.repeat(np.arange(len(jobs)), len(labels)),
            "sequence": np.tile(np.arange(len(labels)), len(jobs)),
            "label": y,
            "correct": probs.argmax(1) == y,
            "p": probs[np.arange(len(y)), y],
        }
    )
    rows = each.groupby(["job", "label"], as_index=False).agg(
        sequences=("correct", "size"), accuracy=("correct", "mean"), mean_p=("p", "mean")
    )
    names = list(classes) if classes is not None else [str(c) for c in range(labels.max() + 1)]
    parts = []
    for j, (name, n, r) in enumerate(jobs):
        part = rows[rows.job == j]
        for method in methods if name is None else [name]:
            parts.append(part.assign(method=method, n=n, repeat=r))
    table = pd.concat(parts, ignore_index=True)
    table["class"] = [names[c] for c in table.label]
    steps = ["0", *map(str, ns), "all"]
    table["step"] = pd.Categorical(
        np.where(table.n == ALL, "all", table.n.astype(str)), categories=steps, ordered=True
    )
    table["method"] = pd.Categorical(table.method, categories=list(methods), ordered=True)
    table = table.sort_values(["method", "label", "step", "repeat"], ignore_index=True)
    table["method"] = table.method.astype(str)
    table = table[
        ["method", "class", "label", "n", "step", "repeat", "sequences", "accuracy", "mean_p"]
    ]
    if not per_sequence:
        return table
    info = pd.DataFrame(
        [(name or "", n, r) for name, n, r in jobs], columns=["method", "n", "repeat"]
    )
    outcomes = each.join(info, on="job")[
        ["method", "n", "repeat", "sequence", "label", "correct", "p"]
    ]
    return table, outcomes.reset_index(drop=True)


def summary(table, level=0.95):
    """Mean accuracy per method, class and n, with the spread of the repeats.

    The band (``lo``, ``hi``) says where the accuracy of one random draw over the class's m
    sequences falls, which is what a single run of a method is compared with. When each tail
    (1 - level) / 2 holds at least one repeat (40 repeats or more for 95 %), it is a
    percentile interval: the middle `level` of the repeats' accuracies (numpy's linear
    quantiles). With fewer, percentiles of the repeats mean little, so the band is the
    central `level` interval of Binomial(m, a) / m, with a the accuracy pooled over all
    repeats: each sequence keeps its class with its own probability, and a sum of independent
    Bernoulli trials varies at most as much as the binomial with their mean probability, so
    the band is, if anything, too wide.

    Parameters
    ----------
    table : pandas.DataFrame
        From `experiment`.
    level : float
        Coverage of the percentile interval.

    Returns
    -------
    pandas.DataFrame
        Columns method, class, label, n, step, repeats, accuracy (mean over repeats), lo, hi,
        band (what lo and hi are: "middle 95 % of 50 repeats" or "binomial 95 % of one draw
        (10 repeats pooled)"), mean_p (mean over repeats); in the table's order.
    """
    g = table.groupby(["method", "class", "label", "n", "step"], sort=False, observed=True)
    out = g.agg(
        repeats=("repeat", "size"), accuracy=("accuracy", "mean"), mean_p=("mean_p", "mean")
    )
    q = (1 - level) / 2
    many = out.repeats * q >= 1 - 1e-9  # float-safe 40 * 0.025
    m = g.sequences.first()
    binomial = [scipy.stats.binom.ppf([q, 1 - q], k, a) / k for k, a in zip(m, out.accuracy)]
    out["lo"] = g.accuracy.quantile(q).where(many, [b[0] for b in binomial])
    out["hi"] = g.accuracy.quantile(1 - q).where(many, [b[1] for b in binomial])
    out["band"] = [
        f"middle {level * 100:g} % of {r} repeats"
        if big
        else f"binomial {level * 100:g} % of one draw ({r} repeats pooled)"
        for r, big in zip(out.repeats, many)
    ]
    out = out.reset_index()
    return out[
        [
            "method",
            "class",
            "label",
            "n",
            "step",
            "repeats",
            "accuracy",
            "lo",
            "hi",
            "band",
            "mean_p",
        ]
    ]


def table_one(summary, n, methods):
    """The case study's Table 1 layout: per class, accuracy unmutated, with each method's top
    n positions mutated, with n random positions (mean and band), and on random sequences.

    Parameters
    ----------
    summary : pandas.DataFrame
        From `summary`.
    n : int
        Positions mutated (the paper: 20).
    methods : list of str
        Methods to show, in order (those missing from `summary` are left out).

    Returns
    -------
    pandas.DataFrame
        One row per class (``class``, ``label``), columns ``n = 0``, one per method, ``random``,
        ``random lo``, ``random hi``, ``random sequences``.
    """
    rows = []
    for (cls, label), part in summary.groupby(["class", "label"], sort=False):
        at = part[part["n"] == n].set_index("method")
        random = at.loc["random"]
        rows.append(
            {
                "class": cls,
                "label": int(label),
                "n = 0": part.loc[part["n"] == 0, "accuracy"].iloc[0],
                **{m: at.loc[m, "accuracy"] for m in methods if m in at.index},
                "random": random["accuracy"],
                "random lo": random["lo"],
                "random hi": random["hi"],
                "random sequences": part.loc[part["n"] == ALL, "accuracy"].iloc[0],
            }
        )
    return pd.DataFrame(rows)


def correct(outcomes, method, n, label):
    """Per sequence of a class: whether it is still called its class after `method` mutated
    n positions (the mean over repeats for ``"random"`` and for random sequences).

    Parameters
    ----------
    outcomes : pandas.DataFrame
        The per-sequence outcomes of `experiment` (``per_sequence=True``).
    method : str
        A method, or ``"random"``; n = 0 and ``ALL`` are shared by all methods.
    n : int
    label : int

    Returns
    -------
    numpy.ndarray of float, shape (m,)
        In sequence order: 0 or 1 for one draw, the share of repeats otherwise.
    """
    shared = n in (0, ALL)
    rows = outcomes[
        (outcomes["n"] == n)
        & (outcomes["label"] == label)
        & (outcomes["method"] == ("" if shared else method))
    ]
    if rows.empty:
        raise KeyError(f"no outcomes of {method!r} at n = {n} for label {label}")
    return rows.groupby("sequence")["correct"].mean().to_numpy(dtype=float)


def faithfulness(
    model,
    tokenizer,
    sequences,
    targets,
    scores,
    ns=NS,
    order="most",
    seed=0,
    per_sequence=False,
    max_length=512,
    batch_size=16,
    device=None,
    precision="fp32",
    verbose=False,
):
    """Perturbation curves: drop of the target probability as top positions are mutated.

    For each method, n and sequence i, ``drop = p_c(x_i) - p_c(x_i^(n))`` where x^(n) has its
    n most relevant (``order="most"``) or least relevant (``"least"``) positions mutated as in
    `mutate_top`. Pass all-zero scores for a random-order baseline (ties are broken at
    random). The two orders of one method feed `metrics.area_between_curves`.

    Parameters
    ----------
    model, tokenizer
        As for `experiment`.
    sequences : list of str
        m sequences, upper case.
    targets : array-like of int, shape (m,)
        Class c whose probability is followed (true or predicted labels).
    scores : dict of str to numpy.ndarray or torch.Tensor, shape (m, >= L)
        Nucleotide scores per method.
    ns : iterable of int
        Numbers of positions to mutate, each >= 1.
    order : {"most", "least"}
        Mutate the highest or the lowest scores first.
    seed : int
        Non-negative; method m draws from the same stream as in `experiment` (repeat 0).
    per_sequence : bool
        Return every sequence's drop instead of the mean over sequences.
    max_length, batch_size, device, precision, verbose
        As for `experiment`.

    Returns
    -------
    pandas.DataFrame
        Columns method, order, n, drop (mean over sequences) and mean_drop (`metrics.mean_drop`
        of the method's curve, repeated on its rows); with `per_sequence`, columns method,
        order, n, sequence (0 ... m - 1) and drop.
    """
    sign = {"most": 1, "least": -1}.get(order)
    if sign is None:
        raise ValueError(f'order must be "most" or "least", got {order!r}')
    ns = sorted({int(n) for n in ns})
    if not ns or ns[0] < 1:
        raise ValueError(f"ns must be positive, got {ns}")
    idx, lengths = _encode(sequences)
    targets = np.asarray(targets, dtype=np.int64)
    batches = [idx]
    bases = _bases(idx, lengths, _rng(seed, "bases", 0))
    for name, s in scores.items():
        batches += _mutants(idx, sign * _fit(s, idx.shape), lengths, ns, _rng(seed, name, 0), bases)
    probs = _classify(
        model,
        tokenizer,
        np.concatenate(batches),
        np.tile(lengths, len(batches)),
        max_length,
        batch_size,
        device,
        precision,
        verbose,
    )
    p = probs[np.arange(len(probs)), np.tile(targets, len(batches))].reshape(len(batches), -1)
    drops = (p[0] - p[1:]).reshape(len(scores), len(ns), len(targets))
    if per_sequence:
        return pd.DataFrame(
            {
                "method": np.repeat(list(scores), len(ns) * len(targets)),
                "order": order,
                "n": np.tile(np.repeat(ns, len(targets)), len(scores)),
                "sequence": np.tile(np.arange(len(targets)), len(scores) * len(ns)),
                "drop": drops.ravel(),
            }
        )
    curves = drops.mean(-1)
    return pd.DataFrame(
        {
            "method": np.repeat(list(scores), len(ns)),
            "order": order,
            "n": np.tile(ns, len(scores)),
            "drop": curves.ravel(),
            "mean_drop": np.repeat(metrics.mean_drop(curves), len(ns)),
        }
    )


# --------------------------------------------------------------------------------------------
# Mutating chosen positions: known sites against top-scored and random positions
# --------------------------------------------------------------------------------------------


def top_mask(scores, counts, lengths=None, seed=0):
    """The ``counts[i]`` highest-scoring positions of each sequence, as a mask.

    Parameters
    ----------
    scores : numpy.ndarray or torch.Tensor, shape (n, L)
        Nucleotide scores; NaN positions are never chosen; ties are broken at random
        (`rank_positions`).
    counts : array-like of int, shape (n,)
        Positions chosen in sequence i, at most its valid positions.
    lengths : array-like of int, shape (n,), optional
        Sequence lengths: positions ``>= lengths[i]`` are never chosen. All L when None.
    seed : int, sequence of int or numpy.random.Generator
        Seed of the tie breaks.

    Returns
    -------
    numpy.ndarray of bool, shape (n, L)
        Row i is True at exactly ``counts[i]`` positions.
    """
    order = rank_positions(scores, lengths, seed)
    counts = np.asarray(counts)
    if (
        counts.shape != (len(order),)
        or not np.issubdtype(counts.dtype, np.integer)
        or (counts < 0).any()
    ):
        raise ValueError(
            f"counts must be {len(order)} integers >= 0, one per sequence; got "
            f"{counts.dtype} of shape {counts.shape}"
        )
    valid = (order >= 0).sum(1)
    over = np.flatnonzero(counts > valid)
    if len(over):
        i = over[0]
        raise ValueError(
            f"sequence {i} has {valid[i]} valid positions, fewer than the {counts[i]} asked for"
        )
    rows, ranks = np.nonzero(np.arange(order.shape[1]) < counts[:, None])
    mask = np.zeros(order.shape, dtype=bool)
    mask[rows, order[rows, ranks]] = True
    return mask


def random_mask(counts, lengths, seed=0):
    """``counts[i]`` positions of each sequence, drawn uniformly without replacement, as a mask.

    Parameters
    ----------
    counts : array-like of int, shape (n,)
        Positions drawn in sequence i, at most ``lengths[i]``.
    lengths : array-like of int, shape (n,)
        Sequence lengths; positions are drawn in ``0 .. lengths[i] - 1``.
    seed : int, sequence of int or numpy.random.Generator
        Seed of the draw.

    Returns
    -------
    numpy.ndarray of bool, shape (n, max(lengths))
        Row i is True at exactly ``counts[i]`` positions.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    flat = np.zeros((len(lengths), int(lengths.max(initial=0))))
    return top_mask(flat, counts, lengths, seed)  # all tied: a uniformly random order


def _fit_mask(mask, shape, lengths, name="mask"):
    """A boolean mask of the encoded sequences' shape (n, L), checked to stay inside them."""
    m = np.asarray(mask)
    if m.dtype != bool or m.ndim != 2 or len(m) != shape[0]:
        raise ValueError(
            f"{name} must be a boolean array of shape ({shape[0]}, L), got "
            f"{m.dtype} of shape {m.shape}"
        )
    m = np.pad(m, ((0, 0), (0, max(0, shape[1] - m.shape[1]))))
    outside = m & (np.arange(m.shape[1]) >= lengths[:, None])
    if outside.any():
        i = int(np.flatnonzero(outside.any(1))[0])
        raise ValueError(f"{name} marks positions past the end of sequence {i} ({lengths[i]} bp)")
    return m[:, : shape[1]]


def mutate_positions(sequences, mask, seed=0):
    """Change every masked position to a uniformly random other base (N: a random base).

    Parameters
    ----------
    sequences : list of str
        m sequences, upper case, lengths up to L.
    mask : numpy.ndarray of bool, shape (m, W)
        Positions to change; none past a sequence's end (W may differ from L).
    seed : int, sequence of int or numpy.random.Generator
        Drives the new bases.

    Returns
    -------
    list of str
        m mutated sequences, same lengths; unmasked positions unchanged.
    """
    idx, lengths = _encode(sequences)
    m = _fit_mask(mask, idx.shape, lengths)
    return _decode(mutate_indices(idx, m, np.random.default_rng(seed)), lengths)


def mutate_masks(
    model,
    tokenizer,
    sequences,
    targets,
    masks,
    repeats=1,
    seed=0,
    max_length=512,
    batch_size=16,
    device=None,
    precision="fp32",
    verbose=False,
):
    """Drop of the target probability when chosen positions are mutated, per sequence.

    For each mask and repeat r, every position the mask marks is changed to a random other
    base (`mutate_positions`, drawing from ``numpy.random.default_rng([seed,
    zlib.crc32(name.encode()), r])`` as in the module docstring); all mutants are classified
    together with the unmutated sequences, and ``drop = p_c(x) - p_c(x')``. Comparing masks
    with the same number of positions per sequence (`top_mask`, `random_mask`) asks which
    positions matter most to the model.

    Parameters
    ----------
    model, tokenizer
        As for `experiment`.
    sequences : list of str
        m sequences, upper case, lengths up to L.
    targets : array-like of int, shape (m,)
        Class c whose probability is followed (e.g. the true labels).
    masks : dict of str to numpy.ndarray of bool, shape (m, W) or (r, m, W)
        Positions to mutate, by name; none past a sequence's end. A 2-D mask is mutated
        ``repeats`` times, keeping its positions and drawing new bases; a 3-D mask is r
        repeats, repeat j mutating the positions of ``mask[j]`` (e.g. `random_mask` with one
        seed per repeat).
    repeats : int
        Mutants per sequence of each 2-D mask, >= 1.
    seed : int
        Non-negative.
    max_length, batch_size, device, precision, verbose
        As for `experiment`.

    Returns
    -------
    pandas.DataFrame
        One row per mask, repeat and sequence, columns mask, repeat, sequence (0 ... m - 1),
        mutated (positions changed), p_before, p_after and drop, in the order of ``masks``.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    idx, lengths = _encode(sequences)
    targets = np.asarray(targets, dtype=np.int64)
    if targets.shape != (len(sequences),):
        raise ValueError(f"{len(targets)} targets for {len(sequences)} sequences")
    batches, jobs, counts = [idx], [], []
    for name, mask in masks.items():
        mask = np.asarray(mask)
        for r in range(len(mask) if mask.ndim == 3 else repeats):
            m = _fit_mask(mask[r] if mask.ndim == 3 else mask, idx.shape, lengths, f"mask {name!r}")
            batches.append(mutate_indices(idx, m, _rng(seed, name, r)))
            jobs.append((name, r))
            counts.append(m.sum(1))
    probs = _classify(
        model,
        tokenizer,
        np.concatenate(batches),
        np.tile(lengths, len(batches)),
        max_length,
        batch_size,
        device,
        precision,
        verbose,
    )
    p = probs[np.arange(len(probs)), np.tile(targets, len(batches))].reshape(len(batches), -1)
    m = len(sequences)
    return pd.DataFrame(
        {
            "mask": np.repeat([name for name, _ in jobs], m),
            "repeat": np.repeat([r for _, r in jobs], m),
            "sequence": np.tile(np.arange(m), len(jobs)),
            "mutated": np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64),
            "p_before": np.tile(p[0], len(jobs)),
            "p_after": p[1:].ravel(),
            "drop": (p[0] - p[1:]).ravel(),
        }
    )
