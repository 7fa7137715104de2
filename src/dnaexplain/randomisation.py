"""The model-parameter randomisation test: does a map depend on what the model learnt?

Adebayo et al. (2018), "Sanity checks for saliency maps": the trained weights are replaced by
random ones block by block, from the classifier head down to the embeddings, and each map is
computed again on the same sequences. A map that stays like the trained model's map once the
weights are random describes the input or the architecture, not the model. As Quantus's MPRT
(``quantus/metrics/randomisation/mprt.py``, with ``get_random_layer_generator`` of its
PyTorch model): every module with ``reset_parameters`` is reset, under ``torch.manual_seed(seed
+ 1)``; "cascading" keeps the blocks randomised so far (top down), "independent" randomises one
block of the trained model at a time; the similarity is Spearman's rank correlation of the
absolute scores of each sequence. Here modules are grouped into blocks (the head, each
transformer layer, the embeddings; each layer of the CNN), and the share of the top-k
positions kept is reported beside it.
"""

import copy

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

from .metrics import bootstrap_mean, spearman, topk_overlap

ORDERS = ("cascading", "independent")


def blocks(model):
    """The model's randomisable blocks, from the output down to the input.

    A block is a group of modules with ``reset_parameters`` named by the shortest prefix that
    identifies it: a numbered layer (``bert.encoder.layer.3``) or the first two parts of the
    name (``bert.embeddings``), or a top-level module (``classifier``, ``conv1``).

    Parameters
    ----------
    model : torch.nn.Module

    Returns
    -------
    list of (str, list of str)
        Block name and the names of its modules, head first.
    """
    found = {}
    for name, module in model.named_modules():
        if not name or not hasattr(module, "reset_parameters"):
            continue
        parts = name.split(".")
        number = next((i for i, p in enumerate(parts) if p.isdigit()), None)
        if number is not None:  # a numbered layer
            key = parts[: number + 1]
        else:  # a submodule of the base model (bert.embeddings), or a top-level module
            key = parts[:2] if len(parts) > 2 else parts[:1]
        key = ".".join(key)
        found.setdefault(key, []).append(name)
    return list(reversed(found.items()))


def randomised(model, order="cascading", seed=0):
    """Copies of a model with its blocks randomised, one step per block (head first).

    Parameters
    ----------
    model : torch.nn.Module
        Left as it is: every step is a copy.
    order : {"cascading", "independent"}
        Cascading: step i has blocks 1..i random. Independent: only block i.
    seed : int

    Yields
    ------
    str, torch.nn.Module
        The block randomised at this step, and a model of its own (in eval mode).
    """
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, not {order!r}")
    current = None
    for block, names in blocks(model):
        if current is None or order == "independent":
            current = copy.deepcopy(model).eval()
            own = dict(current.named_modules())
        for name in names:
            torch.manual_seed(seed + 1)  # Quantus's seeding of every reset
            own[name].reset_parameters()
        # a copy, so a step stays as it was when later steps randomise more
        yield block, copy.deepcopy(current) if order == "cascading" else current


def mprt(model, explain, valid, order="cascading", k=5, seed=0, verbose=False):
    """Similarity of each map of the randomised models to the trained model's map.

    Parameters
    ----------
    model : torch.nn.Module
        The trained model, left as it is.
    explain : callable
        ``explain(model) -> dict of str to tensor (n, L)``: every map to test, on the same
        sequences and targets for any model (e.g. `attribution.attribute_all` with the
        trained model's targets).
    valid : numpy.ndarray or torch.Tensor of bool, shape (n, L)
        Positions compared (real tokens or nucleotides).
    order : {"cascading", "independent"}
    k : int
        Top positions compared.
    seed : int
    verbose : bool

    Returns
    -------
    pandas.DataFrame
        One row per map, step and sequence: ``method``, ``step`` (0 = the trained model,
        i = i blocks randomised, or block i alone), ``block``, ``sequence``, ``spearman`` of
        the absolute scores and ``overlap`` of their top k.
    """
    valid = np.asarray(valid.cpu() if torch.is_tensor(valid) else valid, dtype=bool)
    trained = {m: _absolute(s, valid) for m, s in explain(model).items()}
    rows = [_similarities(trained, trained, 0, "none", k)]
    steps = randomised(model, order, seed)  # lazily: one randomised model at a time
    total = len(blocks(model))
    for step, (block, m) in enumerate(
        tqdm(steps, total=total, desc="mprt", disable=not verbose), start=1
    ):
        maps = {method: _absolute(s, valid) for method, s in explain(m).items()}
        rows += [_similarities(trained, maps, step, block, k)]
    return pd.concat(rows, ignore_index=True)


def summary(table, threshold=0.5, seed=0):
    """Mean similarity per map and step with 95 % bootstrap intervals, and which maps stay
    similar with every block random.

    Parameters
    ----------
    table : pandas.DataFrame
        From `mprt`.
    threshold : float
        A map whose mean rank correlation with every block random (the last cascading step)
        is above this is flagged: it does not depend on the model.
    seed : int

    Returns
    -------
    pandas.DataFrame
        Per ``method`` and ``step``: ``block``, ``n``, ``spearman`` with ``lo`` and ``hi``,
        ``overlap``, and ``flagged`` (on every row of a flagged method).
    """
    rows = []
    for (method, step), part in table.groupby(["method", "step"], sort=False):
        interval = bootstrap_mean(part["spearman"], seed=seed)
        rows.append(
            {
                "method": method,
                "step": step,
                "block": part["block"].iloc[0],
                "n": interval["n"],
                "spearman": interval["mean"],
                "lo": interval["lo"],
                "hi": interval["hi"],
                "overlap": part["overlap"].mean(),
            }
        )
    out = pd.DataFrame(rows)
    last = out.loc[out.groupby("method", sort=False)["step"].idxmax()]
    flagged = set(last.method[last.spearman > threshold])
    out["flagged"] = out.method.isin(flagged)
    return out


def _similarities(trained, maps, step, block, k):
    """One step's rows of `mprt`: each map against the trained model's, per sequence."""
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "method": method,
                    "step": step,
                    "block": block,
                    "sequence": np.arange(len(s)),
                    "spearman": spearman(trained[method], s),
                    "overlap": topk_overlap(trained[method], s, k),
                }
            )
            for method, s in maps.items()
        ]
    )


def _absolute(scores, valid):
    """|scores| as float64 numpy, NaN outside the compared positions."""
    s = scores.detach().cpu().numpy() if torch.is_tensor(scores) else np.asarray(scores)
    s = np.abs(s.astype(np.float64))
    width = min(s.shape[1], valid.shape[1])
    out = np.full(valid.shape, np.nan)
    out[:, :width] = np.where(valid[:, :width], s[:, :width], np.nan)
    return out
