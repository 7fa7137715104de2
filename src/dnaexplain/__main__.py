"""Command line: ``python -m dnaexplain train [--profile P] [--runs R ...]`` and
``python -m dnaexplain explain INPUT --checkpoint C --out FOLDER [...]``.

``train`` trains the runs of a parameter set into the checkpoint cache, so the book then loads
them; under ``torchrun --nproc_per_node N -m dnaexplain train`` the Hugging Face ``Trainer``
spreads each run over N GPUs. Here, not in `training`, so the training code's digest (which
keys every cached model) does not depend on `params`.

``explain`` writes the scores of a FASTA, CSV or BED file's sequences to a folder in the formats
other tools read (`exporting`); ``torchrun --nproc_per_node N -m dnaexplain explain ...`` (gloo
on CPUs) or ``accelerate launch --num_processes N -m dnaexplain explain ...`` (GPUs) shares the
sequences among N processes.
"""

import argparse

import yaml

from . import exporting, inputs, params, training
from .attribution import BATCH_SIZE, methods_for
from .positions import STRATEGIES


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m dnaexplain",
        description="train: fine-tune the runs of a parameter set into the checkpoint cache; "
        "the book then loads them (multi-GPU: torchrun --nproc_per_node N -m dnaexplain "
        "train). explain: write the scores of many sequences in the formats other tools read.",
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
    _explain_parser(commands)
    args = parser.parse_args(argv)
    if args.command == "explain":
        return explain(args)
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


def _explain_parser(commands):
    explain = commands.add_parser(
        "explain",
        help="write the scores of many sequences in the formats other tools read",
        description="Explain the sequences of a FASTA, CSV/TSV or BED file and write, to a "
        "folder: predictions.tsv, scores.h5 (every method, chunked HDF5), ohe.npz and "
        "<method>/attr.npz (for modisco motifs), bigWig and bedGraph tracks (BED input) and "
        "motifs.meme. Several processes: torchrun --nproc_per_node N -m dnaexplain explain ... "
        "(CPUs: gloo) or accelerate launch --num_processes N -m dnaexplain explain ... (GPUs). "
        "A killed run resumes when started again with the same arguments.",
    )
    explain.add_argument(
        "input",
        help="sequences: FASTA (.fa, .fasta; ids from the headers), a table (.csv, .tsv; "
        "columns 'id' and 'sequence') or intervals (.bed, .narrowPeak; with --genome); "
        "optionally gzipped",
    )
    explain.add_argument("--out", required=True, help="output folder: new, or this run's")
    model = explain.add_mutually_exclusive_group(required=True)
    model.add_argument(
        "--checkpoint",
        help="a checkpoint folder, a hub id, or a named config (random weights)",
    )
    model.add_argument("--run", help="a profile's 'model:dataset' run from the cache")
    explain.add_argument(
        "--model",
        choices=["dnabert", "dnabert2", "cnn"],
        help="architecture of --checkpoint (default: read off its config.json)",
    )
    explain.add_argument("--k", type=int, help="DNABERT's k (default: read off the checkpoint)")
    explain.add_argument(
        "--profile", default="cpu", help="the parameter set of --run (default cpu)"
    )
    explain.add_argument(
        "--methods",
        nargs="+",
        metavar="METHOD",
        help="scoring methods (default: lrp for the CNN, attnlrp for transformers), each a "
        "name or LABEL=NAME to run one method twice with other options; names: "
        + ", ".join(methods_for()),
    )
    explain.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="LABEL.KEY=VALUE",
        help="an option of one method, repeatable; VALUE is read as YAML (20, 0.5, true, "
        "shuffled), e.g. --option deep_lift_shap.n_shuffles=50 --option ig.baseline=shuffled",
    )
    explain.add_argument(
        "--target",
        default="predicted",
        help="class explained: 'predicted' (each sequence's predicted class), or a class "
        "index or name (default predicted)",
    )
    explain.add_argument("--genome", help="genome FASTA of BED intervals (pyfaidx)")
    explain.add_argument("--width", type=int, help="window width in bp (BED input)")
    explain.add_argument(
        "--centre",
        choices=["summit", "centre"],
        default="summit",
        help="centre windows on the narrowPeak summit (column 10) where given, else on the "
        "interval's centre; or always on the centre (default summit)",
    )
    explain.add_argument(
        "--strategy",
        choices=STRATEGIES,
        default="mean",
        help="token to nucleotide scores (default mean)",
    )
    explain.add_argument(
        "--batch-size",
        type=int,
        default=BATCH_SIZE,
        help=f"sequences per pass (default {BATCH_SIZE})",
    )
    explain.add_argument(
        "--shard-size",
        type=int,
        default=exporting.SHARD_SIZE,
        help=f"sequences per shard, the unit of resuming (default {exporting.SHARD_SIZE})",
    )
    explain.add_argument(
        "--motif-sequences",
        type=int,
        default=exporting.MOTIF_SEQUENCES,
        help="sequences whose seqlets make motifs.meme; 0: no motifs "
        f"(default {exporting.MOTIF_SEQUENCES})",
    )
    explain.add_argument("--keep-shards", action="store_true", help="keep shards/ after merging")
    explain.add_argument(
        "--device",
        help="e.g. cuda or cpu (default: the process's GPU where there is one, else cpu)",
    )
    explain.add_argument("--quiet", action="store_true", help="no progress bars")


def explain(args):
    """The ``explain`` command: read, load, `exporting.export`."""
    records = inputs.read(args.input, args.genome, args.width, args.centre)
    if args.run:
        p = params.bind({"profile": args.profile})
        trained = exporting.cached_run(args.run, p, args.device)
    else:
        trained = exporting.checkpoint(args.checkpoint, args.model, args.k, args.device)
    target = args.target
    target = None if target == "predicted" else int(target) if target.isdigit() else target
    out = exporting.export(
        args.out,
        trained,
        records,
        methods=method_specs(args.methods, args.option),
        target=target,
        strategy=args.strategy,
        shard_size=args.shard_size,
        batch_size=args.batch_size,
        device=args.device,
        motif_sequences=args.motif_sequences,
        keep_shards=args.keep_shards,
        verbose=not args.quiet,
    )
    return out


def method_specs(methods, options=()):
    """The command's ``--methods`` and ``--option`` as `exporting.export` takes them.

    Parameters
    ----------
    methods : list of str or None
        Each ``NAME`` or ``LABEL=NAME``; None or empty: the model's default methods.
    options : list of str
        Each ``LABEL.KEY=VALUE``, the value read as YAML.

    Returns
    -------
    dict of str to (str, dict), or None
        Label -> (method, options); None when no method is named (and no option given).

    Raises
    ------
    ValueError
        A malformed item, a label given twice, or an option for a label not among the methods
        (naming the nearest); the options themselves are checked by `exporting.plan`.
    """
    if not methods:
        if options:
            raise ValueError(f"--option {options[0]}: name the method with --methods too")
        return None
    specs = {}
    for item in methods:
        label, _, name = item.rpartition("=")
        label = label or name
        if not name or label in specs:
            raise ValueError(
                f"--methods {item}: give NAME or LABEL=NAME, each label once"
                + (f" ({label!r} is given twice)" if label in specs else "")
            )
        specs[label] = (name, {})
    for item in options:
        where, eq, value = item.partition("=")
        label, dot, key = where.rpartition(".")
        if not (eq and dot and label and key):
            raise ValueError(f"--option {item}: write LABEL.KEY=VALUE, e.g. ism.hypothetical=true")
        if label not in specs:
            raise ValueError(
                f"--option {item}: {label!r} is not among --methods ({', '.join(specs)})"
                + params._nearest(label, specs)
            )
        if key == "hypothetical":
            raise ValueError(
                f"--option {item}: hypothetical scores are written wherever a method has them"
            )
        specs[label][1][key] = yaml.safe_load(value)
    return specs


if __name__ == "__main__":
    main()
