"""Classification speed of `models.predict` with fused attention against eager attention.

    python benchmarks/predict.py --tokens 300 500 --batch 32 --repeats 3

`models.predict` attends through `models.fused_attention` (PyTorch's fused kernel, no
(n, heads, t, t) maps); the explanations need eager attention. Both run on the same DNABERT-6
"mini" with random weights and 64 random sequences per length; each time is the fastest of
``--repeats``, and the ratio eager / fused is printed with the largest logit difference.
"""

import argparse
import time
from contextlib import nullcontext
from unittest import mock

import torch

from dnaexplain import models
from dnaexplain import tokenizers as tk
from dnaexplain.sequences import random_sequences

K = 6


def fastest(fn, repeats):
    """Seconds of the fastest of ``repeats`` calls, and the last result."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, nargs="+", default=[300, 500])
    parser.add_argument("--batch", type=int, default=32, help="sequences per forward pass")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.manual_seed(0)
    model = models.dnabert("mini", k=K).to(args.device).eval()
    tokenizer = tk.dnabert_tokenizer(K)
    print(
        f"DNABERT-{K} mini, 64 sequences, batch {args.batch}, {args.device}, "
        f"{torch.get_num_threads()} threads, fastest of {args.repeats}"
    )
    print(f"{'tokens':>7}{'eager s':>10}{'fused s':>10}{'eager/fused':>13}{'max |dlogit|':>14}")
    for t in args.tokens:
        batch = tk.tokenize(tokenizer, random_sequences(64, t + K - 3, seed=0))
        times, logits = {}, {}
        for name in ("eager", "fused", "eager", "fused"):  # alternate: load hits both alike
            # eager: predict with `fused_attention` made a no-op
            patch = (
                mock.patch.object(models, "fused_attention", nullcontext)
                if name == "eager"
                else nullcontext()
            )
            with patch:
                s, logits[name] = fastest(
                    lambda: models.predict(model, batch, batch_size=args.batch), args.repeats
                )
            times[name] = min(s, times.get(name, s))
        diff = (logits["eager"] - logits["fused"]).abs().max().item()
        print(
            f"{t:>7}{times['eager']:>10.3f}{times['fused']:>10.3f}"
            f"{times['eager'] / times['fused']:>13.2f}{diff:>14.1e}"
        )


if __name__ == "__main__":
    main()
