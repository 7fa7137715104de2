"""Tokenizers for DNABERT (overlapping k-mers) and DNABERT-2 (BPE), with nucleotide spans.

Both kinds are stock Hugging Face tokenizers: DNABERT is a `transformers.BertTokenizer` over
the vocabulary ``[PAD] [UNK] [CLS] [SEP] [MASK]`` followed by every k-mer in
``itertools.product("ATCG", repeat=k)`` order (DNABERT's released order, ids 0-4 for the
specials); DNABERT-2 is the released BPE ``tokenizer.json`` in a
`transformers.PreTrainedTokenizerFast`. `tokenize` turns sequences into a padded batch
(`Tokenization`) for either kind and records which nucleotides each token covers.

Input rules, shared by both kinds: lower case is upper-cased; any character other than
A, C, G, T, N is an error naming the character, its position and the sequence's index.
``N`` (unknown base): a k-mer containing N becomes [UNK] (exactly what the stock BertTokenizer
does with it); for DNABERT-2, whose vocabulary has no N, each N becomes one [UNK] token of
span one that also splits the BPE word around it.
"""

import itertools
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from huggingface_hub import hf_hub_download
from transformers import BertTokenizer, PreTrainedTokenizerFast

from .paths import MIRROR_ENV
from .sequences import ALPHABET, clean_all, one_hot, to_indices

KS = (3, 4, 5, 6)
KMER_ORDER = "ATCG"
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
DNABERT_HUB = "zhihan1996/DNA_bert_{k}"
DNABERT2_HUB = "zhihan1996/DNABERT-2-117M"
MIRROR_BPE = "tokenizers/dnabert2_tokenizer.json"


@dataclass
class Tokenization:
    """A tokenised batch and where every token sits on its sequence.

    Attributes
    ----------
    input_ids : torch.LongTensor, shape (n, t)
        Token ids, padded on the right.
    attention_mask : torch.LongTensor, shape (n, t)
        1 for real tokens (specials included), 0 for padding.
    spans : torch.LongTensor, shape (n, t, 2)
        Nucleotide interval ``[start, end)`` covered by each token; ``(-1, -1)`` for special
        tokens ([CLS], [SEP]) and padding.
    sequences : list of str
        The cleaned (upper-case) input sequences, length n; when `tokenize` truncated a
        sequence, only the part its tokens cover.
    kind : str
        ``"kmer"`` or ``"bpe"``.
    k : int or None
        k for k-mer tokenisations, None for BPE.
    vocab : list of str or None
        Token string of every id (the tokenizer's vocabulary), for `decode_to_sequence`.
    """

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    spans: torch.Tensor
    sequences: list
    kind: str
    k: int | None = None
    vocab: list | None = None


def kmer_vocab(k):
    """DNABERT's vocabulary for k-mers: 5 specials, then every k-mer in product("ATCG") order.

    Parameters
    ----------
    k : int
        k-mer length, >= 1.

    Returns
    -------
    list of str
        5 + 4**k tokens; token id = list index.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    return SPECIALS + ["".join(p) for p in itertools.product(KMER_ORDER, repeat=k)]


def dnabert_tokenizer(k=6, source=None):
    """The DNABERT k-mer tokenizer as a stock `transformers.BertTokenizer`.

    Parameters
    ----------
    k : int
        k-mer length, one of 3, 4, 5, 6.
    source : str or path, optional
        None builds the vocabulary with `kmer_vocab`; otherwise a ``vocab.txt`` file, a
        ``tokenizer.json`` file (as transformers 5 saves a BERT tokenizer), a directory holding
        a ``vocab.txt``, or a hub id such as ``"zhihan1996/DNA_bert_6"``.

    Returns
    -------
    transformers.BertTokenizer
        With ``do_lower_case=False`` (the released config says True, which would turn every
        k-mer into [UNK]) and ``model_max_length=512``.
    """
    if k not in KS:
        raise ValueError(f"DNABERT was released for k in {KS}, got k={k}")
    if source is None:
        lines = kmer_vocab(k)
    elif str(source).endswith(".json"):
        # transformers 5 saves a BERT tokenizer as tokenizer.json only: its WordPiece vocab
        vocab = json.loads(Path(source).read_text(encoding="utf-8"))["model"]["vocab"]
        lines = sorted(vocab, key=vocab.get)
    else:
        path = _resolve(source, "vocab.txt", f"DNABERT {k}-mer tokenizer")
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    # from_pretrained on a folder works the same across transformers 4 and 5
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "vocab.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        tok = BertTokenizer.from_pretrained(d, do_lower_case=False, model_max_length=512)
    if kmer_k(tok) != k:
        raise ValueError(
            f"{source} is not a DNABERT {k}-mer vocabulary: it has {len(lines)} tokens, "
            f"expected {5 + 4**k} holding every {k}-mer"
        )
    return tok


def dnabert2_tokenizer(source=None):
    """The DNABERT-2 BPE tokenizer as a `transformers.PreTrainedTokenizerFast`.

    Parameters
    ----------
    source : str or path, optional
        A ``tokenizer.json`` file, a directory holding one, or a hub id. None takes
        ``$DNAEXPLAIN_DATA_MIRROR/tokenizers/dnabert2_tokenizer.json`` when that file exists,
        else the hub's ``zhihan1996/DNABERT-2-117M``.

    Returns
    -------
    transformers.PreTrainedTokenizerFast
        Special tokens [UNK]=0, [CLS]=1, [SEP]=2, [PAD]=3, [MASK]=4 for the released file.
    """
    if source is None:
        mirror = os.environ.get(MIRROR_ENV)
        found = mirror and Path(mirror, MIRROR_BPE).is_file()
        source = Path(mirror, MIRROR_BPE) if found else DNABERT2_HUB
    path = _resolve(source, "tokenizer.json", "DNABERT-2 tokenizer")
    return PreTrainedTokenizerFast(
        tokenizer_file=str(path),
        unk_token="[UNK]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        pad_token="[PAD]",
        mask_token="[MASK]",
    )


def _resolve(source, filename, what):
    """Local path of ``filename`` from a file, a folder holding it, or a hub repo id."""
    path = Path(source)
    if path.is_file():
        return path
    if (path / filename).is_file():
        return path / filename
    try:
        return Path(hf_hub_download(str(source), filename))
    except Exception as e:  # hub errors are of many unrelated types; all mean "not found"
        why = (str(e).splitlines() or [""])[0]
        raise OSError(
            f"cannot load the {what} from {str(source)!r}: tried the file {path}, the file "
            f"{path / filename} and {filename} in the hub repo {str(source)!r} "
            f"({type(e).__name__}: {why})"
        ) from e


def kmer_k(tokenizer):
    """k of a DNABERT k-mer tokenizer, None for any other tokenizer (e.g. BPE).

    Parameters
    ----------
    tokenizer : transformers tokenizer

    Returns
    -------
    int or None
    """
    vocab = tokenizer.get_vocab()
    for k in KS:
        if len(vocab) == 5 + 4**k and set(kmer_vocab(k)) <= vocab.keys():
            return k
    return None


def vocab_size(tokenizer):
    """Number of token ids (specials included): 4,101 for DNABERT-6, 4,096 for DNABERT-2."""
    return len(tokenizer)


def _clean(sequences, k):
    """Validated upper-case sequences; too short ones are an error."""
    seqs = clean_all([sequences] if isinstance(sequences, str) else sequences)
    if not seqs:
        raise ValueError("no sequences to tokenise")
    least = k or 1
    for i, s in enumerate(seqs):
        if len(s) < least:
            raise ValueError(
                f"sequence {i} has {len(s)} nucleotides; "
                + (f"a {k}-mer tokenisation needs at least {k}" if k else "it must not be empty")
            )
    return seqs


def tokenize(tokenizer, sequences, max_length=None, truncate=False, device=None):
    """Tokenise DNA sequences into a right-padded batch with nucleotide spans.

    Works for both kinds: k-mer tokenizers (detected with `kmer_k`) go through a vectorised
    k-mer to id mapping equal to the stock BertTokenizer on space-separated k-mers; BPE goes
    through the fast tokenizer's batch encoder and its character offsets.

    Parameters
    ----------
    tokenizer : transformers tokenizer
        From `dnabert_tokenizer` or `dnabert2_tokenizer`.
    sequences : str or list of str
        n sequences of A, C, G, T, N in any case.
    max_length : int, optional
        Most tokens per sequence, [CLS] and [SEP] included; at least 3.
    truncate : bool
        Cut sequences needing more than `max_length` tokens to their first
        ``max_length - 1`` tokens and [SEP]; without it they are an error.
    device : torch.device or str, optional
        Where to put the tensors.

    Returns
    -------
    Tokenization
        input_ids and attention_mask of shape (n, t), spans of shape (n, t, 2), where t is the
        longest token count in the batch. A k-mer token i >= 1 covers ``[i - 1, i - 1 + k)``.
    """
    if max_length is not None and max_length < 3:
        raise ValueError(
            f"max_length must be at least 3 ([CLS], one token, [SEP]), got {max_length}"
        )
    k = kmer_k(tokenizer)
    seqs = _clean(sequences, k)
    if k is None:
        ids, starts, ends, lengths = _bpe(tokenizer, seqs)
    else:
        ids, starts, ends, lengths = _kmers(tokenizer, k, seqs)
    if max_length is not None and (lengths > max_length).any():
        if not truncate:
            long = int(np.argmax(lengths > max_length))
            raise ValueError(
                f"sequence {long} needs {lengths[long]} tokens ([CLS] and [SEP] included) but "
                f"max_length={max_length} ({(lengths > max_length).sum()} of {len(seqs)} "
                f"sequences are too long); pass truncate=True to keep the first "
                f"{max_length - 1} tokens and [SEP]"
            )
        ids, starts, ends, lengths = _truncate(ids, starts, ends, lengths, max_length)
    n, t = len(seqs), int(lengths.max())
    # scatter the flat per-token arrays into (n, t) rows
    row, col = _positions(lengths)
    input_ids = np.full((n, t), tokenizer.pad_token_id, dtype=np.int64)
    spans = np.full((n, t, 2), -1, dtype=np.int64)
    input_ids[row, col] = ids
    spans[row, col, 0] = starts
    spans[row, col, 1] = ends
    covered = spans[..., 1].max(axis=1)
    mask = (np.arange(t) < lengths[:, None]).astype(np.int64)
    return Tokenization(
        input_ids=torch.from_numpy(input_ids).to(device),
        attention_mask=torch.from_numpy(mask).to(device),
        spans=torch.from_numpy(spans).to(device),
        sequences=[s[:c] for s, c in zip(seqs, covered)],
        kind="bpe" if k is None else "kmer",
        k=k,
        vocab=tokenizer.convert_ids_to_tokens(list(range(len(tokenizer)))),
    )


def _kmers(tokenizer, k, seqs):
    """Flat ids, span starts and ends of every token, and tokens per sequence, for k-mers.

    Returns
    -------
    ids, starts, ends : numpy.ndarray of int64, shape (total,)
        Spans are -1 for [CLS] and [SEP].
    lengths : numpy.ndarray of int64, shape (n,)
    """
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    # sequences.py indexes bases in ALPHABET order with N = 4; DNABERT's ids use ATCG order
    digit = np.array([KMER_ORDER.index(b) for b in ALPHABET] + [4], dtype=np.int64)
    codes = digit[to_indices(seqs, int(lengths.max()))]  # (n, L), padded with N
    w = codes.shape[1] - k + 1
    value = np.zeros((len(seqs), w), dtype=np.int64)
    has_n = np.zeros((len(seqs), w), dtype=bool)
    for j in range(k):  # base-4 number of each window, most significant base first
        window = codes[:, j : j + w]
        value = value * 4 + window % 4
        has_n |= window == 4
    vocab = tokenizer.get_vocab()
    lut = np.array([vocab[t] for t in kmer_vocab(k)[5:]], dtype=np.int64)
    kmer_ids = np.where(has_n, tokenizer.unk_token_id, lut[value])
    m = lengths - k + 1  # k-mers per sequence
    count = m + 2
    # [CLS] at column 0, k-mers at 1..m, [SEP] at m + 1
    row, col = _positions(count)
    last = col == count[row] - 1
    inner = (col > 0) & ~last
    ids = np.where(inner, kmer_ids[row, np.clip(col - 1, 0, w - 1)], tokenizer.sep_token_id)
    ids[col == 0] = tokenizer.cls_token_id
    starts = np.where(inner, col - 1, -1)
    ends = np.where(inner, col - 1 + k, -1)
    return ids, starts, ends, count


def _bpe(tokenizer, seqs):
    """Flat ids, span starts and ends of every token, and tokens per sequence, for BPE.

    Returns
    -------
    ids, starts, ends : numpy.ndarray of int64, shape (total,)
        Spans are -1 for [CLS] and [SEP].
    lengths : numpy.ndarray of int64, shape (n,)
    """
    enc = tokenizer.backend_tokenizer.encode_batch(seqs)
    lengths = np.array([len(e.ids) for e in enc], dtype=np.int64)
    total = int(lengths.sum())
    ids = np.fromiter(itertools.chain.from_iterable(e.ids for e in enc), np.int64, total)
    offsets = np.fromiter(
        itertools.chain.from_iterable(itertools.chain.from_iterable(e.offsets for e in enc)),
        np.int64,
        2 * total,
    ).reshape(total, 2)
    # no normaliser and ASCII input: character offsets are nucleotide positions. Specials get
    # (0, 0), and every real token covers at least one nucleotide.
    special = offsets[:, 1] == offsets[:, 0]
    offsets[special] = -1
    return ids, offsets[:, 0], offsets[:, 1], lengths


def _positions(lengths):
    """Row and column of every token of a flat batch holding ``lengths[i]`` tokens for row i."""
    row = np.repeat(np.arange(len(lengths)), lengths)
    return row, np.arange(len(row)) - (np.cumsum(lengths) - lengths)[row]


def _truncate(ids, starts, ends, lengths, max_length):
    """Keep each sequence's first ``max_length - 1`` tokens and its last one ([SEP])."""
    row, col = _positions(lengths)
    keep = (col < max_length - 1) | (col == lengths[row] - 1)
    return ids[keep], starts[keep], ends[keep], np.minimum(lengths, max_length)


def decode_to_sequence(tokenization, i):
    """Rebuild sequence i from its token ids and spans.

    A position that only [UNK] tokens cover comes back as N: exact for BPE (each N is one
    [UNK]); for k-mers, positions whose every covering k-mer holds an N become N too.

    Parameters
    ----------
    tokenization : Tokenization
        From `tokenize`.
    i : int
        Sequence index in the batch.

    Returns
    -------
    str
        The nucleotides the tokens cover, upper case.
    """
    if tokenization.vocab is None:
        raise ValueError("this Tokenization has no vocab; make it with tokenize()")
    ids = tokenization.input_ids[i].tolist()
    spans = tokenization.spans[i].tolist()
    out = ["N"] * max(end for _, end in spans)
    for t, (start, end) in zip(ids, spans):
        token = tokenization.vocab[t]
        if start >= 0 and len(token) == end - start and set(token) <= set("ACGT"):
            out[start:end] = token
    return "".join(out)


def encode(tokenizer, sequences, max_length=None, truncate=False, device=None):
    """Model input for ``sequences``: tokens, or one-hot DNA when ``tokenizer`` is None (CNN).

    Parameters
    ----------
    tokenizer : transformers tokenizer or None
        As for `tokenize`; None selects one-hot encoding.
    sequences : list of str
        n sequences.
    max_length, truncate, device
        As for `tokenize`; for one-hot input, sequences are right-padded with all-zero columns
        to the longest one and ``max_length`` is ignored.

    Returns
    -------
    Tokenization or torch.Tensor of shape (n, 4, L)
    """
    if tokenizer is not None:
        return tokenize(
            tokenizer, sequences, max_length=max_length, truncate=truncate, device=device
        )
    sequences = clean_all([sequences] if isinstance(sequences, str) else sequences)
    x = one_hot(sequences, length=max(map(len, sequences)))
    return x if device is None else x.to(device)
