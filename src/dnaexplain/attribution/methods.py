"""The scoring methods, each a small function tied to its definition (the table of the
package docstring), and their registrations.

Every function but `_ism` takes ``(run, batch, target, **options)``, ``run`` being the batch's
`passes.SharedPasses` (its model in ``run.model``), and returns scores (m, t) or (m, L);
``target`` is (m,) or None for the predicted class; padding is zeroed by the caller.
"""

import warnings
import zlib

import numpy as np
import torch
from captum.attr import InputXGradient, IntegratedGradients, Saliency
from tangermeme.deep_lift_shap import deep_lift_shap
from tangermeme.utils import TangermemeWarning
from tqdm import tqdm

from ..models import predict
from ..models.cnn import sequence_lengths
from ..sequences import dinucleotide_shuffle, from_indices, one_hot, to_indices
from ..tokenizers import tokenize
from .maps import rollout
from .registry import Variant, register


def _attention(run, batch, target):
    return run.attentions(target)[-1][:, :, 0].sum(1) * batch.real


def _rollout(run, batch, target, start_layer):
    maps = [_square(p.mean(1), batch.valid) for p in run.attentions(target)]
    return _zero_cls(rollout(maps, start_layer, row=0))


def _attn_gradcam(run, batch, target):
    probs, grads, _, _ = run.attention_maps(target)
    pair = (batch.valid[:, :, None] & batch.valid[:, None, :])[:, None]  # (m, 1, t, t)
    alpha = (grads[-1] * pair).sum((2, 3), keepdim=True) / pair.sum((2, 3), keepdim=True)
    cam = (alpha * probs[-1]).mean(1).clamp(min=0)
    pair = pair[:, 0]
    lo = cam.masked_fill(~pair, torch.inf).amin((1, 2), keepdim=True)
    hi = cam.masked_fill(~pair, -torch.inf).amax((1, 2), keepdim=True)
    span = hi - lo
    # a constant map is 0/0 in Chefer's code: score it 0
    cam = torch.where(span > 0, (cam - lo) / span.clamp(min=torch.finfo(cam.dtype).tiny), 0)
    return _zero_cls(cam[:, 0])


def _lrp(run, batch, target, rules, start_layer, normalize, p=0.0):
    rel = run.propagate(target, rules, p, "encoder")
    _, grads, _, _ = run.attention_maps(rel.target)
    # clamp before the head mean, as Chefer's generate_LRP
    maps = [
        _square((g * r).clamp_(min=0).mean(1), batch.valid) for g, r in zip(grads, rel.attention)
    ]
    s = rollout(maps, start_layer, normalize, row=0)
    s[:, 0] = s.masked_fill(~batch.valid, torch.inf).amin(1)
    return s


def _lrp_last(run, batch, target, rules, p=0.0):
    rel = run.propagate(target, rules, p, "encoder")
    return _zero_cls(rel.attention[-1].clamp(min=0).mean(1)[:, 0])


def _full_lrp(run, batch, target, rules, p=0.0):
    rel = run.propagate(target, rules, p, "encoder")
    return _zero_cls(rel.input.sum(-1))


def _attnlrp(run, batch, target, p=0.0):
    return run.propagate(target, "attnlrp", p, "embeddings").input.sum(-1)


def _cp_lrp(run, batch, target, p=0.0):
    return run.propagate(target, "cp", p, "embeddings").input.sum(-1)


def _cnn_lrp(run, batch, target, rules, p=0.0):
    return run.propagate(target, rules, p, None).input.sum(1)


def _saliency(run, batch, target):
    return _captum(Saliency, run.model, batch, target)


def _input_x_gradient(run, batch, target):
    return _captum(InputXGradient, run.model, batch, target)


def _cnn_saliency(run, batch, target, gradient_correction):
    """sum_b |g_b| over the 4 channels, g the (corrected) gradient of y_c."""
    return _one_hot_gradient(run.model, batch, target, gradient_correction).abs().sum(1)


def _cnn_input_x_gradient(run, batch, target, gradient_correction, hypothetical):
    """g at the observed base; hypothetical: g itself (m, 4, L), whose projection on the
    one-hot input is the score."""
    g = _one_hot_gradient(run.model, batch, target, gradient_correction)
    return g if hypothetical else (g * batch.inputs["one_hot"]).sum(1)


def _one_hot_gradient(model, batch, target, correction):
    """dy_c / dx (m, 4, L) at the one-hot input; with ``correction`` minus its mean over the
    channels at each position (Majdandzic et al. 2023): the part that points off the one-hot
    simplex, along which no sequence can move. Padding and N columns are 0."""
    x = batch.inputs["one_hot"].detach().requires_grad_()
    logits = model(one_hot=x, attention_mask=batch.inputs["attention_mask"]).logits
    pick = logits.argmax(-1) if target is None else target
    (g,) = torch.autograd.grad(logits.gather(1, pick[:, None]).sum(), x)
    if correction:
        g = g - g.mean(1, keepdim=True)
    return g * batch.valid[:, None]


def _integrated_gradients(run, batch, target, n_steps, baseline=None):
    model = run.model
    if target is None:
        with torch.no_grad():
            target = model(**batch.inputs).logits.argmax(-1)
    x, key, extra = _differentiable(model, batch)
    base = torch.zeros_like(x) if key == "one_hot" else _baseline(model, batch, x, baseline)
    ig = IntegratedGradients(_forward(model, key, pick=False))
    # internal batches of m interpolated inputs: memory as for one batch
    a = ig.attribute(
        x,
        base,
        target=target,
        additional_forward_args=extra,
        n_steps=n_steps,
        internal_batch_size=len(x),
    )
    return _reduce(a, key)


def _cnn_integrated_gradients(run, batch, target, n_steps, baseline, n_shuffles, seed):
    """IG on the one-hot input: from the all-zero sequence, or (``"shuffled"``) the mean of IG
    from each of `n_shuffles` dinucleotide shuffles of the sequence (drawn from (seed, the
    sequence)), which sums to y_c(x) minus the references' mean."""
    if baseline == "zero":
        return _integrated_gradients(run, batch, target, n_steps)
    model = run.model
    if target is None:
        with torch.no_grad():
            target = model(**batch.inputs).logits.argmax(-1)
    x, key, extra = _differentiable(model, batch)
    ig = IntegratedGradients(_forward(model, key, pick=False))
    total = torch.zeros_like(x)
    for reference in _shuffled_batch(batch, n_shuffles, seed, x.dtype):
        total += ig.attribute(
            x,
            reference,
            target=target,
            additional_forward_args=extra,
            n_steps=n_steps,
            internal_batch_size=len(x),
        )
    return _reduce(total / n_shuffles, key)


def _shuffled_batch(batch, n, seed, dtype):
    """n references of a one-hot batch (m, 4, L): each sequence's own shuffles, padded as it
    is, shape (n, m, 4, L)."""
    x = batch.inputs["one_hot"]
    codes = x.argmax(1).masked_fill(x.sum(1) == 0, 4).cpu().numpy()
    lengths = sequence_lengths(x, batch.inputs["attention_mask"]).tolist()
    strings = [q[:n_] for q, n_ in zip(from_indices(codes), lengths)]
    refs = [_shuffles(q, n, seed, dtype) for q in strings]  # each (n, 4, length)
    out = torch.zeros((n, *x.shape), dtype=dtype)
    for i, r in enumerate(refs):
        out[:, i, :, : r.shape[-1]] = r
    return out.to(x.device)


def _random(run, batch, target, seed):
    codes = _codes(batch)
    dtype = next(run.model.parameters()).dtype
    out = torch.zeros(batch.valid.shape, dtype=dtype)
    for i, (c, v) in enumerate(zip(codes, batch.valid.cpu())):
        # seeded by the sequence itself, so scores do not depend on batch or padding
        rng = np.random.default_rng([seed, zlib.crc32(c[v].numpy().tobytes())])
        out[i, v] = torch.from_numpy(rng.random(int(v.sum()))).to(dtype)
    return out.to(batch.real.device) * batch.real


def _ism(model, inputs, target, batch_size, verbose, tokenizer=None, hypothetical=False):
    """In-silico saturation mutagenesis: y_c(x) - mean_b y_c(x with base b at i), (n, L).

    hypothetical: (n, 4, L), 4/3 (d_b - mean_b' d_b') with d_b = y_c(x with b at i) - y_c(x)
    (0 for the observed base): tangermeme's hypothetical ISM times 4/3, so that its value at
    the observed base is the (n, L) score."""
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
    effects = torch.zeros((len(codes), 4, codes.shape[1]), dtype=ref.dtype)
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
        y = predict(model, x, batch_size)[:, target[i]].view(-1, 3)
        out[i, pos] = ref[i] - y.mean(1)
        if hypothetical:
            effects[i, torch.from_numpy(mutants[rows, cols]).long(), torch.from_numpy(cols)] = (
                y - ref[i]
            ).flatten()
    if hypothetical:
        effects -= effects.mean(1, keepdim=True)
        return effects * (torch.from_numpy(codes[:, None] < 4) * 4 / 3)
    return out


def _deep_lift_shap(model, inputs, target, batch_size, verbose, n_shuffles, seed, hypothetical):
    """DeepLIFT's rescale rule averaged over dinucleotide-shuffled references (DeepSHAP), by
    tangermeme's `deep_lift_shap`; (n, L), or hypothetical (n, 4, L).

    Each sequence's references are drawn from (seed, the sequence), so scores do not depend
    on batching; sequences run at their own length (a reference keeps the length), grouped
    by length and class."""
    if target is None:
        target = predict(model, inputs, batch_size).argmax(-1)
    codes = inputs.argmax(1).masked_fill(inputs.sum(1) == 0, 4)
    lengths = sequence_lengths(inputs)
    strings = from_indices(codes.cpu().numpy())
    out = torch.zeros_like(inputs)
    logits = Logits(model)
    groups = {(int(n), int(c)) for n, c in zip(lengths, target)}
    for n, c in tqdm(sorted(groups), desc="deep_lift_shap", disable=not verbose):
        rows = torch.nonzero((lengths == n) & (target == c))[:, 0]
        refs = torch.stack(
            [_shuffles(strings[i][:n], n_shuffles, seed, inputs.dtype) for i in rows]
        )
        with warnings.catch_warnings():  # N is an all-zero column, as the CNN reads it
            warnings.filterwarnings("ignore", "X must be one-hot", TangermemeWarning)
            scores = deep_lift_shap(
                logits,
                inputs[rows, :, :n],
                target=c,
                batch_size=batch_size,
                references=refs,
                hypothetical=True,
                additional_nonlinear_ops=DEEPLIFT_RULES,
                device=next(model.parameters()).device,
                verbose=False,
                only_warn=True,
            )
        out[rows, :, :n] = scores.to(out.dtype)
    out *= inputs.sum(1, keepdim=True) > 0  # padding and N score 0
    return out if hypothetical else (out * inputs).sum(1)


def _shuffles(sequence, n, seed, dtype):
    """n dinucleotide shuffles of a sequence, one-hot (n, 4, L), drawn from (seed, sequence)."""
    rng = np.random.default_rng([seed, zlib.crc32(sequence.encode())])
    return one_hot([dinucleotide_shuffle(sequence, rng) for _ in range(n)], dtype)


class Logits(torch.nn.Module):
    """The CNN as tangermeme calls a model: one-hot (n, 4, L) in, logits (n, classes) out."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(one_hot=x).logits


def _global_max(module, grad_input, grad_output):
    """DeepLIFT's multiplier through a global max pool (tangermeme has it for windowed
    pools): the change of the maximum goes to the position that holds it, in the input and in
    the reference, divided by that position's change, so the multipliers times the changes
    sum to the change of the output. Inputs (2m, C, W), the input's rows then the
    reference's."""
    x, ref = module.input.chunk(2)
    y, y_ref = module.output.chunk(2)
    top = torch.maximum(y, y_ref)
    up = grad_output[0].chunk(2)[0]
    routed = torch.zeros_like(x)
    routed.scatter_add_(-1, x.argmax(-1, keepdim=True), up * (top - y_ref))
    routed.scatter_add_(-1, ref.argmax(-1, keepdim=True), up * (y - top))
    delta = x - ref
    half = torch.where(
        delta == 0, grad_input[0].chunk(2)[0], routed / delta.masked_fill(delta == 0, 1)
    )
    return (torch.cat([half, half]),)


# DeepLIFT rules tangermeme lacks for the CNN's layers (its `additional_nonlinear_ops`)
DEEPLIFT_RULES = {torch.nn.AdaptiveMaxPool1d: _global_max}


def _square(maps, valid):
    """Zero the rows and columns of padding in (m, t, t) maps."""
    return maps * (valid[:, :, None] & valid[:, None, :])


def _zero_cls(scores):
    """Set the [CLS] column of (m, t) scores to 0, in place."""
    scores[:, 0] = 0
    return scores


def _codes(batch):
    """Token ids (m, t), or base indices (m, L) with N = 4 for the CNN, on the CPU."""
    if "one_hot" in batch.inputs:
        x = batch.inputs["one_hot"]
        return x.argmax(1).masked_fill(x.sum(1) == 0, 4).cpu()
    return batch.inputs["input_ids"].cpu()


def _differentiable(model, batch):
    """Where gradients are taken: word embeddings (m, t, hidden) or one-hot (m, 4, L); the
    model keyword it goes in; the extra forward arguments (the attention mask)."""
    if "one_hot" in batch.inputs:
        x = batch.inputs["one_hot"].detach().requires_grad_()
        return x, "one_hot", (batch.inputs["attention_mask"],)
    x = model.get_input_embeddings()(batch.inputs["input_ids"]).detach().requires_grad_()
    return x, "inputs_embeds", (batch.inputs["attention_mask"],)


def _forward(model, key, pick):
    """Forward function for captum: logits (m, classes), or with ``pick`` the predicted
    class's logit (m,), so that target=None costs no extra pass."""

    def f(x, mask=None):
        kw = {key: x} if mask is None else {key: x, "attention_mask": mask}
        logits = model(**kw).logits
        return logits.gather(1, logits.argmax(-1, keepdim=True))[:, 0] if pick else logits

    return f


def _captum(cls, model, batch, target):
    """Saliency or InputXGradient on the differentiable input, reduced to (m, t) or (m, L)."""
    x, key, extra = _differentiable(model, batch)
    f = _forward(model, key, pick=target is None)
    a = cls(f).attribute(x, target=target, additional_forward_args=extra)
    return _reduce(a, key)


def _reduce(a, key):
    """Sum attributions over hidden (m, t, hidden) or over the 4 channels (m, 4, L)."""
    return a.sum(1) if key == "one_hot" else a.sum(-1)


def _baseline(model, batch, x, kind):
    """IG reference (m, t, hidden): scored tokens' embeddings set to [PAD], [MASK] or zero."""
    real = batch.real[..., None]
    if kind == "zero":
        return x.detach().masked_fill(real, 0)
    if batch.vocab is None:
        raise ValueError(
            f"baseline={kind!r} needs the Tokenization's vocab (make it with "
            "tokenize), or use baseline='zero'"
        )
    token = batch.vocab.index("[PAD]" if kind == "pad" else "[MASK]")
    ids = batch.inputs["input_ids"].masked_fill(batch.real, token)
    return model.get_input_embeddings()(ids).detach()


# --------------------------------------------------------------------------------------------
# Registrations: per model kind, the function, its options with defaults, and the shared
# passes it uses (kinds of `passes.SharedPasses`).
# --------------------------------------------------------------------------------------------

ATTENTIONS = {("attentions",)}
ATTENTION_MAPS = {("attention_maps",)}


def _chefer(options):
    return {("propagate", options["rules"], options.get("p", 0.0), "encoder")}


def _at_embeddings(rules):
    return lambda options: {("propagate", rules, options.get("p", 0.0), "embeddings")}


def _cnn_pass(options):
    return {("propagate", options["rules"], options.get("p", 0.0), None)}


_CNN_LRP = Variant(_cnn_lrp, {"rules": "cnn"}, _cnn_pass)
register("attention", transformer=Variant(_attention, {}, lambda o: ATTENTIONS))
register("rollout", transformer=Variant(_rollout, {"start_layer": 0}, lambda o: ATTENTIONS))
register("attn_gradcam", transformer=Variant(_attn_gradcam, {}, lambda o: ATTENTION_MAPS))
register(
    "lrp",
    transformer=Variant(
        _lrp,
        {"rules": "chefer", "start_layer": 0, "normalize": True},
        lambda o: _chefer(o) | ATTENTION_MAPS,
    ),
    cnn=_CNN_LRP,
)
register("lrp_last", transformer=Variant(_lrp_last, {"rules": "chefer"}, _chefer))
register("full_lrp", transformer=Variant(_full_lrp, {"rules": "chefer"}, _chefer))
register("attnlrp", transformer=Variant(_attnlrp, {}, _at_embeddings("attnlrp")))
register("cp_lrp", transformer=Variant(_cp_lrp, {}, _at_embeddings("cp")))
register(
    "plrp",
    transformer=Variant(None, {"base": "attnlrp", "p": 0.5}),
    cnn=_CNN_LRP._replace(options={"rules": "cnn", "p": 0.5}),
)
register(
    "integrated_gradients",
    transformer=Variant(_integrated_gradients, {"n_steps": 32, "baseline": "pad"}),
    cnn=Variant(
        _cnn_integrated_gradients,
        {"n_steps": 32, "baseline": "zero", "n_shuffles": 20, "seed": 0},
    ),
)
register(
    "saliency",
    transformer=Variant(_saliency, {}),
    cnn=Variant(_cnn_saliency, {"gradient_correction": True}),
)
register(
    "input_x_gradient",
    transformer=Variant(_input_x_gradient, {}),
    cnn=Variant(_cnn_input_x_gradient, {"gradient_correction": True, "hypothetical": False}),
)
register(
    "ism",
    transformer=Variant(_ism, {"tokenizer": None, "hypothetical": False}),
    cnn=Variant(_ism, {"hypothetical": False}),
    nucleotide=True,
    whole=True,
)
register(
    "deep_lift_shap",
    cnn=Variant(_deep_lift_shap, {"n_shuffles": 20, "seed": 0, "hypothetical": False}),
    whole=True,
)
register("random", transformer=Variant(_random, {"seed": 0}), cnn=Variant(_random, {"seed": 0}))
