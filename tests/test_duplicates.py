import numpy as np
import pytest

from dnaexplain import data, duplicates
from dnaexplain.data import Dataset
from dnaexplain.sequences import random_sequences, reverse_complement

A, B, C, D, E = random_sequences(5, 12, seed=0)


def part(sequences, labels, source="f.csv"):
    return Dataset("toy", list(sequences), np.array(labels), ("neg", "pos"), source=source)


def test_report_counts_each_check_with_a_place_to_look():
    parts = {
        "train": part([A, A, B, C], [0, 0, 1, 0], "train.csv"),
        "validation": part([D], [1], "dev.csv"),
        # C and a lower-case D come back in evaluation; E twice; B in the other class
        "evaluation": part([C, D.lower(), E, E, B], [0, 1, 1, 1, 0], "test.csv"),
    }
    found = duplicates.report(parts)
    rows = {(r.check, r.part): (r.sequences, r.example) for r in found.itertuples()}
    assert rows == {
        ("repeated within a class", "train"): (1, "train.csv, sequence 1"),
        ("repeated within a class", "evaluation"): (1, "test.csv, sequence 3"),
        ("in two or more classes", "evaluation, train"): (1, "train.csv, sequence 3"),
        ("in train or validation and in evaluation", "evaluation"): (3, "test.csv, sequence 5"),
    }
    assert duplicates.report({"train": part([A, B], [0, 1])}).empty


def test_reverse_complements_count_only_when_asked():
    parts = {"train": part([A, B], [0, 1]), "evaluation": part([reverse_complement(A), C], [0, 1])}
    assert duplicates.report(parts).empty
    found = duplicates.report(parts, reverse_complement=True)
    assert found.check.tolist() == ["in train or validation and in evaluation"]


def test_remove_drops_seen_and_repeated_evaluation_sequences_and_says_where():
    parts = {
        "train": part([A, B], [0, 1], "train.csv"),
        "validation": part([C], [0], "dev.csv"),
        "evaluation": part([A, D, D, C.lower(), E], [0, 1, 1, 0, 1], "test.csv"),
    }
    with pytest.warns(
        UserWarning,
        match=r"toy: removed from evaluation 2 in train or validation "
        r"and 1 repeated \(dev.csv, test.csv, train.csv\); 2 evaluation",
    ):
        out = duplicates.remove(parts)
    assert out["evaluation"].sequences == [D, E]
    assert out["evaluation"].index.tolist() == [1, 4]
    assert out["evaluation"].removed == {"in train or validation": 2, "repeated": 1}
    assert out["train"] is parts["train"] and len(parts["evaluation"]) == 5  # input untouched
    clean = {"train": part([A], [0]), "evaluation": part([B], [1])}
    assert duplicates.remove(clean)["evaluation"] is clean["evaluation"]


def test_a_sequence_in_two_classes_is_reported_and_kept():
    parts = {"train": part([A, A, B], [0, 1, 1], "train.csv"), "evaluation": part([C], [0])}
    with pytest.warns(
        UserWarning,
        match=r"1 sequence\(s\) appear in two or more classes "
        r"\(e.g. train.csv, sequence 1\)",
    ):
        out = duplicates.remove(parts)
    assert out["train"].sequences == [A, A, B]


@pytest.fixture
def declared():
    saved = dict(data.FILES)  # the declarations of this test only, then those before it
    data.FILES.clear()
    yield data.FILES
    data.FILES.clear()
    data.FILES.update(saved)


def test_a_declared_folder_with_leaked_test_sequences(tmp_path, declared):
    # iEnhancer's shape: a published split whose test shares sequences with train
    train = random_sequences(20, 30, seed=1)
    test = train[:3] + random_sequences(5, 30, seed=2)
    folder = tmp_path / "task"
    folder.mkdir()
    for name, seqs in (("train", train), ("dev", random_sequences(6, 30, seed=3)), ("test", test)):
        rows = "".join(
            f"{q.lower() if name == 'test' else q},{i % 2}\n" for i, q in enumerate(seqs)
        )
        (folder / f"{name}.csv").write_text("sequence,label\n" + rows)
    data.declare("task", folder=folder)
    with pytest.warns(
        UserWarning,
        match=r"task: removed from evaluation 3 in train or "
        r"validation \(task/dev.csv, task/test.csv, task/train.csv\)",
    ):
        parts = data.splits("task")
    assert len(parts["evaluation"]) == 5
    data.declare("kept", folder=folder, duplicates="keep")
    assert len(data.splits("kept")["evaluation"]) == 8
    with pytest.raises(ValueError, match="data_files.bad: duplicates must be one of remove, keep"):
        data.declare("bad", folder=folder, duplicates="drop")


def test_our_own_split_never_scores_a_sequence_it_trained_on(tmp_path, declared):
    seqs = random_sequences(40, 30, seed=4)
    seqs = seqs + seqs[:10]  # ten sequences twice, in the same class
    labels = [i % 2 for i in range(40)] + [i % 2 for i in range(10)]
    path = tmp_path / "all.csv"
    path.write_text("".join(f"{q},{y}\n" for q, y in zip(seqs, labels)))
    data.declare("mine", csv=path)
    with pytest.warns(UserWarning, match="removed from evaluation"):
        parts = data.splits("mine", min_eval_per_class=10)
    seen = set(parts["train"].sequences) | set(parts["validation"].sequences)
    assert not seen & set(parts["evaluation"].sequences)
    assert len(set(parts["evaluation"].sequences)) == len(parts["evaluation"])


def test_an_evaluation_part_wholly_seen_in_training_is_an_error():
    parts = {"train": part([A, B], [0, 1], "train.csv"), "evaluation": part([B, A], [1, 0])}
    with pytest.raises(ValueError, match="every evaluation sequence is also in train"):
        duplicates.remove(parts)
