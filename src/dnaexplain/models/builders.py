"""Any of the three models by name, and the check that a tokenizer fits a model."""

from .cnn import CNNForSequenceClassification, cnn
from .dnabert import dnabert
from .dnabert2 import DNABERT2ForSequenceClassification, dnabert2

BUILDERS = {"dnabert": dnabert, "dnabert2": dnabert2, "cnn": cnn}


def build(name, source="mini", num_labels=2, **overrides):
    """Build a model by name.

    Parameters
    ----------
    name : {"dnabert", "dnabert2", "cnn"}
    source, num_labels, **overrides
        As for `dnabert` (which also takes ``k``), `dnabert2` and `cnn`.

    Returns
    -------
    transformers.PreTrainedModel
    """
    if name not in BUILDERS:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(BUILDERS)}")
    return BUILDERS[name](source, num_labels, **overrides)


def check_vocab(model, tokenizer_vocab_size):
    """Raise if a tokenizer's vocabulary does not fit the model's embeddings.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        A DNABERT or DNABERT-2 model.
    tokenizer_vocab_size : int
        Number of tokens of the tokenizer.

    Raises
    ------
    ValueError
        When the sizes differ; the message names the tokenizer to use.
    TypeError
        For the CNN, which reads one-hot DNA rather than tokens.
    """
    if isinstance(model, CNNForSequenceClassification):
        raise TypeError("the CNN reads one-hot DNA (dnaexplain.sequences.one_hot), not tokens")
    size = model.config.vocab_size
    if size == tokenizer_vocab_size:
        return
    k = next((k for k in range(1, 9) if 5 + 4**k == size), None)
    if isinstance(model, DNABERT2ForSequenceClassification):
        hint = f"the DNABERT-2 BPE tokenizer (dnabert2_tokenizer, {size} tokens)"
    elif k is not None:
        hint = f"the {k}-mer tokenizer (dnabert_tokenizer(k={k}), {size} tokens)"
    else:
        hint = f"the tokenizer this model was trained with ({size} tokens)"
    raise ValueError(
        f"the tokenizer has {tokenizer_vocab_size} tokens but the model's embeddings have "
        f"{size}: use {hint}."
    )
