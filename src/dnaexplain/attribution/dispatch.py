"""One call for every method: `attribute` (one method) and `attribute_all` (several, sharing
the passes they have in common), batch by batch, the model left as it was found."""

import torch
from tqdm import tqdm

from ..lrp import eval_mode
from ..models import CNNForSequenceClassification, model_device
from ..tokenizers import Tokenization
from . import registry
from .passes import SharedPasses, batch_of

BATCH_SIZE = 8  # sequences per pass; see `attribute`


def level(model, method):
    """Whether ``method`` scores tokens or nucleotides on ``model``.

    Parameters
    ----------
    model : transformers.PreTrainedModel
    method : str

    Returns
    -------
    {"token", "nucleotide"}
    """
    kind = _architecture(model)
    registry.variant(kind, method)
    return "nucleotide" if kind == "cnn" or registry.REGISTRY[method].nucleotide else "token"


def _architecture(model):
    """The kind of model a method runs on: ``"cnn"`` or ``"transformer"``."""
    return "cnn" if isinstance(model, CNNForSequenceClassification) else "transformer"


def attribute(
    model, inputs, method, target=None, batch_size=BATCH_SIZE, device=None, verbose=False, **options
):
    """Score the tokens (or nucleotides) of a batch with one method.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        DNABERT, DNABERT-2 or the CNN, frozen (parameters without ``requires_grad``) or not;
        run in eval mode. Its train / eval mode (of every submodule), device and parameters
        are as before afterwards.
    inputs : Tokenization or torch.Tensor
        Tokens (transformers) or one-hot DNA of shape (n, 4, L) (CNN).
    method : str
        A registered method (`registry.methods_for`, the package docstring's table).
    target : int or torch.Tensor of shape (n,), optional
        Class to explain; the predicted class when None.
    batch_size : int
        Sequences per pass (``ism``: mutants per pass). The default suits a CPU
        (`benchmarks/attribution.py` compares batch sizes); raise it on a GPU.
    device : torch.device or str, optional
        Where to run (the model is moved there, and back afterwards); the model's device when
        None.
    verbose : bool
        Show a progress bar.
    **options
        Per method (defaults in its registration, `registry.Variant`):

        * ``start_layer`` (rollout, lrp): first layer of the rollout; 0 multiplies all layers
          (the papers' description), -1 the last only (Chefer's BERT code).
        * ``normalize`` (lrp): row-normalise Ab + I before multiplying, as the BERT code of
          Chefer et al. does (hila-chefer/Transformer-Explainability, commit c3e578f,
          ``compute_rollout_attention`` in
          ``BERT_explainability/modules/BERT/ExplanationGenerator.py``; normalising since
          commit 7cf1edb): ``normalize=True, start_layer=-1`` is its ``generate_LRP``. Their
          ViT code (``baselines/ViT/ViT_LRP.py``) multiplies Ab + I as it is, which is
          ``normalize=False``. The two differ once several layers are multiplied (with one,
          normalising only rescales the row). For ``rollout`` rows of A_b + I sum to 2, so
          normalising only rescales and is always done.
        * ``rules`` (lrp, lrp_last, full_lrp): ``"chefer"`` (conservative) or
          ``"chefer_baseline"`` (the second model of Chefer's pipeline, whose per-sign
          denominators make relevance grow; for reproducing the paper's numbers). CNN:
          ``"cnn"``, ``"epsilon"`` or ``"zplus"``.
        * ``base``, ``p`` (plrp): base method, one of `PLRP_BASES` (CNN: always its LRP),
          and the pruned fraction p (0 is the base method); plrp also takes the base's options.
        * ``n_steps``, ``baseline`` (integrated_gradients): Gauss-Legendre steps, and the
          reference input: every scored token's word embedding replaced by that of
          ``"pad"`` ([PAD]), ``"mask"`` ([MASK]) or ``"zero"`` (zero vector), while [CLS],
          [SEP] and padding keep theirs, so they score exactly 0. CNN: the all-zero input.
        * ``baseline`` (CNN integrated_gradients): ``"zero"`` (the all-zero sequence) or
          ``"shuffled"`` (the mean over ``n_shuffles`` dinucleotide shuffles, ``seed``).
        * ``gradient_correction`` (CNN saliency, input_x_gradient): remove the gradient's mean
          over the four channels first (default True).
        * ``n_shuffles``, ``seed`` (deep_lift_shap): references per sequence, drawn from
          (seed, the sequence).
        * ``hypothetical`` (ism, CNN input_x_gradient and deep_lift_shap): scores (n, 4, L).
        * ``tokenizer`` (ism): needed on transformers, to re-tokenise each mutant.
        * ``seed`` (random): scores are drawn per sequence from (seed, its tokens), so they
          do not depend on batching.

    Returns
    -------
    torch.Tensor, on the CPU
        Shape (n, t) for token-level methods, (n, L) for nucleotide-level ones (`level`),
        (n, 4, L) with ``hypothetical=True``.

    Raises
    ------
    ValueError
        Unknown method, a transformer-only method on the CNN, or a bad option value.
    TypeError
        Options the method does not take, or inputs that do not fit the model.
    """
    return attribute_all(
        model, inputs, {method: (method, options)}, target, batch_size, device, verbose
    )[method]


def attribute_all(
    model, inputs, methods, target=None, batch_size=BATCH_SIZE, device=None, verbose=False
):
    """Scores of several methods of one batch, sharing the passes they have in common.

    Each batch of sequences goes through the model once per pass the methods need, not once
    per method: one plain forward for ``attention`` and ``rollout``, one LRP pass per rule
    set for ``lrp``, ``lrp_last`` and ``full_lrp``, one gradient pass to the attention maps per
    target for ``lrp`` and ``attn_gradcam``. Where Chefer's LRP pass and the attention
    gradients are both wanted, one forward serves all three: its graph is walked backward
    once with the rules and once plainly. The scores are those of `attribute` (to float
    rounding where `attribute` runs a method without that sharing).

    Parameters
    ----------
    model : transformers.PreTrainedModel
        As for `attribute`.
    inputs : Tokenization or torch.Tensor
        Tokens (transformers) or one-hot DNA of shape (n, 4, L) (CNN).
    methods : dict of str to (str, dict)
        Label -> (method, options), as `attribute` takes them; every method and option is
        checked before anything is computed.
    target, batch_size, device, verbose
        As for `attribute`.

    Returns
    -------
    dict of str to torch.Tensor, on the CPU
        Label -> scores, shape (n, t) or (n, L) (`level`), in the order of `methods`.
    """
    cnn = isinstance(model, CNNForSequenceClassification)
    kind = _architecture(model)
    methods = {
        label: (method, registry.options(kind, method, dict(options)))
        for label, (method, options) in methods.items()
    }
    if not isinstance(inputs, torch.Tensor if cnn else Tokenization):
        want = "a one-hot tensor (n, 4, L)" if cnn else "a Tokenization"
        raise TypeError(f"{type(model).__name__} needs {want}, got {type(inputs).__name__}")
    n = len(inputs) if cnn else len(inputs.input_ids)
    target = check_target(target, n, model.config.num_labels)
    home = model_device(model)
    if device is not None:
        model.to(device)
    if cnn:  # a float64 model needs float64 input
        inputs = inputs.to(next(model.parameters()).dtype)
    try:
        with eval_mode(model):
            return _attribute_all(model, inputs, methods, target, n, cnn, batch_size, verbose)
    finally:
        model.to(home)


def _attribute_all(model, inputs, methods, target, n, cnn, batch_size, verbose):
    """`attribute_all` on a model in eval mode, on its device, with checked options."""
    kind = "cnn" if cnn else "transformer"
    calls, needs = {}, {}
    for label, (method, options) in methods.items():
        fn, options, passes = registry.resolve(kind, method, options)
        calls[label], needs[label] = (fn, options), passes
    whole = {label for label, (method, _) in methods.items() if registry.REGISTRY[method].whole}
    out = {
        label: calls[label][0](model, inputs, target, batch_size, verbose, **calls[label][1])
        for label in whole
    }
    batched = {label: spec for label, spec in methods.items() if label not in whole}
    width = inputs.shape[-1] if cnn else inputs.input_ids.shape[1]
    parts = {label: [] for label in batched}
    desc = ", ".join(dict.fromkeys(method for method, _ in batched.values()))
    # methods sharing a pass run one after the other, and a pass is dropped after its last use
    needs = {label: needs[label] for label in batched}
    order = sorted(batched, key=lambda label: sorted(map(str, needs[label]))[:1])
    for start in tqdm(range(0, n, batch_size) if batched else [], desc=desc, disable=not verbose):
        rows = slice(start, start + batch_size)
        batch = batch_of(model, inputs, rows, cnn)
        t = None if target is None else target[rows].to(model_device(model))
        run = SharedPasses(model, batch, set().union(*needs.values()))
        for i, label in enumerate(order):
            fn, options = calls[label]
            with torch.enable_grad():
                scores = fn(run, batch, t, **options).detach()
            valid = batch.valid if scores.dim() == 2 else batch.valid[:, None]  # (m, 4, L)
            scores = scores.masked_fill(~valid, 0)
            parts[label].append(
                torch.nn.functional.pad(scores, (0, width - scores.shape[-1])).cpu()
            )
            run.keep(set().union(*(needs[later] for later in order[i + 1 :])))
    out |= {label: torch.cat(p) for label, p in parts.items()}
    return {label: out[label] for label in methods}


def check_target(target, n, classes):
    """None, or the class of every sequence as a LongTensor (n,)."""
    if target is None:
        return None
    target = torch.as_tensor(target, dtype=torch.long).cpu()
    if target.dim() == 0:
        target = target.expand(n)
    if target.shape != (n,):
        raise ValueError(f"target must be an int or have shape ({n},), got {tuple(target.shape)}")
    if target.min() < 0 or target.max() >= classes:
        raise ValueError(f"target classes must lie in [0, {classes}), got {target.tolist()}")
    return target
