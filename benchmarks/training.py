"""Fine-tuning cost of every run of a profile: wall time, sequences/s, peak memory, accuracy.

Each run trains from scratch in its own subprocess (a fresh, temporary cache), so the peak
resident memory of that process is the run's peak and nothing is reused from earlier builds.

    python benchmarks/training.py --profile cpu            # every run of the cpu profile
    python benchmarks/training.py --profile cpu --runs cnn:human_nontata_promoters

Targets (issue "Models and fine-tuning"): in the cpu profile each transformer trains in at most
6 minutes and the CNN in at most 2 minutes on a 2-core machine.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

LIMITS = {"dnabert": 360, "dnabert2": 360, "cnn": 120}


def child(run, profile, root):
    from dnaexplain import params, training

    p = params.load_profile(profile)
    start = time.perf_counter()
    trained, parts = training.run(
        run,
        p["train"],
        seed=p["seed"],
        max_sequences=p["max_sequences"],
        min_eval_per_class=p["min_eval_per_class"],
        root=root,
    )
    seconds = time.perf_counter() - start
    settings = {**training.DEFAULTS, **trained.settings}
    n_train = len(parts["train"])
    if settings["max_train"]:
        n_train = min(n_train, settings["max_train"])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(
        json.dumps(
            {
                "seconds": seconds,
                "sequences": n_train * settings["epochs"],
                "accuracy": trained.metrics["accuracy"],
                "peak_mb": peak,
            }
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--runs", nargs="*", help="default: every run of the profile")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.profile, os.environ["BENCH_ROOT"])

    from dnaexplain import params

    runs = args.runs or params.load_profile(args.profile)["runs"]
    print(f"profile {args.profile}; every run trained from scratch in its own process")
    print(
        f"{'run':42s} {'seconds':>8s} {'limit':>6s} {'seq/s':>7s} {'peak MB':>8s} {'accuracy':>8s}"
    )
    for run in runs:
        with tempfile.TemporaryDirectory() as root:
            env = {**os.environ, "BENCH_ROOT": root}
            out = subprocess.run(
                [sys.executable, __file__, "--profile", args.profile, "--child", run],
                env=env,
                capture_output=True,
                text=True,
            )
        if out.returncode:
            print(f"{run:42s} failed:\n{out.stderr[-2000:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        limit = LIMITS[run.split(":")[0]]
        print(
            f"{run:42s} {r['seconds']:8.0f} {limit:6d} {r['sequences'] / r['seconds']:7.1f} "
            f"{r['peak_mb']:8.0f} {r['accuracy']:8.3f}{'' if r['seconds'] <= limit else '  over limit'}"
        )


if __name__ == "__main__":
    main()
