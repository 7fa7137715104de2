"""Attention rollout (Abnar and Zuidema 2020), as the attention methods multiply it."""

import torch


def rollout(maps, start_layer=0, normalize=True, row=None):
    """Attention rollout C = Â_L ... Â_s with Â_b = rownorm(A_b + I).

    Parameters
    ----------
    maps : list of torch.Tensor, each (n, t, t)
        One non-negative map per layer, first layer first.
    start_layer : int
        Index s of the first map multiplied (Python indexing: -1 is the last layer only).
    normalize : bool
        Divide each row of A_b + I by its sum (Chefer's BERT code); without it
        Â_b = A_b + I (their ViT code).
    row : int, optional
        Return only this row of C, by vector-matrix products (t times cheaper).

    Returns
    -------
    torch.Tensor, shape (n, t, t), or (n, t) for one row
        With normalisation and non-negative maps, every row is non-negative and sums to 1.
    """
    n, t, _ = maps[0].shape
    eye = torch.eye(t, dtype=maps[0].dtype, device=maps[0].device)
    mats = []
    for a in maps[start_layer:]:
        a = a + eye
        mats.append(a / a.sum(-1, keepdim=True) if normalize else a)
    if row is not None:  # e_row^T Â_L ... Â_s, multiplied from the left
        joint = eye[row].expand(n, 1, t)
        for a in reversed(mats):
            joint = joint @ a
        return joint[:, 0]
    joint = mats[0]
    for a in mats[1:]:
        joint = a @ joint
    return joint
