"""Chapters 02-04 run through papermill on a reader's files and checkpoint, as a reader runs
them: a CSV, a FASTA file per class, and a checkpoint saved outside the project's cache."""

import os
import shutil
from pathlib import Path

import jupytext
import nbformat
import numpy as np
import papermill
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ["02_finetuning", "03_scoring", "04_mutagenesis"]
SMALL = {
    "profile": "smoke",
    "max_sequences": 0,
    "min_eval_per_class": 12,
    "methods": ["attention", "rollout", "lrp", "saliency", "random"],
    "n_scored": 3,
    "mutagenesis_methods": ["attention", "lrp", "lrp_last", "saliency"],
    "n_per_class": 4,
    "random_repeats": 2,
    "ns": [1, 5],
}


def sequences(n, length, motif, seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        s = "".join(rng.choice(list("ACGT"), length))
        if motif:
            at = rng.integers(0, length - len(motif))
            s = s[:at] + motif + s[at + len(motif) :]
        out.append(s)
    return out


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    """A reader's folder: FASTA pair, a CSV, YAML files, and the notebooks as .ipynb."""
    home = tmp_path_factory.mktemp("reader")
    bound, unbound = sequences(80, 90, "TGCTGACTCAGCA", 0), sequences(80, 90, "", 1)
    for name, seqs in (("bound", bound), ("unbound", unbound)):
        (home / f"{name}.fa").write_text("".join(f">{name}{i}\n{s}\n" for i, s in enumerate(seqs)))
    rows = [
        f"{s},{'enhancer' if i % 2 else 'background'}"
        for i, s in enumerate(sequences(160, 90, "", 2))
    ]
    for i in range(1, 160, 2):  # the enhancer rows carry a motif
        seq, label = rows[i].split(",")
        rows[i] = f"{seq[:30]}TATAAAAG{seq[38:]},{label}"
    (home / "mine.csv").write_text("sequence,label\n" + "\n".join(rows) + "\n")
    for chapter in CHAPTERS:
        nb = jupytext.read(ROOT / "notebooks" / f"{chapter}.py")
        nbformat.write(nb, home / f"{chapter}.ipynb")
    return home


def execute(home, chapter, values):
    own = home / f"{chapter}-{abs(hash(str(values)))}.yml"
    own.write_text(yaml.safe_dump(values))
    out = home / f"{chapter}.out.ipynb"
    papermill.execute_notebook(
        str(home / f"{chapter}.ipynb"),
        str(out),
        parameters={"profile": str(own)},
        cwd=str(home),
        kernel_name="python3",
        progress_bar=False,
    )
    return nbformat.read(out, 4)


def outputs(nb):
    text = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            text.append(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")))
    return "\n".join(text)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DNAEXPLAIN_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_fasta_per_class_through_chapters_02_to_04(reader, cache):
    values = {
        **SMALL,
        "data_files": {"peaks": {"fasta": {"bound": "bound.fa", "unbound": "unbound.fa"}}},
        "runs": ["dnabert:peaks", "cnn:peaks"],
    }
    for chapter in CHAPTERS:
        text = outputs(execute(reader, chapter, values))
        assert "dnabert:peaks: train" in text and "from bound.fa + unbound.fa" in text
    assert "bound" in text and "unbound" in text


def test_csv_through_chapters_02_to_04(reader, cache):
    values = {**SMALL, "data_files": {"enh": {"csv": "mine.csv"}}, "runs": ["dnabert:enh"]}
    for chapter in CHAPTERS:
        text = outputs(execute(reader, chapter, values))
        assert "from mine.csv" in text
    assert "enhancer" in text


def test_own_checkpoint_as_it_is_through_chapters_02_to_04(reader, cache, tmp_path):
    # a model trained on the CSV elsewhere, then handed over as a folder
    values = {**SMALL, "data_files": {"enh": {"csv": "mine.csv"}}, "runs": ["dnabert:enh"]}
    from dnaexplain import data, params, training

    params.bind({"profile": "smoke"})
    cwd = os.getcwd()
    os.chdir(reader)
    try:
        data.declare("enh", csv="mine.csv")
        smoke = params.load_profile("smoke")
        trained, _ = training.run(
            "dnabert:enh", smoke["train"], min_eval_per_class=12, root=tmp_path / "elsewhere"
        )
    finally:
        os.chdir(cwd)
    checkpoint = reader / "my checkpoint"
    shutil.copytree(trained.path, checkpoint)
    values["train"] = {"dnabert": {"source": str(checkpoint), "finetune": False}}
    texts = [outputs(execute(reader, chapter, values)) for chapter in CHAPTERS]
    assert not (cache / "models").exists(), "a model used as it is was trained"
    assert f"{trained.metrics['accuracy']:.4g}" in texts[0]  # the same evaluation accuracy


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"n_scored": -3}, "'n_scored' must be 1 or more, got -3"),
        ({"methods": ["lrp", "smoothgrad"]}, "unknown method 'smoothgrad'"),
        ({"runs": ["dnabert:peak"]}, "unknown dataset 'peak' \\(did you mean 'peaks'\\?\\)"),
    ],
)
def test_bad_parameters_stop_before_any_compute(reader, cache, bad, message):
    values = {
        **SMALL,
        "data_files": {"peaks": {"fasta": {"bound": "bound.fa", "unbound": "unbound.fa"}}},
        "runs": ["dnabert:peaks"],
        **bad,
    }
    with pytest.raises(papermill.PapermillExecutionError, match=message):
        execute(reader, "03_scoring", values)
    assert not (cache / "models").exists()


def test_a_misspelt_papermill_parameter_is_named(reader, cache):
    with pytest.raises(papermill.PapermillExecutionError, match="did you mean 'n_scored'"):
        papermill.execute_notebook(
            str(reader / "03_scoring.ipynb"),
            str(reader / "x.ipynb"),
            parameters={"profile": "smoke", "n_scord": 5},
            cwd=str(reader),
            kernel_name="python3",
            progress_bar=False,
        )
