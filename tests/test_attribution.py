"""Tests of dnaexplain.attribution on tiny random models, in float64."""

import copy
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from dnaexplain import attribution as at
from dnaexplain import lrp, models
from dnaexplain import tokenizers as tk
from dnaexplain.attribution import explaining, passes
from dnaexplain.positions import to_nucleotides
from dnaexplain.sequences import one_hot, random_sequences

MIRROR = Path(
    os.environ.get("DNAEXPLAIN_DATA_MIRROR") or Path(__file__).parents[1] / "../shared/data"
)
BPE_JSON = MIRROR / "tokenizers/dnabert2_tokenizer.json"
# different lengths, so batches hold padding; an N in the last one
SEQS = random_sequences(2, 24, seed=0) + random_sequences(1, 15, seed=1) + ["ACGTANCGTTAGCA"]
LRP_METHODS = ["lrp", "lrp_last", "full_lrp", "attnlrp", "cp_lrp", "plrp"]
TOKEN_METHODS = [
    "attention",
    "rollout",
    "attn_gradcam",
    *LRP_METHODS,
    "integrated_gradients",
    "saliency",
    "input_x_gradient",
    "ism",
    "random",
]
CNN_METHODS = [
    "lrp",
    "plrp",
    "integrated_gradients",
    "saliency",
    "input_x_gradient",
    "ism",
    "deep_lift_shap",
    "random",
]
# methods whose scores do not depend on the target class
NO_TARGET = {"attention", "rollout", "random"}


def randomise(model, seed=0, scale=0.5):
    """Random parameters, so biases, LayerNorms and the classifier are not trivial; float64."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=p.dtype) * scale)
    return model.double().eval()


@pytest.fixture(scope="module", params=["dnabert", "dnabert2"])
def transformer(request):
    """(model, tokenizer) of a tiny DNABERT (k=3) or DNABERT-2 (mirror BPE)."""
    if request.param == "dnabert":
        return randomise(models.dnabert("tiny", k=3)), tk.dnabert_tokenizer(3)
    if not BPE_JSON.is_file():
        pytest.skip(f"data mirror not found at {MIRROR} (set DNAEXPLAIN_DATA_MIRROR)")
    return randomise(models.dnabert2("tiny")), tk.dnabert2_tokenizer(BPE_JSON)


@pytest.fixture(scope="module")
def cnn():
    torch.manual_seed(0)  # not whatever state earlier tests left: some draws leave units dead
    return models.cnn("tiny").double().eval()


def options(method, tokenizer=None):
    if method == "ism" and tokenizer is not None:
        return {"tokenizer": tokenizer}
    return {"n_steps": 8} if method == "integrated_gradients" else {}


def logits(model, inputs):
    with torch.no_grad():
        return model(**models.model_inputs(model, inputs)).logits


# --------------------------------------------------------------------------------------------
# Every method: shapes, padding, batching, determinism, target
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", TOKEN_METHODS)
def test_transformer_methods(transformer, method):
    model, tok = transformer
    batch = tk.tokenize(tok, SEQS)
    opts = options(method, tok)
    s = at.attribute(model, batch, method, batch_size=2, **opts)
    nucleotide = at.level(model, method) == "nucleotide"
    assert s.shape == ((4, 24) if nucleotide else batch.input_ids.shape)
    assert s.dtype == torch.float64 and torch.isfinite(s).all()
    assert s.abs().sum() > 0
    if not nucleotide:
        assert torch.all(s[batch.attention_mask == 0] == 0)
    for i, seq in enumerate(SEQS):  # one by one, no padding
        alone = at.attribute(model, tk.tokenize(tok, [seq]), method, **opts)[0]
        assert torch.allclose(s[i, : len(alone)], alone, atol=1e-5)
        assert torch.all(s[i, len(alone) :] == 0)
    assert torch.equal(s, at.attribute(model, batch, method, batch_size=2, **opts))
    if method not in NO_TARGET:
        predicted = logits(model, batch).argmax(-1)
        s0 = at.attribute(model, batch, method, target=predicted, **opts)
        s1 = at.attribute(model, batch, method, target=1 - predicted, **opts)
        assert torch.allclose(s0, s)
        assert (s0 - s1).abs().max() > 1e-3


@pytest.mark.parametrize("method", CNN_METHODS)
def test_cnn_methods(cnn, method):
    x = one_hot(SEQS, length=24)
    s = at.attribute(cnn, x, method, batch_size=3, **options(method))
    assert s.shape == (4, 24) and s.dtype == torch.float64
    assert at.level(cnn, method) == "nucleotide"
    assert torch.all(s[x.sum(1) == 0] == 0)  # padding and N
    assert s.abs().sum() > 0
    # each sequence encoded alone, at its own length, scores as in the padded batch
    for i, seq in enumerate(SEQS):
        alone = at.attribute(cnn, one_hot([seq]), method, **options(method))[0]
        assert torch.allclose(s[i, : len(seq)], alone, atol=1e-5)
        assert torch.all(s[i, len(seq) :] == 0)
    if method != "random":
        predicted = logits(cnn, x.double()).argmax(-1)
        s1 = at.attribute(cnn, x, method, target=1 - predicted, **options(method))
        assert (s - s1).abs().max() > 1e-4


@pytest.mark.parametrize("pool", ["max", "mean"])
def test_cnn_logits_do_not_depend_on_the_batch(pool):
    # lengths 280 and 300 as in EPD TATA, and one not a multiple of the pooling width
    torch.manual_seed(0)
    model = models.cnn("tiny", global_pool=pool, pool_size=4).double().eval()
    seqs = random_sequences(2, 280, seed=2) + random_sequences(1, 300, seed=3) + ["ACGTTGCAAGT"]
    batched = logits(model, one_hot(seqs, dtype=torch.float64, length=300))
    alone = torch.cat([logits(model, one_hot([q], dtype=torch.float64)) for q in seqs])
    assert torch.allclose(batched, alone, atol=1e-10)
    # padding is not mistaken for the sequence: wider padding changes nothing either
    wide = logits(model, one_hot(seqs, dtype=torch.float64, length=320))
    assert torch.allclose(wide, alone, atol=1e-10)
    # an explicit mask gives the same as reading the ends from the columns
    mask = torch.arange(300) < torch.tensor([len(q) for q in seqs])[:, None]
    with torch.no_grad():
        masked = model(one_hot(seqs, dtype=torch.float64, length=300), attention_mask=mask).logits
    assert torch.allclose(masked, alone, atol=1e-10)


# --------------------------------------------------------------------------------------------
# Attention methods against hand computations
# --------------------------------------------------------------------------------------------


def test_rollout_rows_are_distributions():
    g = torch.Generator().manual_seed(0)
    maps = [torch.rand(2, 5, 5, generator=g, dtype=torch.float64) for _ in range(3)]
    joint = at.rollout(maps)
    assert torch.all(joint >= 0)
    assert torch.allclose(joint.sum(-1), torch.ones(2, 5, dtype=torch.float64))
    eye = torch.eye(5, dtype=torch.float64)
    a = [m + eye for m in maps]
    hand = [x / x.sum(-1, keepdim=True) for x in a]
    assert torch.allclose(joint, hand[2] @ hand[1] @ hand[0])
    assert torch.allclose(at.rollout(maps, start_layer=1), hand[2] @ hand[1])
    assert torch.allclose(at.rollout(maps, start_layer=-1, normalize=False), a[2])
    assert torch.allclose(at.rollout(maps, normalize=False), a[2] @ a[1] @ a[0])
    for start in (0, 1, -1):
        for normalize in (True, False):
            full = at.rollout(maps, start, normalize)
            assert torch.allclose(at.rollout(maps, start, normalize, row=2), full[:, 2])


def test_attention_and_rollout_match_hand_computation(transformer):
    model, tok = transformer
    batch = tk.tokenize(tok, SEQS[:1])  # no padding
    with torch.no_grad():
        probs = model(**models.model_inputs(model, batch), output_attentions=True).attentions
    attention = probs[-1][0, :, 0].sum(0)
    attention[[0, -1]] = 0  # [CLS], [SEP]
    assert torch.allclose(at.attribute(model, batch, "attention")[0], attention)
    eye = torch.eye(probs[0].shape[-1], dtype=torch.float64)
    joint = eye
    for p in probs:
        a = p[0].mean(0) + eye
        joint = (a / a.sum(-1, keepdim=True)) @ joint
    expected = joint[0].clone()
    expected[0] = 0
    assert torch.allclose(at.attribute(model, batch, "rollout")[0], expected)


def test_attn_gradcam_matches_hand_computation(transformer):
    model, tok = transformer
    batch = tk.tokenize(tok, SEQS)
    s = at.attribute(model, batch, "attn_gradcam")
    assert torch.all((s >= 0) & (s <= 1))
    kw = models.model_inputs(model, tk.tokenize(tok, SEQS[2:3]))
    x = model.get_input_embeddings()(kw["input_ids"]).detach().requires_grad_()
    out = model(inputs_embeds=x, attention_mask=kw["attention_mask"], output_attentions=True)
    a = out.attentions[-1]
    y = out.logits[0, out.logits[0].argmax()]
    grad = torch.autograd.grad(y, a)[0][0]
    cam = (grad.mean((1, 2), keepdim=True) * a[0].detach()).mean(0).clamp(min=0)
    cam = (cam - cam.min()) / (cam.max() - cam.min())
    expected = cam[0]
    expected[0] = 0
    assert torch.allclose(s[2, : len(expected)], expected)


def deaf(model):
    """A copy of `model` whose classifier weights are 0: every gradient dy_c / dA is 0, so the
    GradCAM map (mean_h alpha_h A_L[h])+ is 0 everywhere, as after a clamp where every
    alpha_h < 0."""
    model = copy.deepcopy(model)
    with torch.no_grad():
        model.classifier.weight.zero_()
    return model


def test_attn_gradcam_constant_map_scores_zero(transformer):
    """Min-max scaling a constant map is 0 / 0 (NaN in Chefer's code): the guard gives 0."""
    model, tok = transformer
    model = deaf(model)
    batch = tk.tokenize(tok, SEQS)
    probs, grads, _, _ = lrp.attention_maps(model, models.model_inputs(model, batch))
    cam = (grads[-1].mean((2, 3), keepdim=True) * probs[-1]).mean(1).clamp(min=0)
    assert torch.equal(cam, torch.zeros_like(cam))  # constant, as built
    assert torch.isnan((cam - cam.min()) / (cam.max() - cam.min())).all()
    s = at.attribute(model, batch, "attn_gradcam")
    assert torch.equal(s, torch.zeros_like(s))


# --------------------------------------------------------------------------------------------
# Gradient methods against autograd; IG completeness
# --------------------------------------------------------------------------------------------


def test_saliency_and_input_x_gradient_match_autograd(transformer):
    model, tok = transformer
    batch = tk.tokenize(tok, SEQS)
    kw = models.model_inputs(model, batch)
    x = model.get_input_embeddings()(kw["input_ids"]).detach().requires_grad_()
    out = model(inputs_embeds=x, attention_mask=kw["attention_mask"]).logits
    target = torch.tensor([0, 1, 1, 0])
    grad = torch.autograd.grad(out.gather(1, target[:, None]).sum(), x)[0]
    pad = batch.attention_mask[..., None] == 0
    saliency = grad.abs().masked_fill(pad, 0).sum(-1)
    ixg = (grad * x).masked_fill(pad, 0).sum(-1).detach()
    assert torch.allclose(at.attribute(model, batch, "saliency", target=target), saliency)
    assert torch.allclose(at.attribute(model, batch, "input_x_gradient", target=target), ixg)


@pytest.mark.parametrize("baseline", ["pad", "zero"])
def test_integrated_gradients_completeness(transformer, baseline):
    model, tok = transformer
    batch = tk.tokenize(tok, SEQS)
    s = at.attribute(model, batch, "integrated_gradients", target=1, n_steps=64, baseline=baseline)
    real = batch.spans[..., 0] >= 0
    emb = model.get_input_embeddings()
    if baseline == "pad":
        ref = emb(batch.input_ids.masked_fill(real, batch.vocab.index("[PAD]")))
    else:
        ref = emb(batch.input_ids).masked_fill(real[..., None], 0)
    with torch.no_grad():
        y0 = model(inputs_embeds=ref, attention_mask=batch.attention_mask).logits[:, 1]
    y = logits(model, batch)[:, 1]
    assert torch.allclose(s.sum(1), y - y0, rtol=1e-4, atol=1e-6)
    assert torch.all(s[~real] == 0)  # [CLS], [SEP] and padding equal their baseline


def test_cnn_gradients_match_autograd(cnn):
    x = one_hot(SEQS, dtype=torch.float64, length=24).requires_grad_()
    grad = torch.autograd.grad(cnn(x).logits[:, 1].sum(), x)[0]
    zero = x.sum(1) == 0
    plain = {"target": 1, "gradient_correction": False}
    assert torch.allclose(
        at.attribute(cnn, x.detach(), "saliency", **plain), grad.abs().sum(1).masked_fill(zero, 0)
    )
    assert torch.allclose(
        at.attribute(cnn, x.detach(), "input_x_gradient", **plain), (grad * x).sum(1).detach()
    )
    # corrected (the default): the mean over the four channels removed at each position
    fixed = (grad - grad.mean(1, keepdim=True)).masked_fill(zero[:, None], 0)
    assert torch.allclose(at.attribute(cnn, x.detach(), "saliency", target=1), fixed.abs().sum(1))
    assert torch.allclose(
        at.attribute(cnn, x.detach(), "input_x_gradient", target=1), (fixed * x).sum(1).detach()
    )
    # ReLU kinks make the path integral converge slowly: more steps, looser tolerance
    ig = at.attribute(cnn, x.detach(), "integrated_gradients", target=1, n_steps=512)
    # the reference is the all-zero sequence of the same length: the mask keeps its end
    ends = torch.tensor([len(s) for s in SEQS])
    mask = torch.arange(x.shape[-1]) < ends[:, None]
    with torch.no_grad():
        y0 = cnn(torch.zeros_like(x), attention_mask=mask).logits[:, 1]
    y = logits(cnn, x.detach())[:, 1] - y0
    assert torch.allclose(ig.sum(1), y, rtol=1e-2, atol=1e-4)


# --------------------------------------------------------------------------------------------
# ism, random
# --------------------------------------------------------------------------------------------


def brute_force_ism(predict_one, seqs):
    """Reference in-silico mutagenesis: one prediction per mutant, in plain Python."""
    out = torch.zeros(len(seqs), max(map(len, seqs)), dtype=torch.float64)
    for i, seq in enumerate(seqs):
        ref = predict_one(seq)
        c = ref.argmax()
        for p, base in enumerate(seq):
            if base == "N":
                continue
            mutants = [predict_one(seq[:p] + b + seq[p + 1 :])[c] for b in "ACGT" if b != base]
            out[i, p] = ref[c] - sum(mutants) / 3
    return out


def test_ism_matches_brute_force(transformer):
    model, tok = transformer
    s = at.attribute(model, tk.tokenize(tok, SEQS), "ism", tokenizer=tok, batch_size=7)
    expected = brute_force_ism(lambda seq: logits(model, tk.tokenize(tok, [seq]))[0], SEQS)
    assert torch.allclose(s, expected, atol=1e-10)
    assert torch.all(s[3, 5] == 0)  # N


def test_cnn_ism_matches_brute_force(cnn):
    # every sequence padded to 24 bp, as in the batch
    s = at.attribute(cnn, one_hot(SEQS, length=24), "ism", batch_size=5)
    padded = [seq + "N" * (24 - len(seq)) for seq in SEQS]
    expected = brute_force_ism(lambda seq: logits(cnn, one_hot([seq], torch.float64))[0], padded)
    assert torch.allclose(s, expected, atol=1e-10)


def test_random_is_seeded(transformer):
    model, tok = transformer
    batch = tk.tokenize(tok, SEQS)
    s = at.attribute(model, batch, "random", seed=3)
    assert torch.equal(s, at.attribute(model, batch, "random", seed=3))
    other = at.attribute(model, batch, "random", seed=4)
    real = batch.spans[..., 0] >= 0
    assert not torch.allclose(s[real], other[real])
    assert torch.all(s[~real] == 0) and torch.all((s[real] > 0) & (s[real] < 1))
    assert s[real].std().item() == pytest.approx(12**-0.5, abs=0.1)  # uniform [0, 1)


# --------------------------------------------------------------------------------------------
# LRP methods
# --------------------------------------------------------------------------------------------


def test_full_lrp_is_conservative(transformer):
    model, tok = transformer
    batch = tk.tokenize(tok, SEQS[:1])
    kw = models.model_inputs(model, batch)
    rel = lrp.propagate(model, kw, rules="chefer", read_at="encoder")
    assert rel.input.sum().item() == pytest.approx(1.0, abs=1e-6)
    expected = rel.input.sum(-1)[0]
    expected[0] = 0
    assert torch.allclose(at.attribute(model, batch, "full_lrp")[0], expected)


def test_rollout_by_hand():
    # A1 + I = [[1, 2], [3, 1]]: rows / 3 and / 4; A2 + I = [[1, 1], [0, 1]]: row 0 / 2
    maps = [
        torch.tensor([[[0.0, 2.0], [3.0, 0.0]]], dtype=torch.float64),
        torch.tensor([[[0.0, 1.0], [0.0, 0.0]]], dtype=torch.float64),
    ]
    # normalised: row 0 = 1/2 (1/3, 2/3) + 1/2 (3/4, 1/4); row 1 = (3/4, 1/4)
    assert torch.allclose(
        at.rollout(maps), torch.tensor([[[13 / 24, 11 / 24], [3 / 4, 1 / 4]]], dtype=torch.float64)
    )
    # raw: [[1, 1], [0, 1]] @ [[1, 2], [3, 1]]
    assert torch.equal(
        at.rollout(maps, normalize=False),
        torch.tensor([[[4.0, 3.0], [3.0, 1.0]]], dtype=torch.float64),
    )
    assert torch.equal(
        at.rollout(maps, start_layer=-1, row=0), torch.tensor([[0.5, 0.5]], dtype=torch.float64)
    )
    assert torch.equal(
        at.rollout(maps, start_layer=-1, normalize=False, row=0),
        torch.tensor([[1.0, 1.0]], dtype=torch.float64),
    )


def test_lrp_reference_settings(transformer):
    """``start_layer=-1`` with the default ``normalize=True`` is the BERT ``generate_LRP`` of
    Chefer et al.: row 0 of (dA_L R_L)+ + I divided by its sum, [CLS] set to the row minimum;
    ``normalize=False`` keeps the row as it is (their ViT code). Over all layers, each
    layer's map + I is row-normalised before the product (a loop here, not `rollout`)."""
    model, tok = transformer
    batch = tk.tokenize(tok, SEQS[:1])
    kw = models.model_inputs(model, batch)
    rel = lrp.propagate(model, kw, rules="chefer", read_at="encoder")
    _, grads, _, _ = lrp.attention_maps(model, kw, rel.target)
    cams = [(g * r).clamp(min=0).mean(1)[0] for g, r in zip(grads, rel.attention)]
    eye = torch.eye(len(cams[0]), dtype=cams[0].dtype)
    row = cams[-1][0] + eye[0]
    for normalize, expected in [(True, row / row.sum()), (False, row.clone())]:
        expected[0] = expected.min()
        s = at.attribute(model, batch, "lrp", start_layer=-1, normalize=normalize)[0]
        assert torch.allclose(s, expected)
    joint = eye
    for cam in cams:
        a = cam + eye
        joint = (a / a.sum(-1, keepdim=True)) @ joint
    expected = joint[0].clone()
    expected[0] = expected.min()
    assert torch.allclose(at.attribute(model, batch, "lrp")[0], expected)
    last = rel.attention[-1].clamp(min=0).mean(1)[0, 0]
    last[0] = 0
    assert torch.allclose(at.attribute(model, batch, "lrp_last")[0], last)


@pytest.mark.parametrize("base", at.PLRP_BASES)
def test_plrp_without_pruning_is_its_base(transformer, base):
    model, tok = transformer
    batch = tk.tokenize(tok, SEQS)
    plain = at.attribute(model, batch, base)
    assert torch.allclose(at.attribute(model, batch, "plrp", base=base, p=0.0), plain)
    pruned = at.attribute(model, batch, "plrp", base=base, p=0.5)
    assert not torch.allclose(pruned, plain)


def test_chefer_baseline_rules_differ(transformer):
    model, tok = transformer
    batch = tk.tokenize(tok, SEQS)
    a = at.attribute(model, batch, "full_lrp")
    b = at.attribute(model, batch, "full_lrp", rules="chefer_baseline")
    assert not torch.allclose(a, b)


# --------------------------------------------------------------------------------------------
# explain, errors
# --------------------------------------------------------------------------------------------


def test_explain_maps_to_nucleotides(transformer, cnn):
    model, tok = transformer
    x = at.explain(model, tok, SEQS, "saliency", strategy="split")
    batch = tk.tokenize(tok, SEQS)
    expected = to_nucleotides(at.attribute(model, batch, "saliency"), batch, "split")
    assert x.shape == (4, 24) and torch.equal(x, expected)
    assert torch.all(x[2, 15:] == 0)
    ism = at.explain(model, tok, SEQS, "ism")
    assert torch.equal(ism, at.attribute(model, batch, "ism", tokenizer=tok))
    assert at.explain(cnn, None, SEQS, "saliency").shape == (4, 24)


def test_errors(transformer, cnn):
    model, tok = transformer
    batch = tk.tokenize(tok, SEQS)
    with pytest.raises(ValueError, match="unknown method 'gradcam'; choose one of attention"):
        at.attribute(model, batch, "gradcam")
    with pytest.raises(ValueError, match="the CNN has no attention"):
        at.attribute(cnn, one_hot(SEQS, length=24), "rollout")
    with pytest.raises(TypeError, match="saliency does not take n_steps"):
        at.attribute(model, batch, "saliency", n_steps=3)
    with pytest.raises(TypeError, match="lrp does not take p "):
        at.attribute(model, batch, "lrp", p=0.2)
    with pytest.raises(TypeError, match="plrp does not take start_layer"):
        at.attribute(model, batch, "plrp", base="attnlrp", start_layer=1)
    with pytest.raises(ValueError, match="plrp base must be one of"):
        at.attribute(model, batch, "plrp", base="saliency")
    with pytest.raises(ValueError, match="rules must be one of chefer, chefer_baseline"):
        at.attribute(model, batch, "lrp", rules="attnlrp")
    with pytest.raises(TypeError, match="needs tokenizer="):
        at.attribute(model, batch, "ism")
    with pytest.raises(TypeError, match="needs a Tokenization"):
        at.attribute(model, one_hot(SEQS, length=24), "saliency")
    with pytest.raises(ValueError, match=r"target classes must lie in \[0, 2\)"):
        at.attribute(model, batch, "saliency", target=2)


def state(model):
    """Train / eval mode of every submodule, requires_grad of every parameter, device."""
    return (
        [m.training for m in model.modules()],
        [p.requires_grad for p in model.parameters()],
        {p.device for p in model.parameters()},
    )


# where a device is there to move to, attribute must move the model there and back
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


def check_frozen(model, x, methods, tok=None):
    """A frozen copy of `model` (requires_grad_(False), as inference models are handed over)
    in mixed train / eval mode: every method gives the scores of the plain eval-mode model,
    and the mode of every submodule, the parameters' requires_grad and the device are as
    before."""
    frozen = copy.deepcopy(model).requires_grad_(False).train()
    frozen.classifier.eval()  # mixed modes: a single model.train(flag) cannot restore them
    before = state(frozen)
    for method in methods:
        opts = options(method, tok)
        s = at.attribute(frozen, x, method, target=1, device=DEVICE, **opts)
        assert state(frozen) == before, method
        assert torch.allclose(s, at.attribute(model, x, method, target=1, **opts)), method


def test_every_method_on_a_frozen_transformer(transformer):
    model, tok = transformer
    assert set(TOKEN_METHODS) == set(at.methods_for("transformer"))
    check_frozen(model, tk.tokenize(tok, SEQS), TOKEN_METHODS, tok)


def test_every_method_on_a_frozen_cnn(cnn):
    assert set(CNN_METHODS) == set(at.methods_for("cnn"))
    check_frozen(cnn, one_hot(SEQS, length=24), CNN_METHODS)


def test_explain_all_caches_each_method(tmp_path, monkeypatch):
    torch.manual_seed(0)
    trained = SimpleNamespace(
        model=models.dnabert("tiny", k=3).eval(),
        tokenizer=tk.dnabert_tokenizer(3),
        key="checkpoint-key",
    )
    seqs = ["ACGTACGTAC", "TTGACCA"]
    methods = {
        "attention": ("attention", {}),
        "lrp (baseline)": ("lrp", {"rules": "chefer_baseline"}),
    }
    first = at.explain_all(trained, seqs, methods, root=tmp_path)
    direct = at.explain(trained.model, trained.tokenizer, seqs, "lrp", rules="chefer_baseline")
    np.testing.assert_allclose(first["lrp (baseline)"], direct.numpy())
    assert first["attention"].shape == (2, 10) and (first["attention"][1, 7:] == 0).all()
    monkeypatch.setattr(
        explaining, "explain_many", lambda *a, **k: pytest.fail("recomputed a cached entry")
    )
    again = at.explain_all(trained, seqs, methods, root=tmp_path)
    np.testing.assert_array_equal(again["attention"], first["attention"])
    # a new method beside cached ones: only it is computed
    calls = []
    monkeypatch.setattr(
        explaining,
        "explain_many",
        lambda *a, **k: calls.append(a[3]) or {label: torch.zeros(2, 10) for label in a[3]},
    )
    at.explain_all(trained, seqs, {**methods, "rollout": ("rollout", {})}, root=tmp_path)
    assert calls == [{"rollout": ("rollout", {})}]


VARIANTS = {
    "attention": ("attention", {}),
    "rollout": ("rollout", {}),
    "rollout (last)": ("rollout", {"start_layer": -1}),
    "attn_gradcam": ("attn_gradcam", {}),
    "lrp": ("lrp", {}),
    "lrp (reference)": ("lrp", {"start_layer": -1}),
    "lrp (baseline)": ("lrp", {"rules": "chefer_baseline"}),
    "lrp_last": ("lrp_last", {}),
    "full_lrp": ("full_lrp", {}),
    "attnlrp": ("attnlrp", {}),
    "cp_lrp": ("cp_lrp", {}),
    "plrp": ("plrp", {"base": "lrp", "p": 0.3}),
    "saliency": ("saliency", {}),
    "random": ("random", {}),
}


@pytest.mark.parametrize("target", [None, 1])
def test_methods_together_equal_each_alone(transformer, cnn, target):
    model, tok = transformer
    batch = tk.tokenize(tok, SEQS)
    together = at.attribute_all(model, batch, VARIANTS, target, batch_size=3)
    assert list(together) == list(VARIANTS)
    for label, (method, opts) in VARIANTS.items():
        alone = at.attribute(model, batch, method, target, batch_size=3, **opts)
        # together, the attention maps and their gradients come from the Chefer pass's
        # forward: the same numbers to float64 rounding
        torch.testing.assert_close(together[label], alone, rtol=1e-10, atol=1e-12, msg=label)
    methods = {"lrp": ("lrp", {}), "plrp": ("plrp", {"p": 0.5}), "ism": ("ism", {})}
    x = one_hot(SEQS, length=24)
    together = at.attribute_all(cnn, x, methods, target)
    for label, (method, opts) in methods.items():
        assert torch.equal(together[label], at.attribute(cnn, x, method, target, **opts)), label


@pytest.mark.parametrize("target", [None, 1])
def test_shared_passes_run_once_per_batch(transformer, monkeypatch, target):
    """With lrp or attn_gradcam (the attention gradients) and a Chefer LRP pass among the
    methods, one forward serves the whole attention family: the attention maps, the LRP pass
    and the gradient pass to the attention maps (also when the target is the predicted
    class); attnlrp has a pass of its own."""
    model, tok = transformer
    batch = tk.tokenize(tok, SEQS)
    calls = {"propagate": [], "attention_maps": [], "forward": 0}
    for name in ("propagate", "attention_maps"):
        original = getattr(passes, name)

        def counted(*a, _f=original, _name=name, **k):
            calls[_name].append((k.get("rules"), k.get("grads")))
            return _f(*a, **k)

        monkeypatch.setattr(passes, name, counted)
    hook = model.register_forward_hook(
        lambda *a: calls.__setitem__("forward", calls["forward"] + 1)
    )
    try:
        methods = ["attention", "rollout", "attn_gradcam", "lrp", "lrp_last", "full_lrp", "attnlrp"]
        at.attribute_all(model, batch, {m: (m, {}) for m in methods}, target, batch_size=2)
    finally:
        hook.remove()
    chunks = 2
    assert sorted(calls["propagate"]) == (
        [("attnlrp", False)] * chunks + [("chefer", True)] * chunks
    )
    assert calls["attention_maps"] == []
    # per chunk: the Chefer pass (serving the attention family) and the AttnLRP pass
    assert calls["forward"] == 2 * chunks


def test_attention_gradients_without_a_chefer_pass_take_their_own(transformer, monkeypatch):
    model, tok = transformer
    calls = []
    monkeypatch.setattr(
        passes,
        "attention_maps",
        lambda *a, _f=passes.attention_maps, **k: calls.append(1) or _f(*a, **k),
    )
    at.attribute_all(
        model,
        tk.tokenize(tok, SEQS),
        {"attn_gradcam": ("attn_gradcam", {}), "attention": ("attention", {})},
        batch_size=4,
    )
    assert len(calls) == 1


def test_plrp_variants_label_each_fraction():
    assert at.plrp_variants("cnn", [0.0, 0.5, 0.9]) == {
        "p = 0": ("lrp", {}),
        "p = 0.5": ("plrp", {"p": 0.5}),
        "p = 0.9": ("plrp", {"p": 0.9}),
    }
    assert at.plrp_variants("dnabert2", [0.0, 0.25]) == {
        "p = 0": ("attnlrp", {}),
        "p = 0.25": ("plrp", {"base": "attnlrp", "p": 0.25}),
    }


def test_invariants_on_a_float32_model_left_as_it_is(transformer):
    model, tok = transformer
    single = copy.deepcopy(model).float()
    table = at.invariants(single, tok, SEQS, target=[0, 1, 1, 0])
    assert next(single.parameters()).dtype == torch.float32
    assert list(table.columns) == ["min", "max"]
    assert np.allclose(table.loc["full_lrp total (chefer)"], 1, atol=1e-10)
    assert np.allclose(table.loc["rollout row sums"], 1, atol=1e-12)
    low, high = table.loc["attn_gradcam"]
    assert 0 <= low <= high <= 1
    baseline = table.loc["full_lrp total (chefer_baseline)"]
    assert np.abs(baseline - 1).max() > 1e-3  # the baseline rules do not conserve


def test_a_registered_method_is_read_by_attribute_and_the_parameter_checks(cnn, monkeypatch):
    from dnaexplain import params

    monkeypatch.setitem(at.REGISTRY, "first_base", None)  # restored after the test

    def first_base(run, batch, target, weight):
        x = batch.inputs["one_hot"]
        return weight * x[:, 0]  # the A channel: a map that ignores the model

    at.register("first_base", cnn=at.Variant(first_base, {"weight": 2.0}))
    x = one_hot(SEQS, length=24)
    s = at.attribute(cnn, x, "first_base")
    assert torch.equal(s, 2.0 * x[:, 0].double())
    assert at.level(cnn, "first_base") == "nucleotide"
    params.check(compare_methods={"cnn": ["first_base", "lrp"]})
    with pytest.raises(ValueError, match="method 'first_base' does not run on the dnabert"):
        params.check(compare_methods={"dnabert": ["first_base"]})
    with pytest.raises(ValueError, match="method 'attention' does not run on the cnn"):
        params.check(compare_methods={"cnn": ["attention"]})
    with pytest.raises(ValueError, match="'attention' does not run on a cnn"):
        at.attribute(cnn, x, "attention")
