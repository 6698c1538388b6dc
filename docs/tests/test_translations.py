"""The Chinese edition: every translated page is built, reads as Chinese, shows the same
code and tutorial output as its English page, and links to it and back; the catalogs
are complete. (Output of commands run at build time, ``command-output``, may differ
between the two builds and is not compared.)

Run after the builds (``nox -s docs`` does all of this):

    sphinx-build -W --keep-going -b html docs docs/_build/html
    sphinx-build -W --keep-going -b html -D language=zh_CN docs docs/_build/html/zh_CN
    sphinx-build -b gettext docs docs/_build/gettext
    pytest docs/tests

The tutorials, the how-to guides and the index pages are translated; the API reference
is not. How to update a translation: docs/howto/translating.rst.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

DOCS = Path(__file__).resolve().parents[1]
HTML = DOCS / "_build" / "html"
LANGUAGE = "zh_CN"
CHINESE = HTML / LANGUAGE
CATALOGS = DOCS / "locales" / LANGUAGE / "LC_MESSAGES"
TEMPLATES = DOCS / "_build" / "gettext"

#: Every page of the site except the API reference.
PAGES = [
    "index",
    "auto_tutorials/index",
    *(
        f"auto_tutorials/{path.stem}"
        for path in sorted((DOCS / "tutorials").glob("*.py"))
    ),
    *(f"howto/{path.stem}" for path in sorted((DOCS / "howto").glob("*.rst"))),
]

#: Share of Chinese characters among the letters of a page's prose (code, literals and
#: maths left out). The translated pages are at 0.65 or more, English pages below 0.05
#: (the terms table of the translating guide).
MIN_CHINESE_SHARE = 0.5

#: Six or more English words in a row, in a paragraph with no Chinese: a sentence left
#: in English.
ENGLISH_RUN = re.compile(r"[A-Za-z][\w'’-]*(?:[\s,;:()]+[A-Za-z][\w'’-]*){5,}")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")
#: reST that reached the page as text: markup the translation broke.
LEFTOVER_MARKUP = re.compile(
    r"``|\*\*|:(?:doc|ref|math|func|class|mod|data|download):`|`_"
)

BLOCKS = {
    "p",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "td",
    "th",
    "dt",
    "dd",
    "figcaption",
    "caption",
}
VOID = {"img", "br", "meta", "link", "input", "hr", "source", "wbr"}


class Page(HTMLParser):
    """A built page as the tests read it: the prose of its article, its code blocks, its language links."""

    def __init__(self, path: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = ""
        self.blocks: list[str] = []
        self.code: list[str] = []
        self.language_links: list[str] = []
        self._open: list[
            tuple[str, str]
        ] = []  # (tag, role) for each open element
        self._block_text: list[list[str]] = []
        self._code_text: list[str] | None = None
        self.feed(path.read_text(encoding="utf-8"))

    @property
    def prose(self) -> str:
        return "\n".join(self.blocks)

    def _inside(self, role: str) -> bool:
        return any(open_role == role for _, open_role in self._open)

    def handle_starttag(
        self, tag: str, attrs: list[tuple[str, str | None]]
    ) -> None:
        attributes = {name: value or "" for name, value in attrs}
        classes = attributes.get("class", "").split()
        if tag == "html":
            self.lang = attributes.get("lang", "")
        if self._inside("switch") and tag == "a":
            self.language_links.append(attributes.get("href", ""))
        if tag in VOID:
            return
        role = ""
        if "language-switch" in classes:
            role = "switch"
        elif attributes.get("id") == "furo-main-content":
            role = "article"
        elif any(name.startswith("highlight-") for name in classes):
            language = next(
                name for name in classes if name.startswith("highlight-")
            )
            output = language == "highlight-text" or "command-output" in classes
            role = "output" if output else "code"
            if role == "code":
                self._code_text = []
        elif (
            tag in ("pre", "code", "script", "style")
            or "math" in classes
            or "headerlink" in classes
        ):
            role = "skip"
        elif tag in BLOCKS and self._inside("article"):
            role = "block"
            self._block_text.append([])
        self._open.append((tag, role))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID or not self._open:
            return
        while self._open:
            open_tag, role = self._open.pop()
            if role == "block":
                text = " ".join("".join(self._block_text.pop()).split())
                if text:
                    self.blocks.append(text)
            elif role == "code" and self._code_text is not None:
                self.code.append("".join(self._code_text))
                self._code_text = None
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._code_text is not None:
            self._code_text.append(data)
        skipped = (
            self._inside("skip")
            or self._inside("code")
            or self._inside("output")
        )
        if self._block_text and not skipped:
            self._block_text[-1].append(data)


def english(page: str) -> Page:
    path = HTML / f"{page}.html"
    assert path.exists(), f"{path} was not built"
    return Page(path)


def chinese(page: str) -> Page:
    path = CHINESE / f"{page}.html"
    assert path.exists(), f"{page}: no Chinese page at {path}"
    return Page(path)


def chinese_share(text: str) -> float:
    cjk = len(CJK.findall(text))
    letters = cjk + len(LATIN.findall(text))
    return cjk / letters if letters else 0.0


needs_site = pytest.mark.skipif(
    not (CHINESE / "index.html").exists(),
    reason=f"{CHINESE} is missing: build both editions first (nox -s docs)",
)


@needs_site
@pytest.mark.parametrize("page", PAGES)
def test_chinese_page_is_built(page: str) -> None:
    assert chinese(page).lang == "zh-CN", (
        f"{page}: the Chinese page does not say lang='zh-CN'"
    )


@needs_site
@pytest.mark.parametrize("page", PAGES)
def test_chinese_page_reads_as_chinese(page: str) -> None:
    share = chinese_share(chinese(page).prose)
    assert share >= MIN_CHINESE_SHARE, (
        f"{page}: only {share:.0%} of the prose's letters are Chinese"
    )
    assert chinese_share(english(page).prose) < 0.1, (
        f"{page}: the English page is not English"
    )


@needs_site
@pytest.mark.parametrize("page", PAGES)
def test_no_english_sentence_is_left(page: str) -> None:
    left = [
        block
        for block in chinese(page).blocks
        if not CJK.search(block) and ENGLISH_RUN.search(block)
    ]
    assert not left, (
        f"{page}: untranslated on the Chinese page (see docs/howto/translating.rst): {left}"
    )


@needs_site
@pytest.mark.parametrize("page", PAGES)
def test_translation_keeps_its_markup(page: str) -> None:
    broken = [
        block for block in chinese(page).blocks if LEFTOVER_MARKUP.search(block)
    ]
    assert not broken, (
        f"{page}: reST markup shown as text; a space is missing next to it? {broken}"
    )


@needs_site
@pytest.mark.parametrize("page", PAGES)
def test_chinese_page_shows_the_same_code_and_output(page: str) -> None:
    source, translated = english(page).code, chinese(page).code
    if page.startswith("auto_tutorials/0"):
        assert source, f"{page}: no code found on the English page"
    assert translated == source, (
        f"{page}: the Chinese page's code blocks differ from the English page's"
    )


@needs_site
def test_search_finds_chinese_words() -> None:
    script = (CHINESE / "searchindex.js").read_text(encoding="utf-8")
    terms = json.loads(script[script.index("(") + 1 : script.rindex(")")])[
        "terms"
    ]
    missing = [w for w in ("张量", "梯度", "损失", "后端") if w not in terms]
    assert not missing, (
        f"the Chinese search index lacks {missing}: is jieba installed?"
    )


def _site_pages(root: Path, *, skip: Path | None = None) -> list[Path]:
    found = []
    for path in sorted(root.rglob("*.html")):
        relative = path.relative_to(root)
        if skip is not None and path.is_relative_to(skip):
            continue
        if relative.parts[0].startswith("_"):
            continue  # static files, sources, downloads
        found.append(path)
    return found


@needs_site
def test_every_page_links_to_its_other_edition_and_back() -> None:
    pages = _site_pages(HTML, skip=CHINESE)
    assert len(pages) > len(PAGES), "the English site looks incomplete"
    problems = []
    for page in pages:
        links = Page(page).language_links
        if len(links) != 1:
            problems.append(
                f"{page.relative_to(HTML)}: {len(links)} language links"
            )
            continue
        other = (page.parent / links[0]).resolve()
        if other != CHINESE / page.relative_to(HTML) or not other.exists():
            problems.append(
                f"{page.relative_to(HTML)} links to {links[0]}, not to its Chinese page"
            )
            continue
        back = Page(other).language_links
        if [(other.parent / link).resolve() for link in back] != [
            page.resolve()
        ]:
            problems.append(
                f"{other.relative_to(HTML)} does not link back to {page.relative_to(HTML)}"
            )
    assert not problems, problems


def _catalog(page: str):
    path = CATALOGS / f"{page}.po"
    assert path.exists(), (
        f"{page}: no catalog {path}; see docs/howto/translating.rst"
    )
    with path.open("rb") as file:
        return read_po(file)


@pytest.mark.parametrize("page", PAGES)
def test_catalog_is_complete(page: str) -> None:
    messages = [message for message in _catalog(page) if message.id]
    assert messages, f"{page}: the catalog is empty"
    fuzzy = [message.id for message in messages if message.fuzzy]
    empty = [message.id for message in messages if not message.string]
    assert not fuzzy, (
        f"{page}: fuzzy translations to check (then delete their '#, fuzzy' line): {fuzzy}"
    )
    assert not empty, f"{page}: messages to translate: {empty}"


@pytest.mark.skipif(
    not TEMPLATES.exists(),
    reason=f"{TEMPLATES} is missing: run sphinx-build -b gettext docs {TEMPLATES}",
)
@pytest.mark.parametrize("page", PAGES)
def test_catalog_translates_the_current_text(page: str) -> None:
    template = TEMPLATES / f"{page}.pot"
    assert template.exists(), f"{template} was not written"
    with template.open("rb") as file:
        current = [message.id for message in read_po(file) if message.id]
    translated = {
        message.id
        for message in _catalog(page)
        if message.id and message.string and not message.fuzzy
    }
    stale = [message for message in current if message not in translated]
    assert not stale, (
        f"{page}: English text without a translation; run sphinx-intl update -p {TEMPLATES.relative_to(DOCS.parent)}"
        f" -d docs/locales -l {LANGUAGE} and translate (docs/howto/translating.rst): {stale}"
    )
