"""Cost of motif insertion on the tiny CNN and a tiny DNABERT, against classifying as many
sequences.

    python benchmarks/insertion.py --sequences 100 --shuffles 20 --repeats 2 --device cpu

``--sequences`` random backgrounds of 200 bp (the known-biology chapter's peak width), each
dinucleotide-shuffled ``--shuffles`` times, and two motifs, Oct4's octamer (one site) and
MafK's MARE (its two sites): sequences x shuffles x (1 + 3) classifications in all (each
background once, then each site in it). The models have random weights (the cost does not
depend on them). The reference is one `models.predict` call on as many sequences of 200 bp,
encoded beforehand (untimed); the difference is the cost of shuffling, inserting and encoding.
Each time is the fastest of ``--repeats`` runs.
"""

import argparse

import torch
from timing import fastest

from dnaexplain import insertion, models
from dnaexplain import tokenizers as tk
from dnaexplain.sequences import random_sequences

LENGTH = 200
MOTIFS = {"Oct4": "ATGCAAAT", "MafK": ["TGCTGACTCAGCA", "TGCTGAGTCAGCA"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=100, help="background sequences")
    parser.add_argument("--shuffles", type=int, default=20, help="shuffles per sequence")
    parser.add_argument("--k", type=int, default=6, help="DNABERT's k")
    parser.add_argument("--repeats", type=int, default=2, help="runs per timing; fastest kept")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.manual_seed(0)
    seqs = random_sequences(args.sequences, LENGTH, seed=0)
    sites = sum(1 if isinstance(s, str) else len(s) for s in MOTIFS.values())
    count = args.sequences * args.shuffles * (1 + sites)
    print(
        f"{args.sequences} sequences of {LENGTH} bp x {args.shuffles} shuffles, motifs "
        f"{', '.join(MOTIFS)} ({sites} sites): {count:,} sequences classified; batch "
        f"{args.batch_size}, {args.device}, {torch.get_num_threads()} threads, fastest of "
        f"{args.repeats}"
    )
    runs = {
        "CNN tiny": (models.cnn("tiny"), None),
        f"DNABERT-{args.k} tiny": (models.dnabert("tiny", k=args.k), tk.dnabert_tokenizer(args.k)),
    }
    print(f"\n{'model':<16}{'insertion s':>13}{'predict s':>11}{'ratio':>8}{'sequences/s':>13}")
    for name, (model, tokenizer) in runs.items():
        model = model.to(args.device).eval()
        opts = dict(batch_size=args.batch_size, device=args.device)

        def run():
            insertion.insert_motifs(
                model, tokenizer, seqs, MOTIFS, 1, n_shuffles=args.shuffles, **opts
            )

        batch = tk.encode(tokenizer, random_sequences(count, LENGTH, seed=1))
        spent = fastest(run, args.repeats, args.device)
        reference = fastest(lambda: models.predict(model, batch, **opts), args.repeats, args.device)
        print(
            f"{name:<16}{spent:13.2f}{reference:11.2f}{spent / reference:8.2f}"
            f"{count / spent:13,.0f}"
        )


if __name__ == "__main__":
    main()
