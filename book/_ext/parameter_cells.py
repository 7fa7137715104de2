"""Render the chapters' papermill parameter cells collapsed.

Every chapter starts with a cell tagged ``parameters`` (its defaults) and, once papermill has
run it, a cell tagged ``injected-parameters`` (what the build passed). Readers need them to
re-run a chapter, but not on the way into it. The executed notebooks are read through
:func:`read_notebook` (registered for ``.ipynb`` in ``nb_custom_formats``), which tags those
two cells ``hide-input`` so myst-nb renders each as a closed ``<details>`` block with a prompt
that says what it holds. The notebooks on disk are left as papermill wrote them.
"""

import nbformat

PROMPTS = {
    "parameters": ("Show the chapter's parameters (defaults)", "Hide the chapter's parameters"),
    "injected-parameters": (
        "Show the parameters this build passed",
        "Hide the parameters this build passed",
    ),
}


def read_notebook(text):
    """An ``.ipynb`` file's text as a notebook whose parameter cells are collapsed."""
    notebook = nbformat.reads(text, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.setdefault("tags", [])
        for tag, (show, hide) in PROMPTS.items():
            if tag in tags:
                if "hide-input" not in tags:
                    tags.append("hide-input")
                mystnb = cell.metadata.setdefault("mystnb", {})
                mystnb.setdefault("code_prompt_show", show)
                mystnb.setdefault("code_prompt_hide", hide)
                break
    return notebook


def setup(app):
    return {"parallel_read_safe": True}
