"""Serve MathJax from the built book instead of a CDN, so math renders with no network.

MathJax 2.7 ships inside the ``jupyter-server-mathjax`` wheel; it is copied to
``_static/mathjax`` of the HTML output and Sphinx's MathJax extension points there.
"""

import shutil
from pathlib import Path

import jupyter_server_mathjax

SOURCE = Path(jupyter_server_mathjax.__file__).parent / "static"


def _copy(app, exception):
    if exception is None and app.builder.format == "html":
        shutil.copytree(SOURCE, Path(app.outdir) / "_static" / "mathjax", dirs_exist_ok=True)


def _configure(app, config):
    config.mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
    # MyST marks pages tex2jax_ignore and math elements "math"; MathJax 2 spells the
    # exceptions processClass (MathJax 3, which Sphinx configures by default, processHtmlClass).
    config.mathjax3_config = None
    config.mathjax2_config = {
        "tex2jax": {
            "processClass": "tex2jax_process|mathjax_process|math|output_area",
            "ignoreClass": "tex2jax_ignore|mathjax_ignore",
        },
        # the wheel carries the STIX web fonts only, not MathJax's TeX fonts; long equations
        # break at the width of the text column instead of running past it
        "HTML-CSS": {
            "availableFonts": ["STIX-Web"],
            "preferredFont": "STIX-Web",
            "webFont": "STIX-Web",
            "imageFont": None,
            "linebreaks": {"automatic": True},
        },
        "CommonHTML": {"linebreaks": {"automatic": True}},
        "SVG": {"linebreaks": {"automatic": True}},
        "messageStyle": "none",
    }


def setup(app):
    app.connect("config-inited", _configure, priority=900)
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True}
