"""From DNA sequences to nucleotide scores: encode, attribute, map tokens to nucleotides, and
keep each method's scores of a fine-tuned model in the cache."""

import torch

from ..models import CNNForSequenceClassification
from ..positions import to_nucleotides
from ..tokenizers import encode
from .dispatch import BATCH_SIZE, attribute_all, level


def explain(
    model,
    tokenizer,
    sequences,
    method,
    target=None,
    strategy="mean",
    batch_size=BATCH_SIZE,
    device=None,
    verbose=False,
    **options,
):
    """Nucleotide scores of DNA sequences: encode, `attribute`, map tokens to nucleotides.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        DNABERT, DNABERT-2 or the CNN.
    tokenizer : transformers tokenizer or None
        The model's tokenizer; None for the CNN.
    sequences : str or list of str
        n DNA sequences (A, C, G, T, N, any case).
    method, target, batch_size, device, verbose, **options
        As for `attribute`; ``ism`` gets ``tokenizer`` automatically.
    strategy : {"mean", "split", "copy"}
        Token to nucleotide mapping (`positions.to_nucleotides`), for token-level methods.

    Returns
    -------
    torch.Tensor, shape (n, L), on the CPU
        L is the longest sequence; 0 beyond each sequence's end (and, for the CNN, at N).
    """
    return explain_many(
        model,
        tokenizer,
        sequences,
        {method: (method, options)},
        target,
        strategy,
        batch_size,
        device,
        verbose,
    )[method]


def explain_many(
    model,
    tokenizer,
    sequences,
    methods,
    target=None,
    strategy="mean",
    batch_size=BATCH_SIZE,
    device=None,
    verbose=False,
):
    """Nucleotide scores of several methods, sharing passes as `attribute_all` does.

    Parameters
    ----------
    model, tokenizer, sequences, target, strategy, batch_size, device, verbose
        As for `explain`.
    methods : dict of str to (str, dict)
        Label -> (method, options); ``ism`` gets ``tokenizer`` automatically.

    Returns
    -------
    dict of str to torch.Tensor, each shape (n, L), on the CPU
        Label -> the scores `explain` gives for that method and options.
    """
    cnn = isinstance(model, CNNForSequenceClassification)
    if cnn and tokenizer is not None:
        raise TypeError("the CNN reads one-hot DNA: pass tokenizer=None")
    inputs = encode(tokenizer, sequences)
    methods = {
        label: (
            method,
            {"tokenizer": tokenizer, **options} if method == "ism" and not cnn else options,
        )
        for label, (method, options) in methods.items()
    }
    scores = attribute_all(model, inputs, methods, target, batch_size, device, verbose)
    return {
        label: to_nucleotides(s, inputs, strategy)
        if level(model, methods[label][0]) == "token"
        else s
        for label, s in scores.items()
    }


def explain_all(
    trained,
    sequences,
    methods,
    target=None,
    strategy="mean",
    batch_size=BATCH_SIZE,
    device=None,
    verbose=False,
    root=None,
):
    """Nucleotide scores of several methods for a fine-tuned model, each stored in the cache.

    The methods not in the cache are computed together (`explain_many`), so that those
    sharing a pass share it.

    Parameters
    ----------
    trained : training.Trained
        A fine-tuned model, its tokenizer and its checkpoint (which names it in the cache).
    sequences : list of str
        n DNA sequences.
    methods : list of str, or dict of str to (str, dict)
        Method names, or labels mapped to ``(method, options)`` for variants, e.g.
        ``{"lrp (baseline rules)": ("lrp", {"rules": "chefer_baseline"})}``.
    target, strategy, batch_size, device, verbose
        As for `explain`.
    root : str or Path, optional
        Cache root (`cache.cache_dir`).

    Returns
    -------
    dict of str to numpy.ndarray, each shape (n, L)
        Label -> scores, 0 beyond each sequence's end.
    """
    from .. import cache

    if not isinstance(methods, dict):
        methods = {m: (m, {}) for m in methods}
    targets = None if target is None else torch.as_tensor(target).numpy()
    parts = {
        label: {
            "checkpoint": trained.key,
            "method": method,
            "options": options,
            "sequences": list(sequences),
            "target": targets,
            "strategy": strategy,
        }
        for label, (method, options) in methods.items()
    }
    out = {
        label: cache.lookup("scores", parts[label], root=root, code=["attribution"])
        for label in methods
    }
    missing = {label: methods[label] for label, value in out.items() if value is None}
    if missing:
        found = explain_many(
            trained.model,
            trained.tokenizer,
            sequences,
            missing,
            target,
            strategy,
            batch_size,
            device,
            verbose,
        )
        for label, scores in found.items():
            out[label] = cache.cached(
                "scores", parts[label], scores.numpy, root=root, code=["attribution"]
            )
    return out


def plrp_variants(model_name, ps):
    """A model's LRP pruned at several fractions, as labelled methods for `explain_all`.

    Parameters
    ----------
    model_name : str
        ``"cnn"`` (pruning its LRP composite) or a transformer (pruning AttnLRP).
    ps : list of float
        Pruned fractions p in [0, 1); p = 0 is the unpruned method.

    Returns
    -------
    dict of str to (str, dict)
        ``"p = <p>"`` -> ``(method, options)``: the base method at p = 0, else ``plrp`` with
        ``p`` (and ``base`` for a transformer), in the order of `ps`.
    """
    base = "lrp" if model_name == "cnn" else "attnlrp"
    return {
        f"p = {p:g}": (base, {})
        if p == 0
        else ("plrp", {"p": p} if model_name == "cnn" else {"base": base, "p": p})
        for p in ps
    }
