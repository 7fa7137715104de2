"""How well a classifier does: accuracy per class, F1, MCC, AUROC and the confusion matrix."""

import numpy as np
import pandas as pd
import torch
from sklearn import metrics as skm

from .. import models
from ..tokenizers import encode


def classification_metrics(logits, labels):
    """Accuracy, per-class accuracy, F1, MCC, AUROC and the confusion matrix.

    Parameters
    ----------
    logits : torch.Tensor or numpy.ndarray, shape (n, classes)
    labels : array-like of int, shape (n,)

    Returns
    -------
    dict
        ``accuracy``, ``accuracy_<c>`` per class index c, ``f1`` (positive class for two
        classes, macro otherwise), ``mcc``, ``auroc`` (one-vs-rest macro for more than two
        classes; NaN when a class is absent) and ``confusion`` (list of rows: true class,
        columns: predicted class).
    """
    logits = torch.as_tensor(np.asarray(logits), dtype=torch.float64)
    labels = np.asarray(labels)
    probs = torch.softmax(logits, -1).numpy()
    predicted = probs.argmax(1)
    classes = logits.shape[1]
    out = {"accuracy": float((predicted == labels).mean())}
    for c in range(classes):
        members = labels == c
        out[f"accuracy_{c}"] = float((predicted[members] == c).mean()) if members.any() else np.nan
    binary = classes == 2
    out["f1"] = float(
        skm.f1_score(
            labels,
            predicted,
            average="binary" if binary else "macro",
            labels=list(range(classes)),
            zero_division=0,
        )
    )
    out["mcc"] = float(skm.matthews_corrcoef(labels, predicted))
    present = np.unique(labels)
    if len(present) < classes:
        out["auroc"] = np.nan
    elif binary:
        out["auroc"] = float(skm.roc_auc_score(labels, probs[:, 1]))
    else:
        out["auroc"] = float(skm.roc_auc_score(labels, probs, multi_class="ovr"))
    out["confusion"] = skm.confusion_matrix(labels, predicted, labels=list(range(classes))).tolist()
    return out


def class_accuracy(trained):
    """Per class of a trained model's evaluation part: how many, how many called right.

    Parameters
    ----------
    trained : Trained

    Returns
    -------
    pandas.DataFrame
        One row per class in label order: ``class`` (its name), ``sequences``, ``accuracy``
        (the share called this class; missing when it has none) and ``called`` (the share of
        all sequences the model calls this class).
    """
    confusion = np.asarray(trained.metrics["confusion"], dtype=float)
    sizes = confusion.sum(1)
    right = np.diag(confusion)
    return pd.DataFrame(
        {
            "class": list(trained.classes),
            "sequences": sizes.astype(int),
            "accuracy": np.divide(right, sizes, out=np.full(len(sizes), np.nan), where=sizes > 0),
            "called": confusion.sum(0) / max(confusion.sum(), 1),
        }
    )


def evaluate(model, tokenizer, dataset, max_length=512, batch_size=64, device=None, verbose=False):
    """`classification_metrics` of a model on a `data.Dataset`."""
    inputs = encode(tokenizer, dataset.sequences, max_length=max_length, truncate=True)
    logits = models.predict(model, inputs, batch_size=batch_size, device=device, verbose=verbose)
    return classification_metrics(logits, dataset.labels)
