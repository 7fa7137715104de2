"""The CNN baseline: one-hot DNA (n, 4, L) through Conv1d, ReLU, max pooling and Linear
layers only, the layers LRP has simple rules for; padding masked before every pooling."""

import torch
from torch import nn
from transformers import PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import SequenceClassifierOutput

from .checkpoints import _source_kind, weights_file
from .configs import CNN_CONFIGS


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
        self.conv1 = nn.Conv1d(
            4, config.conv1_channels, config.conv1_kernel, padding=config.conv1_kernel // 2
        )
        self.act1 = nn.ReLU()
        self.pool1 = nn.MaxPool1d(config.pool_size)
        self.conv2 = nn.Conv1d(
            config.conv1_channels,
            config.conv2_channels,
            config.conv2_kernel,
            padding=config.conv2_kernel // 2,
        )
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
        weights_file(source)
    return CNNForSequenceClassification.from_pretrained(
        str(source), num_labels=num_labels, **overrides
    )
