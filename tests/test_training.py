import json
import threading
import time

import numpy as np
import pytest
import torch
from transformers import TrainerCallback

from dnaexplain import data, defaults, models, training
from dnaexplain.tokenizers import encode


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

    monkeypatch.setattr(training.fitting.Trainer, "train", no_training)
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
    with pytest.raises(ValueError, match="precision must be one of auto, fast, fp32, bf16, fp16"):
        training.fine_tune("cnn", parts, {**FAST, "precision": "half"}, root=tmp_path)


@pytest.mark.parametrize("native", [True, False])
def test_fast_precision_is_the_one_that_runs_and_keys_the_cache(
    parts, tmp_path, monkeypatch, native
):
    monkeypatch.setattr(defaults, "_native_bf16", lambda: native)
    assert defaults.resolve_precision("fast", "cpu") == ("bf16" if native else "fp32")
    assert defaults.resolve_precision("fast", "cuda") == "fp16"
    assert defaults.resolve_precision("auto", "cpu") == "fp32"
    assert defaults.resolve_precision("auto", "cuda:0") == "fp16"
    assert defaults.resolve_precision("bf16", "cpu") == "bf16"
    settings = {**FAST, "epochs": 1}
    fast = training.fine_tune("cnn", parts, {**settings, "precision": "fast"}, root=tmp_path)
    named = "bf16" if native else "fp32"
    monkeypatch.setattr(training.fitting, "_train", lambda *a, **k: pytest.fail("trained again"))
    same = training.fine_tune("cnn", parts, {**settings, "precision": named}, root=tmp_path)
    assert same.path == fast.path


def test_accumulated_micro_batches_match_one_batch(parts, tmp_path):
    settings = {**FAST, "epochs": 1, "precision": "fp32"}
    whole = training.fine_tune("cnn", parts, settings, root=tmp_path)
    split = training.fine_tune("cnn", parts, {**settings, "accumulation": 4}, root=tmp_path)
    pa, pb = (torch.cat([p.flatten() for p in t.model.parameters()]) for t in (whole, split))
    assert split.path != whole.path
    torch.testing.assert_close(pa, pb, atol=1e-5, rtol=1e-4)
    with pytest.raises(ValueError, match="multiple of accumulation"):
        training.fine_tune("cnn", parts, {**settings, "accumulation": 5}, root=tmp_path)


def test_accumulation_logs_the_mean_loss_per_optimiser_step(parts, tmp_path):
    # DNABERT's forward takes **kwargs, which Trainer reads as "normalises over the
    # accumulated micro-batches itself": the loss of an untrained 2-class model must still be
    # logged near ln 2 per optimiser step, the same as without accumulation, not 2 ln 2
    settings = {
        "source": "tiny",
        "epochs": 1,
        "batch_size": 32,
        "learning_rate": 1e-7,
        "precision": "fp32",
    }
    first = {}
    for steps in (1, 2):
        t = training.fine_tune("dnabert", parts, {**settings, "accumulation": steps}, root=tmp_path)
        logged = t.history.dropna(subset=["loss"])
        assert len(logged) and logged["step"].is_monotonic_increasing
        first[steps] = float(logged["loss"].iloc[0])
    assert first[1] == pytest.approx(np.log(2), abs=0.05)
    assert first[2] == pytest.approx(first[1], abs=0.05)


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
    train = training.fitting.Trainer.train

    def spy(self, resume_from_checkpoint=None, **kw):
        resumed.append(resume_from_checkpoint)
        return train(self, resume_from_checkpoint=resume_from_checkpoint, **kw)

    monkeypatch.setattr(training.fitting.Trainer, "train", spy)
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
    trained = training.fine_tune(
        name, parts, {"source": "tiny", "epochs": 1, "batch_size": 32}, root=tmp_path
    )
    assert trained.tokenizer is not None
    assert 0 <= trained.metrics["accuracy"] <= 1
    assert trained.path.name in {p.name for p in (tmp_path / "models").iterdir()}


def test_bad_settings_and_names(parts, tmp_path):
    with pytest.raises(KeyError, match="unknown training settings.*'epoch'"):
        training.fine_tune("cnn", parts, {"epoch": 1}, root=tmp_path)
    with pytest.raises(ValueError, match="unknown model 'gpt'"):
        training.fine_tune("gpt", parts, root=tmp_path)


def test_run_settings_override_model_settings():
    train = {
        "dnabert": {"epochs": 3, "max_train": 100},
        "dnabert:human_enhancers_cohn": {"max_train": 50},
    }
    assert training.settings_for(train, "dnabert:human_enhancers_cohn") == {
        "epochs": 3,
        "max_train": 50,
    }
    assert training.settings_for(train, "dnabert:human_nontata_promoters") == {
        "epochs": 3,
        "max_train": 100,
    }
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
    # without a class: the same number of every class, and each model's correct calls
    trained, chosen, table = training.runs_on_class(runs, train, None, 4, min_eval_per_class=20)
    assert np.bincount(chosen.labels).tolist() == [4, 4]
    classes = [f"accuracy ({c})" for c in chosen.classes]
    assert table.columns.tolist() == [
        "parameters",
        "accuracy (evaluation part)",
        *classes,
        "sequences explained",
        "correct among them",
    ]
    for run, t in trained.items():
        called = models.predict(t.model, encode(t.tokenizer, chosen.sequences)).argmax(1)
        assert table.loc[run, "correct among them"] == (called.numpy() == chosen.labels).sum()


# -- a reader's checkpoints and the model cache's faults -------------------------------------


def _three_classes(n=90, length=40, seed=0):
    rng = np.random.default_rng(seed)
    seqs = ["".join(rng.choice(list("ACGT"), length)) for _ in range(n)]
    ds = data.Dataset("three", seqs, np.arange(n) % 3, ("a", "b", "c"))
    return data.split(ds, min_eval_per_class=6, seed=0)


def _save_dnabert(folder, k=4, num_labels=3, attn="sdpa"):
    """A stock BertForSequenceClassification saved as transformers 5 saves it (tokenizer.json,
    no vocab.txt), as a reader brings it."""
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    from dnaexplain.tokenizers import dnabert_tokenizer

    config = BertConfig(
        vocab_size=5 + 4**k,
        num_labels=num_labels,
        attn_implementation=attn,
        **models.DNABERT_COMMON,
        **models.TINY,
    )
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(folder)
    dnabert_tokenizer(k=k).save_pretrained(folder)
    BertTokenizerFast.from_pretrained(str(folder)).save_pretrained(folder)
    (folder / "vocab.txt").unlink(missing_ok=True)
    return folder


def test_a_saved_k4_three_label_checkpoint_is_explained_as_it_is(tmp_path):
    folder = _save_dnabert(tmp_path / "elsewhere" / "my model")
    assert (folder / "tokenizer.json").is_file() and not (folder / "vocab.txt").exists()
    parts = _three_classes()
    t = training.fine_tune(
        "dnabert", parts, {"source": str(folder), "finetune": False}, root=tmp_path / "cache"
    )
    assert training.checkpoint_k(folder) == 4
    assert len(t.tokenizer) == 5 + 4**4
    assert t.model.config.num_labels == 3 and t.model.config._attn_implementation == "eager"
    assert t.history.empty and 0 <= t.metrics["accuracy"] <= 1
    with pytest.raises(ValueError, match="classifies 3 labels but the data has 2 classes"):
        training.fine_tune(
            "dnabert",
            parts_two(),
            {"source": str(folder), "finetune": False},
            root=tmp_path / "cache",
        )
    with pytest.raises(ValueError, match="num_labels is 2 but the data has 3 classes"):
        training.fine_tune(
            "dnabert", parts, {"source": str(folder), "num_labels": 2}, root=tmp_path / "cache"
        )


def parts_two():
    rng = np.random.default_rng(1)
    seqs = ["".join(rng.choice(list("ACGT"), 40)) for _ in range(40)]
    return data.split(
        data.Dataset("two", seqs, np.arange(40) % 2, ("x", "y")), min_eval_per_class=4, seed=0
    )


def test_a_checkpoint_replaced_at_the_same_path_is_a_new_model(tmp_path):
    folder = _save_dnabert(tmp_path / "ckpt")
    parts = _three_classes()
    settings = {"source": str(folder), "epochs": 1, "batch_size": 16}
    first = training.checkpoint_key("dnabert", parts, {**training.DEFAULTS, **settings}, 0)
    torch.manual_seed(1)
    from transformers import BertForSequenceClassification

    model = BertForSequenceClassification.from_pretrained(str(folder))
    with torch.no_grad():
        model.classifier.weight.add_(1.0)
    model.save_pretrained(folder)
    second = training.checkpoint_key("dnabert", parts, {**training.DEFAULTS, **settings}, 0)
    assert first != second
    moved = tmp_path / "moved"
    folder.rename(moved)
    third = training.checkpoint_key(
        "dnabert", parts, {**training.DEFAULTS, **settings, "source": str(moved)}, 0
    )
    assert third == second  # the files decide, not the path


def test_fine_tuning_a_saved_checkpoint_saves_a_loadable_checkpoint(tmp_path):
    folder = _save_dnabert(tmp_path / "ckpt", num_labels=2)
    parts = _three_classes()  # three classes: a new head is trained
    t = training.fine_tune(
        "dnabert",
        parts,
        {"source": str(folder), "epochs": 1, "batch_size": 16},
        root=tmp_path / "cache",
    )
    assert t.model.config.num_labels == 3
    assert (t.path / "vocab.txt").is_file() or (t.path / "tokenizer.json").is_file()
    again = training.fine_tune(
        "dnabert", parts, {"source": str(t.path), "finetune": False}, root=tmp_path / "cache"
    )
    torch.testing.assert_close(again.model.classifier.weight, t.model.classifier.weight)
    assert training.tokenizer_for("dnabert", t.path).get_vocab() == t.tokenizer.get_vocab()


@pytest.mark.parametrize("damage", ["truncate weights", "garble metrics"])
def test_a_damaged_cached_model_is_trained_again(parts, tmp_path, damage):
    settings = {**FAST, "epochs": 1}
    first = training.fine_tune("cnn", parts, settings, root=tmp_path)
    if damage == "truncate weights":
        weights = first.path / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[:100])
    else:
        (first.path / "metrics.json").write_text("{not json")
    with pytest.warns(UserWarning, match="is damaged .*training it again"):
        again = training.fine_tune("cnn", parts, settings, root=tmp_path)
    assert again.path == first.path and again.metrics == first.metrics


def test_cache_files_are_group_readable_and_a_read_only_cache_still_trains(
    parts, tmp_path, monkeypatch
):
    settings = {**FAST, "epochs": 1}
    t = training.fine_tune("cnn", parts, settings, root=tmp_path / "shared")
    assert t.path.stat().st_mode & 0o055 == 0o055
    assert all(f.stat().st_mode & 0o044 == 0o044 for f in t.path.iterdir())
    # a cache nobody may write to (root writes anywhere, so the check is stood in for)
    monkeypatch.setattr(training.fitting, "_writable", lambda folder: False)
    with pytest.warns(UserWarning, match="read-only: training into"):
        t = training.fine_tune("cnn", parts, settings, seed=5, root=tmp_path / "locked")
    assert 0 <= t.metrics["accuracy"] <= 1
    assert not (tmp_path / "locked" / "models" / t.path.name / "metrics.json").exists()


def test_the_lock_of_a_key_is_exclusive(tmp_path):
    final = tmp_path / "models" / "key"
    inside, order = threading.Event(), []

    def first():
        with training.fitting._lock(final):
            inside.set()
            time.sleep(0.3)
            order.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    inside.wait()
    with training.fitting._lock(final):
        order.append("second in")
    thread.join()
    assert order == ["first done", "second in"]


def test_a_one_class_model_is_warned_about():
    t = training.Trained(
        None, None, None, {"confusion": [[0, 10], [1, 89]]}, None, {}, ("neg", "pos")
    )
    with pytest.warns(UserWarning, match="calls 99% of the evaluation sequences 'pos'"):
        assert training.warn_one_class(t, "cnn:mine") == pytest.approx(0.99)
    balanced = training.Trained(
        None, None, None, {"confusion": [[40, 10], [10, 40]]}, None, {}, ("neg", "pos")
    )
    assert training.warn_one_class(balanced) == 0.5


def test_long_sequences_are_cut_to_what_the_model_reads(tmp_path, capsys):
    folder = tmp_path / "short"
    from transformers import BertConfig, BertForSequenceClassification

    from dnaexplain import models

    config = BertConfig(
        **{
            **models.DNABERT_COMMON,
            **models.TINY,
            "vocab_size": 5 + 4**6,
            "max_position_embeddings": 32,
        }
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 30)) for _ in range(40)]  # 27 tokens each
    parts = data.split(
        data.Dataset("two", seqs, np.arange(40) % 2, ("x", "y")), min_eval_per_class=4, seed=0
    )
    parts["evaluation"].sequences[0] = "A" * 100
    job = training.Job("dnabert", parts, {**training.DEFAULTS, "source": str(folder)})
    training.fit_length(job)
    # 32 tokens: [CLS], 30 6-mers covering 35 bases, [SEP]
    assert job.parts["evaluation"].sequences[0] == "A" * 35
    assert job.parts["evaluation"].sequences[1:] == parts["evaluation"].sequences[1:]
    assert parts["evaluation"].sequences[0] == "A" * 100, "the caller's parts were changed"
    assert "1 of 8 sequences are longer than the model's 32 tokens" in capsys.readouterr().out
    # parts without a cut keep their tokens; the cut one is tokenised again from its cut bases
    assert sorted(job.inputs) == ["train", "validation"]
    again = encode(job.tokenizer, parts["train"].sequences, max_length=512, truncate=True)
    assert torch.equal(job.encoded("train").input_ids, again.input_ids)
    assert job.encoded("evaluation").input_ids.shape == (8, 32)
    cnn = training.Job("cnn", parts, training.DEFAULTS)
    training.fit_length(cnn)
    assert cnn.parts is parts and cnn.tokenizer is None and not cnn.inputs


def test_a_run_tokenises_each_part_once(parts, tmp_path, monkeypatch):
    from dnaexplain import tokenizers

    calls = []
    tokenize = tokenizers.tokenize

    def counted(tokenizer, sequences, *a, **k):
        calls.append(len(sequences))
        return tokenize(tokenizer, sequences, *a, **k)

    monkeypatch.setattr(tokenizers, "tokenize", counted)
    monkeypatch.setattr(training.runs, "tokenize", counted)
    settings = {**training.DEFAULTS, "source": "tiny", "epochs": 1, "batch_size": 32}
    job = training.Job("dnabert", parts, settings)
    training.fit_length(job)
    trained = training.fit(job, root=tmp_path)
    assert sorted(calls) == sorted(len(d) for d in parts.values())
    # the evaluation stored with the model is that of its own tokens
    logits = models.predict(trained.model, encode(trained.tokenizer, parts["evaluation"].sequences))
    again = training.classification_metrics(logits, parts["evaluation"].labels)
    assert again["confusion"] == trained.metrics["confusion"]
    assert again["auroc"] == pytest.approx(trained.metrics["auroc"])


def test_a_checkpoint_without_vocabulary_says_which_order_it_is_read_in(tmp_path):
    folder = tmp_path / "novocab"
    models.dnabert("tiny", k=4).save_pretrained(folder)
    with pytest.warns(UserWarning, match="no vocab.txt or tokenizer.json.*DNABERT's own 4-mer"):
        tokenizer = training.tokenizer_for("dnabert", folder)
    assert len(tokenizer.get_vocab()) == 5 + 4**4


class _LengthReader(models.CNNForSequenceClassification):
    """Calls a sequence 'pos' when it is longer than 290 bp, whatever its bases."""

    def forward(self, one_hot, labels=None, attention_mask=None, return_dict=True):
        length = models.sequence_lengths(one_hot, attention_mask).to(one_hot.dtype)
        from transformers.modeling_outputs import SequenceClassifierOutput

        return SequenceClassifierOutput(logits=torch.stack([290 - length, length - 290], -1))


def test_a_model_that_reads_length_alone_is_flagged():
    from types import SimpleNamespace

    from dnaexplain.sequences import random_sequences

    reader = _LengthReader(models.cnn("tiny").config).eval()
    trained = SimpleNamespace(
        model=reader, tokenizer=None, classes=("neg", "pos"), settings={"max_length": 512}
    )
    # EPD TATA's shape: negatives 280 bp, positives 300 bp
    seqs = random_sequences(6, 280, seed=0) + random_sequences(4, 300, seed=1)
    dataset = SimpleNamespace(sequences=seqs, labels=np.array([0] * 6 + [1] * 4))
    with pytest.warns(
        UserWarning,
        match=r"mine calls random sequences by length alone "
        r"\(100% of 280 bp ones 'neg', 100% of 300 bp ones 'pos'\)",
    ):
        table = training.warn_length_only(trained, dataset, "mine", n=20)
    assert table.to_dict("list") == {
        "length": [280, 300],
        "called": ["neg", "pos"],
        "share": [1.0, 1.0],
    }
    # one length for every class: nothing to compare
    same = SimpleNamespace(sequences=seqs[:6], labels=np.array([0, 1] * 3))
    assert training.warn_length_only(trained, same, n=20).empty


def test_cached_only_refuses_to_train(parts, tmp_path, monkeypatch):
    monkeypatch.setattr(training.fitting, "_train", lambda *a, **k: pytest.fail("trained"))
    job = training.Job("cnn", parts, {**FAST, "epochs": 1})
    with pytest.raises(FileNotFoundError, match="the cnn model is not in the checkpoint cache"):
        training.fit(job, root=tmp_path, cached_only=True)
