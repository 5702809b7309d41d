"""Sphinx configuration of the statmech_nn documentation site.

Build (what the test suite does, warnings are errors)::

    python -m sphinx -W -b html docs docs/_build/html

The validation table is generated at build time by running the package's own checks
(``statmech_nn.validation``), and the example gallery (``examples/``) is executed by
sphinx-gallery; with ``STATMECH_NN_GALLERY=tiny`` the examples run at tiny sizes.
"""
import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

import statmech_nn  # noqa: E402

project = "statmech_nn"
author = "statmech_nn developers"
copyright = "2026, statmech_nn developers"
release = version = statmech_nn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "results", "auto_examples/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*.zip", "auto_examples/*.json", "auto_examples/*.md5",
                    "sg_execution_times.rst"]
templates_path = ["_templates"]

# -- API reference -----------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}
autodoc_typehints = "none"
autodoc_mock_imports = ["dask", "distributed", "zarr", "sklearn"]
numpydoc_show_class_members = False
numpydoc_validation_checks = set()
numpydoc_xref_param_type = False

# -- Markdown notes (docs/*.md) through myst-parser ----------------------------------------
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath", "amsmath"]
# the per-area notes link to the repository's files (source code, the README); those links
# point outside the site and are not cross-references
suppress_warnings = ["myst.xref_missing", "myst.header"]

# -- Gallery ---------------------------------------------------------------------------------
_tiny = os.environ.get("STATMECH_NN_GALLERY", "") == "tiny"
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "abort_on_example_error": True,
    "reset_modules": ("matplotlib",),
    "show_memory": False,
    "write_computation_times": False,
}

html_theme = "alabaster"
html_static_path = []
html_theme_options = {"description": "statistical mechanics of neural networks, with numbers you can check",
                      "fixed_sidebar": True}


def _write_validation_table(app):
    """docs/_generated/validation.md from ``statmech-nn validate`` (the package's own checks)."""
    from statmech_nn.validation import checks, markdown
    rows = [c.run() for c in checks().values()]
    out = DOCS / "_generated"
    out.mkdir(exist_ok=True)
    failed = [r["name"] for r in rows if not r["passed"]]
    text = ["# Validation table", "",
            "Generated at build time by running every check of `statmech_nn.validation` "
            "(the same rows as `statmech-nn validate --markdown`; each row is also a test in "
            "`tests/test_validation.py`). `trap` rows are known wrong answers the package must not "
            "return; `bound` rows are inequalities.", "",
            markdown(rows), ""]
    (out / "validation.md").write_text("\n".join(text))
    if failed:
        raise RuntimeError(f"validation checks failed while building the docs: {', '.join(failed)}")


def setup(app):
    app.connect("builder-inited", _write_validation_table)
