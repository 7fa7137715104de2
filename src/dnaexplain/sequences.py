"""DNA sequences: validation, encodings, random sequences, mutation and shuffling.

Bases are indexed in ``ALPHABET`` order (A=0, C=1, G=2, T=3); N (unknown base) is index 4 in
integer encodings and an all-zero column in one-hot encodings.
"""

import re

import numpy as np
import pandas as pd
import torch

ALPHABET = "ACGT"

_N = 4  # index of N in integer encodings
_LETTERS = np.frombuffer(b"ACGTN", dtype=np.uint8)
_CODES = np.full(256, 255, dtype=np.uint8)  # byte -> index; 255 marks an invalid byte
for _i, _c in enumerate("ACGTN"):
    _CODES[ord(_c)] = _CODES[ord(_c.lower())] = _i
_BAD = {True: re.compile("[^ACGTN]", re.I), False: re.compile("[^ACGT]", re.I)}


class InvalidSequenceError(ValueError):
    """A sequence holds a character that is not a base."""


def clean(sequence, allow_n=True):
    """Upper-case a DNA sequence and check that it holds only bases.

    Parameters
    ----------
    sequence : str
        DNA sequence, any case.
    allow_n : bool
        Whether N (unknown base) is accepted.

    Returns
    -------
    str
        The upper-case sequence.

    Raises
    ------
    InvalidSequenceError
        Naming the first invalid character and its 0-based position.
    """
    if not isinstance(sequence, str):
        raise TypeError(f"a sequence must be a str, got {type(sequence).__name__}")
    bad = _BAD[allow_n].search(sequence)
    if bad:
        allowed = "and N for unknown bases" if allow_n else "N is not allowed here"
        raise InvalidSequenceError(
            f"invalid character {bad.group()!r} at position {bad.start()}: sequences may "
            f"contain only A, C, G, T ({allowed})"
        )
    return sequence.upper()


def clean_all(sequences, allow_n=True):
    """Apply `clean` to every sequence; an error also names the sequence's index.

    Parameters
    ----------
    sequences : iterable of str
        n DNA sequences.
    allow_n : bool
        Whether N is accepted.

    Returns
    -------
    list of str
        n upper-case sequences.
    """
    out = []
    for i, sequence in enumerate(sequences):
        try:
            out.append(clean(sequence, allow_n))
        except InvalidSequenceError as e:
            raise InvalidSequenceError(f"sequence {i}: {e}") from None
    return out


def to_indices(sequences, length=None):
    """Encode sequences as base indices (A=0, C=1, G=2, T=3, N=4).

    Parameters
    ----------
    sequences : list of str
        n sequences, any case.
    length : int, optional
        Pad every sequence on the right with N up to this length. Without it, all sequences
        must have the same length.

    Returns
    -------
    numpy.ndarray of uint8, shape (n, length)
    """
    sequences = list(sequences)
    lengths = {len(s) for s in sequences}
    if length is None:
        if len(lengths) > 1:
            raise ValueError(
                f"sequences have different lengths ({min(lengths)} to {max(lengths)}); "
                "pass length= to pad them on the right"
            )
        length = next(iter(lengths), 0)
    elif lengths and max(lengths) > length:
        raise ValueError(f"a sequence is {max(lengths)} long, longer than length={length}")
    try:
        raw = [s.encode("ascii") for s in sequences]
    except (UnicodeEncodeError, AttributeError):
        clean_all(sequences)  # raises the precise error
        raise
    if lengths == {length}:  # fast path: one buffer for the whole batch
        out = _CODES[np.frombuffer(b"".join(raw), dtype=np.uint8)].reshape(len(raw), length)
    else:
        out = np.full((len(raw), length), _N, dtype=np.uint8)
        for row, r in zip(out, raw):
            row[: len(r)] = _CODES[np.frombuffer(r, dtype=np.uint8)]
    if (out == 255).any():
        clean_all(sequences)
    return out


def from_indices(indices):
    """Decode base indices back to strings.

    Parameters
    ----------
    indices : numpy.ndarray of int, shape (n, length)
        Values 0-4 (A, C, G, T, N).

    Returns
    -------
    list of str
        n upper-case sequences.
    """
    indices = np.asarray(indices)
    n, length = indices.shape
    raw = _LETTERS[indices].tobytes()
    return [raw[i * length : (i + 1) * length].decode("ascii") for i in range(n)]


def one_hot(sequences, dtype=torch.float32, length=None):
    """One-hot encode sequences in ``ALPHABET`` order; N is an all-zero column.

    Parameters
    ----------
    sequences : list of str
        n sequences, any case.
    dtype : torch.dtype
        Output dtype.
    length : int, optional
        Pad on the right with zero columns up to this length; without it, all sequences must
        have the same length.

    Returns
    -------
    torch.Tensor, shape (n, 4, length)
    """
    table = torch.zeros(5, 4, dtype=dtype)
    table[:4] = torch.eye(4, dtype=dtype)
    idx = torch.from_numpy(to_indices(sequences, length).astype(np.int64))
    return table[idx].transpose(1, 2).contiguous()


def reverse_complement(sequence):
    """Reverse complement of a sequence (N stays N).

    Parameters
    ----------
    sequence : str
        Sequence of length L, any case.

    Returns
    -------
    str
        Upper-case reverse complement, length L.
    """
    return clean(sequence).translate(str.maketrans("ACGTN", "TGCAN"))[::-1]


def random_sequences(n, length, gc=0.5, seed=0):
    """Random sequences of i.i.d. bases with a given GC content.

    Parameters
    ----------
    n : int
        Number of sequences.
    length : int
        Length of each sequence.
    gc : float
        Probability that a base is G or C (each half of it); A and T share the rest.
    seed : int
        Seed of the random generator.

    Returns
    -------
    list of str
        n sequences of the given length.
    """
    if not 0 <= gc <= 1:
        raise ValueError(f"gc must be in [0, 1], got {gc}")
    p = [(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]
    idx = np.random.default_rng(seed).choice(4, size=(n, length), p=p).astype(np.uint8)
    return from_indices(idx)


def mutate_indices(indices, positions, rng):
    """Change bases at given positions to a uniformly random other base, for a whole batch.

    Parameters
    ----------
    indices : numpy.ndarray of uint8, shape (n, length)
        Encoded sequences (see `to_indices`); left unchanged.
    positions : numpy.ndarray, shape (n, length) of bool or (n, m) of int
        A mask of the positions to mutate, or m positions per sequence (no repeats in a row).
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    numpy.ndarray of uint8, shape (n, length)
        A mutated copy: each chosen A/C/G/T becomes one of the three other bases, each chosen N
        one of the four bases, all with equal probability; other positions are unchanged.
    """
    indices = np.asarray(indices, dtype=np.uint8)
    positions = np.asarray(positions)
    if positions.dtype == bool:
        mask = positions
    else:
        mask = np.zeros(indices.shape, dtype=bool)
        np.put_along_axis(mask, positions.astype(np.int64), True, axis=1)
    if mask.shape != indices.shape:
        raise ValueError(f"mask shape {mask.shape} does not match sequences {indices.shape}")
    out = indices.copy()
    old = out[mask]
    # one draw in 0..11 serves both cases: 12 is a multiple of 3 (other bases) and 4 (N)
    draw = rng.integers(0, 12, size=old.shape).astype(np.uint8)
    out[mask] = np.where(old == _N, draw % 4, (old + 1 + draw % 3) % 4)
    return out


def mutate(sequence, positions, rng):
    """Change each given position to a uniformly random other base (N to a random base).

    Parameters
    ----------
    sequence : str
        Sequence of length L, any case.
    positions : iterable of int
        Distinct 0-based positions in [0, L).
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    str
        Upper-case mutated sequence, length L.
    """
    sequence = clean(sequence)
    positions = np.asarray(list(positions), dtype=np.int64)
    if positions.size and (positions.min() < 0 or positions.max() >= len(sequence)):
        raise IndexError(f"positions must lie in [0, {len(sequence)}), got {positions.tolist()}")
    if len(np.unique(positions)) != len(positions):
        raise ValueError(f"positions must be distinct, got {positions.tolist()}")
    idx = to_indices([sequence])
    return from_indices(mutate_indices(idx, positions[None], rng))[0]


def dinucleotide_shuffle(sequence, rng):
    """Shuffle a sequence while keeping its dinucleotide counts exactly.

    Altschul & Erickson (1985): a uniformly random Eulerian path through the multigraph whose
    vertices are bases and whose edges are the sequence's dinucleotides. The first and last
    bases are kept.

    Parameters
    ----------
    sequence : str
        Sequence of length L, any case.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    str
        Upper-case shuffled sequence, length L.
    """
    sequence = clean(sequence)
    if len(sequence) < 3:
        return sequence
    edges = {}
    for a, b in zip(sequence, sequence[1:]):
        edges.setdefault(a, []).append(b)
    end = sequence[-1]
    # Each vertex but the end leaves by a "last edge"; the walk cannot get stuck iff these
    # edges form a tree leading to the end. Drawing them uniformly and rejecting non-trees
    # makes every Eulerian path equally likely.
    while True:
        last = {v: int(rng.integers(len(out))) for v, out in edges.items() if v != end}
        if all(_leads_to(v, end, last, edges) for v in last):
            break
    order = {}
    for v, out in edges.items():
        rest = [b for i, b in enumerate(out) if i != last.get(v)]
        rest = [rest[i] for i in rng.permutation(len(rest))]
        order[v] = rest + ([out[last[v]]] if v in last else [])
    used = dict.fromkeys(order, 0)
    path = [sequence[0]]
    for _ in range(len(sequence) - 1):
        v = path[-1]
        path.append(order[v][used[v]])
        used[v] += 1
    return "".join(path)


def _leads_to(v, end, last, edges):
    """Whether following last edges from v reaches end without a cycle."""
    seen = set()
    while v != end:
        if v in seen:
            return False
        seen.add(v)
        v = edges[v][last[v]]
    return True


def _counts(sequences):
    """Per-sequence base counts (n, 4) and dinucleotide counts (n, 4, 4), N ignored."""
    out1, out2 = [], []
    for s in sequences:
        x = to_indices([s])[0].astype(np.int64)
        out1.append(np.bincount(x[x < 4], minlength=4))
        pair = (x[:-1] < 4) & (x[1:] < 4)
        out2.append(np.bincount(x[:-1][pair] * 4 + x[1:][pair], minlength=16).reshape(4, 4))
    return np.array(out1).reshape(-1, 4), np.array(out2).reshape(-1, 4, 4)


def gc_content(sequences):
    """Fraction of G and C among the A/C/G/T bases of each sequence, shape (n,)."""
    bases, _ = _counts(sequences)
    return (bases[:, 1] + bases[:, 2]) / np.maximum(bases.sum(1), 1)


def cpg_ratio(sequences):
    """CpG observed/expected ratio n_CG * L / (n_C * n_G) per sequence, shape (n,).

    NaN where a sequence has no C or no G.
    """
    bases, pairs = _counts(sequences)
    expected = bases[:, 1] * bases[:, 2] / np.maximum(bases.sum(1), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(expected > 0, pairs[:, 1, 2] / expected, np.nan)


def dinucleotide_frequencies(sequences):
    """Pooled frequency of each of the 16 dinucleotides over ``sequences``.

    Returns
    -------
    pandas.Series
        Index "AA", "AC", ..., "TT" (ALPHABET order); sums to 1.
    """
    _, pairs = _counts(sequences)
    total = pairs.sum(0).ravel()
    names = [a + b for a in ALPHABET for b in ALPHABET]
    return pd.Series(total / max(total.sum(), 1), index=names)
