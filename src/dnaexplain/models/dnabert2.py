"""DNABERT-2 (BPE tokens, ALiBi, gated MLP), re-implemented as a plain eager PyTorch module
whose state dict matches the released ``zhihan1996/DNABERT-2-117M`` key for key; the release
itself needs remote code and Triton, and hides attention inside fused kernels."""

import json
import logging
import math
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from transformers import PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import SequenceClassifierOutput

from .checkpoints import _read_weights, _snapshot, _source_kind, weights_file
from .configs import DNABERT2_CONFIGS

logger = logging.getLogger(__name__)


# Entries of a released DNABERT-2 config.json that carry over to `DNABERT2Config`.
RELEASE_KEYS = (
    "vocab_size",
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "hidden_dropout_prob",
    "attention_probs_dropout_prob",
    "type_vocab_size",
    "layer_norm_eps",
    "initializer_range",
    "classifier_dropout",
)


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

    def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, inputs_embeds=None):
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
    file = weights_file(path)
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
