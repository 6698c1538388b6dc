"""A link in every page's header to the same page in the site's other languages.

The first language of ``site_languages`` (conf.py) is built into the output root,
every other one into a folder named after it::

    sphinx-build -b html docs docs/_build/html
    sphinx-build -b html -D language=zh_CN docs docs/_build/html/zh_CN

The links are relative, so they work offline and wherever the site is copied. The
template ``_templates/language-switch.html`` draws them in the row of icons at the top
of each page (next to the theme's light/dark switch).
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.errors import ConfigError


def page_in(language: str, uri: str, here: str, languages: list[str]) -> str:
    """The relative address, from page ``uri`` of the ``here`` edition, of that page in ``language``."""
    root = "../" * (uri.count("/") + (here != languages[0]))
    folder = "" if language == languages[0] else f"{language}/"
    return f"{root}{folder}{uri}"


def _add_links(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree
) -> None:
    names: dict[str, str] = app.config.site_languages
    languages = list(names)
    here = app.config.language
    if here not in names:
        raise ConfigError(
            f"language {here!r} is not in site_languages {languages}: add it to site_languages in conf.py"
        )
    uri = app.builder.get_target_uri(pagename)
    context["language_links"] = [
        {
            "name": name,
            "lang": language.replace("_", "-"),
            "href": page_in(language, uri, here, languages),
        }
        for language, name in names.items()
        if language != here
    ]
    alternates = "".join(
        f'<link rel="alternate" hreflang="{link["lang"]}" href="{link["href"]}">\n'
        for link in context["language_links"]
    )
    context["metatags"] = context.get("metatags", "") + alternates


def setup(app: Sphinx) -> dict[str, object]:
    app.add_config_value("site_languages", {"en": "English"}, "html", dict)
    app.connect("html-page-context", _add_links)
    app.add_css_file("language-switch.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
