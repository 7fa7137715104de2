from pathlib import Path

import pytest

from dnaexplain import params

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("profile", params.PROFILES)
def test_every_profile_is_valid(profile):
    values = params.load_profile(profile, root=ROOT / "params")
    assert values["profile"] == profile


def test_profiles_share_their_keys():
    keys = [set(params.load_profile(p, root=ROOT / "params")) for p in params.PROFILES]
    assert all(k == keys[0] for k in keys)


def test_wrong_type_names_parameter_and_fix():
    with pytest.raises(TypeError, match=r"'seed'.*must be an integer.*got str '5'.*-p seed"):
        params.check(seed="5")
    with pytest.raises(TypeError, match="'seed'"):
        params.check(seed=True)
    with pytest.raises(TypeError, match="'datasets'.*a list"):
        params.check(datasets="human_nontata_promoters")


def test_unknown_parameter_and_profile():
    with pytest.raises(KeyError, match="unknown parameter 'sed'"):
        params.check(sed=0)
    with pytest.raises(ValueError, match="unknown profile 'gpu'"):
        params.check(profile="gpu")
    with pytest.raises(FileNotFoundError, match="no parameter set"):
        params.load_profile("gpu", root=ROOT / "params")


def test_training_settings_are_checked():
    params.check(train={"dnabert": {"source": "mini", "epochs": 3, "learning_rate": 1}})
    with pytest.raises(TypeError, match=r"train.dnabert.learning_rate.*got str '2e-4'.*2.0e-4"):
        params.check(train={"dnabert": {"learning_rate": "2e-4"}})
    with pytest.raises(KeyError, match="unknown model 'bert'"):
        params.check(train={"bert": {}})
    with pytest.raises(KeyError, match="unknown setting 'epoch'"):
        params.check(train={"cnn": {"epoch": 1}})
