"""Cost of the mutagenesis experiment on DNABERT "mini", relative to classifying as many sequences.

    python benchmarks/mutagenesis.py --sequences 1000 --repeats 2 --precision bf16 --device cpu

Two tasks: ``--sequences`` random sequences of 251 bp and as many of 500 bp; 11 score maps of
random numbers, one per method of the cpu profile but ism and random (the cost measured is the
mutagenesis, not the attribution); ns 1, 5, 10, 15, 20; 10 random-position repeats and 3
random-sequence repeats: 1 + 11 x 5 + 10 x 5 + 3 = 109 classifications per sequence.
DNABERT-6 "mini" has random weights (the cost does not depend on them). The reference is one `models.predict` call on the same number of random sequences of the
task's length, tokenised beforehand (untimed), at the same ``--precision`` (the cpu profile
classifies mutants in bf16). Each time is the fastest of ``--repeats`` runs.

Targets: the experiment costs at most 1.3 x the reference; both tasks at 1,000 sequences take at
most 10 minutes (218,000 forward passes).

The script re-executes itself with glibc settings that keep freed memory in the process for
reuse (``MALLOC_MMAP_THRESHOLD_`` 32 MiB, ``MALLOC_TRIM_THRESHOLD_`` 16 GiB,
``MALLOC_TOP_PAD_`` 256 MiB, as in benchmarks/attribution.py): glibc reads them at start-up,
and without them page faults on memory returned to the OS after every batch distort CPU times.
"""

import argparse
import os
import sys

import numpy as np
import torch
from timing import fastest

from dnaexplain import models, mutagenesis
from dnaexplain import tokenizers as tk
from dnaexplain.sequences import random_sequences

K = 6
LENGTHS = (251, 500)
METHODS = 11
NS = (1, 5, 10, 15, 20)
RANDOM_REPEATS = 10
ALL_REPEATS = 3
MALLOC = {
    "MALLOC_MMAP_THRESHOLD_": "33554432",
    "MALLOC_TRIM_THRESHOLD_": "17179869184",
    "MALLOC_TOP_PAD_": "268435456",
}
RATIO_TARGET = 1.3
TOTAL_TARGET_S = 600


def reference_batch(tokenizer, count, length):
    """``count`` random sequences tokenised into one batch, without spans (predict needs none)."""
    parts = [
        tk.tokenize(tokenizer, random_sequences(min(8192, count - i), length, seed=i))
        for i in range(0, count, 8192)
    ]
    return tk.Tokenization(
        torch.cat([p.input_ids for p in parts]),
        torch.cat([p.attention_mask for p in parts]),
        None,
        [],
        "kmer",
        K,
    )


def task(model, tokenizer, length, args):
    """Time the experiment and the reference on one task; return their times and the count."""
    rng = np.random.default_rng(length)
    seqs = random_sequences(args.sequences, length, seed=length)
    labels = rng.integers(0, 2, args.sequences)
    scores = {f"m{i}": rng.random((args.sequences, length)) for i in range(METHODS)}
    count = args.sequences * (1 + METHODS * len(NS) + RANDOM_REPEATS * len(NS) + ALL_REPEATS)
    opts = dict(batch_size=args.batch_size, device=args.device, precision=args.precision)

    def experiment():
        mutagenesis.experiment(
            model,
            tokenizer,
            seqs,
            labels,
            scores,
            ns=NS,
            random_repeats=RANDOM_REPEATS,
            all_repeats=ALL_REPEATS,
            **opts,
        )

    batch = reference_batch(tokenizer, count, length)
    spent = fastest(experiment, args.repeats, args.device)
    reference = fastest(lambda: models.predict(model, batch, **opts), args.repeats, args.device)
    return spent, reference, count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=1000, help="sequences per task")
    parser.add_argument("--repeats", type=int, default=2, help="runs per timing; fastest kept")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--precision", default="bf16", choices=sorted(models.PRECISIONS))
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    if any(os.environ.get(k) != v for k, v in MALLOC.items()):
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **MALLOC})
    torch.manual_seed(0)
    model = models.dnabert("mini", k=K).to(args.device).eval()
    tokenizer = tk.dnabert_tokenizer(K)
    print(
        f"DNABERT-{K} mini, {METHODS} methods, ns {NS}, {RANDOM_REPEATS} random repeats, "
        f"{ALL_REPEATS} random-sequence repeats, {args.sequences:,} sequences per task, "
        f"batch {args.batch_size}, {args.precision}, {args.device}, "
        f"{torch.get_num_threads()} threads, "
        f"fastest of {args.repeats}"
    )
    total = 0.0
    for length in LENGTHS:
        spent, reference, count = task(model, tokenizer, length, args)
        total += spent
        ratio = spent / reference
        print(f"\n{length} bp: {count:,} sequences classified")
        print(f"  experiment          {spent:9.1f} s  ({count / spent:,.0f} sequences/s)")
        print(f"  one predict call    {reference:9.1f} s  ({count / reference:,.0f} sequences/s)")
        print(
            f"  ratio               {ratio:9.2f}    target <= {RATIO_TARGET}: "
            f"{'met' if ratio <= RATIO_TARGET else 'MISSED'}"
        )
    full = total * 1000 / args.sequences
    print(
        f"\ntotal, both experiments: {total:.1f} s; at 1,000 sequences per task "
        f"{full:.0f} s (linear), target <= {TOTAL_TARGET_S} s: "
        f"{'met' if full <= TOTAL_TARGET_S else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
