"""CONTRIBUTING.md stays true: its import layers are the package's, its example method runs."""

import importlib.util
import re
import warnings
from pathlib import Path

import pytest
import torch

from dnaexplain import attribution, models
from dnaexplain.sequences import one_hot, random_sequences

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "CONTRIBUTING.md").read_text()


def _layers_script():
    spec = importlib.util.spec_from_file_location(
        "import_layers", ROOT / "scripts" / "import_layers.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_import_layers_shown_are_the_packages():
    layers = _layers_script()
    assert layers.picture() in GUIDE, "run: python scripts/import_layers.py --write"
    found = layers.layers(layers.graph())
    assert found[0] and "params" in found[-1]  # the checks sit on top, reading every layer


def test_the_layers_reject_an_import_circle():
    layers = _layers_script()
    try:
        layers.layers({"a": {"b"}, "b": {"a"}})
    except ValueError as e:
        assert "import circle" in str(e)
    else:
        raise AssertionError("a circle was not found")


def test_the_example_method_registers_and_equals_saliency(monkeypatch):
    code = re.search(r"```python\n(.*?)```", GUIDE, re.S).group(1)
    monkeypatch.setitem(attribution.REGISTRY, "gradient_norm", None)  # removed afterwards
    exec(compile(code, "CONTRIBUTING.md", "exec"), {})
    torch.manual_seed(0)
    cnn = models.cnn("tiny").double().eval()
    x = one_hot(random_sequences(3, 30, seed=0), dtype=torch.float64)
    mine = attribution.attribute(cnn, x, "gradient_norm", target=1)
    plain = attribution.attribute(cnn, x, "saliency", target=1, gradient_correction=False)
    assert torch.allclose(mine, plain)


def test_the_whole_example_wraps_tangermeme_and_needs_the_pool_rule(monkeypatch):
    from tangermeme.deep_lift_shap import deep_lift_shap

    code = next(c for c in re.findall(r"```python\n(.*?)```", GUIDE, re.S) if "whole=True" in c)
    monkeypatch.setitem(attribution.REGISTRY, "tangermeme_dls", None)  # removed afterwards
    exec(compile(code, "CONTRIBUTING.md", "exec"), {})
    torch.manual_seed(0)
    cnn = models.cnn("tiny").double().eval()
    x = one_hot(random_sequences(4, 30, seed=0), dtype=torch.float64)
    target = torch.tensor([0, 1, 1, 0])
    with warnings.catch_warnings():  # with the rule, the scores add up: no warning
        warnings.simplefilter("error", RuntimeWarning)
        mine = attribution.attribute(cnn, x, "tangermeme_dls", target=target, n_shuffles=5)
    assert mine.shape == (4, 30)
    logits = attribution.Logits(cnn)
    rows = target == 1  # the rows of one class, as one tangermeme call gives them
    theirs = deep_lift_shap(
        logits,
        x[rows],
        target=1,
        n_shuffles=5,
        random_state=0,
        additional_nonlinear_ops=attribution.DEEPLIFT_RULES,
    )
    assert torch.allclose(mine[rows], theirs.sum(1), atol=1e-12)
    # without the pool rule, tangermeme's convergence check fails on the same call
    with pytest.warns(RuntimeWarning, match="has no DeepLIFT rule"):
        deep_lift_shap(logits, x[rows], target=1, n_shuffles=5, random_state=0)
