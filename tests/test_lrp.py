"""Tests of dnaexplain.lrp: conservation, invariants, parity with gradients, pruning, batching."""

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dnaexplain import lrp, models


def randomise(model, seed=0):
    """Every parameter N(0, 0.5^2), so LayerNorm and biases are not trivial; float64, eval."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=p.dtype) * 0.5)
    return model.double().eval()


def dnabert(**overrides):
    """Random tiny DNABERT (stock BERT, 3-mers), 3 classes, float64."""
    return randomise(models.dnabert("tiny", num_labels=3, k=3, **overrides))


def dnabert2(**overrides):
    """Random tiny DNABERT-2 with a 64-token vocabulary, 3 classes, float64."""
    return randomise(models.dnabert2("tiny", num_labels=3, vocab_size=64, **overrides))


def cnn(**overrides):
    """Random tiny CNN, 3 classes, float64."""
    return randomise(models.cnn("tiny", num_labels=3, **overrides), seed=2)


BUILDERS = {"dnabert": dnabert, "dnabert2": dnabert2}


def tokens(lengths, seed=1):
    """input_ids / attention_mask (n, max(lengths)), right-padded with id 0."""
    g = torch.Generator().manual_seed(seed)
    t = max(lengths)
    ids = torch.randint(5, 64, (len(lengths), t), generator=g)
    mask = (torch.arange(t)[None] < torch.tensor(lengths)[:, None]).long()
    return {"input_ids": ids * mask, "attention_mask": mask}


def one_hot(n, length, seed=3):
    """Random one-hot DNA {"one_hot": (n, 4, length)}, float64."""
    g = torch.Generator().manual_seed(seed)
    bases = torch.randint(0, 4, (n, length), generator=g)
    return {"one_hot": F.one_hot(bases, 4).permute(0, 2, 1).double()}


def zero_biases(model):
    """Zero what absorbs relevance below the logit: every bias (Linear, LayerNorm beta) and the
    position and token-type embeddings, which are biases added to the word embeddings."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias") or "position_embeddings" in name or "token_type" in name:
                p.zero_()
    return model


def totals(r):
    """Per-sample sum, (n, ...) -> (n,)."""
    return r.flatten(1).sum(1)


# --------------------------------------------------------------------------------------------
# Chefer's rules
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUILDERS)
@pytest.mark.parametrize("read_at", ["encoder", "embeddings"])
def test_chefer_conserves_at_every_block(name, read_at):
    """Total 1 at every layer boundary; at the word embeddings only once the position and
    token-type embeddings, which take their share of the embedding sum, are zero."""
    model = BUILDERS[name]()
    if read_at == "embeddings":
        with torch.no_grad():
            for key, p in model.named_parameters():
                if "position_embeddings" in key or "token_type" in key:
                    p.zero_()
    record = {}
    rel = lrp.propagate(model, tokens([9, 9, 9]), rules="chefer", read_at=read_at, record=record)
    assert len(record["blocks"]) == model.config.num_hidden_layers + 1
    for r in record["blocks"] + [rel.input]:
        torch.testing.assert_close(totals(r), torch.ones(3, dtype=r.dtype), rtol=1e-6, atol=0)


@pytest.mark.parametrize("name", BUILDERS)
def test_chefer_padding(name):
    model = BUILDERS[name]()
    batch = tokens([9, 6, 4])
    rel = lrp.propagate(model, batch, rules="chefer")
    torch.testing.assert_close(totals(rel.input), torch.ones(3, dtype=rel.input.dtype))
    pad = batch["attention_mask"] == 0
    assert rel.input[pad].abs().max() == 0
    for r in rel.attention:
        assert r.shape == (3, model.config.num_attention_heads, 9, 9)
        assert r.transpose(1, 2)[pad].abs().max() == 0  # padded queries
        assert r.transpose(1, 3)[pad].abs().max() == 0  # padded keys


@pytest.mark.parametrize("name", BUILDERS)
def test_chefer_baseline_is_not_conservative(name):
    """Chefer's second model: each sign's share over its own denominator doubles the total at
    every linear layer (4 after classifier and pooler) and it ends far from 1 at the input."""
    model = BUILDERS[name]()
    record = {}
    rel = lrp.propagate(model, tokens([9, 9, 9]), rules="chefer_baseline", record=record)
    torch.testing.assert_close(
        totals(record["blocks"][-1]), torch.full((3,), 4.0, dtype=torch.float64)
    )
    assert (totals(rel.input) - 1).abs().max() > 10


# --------------------------------------------------------------------------------------------
# AttnLRP and CP-LRP
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUILDERS)
@pytest.mark.parametrize("read_at", ["encoder", "embeddings"])
def test_attnlrp_sums_to_logit_with_softmax_absorption(name, read_at):
    """With all biases zero, input relevance plus what the softmaxes (and masks, ALiBi) absorb,
    R(A) - R(scores) per layer, is the target logit."""
    model = zero_biases(BUILDERS[name]())
    record = {}
    rel = lrp.propagate(
        model, tokens([9, 7, 5]), target=1, rules="attnlrp", read_at=read_at, record=record
    )
    absorbed = sum(totals(a) - totals(s) for a, s in zip(record["probs"], record["scores"]))
    torch.testing.assert_close(totals(rel.input) + absorbed, rel.logits[:, 1], rtol=1e-6, atol=1e-9)


def qkv_zero(model, parts):
    """Zero the query / key / value projections named in `parts` ("q", "k", "v")."""
    with torch.no_grad():
        for layer in model.bert.encoder.layer:
            s = layer.attention.self
            if hasattr(s, "Wqkv"):
                for i, part in enumerate("qkv"):
                    if part in parts:
                        h = s.Wqkv.out_features // 3
                        s.Wqkv.weight[i * h : (i + 1) * h] = 0
                        s.Wqkv.bias[i * h : (i + 1) * h] = 0
            for part, lin in (("q", "query"), ("k", "key"), ("v", "value")):
                if part in parts and hasattr(s, lin):
                    getattr(s, lin).weight.zero_()
                    getattr(s, lin).bias.zero_()
    return model


@pytest.mark.parametrize("name", BUILDERS)
def test_attnlrp_frozen_attention(name):
    """Uniform attention (Q = K = 0): the scores get nothing, the softmax absorbs exactly R(A).
    No value path (V = 0): nothing reaches the softmax and the input sum is the logit."""
    record = {}
    model = qkv_zero(zero_biases(BUILDERS[name]()), "qk")
    rel = lrp.propagate(model, tokens([8, 8]), rules="attnlrp", record=record)
    assert all(s.abs().max() == 0 for s in record["scores"])
    absorbed = sum(totals(a) for a in record["probs"])
    y = rel.logits.gather(1, rel.target[:, None])[:, 0]
    torch.testing.assert_close(totals(rel.input) + absorbed, y, rtol=1e-6, atol=1e-9)
    model = qkv_zero(model, "v")
    rel = lrp.propagate(model, tokens([8, 8]), rules="attnlrp")
    y = rel.logits.gather(1, rel.target[:, None])[:, 0]
    torch.testing.assert_close(totals(rel.input), y, rtol=1e-6, atol=1e-9)


def input_x_gradient(model, batch, target):
    """Plain gradient x input at the word embeddings, by torch.autograd on the stock model."""
    e = model.get_input_embeddings()(batch["input_ids"]).detach().requires_grad_()
    logits = model(inputs_embeds=e, attention_mask=batch["attention_mask"]).logits
    (g,) = torch.autograd.grad(logits[:, target].sum(), e)
    return e * g


def linearised(model):
    """Make LayerNorm almost exactly centring (huge eps, gain sqrt(eps)) and the pooler linear,
    so holding the standard deviation constant changes nothing."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.LayerNorm):
                m.eps = 1e30
                m.weight.fill_(1e15)
    model.bert.pooler.activation = nn.Identity()
    return model


def identity_rule(module, x, y):
    """Forward hook: the same output, with gradient y / x (the identity rule in x * grad)."""
    return x[0] * (y / x[0]).detach()


@pytest.mark.parametrize("name", BUILDERS)
def test_cp_is_gradient_x_input_of_its_rules(name):
    """CP-LRP = plain gradient x input of a copy of the model whose GELU and tanh have the
    gradient f(x)/x (forward hooks) and whose GLU gate is detached; attention is constant
    (Q = K = 0) and LayerNorm linear, so detaching A and the standard deviation change
    nothing. The copy is built with stock autograd, not with the rules under test."""
    model = qkv_zero(linearised(BUILDERS[name]()), "qk")
    model.bert.pooler.activation = nn.Tanh()
    reference = copy.deepcopy(model)
    for m in reference.modules():
        if isinstance(m, models.MLP):
            m.act.register_forward_hook(lambda mod, x, y: y.detach())
        elif type(m).__name__ in ("GELUActivation", "Tanh"):
            m.register_forward_hook(identity_rule)
    batch = tokens([9, 6])
    rel = lrp.propagate(model, batch, target=2, rules="cp", read_at="embeddings")
    expected = input_x_gradient(reference, batch, 2)
    torch.testing.assert_close(rel.input, expected, rtol=1e-6, atol=1e-10)
    # the rules matter here: the plain gradient of the model itself differs
    assert (input_x_gradient(model, batch, 2) - expected).abs().max() > 1e-3


@pytest.mark.parametrize("name", BUILDERS)
@pytest.mark.parametrize(
    ("rules", "read_at", "prune"),
    [
        ("cp", "embeddings", 0.0),
        ("cp", "encoder", 0.0),
        ("cp", "embeddings", 0.5),
        ("chefer", "embeddings", 0.5),
        ("chefer", "encoder", 0.5),
    ],
)  # unpruned chefer: above
def test_conservation_with_biases_zero(name, rules, read_at, prune):
    """The rule sets that claim conservation, pruned or not, on random weights (attention not
    frozen): with every bias zero the total at every block boundary and at the reading point
    is 1 (Chefer's rules, one-hot start) or the target logit y_c (CP-LRP)."""
    model = zero_biases(BUILDERS[name]())
    record = {}
    rel = lrp.propagate(
        model, tokens([9, 7, 5]), target=1, rules=rules, prune=prune, read_at=read_at, record=record
    )
    expected = torch.ones(3, dtype=torch.float64) if rules == "chefer" else rel.logits[:, 1]
    assert len(record["blocks"]) == model.config.num_hidden_layers + 1
    for r in record["blocks"] + [rel.input]:
        torch.testing.assert_close(totals(r), expected, rtol=1e-9, atol=1e-12)


def test_attnlrp_equals_gradient_x_input_on_linear_blocks():
    """Identity activations and no attention path: AttnLRP's rules reduce to gradients."""
    model = qkv_zero(linearised(dnabert(hidden_act="linear")), "qkv")
    batch = tokens([9, 6])
    rel = lrp.propagate(model, batch, target=0, rules="attnlrp", read_at="embeddings")
    torch.testing.assert_close(rel.input, input_x_gradient(model, batch, 0), rtol=1e-6, atol=1e-10)


# --------------------------------------------------------------------------------------------
# CNN
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pool", ["max", "mean"])
def test_cnn_epsilon_is_gradient_x_input_and_conservative(pool, monkeypatch):
    """Without biases and with eps -> 0, LRP-epsilon on a ReLU network is gradient x input and
    sums to the logit."""
    monkeypatch.setattr(lrp, "EPS", 1e-12)
    model = zero_biases(cnn(global_pool=pool))
    batch = one_hot(4, 40)
    rel = lrp.propagate(model, batch, rules="epsilon")
    x = batch["one_hot"].clone().requires_grad_()
    logits = model(one_hot=x).logits
    (g,) = torch.autograd.grad(logits.gather(1, rel.target[:, None]).sum(), x)
    torch.testing.assert_close(rel.input, x * g, rtol=1e-8, atol=1e-12)
    y = rel.logits.gather(1, rel.target[:, None])[:, 0]
    torch.testing.assert_close(totals(rel.input), y, rtol=1e-8, atol=1e-12)


def test_cnn_zplus_keeps_the_sign():
    """z+ on non-negative inputs (one-hot, ReLU outputs) gives every input the logit's sign."""
    model = zero_biases(cnn())
    rel = lrp.propagate(model, one_hot(4, 40), target=0, rules="zplus")
    y = rel.logits[:, 0]
    assert (rel.input * y.sign()[:, None, None] >= 0).all()
    torch.testing.assert_close(totals(rel.input), y)


def toy_cnn(pool):
    """conv1: 1 filter of width 3 (offsets -1, 0, +1); everything after it a scalar chain.

    Input A at position 0, C at position 1. conv1 at 0: w[A, 0] + w[C, +1] = 2 - 1 = 1;
    at 1: w[A, -1] + w[C, 0] = 1 + 3 = 4. conv2 = 1, fc = 2, classifier (1, -1), no biases.
    """
    model = models.cnn(
        "tiny",
        num_labels=2,
        conv1_channels=1,
        conv1_kernel=3,
        pool_size=1,
        conv2_channels=1,
        conv2_kernel=1,
        hidden_size=1,
        global_pool=pool,
    )
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.conv1.weight[0, 0, 1] = 2  # A, offset 0
        model.conv1.weight[0, 1, 2] = -1  # C, offset +1
        model.conv1.weight[0, 0, 0] = 1  # A, offset -1
        model.conv1.weight[0, 1, 1] = 3  # C, offset 0
        model.conv2.weight.fill_(1)
        model.fc.weight.fill_(2)
        model.classifier.weight[:, 0] = torch.tensor([1.0, -1.0])
    x = torch.zeros(1, 4, 2)
    x[0, 0, 0] = x[0, 1, 1] = 1
    return model.double(), {"one_hot": x.double()}


@pytest.mark.parametrize(
    ("pool", "rules", "a0", "c1"),
    [
        # mean: logit 2 * (1 + 4) / 2 = 5, shared 1 : 4 by the two positions; at position 0
        # epsilon gives A 2 * 1 / 1 = 2 and C -1 * 1 / 1 = -1, z+ gives A all of it (1);
        # at position 1 both give A 1 * 4 / 4 = 1 and C 3 * 4 / 4 = 3.
        ("mean", "epsilon", 3.0, 2.0),
        ("mean", "zplus", 2.0, 3.0),
        ("mean", "cnn", 2.0, 3.0),
        # max: logit 2 * 4 = 8, all of it at position 1: A 1 * 8 / 4 = 2, C 3 * 8 / 4 = 6.
        ("max", "epsilon", 2.0, 6.0),
        ("max", "zplus", 2.0, 6.0),
    ],
)
def test_cnn_toy_example(pool, rules, a0, c1):
    model, batch = toy_cnn(pool)
    rel = lrp.propagate(model, batch, rules=rules)
    expected = torch.zeros(1, 4, 2, dtype=torch.float64)
    expected[0, 0, 0], expected[0, 1, 1] = a0, c1
    assert rel.target.tolist() == [0]
    torch.testing.assert_close(rel.input, expected, rtol=0, atol=1e-5)


# --------------------------------------------------------------------------------------------
# Batching, determinism, targets, dtypes
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUILDERS)
@pytest.mark.parametrize("rules", lrp.TRANSFORMER_RULES)
def test_batched_equals_one_by_one(name, rules):
    model = BUILDERS[name]()
    lengths = [9, 5, 7]
    batch = tokens(lengths)
    rel = lrp.propagate(model, batch, rules=rules, prune=0.3)
    for i, n in enumerate(lengths):
        one = {k: v[i : i + 1, :n] for k, v in batch.items()}
        alone = lrp.propagate(model, one, rules=rules, prune=0.3)
        torch.testing.assert_close(rel.input[i : i + 1, :n], alone.input, rtol=1e-9, atol=1e-12)
        if rel.attention is not None:
            for r, a in zip(rel.attention, alone.attention):
                torch.testing.assert_close(r[i : i + 1, :, :n, :n], a, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("rules", lrp.CNN_RULES)
def test_cnn_batched_equals_one_by_one(rules):
    model = cnn()
    batch = one_hot(3, 40)
    rel = lrp.propagate(model, batch, rules=rules, prune=0.3)
    for i in range(3):
        alone = lrp.propagate(
            model, {"one_hot": batch["one_hot"][i : i + 1]}, rules=rules, prune=0.3
        )
        torch.testing.assert_close(rel.input[i : i + 1], alone.input, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("rules", lrp.TRANSFORMER_RULES)
def test_deterministic(rules):
    model = dnabert2()
    batch = tokens([9, 6])
    a = lrp.propagate(model, batch, rules=rules, prune=0.5)
    b = lrp.propagate(model, batch, rules=rules, prune=0.5)
    assert torch.equal(a.input, b.input)


def test_target_any_class():
    model = dnabert()
    batch = tokens([9, 6, 8])
    rel = lrp.propagate(model, batch)
    assert torch.equal(rel.target, rel.logits.argmax(1))
    by_class = [lrp.propagate(model, batch, target=c) for c in range(3)]
    for c, r in enumerate(by_class):
        assert r.target.tolist() == [c] * 3
        torch.testing.assert_close(totals(r.input), torch.ones(3, dtype=torch.float64))
    mixed = lrp.propagate(model, batch, target=torch.tensor([2, 0, 1]))
    for i, c in enumerate([2, 0, 1]):
        torch.testing.assert_close(mixed.input[i], by_class[c].input[i])
    assert not torch.allclose(by_class[0].input, by_class[1].input)


@pytest.mark.parametrize("name", BUILDERS)
def test_float32(name):
    model = BUILDERS[name]().float()
    rel = lrp.propagate(model, tokens([9, 6]))
    assert rel.input.dtype == torch.float32
    torch.testing.assert_close(totals(rel.input), torch.ones(2), rtol=1e-4, atol=0)


# --------------------------------------------------------------------------------------------
# Pruned LRP
# --------------------------------------------------------------------------------------------


def test_prune_relevance_by_hand():
    r = torch.tensor([[4.0, -1.0, 2.0, 0.5, -3.0, 1.0, -0.5]])
    # positives 4, 2, 1, 0.5 (total 7.5): 0.5 + 1 <= 0.3 * 7.5 = 2.25 go, the rest * 7.5 / 6;
    # negatives -3, -1, -0.5 (total 4.5): 0.5 <= 1.35 goes, the rest * 4.5 / 4
    expected = torch.tensor([[5.0, -1.125, 2.5, 0.0, -3.375, 0.0, 0.0]])
    assert torch.equal(lrp.prune_relevance(r, 0.3), expected)
    assert lrp.prune_relevance(r, 0.0) is r
    # per sample: the second sample is pruned on its own totals
    two = torch.cat([r, 2 * r])[..., None]
    expected = torch.cat([expected, 2 * expected])[..., None]
    assert torch.equal(lrp.prune_relevance(two, 0.3), expected)


CASES = [
    ("dnabert", "chefer"),
    ("dnabert2", "chefer"),
    ("dnabert2", "attnlrp"),
    ("dnabert", "cp"),
    ("cnn", "cnn"),
    ("cnn", "epsilon"),
]


def case(name):
    """(model, inputs) for a model name."""
    if name == "cnn":
        return cnn(), one_hot(3, 40)
    return BUILDERS[name](), tokens([9, 6, 8])


@pytest.mark.parametrize(("name", "rules"), CASES)
def test_prune_zero_is_unpruned(name, rules):
    model, batch = case(name)
    a = lrp.propagate(model, batch, rules=rules)
    b = lrp.propagate(model, batch, rules=rules, prune=0.0)
    assert torch.equal(a.input, b.input)


@pytest.mark.parametrize(("name", "rules"), CASES)
def test_prune_keeps_signed_totals_at_every_linear_input(name, rules, monkeypatch):
    calls = []

    def spy(r, p):
        out = prune(r, p)
        calls.append((r, out))
        return out

    prune = lrp.prune_relevance
    monkeypatch.setattr(lrp, "prune_relevance", spy)
    model, batch = case(name)
    rel = lrp.propagate(model, batch, rules=rules, prune=0.6)
    linears = sum(isinstance(m, (nn.Linear, nn.Conv1d)) for m in model.modules())
    if rules == "cp":  # attention held constant: no relevance reaches the queries and keys
        linears -= 2 * model.config.num_hidden_layers
    assert len(calls) == linears
    for r, out in calls:
        for part in (lambda v: v.clamp(min=0), lambda v: v.clamp(max=0)):
            torch.testing.assert_close(totals(part(out)), totals(part(r)), rtol=1e-9, atol=1e-12)
        assert ((out != 0) <= (r != 0)).all()
    if rules == "chefer":
        torch.testing.assert_close(totals(rel.input), torch.ones(3, dtype=torch.float64))


@pytest.mark.parametrize(("name", "rules"), CASES)
def test_prune_never_adds_nonzeros(name, rules):
    model, batch = case(name)
    counts = [
        (lrp.propagate(model, batch, rules=rules, prune=p).input != 0).flatten(1).sum(1)
        for p in (0.0, 0.3, 0.6, 0.9)
    ]
    for before, after in zip(counts, counts[1:]):
        assert (after <= before).all()
    assert (counts[-1] < counts[0]).any()


# --------------------------------------------------------------------------------------------
# The context manager, errors, attention maps
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dnabert", "dnabert2", "cnn"])
def test_rule_forwards_restores_the_model(name):
    model, batch = case(name)
    model.train()
    with torch.no_grad():
        before = model.eval()(**batch).logits
    model.train()
    rules = "cnn" if name == "cnn" else "chefer"
    lrp.propagate(model, batch, rules=rules)
    with pytest.raises(RuntimeError, match="inside"):
        with lrp.rule_forwards(model, rules) as trace:
            assert not model.training
            model(**batch)
            assert len(trace.probs) == (0 if name == "cnn" else model.config.num_hidden_layers)
            raise RuntimeError("inside")
    assert model.training
    assert all("forward" not in vars(m) for m in model.modules())
    with torch.no_grad():
        assert torch.equal(model.eval()(**batch).logits, before)


def test_errors():
    with pytest.raises(ValueError, match="chefer_baseline, attnlrp, cp"):
        lrp.propagate(dnabert(), tokens([5]), rules="gradcam")
    with pytest.raises(ValueError, match="cnn, epsilon, zplus"):
        lrp.propagate(cnn(), one_hot(1, 20), rules="attnlrp")
    with pytest.raises(ValueError, match="prune"):
        lrp.propagate(dnabert(), tokens([5]), prune=1.0)
    with pytest.raises(ValueError, match="read_at"):
        lrp.propagate(dnabert(), tokens([5]), read_at="pooler")


def test_chefer_on_cnn_is_the_composite():
    model, batch = case("cnn")
    a = lrp.propagate(model, batch)
    b = lrp.propagate(model, batch, rules="cnn")
    assert torch.equal(a.input, b.input) and a.attention is None


@pytest.mark.parametrize("name", BUILDERS)
def test_attention_maps(name):
    model = BUILDERS[name]()
    batch = tokens([9, 6])
    probs, grads, logits, target = lrp.attention_maps(model, batch, target=1)
    assert target.tolist() == [1, 1]
    rel = lrp.propagate(model, batch, target=1)
    torch.testing.assert_close(logits, rel.logits)
    heads = model.config.num_attention_heads
    for p, g in zip(probs, grads):
        assert p.shape == g.shape == (2, heads, 9, 9)
        torch.testing.assert_close(p.sum(-1), torch.ones(2, heads, 9, dtype=p.dtype))
    # last layer: only the [CLS] query reaches the pooler, so only row 0 has a gradient
    assert grads[-1][:, :, 1:].abs().max() == 0 and grads[-1][:, :, 0].abs().max() > 0


@pytest.mark.parametrize("name", BUILDERS)
@pytest.mark.parametrize("rules", lrp.CHEFER_RULES)
@pytest.mark.parametrize("prune", [0.0, 0.5])
def test_one_forward_serves_relevance_and_attention_gradients(name, rules, prune):
    """grads=True: the plain gradient from the second backward equals attention_maps' own
    forward + backward, and the relevance is that of a pass without it."""
    model = BUILDERS[name]()
    batch = tokens([9, 6, 3])
    both = lrp.propagate(model, batch, rules=rules, prune=prune, grads=True)
    alone = lrp.propagate(model, batch, rules=rules, prune=prune)
    probs, grads, logits, target = lrp.attention_maps(model, batch)
    assert torch.equal(both.target, target) and alone.probs is None and alone.grads is None
    torch.testing.assert_close(both.input, alone.input, rtol=0, atol=0)
    for a, b in zip(both.attention, alone.attention):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert len(both.grads) == len(grads) == model.config.num_hidden_layers
    for a, b in zip(both.probs, probs):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)
    for a, b in zip(both.grads, grads):
        assert b.abs().max() > 0
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_grads_need_chefers_rules():
    with pytest.raises(ValueError, match="grads needs Chefer's rules"):
        lrp.propagate(dnabert(), tokens([5]), rules="attnlrp", grads=True)


def test_feedforward_epsilon_rule_by_hand():
    # x = (1, 2); h = relu(W1 x + b1) with W1 = [[1, -1], [2, 1]], b1 = (0.5, 0) -> z = (-0.5, 4)
    # h = (0, 4); y = W2 h + b2 with W2 = [[0.5, 1]], b2 = 1 -> y = 5
    net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0, -1.0], [2.0, 1.0]]))
        net[0].bias.copy_(torch.tensor([0.5, 0.0]))
        net[2].weight.copy_(torch.tensor([[0.5, 1.0]]))
        net[2].bias.fill_(1.0)
    x = torch.tensor([[1.0, 2.0]], dtype=torch.float32)
    out = lrp.feedforward(net.double(), x.double(), rules="epsilon")
    assert out.logits.item() == pytest.approx(5.0)
    # top layer: R_h = h * w * R_y / y = (0, 4 / 5 * 5) = (0, 4); the bias keeps 1
    # bottom layer, unit 2 (z = 4, no bias): R_x = (1 * 2, 2 * 1) * 4 / 4 = (2, 2)
    assert out.input.squeeze().tolist() == pytest.approx([2.0, 2.0], abs=1e-5)
