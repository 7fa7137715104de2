"""Throughput of ``explain`` (attnlrp on DNABERT-6 "mini", 500 bp): sequences per second in one
process and in two, and what writing the output files adds to the attribution time.

    python benchmarks/explain.py --sequences 32 --repeats 3 --rounds 2
    python benchmarks/explain.py --sequences 512 --batch 64 --device cuda

DNABERT-6 mini with random weights is saved with its tokenizer to a temporary folder, and n
random 500-bp sequences go to a FASTA file, as the command reads them. Timings run in worker
processes (this script with ``--worker``), start after the model and the sequences are loaded,
and each is the fastest of ``--repeats``. In one process, in turn (so that other load on the
machine hits all of them alike):

* ``attribution``: `attribution.explain_many` of the sequences, batch by batch as ``explain``
  runs it, writing nothing: the work the files are measured against;
* ``compute``: the same plus the logits of each batch (`models.predict`, for the predictions
  table and the predicted class), still writing nothing;
* ``explain``: the steps of `exporting.export` into a new folder: its shards (compute and the
  shard files), then the merge (scores.h5, predictions.tsv, ohe.npz, attr.npz; no motifs).
  Writing is the time spent in the shard files' writer plus the merge, timed directly (the
  difference ``explain - compute`` is shown too, but on a busy machine it is mostly noise); its
  target is at most 10 % of ``attribution``;
* what motif discovery (motifs.meme) adds to the merge, an analysis rather than a write.

One process against two: ``explain`` under ``torchrun --nproc_per_node 2`` (gloo on CPUs, a GPU
each otherwise; the CPU threads split between the two), against one process with the same
threads as each of them and with all of them, ``--rounds`` times in turn, timed on rank 0
between barriers. On a CPU shared with other work, one thread per process can beat two in one
process by far: compare two processes with one at equal threads for the scaling itself.
"""

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from dnaexplain import attribution, exporting, inputs, models
from dnaexplain.sequences import random_sequences
from dnaexplain.tokenizers import dnabert_tokenizer, encode

K = 6
LENGTH = 500
METHODS = ["attnlrp"]
# glibc keeps freed memory for reuse, as in benchmarks/attribution.py: without it, memory handed
# back to the OS and faulted in again at every pass makes CPU timings slower and noisier
MALLOC = {
    "MALLOC_MMAP_THRESHOLD_": "33554432",
    "MALLOC_TRIM_THRESHOLD_": "17179869184",
    "MALLOC_TOP_PAD_": "268435456",
}


def setup(folder, n):
    """DNABERT-6 mini (random weights, seeded) and its tokenizer in ``folder``; n random
    500-bp sequences in ``folder/in.fa``."""
    torch.manual_seed(0)
    models.dnabert("mini", k=K).save_pretrained(folder / "model")
    dnabert_tokenizer(K).save_pretrained(folder / "model")
    with open(folder / "in.fa", "w") as f:
        for i, s in enumerate(random_sequences(n, LENGTH, seed=0)):
            f.write(f">seq{i}\n{s}\n")


def worker(args):
    """Timings in this process (under torchrun, in each rank); rank 0 prints them as JSON.

    Job ``single``: attribution, compute and explain in turn, ``--repeats`` times, so that other
    load on the machine hits all three alike; job ``explain``: explain alone (every rank)."""
    from accelerate import PartialState

    if args.threads:
        torch.set_num_threads(args.threads)
    state = PartialState(cpu=not torch.cuda.is_available())
    folder = Path(args.folder)
    trained = exporting.checkpoint(folder / "model")
    records = inputs.read(folder / "in.fa")
    device = args.device if state.num_processes == 1 else state.device
    trained.model.to(device)
    model, tokenizer, b = trained.model, trained.tokenizer, args.batch
    batches = [records.sequences[i : i + b] for i in range(0, len(records.sequences), b)]
    methods = {m: (m, {}) for m in METHODS}

    def attribute():
        for s in batches:
            attribution.explain_many(model, tokenizer, s, methods, None, "mean", b)

    def compute():
        for s in batches:
            logits = models.predict(model, encode(tokenizer, s), batch_size=b)
            attribution.explain_many(model, tokenizer, s, methods, logits.argmax(-1), "mean", b)

    times = {}
    write_shard = exporting._write_shard

    def shard_file(*a):  # the time spent writing shard files, measured directly
        start = time.perf_counter()
        write_shard(*a)
        times["shard files"][-1] += time.perf_counter() - start

    exporting._write_shard = shard_file

    def timed(name, fn):
        state.wait_for_everyone()
        start = time.perf_counter()
        fn()
        if str(device).startswith("cuda"):
            torch.cuda.synchronize()
        state.wait_for_everyone()
        times.setdefault(name, []).append(time.perf_counter() - start)

    for repeat in range(args.repeats):
        if args.worker == "single":
            timed("attribution", attribute)
            timed("compute", compute)
        out = folder / f"out-{args.tag}-{repeat}"
        times.setdefault("shard files", []).append(0.0)
        manifest = exporting.plan(trained, records, METHODS, shard_size=args.shard_size)
        exporting.claim(out, manifest)
        rank, world = state.process_index, state.num_processes
        timed(
            "shards",
            lambda: exporting.write_shards(
                out, trained, records, manifest, rank, world, b, verbose=False
            ),
        )
        main = state.is_main_process
        timed("merge", lambda: main and exporting.merge(out, 0, True, verbose=False))
        # the same merge again, with motifs.meme
        timed(
            "merge+motifs", lambda: main and exporting.merge(out, keep_shards=True, verbose=False)
        )
        times.setdefault("explain", []).append(times["shards"][-1] + times["merge"][-1])
    if state.is_main_process:
        print(json.dumps({k: min(v) for k, v in times.items()}))


TAGS = itertools.count()  # a new output folder for every worker


def measure(job, args, folder, processes, threads=None):
    """Run `worker` for a job in fresh processes: plain python, or torchrun for several; each
    with ``threads`` CPU threads (default: all of them shared out)."""
    threads = threads or max(1, (args.threads or os.cpu_count()) // processes)
    launcher = [sys.executable]
    if processes > 1:
        launcher += ["-m", "torch.distributed.run", "--nproc_per_node", str(processes)]
    cmd = [*launcher, __file__, "--worker", job, "--folder", str(folder)]
    cmd += ["--batch", str(args.batch), "--repeats", str(args.repeats), "--device", args.device]
    cmd += ["--shard-size", str(args.shard_size), "--threads", str(threads)]
    cmd += ["--tag", f"{job}-{processes}-{next(TAGS)}"]
    env = {**os.environ, **MALLOC, "OMP_NUM_THREADS": str(threads)}
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"{job} ({processes} processes) failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=32, help="sequences explained")
    parser.add_argument("--batch", type=int, default=8, help="sequences per pass")
    parser.add_argument("--shard-size", type=int, default=8, help="sequences per shard")
    parser.add_argument("--repeats", type=int, default=3, help="runs per timing; fastest kept")
    parser.add_argument(
        "--rounds", type=int, default=2, help="1- and 2-process runs, taken in turn"
    )
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--threads", type=int, default=0, help="CPU threads in all (default: every core)"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--tag", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    n = args.sequences
    threads = args.threads or os.cpu_count()
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        setup(folder, n)
        print(
            f"attnlrp, DNABERT-{K} mini (random weights), {n} sequences x {LENGTH} bp, batch "
            f"{args.batch}, shards of {args.shard_size}, {args.device}, {threads} CPU threads "
            f"in all, fastest of {args.repeats} (x {args.rounds} rounds for 1 vs 2 processes)"
        )
        one = measure("single", args, folder, 1)
        half = max(1, threads // 2)
        runs = {(1, threads): [], (1, half): [], (2, half): []}
        for _ in range(args.rounds):  # in turn, so that other load hits all alike
            for processes, t in runs:
                runs[processes, t].append(measure("explain", args, folder, processes, t)["explain"])
    a = one["attribution"]
    print(f"{'':38}{'seconds':>9}{'seq/s':>8}{'x attribution':>15}")
    rows = [
        ("attribution (explain_many)", a),
        ("compute (+ logits)", one["compute"]),
        ("explain: shards (compute + files)", one["shards"]),
        ("  of which writing shard files", one["shard files"]),
        ("explain: merge (no motifs)", one["merge"]),
        ("explain, 1 process", one["explain"]),
        ("motifs.meme, added to the merge", one["merge+motifs"] - one["merge"]),
        *((f"explain, {p} process(es) x {t} thread(s)", min(v)) for (p, t), v in runs.items()),
    ]
    for name, s in rows:
        print(f"{name:38}{s:>9.2f}{n / s:>8.2f}{s / a:>15.2f}")
    writing = one["shard files"] + one["merge"]
    print(
        f"writing the files (shard files {one['shard files']:.3f} s + merge "
        f"{one['merge']:.3f} s): {100 * writing / a:.1f} % of the attribution time (target "
        f"<= 10 %); explain - compute: {one['explain'] - one['compute']:+.2f} s; the logits: "
        f"{100 * (one['compute'] - a) / a:+.1f} %; 2 processes give "
        f"{min(runs[1, half]) / min(runs[2, half]):.2f}x the throughput of 1 at {half} "
        f"thread(s) each, {min(runs[1, threads]) / min(runs[2, half]):.2f}x that of 1 with "
        f"all {threads}"
    )


if __name__ == "__main__":
    main()
