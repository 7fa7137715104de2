"""The three classifiers the book explains: DNABERT, DNABERT-2 and a CNN baseline.

All three are ``transformers.PreTrainedModel`` subclasses: they train with ``Trainer`` and
round-trip through ``save_pretrained`` / ``from_pretrained``. Each builder (`dnabert`,
`dnabert2`, `cnn`, or `build` by name) takes ``source``: a named from-scratch config, a local
checkpoint directory (whole or in shards), or a Hugging Face hub id.

One job per module: `dnabert`, `dnabert2` and `cnn` each hold one architecture and its
builder; `configs` the named sizes; `checkpoints` where weights come from; `builders` the
models by name; `prediction` running a model over a data set.
"""

from transformers import AutoConfig, AutoModelForSequenceClassification

from .builders import BUILDERS, build, check_vocab
from .checkpoints import SHARD_INDEXES, WEIGHTS, weights_file
from .cnn import CNNConfig, CNNForSequenceClassification, cnn, sequence_lengths
from .configs import (
    BASE,
    CNN_CONFIGS,
    DNABERT2_CONFIGS,
    DNABERT2_HUB,
    DNABERT_COMMON,
    DNABERT_CONFIGS,
    DNABERT_HUB,
    MINI,
    TINY,
)
from .dnabert import dnabert
from .dnabert2 import (
    MLP,
    RELEASE_KEYS,
    Attention,
    AttentionOutput,
    DNABERT2Config,
    DNABERT2ForSequenceClassification,
    DNABERT2Model,
    Embeddings,
    Encoder,
    Layer,
    Pooler,
    SelfAttention,
    alibi_slopes,
    attention_bias,
    dnabert2,
)
from .prediction import PRECISIONS, autocast, fused_attention, model_device, model_inputs, predict

# A folder the book saved loads through transformers' Auto classes once the package is imported
# (the released DNABERT and DNABERT-2 checkpoints keep their own model types).
for _config, _model in (
    (DNABERT2Config, DNABERT2ForSequenceClassification),
    (CNNConfig, CNNForSequenceClassification),
):
    AutoConfig.register(_config.model_type, _config, exist_ok=True)
    AutoModelForSequenceClassification.register(_config, _model, exist_ok=True)

__all__ = [
    "BASE",
    "BUILDERS",
    "CNN_CONFIGS",
    "DNABERT2_CONFIGS",
    "DNABERT2_HUB",
    "DNABERT_COMMON",
    "DNABERT_CONFIGS",
    "DNABERT_HUB",
    "MINI",
    "MLP",
    "PRECISIONS",
    "RELEASE_KEYS",
    "SHARD_INDEXES",
    "TINY",
    "WEIGHTS",
    "Attention",
    "AttentionOutput",
    "CNNConfig",
    "CNNForSequenceClassification",
    "DNABERT2Config",
    "DNABERT2ForSequenceClassification",
    "DNABERT2Model",
    "Embeddings",
    "Encoder",
    "Layer",
    "Pooler",
    "SelfAttention",
    "alibi_slopes",
    "attention_bias",
    "autocast",
    "build",
    "check_vocab",
    "cnn",
    "dnabert",
    "dnabert2",
    "fused_attention",
    "model_device",
    "model_inputs",
    "predict",
    "sequence_lengths",
    "weights_file",
]
