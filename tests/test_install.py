"""The package as a reader installs it: a wheel in a fresh virtual environment, and model
folders that load through transformers' Auto classes."""

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForSequenceClassification

from dnaexplain import models

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["dnabert2", "cnn"])
def test_a_saved_model_loads_through_the_auto_classes(name, tmp_path):
    torch.manual_seed(0)
    model = models.build(name, "tiny", num_labels=3).eval()
    model.save_pretrained(tmp_path)
    loaded = AutoModelForSequenceClassification.from_pretrained(tmp_path).eval()
    assert type(loaded) is type(model)
    for (k, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(a, b), k


def test_the_wheel_installs_into_a_fresh_environment_and_finds_its_profiles(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            wheels,
            ROOT,
        ],
        check=True,
    )
    wheel = next(wheels.glob("dnaexplain-*.whl"))
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # no source checkout
    env = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", env], check=True)
    python = env / "bin" / "python"
    # the dependencies come from this environment, the package only from the wheel: a path
    # line in a .pth file adds the folder without running the editable install's own .pth
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([python, "-m", "pip", "install", "--quiet", "--no-deps", wheel], tmp_path, clean)
    code = (
        "import dnaexplain, sys; from dnaexplain import params; "
        "assert str(dnaexplain.__file__).startswith(sys.prefix), dnaexplain.__file__; "
        "v = params.load_profile('cpu'); print(v['profile'], len(v['runs']))"
    )
    out = _run([python, "-c", code], tmp_path, clean)
    assert out.split()[0] == "cpu"
    assert "profile" in _run([python, "-m", "dnaexplain", "train", "--help"], tmp_path, clean)


def _run(command, cwd, env):
    """stdout of a command that must succeed (its stderr in the failure message)."""
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout
