"""The three classifiers the book explains: DNABERT, DNABERT-2 and a CNN baseline.

* DNABERT (k-mer tokens) is the stock Hugging Face ``BertForSequenceClassification`` with eager
  attention, so attention probabilities can be read with ``output_attentions=True``.
* DNABERT-2 (BPE tokens, ALiBi, gated MLP) is re-implemented here as a plain eager PyTorch
  module whose state dict matches the released ``zhihan1996/DNABERT-2-117M`` key for key; the
  release itself needs remote code and Triton, and hides attention inside fused kernels.
* The CNN reads one-hot DNA (n, 4, L) and uses only Conv1d, ReLU, max pooling and Linear layers,
  the layers LRP has simple rules for.

All three are ``transformers.PreTrainedModel`` subclasses: they train with ``Trainer`` and
round-trip through ``save_pretrained`` / ``from_pretrained``. Each builder (`dnabert`,
`dnabert2`, `cnn`, or `build` by name) takes ``source``: a named from-scratch config, a local
checkpoint directory, or a Hugging Face hub id.
"""

import json
import logging
import math
from contextlib import contextmanager
from pathlib import Path

import huggingface_hub
import safetensors.torch
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    PretrainedConfig,
    PreTrainedModel,
)
from transformers.modeling_outputs import SequenceClassifierOutput

from .defaults import resolve_precision
from .tokenizers import Tokenization

logger = logging.getLogger(__name__)

WEIGHTS = ("model.safetensors", "pytorch_model.bin")
# save_pretrained writes weights above its shard size as shards listed by an index
SHARD_INDEXES = tuple(f"{name}.index.json" for name in WEIGHTS)

DNABERT_HUB = "zhihan1996/DNA_bert_6"
DNABERT2_HUB = "zhihan1996/DNABERT-2-117M"

# Paper fine-tuning settings (hidden dropout 0.1); the rest are BERT's defaults.
DNABERT_COMMON = dict(
    max_position_embeddings=512,
    hidden_dropout_prob=0.1,
    attention_probs_dropout_prob=0.1,
    pad_token_id=0,
)
TINY = dict(num_hidden_layers=2, hidden_size=32, num_attention_heads=2, intermediate_size=64)
# "mini" takes about 0.5 s per forward + backward at batch 32 x 252 tokens on 2 CPU cores, so
# 4,000 sequences of 250 bp train for 3 epochs in about 3 minutes.
MINI = dict(num_hidden_layers=4, hidden_size=128, num_attention_heads=4, intermediate_size=512)
BASE = dict(num_hidden_layers=12, hidden_size=768, num_attention_heads=12, intermediate_size=3072)
DNABERT_CONFIGS = {"tiny": TINY, "mini": MINI, "base": BASE}
DNABERT2_CONFIGS = {"tiny": TINY, "mini": MINI, "117M": BASE}
CNN_CONFIGS = {
    "tiny": dict(conv1_channels=8, conv1_kernel=5, pool_size=2, conv2_channels=8, conv2_kernel=3,
                 hidden_size=8),
    "mini": dict(conv1_channels=64, conv1_kernel=15, pool_size=4, conv2_channels=128,
                 conv2_kernel=5, hidden_size=64),
}
# Entries of a released DNABERT-2 config.json that carry over to `DNABERT2Config`.
RELEASE_KEYS = (
    "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
    "hidden_dropout_prob", "attention_probs_dropout_prob", "type_vocab_size", "layer_norm_eps",
    "initializer_range", "classifier_dropout",
)


# --------------------------------------------------------------------------------------------
# DNABERT (k-mers): the stock Hugging Face BERT
# --------------------------------------------------------------------------------------------


def dnabert(source="mini", num_labels=2, k=6, **overrides):
    """DNABERT: Hugging Face ``BertForSequenceClassification`` over k-mer tokens.

    Parameters
    ----------
    source : str or Path
        ``"tiny"``, ``"mini"`` or ``"base"`` (see `DNABERT_CONFIGS`) for an untrained model; a
        directory written by ``save_pretrained``; or a hub id such as ``"zhihan1996/DNA_bert_6"``.
    num_labels : int
        Number of classes of the classification head.
    k : int
        k-mer size; the vocabulary has ``5 + 4**k`` tokens.
    **overrides
        Config entries to change, e.g. ``hidden_dropout_prob=0.0``.

    Returns
    -------
    transformers.BertForSequenceClassification
        With eager attention, so ``output_attentions=True`` returns probabilities
        (n, heads, t, t) per layer.
    """
    vocab = 5 + 4**k
    kind = _source_kind(source, DNABERT_CONFIGS)
    if kind == "preset":
        config = BertConfig(
            **{"vocab_size": vocab, **DNABERT_COMMON, **DNABERT_CONFIGS[source], **overrides},
            num_labels=num_labels,
            attn_implementation="eager",
        )
        return BertForSequenceClassification(config)
    if kind == "dir":
        _weights_file(source)
    model = BertForSequenceClassification.from_pretrained(
        str(source), num_labels=num_labels, attn_implementation="eager", **overrides
    )
    if model.config.vocab_size != vocab:
        raise ValueError(
            f"{source} has a vocabulary of {model.config.vocab_size} tokens, not the "
            f"{vocab} of {k}-mers; pass the k it was trained with (vocabulary 5 + 4**k)."
        )
    return model


# --------------------------------------------------------------------------------------------
# DNABERT-2: eager re-implementation, state-dict compatible with DNABERT-2-117M
# --------------------------------------------------------------------------------------------


class DNABERT2Config(PretrainedConfig):
    """Configuration of `DNABERT2ForSequenceClassification`; defaults are DNABERT-2-117M's.

    Parameters
    ----------
    vocab_size : int
        BPE vocabulary size.
    hidden_size, num_hidden_layers, num_attention_heads, intermediate_size : int
        Transformer shape; the gated MLP projects to ``2 * intermediate_size``.
    hidden_dropout_prob, attention_probs_dropout_prob : float
        Dropout after embeddings, sublayers and the GLU; dropout on attention probabilities.
    type_vocab_size : int
        Number of token types (segments).
    layer_norm_eps : float
        LayerNorm epsilon.
    initializer_range : float
        Standard deviation of the normal initialisation of weights.
    classifier_dropout : float or None
        Dropout before the classifier; None uses ``hidden_dropout_prob``.
    """

    model_type = "dnabert2_eager"

    def __init__(
        self,
        vocab_size=4096,
        hidden_size=768,
        num_hidden_layers=12,
        num_attention_heads=12,
        intermediate_size=3072,
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.0,
        type_vocab_size=2,
        layer_norm_eps=1e-12,
        initializer_range=0.02,
        classifier_dropout=None,
        **kwargs,
    ):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        self.type_vocab_size = type_vocab_size
        self.layer_norm_eps = layer_norm_eps
        self.initializer_range = initializer_range
        self.classifier_dropout = classifier_dropout
        super().__init__(**kwargs)


def alibi_slopes(heads):
    """ALiBi slope m_h of every head, as in DNABERT-2 (and the ALiBi paper).

    For a power of two n, m_h = s**(h + 1) with s = 2**(-8 / n). Otherwise the slopes of the
    nearest lower power of two p come first, then every other slope of 2p until `heads`.

    Parameters
    ----------
    heads : int
        Number of attention heads.

    Returns
    -------
    torch.Tensor, shape (heads,), float64
    """

    def geometric(n):
        s = 2.0 ** (-8.0 / n)
        return [s ** (h + 1) for h in range(n)]

    p = 2 ** math.floor(math.log2(heads))
    return torch.tensor(geometric(p) + geometric(2 * p)[0::2][: heads - p], dtype=torch.float64)


def attention_bias(attention_mask, slopes, dtype=torch.float32):
    """Additive attention bias of DNABERT-2: ALiBi plus -10000 on padded keys.

    Parameters
    ----------
    attention_mask : torch.Tensor, shape (n, t)
        1 for real tokens, 0 for padding.
    slopes : torch.Tensor, shape (heads,)
        ALiBi slopes (`alibi_slopes`).
    dtype : torch.dtype
        dtype of the result (the model's).

    Returns
    -------
    torch.Tensor, shape (n, heads, t, t)
        ``-m_h * |i - j|`` for query i and key j, minus 10000 where key j is padding.
    """
    t = attention_mask.shape[1]
    pos = torch.arange(t, device=attention_mask.device)
    dist = (pos[None, :] - pos[:, None]).abs().to(dtype)
    alibi = -slopes.to(attention_mask.device, dtype)[:, None, None] * dist
    pad = (1 - attention_mask.to(dtype))[:, None, None, :] * -10000.0
    return alibi + pad


class Embeddings(nn.Module):
    """Word plus token-type embeddings, LayerNorm, dropout; no position embeddings (ALiBi)."""

    def __init__(self, config):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, input_ids=None, token_type_ids=None, inputs_embeds=None):
        """Embed tokens.

        Parameters
        ----------
        input_ids : torch.LongTensor, shape (n, t), optional
            Token ids; ignored when `inputs_embeds` is given.
        token_type_ids : torch.LongTensor, shape (n, t), optional
            Segment ids; zeros when None.
        inputs_embeds : torch.Tensor, shape (n, t, hidden), optional
            Word embeddings to use instead of looking up `input_ids`.

        Returns
        -------
        torch.Tensor, shape (n, t, hidden)
        """
        if (input_ids is None) == (inputs_embeds is None):
            raise ValueError("give exactly one of input_ids and inputs_embeds")
        if inputs_embeds is None:
            inputs_embeds = self.word_embeddings(input_ids)
        if token_type_ids is None:
            token_type_ids = torch.zeros(
                inputs_embeds.shape[:2], dtype=torch.long, device=inputs_embeds.device
            )
        x = inputs_embeds + self.token_type_embeddings(token_type_ids)
        x = self.LayerNorm(x)
        return self.dropout(x)


class SelfAttention(nn.Module):
    """Multi-head self-attention from one fused projection ``Wqkv`` (q|k|v, then heads)."""

    def __init__(self, config):
        super().__init__()
        if config.hidden_size % config.num_attention_heads:
            raise ValueError(
                f"hidden_size {config.hidden_size} is not a multiple of "
                f"num_attention_heads {config.num_attention_heads}"
            )
        self.heads = config.num_attention_heads
        self.head_size = config.hidden_size // config.num_attention_heads
        self.Wqkv = nn.Linear(config.hidden_size, 3 * config.hidden_size)
        self.dropout = nn.Dropout(config.attention_probs_dropout_prob)
        self.config = config  # shared: `fused_attention` switches its attention at run time

    def forward(self, x, bias):
        """Attend.

        Parameters
        ----------
        x : torch.Tensor, shape (n, t, hidden)
        bias : torch.Tensor, shape (n, heads, t, t)
            ALiBi plus padding mask (`attention_bias`).

        Returns
        -------
        context : torch.Tensor, shape (n, t, hidden)
            Heads concatenated.
        probs : torch.Tensor, shape (n, heads, t, t), or None
            Attention probabilities (before attention dropout); rows sum to 1. None in eval
            mode under `fused_attention`, which never forms them.
        """
        n, t, _ = x.shape
        qkv = self.Wqkv(x).view(n, t, 3, self.heads, self.head_size)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        if self.config._attn_implementation == "sdpa" and not self.training:
            context = F.scaled_dot_product_attention(q, k, v, attn_mask=bias.to(q.dtype))
            return context.transpose(1, 2).reshape(n, t, -1), None
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_size)
        scores = scores + bias
        probs = torch.softmax(scores, dim=-1)
        context = torch.matmul(self.dropout(probs), v)
        context = context.transpose(1, 2).reshape(n, t, -1)
        return context, probs


class AttentionOutput(nn.Module):
    """Output projection of attention, dropout, residual add, post-LayerNorm."""

    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, context, residual):
        """Project and normalise.

        Parameters
        ----------
        context : torch.Tensor, shape (n, t, hidden)
            Output of `SelfAttention`.
        residual : torch.Tensor, shape (n, t, hidden)
            Input of the attention block.

        Returns
        -------
        torch.Tensor, shape (n, t, hidden)
        """
        x = self.dense(context)
        x = self.dropout(x)
        x = x + residual
        return self.LayerNorm(x)


class Attention(nn.Module):
    """`SelfAttention` (``self``) followed by `AttentionOutput` (``output``)."""

    def __init__(self, config):
        super().__init__()
        self.self = SelfAttention(config)
        self.output = AttentionOutput(config)

    def forward(self, x, bias):
        """Attention block: (n, t, hidden) -> (n, t, hidden), plus probs (n, heads, t, t)."""
        context, probs = self.self(x, bias)
        return self.output(context, x), probs


class MLP(nn.Module):
    """Gated linear unit: GELU(first half) * second half, projection, residual, post-LN."""

    def __init__(self, config):
        super().__init__()
        self.gated_layers = nn.Linear(config.hidden_size, 2 * config.intermediate_size, bias=False)
        self.act = nn.GELU(approximate="none")
        self.wo = nn.Linear(config.intermediate_size, config.hidden_size)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.layernorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, x):
        """Feed-forward block: (n, t, hidden) -> (n, t, hidden)."""
        h = self.gated_layers(x)
        gate, value = h.chunk(2, dim=-1)
        h = self.act(gate) * value
        h = self.dropout(h)
        h = self.wo(h)
        h = h + x
        return self.layernorm(h)


class Layer(nn.Module):
    """One transformer layer: `Attention` then `MLP`."""

    def __init__(self, config):
        super().__init__()
        self.attention = Attention(config)
        self.mlp = MLP(config)

    def forward(self, x, bias):
        """(n, t, hidden) -> (n, t, hidden), plus attention probs (n, heads, t, t)."""
        x, probs = self.attention(x, bias)
        return self.mlp(x), probs


class Encoder(nn.Module):
    """The stack of `Layer` modules (``layer.0`` ... ``layer.{L-1}``)."""

    def __init__(self, config):
        super().__init__()
        self.layer = nn.ModuleList(Layer(config) for _ in range(config.num_hidden_layers))

    def forward(self, x, bias):
        """Run all layers.

        Parameters
        ----------
        x : torch.Tensor, shape (n, t, hidden)
        bias : torch.Tensor, shape (n, heads, t, t)

        Returns
        -------
        x : torch.Tensor, shape (n, t, hidden)
        attentions : tuple of torch.Tensor, each (n, heads, t, t)
        """
        attentions = []
        for layer in self.layer:
            x, probs = layer(x, bias)
            attentions.append(probs)
        return x, tuple(attentions)


class Pooler(nn.Module):
    """tanh(dense(hidden state of [CLS]))."""

    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, x):
        """(n, t, hidden) -> (n, hidden)."""
        h = self.dense(x[:, 0])
        return self.activation(h)


class DNABERT2Model(nn.Module):
    """DNABERT-2 encoder (the ``bert.`` prefix): `Embeddings`, `Encoder`, `Pooler`."""

    def __init__(self, config):
        super().__init__()
        self.heads = config.num_attention_heads
        self.embeddings = Embeddings(config)
        self.encoder = Encoder(config)
        self.pooler = Pooler(config)

    def forward(
        self, input_ids=None, attention_mask=None, token_type_ids=None, inputs_embeds=None
    ):
        """Encode a batch.

        Parameters
        ----------
        input_ids : torch.LongTensor, shape (n, t), optional
        attention_mask : torch.Tensor, shape (n, t), optional
            1 for tokens, 0 for padding; all ones when None.
        token_type_ids : torch.LongTensor, shape (n, t), optional
        inputs_embeds : torch.Tensor, shape (n, t, hidden), optional
            Replaces the word-embedding lookup of `input_ids`.

        Returns
        -------
        pooled : torch.Tensor, shape (n, hidden)
        attentions : tuple of torch.Tensor, each (n, heads, t, t)
        """
        x = self.embeddings(input_ids, token_type_ids, inputs_embeds)
        if attention_mask is None:
            attention_mask = torch.ones(x.shape[:2], dtype=torch.long, device=x.device)
        bias = attention_bias(attention_mask, alibi_slopes(self.heads), x.dtype)
        x, attentions = self.encoder(x, bias)
        return self.pooler(x), attentions


class DNABERT2ForSequenceClassification(PreTrainedModel):
    """DNABERT-2 with a classification head, eager and without remote code.

    The state dict has exactly the keys and shapes of the released DNABERT-2 classifier:
    ``bert.embeddings.*``, ``bert.encoder.layer.N.attention.self.Wqkv.*``,
    ``...attention.output.{dense,LayerNorm}.*``, ``...mlp.{gated_layers,wo,layernorm}.*``,
    ``bert.pooler.dense.*``, ``classifier.*``.
    """

    config_class = DNABERT2Config
    base_model_prefix = "bert"

    def __init__(self, config):
        super().__init__(config)
        self.bert = DNABERT2Model(config)
        p = config.classifier_dropout
        self.dropout = nn.Dropout(config.hidden_dropout_prob if p is None else p)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def _init_weights(self, module):
        std = self.config.initializer_range
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=std)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)
        if isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)

    def get_input_embeddings(self):
        return self.bert.embeddings.word_embeddings

    def set_input_embeddings(self, value):
        self.bert.embeddings.word_embeddings = value

    def forward(
        self,
        input_ids=None,
        attention_mask=None,
        token_type_ids=None,
        labels=None,
        output_attentions=False,
        inputs_embeds=None,
        return_dict=True,
    ):
        """Classify a batch.

        Parameters
        ----------
        input_ids : torch.LongTensor, shape (n, t), optional
            Token ids; give either these or `inputs_embeds`.
        attention_mask : torch.Tensor, shape (n, t), optional
            1 for tokens, 0 for padding.
        token_type_ids : torch.LongTensor, shape (n, t), optional
        labels : torch.LongTensor, shape (n,), optional
            Classes; the output then has the mean cross-entropy as ``loss``.
        output_attentions : bool
            Return the attention probabilities of every layer.
        inputs_embeds : torch.Tensor, shape (n, t, hidden), optional
            Word embeddings to use instead of `input_ids` (gradient-based attributions).
        return_dict : bool
            False returns the non-None fields as a tuple.

        Returns
        -------
        transformers.modeling_outputs.SequenceClassifierOutput
            ``logits`` (n, num_labels); ``loss`` (scalar) when labels are given; ``attentions``
            (tuple of (n, heads, t, t), one per layer) when requested.
        """
        pooled, attentions = self.bert(input_ids, attention_mask, token_type_ids, inputs_embeds)
        logits = self.classifier(self.dropout(pooled))
        loss = None if labels is None else nn.functional.cross_entropy(logits, labels)
        out = SequenceClassifierOutput(
            loss=loss, logits=logits, attentions=attentions if output_attentions else None
        )
        return out if return_dict else out.to_tuple()


def dnabert2(source="mini", num_labels=2, **overrides):
    """DNABERT-2 classifier (`DNABERT2ForSequenceClassification`).

    Parameters
    ----------
    source : str or Path
        ``"tiny"``, ``"mini"`` or ``"117M"`` (see `DNABERT2_CONFIGS`) for an untrained model; a
        directory with ``config.json`` and ``model.safetensors`` or ``pytorch_model.bin``, either
        written by ``save_pretrained`` or in the released format (masked-LM weights ``bert.*``
        and ``cls.*``, config with model_type "bert"); or a hub id such as
        ``"zhihan1996/DNABERT-2-117M"``.
    num_labels : int
        Number of classes.
    **overrides
        Config entries to change, e.g. ``hidden_dropout_prob=0.0``.

    Returns
    -------
    DNABERT2ForSequenceClassification
        From a released checkpoint, ``bert.*`` is loaded strictly, ``cls.*`` (the masked-LM
        head) is dropped, and a missing pooler or classifier is initialised afresh (logged).
    """
    kind = _source_kind(source, DNABERT2_CONFIGS)
    if kind == "preset":
        config = DNABERT2Config(**{**DNABERT2_CONFIGS[source], **overrides}, num_labels=num_labels)
        return DNABERT2ForSequenceClassification(config)
    path = _snapshot(source) if kind == "hub" else Path(source)
    file = _weights_file(path)
    meta = json.loads((path / "config.json").read_text())
    if meta.get("model_type") == DNABERT2Config.model_type:
        return DNABERT2ForSequenceClassification.from_pretrained(
            str(path), num_labels=num_labels, **overrides
        )
    released = {key: meta[key] for key in RELEASE_KEYS if key in meta}
    config = DNABERT2Config(**{**released, **overrides}, num_labels=num_labels)
    model = DNABERT2ForSequenceClassification(config)
    _load_release(model, _read_weights(file), path)
    return model


def _load_release(model, state, path):
    """Load released DNABERT-2 weights into `model`: strict on the encoder, lenient on heads."""
    state = {key: value for key, value in state.items() if not key.startswith("cls.")}
    missing, unexpected = model.load_state_dict(state, strict=False)
    required = [key for key in missing if not key.startswith(("bert.pooler.", "classifier."))]
    if unexpected or required:
        raise ValueError(
            f"{path} is not a DNABERT-2 checkpoint: unexpected weights {unexpected[:6]}, "
            f"missing weights {required[:6]}."
        )
    if missing:
        logger.warning(
            "%s has no %s: initialised afresh, train before use.", path, ", ".join(missing)
        )


def _snapshot(repo_id):
    """Download config.json and the weights of a hub repository, safetensors if it has them."""
    for name, index in zip(WEIGHTS, SHARD_INDEXES):
        stem, suffix = name.split(".")
        patterns = ["config.json", name, index, f"{stem}-*-of-*.{suffix}"]
        path = Path(huggingface_hub.snapshot_download(repo_id, allow_patterns=patterns))
        if (path / name).is_file() or (path / index).is_file():
            break
    return path


def _read_weights(file):
    """State dict from a safetensors or pickled PyTorch file, or the shards an index lists,
    on the CPU."""
    if file.name.endswith(".index.json"):
        shards = sorted(set(json.loads(file.read_text())["weight_map"].values()))
        return {key: value for shard in shards
                for key, value in _read_weights(file.parent / shard).items()}
    if file.suffix == ".safetensors":
        return safetensors.torch.load_file(file)
    return torch.load(file, map_location="cpu", weights_only=True)


# --------------------------------------------------------------------------------------------
# CNN baseline on one-hot DNA
# --------------------------------------------------------------------------------------------


class CNNConfig(PretrainedConfig):
    """Configuration of `CNNForSequenceClassification`.

    Parameters
    ----------
    conv1_channels, conv1_kernel : int
        Filters and width of the first convolution (motif detectors).
    pool_size : int
        Width and stride of the max pooling after the first convolution.
    conv2_channels, conv2_kernel : int
        Filters and width of the second convolution.
    hidden_size : int
        Width of the hidden fully connected layer.
    global_pool : {"max", "mean"}
        Pooling over positions after the second convolution.
    """

    model_type = "dnaexplain_cnn"

    def __init__(
        self,
        conv1_channels=64,
        conv1_kernel=15,
        pool_size=4,
        conv2_channels=128,
        conv2_kernel=5,
        hidden_size=64,
        global_pool="max",
        **kwargs,
    ):
        if global_pool not in ("max", "mean"):
            raise ValueError(f"global_pool must be 'max' or 'mean', not {global_pool!r}")
        self.conv1_channels = conv1_channels
        self.conv1_kernel = conv1_kernel
        self.pool_size = pool_size
        self.conv2_channels = conv2_channels
        self.conv2_kernel = conv2_kernel
        self.hidden_size = hidden_size
        self.global_pool = global_pool
        super().__init__(**kwargs)


class CNNForSequenceClassification(PreTrainedModel):
    """Conv1d-ReLU-MaxPool-Conv1d-ReLU-global pool-Linear-ReLU-Linear on one-hot DNA."""

    config_class = CNNConfig
    main_input_name = "one_hot"

    def __init__(self, config):
        super().__init__(config)
        # Odd kernels keep the length; zero padding adds nothing to the convolutions' outputs.
        self.conv1 = nn.Conv1d(4, config.conv1_channels, config.conv1_kernel,
                               padding=config.conv1_kernel // 2)
        self.act1 = nn.ReLU()
        self.pool1 = nn.MaxPool1d(config.pool_size)
        self.conv2 = nn.Conv1d(config.conv1_channels, config.conv2_channels, config.conv2_kernel,
                               padding=config.conv2_kernel // 2)
        self.act2 = nn.ReLU()
        pool = nn.AdaptiveMaxPool1d if config.global_pool == "max" else nn.AdaptiveAvgPool1d
        self.pool2 = pool(1)
        self.fc = nn.Linear(config.conv2_channels, config.hidden_size)
        self.act3 = nn.ReLU()
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def _init_weights(self, module):
        # PyTorch's default (Kaiming-uniform) init: BERT's N(0, 0.02) starves a small ReLU CNN.
        if isinstance(module, (nn.Conv1d, nn.Linear)):
            module.reset_parameters()

    def forward(self, one_hot, labels=None, attention_mask=None, return_dict=True):
        """Classify one-hot sequences; padding never reaches the pooling.

        Parameters
        ----------
        one_hot : torch.Tensor, shape (n, 4, L)
            One-hot DNA, channels A, C, G, T; N and padding are all-zero columns.
        labels : torch.LongTensor, shape (n,), optional
            Classes; the output then has the mean cross-entropy as ``loss``.
        attention_mask : torch.Tensor, shape (n, L), optional
            1 up to each sequence's end, 0 on the right padding; when None, each sequence ends
            at its last non-zero column (trailing N reads as padding). Activations beyond the
            end are zeroed before each pooling, so logits do not depend on the batch.
        return_dict : bool
            False returns the non-None fields as a tuple.

        Returns
        -------
        transformers.modeling_outputs.SequenceClassifierOutput
            ``logits`` (n, num_labels), ``loss`` when labels are given.
        """
        lengths = sequence_lengths(one_hot, attention_mask)
        x = self.conv1(one_hot)
        x = self.act1(x) * _prefix(lengths, x.shape[-1], x.dtype)
        x = self.pool1(x)
        # a window straddling the end is dropped, as for the sequence alone
        lengths = torch.div(lengths, self.config.pool_size, rounding_mode="floor")
        x = x * _prefix(lengths, x.shape[-1], x.dtype)
        x = self.conv2(x)
        # after ReLU the maximum over the zeroed tail is the maximum over the sequence
        width = x.shape[-1]
        x = self.act2(x) * _prefix(lengths, width, x.dtype)
        x = self.pool2(x).flatten(1)
        if self.config.global_pool == "mean":  # the mean over the sequence, not the batch width
            x = x * (width / lengths.clamp(min=1).to(x.dtype))[:, None]
        x = self.fc(x)
        x = self.act3(x)
        logits = self.classifier(x)
        loss = None if labels is None else nn.functional.cross_entropy(logits, labels)
        out = SequenceClassifierOutput(loss=loss, logits=logits)
        return out if return_dict else out.to_tuple()


def sequence_lengths(one_hot, attention_mask=None):
    """Length of each one-hot sequence: the mask's sum, or up to its last non-zero column.

    Parameters
    ----------
    one_hot : torch.Tensor, shape (n, 4, L)
    attention_mask : torch.Tensor, shape (n, L), optional
        1 on the sequence, 0 on the right padding.

    Returns
    -------
    torch.LongTensor, shape (n,)
    """
    if attention_mask is not None:
        return attention_mask.sum(-1).long()
    filled = (one_hot != 0).any(1)
    last = torch.arange(1, filled.shape[-1] + 1, device=one_hot.device) * filled
    return last.max(-1).values if filled.shape[-1] else filled.sum(-1)


def _prefix(lengths, width, dtype):
    """(n, 1, width) mask: 1 before each length, 0 after."""
    return (torch.arange(width, device=lengths.device) < lengths[:, None]).to(dtype)[:, None]


def cnn(source="mini", num_labels=2, **overrides):
    """CNN baseline (`CNNForSequenceClassification`).

    Parameters
    ----------
    source : str or Path
        ``"tiny"`` or ``"mini"`` (see `CNN_CONFIGS`) for an untrained model, a directory written
        by ``save_pretrained``, or a hub id.
    num_labels : int
        Number of classes.
    **overrides
        Config entries to change, e.g. ``global_pool="mean"``.

    Returns
    -------
    CNNForSequenceClassification
    """
    kind = _source_kind(source, CNN_CONFIGS)
    if kind == "preset":
        config = CNNConfig(**{**CNN_CONFIGS[source], **overrides}, num_labels=num_labels)
        return CNNForSequenceClassification(config)
    if kind == "dir":
        _weights_file(source)
    return CNNForSequenceClassification.from_pretrained(
        str(source), num_labels=num_labels, **overrides
    )


# --------------------------------------------------------------------------------------------
# Common entry points
# --------------------------------------------------------------------------------------------

BUILDERS = {"dnabert": dnabert, "dnabert2": dnabert2, "cnn": cnn}


def build(name, source="mini", num_labels=2, **overrides):
    """Build a model by name.

    Parameters
    ----------
    name : {"dnabert", "dnabert2", "cnn"}
    source, num_labels, **overrides
        As for `dnabert` (which also takes ``k``), `dnabert2` and `cnn`.

    Returns
    -------
    transformers.PreTrainedModel
    """
    if name not in BUILDERS:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(BUILDERS)}")
    return BUILDERS[name](source, num_labels, **overrides)


def check_vocab(model, tokenizer_vocab_size):
    """Raise if a tokenizer's vocabulary does not fit the model's embeddings.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        A DNABERT or DNABERT-2 model.
    tokenizer_vocab_size : int
        Number of tokens of the tokenizer.

    Raises
    ------
    ValueError
        When the sizes differ; the message names the tokenizer to use.
    TypeError
        For the CNN, which reads one-hot DNA rather than tokens.
    """
    if isinstance(model, CNNForSequenceClassification):
        raise TypeError("the CNN reads one-hot DNA (dnaexplain.sequences.one_hot), not tokens")
    size = model.config.vocab_size
    if size == tokenizer_vocab_size:
        return
    k = next((k for k in range(1, 9) if 5 + 4**k == size), None)
    if isinstance(model, DNABERT2ForSequenceClassification):
        hint = f"the DNABERT-2 BPE tokenizer (dnabert2_tokenizer, {size} tokens)"
    elif k is not None:
        hint = f"the {k}-mer tokenizer (dnabert_tokenizer(k={k}), {size} tokens)"
    else:
        hint = f"the tokenizer this model was trained with ({size} tokens)"
    raise ValueError(
        f"the tokenizer has {tokenizer_vocab_size} tokens but the model's embeddings have "
        f"{size}: use {hint}."
    )


def model_device(model):
    """Device of the model's parameters."""
    return next(model.parameters()).device


def model_inputs(model, inputs, index=slice(None), device=None):
    """Keyword arguments of ``model(...)`` for part of a batch.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        Decides which input the batch must be.
    inputs : Tokenization or torch.Tensor
        Tokens for DNABERT / DNABERT-2; one-hot (n, 4, L) for the CNN.
    index : slice, int sequence or tensor
        Rows to take.
    device : torch.device or str, optional
        Where to put the tensors; the model's device when None.

    Returns
    -------
    dict
        ``input_ids`` and ``attention_mask`` (m, t), or ``one_hot`` (m, 4, L).
    """
    device = model_device(model) if device is None else device
    is_cnn = isinstance(model, CNNForSequenceClassification)
    if is_cnn and torch.is_tensor(inputs):
        return {"one_hot": inputs[index].to(device)}
    if not is_cnn and isinstance(inputs, Tokenization):
        return {
            "input_ids": inputs.input_ids[index].to(device),
            "attention_mask": inputs.attention_mask[index].to(device),
        }
    want = "a one-hot tensor (n, 4, L)" if is_cnn else "a Tokenization"
    raise TypeError(f"{type(model).__name__} needs {want}, got {type(inputs).__name__}")


PRECISIONS = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


def autocast(precision, device):
    """A context that runs matrix products in `precision` on `device` (fp32: no change).

    Parameters
    ----------
    precision : {"fp32", "bf16", "fp16", "auto", "fast"}
        bf16 halves the cost of a forward pass on CPUs with AVX512-BF16 or AMX and on GPUs; the
        logits then agree with fp32 to about 1e-3. fp16 is for CUDA. ``auto`` and ``fast`` pick
        one of them for the device (`defaults.resolve_precision`).
    device : torch.device or str
    """
    dtype = PRECISIONS[resolve_precision(precision, device)]
    return torch.autocast(torch.device(device).type, dtype=dtype, enabled=dtype is not None)


@contextmanager
def fused_attention(model):
    """Within the block, a transformer in eval mode attends with PyTorch's fused
    `scaled_dot_product_attention`: for passes that need no attention maps.

    The fused kernel never forms the (n, heads, t, t) maps: at 500 tokens it classifies 1.5 to
    2.5x faster on 2 CPU cores than the eager attention the explanations need, whose maps are
    faulted in afresh on every pass (`benchmarks/predict.py`); the logits agree to float
    rounding. The model's attention setting is restored on exit; the CNN is untouched.
    """
    config = getattr(model, "config", None)
    if config is None or isinstance(model, CNNForSequenceClassification):
        yield model
        return
    before = config._attn_implementation
    config._attn_implementation = "sdpa"
    try:
        yield model
    finally:
        config._attn_implementation = before


def predict(model, inputs, batch_size=64, device=None, precision="fp32", verbose=False):
    """Logits of a model for a whole data set, in batches, without gradients, in eval mode,
    attending through the fused kernel (`fused_attention`).

    Parameters
    ----------
    model : transformers.PreTrainedModel
        Any model built here; its train/eval mode is restored afterwards.
    inputs : Tokenization or torch.Tensor
        Tokens for DNABERT / DNABERT-2; one-hot (n, 4, L) for the CNN.
    batch_size : int
        Sequences per forward pass.
    device : torch.device or str, optional
        Device to run on (the model is moved there); the model's device when None.
    precision : {"fp32", "bf16", "fp16", "auto", "fast"}
        Autocast precision of the forward passes (see `autocast`).
    verbose : bool
        Show a progress bar.

    Returns
    -------
    torch.Tensor, shape (n, num_labels)
        Logits in the model's dtype, on the CPU.
    """
    if device is not None:
        model.to(device)
    n = len(inputs.input_ids) if isinstance(inputs, Tokenization) else len(inputs)
    training = model.training
    model.eval()
    logits = []
    dtype = next(model.parameters()).dtype  # autocast's bf16 / fp16 logits come back in it
    with (torch.no_grad(), autocast(precision, next(model.parameters()).device),
          fused_attention(model)):
        for start in tqdm(range(0, n, batch_size), desc="predict", disable=not verbose):
            kwargs = model_inputs(model, inputs, slice(start, start + batch_size))
            logits.append(model(**kwargs).logits.to(dtype).cpu())
    model.train(training)
    return torch.cat(logits)


# --------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------


def _source_kind(source, presets):
    """Whether `source` names a preset, a local directory or (by elimination) a hub id."""
    if source in presets:
        return "preset"
    if Path(source).is_dir():
        return "dir"
    if "/" not in str(source):
        raise ValueError(
            f"{source!r} is not a named config ({', '.join(presets)}), an existing directory "
            "or a hub id (owner/name)"
        )
    return "hub"


def _weights_file(path):
    """The weights file of a checkpoint directory, or an error saying what is missing."""
    path = Path(path)
    if not (path / "config.json").is_file():
        raise FileNotFoundError(
            f"{path} has no config.json; point source at a directory written by "
            "model.save_pretrained(...) or a downloaded hub snapshot."
        )
    for name in WEIGHTS + SHARD_INDEXES:
        if (path / name).is_file():
            return path / name
    raise FileNotFoundError(
        f"{path} has no model weights (looked for {', '.join(WEIGHTS + SHARD_INDEXES)}); point "
        "source at a "
        "directory written by model.save_pretrained(...), download the checkpoint's weights "
        "into it, or use a named config to build an untrained model."
    )
