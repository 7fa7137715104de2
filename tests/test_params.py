from pathlib import Path

import pytest
import torch

from dnaexplain import data, params

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def no_declared():
    saved = dict(data.FILES)  # the declarations of this test only, then those before it
    data.FILES.clear()
    yield data.FILES
    data.FILES.clear()
    data.FILES.update(saved)


@pytest.mark.parametrize("profile", params.PROFILES)
def test_every_profile_is_valid(profile):
    values = params.load_profile(profile, root=params.PARAMS_DIR)
    assert values["profile"] == profile
    assert set(values) == set(params.SCHEMA)


def test_wrong_type_names_parameter_and_fix():
    with pytest.raises(TypeError, match=r"'seed'.*must be an integer.*got str '5'.*-p seed"):
        params.check(seed="5")
    with pytest.raises(TypeError, match="'seed'"):
        params.check(seed=True)
    # papermill's -p passes a list as text: the hint is -y
    with pytest.raises(TypeError, match=r"'runs'.*a list.*use -y 'runs: \[\.\.\.\]'"):
        params.check(runs="[cnn:synthetic]")


@pytest.mark.parametrize(
    "values, message",
    [
        ({"n_scored": -3}, "'n_scored' must be 1 or more, got -3"),
        ({"max_sequences": -1}, "'max_sequences' must be 0 or more, got -1"),
        (
            {"methods": ["lrp", "atention"]},
            "unknown method 'atention' \\(did you mean 'attention'\\?\\)",
        ),
        (
            {"runs": ["dnabert:human_nontata_promoter"]},
            "unknown dataset 'human_nontata_promoter' \\(did you mean 'human_nontata_promoters'\\?\\)",
        ),
        ({"runs": ["bert:synthetic"]}, "unknown model 'bert' \\(did you mean 'dnabert'\\?\\)"),
        ({"runs": ["synthetic"]}, "a run is 'model:dataset'"),
        ({"ns": [0, 5]}, "'ns' holds numbers of positions"),
        ({"prune_ps": [1.0]}, "fractions in \\[0, 1\\)"),
        ({"mutagenesis_precision": "bf61"}, "unknown precision 'bf61'"),
        ({"compare_methods": {"cnn": ["lpr"]}}, "unknown method 'lpr' \\(did you mean 'lrp'\\?\\)"),
        ({"profile": "cpv"}, "did you mean 'cpu'"),
    ],
)
def test_values_are_checked_before_any_compute(values, message):
    with pytest.raises(ValueError, match=message):
        params.check(**values)


def test_unknown_parameter_names_the_nearest():
    with pytest.raises(KeyError, match="unknown parameter 'n_scord' \\(did you mean 'n_scored'"):
        params.check(n_scord=5)


def test_training_settings_are_checked():
    params.check(train={"dnabert": {"source": "mini", "epochs": 3, "learning_rate": 1}})
    with pytest.raises(TypeError, match=r"train.dnabert.learning_rate.*got str '2e-4'.*2.0e-4"):
        params.check(train={"dnabert": {"learning_rate": "2e-4"}})
    with pytest.raises(ValueError, match="unknown model 'bert'"):
        params.check(train={"bert": {}})
    with pytest.raises(KeyError, match="unknown setting 'epoch' \\(did you mean 'epochs'"):
        params.check(train={"cnn": {"epoch": 1}})
    with pytest.raises(ValueError, match="train.cnn.epochs must be 1 or more.*got 0"):
        params.check(train={"cnn": {"epochs": 0}})
    params.check(train={"cnn": {"epochs": 0, "finetune": False}})  # as is: epochs unused
    with pytest.raises(ValueError, match="train.dnabert.k is DNABERT's k-mer length"):
        params.check(train={"dnabert": {"k": 7}})


def test_bind_lays_the_cell_over_the_profile_and_binds_names():
    namespace = {
        "profile": "smoke",
        "n_scored": 7,
        "methods": None,
        "train": {"dnabert": {"epochs": 2}},
    }
    values = params.bind(namespace, root=params.PARAMS_DIR)
    smoke = params.load_profile("smoke", root=params.PARAMS_DIR)
    assert namespace["n_scored"] == values["n_scored"] == 7
    assert namespace["methods"] == smoke["methods"]  # None takes the profile's value
    # train is merged per model: the profile's other DNABERT settings stay
    assert namespace["train"]["dnabert"] == {**smoke["train"]["dnabert"], "epochs": 2}
    assert namespace["train"]["cnn"] == smoke["train"]["cnn"]


@pytest.mark.parametrize("native", [True, False])
def test_fast_mutagenesis_precision_is_bound_as_the_one_that_runs(monkeypatch, native):
    from dnaexplain import defaults

    monkeypatch.setattr(defaults, "_native_bf16", lambda: native)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    namespace = {"profile": "cpu", "mutagenesis_precision": "fast"}
    params.bind(namespace, root=params.PARAMS_DIR)
    assert namespace["mutagenesis_precision"] == ("bf16" if native else "fp32")


def test_bind_rejects_a_misspelt_papermill_parameter():
    # what IPython's In holds after papermill -p n_scord 5
    namespace = {"profile": "smoke", "In": ["", "profile = 'cpu'\n", "# Parameters\nn_scord = 5\n"]}
    with pytest.raises(KeyError, match="unknown parameter 'n_scord' \\(did you mean 'n_scored'"):
        params.bind(namespace, root=params.PARAMS_DIR)


def test_own_yaml_starts_from_the_profile_it_names(tmp_path):
    own = tmp_path / "mine.yml"
    own.write_text("profile: smoke\nn_scored: 3\n")
    values = params.load_profile(str(own), root=params.PARAMS_DIR)
    smoke = params.load_profile("smoke", root=params.PARAMS_DIR)
    assert values == {**smoke, "n_scored": 3}
    with pytest.raises(FileNotFoundError, match="is not a file"):
        params.load_profile(str(tmp_path / "missing.yml"))
    own.write_text("profile: smokey\n")
    with pytest.raises(ValueError, match="did you mean 'smoke'"):
        params.load_profile(str(own), root=params.PARAMS_DIR)


def test_data_files_are_declared_and_usable_in_runs(tmp_path):
    a, b = tmp_path / "a.fa", tmp_path / "b.fa"
    a.write_text(">1\nACGT\n")
    b.write_text(">1\nTTTT\n")
    spec = {"mine": {"fasta": {"a": str(a), "b": str(b)}}}
    params.check(data_files=spec, runs=["cnn:mine"])
    with pytest.raises(ValueError, match="unknown dataset 'mine'"):
        params.check(runs=["cnn:mine"])
    with pytest.raises(FileNotFoundError, match="no file .*missing.fa"):
        params.check(
            data_files={"mine": {"fasta": {"a": str(a), "b": str(tmp_path / "missing.fa")}}}
        )
    with pytest.raises(ValueError, match="exactly one of fasta"):
        params.check(data_files={"mine": {"csv": str(a), "fasta": {"a": str(a)}}})
    with pytest.raises(ValueError, match="n must be one of keep, drop, error"):
        params.check(data_files={"mine": {"csv": str(a), "n": "skip"}})


CHAPTERS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9]*.py"))


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_papermill_reads_every_parameter_with_type_and_help(chapter):
    # what `papermill --help-notebook` shows a reader: a line papermill cannot parse (two "="
    # signs) silently drops that parameter from the help
    jupytext = pytest.importorskip("jupytext")
    from papermill.translators import PythonTranslator

    cell = next(
        c for c in jupytext.read(chapter).cells if "parameters" in c.metadata.get("tags", [])
    )
    names = [
        line.split(":")[0] for line in cell.source.splitlines() if line and not line.startswith("#")
    ]
    found = {p.name: p for p in PythonTranslator.inspect(cell)}
    assert list(found) == names, f"{chapter.name}: papermill reads {list(found)}, cell has {names}"
    for p in found.values():
        assert p.inferred_type_name not in ("None", ""), f"{chapter.name}: {p.name} has no type"
        assert p.help, f"{chapter.name}: {p.name} has no help text"


def test_a_missing_local_source_stops_before_any_compute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ckpt" / "run1").mkdir(parents=True)
    with pytest.raises(
        FileNotFoundError,
        match=r"train.dnabert.source: no checkpoint folder "
        r"'ckpt/run2'.*did you mean 'ckpt/run1'",
    ):
        params.check(train={"dnabert": {"source": "ckpt/run2"}})
    with pytest.raises(
        FileNotFoundError,
        match="train.cnn:synthetic.source: no checkpoint "
        "folder './models/cnn'.*named config: tiny, mini",
    ):
        params.check(train={"cnn:synthetic": {"source": "./models/cnn"}})
    # a folder without weights is named as such, a hub id and a named config pass
    with pytest.raises(FileNotFoundError, match="train.dnabert.source: .*no config.json"):
        params.check(train={"dnabert": {"source": "ckpt/run1"}})
    params.check(
        train={"dnabert": {"source": "zhihan1996/DNA_bert_6"}, "dnabert2": {"source": "tiny"}}
    )


def test_a_misspelt_key_inside_data_files_names_the_dataset_and_the_nearest(tmp_path):
    (tmp_path / "all.csv").write_text("ACGT,0\n")
    with pytest.raises(
        KeyError,
        match=r"data_files.mine: unknown key 'clases' \(did you mean "
        r"'classes'\?\); known: fasta, csv, folder, classes",
    ):
        params.check(data_files={"mine": {"csv": str(tmp_path / "all.csv"), "clases": ["a"]}})


def test_a_chapter_without_the_model_it_explains_stops_first():
    assert params.runs_of(["cnn:mine", "dnabert:mine"], "dnabert", "x") == ["dnabert:mine"]
    with pytest.raises(
        ValueError,
        match=r"runs holds no dnabert run \(cnn:mine\), and this "
        r"chapter needs attention; add one, e.g. runs: \[dnabert:mine, ...\]",
    ):
        params.runs_of(["cnn:mine"], "dnabert", "needs attention")
