import json

import numpy as np
import pytest
import torch
from transformers import TrainerCallback

from dnaexplain import data, training


def test_classification_metrics_by_hand():
    # true:  0 0 0 1 1 ; predicted: 0 0 1 1 0
    logits = torch.tensor([[2.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 3.0], [0.5, 0.0]])
    m = training.classification_metrics(logits, [0, 0, 0, 1, 1])
    assert m["accuracy"] == pytest.approx(3 / 5)
    assert m["accuracy_0"] == pytest.approx(2 / 3) and m["accuracy_1"] == pytest.approx(1 / 2)
    assert m["confusion"] == [[2, 1], [1, 1]]
    assert m["f1"] == pytest.approx(0.5)  # precision 1/2, recall 1/2
    # MCC = (TP*TN - FP*FN) / sqrt(...) = (1*2 - 1*1) / sqrt(2*2*3*3)
    assert m["mcc"] == pytest.approx(1 / 6)
    # p(class 1) of positives (0.95, 0.38) beats negatives (0.12, 0.27, 0.73) in 3 + 2 of 6 pairs
    assert m["auroc"] == pytest.approx(5 / 6)


def test_metrics_with_a_missing_class_give_nan_auroc():
    m = training.classification_metrics(torch.zeros(3, 2), [1, 1, 1])
    assert np.isnan(m["auroc"]) and np.isnan(m["accuracy_0"])


@pytest.fixture(scope="module")
def parts():
    # CTCF's long GC-rich site stands out from AT-rich background within a few epochs
    ds = data.synthetic(600, length=60, motifs=("MA0139.1",), seed=0)
    return data.split(ds, min_eval_per_class=60, seed=0)


FAST = {"source": "mini", "epochs": 6, "batch_size": 32, "learning_rate": 3e-3}


def test_cnn_learns_the_planted_motif_and_is_cached(parts, tmp_path, monkeypatch):
    trained = training.fine_tune("cnn", parts, FAST, root=tmp_path)
    assert trained.metrics["accuracy"] > 0.85, trained.metrics
    assert trained.history["eval_accuracy"].notna().sum() == FAST["epochs"]
    assert json.loads((trained.path / "metrics.json").read_text()) == trained.metrics
    assert not list(tmp_path.glob("models/*.work")), "epoch checkpoints left after success"

    def no_training(*a, **k):
        raise AssertionError("trained again instead of using the cache")

    monkeypatch.setattr(training.Trainer, "train", no_training)
    again = training.fine_tune("cnn", parts, FAST, root=tmp_path)
    for a, b in zip(trained.model.parameters(), again.model.parameters()):
        assert torch.equal(a, b)


def test_same_seed_same_model_other_seed_other_model(parts, tmp_path):
    a = training.fine_tune("cnn", parts, {**FAST, "epochs": 1}, seed=1, root=tmp_path / "a")
    b = training.fine_tune("cnn", parts, {**FAST, "epochs": 1}, seed=1, root=tmp_path / "b")
    c = training.fine_tune("cnn", parts, {**FAST, "epochs": 1}, seed=2, root=tmp_path / "c")
    pa, pb, pc = (torch.cat([p.flatten() for p in t.model.parameters()]) for t in (a, b, c))
    assert torch.equal(pa, pb)
    assert not torch.equal(pa, pc)


def test_bf16_training_learns_and_differs_from_fp32(parts, tmp_path):
    fp32 = training.fine_tune("cnn", parts, {**FAST, "precision": "fp32"}, root=tmp_path)
    bf16 = training.fine_tune("cnn", parts, {**FAST, "precision": "bf16"}, root=tmp_path)
    assert bf16.metrics["accuracy"] > 0.85, bf16.metrics
    assert bf16.path != fp32.path
    # same seed and data: only the rounding of the autocast matmuls tells them apart
    pa, pb = (torch.cat([p.flatten() for p in t.model.parameters()]) for t in (fp32, bf16))
    assert not torch.equal(pa, pb)
    assert pb.dtype == torch.float32  # master weights stay fp32
    with pytest.raises(ValueError, match="training precision must be one of"):
        training.fine_tune("cnn", parts, {**FAST, "precision": "half"}, root=tmp_path)


def test_accumulated_micro_batches_match_one_batch(parts, tmp_path):
    settings = {**FAST, "epochs": 1, "precision": "fp32"}
    whole = training.fine_tune("cnn", parts, settings, root=tmp_path)
    split = training.fine_tune("cnn", parts, {**settings, "accumulation": 4}, root=tmp_path)
    pa, pb = (torch.cat([p.flatten() for p in t.model.parameters()]) for t in (whole, split))
    assert split.path != whole.path
    torch.testing.assert_close(pa, pb, atol=1e-5, rtol=1e-4)
    with pytest.raises(ValueError, match="multiple of accumulation"):
        training.fine_tune("cnn", parts, {**settings, "accumulation": 5}, root=tmp_path)


class _Crash(TrainerCallback):
    """Dies right after the first epoch's checkpoint is written."""

    def on_save(self, args, state, control, **kwargs):
        raise KeyboardInterrupt


def test_interrupted_run_resumes_from_its_checkpoint(parts, tmp_path, monkeypatch):
    settings = {**FAST, "epochs": 2}
    with pytest.raises(KeyboardInterrupt):
        training.fine_tune("cnn", parts, settings, root=tmp_path, callbacks=[_Crash()])
    (work,) = tmp_path.glob("models/*.work")
    assert [p.name for p in work.glob("checkpoint-*")], "no checkpoint to resume from"
    assert not list(tmp_path.glob("models/*[!k]/metrics.json")), "a half-trained model was kept"

    resumed = []
    train = training.Trainer.train

    def spy(self, resume_from_checkpoint=None, **kw):
        resumed.append(resume_from_checkpoint)
        return train(self, resume_from_checkpoint=resume_from_checkpoint, **kw)

    monkeypatch.setattr(training.Trainer, "train", spy)
    finished = training.fine_tune("cnn", parts, settings, root=tmp_path)
    assert resumed == [True]
    assert finished.history["eval_accuracy"].notna().sum() == 2


@pytest.mark.parametrize("name", ["dnabert", "dnabert2"])
def test_transformers_train_through_the_same_entry_point(parts, tmp_path, name, monkeypatch):
    if name == "dnabert2":
        from dnaexplain.tokenizers import dnabert2_tokenizer
        try:
            dnabert2_tokenizer()
        except OSError as err:
            pytest.skip(f"DNABERT-2 tokenizer not available offline: {err}")
    trained = training.fine_tune(name, parts, {"source": "tiny", "epochs": 1, "batch_size": 32},
                                 root=tmp_path)
    assert trained.tokenizer is not None
    assert 0 <= trained.metrics["accuracy"] <= 1
    assert trained.path.name in {p.name for p in (tmp_path / "models").iterdir()}


def test_bad_settings_and_names(parts, tmp_path):
    with pytest.raises(KeyError, match="unknown training settings.*'epoch'"):
        training.fine_tune("cnn", parts, {"epoch": 1}, root=tmp_path)
    with pytest.raises(ValueError, match="unknown model 'gpt'"):
        training.fine_tune("gpt", parts, root=tmp_path)


def test_run_settings_override_model_settings():
    train = {"dnabert": {"epochs": 3, "max_train": 100},
             "dnabert:human_enhancers_cohn": {"max_train": 50}}
    assert training.settings_for(train, "dnabert:human_enhancers_cohn") == {"epochs": 3, "max_train": 50}
    assert training.settings_for(train, "dnabert:human_nontata_promoters") == {"epochs": 3, "max_train": 100}
    assert training.settings_for(train, "cnn:human_enhancers_cohn") == {}
    with pytest.raises(ValueError, match="a run is 'model:dataset'"):
        training.run("dnabert", train)


def test_runs_on_class_share_sequences_and_report(tmp_path, monkeypatch):
    monkeypatch.setitem(data.SYNTHETIC_TASK, "n", 300)
    monkeypatch.setenv("DNAEXPLAIN_CACHE", str(tmp_path))
    train = {"cnn": {"source": "tiny", "epochs": 1}, "dnabert": {"source": "tiny", "epochs": 1}}
    runs = ["cnn:synthetic", "dnabert:synthetic"]
    trained, chosen, table = training.runs_on_class(runs, train, "motif", 7, min_eval_per_class=20)
    assert list(trained) == runs and len(chosen) == 7 and (chosen.labels == 1).all()
    assert list(table.index) == runs
    assert table["sequences explained"].tolist() == [7, 7]
    assert table["called motif among them"].between(0, 1).all()
