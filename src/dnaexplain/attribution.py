"""Every scoring method behind one call: ``attribute(model, inputs, method, target=...)``.

Token-level methods score the t tokens of a `Tokenization` (DNABERT, DNABERT-2); the CNN and
``ism`` score nucleotides. `level` says which; `explain` goes from sequences to nucleotide
scores in one call (`positions.to_nucleotides` for token scores).

Notation: target class c, logit y_c, A_b (n, heads, t, t) the attention probabilities of layer
b = 1..L, dA_b = dy_c / dA_b, R_b the LRP relevance reaching A_b, x+ = max(x, 0).

==================== ====================================================================
method               token scores s (n, t)
==================== ====================================================================
attention            sum_h A_L[h, 0, :]; [CLS], [SEP] 0 (DNABERT's attention score)
rollout              row 0 of rollout(mean_h A_b); [CLS] 0
attn_gradcam         row 0 of M = (mean_h alpha_h A_L[h])+ with alpha_h = mean_ij dA_L[h],
                     min-max scaled over the T x T map (all 0 when constant); [CLS] 0
lrp                  row 0 of rollout(mean_h (dA_b * R_b)+), Chefer's rules; [CLS] set to
                     the row minimum (Chefer et al. 2021, "transformer attribution")
lrp_last             mean_h (R_L)+ row 0; [CLS] 0
full_lrp             Chefer relevance at the encoder input, summed over hidden; [CLS] 0
attnlrp              AttnLRP relevance at the word embeddings, summed over hidden
cp_lrp               CP-LRP relevance at the word embeddings, summed over hidden
plrp                 a base LRP method with pruned relevance (options ``base``, ``p``)
integrated_gradients captum, on the word embeddings, summed over hidden
saliency             captum, sum over hidden of |dy_c / d embedding|
input_x_gradient     captum, embedding * gradient, summed over hidden
ism                  nucleotide scores: y_c(x) - mean of y_c over the 3 point mutants
random               seeded uniform in [0, 1); [CLS], [SEP] 0
==================== ====================================================================

The CNN (one-hot input (n, 4, L), nucleotide scores (n, L)) has ``lrp`` (LRP composite of
`lrp.propagate`, summed over the 4 channels), ``plrp``, ``saliency``, ``input_x_gradient``,
``integrated_gradients`` (gradients with respect to the one-hot input, summed over channels),
``ism`` and ``random``.

Conventions, for every method: padding scores exactly 0, and so do the CNN's all-zero columns
(padding and N); results do not depend on batching, nor for transformers on padding (the CNN
pools over its padded input, so padding is part of what it sees); the [CLS] / [SEP] entries
follow Chefer's code (above) and are otherwise left as computed. Relevance starts from a
one-hot of c for Chefer's rules (total 1) and from y_c for AttnLRP / CP-LRP and the CNN (see
`lrp.propagate`).
"""

import zlib
from collections import namedtuple

import numpy as np
import torch
from captum.attr import InputXGradient, IntegratedGradients, Saliency
from tqdm import tqdm

from .lrp import CHEFER_RULES, CNN_RULES, attention_maps, eval_mode, propagate
from .models import (CNNForSequenceClassification, model_device, model_inputs, predict,
                     sequence_lengths)
from .positions import to_nucleotides
from .sequences import from_indices, one_hot, to_indices
from .tokenizers import Tokenization, encode, tokenize

PLRP_BASES = ("lrp", "lrp_last", "full_lrp", "attnlrp", "cp_lrp")
IG_BASELINES = ("pad", "mask", "zero")

# options of each method and their defaults, for transformers and for the CNN
OPTIONS = {
    "attention": {},
    "rollout": {"start_layer": 0},
    "attn_gradcam": {},
    "lrp": {"rules": "chefer", "start_layer": 0, "normalize": True},
    "lrp_last": {"rules": "chefer"},
    "full_lrp": {"rules": "chefer"},
    "attnlrp": {},
    "cp_lrp": {},
    "plrp": {"base": "attnlrp", "p": 0.5},
    "integrated_gradients": {"n_steps": 32, "baseline": "pad"},
    "saliency": {},
    "input_x_gradient": {},
    "ism": {"tokenizer": None},
    "random": {"seed": 0},
}
CNN_OPTIONS = {
    "lrp": {"rules": "cnn"},
    "plrp": {"rules": "cnn", "p": 0.5},
    "integrated_gradients": {"n_steps": 32},
    "saliency": {},
    "input_x_gradient": {},
    "ism": {},
    "random": {"seed": 0},
}
BATCH_SIZE = 8  # sequences per pass; see `attribute`

METHODS = tuple(OPTIONS)

# one batch: model keyword arguments; masks (m, t) of positions that are not padding (valid)
# and of tokens with a nucleotide span, i.e. neither padding nor [CLS] / [SEP] (real); the
# vocabulary (list of str or None). For the CNN both masks are its non-zero columns.
Chunk = namedtuple("Chunk", "inputs valid real vocab")


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
    _check_method(model, method)
    cnn = isinstance(model, CNNForSequenceClassification)
    return "nucleotide" if cnn or method == "ism" else "token"


def attribute(model, inputs, method, target=None, batch_size=BATCH_SIZE, device=None,
              verbose=False, **options):
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
        One of `METHODS` (see the module docstring); the CNN takes those in `CNN_OPTIONS`.
    target : int or torch.Tensor of shape (n,), optional
        Class to explain; the predicted class when None.
    batch_size : int
        Sequences per pass (``ism``: mutants per pass). The default suits a CPU, where eager
        attention over 500 tokens costs half as much per sequence in batches of 8 as of 32;
        raise it on a GPU.
    device : torch.device or str, optional
        Where to run (the model is moved there, and back afterwards); the model's device when
        None.
    verbose : bool
        Show a progress bar.
    **options
        Per method (defaults in `OPTIONS`, `CNN_OPTIONS`):

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
        * ``tokenizer`` (ism): needed on transformers, to re-tokenise each mutant.
        * ``seed`` (random): scores are drawn per sequence from (seed, its tokens), so they
          do not depend on batching.

    Returns
    -------
    torch.Tensor, on the CPU
        Shape (n, t) for token-level methods, (n, L) for nucleotide-level ones (`level`).

    Raises
    ------
    ValueError
        Unknown method, a transformer-only method on the CNN, or a bad option value.
    TypeError
        Options the method does not take, or inputs that do not fit the model.
    """
    return attribute_all(model, inputs, {method: (method, options)}, target, batch_size, device,
                         verbose)[method]


def attribute_all(model, inputs, methods, target=None, batch_size=BATCH_SIZE, device=None,
                  verbose=False):
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
    methods = {label: (method, _options(model, method, dict(options)))
               for label, (method, options) in methods.items()}
    if not isinstance(inputs, torch.Tensor if cnn else Tokenization):
        want = "a one-hot tensor (n, 4, L)" if cnn else "a Tokenization"
        raise TypeError(f"{type(model).__name__} needs {want}, got {type(inputs).__name__}")
    n = len(inputs) if cnn else len(inputs.input_ids)
    target = _targets(target, n, model.config.num_labels)
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
    out = {label: _ism(model, inputs, target, batch_size, verbose, **options)
           for label, (method, options) in methods.items() if method == "ism"}
    batched = {label: spec for label, spec in methods.items() if spec[0] != "ism"}
    width = inputs.shape[-1] if cnn else inputs.input_ids.shape[1]
    parts = {label: [] for label in batched}
    desc = ", ".join(dict.fromkeys(method for method, _ in batched.values()))
    calls, needs = {}, {}
    for label, (method, options) in batched.items():
        options = dict(options)
        name = options.pop("base") if method == "plrp" and not cnn else method
        name = "cnn_lrp" if cnn and name in ("lrp", "plrp") else name
        calls[label], needs[label] = (FUNCTIONS[name], options), _needs(name, options)
    # methods sharing a pass run one after the other, and a pass is dropped after its last use
    order = sorted(batched, key=lambda label: sorted(map(str, needs[label]))[:1])
    for start in tqdm(range(0, n, batch_size) if batched else [], desc=desc,
                      disable=not verbose):
        rows = slice(start, start + batch_size)
        chunk = _chunk(model, inputs, rows, cnn)
        t = None if target is None else target[rows].to(model_device(model))
        run = _Passes(model, chunk, set().union(*needs.values()))
        for i, label in enumerate(order):
            fn, options = calls[label]
            with torch.enable_grad():
                scores = fn(run, chunk, t, **options).detach()
            scores = scores.masked_fill(~chunk.valid, 0)
            parts[label].append(torch.nn.functional.pad(scores, (0, width - scores.shape[1])).cpu())
            run.keep(set().union(*(needs[later] for later in order[i + 1:])))
    out |= {label: torch.cat(p) for label, p in parts.items()}
    return {label: out[label] for label in methods}


class _Passes:
    """The passes that the methods of one chunk share, each run on first use and kept: the
    plain forward's attention maps, the LRP pass of each rule set and the gradient pass to
    the attention maps of each target (a None target is also kept under the class it
    resolved to, so that a later call naming that class reuses it).

    When the methods (`_needs` kinds in `needs`) want the attention gradients and a Chefer LRP
    pass at the encoder, that pass's forward also serves the gradients and the attention maps
    (`propagate` with ``grads``): one forward where there would be three.
    """

    def __init__(self, model, chunk, needs=()):
        self.model, self.chunk, self._done = model, chunk, {}
        chefer = sorted((k for k in needs if k[0] == "propagate" and k[1] in CHEFER_RULES
                         and k[3] == "encoder"), key=str)
        self._via = chefer[0] if chefer and ("attention_maps",) in needs else None

    def _get(self, key, compute, resolved=None):
        if key not in self._done:
            value = compute()
            self._done[key] = value
            if resolved is not None:
                self._done[resolved(value)] = value
        return self._done[key]

    def keep(self, kinds):
        """Drop the passes of kinds (`_needs`) no longer needed."""
        if self._via and kinds & {("attentions",), ("attention_maps",)}:
            kinds = kinds | {self._via}
        self._done = {key: value for key, value in self._done.items() if _kind(key) in kinds}

    def attentions(self, target=None):
        """Attention probabilities of a plain forward, one (m, heads, t, t) per layer."""
        if self._via:
            return self.propagate(target, *self._via[1:]).probs

        def compute():
            with torch.no_grad():
                return self.model(**self.chunk.inputs, output_attentions=True).attentions

        return self._get(("attentions",), compute)

    def propagate(self, target, rules, p, read_at):
        """`lrp.propagate` of the chunk (with the attention gradients where they are served)."""
        grads = self._via == ("propagate", rules, p, read_at)

        def compute():
            return propagate(self.model, self.chunk.inputs, target, rules=rules, prune=p,
                             read_at=read_at, grads=grads)

        return self._get(("propagate", _classes(target), rules, p, read_at), compute,
                         lambda rel: ("propagate", _classes(rel.target), rules, p, read_at))

    def attention_maps(self, target):
        """`lrp.attention_maps` of the chunk: probabilities, gradients, logits, target."""
        if self._via:
            rel = self.propagate(target, *self._via[1:])
            return rel.probs, rel.grads, rel.logits, rel.target
        return self._get(("attention_maps", _classes(target)),
                         lambda: attention_maps(self.model, self.chunk.inputs, target),
                         lambda out: ("attention_maps", _classes(out[3])))


def _kind(key):
    """The kind of a pass of `_Passes`: its key without the target."""
    return key[:1] + key[2:]


def _needs(name, options):
    """Kinds of the shared passes a method function of `FUNCTIONS` uses."""
    p = options.get("p", 0.0)
    chefer = {("propagate", options.get("rules"), p, "encoder")}
    return {"attention": {("attentions",)}, "rollout": {("attentions",)},
            "attn_gradcam": {("attention_maps",)},
            "lrp": chefer | {("attention_maps",)}, "lrp_last": chefer, "full_lrp": chefer,
            "attnlrp": {("propagate", "attnlrp", p, "embeddings")},
            "cp_lrp": {("propagate", "cp", p, "embeddings")},
            "cnn_lrp": {("propagate", options.get("rules"), p, None)}}.get(name, set())


def _classes(target):
    """A hashable form of a target: None, or the tuple of its classes."""
    return None if target is None else tuple(target.tolist())


def explain(model, tokenizer, sequences, method, target=None, strategy="mean",
            batch_size=BATCH_SIZE, device=None, verbose=False, **options):
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
    return explain_many(model, tokenizer, sequences, {method: (method, options)}, target,
                        strategy, batch_size, device, verbose)[method]


def explain_many(model, tokenizer, sequences, methods, target=None, strategy="mean",
                 batch_size=BATCH_SIZE, device=None, verbose=False):
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
    methods = {label: (method, {"tokenizer": tokenizer, **options}
                       if method == "ism" and not cnn else options)
               for label, (method, options) in methods.items()}
    scores = attribute_all(model, inputs, methods, target, batch_size, device, verbose)
    return {label: to_nucleotides(s, inputs, strategy)
            if level(model, methods[label][0]) == "token" else s
            for label, s in scores.items()}


def explain_all(trained, sequences, methods, target=None, strategy="mean",
                batch_size=BATCH_SIZE, device=None, verbose=False, root=None):
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
    from . import cache

    if not isinstance(methods, dict):
        methods = {m: (m, {}) for m in methods}
    targets = None if target is None else torch.as_tensor(target).numpy()
    parts = {label: {"checkpoint": trained.key, "method": method, "options": options,
                     "sequences": list(sequences), "target": targets, "strategy": strategy}
             for label, (method, options) in methods.items()}
    out = {label: cache.lookup("scores", parts[label], root=root, code=["attribution.py"])
           for label in methods}
    missing = {label: methods[label] for label, value in out.items() if value is None}
    if missing:
        found = explain_many(trained.model, trained.tokenizer, sequences, missing, target,
                             strategy, batch_size, device, verbose)
        for label, scores in found.items():
            out[label] = cache.cached("scores", parts[label], scores.numpy, root=root,
                                      code=["attribution.py"])
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
    return {f"p = {p:g}": (base, {}) if p == 0 else
            ("plrp", {"p": p} if model_name == "cnn" else {"base": base, "p": p}) for p in ps}


def rollout(maps, start_layer=0, normalize=True, row=None):
    """Attention rollout C = Â_L ... Â_s with Â_b = rownorm(A_b + I).

    Parameters
    ----------
    maps : list of torch.Tensor, each (n, t, t)
        One non-negative map per layer, first layer first.
    start_layer : int
        Index s of the first map multiplied (Python indexing: -1 is the last layer only).
    normalize : bool
        Divide each row of A_b + I by its sum (Chefer's BERT code); without it
        Â_b = A_b + I (their ViT code).
    row : int, optional
        Return only this row of C, by vector-matrix products (t times cheaper).

    Returns
    -------
    torch.Tensor, shape (n, t, t), or (n, t) for one row
        With normalisation and non-negative maps, every row is non-negative and sums to 1.
    """
    n, t, _ = maps[0].shape
    eye = torch.eye(t, dtype=maps[0].dtype, device=maps[0].device)
    mats = []
    for a in maps[start_layer:]:
        a = a + eye
        mats.append(a / a.sum(-1, keepdim=True) if normalize else a)
    if row is not None:  # e_row^T Â_L ... Â_s, multiplied from the left
        joint = eye[row].expand(n, 1, t)
        for a in reversed(mats):
            joint = joint @ a
        return joint[:, 0]
    joint = mats[0]
    for a in mats[1:]:
        joint = a @ joint
    return joint


def invariants(model, tokenizer, sequences, target=None, device=None):
    """The invariants the methods promise, measured on a float64 copy of a model.

    Parameters
    ----------
    model : BertForSequenceClassification or DNABERT2ForSequenceClassification
        Left as it is (a copy is converted to float64).
    tokenizer : transformers tokenizer
        The model's.
    sequences : list of str
        n DNA sequences.
    target : int or array-like of int, shape (n,), optional
        Classes explained; the predicted ones when None.
    device : torch.device or str, optional
        Where the copy runs; the model's device when None.

    Returns
    -------
    pandas.DataFrame
        Rows ``full_lrp total (chefer)`` (1 for every sequence: conservative),
        ``full_lrp total (chefer_baseline)`` (not conservative), ``rollout row sums`` (1:
        each row a distribution) and ``attn_gradcam`` (within [0, 1]); columns ``min`` and
        ``max`` over the sequences (over valid rows for the rollout, over tokens for
        attn_gradcam).
    """
    import copy

    import pandas as pd

    model = copy.deepcopy(model).double().to(device or model_device(model))
    batch = encode(tokenizer, sequences)
    inputs = model_inputs(model, batch)
    n = len(batch.input_ids)
    target = _targets(target, n, model.config.num_labels)
    target = None if target is None else target.to(model_device(model))
    check = {}
    for rules in ("chefer", "chefer_baseline"):
        totals = propagate(model, inputs, target, rules=rules).input.sum((1, 2))
        check[f"full_lrp total ({rules})"] = totals
    probs, _, _, _ = attention_maps(model, inputs, target)
    joint = rollout([p.mean(1) for p in probs])  # mean over heads, as the method does
    check["rollout row sums"] = joint.sum(-1)[inputs["attention_mask"].bool()]
    check["attn_gradcam"] = attribute(model, batch, "attn_gradcam", target)
    return pd.DataFrame({name: [v.min().item(), v.max().item()] for name, v in check.items()},
                        index=["min", "max"]).T


# --------------------------------------------------------------------------------------------
# Methods: each takes (run, chunk, target, **options), run being the chunk's shared `_Passes`
# (its model in run.model), and returns scores (m, t) or (m, L); target is (m,) or None for
# the predicted class; padding is zeroed by the caller.
# --------------------------------------------------------------------------------------------


def _attention(run, chunk, target):
    return run.attentions(target)[-1][:, :, 0].sum(1) * chunk.real


def _rollout(run, chunk, target, start_layer):
    maps = [_square(p.mean(1), chunk.valid) for p in run.attentions(target)]
    return _zero_cls(rollout(maps, start_layer, row=0))


def _attn_gradcam(run, chunk, target):
    probs, grads, _, _ = run.attention_maps(target)
    pair = (chunk.valid[:, :, None] & chunk.valid[:, None, :])[:, None]  # (m, 1, t, t)
    alpha = (grads[-1] * pair).sum((2, 3), keepdim=True) / pair.sum((2, 3), keepdim=True)
    cam = (alpha * probs[-1]).mean(1).clamp(min=0)
    pair = pair[:, 0]
    lo = cam.masked_fill(~pair, torch.inf).amin((1, 2), keepdim=True)
    hi = cam.masked_fill(~pair, -torch.inf).amax((1, 2), keepdim=True)
    span = hi - lo
    # a constant map is 0/0 in Chefer's code: score it 0
    cam = torch.where(span > 0, (cam - lo) / span.clamp(min=torch.finfo(cam.dtype).tiny), 0)
    return _zero_cls(cam[:, 0])


def _lrp(run, chunk, target, rules, start_layer, normalize, p=0.0):
    rel = run.propagate(target, rules, p, "encoder")
    _, grads, _, _ = run.attention_maps(rel.target)
    # clamp before the head mean, as Chefer's generate_LRP
    maps = [_square((g * r).clamp_(min=0).mean(1), chunk.valid)
            for g, r in zip(grads, rel.attention)]
    s = rollout(maps, start_layer, normalize, row=0)
    s[:, 0] = s.masked_fill(~chunk.valid, torch.inf).amin(1)
    return s


def _lrp_last(run, chunk, target, rules, p=0.0):
    rel = run.propagate(target, rules, p, "encoder")
    return _zero_cls(rel.attention[-1].clamp(min=0).mean(1)[:, 0])


def _full_lrp(run, chunk, target, rules, p=0.0):
    rel = run.propagate(target, rules, p, "encoder")
    return _zero_cls(rel.input.sum(-1))


def _attnlrp(run, chunk, target, p=0.0):
    return run.propagate(target, "attnlrp", p, "embeddings").input.sum(-1)


def _cp_lrp(run, chunk, target, p=0.0):
    return run.propagate(target, "cp", p, "embeddings").input.sum(-1)


def _cnn_lrp(run, chunk, target, rules, p=0.0):
    return run.propagate(target, rules, p, None).input.sum(1)


def _saliency(run, chunk, target):
    return _captum(Saliency, run.model, chunk, target)


def _input_x_gradient(run, chunk, target):
    return _captum(InputXGradient, run.model, chunk, target)


def _integrated_gradients(run, chunk, target, n_steps, baseline=None):
    model = run.model
    if target is None:
        with torch.no_grad():
            target = model(**chunk.inputs).logits.argmax(-1)
    x, key, extra = _differentiable(model, chunk)
    base = torch.zeros_like(x) if key == "one_hot" else _baseline(model, chunk, x, baseline)
    ig = IntegratedGradients(_forward(model, key, pick=False))
    # internal batches of m interpolated inputs: memory as for one batch
    a = ig.attribute(x, base, target=target, additional_forward_args=extra, n_steps=n_steps,
                     internal_batch_size=len(x))
    return _reduce(a, key)


def _random(run, chunk, target, seed):
    codes = _codes(chunk)
    dtype = next(run.model.parameters()).dtype
    out = torch.zeros(chunk.valid.shape, dtype=dtype)
    for i, (c, v) in enumerate(zip(codes, chunk.valid.cpu())):
        # seeded by the sequence itself, so scores do not depend on batch or padding
        rng = np.random.default_rng([seed, zlib.crc32(c[v].numpy().tobytes())])
        out[i, v] = torch.from_numpy(rng.random(int(v.sum()))).to(dtype)
    return out.to(chunk.real.device) * chunk.real


FUNCTIONS = {
    "attention": _attention,
    "rollout": _rollout,
    "attn_gradcam": _attn_gradcam,
    "lrp": _lrp,
    "lrp_last": _lrp_last,
    "full_lrp": _full_lrp,
    "attnlrp": _attnlrp,
    "cp_lrp": _cp_lrp,
    "cnn_lrp": _cnn_lrp,
    "integrated_gradients": _integrated_gradients,
    "saliency": _saliency,
    "input_x_gradient": _input_x_gradient,
    "random": _random,
}


def _ism(model, inputs, target, batch_size, verbose, tokenizer=None):
    """In-silico saturation mutagenesis: y_c(x) - mean_b y_c(x with base b at i), (n, L)."""
    cnn = torch.is_tensor(inputs)
    if not cnn and tokenizer is None:
        raise TypeError("ism on a transformer needs tokenizer=: each mutant is re-tokenised")
    ref = predict(model, inputs, batch_size)
    target = ref.argmax(-1) if target is None else target
    ref = ref.gather(1, target[:, None])[:, 0]
    if cnn:
        codes = inputs.argmax(1).to(torch.uint8)
        codes[inputs.sum(1) == 0] = 4  # padding and N: not mutated
        codes, lengths = codes.cpu().numpy(), [inputs.shape[-1]] * len(inputs)
    else:
        lengths = [len(s) for s in inputs.sequences]
        codes = to_indices(inputs.sequences, max(lengths))
    dtype = next(model.parameters()).dtype
    out = torch.zeros(codes.shape, dtype=ref.dtype)
    for i in tqdm(range(len(codes)), desc="ism", disable=not verbose):
        pos = np.flatnonzero(codes[i, : lengths[i]] < 4)
        if not len(pos):
            continue
        # row 3j + d of the mutants changes position pos[j] to base (b + 1 + d) mod 4
        mutants = np.repeat(codes[i : i + 1, : lengths[i]], 3 * len(pos), axis=0)
        rows, cols = np.arange(len(mutants)), np.repeat(pos, 3)
        mutants[rows, cols] = (mutants[rows, cols] + np.tile([1, 2, 3], len(pos))) % 4
        strings = from_indices(mutants)
        x = one_hot(strings, dtype) if cnn else tokenize(tokenizer, strings)
        y = predict(model, x, batch_size)[:, target[i]].view(-1, 3).mean(1)
        out[i, pos] = ref[i] - y
    return out


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _check_method(model, method):
    """Raise ValueError for an unknown method or one the model cannot run."""
    if method not in OPTIONS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if isinstance(model, CNNForSequenceClassification) and method not in CNN_OPTIONS:
        raise ValueError(
            f"{method!r} needs a transformer (the CNN has no attention); methods for the CNN: "
            f"{', '.join(CNN_OPTIONS)}"
        )


def _options(model, method, options):
    """The method's options with defaults filled in; TypeError for ones it does not take."""
    _check_method(model, method)
    cnn = isinstance(model, CNNForSequenceClassification)
    known = dict((CNN_OPTIONS if cnn else OPTIONS)[method])
    if method == "plrp" and not cnn:
        base = options.get("base", known["base"])
        if base not in PLRP_BASES:
            raise ValueError(f"plrp base must be one of {', '.join(PLRP_BASES)}, not {base!r}")
        known.update(OPTIONS[base])
    unknown = sorted(set(options) - set(known))
    if unknown:
        takes = ", ".join(known) or "no options"
        raise TypeError(f"{method} does not take {', '.join(unknown)} (it takes {takes})")
    known.update(options)
    rules = CNN_RULES if cnn else CHEFER_RULES
    if "rules" in known and known["rules"] not in rules:
        raise ValueError(f"rules must be one of {', '.join(rules)}, not {known['rules']!r}")
    if "baseline" in known and known["baseline"] not in IG_BASELINES:
        raise ValueError(f"baseline must be one of {', '.join(IG_BASELINES)}, "
                         f"not {known['baseline']!r}")
    if "p" in known and not 0 <= known["p"] < 1:
        raise ValueError(f"p must be in [0, 1), got {known['p']}")
    return known


def _targets(target, n, classes):
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


def _chunk(model, inputs, rows, cnn):
    """Model inputs of some rows and their masks; transformer batches lose spare padding."""
    kw = model_inputs(model, inputs, rows)
    if cnn:  # the mask holds each sequence's end fixed while IG scales the input to zero
        x = kw["one_hot"]
        ends = sequence_lengths(x)
        kw["attention_mask"] = torch.arange(x.shape[-1], device=x.device) < ends[:, None]
        valid = x.sum(1) != 0
        return Chunk(kw, valid, valid, None)
    valid = kw["attention_mask"].bool()
    width = int(valid.sum(1).max())  # attention masks padding: dropping it changes nothing
    kw = {key: value[:, :width] for key, value in kw.items()}
    real = (inputs.spans[rows, :width, 0] >= 0).to(valid.device)
    return Chunk(kw, valid[:, :width], real, inputs.vocab)


def _square(maps, valid):
    """Zero the rows and columns of padding in (m, t, t) maps."""
    return maps * (valid[:, :, None] & valid[:, None, :])


def _zero_cls(scores):
    """Set the [CLS] column of (m, t) scores to 0, in place."""
    scores[:, 0] = 0
    return scores


def _codes(chunk):
    """Token ids (m, t), or base indices (m, L) with N = 4 for the CNN, on the CPU."""
    if "one_hot" in chunk.inputs:
        x = chunk.inputs["one_hot"]
        return x.argmax(1).masked_fill(x.sum(1) == 0, 4).cpu()
    return chunk.inputs["input_ids"].cpu()


def _differentiable(model, chunk):
    """Where gradients are taken: word embeddings (m, t, hidden) or one-hot (m, 4, L); the
    model keyword it goes in; the extra forward arguments (the attention mask)."""
    if "one_hot" in chunk.inputs:
        x = chunk.inputs["one_hot"].detach().requires_grad_()
        return x, "one_hot", (chunk.inputs["attention_mask"],)
    x = model.get_input_embeddings()(chunk.inputs["input_ids"]).detach().requires_grad_()
    return x, "inputs_embeds", (chunk.inputs["attention_mask"],)


def _forward(model, key, pick):
    """Forward function for captum: logits (m, classes), or with ``pick`` the predicted
    class's logit (m,), so that target=None costs no extra pass."""

    def f(x, mask=None):
        kw = {key: x} if mask is None else {key: x, "attention_mask": mask}
        logits = model(**kw).logits
        return logits.gather(1, logits.argmax(-1, keepdim=True))[:, 0] if pick else logits

    return f


def _captum(cls, model, chunk, target):
    """Saliency or InputXGradient on the differentiable input, reduced to (m, t) or (m, L)."""
    x, key, extra = _differentiable(model, chunk)
    f = _forward(model, key, pick=target is None)
    a = cls(f).attribute(x, target=target, additional_forward_args=extra)
    return _reduce(a, key)


def _reduce(a, key):
    """Sum attributions over hidden (m, t, hidden) or over the 4 channels (m, 4, L)."""
    return a.sum(1) if key == "one_hot" else a.sum(-1)


def _baseline(model, chunk, x, kind):
    """IG reference (m, t, hidden): scored tokens' embeddings set to [PAD], [MASK] or zero."""
    real = chunk.real[..., None]
    if kind == "zero":
        return x.detach().masked_fill(real, 0)
    if chunk.vocab is None:
        raise ValueError(f"baseline={kind!r} needs the Tokenization's vocab (make it with "
                         "tokenize), or use baseline='zero'")
    token = chunk.vocab.index("[PAD]" if kind == "pad" else "[MASK]")
    ids = chunk.inputs["input_ids"].masked_fill(chunk.real, token)
    return model.get_input_embeddings()(ids).detach()
