"""The invariants the methods promise, measured: conservation of Chefer's LRP, rollout rows
that are distributions, Grad-CAM within [0, 1]."""

from ..lrp import attention_maps, propagate
from ..models import model_device, model_inputs
from ..tokenizers import encode
from .dispatch import attribute, check_target
from .maps import rollout


def invariants(model, tokenizer, sequences, target=None, device=None):
    """The invariants the methods promise, measured on a float64 copy of a model.

    Parameters
    ----------
    model : BertForSequenceClassification or DNABERT2ForSequenceClassification
        Left as it is (a copy is converted to float64).
    tokenizer : transformers tokenizer
        The model's.
    sequences : list of str
        n DNA sequences.
    target : int or array-like of int, shape (n,), optional
        Classes explained; the predicted ones when None.
    device : torch.device or str, optional
        Where the copy runs; the model's device when None.

    Returns
    -------
    pandas.DataFrame
        Rows ``full_lrp total (chefer)`` (1 for every sequence: conservative),
        ``full_lrp total (chefer_baseline)`` (not conservative), ``rollout row sums`` (1:
        each row a distribution) and ``attn_gradcam`` (within [0, 1]); columns ``min`` and
        ``max`` over the sequences (over valid rows for the rollout, over tokens for
        attn_gradcam).
    """
    import copy

    import pandas as pd

    model = copy.deepcopy(model).double().to(device or model_device(model))
    batch = encode(tokenizer, sequences)
    inputs = model_inputs(model, batch)
    n = len(batch.input_ids)
    target = check_target(target, n, model.config.num_labels)
    target = None if target is None else target.to(model_device(model))
    check = {}
    for rules in ("chefer", "chefer_baseline"):
        totals = propagate(model, inputs, target, rules=rules).input.sum((1, 2))
        check[f"full_lrp total ({rules})"] = totals
    probs, _, _, _ = attention_maps(model, inputs, target)
    joint = rollout([p.mean(1) for p in probs])  # mean over heads, as the method does
    check["rollout row sums"] = joint.sum(-1)[inputs["attention_mask"].bool()]
    check["attn_gradcam"] = attribute(model, batch, "attn_gradcam", target)
    return pd.DataFrame(
        {name: [v.min().item(), v.max().item()] for name, v in check.items()}, index=["min", "max"]
    ).T
