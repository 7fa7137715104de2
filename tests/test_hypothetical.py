"""Four-channel (hypothetical) scores and the CNN's field-standard maps, against tangermeme's
own functions on a tiny float64 CNN."""

import warnings

import pytest
import torch
from tangermeme.deep_lift_shap import deep_lift_shap
from tangermeme.saliency import saliency
from tangermeme.saturation_mutagenesis import saturation_mutagenesis

from dnaexplain import attribution as at
from dnaexplain import models
from dnaexplain import tokenizers as tk
from dnaexplain.attribution.methods import Logits, _shuffles
from dnaexplain.sequences import one_hot, random_sequences

SEQS = random_sequences(5, 30, seed=3)  # one length, no N: tangermeme's own setting


@pytest.fixture(scope="module")
def cnn():
    torch.manual_seed(0)
    return models.cnn("tiny").double().eval()


@pytest.fixture(scope="module")
def x():
    return one_hot(SEQS, torch.float64)


def test_input_x_gradient_equals_tangermeme_saliency(cnn, x):
    for hypothetical in (False, True):
        ours = at.attribute(cnn, x, "input_x_gradient", target=1, hypothetical=hypothetical)
        theirs = saliency(Logits(cnn), x, target=1, hypothetical=hypothetical, device="cpu")
        assert torch.allclose(ours, theirs if hypothetical else theirs.sum(1), atol=1e-12)
    hypothetical = at.attribute(cnn, x, "input_x_gradient", target=1, hypothetical=True)
    assert hypothetical.shape == (5, 4, 30)
    assert torch.allclose(
        hypothetical.sum(1), torch.zeros(5, 30, dtype=torch.float64), atol=1e-12
    )  # corrected
    projected = (hypothetical * x).sum(1)
    assert torch.allclose(projected, at.attribute(cnn, x, "input_x_gradient", target=1))


def test_ism_is_four_thirds_of_tangermeme_ism(cnn, x):
    # ours averages the three mutants; tangermeme subtracts the mean over all four bases, the
    # observed one (change 0) included: the same effects scaled by 3/4
    ours = at.attribute(cnn, x, "ism", target=1, hypothetical=True)
    theirs = saturation_mutagenesis(Logits(cnn), x, target=1, hypothetical=True, device="cpu")
    assert ours.shape == (5, 4, 30)
    assert torch.allclose(ours, 4 / 3 * theirs, atol=1e-10)
    assert torch.allclose((ours * x).sum(1), at.attribute(cnn, x, "ism", target=1), atol=1e-12)


def test_transformer_ism_keeps_each_base_effect():
    tok = tk.dnabert_tokenizer(k=3)
    model = models.dnabert("tiny", k=3).double().eval()
    seqs = ["ACGTTGCAAC", "TTGACN"]
    batch = tk.tokenize(tok, seqs)
    h = at.attribute(model, batch, "ism", tokenizer=tok, target=0, hypothetical=True)
    assert h.shape == (2, 4, 10)
    with torch.no_grad():
        y0 = model(**models.model_inputs(model, tk.tokenize(tok, [seqs[0]]))).logits[0, 0]
        seq = seqs[0][:4] + "A" + seqs[0][5:]  # position 4: T -> A, re-tokenised
        y = model(**models.model_inputs(model, tk.tokenize(tok, [seq]))).logits[0, 0]
    effects = h[0, :, 4] * 3 / 4  # d_b - mean over the four bases, d_T = 0
    assert torch.allclose(effects[0] - effects[3], y - y0, atol=1e-10)
    assert torch.all(h[1, :, 5:] == 0)  # the N and the padding
    scores = at.attribute(model, batch, "ism", tokenizer=tok, target=0)
    assert torch.allclose((h * one_hot(seqs, torch.float64, length=10)).sum(1), scores)


def test_deep_lift_shap_sums_to_the_mean_change_from_its_references(cnn, x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # tangermeme warns when the sums do not converge
        s = at.attribute(cnn, x, "deep_lift_shap", target=1, n_shuffles=6, seed=2)
    refs = torch.stack([_shuffles(q, 6, 2, torch.float64) for q in SEQS])
    with torch.no_grad():
        y = cnn(one_hot=x).logits[:, 1]
        y_ref = cnn(one_hot=refs.flatten(0, 1)).logits[:, 1].view(5, 6)
    assert torch.allclose(s.sum(1), y - y_ref.mean(1), atol=1e-10)
    # the global max pool's rule is what makes it sum: without it the pool passes gradients
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = deep_lift_shap(Logits(cnn), x, target=1, references=refs, device="cpu")
    assert not torch.allclose(plain.sum((1, 2)), y - y_ref.mean(1), atol=1e-6)


def test_deep_lift_shap_is_tangermeme_with_the_pool_rule_and_per_sequence_references(cnn, x):
    from dnaexplain.attribution.methods import _global_max

    refs = torch.stack([_shuffles(q, 4, 0, torch.float64) for q in SEQS])
    theirs = deep_lift_shap(
        Logits(cnn),
        x,
        target=0,
        references=refs,
        hypothetical=True,
        additional_nonlinear_ops={torch.nn.AdaptiveMaxPool1d: _global_max},
        device="cpu",
    )
    ours = at.attribute(cnn, x, "deep_lift_shap", target=0, n_shuffles=4, hypothetical=True)
    assert torch.allclose(ours, theirs, atol=1e-12)
    # references are drawn per sequence: one sequence alone scores as in the batch
    alone = at.attribute(cnn, x[2:3], "deep_lift_shap", target=0, n_shuffles=4)
    assert torch.allclose(alone[0], (ours * x).sum(1)[2], atol=1e-12)


def test_dinucleotide_shuffles_keep_the_dinucleotides():
    q = "ACGTTGCAACGGTAC"
    refs = _shuffles(q, 3, 0, torch.float32)
    idx = refs.argmax(1)
    for r in idx:
        s = "".join("ACGT"[i] for i in r)
        pairs = sorted(a + b for a, b in zip(s, s[1:]))
        assert pairs == sorted(a + b for a, b in zip(q, q[1:]))
        assert s[0] == q[0] and s[-1] == q[-1]
    assert not torch.equal(refs[0], refs[1])


def test_integrated_gradients_from_shuffled_references_sum_to_their_mean_change(cnn, x):
    s = at.attribute(
        cnn, x, "integrated_gradients", target=1, baseline="shuffled", n_shuffles=3, n_steps=256
    )
    refs = torch.stack([_shuffles(q, 3, 0, torch.float64) for q in SEQS])
    with torch.no_grad():
        y = cnn(one_hot=x).logits[:, 1]
        y_ref = cnn(one_hot=refs.flatten(0, 1)).logits[:, 1].view(5, 3)
    # ReLU kinks: the path integral converges slowly, so a loose tolerance
    assert torch.allclose(s.sum(1), y - y_ref.mean(1), rtol=1e-2, atol=1e-3)
    zero = at.attribute(cnn, x, "integrated_gradients", target=1, n_steps=256)
    assert not torch.allclose(s, zero, atol=1e-3)
    with pytest.raises(ValueError, match="baseline must be one of zero, shuffled on a cnn"):
        at.attribute(cnn, x, "integrated_gradients", baseline="pad")
