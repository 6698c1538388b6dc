"""Sphinx configuration of ember's documentation site (built by ``nox -s docs``)."""

from __future__ import annotations

import sys
from pathlib import Path

import ember

DOCS = Path(__file__).parent
sys.path.insert(0, str(DOCS / "_ext"))

import api_pages  # noqa: E402

project = "ember"
author = "the ember developers"
copyright = "the ember developers"  # noqa: A001
release = version = ember.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx_gallery.gen_gallery",
    "api_pages",  # what autodoc shows of a member: no private bases, no build paths
    "command_output",
    "matplotlib.sphinxext.plot_directive",  # figures drawn by scripts at build time
    "source_links",
    "backend_contract",
    "sphinx-mathjax-offline",  # serves MathJax from the site itself, so maths renders offline
    "sphinx_copybutton",
    "language_switch",
    "gallery_i18n",
]

#: Where the sources live (the same base as the packages' Project-URLs).
REPOSITORY = "https://github.com/ember-dl/ember"

exclude_patterns = [
    "_build",
    "tutorials",
    "examples",
    "tests",
    "_inventories",
    "_ext",
    "**/README.md",
]
default_role = "code"  # docstrings write `name` for code
root_doc = "index"

# --- API reference ---------------------------------------------------------------------
api_pages.write_pages(DOCS / "api")
autosummary_generate = False  # the pages document every member themselves
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
python_use_unqualified_type_names = True
add_module_names = False

# --- links to NumPy and CuPy, from inventories shipped in the repo (no network needed) ------
intersphinx_mapping = {
    "numpy": (
        "https://numpy.org/doc/stable/",
        str(DOCS / "_inventories" / "numpy.inv"),
    ),
    "cupy": (
        "https://docs.cupy.dev/en/stable/",
        str(DOCS / "_inventories" / "cupy.inv"),
    ),
}

# --- tutorials: executed scripts --------------------------------------------------------
abort_on_example_error = True  # a tutorial that raises stops the build
sphinx_gallery_conf = {
    "examples_dirs": "tutorials",
    "gallery_dirs": "auto_tutorials",
    "filename_pattern": r".*\.py$",
    "within_subsection_order": "FileNameSortKey",
    "abort_on_example_error": True,
    "download_all_examples": False,
    "write_computation_times": False,
    "remove_config_comments": True,
    "first_notebook_cell": None,
    "show_signature": False,
    "min_reported_time": 0,
}

# --- figures of the guides (``.. plot:: snippets/script.py``) --------------------------
plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]

# --- HTML -------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"ember {version}"
html_static_path = ["_static"]
html_css_files = ["ember.css"]
html_theme_options = {
    "navigation_with_keys": True,
    # a "view source" button on each page, linking to the file it is made from (see _ext/source_links.py)
    "top_of_page_buttons": ["view"],
    "source_repository": REPOSITORY,
    "source_branch": "main",
    # and one in every page's footer to the repository
    "footer_icons": [
        {
            "name": "Source",
            "url": REPOSITORY,
            "class": "ember-source-link",
            "html": "Source on GitHub",
        },
    ],
}
html_show_sourcelink = False
source_links_repository = REPOSITORY
source_links_branch = "main"

# --- copy buttons on code blocks: commands and code, without prompts or printed output ---
# Output blocks (the tutorials' printed output, command output, plain text) get no button.
copybutton_selector = (
    'div[class*="highlight-"]:not(.highlight-text):not(.highlight-none):not(.sphx-glr-script-out) '
    "> div.highlight > pre"
)
# In a block with prompts ("$ ", ">>> ", "... ") only the prompted lines are copied, without
# the prompts; Pygments marks a console session's output lines "go": they are left out too.
copybutton_exclude = ".linenos, .go"
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_copy_empty_lines = False

# --- translations: docs/locales, one catalog per page (see howto/translating) -----------
# The first language is built into the root of the site, the others into folders.
# Catalogs hold no line numbers: they change when the text does, not its lines.
site_languages = {"en": "English", "zh_CN": "简体中文"}
locale_dirs = ["locales"]
gettext_compact = False
gettext_location = False
templates_path = ["_templates"]
