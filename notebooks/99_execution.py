# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # How this book was executed
#
# Every number in this book depends on the {term}`parameter set <profile>`, the software and the machine that
# produced it. This page is executed by the build like the chapters, after all of them
# (`make chapters` runs the notebooks in `notebooks/` in sorted order and this one last), and
# records all three. A reader who re-runs a chapter and gets different numbers can start by
# comparing this page with their own run of it.

# %% tags=["parameters"]
profile: str = "cpu"  # parameter set: smoke, cpu, paper, or the path of your own YAML file

# %% tags=["hide-input"]
import datetime
import importlib.metadata
import json
import os
import platform
from pathlib import Path

import pandas as pd
import torch
import yaml
from IPython.display import Markdown, display

from dnaexplain import book, params

book.setup()  # tables: no row numbers, missing values as a dash; warnings as admonitions
values = params.load_profile(profile)  # checks the profile as the chapters do
ROOT = Path.cwd().parent  # papermill runs every chapter in notebooks/
CHAPTERS = ROOT / "book" / "chapters"
THIS = "99_execution"

# %% [markdown]
# ## Parameter set
#
# The chapters were executed with the parameter set below (papermill passed `profile` to each
# of them; a chapter's own parameters cell can override single values, which the chapter then
# shows in its collapsed "parameters" cells).

# %% tags=["hide-input"]
source = (params.PARAMS_DIR / f"{profile}.yml" if profile in params.PROFILES else Path(profile))
display(Markdown(f"Profile **`{profile}`**, read from `{source.name}`"
                 + ("." if profile in params.PROFILES
                    else f", which starts from the `{values['profile']}` set.")))

# %% tags=["hide-output"]
print(yaml.safe_dump(values, sort_keys=False, width=90, default_flow_style=None))

# %% [markdown]
# ## Software

# %% tags=["hide-input"]
PACKAGES = ["dnaexplain", "torch", "transformers", "tokenizers", "accelerate", "numpy", "scipy",
            "pandas", "scikit-learn", "captum", "memelite", "tangermeme", "pyjaspar",
            "logomaker", "matplotlib", "seaborn", "papermill", "jupytext", "jupyter-book",
            "myst-nb", "sphinx", "sphinx-exercise", "sphinx-togglebutton"]


def version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


software = {"python": platform.python_version(), **{p: version(p) for p in PACKAGES}}
software["torch: CUDA build"] = torch.version.cuda or "none (CPU build)"
pd.Series(software, name="version").to_frame()

# %% [markdown]
# ## Hardware

# %% tags=["hide-input"]
def cpu_info():
    """CPU model and instruction flags from /proc/cpuinfo (Linux); the platform's name elsewhere."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                model = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
    except OSError:
        pass
    return model, flags


def memory_gib():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return float("nan")


# %% tags=["hide-input"]
model, flags = cpu_info()
usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
hardware = {
    "operating system": platform.platform(),
    "CPU": model,
    "logical CPUs (usable by this process)": f"{os.cpu_count()} ({usable})",
    "torch threads": torch.get_num_threads(),
    "bfloat16 instructions": ", ".join(name for flag, name in
                                       [("avx512_bf16", "AVX512-BF16"), ("amx_bf16", "AMX-BF16")]
                                       if flag in flags) or "none found",
    "memory": f"{memory_gib():.1f} GiB",
}
if torch.cuda.is_available():
    for i in range(torch.cuda.device_count()):
        properties = torch.cuda.get_device_properties(i)
        hardware[f"GPU {i}"] = f"{properties.name}, {properties.total_memory / 2**30:.0f} GiB"
else:
    hardware["GPU"] = "none (CUDA not available to torch)"
pd.Series(hardware, name="").to_frame()

# %% [markdown]
# ## Time per chapter
#
# papermill records in each executed notebook when it started and how long it ran. The build
# re-executes only the chapters whose source, parameters or library code changed, so a chapter
# may show an earlier date than the others: its time is that of the run whose outputs the book
# shows. Results are cached between runs, so a chapter re-executed with its results already
# cached takes much less time than its first run. This page is not in the table: it runs last,
# after every other chapter has finished, and takes a few seconds.

# %% tags=["hide-input"]
def chapter_row(path):
    notebook = json.loads(path.read_text())
    meta = notebook.get("metadata", {}).get("papermill", {})
    title = next((line.lstrip("# ").strip() for cell in notebook["cells"]
                  if cell["cell_type"] == "markdown"
                  for line in "".join(cell["source"]).splitlines() if line.startswith("# ")),
                 path.stem)
    start = meta.get("start_time")
    return {"chapter": title, "notebook": path.stem,
            "profile": (meta.get("parameters") or {}).get("profile", ""),
            "executed (UTC)": start[:16].replace("T", " ") if start else "",
            "seconds": meta.get("duration"),
            "status": ("failed" if meta.get("exception")
                       else "not finished" if meta.get("duration") is None else "ok")}


rows = [chapter_row(p) for p in sorted(CHAPTERS.glob("*.ipynb")) if p.stem != THIS]
times = pd.DataFrame(rows, columns=["chapter", "notebook", "profile", "executed (UTC)",
                                    "seconds", "status"])
times["minutes"] = times["seconds"] / 60
times.style.format({"seconds": "{:.0f}", "minutes": "{:.1f}"}, na_rep="").hide(axis="index")

# %% tags=["hide-input"]
if times.empty:
    display(Markdown(f"No executed chapters were found in `{CHAPTERS}`."))
else:
    total = times["seconds"].sum()
    other = sorted(set(times["profile"]) - {profile, ""})
    display(Markdown(
        f"The {len(times)} chapters above ran for {total / 60:.1f} minutes in all; this page was "
        f"executed at {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC."
        + (f" Chapters executed with another profile ({', '.join(other)}) are older outputs: "
           "re-run `make book` with one profile to refresh them." if other else "")))
