"""Translate the text sphinx-gallery writes into the tutorial pages, like the rest.

Two parts of the generated pages would otherwise stay English in a translated build:

- "Total running time of the script: (0 minutes 0.030 seconds)". The numbers change
  at every run, so as one message it could never keep its translation. The message
  holds placeholders instead (``{minutes}``, ``{seconds}``); the numbers are put back
  after translation.
- The thumbnails on the tutorials' index: raw HTML holding each tutorial's English
  title and summary. A translated build writes the translated ones.
"""

from __future__ import annotations

import html
import posixpath
import re

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform

TIMING = re.compile(r"\((?P<minutes>\d+) minutes (?P<seconds>[\d.]+) seconds\)")
THUMBNAIL = re.compile(r'(class="sphx-glr-thumbcontainer" tooltip=")[^"]*(")')
THUMBNAIL_TITLE = re.compile(r'(class="sphx-glr-thumbnail-title">)[^<]*(<)')

#: Sphinx translates paragraphs in a transform of this priority.
LOCALE_PRIORITY = 20


def _timings(document: nodes.document):
    for paragraph in document.findall(nodes.paragraph):
        if "sphx-glr-timing" in paragraph["classes"]:
            yield paragraph


class TimingPlaceholders(SphinxTransform):
    """Before translation: the numbers out of the timing message, placeholders in."""

    default_priority = LOCALE_PRIORITY - 1

    def apply(self, **kwargs) -> None:
        for paragraph in _timings(self.document):
            found = TIMING.search(paragraph.rawsource)
            if not found:
                continue
            paragraph["timing"] = found.groupdict()
            placeholders = "({minutes} minutes {seconds} seconds)"
            paragraph.rawsource = paragraph.rawsource.replace(
                found.group(0), placeholders
            )
            for text in list(paragraph.findall(nodes.Text)):
                if found.group(0) in text:
                    text.parent.replace(
                        text,
                        nodes.Text(text.replace(found.group(0), placeholders)),
                    )


class TimingNumbers(SphinxTransform):
    """After translation: the numbers back in place of the placeholders."""

    default_priority = LOCALE_PRIORITY + 1

    def apply(self, **kwargs) -> None:
        for paragraph in _timings(self.document):
            if "timing" not in paragraph:
                continue
            for text in list(paragraph.findall(nodes.Text)):
                filled = str(text)
                for name, value in paragraph["timing"].items():
                    filled = filled.replace(f"{{{name}}}", value)
                if filled != text:
                    text.parent.replace(text, nodes.Text(filled))


class TranslatedThumbnails(SphinxPostTransform):
    """The index's thumbnails show each tutorial's translated title and summary."""

    default_priority = 5  # before cross-references are resolved: the thumbnails' links are still document names
    formats = ("html",)

    def run(self, **kwargs) -> None:
        if self.config.language == next(iter(self.config.site_languages)):
            return  # the source language: sphinx-gallery wrote the thumbnails in it
        container: nodes.raw | None = None
        for node in list(self.document.findall()):
            if (
                isinstance(node, nodes.raw)
                and "sphx-glr-thumbcontainer" in node.astext()
            ):
                container = node
            elif (
                isinstance(node, nodes.raw)
                and "sphx-glr-thumbnail-title" in node.astext()
            ):
                container = None
            elif (
                container is not None
                and isinstance(node, addnodes.pending_xref)
                and node.get("reftype") == "doc"
            ):
                docname = _docname(node["refdoc"], node["reftarget"])
                if docname in self.env.titles:
                    self._translate(container, docname)
                container = None

    def _translate(self, container: nodes.raw, docname: str) -> None:
        title = html.escape(self.env.titles[docname].astext())
        summary = html.escape(
            _summary(self.env.get_doctree(docname)), quote=True
        )
        following = container.next_node(
            nodes.raw, descend=True, siblings=True, ascend=True
        )
        while (
            following is not None
            and "sphx-glr-thumbnail-title" not in following.astext()
        ):
            following = following.next_node(
                nodes.raw, descend=True, siblings=True, ascend=True
            )
        _replace_raw(container, THUMBNAIL, summary)
        if following is not None:
            _replace_raw(following, THUMBNAIL_TITLE, title)


def _docname(referring: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(
        posixpath.join(posixpath.dirname(referring), target)
    )


def _summary(doctree: nodes.document) -> str:
    """The first paragraph of a page's first section: what sphinx-gallery shows as its summary."""
    for section in doctree.findall(nodes.section):
        for child in section.children:
            if isinstance(child, nodes.paragraph):
                return " ".join(child.astext().split())
        break
    return ""


def _replace_raw(node: nodes.raw, pattern: re.Pattern, value: str) -> None:
    """Put ``value`` between the two groups ``pattern`` finds in a raw HTML node."""
    text = pattern.sub(
        lambda found: found.group(1) + value + found.group(2),
        node.astext(),
        count=1,
    )
    node.replace_self(nodes.raw("", text, format=node.get("format", "html")))


def setup(app: Sphinx) -> dict[str, object]:
    app.add_transform(TimingPlaceholders)
    app.add_transform(TimingNumbers)
    app.add_post_transform(TranslatedThumbnails)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
