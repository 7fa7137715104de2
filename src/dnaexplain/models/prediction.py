"""Running a model over a data set: its inputs, its device, autocast precision, and the fused
attention kernel for inference."""

from contextlib import contextmanager

import torch
from tqdm import tqdm

from ..defaults import resolve_precision
from ..tokenizers import Tokenization
from .cnn import CNNForSequenceClassification


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

    The fused kernel never forms the (n, heads, t, t) maps that the eager attention of the
    explanations writes afresh on every pass, so it classifies faster (`benchmarks/predict.py`
    measures by how much); the logits agree to float rounding. The model's attention setting is restored on exit; the CNN is untouched.
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
    with (
        torch.no_grad(),
        autocast(precision, next(model.parameters()).device),
        fused_attention(model),
    ):
        for start in tqdm(range(0, n, batch_size), desc="predict", disable=not verbose):
            kwargs = model_inputs(model, inputs, slice(start, start + batch_size))
            logits.append(model(**kwargs).logits.to(dtype).cpu())
    model.train(training)
    return torch.cat(logits)
