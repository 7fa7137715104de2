"""Wall time of the benchmarks: the fastest of repeated runs, CUDA work finished in each."""

import time

import torch


def fastest(run, repeats, device="cpu"):
    """Fastest wall time in seconds of ``repeats`` calls of ``run``."""
    times = []
    for _ in range(repeats):
        if str(device).startswith("cuda"):
            torch.cuda.synchronize()
        start = time.perf_counter()
        run()
        if str(device).startswith("cuda"):
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return min(times)
