"""The model-parameter randomisation test on hand cases whose answer is known."""

import numpy as np
import pytest
import torch

from dnaexplain import attribution as at
from dnaexplain import models, randomisation
from dnaexplain.sequences import one_hot, random_sequences


class Linear(torch.nn.Module):
    """y = W x + b on the flattened one-hot input: its gradient is W, whatever x."""

    def __init__(self, length):
        super().__init__()
        self.dense = torch.nn.Linear(4 * length, 2)

    def forward(self, x):
        return self.dense(x.flatten(1))


def gradient(model, x, c=1):
    x = x.clone().requires_grad_()
    (g,) = torch.autograd.grad(model(x)[:, c].sum(), x)
    return g.sum(1)  # (n, L)


@pytest.fixture(scope="module")
def x():
    return one_hot(random_sequences(40, 50, seed=0), torch.float64)


def test_blocks_run_from_the_head_to_the_input():
    cnn = models.cnn("tiny")
    assert [b for b, _ in randomisation.blocks(cnn)] == ["classifier", "fc", "conv2", "conv1"]
    bert = models.dnabert("tiny", k=3)
    names = [b for b, _ in randomisation.blocks(bert)]
    layers = bert.config.num_hidden_layers
    assert names == [
        "classifier",
        "bert.pooler",
        *[f"bert.encoder.layer.{i}" for i in reversed(range(layers))],
        "bert.embeddings",
    ]
    embeddings = dict(randomisation.blocks(bert))["bert.embeddings"]
    assert "bert.embeddings.word_embeddings" in embeddings


def test_cascading_keeps_what_it_randomised_and_independent_does_not():
    torch.manual_seed(0)
    cnn = models.cnn("tiny").double()
    before = {k: v.clone() for k, v in cnn.state_dict().items()}

    def changed(m):
        return {k.split(".")[0] for k, v in m.state_dict().items() if not torch.equal(v, before[k])}

    # every step is a model of its own: collected first, each keeps what it had
    cascade = [changed(m) for _, m in list(randomisation.randomised(cnn, "cascading", seed=1))]
    assert cascade == [
        {"classifier"},
        {"classifier", "fc"},
        {"classifier", "fc", "conv2"},
        {"classifier", "fc", "conv2", "conv1"},
    ]
    alone = [changed(m) for _, m in randomisation.randomised(cnn, "independent", seed=1)]
    assert alone == [{"classifier"}, {"fc"}, {"conv2"}, {"conv1"}]
    assert all(torch.equal(v, before[k]) for k, v in cnn.state_dict().items())  # left as found
    with pytest.raises(ValueError, match="order must be one of cascading, independent"):
        next(randomisation.randomised(cnn, "top_down"))


def test_a_map_that_ignores_the_weights_stays_identical(x):
    torch.manual_seed(0)
    cnn = models.cnn("tiny").double().eval()

    def explain(model):
        return {
            "random": at.attribute(model, x, "random", target=1),
            "input": x.argmax(1) * 50.0 + torch.arange(50),  # the input itself, no ties
        }

    table = randomisation.mprt(cnn, explain, x.sum(1) > 0, k=5)
    assert set(table.step) == {0, 1, 2, 3, 4}
    assert np.allclose(table.spearman, 1) and np.allclose(table.overlap, 1)
    summary = randomisation.summary(table)
    assert summary.flagged.all()


def test_the_gradient_of_a_randomised_linear_model_is_unrelated():
    x = one_hot(random_sequences(20, 1000, seed=1), torch.float64)
    torch.manual_seed(0)
    model = Linear(1000).double()

    def explain(m):
        return {"gradient": gradient(m, x)}

    table = randomisation.mprt(model, explain, x.sum(1) > 0, seed=3)
    first = table[table.step == 0]
    assert np.allclose(first.spearman, 1) and np.allclose(first.overlap, 1)
    last = table[table.step == 1]
    # |sum_b W_cb| against an independent draw over 1,000 positions: correlation about 0,
    # within three standard errors (1 / sqrt(999))
    assert abs(last.spearman.mean()) < 0.1
    drawn = next(randomisation.randomised(model, seed=3))[1]
    ranks = [np.argsort(np.argsort(np.abs(gradient(m, x)[0].numpy()))) for m in (model, drawn)]
    assert last.spearman.iloc[0] == pytest.approx(np.corrcoef(*ranks)[0, 1])
    summary = randomisation.summary(table)
    assert not summary.flagged.any()
    row = summary[summary.step == 1].iloc[0]
    assert row.lo <= row.spearman <= row.hi and row.n == 20


def test_a_trained_cnns_gradient_loses_its_map_as_weights_go_random(x):
    torch.manual_seed(0)
    cnn = models.cnn("tiny").double().eval()

    def explain(model):
        return {"saliency": at.attribute(model, x, "saliency", target=1)}

    table = randomisation.mprt(cnn, explain, x.sum(1) > 0, order="cascading")
    means = table.groupby("step").spearman.mean()
    assert means[0] == pytest.approx(1)
    assert means[4] < 0.5


def test_the_first_cascading_step_is_the_first_independent_step(x):
    torch.manual_seed(0)
    cnn = models.cnn("tiny").double().eval()

    def explain(model):
        return {"saliency": at.attribute(model, x, "saliency", target=1)}

    tables = {o: randomisation.mprt(cnn, explain, x.sum(1) > 0, o) for o in randomisation.ORDERS}
    first = [t[t.step == 1].spearman.to_numpy() for t in tables.values()]
    assert np.array_equal(*first)
    last = [t[t.step == 4].spearman.to_numpy() for t in tables.values()]
    assert not np.allclose(*last)  # all blocks random against the first conv alone
