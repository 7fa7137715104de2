"""Token scores to nucleotide scores and back.

A token covers the nucleotide interval ``[start, end)`` of its `Tokenization` span: a k-mer
covers k positions and overlaps its neighbours, a BPE token covers |t| positions and overlaps
nothing. With the 0/1 coverage matrix C (t, L) of one sequence and its token lengths |t|:

* ``"mean"``:  x = (C^T s) / (C^T 1), the mean score of the tokens covering a position
  (DNABERT's convention for k-mers; for BPE, one token covers each position, so it equals copy);
* ``"split"``: x = C^T (s / |t|), each token spreads its score evenly over its positions; the
  sum over positions equals the sum over (non-special) tokens;
* ``"copy"``:  x = C^T s, a position gets the sum of the scores of the tokens covering it (for
  BPE its token's score; for k-mers k times the mean inside the sequence, less at the ends).

Special tokens ([CLS], [SEP], span ``(-1, -1)``) and padding contribute nothing; positions no
token covers (beyond a sequence's end) get 0. Both directions run in O(n (t + L)) with prefix
sums instead of building C.
"""

import torch

STRATEGIES = ("mean", "split", "copy")


def to_nucleotides(scores, tokenization, strategy="mean"):
    """Map token scores to nucleotide scores.

    Parameters
    ----------
    scores : torch.Tensor, shape (n, t)
        Token scores, aligned with ``tokenization.input_ids``; specials and padding ignored.
    tokenization : Tokenization
        Gives each token's span.
    strategy : {"mean", "split", "copy"}
        See the module docstring.

    Returns
    -------
    torch.Tensor, shape (n, L), dtype and device of `scores`
        L is the end of the longest span (the longest sequence); 0 beyond each sequence's end.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")
    spans = tokenization.spans.to(scores.device)
    if spans.shape[:2] != scores.shape:
        raise ValueError(
            f"scores {tuple(scores.shape)} do not match the tokens {tuple(spans.shape[:2])}"
        )
    start, end = spans.unbind(-1)
    real = start >= 0
    size = end - start
    # float64 keeps the +s at start / -s at end running sums exact to ~1e-16
    s = scores.double().masked_fill(~real, 0)
    if strategy == "split":
        s = s / size.clamp(min=1)
    total = _cover(s, start, end)
    count = _cover(real.double(), start, end)
    if strategy == "mean":
        total = total / count.clamp(min=1)
    return total.masked_fill(count == 0, 0).to(scores.dtype)


def to_tokens(nucleotide_scores, tokenization):
    """Sum nucleotide scores over the positions each token covers (the back mapping).

    Parameters
    ----------
    nucleotide_scores : torch.Tensor, shape (n, L)
        L at least the end of the longest span.
    tokenization : Tokenization
        Gives each token's span.

    Returns
    -------
    torch.Tensor, shape (n, t), dtype and device of `nucleotide_scores`
        0 for special tokens and padding.
    """
    x = nucleotide_scores
    spans = tokenization.spans.to(x.device)
    start, end = spans.unbind(-1)
    real = start >= 0
    need = int(end.max())
    if x.shape[0] != spans.shape[0] or x.shape[1] < need:
        raise ValueError(
            f"nucleotide scores {tuple(x.shape)} do not cover the "
            f"{spans.shape[0]} sequences of up to {need} bp"
        )
    prefix = torch.nn.functional.pad(x.double().cumsum(1), (1, 0))  # (n, L + 1)
    out = prefix.gather(1, end.clamp(min=0)) - prefix.gather(1, start.clamp(min=0))
    return out.masked_fill(~real, 0).to(x.dtype)


def _cover(values, start, end):
    """C^T values per row, (n, L): +value at each token's start, -value at its end, cumsum.

    ``values`` (n, t) must be 0 for specials and padding, which then add nothing at index 0.
    """
    length = int(end.max().clamp(min=0))
    diff = values.new_zeros(values.shape[0], length + 1)
    diff.scatter_add_(1, start.clamp(min=0), values)
    diff.scatter_add_(1, end.clamp(min=0), -values)
    return diff.cumsum(1)[:, :length]
