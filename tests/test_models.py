"""Tests of dnaexplain.models: shapes, numerics against hand-written formulas, checkpoints."""

import json
import logging
import math

import huggingface_hub
import pytest
import safetensors.torch
import torch
import transformers

from dnaexplain import defaults, models
from dnaexplain.tokenizers import Tokenization


def tokens(lengths, vocab, seed=0):
    """Right-padded random token batch with [CLS]-like first tokens, as a Tokenization."""
    g = torch.Generator().manual_seed(seed)
    t = max(lengths)
    ids = torch.zeros(len(lengths), t, dtype=torch.long)
    mask = torch.zeros(len(lengths), t, dtype=torch.long)
    for i, n in enumerate(lengths):
        ids[i, :n] = torch.randint(5, vocab, (n,), generator=g)
        mask[i, :n] = 1
    spans = torch.full((len(lengths), t, 2), -1)
    return Tokenization(ids, mask, spans, [""] * len(lengths), "bpe")


def batch_kwargs(batch):
    return {"input_ids": batch.input_ids, "attention_mask": batch.attention_mask}


def randomise(model, seed=0):
    """Give every parameter random values, so LayerNorm and biases are not trivial."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=p.dtype) * 0.5)
    return model.eval()


def expected_117m_shapes():
    h, i, v, layers = 768, 3072, 4096, 12
    shapes = {
        "bert.embeddings.word_embeddings.weight": (v, h),
        "bert.embeddings.token_type_embeddings.weight": (2, h),
        "bert.embeddings.LayerNorm.weight": (h,),
        "bert.embeddings.LayerNorm.bias": (h,),
        "bert.pooler.dense.weight": (h, h),
        "bert.pooler.dense.bias": (h,),
        "classifier.weight": (2, h),
        "classifier.bias": (2,),
    }
    for n in range(layers):
        p = f"bert.encoder.layer.{n}."
        shapes.update(
            {
                p + "attention.self.Wqkv.weight": (3 * h, h),
                p + "attention.self.Wqkv.bias": (3 * h,),
                p + "attention.output.dense.weight": (h, h),
                p + "attention.output.dense.bias": (h,),
                p + "attention.output.LayerNorm.weight": (h,),
                p + "attention.output.LayerNorm.bias": (h,),
                p + "mlp.gated_layers.weight": (2 * i, h),
                p + "mlp.wo.weight": (h, i),
                p + "mlp.wo.bias": (h,),
                p + "mlp.layernorm.weight": (h,),
                p + "mlp.layernorm.bias": (h,),
            }
        )
    return shapes


def test_dnabert2_117m_matches_release_keys_and_shapes():
    with torch.device("meta"):
        model = models.dnabert2("117M")
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert shapes == expected_117m_shapes()
    assert sum(p.numel() for p in model.parameters()) == 117_070_082
    assert model.config.vocab_size == 4096 and model.config.attention_probs_dropout_prob == 0.0


def test_alibi_slopes_closed_form():
    eight = [2.0**-1, 2.0**-2, 2.0**-3, 2.0**-4, 2.0**-5, 2.0**-6, 2.0**-7, 2.0**-8]
    # 12 heads: the 8 slopes above, then slopes 1, 3, 5, 7 of 16 heads (s = 2**-0.5).
    twelve = eight + [2.0**-0.5, 2.0**-1.5, 2.0**-2.5, 2.0**-3.5]
    torch.testing.assert_close(models.alibi_slopes(8), torch.tensor(eight, dtype=torch.float64))
    torch.testing.assert_close(models.alibi_slopes(12), torch.tensor(twelve, dtype=torch.float64))


def test_attention_bias_values():
    mask = torch.tensor([[1, 1, 0]])
    bias = models.attention_bias(mask, torch.tensor([0.5, 0.25]))
    assert bias.shape == (1, 2, 3, 3)
    expected_head1 = torch.tensor(
        [
            [0.0, -0.25, -0.5 - 10000],
            [-0.25, 0.0, -0.25 - 10000],
            [-0.5, -0.25, -10000.0],
        ]
    )
    torch.testing.assert_close(bias[0, 1], expected_head1)
    assert bias[0, 0, 0, 1].item() == -0.5


@pytest.mark.parametrize("name, vocab", [("dnabert2", 4096), ("dnabert", 4101)])
def test_padding_invariance(name, vocab):
    torch.manual_seed(0)
    model = models.build(name, "tiny").eval()
    batch = tokens([5, 9, 3], vocab)
    with torch.no_grad():
        padded = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits
        for i, n in enumerate([5, 9, 3]):
            alone = model(input_ids=batch.input_ids[i : i + 1, :n]).logits
            torch.testing.assert_close(padded[i : i + 1], alone, atol=1e-5, rtol=0)


@pytest.mark.parametrize("name, vocab", [("dnabert2", 4096), ("dnabert", 4101)])
def test_predict_attends_fused_with_the_eager_logits(name, vocab, monkeypatch):
    model = randomise(models.build(name, "tiny")).train()
    batch = tokens([5, 9, 3, 7], vocab)
    with torch.no_grad():
        eager = model.eval()(**batch_kwargs(batch)).logits
    model.train()
    fused = []
    sdpa = torch.nn.functional.scaled_dot_product_attention
    monkeypatch.setattr(
        torch.nn.functional,
        "scaled_dot_product_attention",
        lambda *a, **k: fused.append(1) or sdpa(*a, **k),
    )
    logits = models.predict(model, batch, batch_size=3)
    assert len(fused) == 2 * model.config.num_hidden_layers  # every layer of both batches
    torch.testing.assert_close(logits, eager, atol=1e-5, rtol=0)
    # what the explanations need is back: eager attention maps, and the model's mode
    assert model.config._attn_implementation == "eager" and model.training
    with torch.no_grad():
        maps = model.eval()(**batch_kwargs(batch), output_attentions=True).attentions
    assert all(torch.is_tensor(a) for a in maps)


def test_dnabert2_attentions():
    torch.manual_seed(0)
    model = models.dnabert2("tiny", num_attention_heads=4).eval()
    batch = tokens([6, 4], 4096)
    out = model(**batch_kwargs(batch), output_attentions=True)
    assert len(out.attentions) == 2
    for probs in out.attentions:
        assert probs.shape == (2, 4, 6, 6)
        torch.testing.assert_close(probs.sum(-1), torch.ones(2, 4, 6))
        assert probs[1, :, :, 4:].abs().max().item() == 0.0
        assert probs[1, :, :, :4].min().item() > 0.0
    assert model(input_ids=batch.input_ids).attentions is None


def test_dnabert_attentions_are_eager():
    torch.manual_seed(0)
    model = models.dnabert("tiny").eval()
    batch = tokens([6, 4], 4101)
    out = model(**batch_kwargs(batch), output_attentions=True)
    assert model.config._attn_implementation == "eager"
    assert [a.shape for a in out.attentions] == [(2, 2, 6, 6)] * 2
    torch.testing.assert_close(out.attentions[-1].sum(-1), torch.ones(2, 2, 6))


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def test_dnabert2_forward_matches_hand_computation():
    # One layer, 3 heads (not a power of two), float64, random weights, a padded sequence.
    torch.manual_seed(0)
    model = models.dnabert2(
        "tiny",
        num_hidden_layers=1,
        hidden_size=24,
        num_attention_heads=3,
        intermediate_size=10,
        num_labels=3,
    )
    model = randomise(model.double())
    batch = tokens([5, 3], 4096)
    ids, mask = batch.input_ids, batch.attention_mask
    w = {k: v.detach() for k, v in model.state_dict().items()}
    eps, n, t, heads, d, inter = 1e-12, 2, 5, 3, 8, 10
    p = "bert.encoder.layer.0."

    e = "bert.embeddings."
    x = w[e + "word_embeddings.weight"][ids] + w[e + "token_type_embeddings.weight"][0]
    x = layer_norm(x, w[e + "LayerNorm.weight"], w[e + "LayerNorm.bias"], eps)
    qkv = x @ w[p + "attention.self.Wqkv.weight"].T + w[p + "attention.self.Wqkv.bias"]
    q, k, v = (qkv[..., j * 24 : (j + 1) * 24].reshape(n, t, heads, d) for j in range(3))
    slopes = torch.tensor([2.0**-4, 2.0**-8, 2.0**-2], dtype=torch.float64)
    dist = (torch.arange(t)[None, :] - torch.arange(t)[:, None]).abs().double()
    scores = torch.einsum("nihd,njhd->nhij", q, k) / math.sqrt(d)
    scores = scores - slopes[None, :, None, None] * dist
    scores = scores - 10000.0 * (1 - mask[:, None, None, :].double())
    probs = torch.softmax(scores, -1)
    ctx = torch.einsum("nhij,njhd->nihd", probs, v).reshape(n, t, 24)
    a = ctx @ w[p + "attention.output.dense.weight"].T + w[p + "attention.output.dense.bias"] + x
    ln = p + "attention.output.LayerNorm."
    a = layer_norm(a, w[ln + "weight"], w[ln + "bias"], eps)
    g = a @ w[p + "mlp.gated_layers.weight"].T
    u = 0.5 * g[..., :inter] * (1 + torch.erf(g[..., :inter] / math.sqrt(2))) * g[..., inter:]
    y = u @ w[p + "mlp.wo.weight"].T + w[p + "mlp.wo.bias"] + a
    y = layer_norm(y, w[p + "mlp.layernorm.weight"], w[p + "mlp.layernorm.bias"], eps)
    pooled = torch.tanh(y[:, 0] @ w["bert.pooler.dense.weight"].T + w["bert.pooler.dense.bias"])
    logits = pooled @ w["classifier.weight"].T + w["classifier.bias"]

    out = model(input_ids=ids, attention_mask=mask, output_attentions=True)
    torch.testing.assert_close(out.attentions[0], probs, atol=1e-12, rtol=1e-10)
    torch.testing.assert_close(out.logits, logits, atol=1e-12, rtol=1e-10)
    assert out.logits.shape == (2, 3)


def test_dnabert2_loss_and_inputs_embeds():
    torch.manual_seed(0)
    model = models.dnabert2("tiny").eval()
    batch = tokens([5, 4], 4096)
    labels = torch.tensor([1, 0])
    out = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, labels=labels)
    torch.testing.assert_close(out.loss, torch.nn.functional.cross_entropy(out.logits, labels))
    embeds = model.get_input_embeddings()(batch.input_ids).detach().requires_grad_()
    via_embeds = model(inputs_embeds=embeds, attention_mask=batch.attention_mask).logits
    torch.testing.assert_close(via_embeds, out.logits)
    via_embeds[:, 1].sum().backward()
    assert embeds.grad.shape == (2, 5, 32) and embeds.grad[0].abs().sum() > 0
    loss, logits = model(input_ids=batch.input_ids, labels=labels, return_dict=False)
    assert logits.shape == (2, 2) and loss.ndim == 0


@pytest.mark.parametrize("name", ["dnabert", "dnabert2", "cnn"])
def test_save_load_round_trip(name, tmp_path):
    torch.manual_seed(0)
    model = models.build(name, "tiny", num_labels=3).eval()
    model.save_pretrained(tmp_path)
    loaded = models.build(name, tmp_path, num_labels=3).eval()
    assert type(loaded) is type(model)
    if name == "cnn":
        x = torch.nn.functional.one_hot(torch.randint(0, 4, (4, 30)), 4).transpose(1, 2).float()
        kwargs = {"one_hot": x}
    else:
        kwargs = {"input_ids": tokens([7, 5], model.config.vocab_size).input_ids}
    with torch.no_grad():
        assert torch.equal(model(**kwargs).logits, loaded(**kwargs).logits)
    assert loaded(**kwargs).logits.shape[1] == 3


@pytest.mark.parametrize("name", ["dnabert", "dnabert2", "cnn"])
def test_sharded_checkpoint_loads(name, tmp_path):
    torch.manual_seed(0)
    model = models.build(name, "tiny").eval()
    model.save_pretrained(tmp_path, max_shard_size="1KB")
    assert (tmp_path / "model.safetensors.index.json").is_file()
    assert len(list(tmp_path.glob("model-*-of-*.safetensors"))) > 1
    loaded = models.build(name, tmp_path).eval()
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key


def test_released_dnabert2_in_shards_loads(tmp_path):
    state = release_dir(tmp_path, "model.safetensors")
    (tmp_path / "model.safetensors").unlink()
    keys = sorted(state)
    index = {"metadata": {}, "weight_map": {}}
    for i, part in enumerate((keys[: len(keys) // 2], keys[len(keys) // 2 :])):
        shard = f"model-{i + 1:05d}-of-00002.safetensors"
        safetensors.torch.save_file({k: state[k] for k in part}, tmp_path / shard)
        index["weight_map"].update(dict.fromkeys(part, shard))
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps(index))
    loaded = models.dnabert2(tmp_path).state_dict()
    for key in (k for k in state if k.startswith("bert.")):
        assert torch.equal(loaded[key], state[key]), key


def release_dir(path, weights, with_pooler=False):
    """Write a checkpoint in the layout of zhihan1996/DNABERT-2-117M (tiny dimensions)."""
    torch.manual_seed(1)
    source = randomise(models.dnabert2("tiny"))
    state = {k: v.clone() for k, v in source.state_dict().items() if k.startswith("bert.")}
    if not with_pooler:  # BertForMaskedLM has no pooler
        state = {k: v for k, v in state.items() if not k.startswith("bert.pooler.")}
    state.update(
        {
            "cls.predictions.transform.dense.weight": torch.randn(32, 32),
            "cls.predictions.transform.dense.bias": torch.randn(32),
            "cls.predictions.transform.LayerNorm.weight": torch.randn(32),
            "cls.predictions.transform.LayerNorm.bias": torch.randn(32),
            "cls.predictions.decoder.weight": state[
                "bert.embeddings.word_embeddings.weight"
            ].clone(),
            "cls.predictions.decoder.bias": torch.randn(4096),
        }
    )
    config = {
        "_name_or_path": "zhihan1996/DNABERT-2-117M",
        "alibi_starting_size": 512,
        "architectures": ["BertForMaskedLM"],
        "attention_probs_dropout_prob": 0.0,
        "auto_map": {
            "AutoConfig": "configuration_bert.BertConfig",
            "AutoModel": "bert_layers.BertModel",
            "AutoModelForMaskedLM": "bert_layers.BertForMaskedLM",
            "AutoModelForSequenceClassification": "bert_layers.BertForSequenceClassification",
        },
        "classifier_dropout": None,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": 32,
        "initializer_range": 0.02,
        "intermediate_size": 64,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": 512,
        "model_type": "bert",
        "num_attention_heads": 2,
        "num_hidden_layers": 2,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
        "transformers_version": "4.28.0",
        "type_vocab_size": 2,
        "use_cache": True,
        "vocab_size": 4096,
    }
    path.mkdir(exist_ok=True)
    (path / "config.json").write_text(json.dumps(config))
    if weights == "model.safetensors":
        safetensors.torch.save_file(state, path / weights)
    else:
        torch.save(state, path / weights)
    return state


@pytest.mark.parametrize("weights", ["model.safetensors", "pytorch_model.bin"])
def test_dnabert2_from_released_checkpoint(weights, tmp_path, caplog):
    state = release_dir(tmp_path, weights)
    with caplog.at_level(logging.WARNING, logger="dnaexplain.models"):
        model = models.dnabert2(tmp_path, num_labels=3)
    loaded = model.state_dict()
    bert = [k for k in state if k.startswith("bert.")]
    assert len(bert) == 4 + 2 * 11
    for key in bert:
        assert torch.equal(loaded[key], state[key]), key
    assert loaded["classifier.weight"].shape == (3, 32)
    assert model.config.num_hidden_layers == 2 and model.config.hidden_dropout_prob == 0.1
    assert "bert.pooler.dense.weight" in caplog.text and "classifier.weight" in caplog.text


def test_dnabert2_released_pooler_is_loaded(tmp_path):
    state = release_dir(tmp_path, "model.safetensors", with_pooler=True)
    model = models.dnabert2(tmp_path)
    key = "bert.pooler.dense.weight"
    assert torch.equal(model.state_dict()[key], state[key])


def test_dnabert2_hub_id_prefers_safetensors(tmp_path, monkeypatch):
    release_dir(tmp_path, "pytorch_model.bin")
    calls = []

    def snapshot_download(repo_id, allow_patterns):
        calls.append((repo_id, allow_patterns))
        return str(tmp_path)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    model = models.dnabert2(models.DNABERT2_HUB)
    # each format whole or in shards (an index and its shards)
    assert calls == [
        (
            "zhihan1996/DNABERT-2-117M",
            [
                "config.json",
                "model.safetensors",
                "model.safetensors.index.json",
                "model-*-of-*.safetensors",
            ],
        ),
        (
            "zhihan1996/DNABERT-2-117M",
            [
                "config.json",
                "pytorch_model.bin",
                "pytorch_model.bin.index.json",
                "pytorch_model-*-of-*.bin",
            ],
        ),
    ]
    assert model.config.hidden_size == 32


def test_dnabert2_rejects_kmer_checkpoint(tmp_path):
    models.dnabert("tiny").save_pretrained(tmp_path)
    with pytest.raises(ValueError, match="not a DNABERT-2 checkpoint"):
        models.dnabert2(tmp_path)


def test_dnabert_from_released_style_dir(tmp_path):
    # Layout of zhihan1996/DNA_bert_6: masked-LM weights, a config from transformers 2.x.
    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=4101,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
    )
    state = {k: v.clone() for k, v in transformers.BertForMaskedLM(config).state_dict().items()}
    torch.save(state, tmp_path / "pytorch_model.bin")
    legacy = {
        **config.to_dict(),
        "architectures": ["BertForMaskedLM"],
        "eos_token_ids": 0,
        "finetuning_task": None,
        "num_labels": 2,
        "output_past": True,
        "pruned_heads": {},
        "torchscript": False,
        "use_bfloat16": False,
        "rnn": "lstm",
        "split": 10,
        "max_length": 20,
        "num_beams": 1,
    }
    (tmp_path / "config.json").write_text(json.dumps(legacy))
    model = models.dnabert(tmp_path, num_labels=3)
    assert model.classifier.weight.shape == (3, 32)
    assert model.config._attn_implementation == "eager"
    key = "bert.encoder.layer.1.attention.self.query.weight"
    assert torch.equal(model.state_dict()[key], state[key])


def test_dnabert_local_dir_checks_k(tmp_path):
    models.dnabert("tiny", k=3).save_pretrained(tmp_path)
    assert models.dnabert(tmp_path, k=3).config.vocab_size == 69
    with pytest.raises(ValueError, match="69 tokens"):
        models.dnabert(tmp_path)


def test_named_configs():
    assert models.dnabert("mini").config.num_hidden_layers == 4
    assert models.dnabert("tiny").config.vocab_size == 4101
    assert models.dnabert("tiny", k=4, hidden_dropout_prob=0.0).config.hidden_dropout_prob == 0.0
    with torch.device("meta"):
        base = models.dnabert("base")
    assert sum(p.numel() for p in base.parameters()) == 89_192_450
    assert models.cnn("mini").conv1.weight.shape == (64, 4, 15)


def test_unknown_model_name():
    with pytest.raises(ValueError, match="dnabert, dnabert2, cnn"):
        models.build("bert-large")
    with pytest.raises(ValueError, match="tiny, mini, 117M"):
        models.dnabert2("huge")


@pytest.mark.parametrize("name", ["dnabert", "dnabert2", "cnn"])
def test_dir_without_weights(name, tmp_path):
    models.build(name, "tiny").config.save_pretrained(tmp_path)
    with pytest.raises(FileNotFoundError) as err:
        models.build(name, tmp_path)
    message = str(err.value)
    assert str(tmp_path) in message and "model.safetensors" in message
    assert "pytorch_model.bin" in message and "save_pretrained" in message


def test_dir_without_config(tmp_path):
    with pytest.raises(FileNotFoundError, match="no config.json"):
        models.dnabert2(tmp_path)


def test_check_vocab():
    assert models.check_vocab(models.dnabert("tiny"), 4101) is None
    with pytest.raises(ValueError, match=r"dnabert_tokenizer\(k=6\)"):
        models.check_vocab(models.dnabert("tiny"), 4096)
    with pytest.raises(ValueError, match="BPE"):
        models.check_vocab(models.dnabert2("tiny"), 4101)
    with pytest.raises(TypeError, match="one-hot"):
        models.check_vocab(models.cnn("tiny"), 4101)


@pytest.mark.parametrize("name, vocab", [("dnabert2", 4096), ("dnabert", 4101)])
def test_predict_batched_equals_unbatched(name, vocab):
    torch.manual_seed(0)
    model = models.build(name, "tiny")
    batch = tokens([9, 4, 7, 2, 9, 5, 3], vocab)
    logits = models.predict(model, batch, batch_size=3)
    assert model.training
    model.eval()
    with torch.no_grad():
        whole = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits
    assert logits.shape == (7, 2)
    torch.testing.assert_close(logits, whole, atol=1e-5, rtol=0)


def test_predict_cnn_one_hot():
    torch.manual_seed(0)
    model = models.cnn("tiny").eval()
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (10, 40)), 4).transpose(1, 2).float()
    logits = models.predict(model, x, batch_size=4, verbose=True)
    with torch.no_grad():
        torch.testing.assert_close(logits, model(x).logits)
    with pytest.raises(TypeError, match="one-hot"):
        models.predict(model, tokens([4], 4096))
    with pytest.raises(TypeError, match="Tokenization"):
        models.predict(models.dnabert2("tiny"), x)


@pytest.mark.parametrize("name", ["dnabert", "dnabert2", "cnn"])
def test_predict_bf16_close_to_fp32(name):
    torch.manual_seed(0)
    model = models.build(name, "tiny")
    if name == "cnn":
        batch = torch.nn.functional.one_hot(torch.randint(0, 4, (6, 60)), 4).transpose(1, 2).float()
    else:
        batch = tokens([9, 4, 7, 2, 9, 5], model.config.vocab_size)
    full = models.predict(model, batch, batch_size=4)
    half = models.predict(model, batch, batch_size=4, precision="bf16")
    assert half.dtype == torch.float32
    # bf16 keeps 8 bits of mantissa: a few parts in a thousand of the logits' scale
    assert 0 < (half - full).abs().max() <= 0.02 * full.abs().max() + 1e-3
    with pytest.raises(ValueError, match="precision must be one of"):
        models.predict(model, batch, precision="half")
    # fast is what the CPU runs natively: bf16's logits where it has bf16, else fp32's
    fast = models.predict(model, batch, batch_size=4, precision="fast")
    native = defaults.resolve_precision("fast", "cpu") == "bf16"
    assert torch.equal(fast, half if native else full)


def test_cnn_forward_shapes_and_loss():
    torch.manual_seed(0)
    model = models.cnn("tiny", num_labels=3, global_pool="mean")
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (5, 33)), 4).transpose(1, 2).float()
    labels = torch.tensor([0, 1, 2, 1, 0])
    out = model(x, labels=labels)
    assert out.logits.shape == (5, 3)
    torch.testing.assert_close(out.loss, torch.nn.functional.cross_entropy(out.logits, labels))
    assert model.conv1(x).shape == (5, 8, 33)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("name", ["dnabert", "dnabert2"])
def test_predict_on_cuda(name):
    torch.manual_seed(0)
    model = models.build(name, "tiny")
    batch = tokens([6, 3, 8], model.config.vocab_size)
    cpu = models.predict(model, batch)
    gpu = models.predict(model, batch, device="cuda")
    assert models.model_device(model).type == "cuda"
    torch.testing.assert_close(gpu, cpu, atol=1e-4, rtol=1e-4)
