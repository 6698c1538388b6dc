"""Each page's "view source" button links to the file in the repository it is made from.

A hand-written page links to its ``.rst`` file; a tutorial page to its script under
``docs/tutorials``; a generated API page to the source of the module or class it
documents. A page made from no file in the repository (the search page, the index) has
no button. Set ``source_links_repository`` (a GitHub URL) and ``source_links_branch``.

The theme draws the button where ``top_of_page_buttons`` lists ``"view"``; the template
``_templates/components/view-this-page.html`` draws it only where ``source_links_url``
(set here for every page) is a link.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from sphinx.application import Sphinx

TUTORIALS_BUILT, TUTORIALS_SOURCE = "auto_tutorials/", "tutorials/"


def _documented_object(name: str):
    """The module or object that ``ember.nn.Linear``-style names."""
    try:
        return importlib.import_module(name)
    except ImportError:
        module, _, attribute = name.rpartition(".")
        return getattr(importlib.import_module(module), attribute)


def _defining_file(obj) -> str:
    """The file that defines a module, function or class (a class whose ``__module__`` is
    set to a public name is found through its methods' code)."""
    if inspect.isclass(obj):
        for value in vars(obj).values():
            code = getattr(value, "__code__", None)
            if code is not None:
                return code.co_filename
    return inspect.getsourcefile(obj)


def source_file(docs: Path, pagename: str) -> Path | None:
    """The file in the repository a page is made from, or None."""
    if pagename.startswith(TUTORIALS_BUILT):
        name = pagename.removeprefix(TUTORIALS_BUILT)
        tutorials = docs / TUTORIALS_SOURCE
        path = tutorials / (
            "GALLERY_HEADER.rst" if name == "index" else f"{name}.py"
        )
    elif pagename.startswith("api/") and pagename != "api/index":
        name = pagename.removeprefix("api/")
        try:
            path = Path(_defining_file(_documented_object(name)))
        except (ImportError, AttributeError, TypeError):
            return None
    else:
        path = docs / f"{pagename}.rst"
    return path.resolve() if path.is_file() else None


def _set_view_link(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree
) -> None:
    root = Path(app.srcdir).resolve().parent
    path = source_file(Path(app.srcdir), pagename)
    if path is None or not path.is_relative_to(root):
        # The button's row stays: it also holds the language switch (_templates/components).
        context["source_links_url"] = None
        return
    repository = app.config.source_links_repository.rstrip("/")
    relative = path.relative_to(root).as_posix()
    url = f"{repository}/blob/{app.config.source_links_branch}/{relative}"
    context["source_links_url"] = context["theme_source_view_link"] = url


def setup(app: Sphinx) -> dict:
    app.add_config_value("source_links_repository", "", "html")
    app.add_config_value("source_links_branch", "main", "html")
    app.connect("html-page-context", _set_view_link)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
