"""Cost of TF-MoDISco-lite on one class of the known-biology chapter's size, by Leiden runs.

    python benchmarks/modisco.py --sequences 100 --repeats 2

``--sequences`` sequences of 200 bp (the chapter's peak width; the cpu profile explains 100
per class), each with one CTCF site (JASPAR MA0139.1) planted, and hand-made hypothetical
scores: 1 on the observed base of every planted position, Gaussian noise of sd 0.05 on every
channel (the scores of an ideal explainer). `motifs.find_patterns` runs with the book's
window settings and 2 (modisco's command line), 10 (the book) and 50 (modisco's default)
Leiden runs. The first, untimed call compiles modisco's numba kernels (or loads them from
numba's cache). Each time is the fastest of ``--repeats`` runs; the patterns found and the
top pattern's best JASPAR match are printed beside it.
"""

import argparse

import numpy as np
from timing import fastest

from dnaexplain import data, motifs
from dnaexplain.sequences import one_hot

CTCF = "MA0139.1"
LEIDEN = (2, 10, 50)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=100, help="sequences of the class")
    parser.add_argument("--repeats", type=int, default=2, help="runs per timing; fastest kept")
    args = parser.parse_args()
    d = data.synthetic(args.sequences, motifs=(CTCF,), positive_fraction=1.0, seed=0)
    x = one_hot(d.sequences).numpy()
    h = x * d.mask[:, None, :] + 0.05 * np.random.default_rng(0).standard_normal(x.shape)
    motifs.find_patterns(x, h, n_leiden=2)  # compile
    print(f"{args.sequences} sequences of 200 bp, one CTCF site each; fastest of {args.repeats}")
    print(f"\n{'Leiden runs':>11}{'seconds':>9}{'patterns':>10}  top pattern's best match")
    for n in LEIDEN:
        found = []
        seconds = fastest(
            lambda: found.append(motifs.find_patterns(x, h, n_leiden=n)), args.repeats
        )
        patterns = found[-1]
        table = motifs.compare(patterns[:1])
        best = f"{table.name.iloc[0]} (q = {table.q_value.iloc[0]:.1e})" if len(table) else "-"
        print(f"{n:>11}{seconds:>9.1f}{len(patterns):>10}  {best}")


if __name__ == "__main__":
    main()
