"""Command line: ``python -m dnaexplain train [--profile P] [--runs R ...]``.

Trains the runs of a parameter set into the checkpoint cache, so the book then loads them;
under ``torchrun --nproc_per_node N -m dnaexplain train`` the Hugging Face ``Trainer`` spreads
each run over N GPUs. Here, not in `training`, so the training code's digest (which keys every
cached model) does not depend on `params`.
"""

import argparse

from . import params, training


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m dnaexplain",
        description="Fine-tune the runs of a parameter set into the checkpoint cache; the book "
        "then loads them. Multi-GPU: torchrun --nproc_per_node N -m dnaexplain train",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a parameter set's runs into the cache")
    train.add_argument(
        "--profile",
        default="cpu",
        help="smoke, cpu, paper (the package's profiles/<name>.yml) or the path of a YAML file "
        "of parameters (default cpu)",
    )
    train.add_argument("--runs", nargs="*", help="'model:dataset' runs (default: the profile's)")
    train.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    p = params.bind({"profile": args.profile, "runs": args.runs})
    for name in p["runs"]:
        trained, _ = training.run(
            name,
            p["train"],
            seed=p["seed"],
            max_sequences=p["max_sequences"],
            min_eval_per_class=p["min_eval_per_class"],
            verbose=args.verbose,
        )
        print(f"{name}: accuracy {trained.metrics['accuracy']:.3f} ({trained.path})")


if __name__ == "__main__":
    main()
