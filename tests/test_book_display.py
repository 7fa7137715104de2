"""dnaexplain.book: how pages show tables and the library's warnings."""

import warnings

import nbformat
import numpy as np
import pandas as pd
import pytest

from dnaexplain import book, data, training


def test_number_writes_powers_of_ten_not_e_notation():
    three = book.number("{:.3g}")
    assert three(3.917e26) == "3.92×10²⁶"
    assert three(-2.5e-7) == "-2.5×10⁻⁷"
    assert three(1e-5) == "10⁻⁵"
    assert three(0.25) == "0.25" and three(1234.5) == "1.23×10³"
    assert three(np.nan) == book.MISSING
    assert book.number("{:.3f}")(2.5) == "2.500"


def test_tables_drop_a_plain_index_and_show_missing_values_as_a_dash():
    frame = pd.DataFrame(
        {"a": [1.5, np.nan, 3.9e26], "b": pd.array([1, None, 3], "Int64"), "c": ["x", None, "z"]}
    )
    with pd.option_context("display.float_format", book.number("{:.3g}")):
        shown = book.to_html(frame)
    assert "<th>0</th>" not in shown and "<th>1</th>" not in shown
    assert "NaN" not in shown and "&lt;NA&gt;" not in shown and "None" not in shown
    assert "3.9×10²⁶" in shown and shown.count(book.MISSING) == 3
    # what is left of a RangeIndex after filtering numbers rows too; a named index is data
    assert book.plain_index(frame[frame.a > 1])
    assert not book.plain_index(frame.set_index("c"))
    assert not book.plain_index(frame.rename_axis("n"))
    assert "<th>n</th>" in book.to_html(frame.rename_axis("n"))


def test_library_warnings_become_admonitions_others_stay_warnings(monkeypatch, tmp_path):
    import IPython.display

    shown, raw = [], []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj.data))
    monkeypatch.setattr(
        book._show_warning, "previous", lambda *a: raw.append(str(a[0])), raising=False
    )
    monkeypatch.setattr(warnings, "showwarning", book._show_warning)

    class Trained:
        metrics = {"confusion": [[0, 5], [0, 5]]}
        classes = ["no", "yes"]

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        training.warn_one_class(Trained, "cnn:toy")
        warnings.warn("from elsewhere", stacklevel=1)
        # raised inside a subpackage of the library (data/files.py): the library's too
        (tmp_path / "short.txt").write_text("ACGT\nACGA\n")
        (tmp_path / "long.txt").write_text("ACGTACGTAC\nACGTACGTAA\n")
        data.from_files(fasta={c: tmp_path / f"{c}.txt" for c in ("short", "long")}, name="toy")
    assert len(shown) == 2 and shown[0].startswith(":::{warning}\ncnn:toy calls 100%")
    assert shown[0].endswith(".\n:::") and shown[1].startswith(":::{warning}\ntoy: the classes")
    assert raw == ["from elsewhere"]


def test_printed_reads_stdout_stderr_warnings_and_admonitions(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="accuracy 0.9\n"),
        nbformat.v4.new_output(
            "stream", name="stderr", text="/x.py:3: UserWarning: raw one\n  warnings.warn()\n"
        ),
        nbformat.v4.new_output(
            "display_data", data={"text/markdown": book.admonition("as a box.")}
        ),
    ]
    nb.cells.append(cell)
    nbformat.write(nb, tmp_path / "run.ipynb")
    assert book.printed(tmp_path / "run.ipynb") == (
        "accuracy 0.9\nwarning: raw one\nwarning: as a box.\n"
    )


@pytest.mark.parametrize("kind", ["warning", "note"])
def test_admonition_is_a_myst_fence(kind):
    assert book.admonition("text", kind) == f":::{{{kind}}}\ntext\n:::"
