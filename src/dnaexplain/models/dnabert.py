"""DNABERT (k-mer tokens): the stock Hugging Face ``BertForSequenceClassification`` with eager
attention, so attention probabilities can be read with ``output_attentions=True``."""

from transformers import BertConfig, BertForSequenceClassification

from .checkpoints import _source_kind, weights_file
from .configs import DNABERT_COMMON, DNABERT_CONFIGS


def dnabert(source="mini", num_labels=2, k=6, **overrides):
    """DNABERT: Hugging Face ``BertForSequenceClassification`` over k-mer tokens.

    Parameters
    ----------
    source : str or Path
        ``"tiny"``, ``"mini"`` or ``"base"`` (see `DNABERT_CONFIGS`) for an untrained model; a
        directory written by ``save_pretrained``; or a hub id such as ``"zhihan1996/DNA_bert_6"``.
    num_labels : int
        Number of classes of the classification head.
    k : int
        k-mer size; the vocabulary has ``5 + 4**k`` tokens.
    **overrides
        Config entries to change, e.g. ``hidden_dropout_prob=0.0``.

    Returns
    -------
    transformers.BertForSequenceClassification
        With eager attention, so ``output_attentions=True`` returns probabilities
        (n, heads, t, t) per layer.
    """
    vocab = 5 + 4**k
    kind = _source_kind(source, DNABERT_CONFIGS)
    if kind == "preset":
        config = BertConfig(
            **{"vocab_size": vocab, **DNABERT_COMMON, **DNABERT_CONFIGS[source], **overrides},
            num_labels=num_labels,
            attn_implementation="eager",
        )
        return BertForSequenceClassification(config)
    if kind == "dir":
        weights_file(source)
    model = BertForSequenceClassification.from_pretrained(
        str(source), num_labels=num_labels, attn_implementation="eager", **overrides
    )
    if model.config.vocab_size != vocab:
        raise ValueError(
            f"{source} has a vocabulary of {model.config.vocab_size} tokens, not the "
            f"{vocab} of {k}-mers; pass the k it was trained with (vocabulary 5 + 4**k)."
        )
    return model
