"""Command line: ``python -m dnaexplain.data fetch NAME ...``, ``list``, ``fetch-chipseq``."""

import argparse
import sys

from .chipseq import locate_chipseq
from .dataset import DatasetNotFoundError
from .published import DATASETS, load, locate, spec


def _fetch_chipseq_cli():
    """``fetch-chipseq``: report where each peak file is, or why it is not; exit status."""
    try:
        found = locate_chipseq(verbose=True)
    except DatasetNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for name, (path, origin) in found.items():
        n = sum(line.startswith(">") for line in path.read_text().splitlines())
        print(
            f"chipseq {name}: {n:,} sequences, {path.stat().st_size:,} bytes, from {origin}: {path}"
        )
    return 0


def main(argv=None):
    """Command line: ``fetch NAME [NAME ...] [--split SPLIT]``, ``list`` and ``fetch-chipseq``."""
    parser = argparse.ArgumentParser(
        prog="python -m dnaexplain.data", description="Make dnaexplain datasets available locally."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    fetch = commands.add_parser("fetch", help="make datasets available (mirror or download)")
    fetch.add_argument("names", nargs="+", metavar="NAME")
    fetch.add_argument("--split", action="append", help="only these splits (default: all)")
    commands.add_parser("list", help="list the known datasets")
    commands.add_parser("fetch-chipseq", help="make the Oct4 and MafK ChIP-seq peaks available")
    args = parser.parse_args(argv)
    if args.command == "fetch-chipseq":
        return _fetch_chipseq_cli()
    if args.command == "list":
        for s in DATASETS.values():
            print(
                f"{s.name:26} {s.collection:19} splits: {', '.join(s.splits):16} "
                f"classes: {', '.join(s.classes)}"
            )
        return 0
    status = 0
    for name in args.names:
        try:
            parts = args.split or spec(name).splits
        except KeyError as e:
            print(f"error: {e.args[0]}", file=sys.stderr)
            status = 1
            continue
        for part in parts:
            try:
                path, origin = locate(name, part, verbose=True)
                data = load(name, part, preprocess=False)
            except (ValueError, DatasetNotFoundError) as e:
                print(f"error: {e}", file=sys.stderr)
                status = 1
                continue
            print(
                f"{name} {part}: {len(data):,} sequences, {path.stat().st_size:,} bytes, "
                f"from {origin}: {path}"
            )
    return status
