"""Layer-wise relevance propagation (LRP) rules for DNABERT, DNABERT-2 and the CNN.

Every rule is a ``torch.autograd.Function`` (or a detach) so that relevance flows through ONE
ordinary backward pass of the whole batch. Two kinds of rule sets:

* relevance space (``chefer``, ``chefer_baseline``, ``cnn``, ``epsilon``, ``zplus``): what
  autograd passes backward IS the relevance; each Function's backward applies its rule.
* gradient space (``attnlrp``, ``cp``): backward passes modified gradients and the relevance
  of a tensor x is ``x * grad``.

`rule_forwards` swaps rule-aware forwards into the stock modules of a model (instance
attributes, removed on exit; weights untouched; eval mode, so dropout is off); `propagate` runs
one forward and one backward through them. Chefer's ``lrp`` also needs the plain gradient at
the attention maps: with ``grads``, a second backward walks the same graph with every
relevance-space rule switched to its plain gradient (`_Mode`), so no second forward is run.
Rules per op:

==================  =====================  ===================  ==============  ============
op                  chefer                 chefer_baseline      attnlrp         cp
==================  =====================  ===================  ==============  ============
Linear              a1b0, one denominator  a1b0, one per sign   gradient        gradient
LayerNorm           identity               identity             std constant    std constant
GELU, tanh          identity               identity             times f(x)/x    times f(x)/x
softmax             identity               identity             gradient        A constant
QK^T, AV            z-rule, half each      z-rule, half each    gradient / 2    gradient
GLU gate * value    z-rule, half each      z-rule, half each    gradient / 2    gate constant
residual add        z-rule, renormalised   z-rule               gradient        gradient
mask, ALiBi add     identity               identity             absorbs         absorbs
embedding sum       z-rule, renormalised   z-rule               absorbs         absorbs
==================  =====================  ===================  ==============  ============

Linear, a1b0 (alpha = 1, beta = 0): R_j = sum_i (x_j w_ij)+ R_i / z_i with one denominator
z_i = sum_j (x_j w_ij)+ = (W+ x+ + W- x-)_i and the bias ignored, so the layer is conservative.
"One per sign" is Chefer's second ("baseline") model: the x+ W+ and x- W- shares are divided by
their own sums, which doubles the total at every layer. Residual add: z-rule, then each branch
b rescaled so its total is |S_b| / sum |S| of the incoming total, per sample (Chefer's code
sums over the batch); the baseline model keeps the plain z-rule there, as Chefer's code does.
Embedding sum (word + token type + position, only with ``read_at="embeddings"``): the same
rule over its terms. "absorbs": a bias keeps its share x * grad.

Division is exact here, and a zero denominator passes no relevance. Chefer's code
(hila-chefer/Transformer-Explainability, ``safe_divide`` in
``BERT_explainability/modules/layers_ours.py``) adds 1e-9 to every denominator instead (and
another 1e-9 where that sum is 0). Run on the same random 4-layer DNABERTs in float64
(under transformers 4.57) with its division made exact, its ``lrp``, ``lrp_last`` and
``full_lrp`` (both rule sets) equal these to about 1e-9 relative (up to 8e-10 on a model
initialised with standard deviation 0.1); as published, they differ by 1.6e-5 to 4.8e-3
relative, all of it from the stabiliser, which is not small next to the per-unit
denominators of layers whose relevance totals 1.

CP-LRP (Ali et al. 2022) is gradient x input with the attention probabilities and LayerNorm's
scale held constant; its other rules are those of lxt's ``cp`` rule sets
(rachtibat/LRP-eXplains-Transformers, ``lxt/efficient/patches.py``). The gate of DNABERT-2's
gated MLP is held constant, so the product passes all its relevance x * grad to the value
branch (lxt's ``cp_gated_mlp_forward``). GELU and tanh take the identity rule, as lxt's ``cp``
rules do for a ViT's GELU: the plain gradient would pass x f'(x) * grad where the output holds
f(x) * grad, not conservative (for GELU x f'(x) - f(x) = x^2 phi(x), phi the normal density:
every unit within a few units of 0 creates relevance). With these rules and every bias zero,
CP-LRP's relevance sums to y_c at every block boundary; at the word embeddings it does so only
when the position and token-type embeddings count as biases too (zero them, or add their
share, to see the sum).

CNN: ``epsilon`` is R_j = x_j w_ij R_i / (z_i + eps sign(z_i)), z_i with the bias, absolute
eps = `EPS`; ``zplus`` is the one-denominator a1b0 rule above, which is z+ on the non-negative
inputs of this CNN; ``cnn`` is z+ on the convolutions and epsilon on the dense layers. ReLU
passes relevance unchanged, max pooling gives it to the winner, global mean pooling shares it
in proportion to the inputs. CNN relevance starts from the target logit's value.
"""

import math
import operator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial, reduce
from types import SimpleNamespace

import torch
import torch.nn.functional as F
from torch import nn
from transformers import BertForSequenceClassification
from transformers.models.bert import modeling_bert as hf

from . import models

TRANSFORMER_RULES = ("chefer", "chefer_baseline", "attnlrp", "cp")
CNN_RULES = ("cnn", "epsilon", "zplus")
GRADIENT_RULES = ("attnlrp", "cp")
CHEFER_RULES = ("chefer", "chefer_baseline")
READ_AT = ("encoder", "embeddings")
# Default reading point: Chefer's code reads at the encoder input, AttnLRP and CP-LRP at the
# word embeddings.
DEFAULT_READ_AT = {
    "chefer": "encoder",
    "chefer_baseline": "encoder",
    "attnlrp": "embeddings",
    "cp": "embeddings",
}
EPS = 1e-6  # absolute stabiliser of the epsilon rule


@dataclass
class Relevance:
    """Result of `propagate`.

    Attributes
    ----------
    input : torch.Tensor, shape (n, t, hidden) or (n, 4, L)
        Relevance at the reading point (transformers) or at the one-hot input (CNN).
    attention : list of torch.Tensor, each (n, heads, t, t), or None
        Per layer, the relevance that reached the attention probabilities (Chefer's rules);
        None for the other rule sets.
    logits : torch.Tensor, shape (n, classes)
        Logits of the same forward pass, detached.
    target : torch.LongTensor, shape (n,)
        The class explained.
    probs, grads : list of torch.Tensor, each (n, heads, t, t), or None
        With ``propagate(..., grads=True)``: per layer the attention probabilities A_b of the
        forward pass and dy_c / dA_b, what `attention_maps` returns; None otherwise.
    """

    input: torch.Tensor
    attention: list | None
    logits: torch.Tensor
    target: torch.Tensor
    probs: list | None = None
    grads: list | None = None


# --------------------------------------------------------------------------------------------
# Pruning
# --------------------------------------------------------------------------------------------


def prune_relevance(r, p):
    """Pruned LRP's per-sample sparsification (Yanez Sarmiento et al. 2024).

    Per sample, zero the smallest positive relevances whose sum is at most ``p`` times the
    positive total and rescale the kept positives so the positive total is unchanged; likewise
    for the negatives (by magnitude).

    Parameters
    ----------
    r : torch.Tensor, shape (n, ...)
        Relevance; everything after the first dimension is one sample.
    p : float
        Fraction in [0, 1); 0 returns `r` itself.

    Returns
    -------
    torch.Tensor, shape of `r`
    """
    if not p:
        return r
    flat = r.reshape(len(r), -1)
    s, idx = flat.sort(dim=1, stable=True)
    pos, neg = s.clamp(min=0), (-s).clamp(min=0)
    # running totals from the smallest magnitude outwards, for each sign
    up = pos.cumsum(1)
    down = neg.flip(1).cumsum(1).flip(1)
    drop = ((s > 0) & (up <= p * up[:, -1:])) | ((s < 0) & (down <= p * down[:, :1]))
    keep = torch.empty_like(drop).scatter_(1, idx, ~drop)
    kept = flat * keep
    kp, kn = kept.clamp(min=0).sum(1, keepdim=True), kept.clamp(max=0).sum(1, keepdim=True)
    scale = torch.where(flat > 0, _div(up[:, -1:], kp), _div(-down[:, :1], kn))
    return (kept * scale).view_as(r)


# --------------------------------------------------------------------------------------------
# Rules as autograd Functions
# --------------------------------------------------------------------------------------------


def _div(a, b):
    """a / b, and 0 where b == 0 (no denominator, no relevance) or the quotient overflows."""
    return (a / b).nan_to_num_(0.0, 0.0, 0.0)


class _Mode:
    """Which backward the relevance-space Functions of one `rule_forwards` block run.

    ``keep``: save what the plain gradient needs (set before the forward); ``grad``: backward
    passes the plain gradient instead of the rule's relevance (set between the two backward
    passes of `propagate` with ``grads``), so that one forward serves both.
    """

    def __init__(self, keep=False):
        self.keep, self.grad = keep, False


def _saved(ctx, mode, *xs):
    """Save xs for the plain gradient when `mode` keeps them."""
    ctx.mode = mode
    if mode.keep:
        ctx.save_for_backward(*xs)


class _Pass(torch.autograd.Function):
    """fn(x) forward; the relevance passes backward unchanged (the gradient in grad mode)."""

    @staticmethod
    def forward(ctx, x, fn, mode):
        _saved(ctx, mode, x)
        ctx.fn = fn
        return fn(x)

    @staticmethod
    def backward(ctx, r):
        if ctx.mode.grad:
            (x,) = ctx.saved_tensors
            with torch.enable_grad():
                x = x.detach().requires_grad_()
                (r,) = torch.autograd.grad(ctx.fn(x), x, r)
        return r, None, None


class _Softmax(torch.autograd.Function):
    """Softmax over keys forward; the relevance passes backward unchanged (the gradient in
    grad mode, from the saved probabilities)."""

    @staticmethod
    def forward(ctx, x, mode):
        y = _softmax(x)
        _saved(ctx, mode, y)
        return y

    @staticmethod
    def backward(ctx, r):
        if ctx.mode.grad:
            (y,) = ctx.saved_tensors
            # y * (r - sum(r * y)) in one fused kernel, as autograd's own softmax backward
            r = torch.ops.aten._softmax_backward_data(r, y, -1, y.dtype)
        return r, None


class _Ratio(torch.autograd.Function):
    """fn(x) forward; backward multiplies by fn(x) / x, so x * grad passes unchanged (AttnLRP)."""

    @staticmethod
    def forward(ctx, x, fn):
        y = fn(x)
        # at x = 0 the limit of f(x) / x is f'(0)
        with torch.enable_grad():
            zero = x.new_zeros((), requires_grad=True)
            (slope,) = torch.autograd.grad(fn(zero), zero)
        ctx.save_for_backward(torch.where(x == 0, slope, y / x))
        return y

    @staticmethod
    def backward(ctx, g):
        (ratio,) = ctx.saved_tensors
        return g * ratio, None


class _Scale(torch.autograd.Function):
    """x * c forward; gradient times c * k backward (k = 1/2: a product's factors share)."""

    @staticmethod
    def forward(ctx, x, c, k):
        ctx.ck = c * k
        return x.view_as(x) if c == 1 else x * c

    @staticmethod
    def backward(ctx, g):
        return g * ctx.ck, None, None


class _NormC(torch.autograd.Function):
    """LayerNorm forward; gradient with the standard deviation held constant."""

    @staticmethod
    def forward(ctx, x, shape, w, b, eps):
        y, _, rstd = torch.native_layer_norm(x, shape, w, b, eps)
        ctx.save_for_backward(w, rstd)
        ctx.dims = tuple(range(-len(shape), 0))
        return y

    @staticmethod
    def backward(ctx, g):
        w, rstd = ctx.saved_tensors
        g = g if w is None else g * w
        return (g - g.mean(ctx.dims, keepdim=True)) * rstd, None, None, None, None


class _Prod(torch.autograd.Function):
    """Matrix product a @ b * scale; z-rule backward, each factor gets half (Chefer)."""

    @staticmethod
    def forward(ctx, a, b, scale, mode):
        # b is the small factor in both Q K^T and A V: scale it, not (n, heads, t, t) tensors
        z = torch.matmul(a, b if scale == 1 else b * scale)
        ctx.save_for_backward(a, b, z)
        ctx.scale, ctx.mode = scale, mode
        return z

    @staticmethod
    def backward(ctx, r):
        a, b, z = ctx.saved_tensors
        if ctx.mode.grad:
            return r @ (b.mT * ctx.scale), (a.mT @ r).mul_(ctx.scale), None, None
        s = _div(r, z)
        bc = b * (0.5 * ctx.scale)
        return (s @ bc.mT).mul_(a), (a.mT @ s).mul_(bc), None, None


class _Halves(torch.autograd.Function):
    """Elementwise a * b; z-rule backward, each factor gets half.

    The z-rule gives a and b each r / 2 where a * b != 0; where a * b = 0 the linear rule that
    reads the product already gave r = 0.
    """

    @staticmethod
    def forward(ctx, a, b, mode):
        _saved(ctx, mode, a, b)
        return a * b

    @staticmethod
    def backward(ctx, r):
        if ctx.mode.grad:
            a, b = ctx.saved_tensors
            return r * b, r * a, None
        h = 0.5 * r
        return h, h, None


class _Add(torch.autograd.Function):
    """Sum of same-shape tensors; z-rule backward, renormalised per sample if `renorm`."""

    @staticmethod
    def forward(ctx, renorm, mode, *xs):
        z = reduce(operator.add, xs)
        ctx.save_for_backward(z, *xs)
        ctx.renorm, ctx.mode = renorm, mode
        return z

    @staticmethod
    def backward(ctx, r):
        z, *xs = ctx.saved_tensors
        if ctx.mode.grad:
            return None, None, *[r] * len(xs)
        s = _div(r, z)
        rs = [x * s for x in xs]
        if ctx.renorm:
            # each branch keeps its share |S_b| / sum |S| of the incoming total
            dims = tuple(range(1, r.dim()))
            sums = [q.sum(dims, keepdim=True) for q in rs]
            total = r.sum(dims, keepdim=True)
            mag = reduce(operator.add, [t.abs() for t in sums])
            rs = [q * _div(_div(t.abs(), mag) * total, t) for q, t in zip(rs, sums)]
        return None, None, *rs


class _MeanZ(torch.autograd.Function):
    """Global mean pooling (n, c, L) -> (n, c, 1) (the CNN's AdaptiveAvgPool1d(1)); z-rule
    backward: relevance shared in proportion to the inputs."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.mean(-1, keepdim=True)

    @staticmethod
    def backward(ctx, r):
        (x,) = ctx.saved_tensors
        return x * _div(r, x.sum(-1, keepdim=True))


class _Lin(torch.autograd.Function):
    """Linear or Conv1d; backward applies a linear rule, then prunes at the layer input.

    `maps` is (fwd, bwd): fwd(x, w, b=None) is the layer, bwd(s, w, shape) its transpose.
    `rule`: "grad" (plain gradient; pruning acts on x * grad), "ab" (alpha=1 beta=0, shared
    denominator), "ab2" (alpha=1 beta=0, a denominator per sign), "eps" (epsilon rule).
    """

    @staticmethod
    def forward(ctx, x, w, b, maps, rule, p, mode):
        y = maps[0](x, w, b)
        ctx.save_for_backward(x, w, b, y if rule == "ab" else None)
        ctx.maps, ctx.rule, ctx.p, ctx.mode = maps, rule, p, mode
        return y

    @staticmethod
    def backward(ctx, r):
        x, w, b, y = ctx.saved_tensors
        fwd, bwd = ctx.maps
        rule, p = ctx.rule, ctx.p
        none = (None,) * 6
        if ctx.mode.grad:
            return bwd(r, w, x.shape), *none
        if rule == "grad":
            g = bwd(r, w, x.shape)
            return (_div(prune_relevance(x * g, p), x) if p else g), *none
        if rule == "ab":
            # 2 z = |x| |W| + x W: twice the sum of the positive contributions, from one product
            wa = w.abs()
            z2 = fwd(x.abs(), wa, None if b is None else -b).add_(y)
            s = _div(r, z2)
            # 2 W+ and 2 W- undo the 2 of z2; x > 0 meets W+, x < 0 meets W-
            rin = bwd(s, w + wa, x.shape).where(x > 0, bwd(s, w - wa, x.shape)).mul_(x)
        elif rule == "ab2":
            xp, xn = x.clamp(min=0), x.clamp(max=0)
            wp, wn = w.clamp(min=0), w.clamp(max=0)
            sp, sn = _div(r, fwd(xp, wp)), _div(r, fwd(xn, wn))
            rin = bwd(sp, wp, x.shape).mul_(xp).add_(bwd(sn, wn, x.shape).mul_(xn))
        else:
            z = fwd(x, w, b)
            rin = bwd(r / (z + EPS * torch.where(z >= 0, 1.0, -1.0)), w, x.shape).mul_(x)
        return prune_relevance(rin, p), *none


# --------------------------------------------------------------------------------------------
# Ops of each rule set
# --------------------------------------------------------------------------------------------


def _maps(module):
    """(fwd, bwd) of a Linear or Conv1d for `_Lin`."""
    if isinstance(module, nn.Conv1d):
        kw = dict(
            stride=module.stride,
            padding=module.padding,
            dilation=module.dilation,
            groups=module.groups,
        )
        return (
            partial(F.conv1d, **kw),
            lambda s, w, shape: torch.nn.grad.conv1d_input(shape, w, s, **kw),
        )
    return F.linear, lambda s, w, shape: s @ w


def _linear(rule, p, mode, module, x):
    """`module` (Linear or Conv1d) applied to x under a `_Lin` rule, pruning fraction p."""
    b = None if module.bias is None else module.bias.detach()
    return _Lin.apply(x, module.weight.detach(), b, _maps(module), rule, p, mode)


def _cnn_linear(rules, p, mode, module, x):
    """`_linear` with the rule a CNN rule set gives `module`."""
    rule = {"epsilon": "eps", "zplus": "ab"}.get(rules)
    if rule is None:  # the composite: z+ on convolutions, epsilon on dense layers
        rule = "ab" if isinstance(module, nn.Conv1d) else "eps"
    return _linear(rule, p, mode, module, x)


def _layer_norm(module, x):
    """The LayerNorm `module` applied to x (its own forward is swapped out)."""
    return F.layer_norm(x, module.normalized_shape, module.weight, module.bias, module.eps)


def _norm_const(module, x):
    """The LayerNorm `module` applied to x, its standard deviation constant in backward."""
    w = None if module.weight is None else module.weight.detach()
    b = None if module.bias is None else module.bias.detach()
    return _NormC.apply(x, module.normalized_shape, w, b, module.eps)


def _sum(*xs):
    """Plain sum of tensors."""
    return reduce(operator.add, xs)


def _softmax(x):
    """Softmax over the last dimension (keys)."""
    return torch.softmax(x, dim=-1)


def _half_matmul(a, b, scale):
    """a @ b * scale, each factor's gradient halved (AttnLRP's uniform rule for a product),
    scaling whichever is smaller: the factors of Q K^T, the output of A V."""
    (m, k), n = a.shape[-2:], b.shape[-1]
    if m * n > (m + n) * k:
        return _Scale.apply(a, 1, 0.5) @ _Scale.apply(b, scale, 0.5)
    return _Scale.apply(a @ b, scale, 0.5)


def _ops(rules, p, mode):
    """The op implementations of a rule set, as a namespace of functions.

    linear(module, x), norm(module, x), act(x, fn), add(*xs), matmul(a, b, scale), mul(a, b),
    softmax(x); for the CNN: linear, relu(x), mean(x). `mode` (a `_Mode`) switches the
    relevance-space Functions to the plain gradient.
    """
    if rules in CNN_RULES:
        return SimpleNamespace(
            linear=partial(_cnn_linear, rules, p, mode),
            relu=lambda x: _Pass.apply(x, F.relu, mode),
            mean=_MeanZ.apply,
        )
    if rules in CHEFER_RULES:
        return SimpleNamespace(
            linear=partial(_linear, "ab" if rules == "chefer" else "ab2", p, mode),
            norm=lambda m, x: _Pass.apply(x, partial(_layer_norm, m), mode),
            act=lambda x, fn: _Pass.apply(x, fn, mode),
            add=partial(_Add.apply, rules == "chefer", mode),
            matmul=lambda a, b, scale: _Prod.apply(a, b, scale, mode),
            mul=lambda a, b: _Halves.apply(a, b, mode),
            softmax=lambda x: _Softmax.apply(x, mode),
        )
    if rules == "attnlrp":
        return SimpleNamespace(
            linear=partial(_linear, "grad", p, mode),
            norm=_norm_const,
            act=_Ratio.apply,
            add=_sum,
            matmul=_half_matmul,
            mul=lambda a, b: _Scale.apply(a * b, 1, 0.5),
            softmax=_softmax,
        )
    return SimpleNamespace(  # cp
        linear=partial(_linear, "grad", p, mode),
        norm=_norm_const,
        act=_Ratio.apply,
        add=_sum,
        matmul=lambda a, b, scale: (a @ b) * scale,
        # the GLU gate (first factor) is a constant: the value branch gets all the relevance
        mul=lambda gate, value: gate.detach() * value,
        softmax=lambda x: _softmax(x).detach(),
    )


# --------------------------------------------------------------------------------------------
# Rule-aware forwards of the models' submodules
# --------------------------------------------------------------------------------------------


@dataclass
class Trace:
    """Tensors a rule-aware forward pass exposes for reading relevance.

    Attributes
    ----------
    read_at : str
        "encoder" or "embeddings".
    read : torch.Tensor, shape (n, t, hidden) or (n, 4, L)
        Where relevance is read: a leaf that requires grad, set by the embeddings' forward
        (transformers) or by `propagate` (the CNN's one-hot input).
    blocks : list of torch.Tensor, each (n, t, hidden)
        Input of every encoder layer, then the encoder output.
    scores : list of torch.Tensor, each (n, heads, t, t)
        Q K^T / sqrt(d) per layer, before masks and ALiBi.
    probs : list of torch.Tensor, each (n, heads, t, t)
        Attention probabilities per layer.
    mode : _Mode
        The backward the relevance-space Functions run (relevance, or the plain gradient).
    """

    read_at: str
    mode: _Mode = field(default_factory=_Mode)
    read: torch.Tensor | None = None
    blocks: list = field(default_factory=list)
    scores: list = field(default_factory=list)
    probs: list = field(default_factory=list)


def _embed(module, ops, trace, parts):
    """LayerNorm of the sum of embedding `parts` (word embeddings first), noting the read point."""
    if trace.read_at == "encoder":
        # relevance stops here: no graph below the encoder input
        with torch.no_grad():
            e = module.LayerNorm(reduce(operator.add, parts))
        trace.read = e.requires_grad_()
        return e
    trace.read = parts[0] = parts[0].detach().requires_grad_()
    return module.LayerNorm(ops.add(*parts))


def _bert_embeddings(
    m,
    ops,
    trace,
    input_ids=None,
    token_type_ids=None,
    position_ids=None,
    inputs_embeds=None,
    past_key_values_length=0,
):
    """`hf.BertEmbeddings`: word + token type + position, LayerNorm; (n, t) -> (n, t, hidden)."""
    x = m.word_embeddings(input_ids) if inputs_embeds is None else inputs_embeds
    n, t = x.shape[:2]
    if position_ids is None:
        position_ids = m.position_ids[:, past_key_values_length : past_key_values_length + t]
    if token_type_ids is None:
        token_type_ids = torch.zeros((n, t), dtype=torch.long, device=x.device)
    parts = [
        x,
        m.token_type_embeddings(token_type_ids),
        m.position_embeddings(position_ids).expand(n, t, -1),
    ]
    return _embed(m, ops, trace, parts)


def _dnabert2_embeddings(m, ops, trace, input_ids=None, token_type_ids=None, inputs_embeds=None):
    """`models.Embeddings`: word + token type, LayerNorm; (n, t) -> (n, t, hidden)."""
    x = m.word_embeddings(input_ids) if inputs_embeds is None else inputs_embeds
    if token_type_ids is None:
        token_type_ids = torch.zeros(x.shape[:2], dtype=torch.long, device=x.device)
    return _embed(m, ops, trace, [x, m.token_type_embeddings(token_type_ids)])


def _attend(ops, trace, q, k, v, bias, scale):
    """Attention of (n, heads, t, d) q, k, v; returns (n, t, heads * d) and probs."""
    scores = ops.matmul(q, k.transpose(-1, -2), scale)
    probs = ops.softmax(scores if bias is None else scores + bias)
    trace.scores.append(scores)
    trace.probs.append(probs)
    ctx = ops.matmul(probs, v, 1.0)
    return ctx.transpose(1, 2).flatten(2), probs


def _bert_attention(m, ops, trace, hidden_states, attention_mask=None, **kwargs):
    """`hf.BertSelfAttention` (self-attention only); mask additive, (n, 1, t, t) or None."""
    trace.blocks.append(hidden_states)
    n, t, _ = hidden_states.shape
    q, k, v = (
        lin(hidden_states).view(n, t, -1, m.attention_head_size).transpose(1, 2)
        for lin in (m.query, m.key, m.value)
    )
    return _attend(ops, trace, q, k, v, attention_mask, m.scaling)


def _dnabert2_attention(m, ops, trace, x, bias):
    """`models.SelfAttention`; bias is ALiBi plus the padding mask, (n, heads, t, t)."""
    trace.blocks.append(x)
    n, t, _ = x.shape
    q, k, v = m.Wqkv(x).view(n, t, 3, m.heads, m.head_size).permute(2, 0, 3, 1, 4)
    return _attend(ops, trace, q, k, v, bias, 1 / math.sqrt(m.head_size))


def _residual(m, ops, trace, hidden_states, input_tensor):
    """LayerNorm(dense(hidden_states) + input_tensor), dropout off; (n, t, hidden) out."""
    return m.LayerNorm(ops.add(m.dense(hidden_states), input_tensor))


def _intermediate(m, ops, trace, hidden_states):
    """`hf.BertIntermediate`: activation(dense(x)); (n, t, hidden) -> (n, t, intermediate)."""
    return ops.act(m.dense(hidden_states), m.intermediate_act_fn)


def _glu(m, ops, trace, x):
    """`models.MLP`: LayerNorm(wo(GELU(gate) * value) + x); (n, t, hidden) out."""
    gate, value = m.gated_layers(x).chunk(2, dim=-1)
    h = ops.mul(ops.act(gate, m.act), value)
    return m.layernorm(ops.add(m.wo(h), x))


def _pooler(m, ops, trace, hidden_states):
    """tanh(dense([CLS])); (n, t, hidden) -> (n, hidden)."""
    trace.blocks.append(hidden_states)
    return ops.act(m.dense(hidden_states[:, 0]), m.activation)


TRANSFORMER_FORWARDS = {
    nn.Linear: lambda m, ops, trace, x: ops.linear(m, x),
    nn.LayerNorm: lambda m, ops, trace, x: ops.norm(m, x),
    hf.BertEmbeddings: _bert_embeddings,
    hf.BertSelfAttention: _bert_attention,
    hf.BertSelfOutput: _residual,
    hf.BertIntermediate: _intermediate,
    hf.BertOutput: _residual,
    hf.BertPooler: _pooler,
    models.Embeddings: _dnabert2_embeddings,
    models.SelfAttention: _dnabert2_attention,
    models.AttentionOutput: _residual,
    models.MLP: _glu,
    models.Pooler: _pooler,
}
CNN_FORWARDS = {
    nn.Conv1d: lambda m, ops, trace, x: ops.linear(m, x),
    nn.Linear: lambda m, ops, trace, x: ops.linear(m, x),
    nn.ReLU: lambda m, ops, trace, x: ops.relu(x),
    nn.AdaptiveAvgPool1d: lambda m, ops, trace, x: ops.mean(x),
}


def _rules(model, rules):
    """Validated rule-set name for `model` (``"chefer"`` on the CNN means ``"cnn"``)."""
    if isinstance(model, (models.CNNForSequenceClassification, nn.Sequential)):
        rules = "cnn" if rules == "chefer" else rules
        valid = CNN_RULES
    elif isinstance(
        model, (BertForSequenceClassification, models.DNABERT2ForSequenceClassification)
    ):
        valid = TRANSFORMER_RULES
    else:
        raise TypeError(f"no LRP rules for {type(model).__name__}")
    if rules not in valid:
        raise ValueError(
            f"unknown rules {rules!r} for {type(model).__name__}; choose one of "
            f"{', '.join(valid)} (transformers: {', '.join(TRANSFORMER_RULES)}; CNN: "
            f"{', '.join(CNN_RULES)}, or 'chefer' for 'cnn')"
        )
    if (
        isinstance(model, BertForSequenceClassification)
        and model.config._attn_implementation != "eager"
    ):
        raise ValueError("LRP needs eager attention: build with attn_implementation='eager'")
    return rules


@contextmanager
def eval_mode(model):
    """Eval mode (dropout off) inside the block; every submodule's mode restored after."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for m, mode in modes:
            m.training = mode


@contextmanager
def rule_forwards(model, rules="chefer", prune=0.0, read_at="encoder", grads=False):
    """Make `model` follow an LRP rule set inside a ``with`` block.

    Sets rule-aware ``forward`` attributes on the model's submodules (Linear, LayerNorm,
    attention, residual blocks, MLP, pooler, embeddings; for the CNN Conv1d, Linear, ReLU and
    mean pooling) and eval mode; both are undone on exit, also after an exception.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        Stock ``BertForSequenceClassification`` (DNABERT),
        `models.DNABERT2ForSequenceClassification` or `models.CNNForSequenceClassification`.
    rules : str
        A rule set (see `propagate`).
    prune : float
        Pruned-LRP fraction in [0, 1), applied at every Linear / Conv1d input.
    read_at : {"encoder", "embeddings"}
        Reading point of transformers; ignored for the CNN.
    grads : bool
        Relevance-space rules: also save what the plain gradient needs, so that a second
        backward through the same graph with ``trace.mode.grad = True`` computes gradients.

    Yields
    ------
    Trace
        Filled by each forward pass run inside the block.
    """
    rules = _rules(model, rules)
    trace = Trace(read_at, _Mode(grads))
    ops = _ops(rules, prune, trace.mode)
    table = CNN_FORWARDS if rules in CNN_RULES else TRANSFORMER_FORWARDS
    swaps = []
    for m in model.modules():
        fn = next((table[c] for c in type(m).__mro__ if c in table), None)
        if fn is not None:
            swaps.append((m, vars(m).get("forward")))
            vars(m)["forward"] = partial(fn, m, ops, trace)
    try:
        with eval_mode(model):
            yield trace
    finally:
        for m, old in swaps:
            if old is None:
                del vars(m)["forward"]
            else:
                vars(m)["forward"] = old


def _target(target, logits):
    """Target classes (n,) long: the predicted class when None, else `target` broadcast."""
    if target is None:
        return logits.argmax(-1)
    target = torch.as_tensor(target, dtype=torch.long, device=logits.device)
    return target.expand(len(logits)).clone()


def propagate(
    model, inputs, target=None, rules="chefer", prune=0.0, read_at=None, record=None, grads=False
):
    """Relevance of a batch by LRP, in one forward and one backward pass.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        DNABERT (stock Hugging Face ``BertForSequenceClassification``, eager attention),
        DNABERT-2 (`models.DNABERT2ForSequenceClassification`) or the CNN
        (`models.CNNForSequenceClassification`).
    inputs : dict
        ``input_ids`` and ``attention_mask`` (n, t), right-padded (transformers), or
        ``one_hot`` (n, 4, L) (CNN), on the model's device; as `models.model_inputs` returns.
    target : int or torch.Tensor of shape (n,), optional
        Class to explain; the predicted class when None.
    rules : str
        Transformers: ``"chefer"`` (Chefer et al. 2021, conservative), ``"chefer_baseline"``
        (the per-sign denominators and plain residual z-rule of Chefer's second model, not
        conservative), ``"attnlrp"`` (Achtibat et al. 2024), ``"cp"`` (CP-LRP, Ali et al. 2022).
        CNN: ``"cnn"`` (z+ on convolutions, epsilon on dense layers), ``"epsilon"``,
        ``"zplus"``; ``"chefer"`` means ``"cnn"`` there. See the module docstring.
    prune : float
        Pruned LRP: fraction p in [0, 1) pruned by `prune_relevance` at the input of every
        Linear / Conv1d (gradient-space rules prune x * grad and pass on the pruned / x).
    read_at : {"encoder", "embeddings"}, optional
        Transformers: relevance at the encoder input (after the embedding LayerNorm) or at the
        word embeddings. None: "encoder" for Chefer's rules, "embeddings" for attnlrp and cp.
        Ignored for the CNN (relevance at the one-hot input).
    record : dict, optional
        For checks: filled with relevance (x * grad for attnlrp and cp) at internal points,
        lists of detached tensors: ``"blocks"`` at each encoder layer's input, then at the
        encoder output, (n, t, hidden); ``"scores"`` at Q K^T / sqrt(d) before masks and ALiBi
        and ``"probs"`` at the attention probabilities, (n, heads, t, t) per layer (zeros where
        no relevance arrives).
    grads : bool
        Chefer's rules: also the attention probabilities and the plain gradient dy_c / dA_b,
        from a second backward through the same forward (the rules switched off), as
        `attention_maps` computes them with a forward of its own (Chefer's ``lrp`` needs both).

    Returns
    -------
    Relevance
        Relevance starts from the one-hot of the target (total 1) for Chefer's rules and from
        the target logit's value for the others: for attnlrp and cp the backward starts from
        grad y_c = 1, so x * grad sums to y_c minus what biases absorb, and for attnlrp
        minus what the softmaxes absorb too (cp holds the attention constant).
        ``input``: (n, t, hidden) at the reading point, or (n, 4, L) for the CNN.
        ``attention`` (Chefer's rules): the relevance that reached A_b, i.e. A's half of the
        z-rule of A V (Chefer's ``attn_cam``).
    """
    rules = _rules(model, rules)
    if not 0 <= prune < 1:
        raise ValueError(f"prune must be in [0, 1), not {prune}")
    read_at = read_at or DEFAULT_READ_AT.get(rules, "encoder")
    if read_at not in READ_AT:
        raise ValueError(f"read_at must be one of {', '.join(READ_AT)}, not {read_at!r}")
    if grads and rules not in CHEFER_RULES:
        raise ValueError(f"grads needs Chefer's rules ({', '.join(CHEFER_RULES)}), not {rules!r}")
    inputs = dict(inputs)
    with rule_forwards(model, rules, prune, read_at, grads) as trace, torch.enable_grad():
        if rules in CNN_RULES:
            dtype = next(model.parameters()).dtype
            trace.read = inputs["one_hot"] = inputs["one_hot"].to(dtype).detach().requires_grad_()
        logits = model(**inputs).logits
        target = _target(target, logits)
        seed = F.one_hot(target, logits.shape[-1]).to(logits.dtype)
        if rules in CNN_RULES:
            seed = seed * logits.detach()
        extra = trace.scores + trace.blocks if record is not None else []
        # gradient rules read the attention only for `record`: no (n, heads, t, t) x * grad
        probs = trace.probs if rules in CHEFER_RULES or record is not None else []
        points = [trace.read] + probs + extra
        wanted = [x for x in points if x.requires_grad]
        found = iter(
            torch.autograd.grad(logits, wanted, seed, allow_unused=True, retain_graph=grads)
        )
        if grads:  # Chefer's seed is the one-hot already: dy_c / dA, as attention_maps
            trace.mode.grad = True
            plain = torch.autograd.grad(logits, trace.probs, seed)
    rel = []
    for x in points:
        g = next(found) if x.requires_grad else None
        g = torch.zeros_like(x) if g is None else g
        rel.append((x * g if rules in GRADIENT_RULES else g).detach())
    probs = rel[1 : 1 + len(probs)]
    if record is not None:
        k = len(trace.scores)
        record.update(probs=probs, scores=rel[1 + k : 1 + 2 * k], blocks=rel[1 + 2 * k :])
    out = Relevance(rel[0], probs if rules in CHEFER_RULES else None, logits.detach(), target)
    if grads:
        out.probs, out.grads = [a.detach() for a in trace.probs], list(plain)
    return out


def feedforward(model, x, target=None, rules="epsilon", prune=0.0):
    """LRP of a plain feed-forward network, with the CNN's rules.

    For teaching and checks: the rules of `propagate` on an ``nn.Sequential`` of Linear,
    Conv1d, ReLU and pooling layers, relevance starting from the target output's value.

    Parameters
    ----------
    model : torch.nn.Sequential
    x : torch.Tensor, shape (n, ...)
        Inputs.
    target : int or torch.Tensor of shape (n,), optional
        Output explained; the largest when None.
    rules : {"epsilon", "zplus", "cnn"}
    prune : float
        Pruned-LRP fraction, as for `propagate`.

    Returns
    -------
    Relevance
        ``input`` has the shape of ``x``; ``logits`` are the outputs (n, outputs).
    """
    rules = _rules(model, rules)
    with rule_forwards(model, rules, prune), torch.enable_grad():
        x = x.detach().requires_grad_()
        out = model(x)
        target = _target(target, out)
        seed = F.one_hot(target, out.shape[-1]).to(out.dtype) * out.detach()
        (r,) = torch.autograd.grad(out, x, seed)
    return Relevance(r, None, out.detach(), target)


def attention_maps(model, inputs, target=None):
    """Attention probabilities of a plain forward pass and the gradient of y_c w.r.t. them.

    Parameters
    ----------
    model : BertForSequenceClassification or DNABERT2ForSequenceClassification
    inputs : dict
        ``input_ids`` and ``attention_mask`` (n, t).
    target : int or torch.Tensor of shape (n,), optional
        Class c; the predicted class when None.

    Returns
    -------
    probs : list of torch.Tensor, each (n, heads, t, t)
        A_b per layer (eval mode), detached.
    grads : list of torch.Tensor, each (n, heads, t, t)
        dy_c / dA_b per layer.
    logits : torch.Tensor, shape (n, classes)
    target : torch.LongTensor, shape (n,)
    """
    if isinstance(model, models.CNNForSequenceClassification):
        raise TypeError("the CNN has no attention")
    inputs = dict(inputs)
    with eval_mode(model), torch.enable_grad():
        # a leaf that requires grad below the attention, so that a frozen model (parameters
        # with requires_grad False) has these gradients too
        embeds = model.get_input_embeddings()(inputs.pop("input_ids")).detach()
        out = model(inputs_embeds=embeds.requires_grad_(), **inputs, output_attentions=True)
        target = _target(target, out.logits)
        seed = F.one_hot(target, out.logits.shape[-1]).to(out.logits.dtype)
        grads = torch.autograd.grad(out.logits, out.attentions, seed)
    return [p.detach() for p in out.attentions], list(grads), out.logits.detach(), target
