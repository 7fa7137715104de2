"""How the book's pages show what the library computes: tables a reader can read, and the
library's warnings as the book's own admonitions instead of raw stderr.

`setup` is called once in every chapter's first cell. It

* sets pandas' float format to one that writes powers of ten as ``3.92×10²⁶`` instead of
  ``3.92e+26``;
* registers an HTML formatter for DataFrames with IPython that leaves out a plain (unnamed)
  RangeIndex, which only numbers the rows, and shows missing values as a dash instead of
  ``NaN`` or ``<NA>``;
* shows each warning the library raises (a model that calls every sequence one class, a cache
  entry recomputed) as a ``:::{warning}`` admonition in the cell's output. Warnings from other
  packages are left as they are: a page that shows one has a cause to fix.
"""

import sys
import warnings
from pathlib import Path

import pandas as pd

from .notation import MISSING, number, p_value  # noqa: F401  (pages call book.number)


def plain_index(frame):
    """Whether ``frame``'s index only numbers its rows: an unnamed RangeIndex, or what is left
    of one after rows were filtered out (unnamed, integer, increasing)."""
    index = frame.index
    if isinstance(index, pd.MultiIndex) or index.name is not None:
        return False
    return isinstance(index, pd.RangeIndex) or (
        pd.api.types.is_integer_dtype(index) and index.is_monotonic_increasing and index.is_unique
    )


def to_html(frame):
    """A DataFrame's HTML as the book shows it: pandas' own table, without a plain index, with
    missing values as `MISSING`, cut to pandas' display limits."""
    # na_rep reaches only NaN of float columns: pandas writes None, <NA> (nullable Int64,
    # string) and NaT as such; write MISSING in their place
    other = [
        i
        for i, t in enumerate(frame.dtypes)
        if not pd.api.types.is_float_dtype(t) and frame.iloc[:, i].isna().any()
    ]
    if other:
        frame = frame.copy()
        for i in other:
            column = frame.iloc[:, i]
            frame.isetitem(i, column.astype(object).where(column.notna(), MISSING))
    return frame.to_html(
        index=not plain_index(frame),
        na_rep=MISSING,
        max_rows=pd.get_option("display.max_rows"),
        max_cols=pd.get_option("display.max_columns"),
        show_dimensions=pd.get_option("display.show_dimensions"),
    )


_PACKAGE = Path(__file__).resolve().parent


def _raised_by_library():
    """Whether the warning being shown was raised by the library's own code: the first frame
    above the warnings machinery (and this module) is in the package."""
    frame = sys._getframe(1)
    skip = {Path(warnings.__file__).resolve(), Path(__file__).resolve()}
    while frame is not None and Path(frame.f_code.co_filename).resolve() in skip:
        frame = frame.f_back
    return frame is not None and _PACKAGE in Path(frame.f_code.co_filename).resolve().parents


def admonition(text, kind="warning"):
    """MyST Markdown of an admonition (``warning``, ``note``, ...) holding ``text``."""
    return f":::{{{kind}}}\n{text}\n:::"


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """`warnings.showwarning` of a book page: the library's warnings as admonitions."""
    if _raised_by_library():
        from IPython.display import Markdown, display

        text = str(message).strip()
        display(Markdown(admonition(text + ("" if text.endswith(".") else "."))))
    else:
        _show_warning.previous(message, category, filename, lineno, file, line)


def setup(float_format="{:.3g}"):
    """Set up a page: floats through ``number(float_format)``, and in an IPython kernel
    DataFrames through `to_html` and the library's warnings as admonitions (elsewhere only
    the float format is set).

    Parameters
    ----------
    float_format : str
        The format of one float in tables, e.g. ``"{:.3f}"``.
    """
    pd.set_option("display.float_format", number(float_format))
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is installed with the book
        return
    shell = get_ipython()
    if shell is None:
        return
    shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, to_html)
    if warnings.showwarning is not _show_warning:
        _show_warning.previous = warnings.showwarning
        warnings.showwarning = _show_warning


# The page "Your data, your model" runs chapters as a reader would, from a shell.

_TOOLS = {"papermill": ["-m", "papermill", "--no-progress-bar"], "jupytext": ["-m", "jupytext"]}


def shell(*command, cwd):
    """Run ``papermill`` or ``jupytext`` in ``cwd`` as a reader types it, and show the command.

    Parameters
    ----------
    *command : str
        The command line, e.g. ``"papermill", "in.ipynb", "out.ipynb", "-p", "profile",
        "smoke"``.
    cwd : str or Path
        The folder it runs in.

    Raises
    ------
    RuntimeError
        When the command fails; the message ends with the end of what it wrote to stderr.
    """
    import subprocess

    from IPython.display import Markdown, display

    shown = " ".join(f'"{c}"' if " " in c else c for c in command)
    done = subprocess.run(
        [sys.executable, *_TOOLS[command[0]], *command[1:]], cwd=cwd, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"{shown} failed:\n{done.stderr[-3000:]}")
    display(Markdown(f"```bash\n{shown}\n```"))


def printed(notebook):
    """What the cells of an executed notebook printed, and the messages of its warnings (raw
    ones on stderr, and the admonitions `setup` turns the library's warnings into).

    Parameters
    ----------
    notebook : str or Path
        The executed ``.ipynb`` file.

    Returns
    -------
    str
    """
    import nbformat

    lines = []
    for cell in nbformat.read(notebook, 4).cells:
        for o in cell.get("outputs", []):
            if o.get("name") == "stdout":
                lines.append(o["text"])
            elif o.get("name") == "stderr":
                lines += [
                    "warning: " + line.split("Warning: ", 1)[1] + "\n"
                    for line in o["text"].splitlines()
                    if "Warning: " in line
                ]
            text = o.get("data", {}).get("text/markdown", "")
            if text.startswith(":::{warning}"):
                lines.append(
                    "warning: "
                    + text.removeprefix(":::{warning}").removesuffix(":::").strip()
                    + "\n"
                )
    return "".join(lines)
