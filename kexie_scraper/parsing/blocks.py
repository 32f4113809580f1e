"""HTML (or plain text) → content blocks: one paragraph each, with the hints a splitter uses.

A block is what a reader sees as one paragraph. WeChat-style markup nests ``section``,
``p`` and ``span`` freely, so we walk the tree once, flushing the text gathered so far
whenever a block-level element opens or closes or a ``<br>`` appears. Formatting hints
(bold, centred, heading level, font size) are read on the way down.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import NamedTuple

from lxml import etree, html

from .memo import text_cache
from .text import clean_line, is_blank

BULLETS = "◆●▲△•■□★☆◇○▶►▪◎◼◾·▍▌"

_BLOCK_TAGS = frozenset(
    "p div section article header footer aside main nav h1 h2 h3 h4 h5 h6 li ul ol dl dt dd "
    "blockquote pre table thead tbody tfoot tr td th figure figcaption hr address center form fieldset".split()
)
_SKIP_TAGS = frozenset(
    "script style noscript iframe svg button select option textarea template head title object embed "
    "canvas video audio mpvoice qqmusic map area input label".split()
)
_BOLD_TAGS = frozenset(("b", "strong"))
# The walk recurses once per level: deeper markup than this is ignored, so no tree (even
# one built with huge_tree) can exhaust Python's recursion limit. parse_html's trees stop
# at libxml2's depth 256 anyway.
MAX_DEPTH = 400
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(bold|bolder|[6-9]00)", re.I)
_CENTER_STYLE = re.compile(r"text-align\s*:\s*center", re.I)
_FONT_SIZE = re.compile(r"font-size\s*:\s*(\d{1,6}(?:\.\d{0,6})?|\.\d{1,6})\s*(px|pt|em|rem)?", re.I)


@dataclass(slots=True)
class Block:
    text: str
    bold: bool = False
    center: bool = False
    heading: int = 0
    font_size: float | None = None
    after_image: bool = False  # the first paragraph after a picture: where captions stand

    @property
    def bullet(self) -> str | None:
        return self.text[0] if self.text and self.text[0] in BULLETS else None


def _font_px(style: str) -> float | None:
    match = _FONT_SIZE.search(style)
    if not match:
        return None
    value, unit = float(match.group(1)), (match.group(2) or "px").lower()
    return {"pt": value * 4 / 3, "em": value * 16, "rem": value * 16}.get(unit, value)


class _StyleHints(NamedTuple):
    bold: bool
    font_px: float | None
    hidden: bool
    center: bool


# Pages repeat a handful of style attributes on every paragraph and span (WeChat's editor,
# a CMS's template): each is read by four regexes once, then looked up.
@text_cache(maxsize=1024, max_len=500)
def _style_hints(style: str) -> _StyleHints:
    return _StyleHints(
        bold=bool(_BOLD_STYLE.search(style)),
        font_px=_font_px(style),
        hidden="display:none" in style.replace(" ", "").lower(),
        center=bool(_CENTER_STYLE.search(style)),
    )


# Tag → the lower-case local name the walk compares (`{ns}P` → `p`). A page has a few dozen
# distinct tags; the map stops growing at _MAX_TAG_NAMES so a page of invented ones can't bloat it.
_TAG_NAMES: dict[str, str] = {}
_MAX_TAG_NAMES = 512


def _tag_name(tag: str) -> str:
    name = _TAG_NAMES.get(tag)
    if name is None:
        name = tag.rsplit("}", 1)[-1].lower()
        if len(_TAG_NAMES) < _MAX_TAG_NAMES:
            _TAG_NAMES[tag] = name
    return name


class _Walker:
    """Collects blocks from an element tree in document order."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._chunks: list[tuple[str, bool, float | None]] = []
        self._image = False  # a picture was seen since the last paragraph

    def flush(self, center: bool, heading: int) -> None:
        if not self._chunks:
            return
        chunks, self._chunks = self._chunks, []
        text = clean_line("".join([c[0] for c in chunks]))
        if not text:
            return
        total = bold_chars = 0
        size, size_chars = None, 0
        for chunk, is_bold, chunk_size in chunks:
            n = len(chunk.strip())
            total += n
            if is_bold:
                bold_chars += n
            if chunk_size and n > size_chars:  # the size of the longest sized run
                size, size_chars = chunk_size, n
        bold = total > 0 and bold_chars / total >= 0.8
        self.blocks.append(Block(text, bold or heading > 0, center, heading, size, self._image))
        self._image = False

    def walk(self, el: etree._Element, bold: bool, center: bool, heading: int, size: float | None,
             depth: int = 0) -> None:
        tag = el.tag
        tag = _tag_name(tag) if isinstance(tag, str) else ""  # comments, PIs, entities: no tag
        if not tag or tag in _SKIP_TAGS or depth > MAX_DEPTH:
            return
        if tag == "br":
            self.flush(center, heading)
            return
        if tag == "img":  # a picture between paragraphs (an inline one, mid-text, is an emoji)
            if not any(c[0].strip() for c in self._chunks):
                self._image = True
            return
        style = el.get("style") or ""
        hints = _style_hints(style) if style else None
        if hints is not None:
            bold = bold or hints.bold
            size = hints.font_px or size
            if hints.hidden:
                return
        bold = bold or tag in _BOLD_TAGS
        is_block = tag in _BLOCK_TAGS
        if is_block:
            self.flush(center, heading)
            center = center or (hints is not None and hints.center) or (el.get("align") or "").lower() == "center" or tag == "center"
            heading = _HEADINGS.get(tag, heading)
        # .text and .tail are read once each: lxml builds a new str from the tree on every read.
        text = el.text
        if text:
            self._chunks.append((text, bold, size))
        for child in el:
            self.walk(child, bold, center, heading, size, depth + 1)
            tail = child.tail
            if tail:
                self._chunks.append((tail, bold, size))
        if is_block:
            self.flush(center, heading)


def element_blocks(root: etree._Element) -> list[Block]:
    """Blocks of one element's subtree (the content container of a page)."""
    walker = _Walker()
    walker.walk(root, False, False, 0, None)
    walker.flush(False, 0)
    return walker.blocks


def text_blocks(text: str) -> list[Block]:
    """A .txt file: one paragraph per line, no hints."""
    lines = (clean_line(line) for line in text.splitlines())
    return [Block(line) for line in lines if line]


# The parser for untrusted pages, one per thread (lxml parsers are not thread-safe):
# * no_network=True — never fetch a DTD or anything else a page points at;
# * libxml2's HTML parser has no DTD processing, so entities a page declares
#   (billion laughs, ``<!ENTITY x SYSTEM "file:///etc/passwd">``) are never expanded:
#   the reference stays literal text (``resolve_entities`` is an XMLParser option; pages
#   are never parsed as XML here);
# * huge_tree=False — keep libxml2's limits: nesting stops at depth 256 (deeper markup
#   is dropped, so a 10,000-deep page costs nothing), a text node at 10 MB. A bulletin is
#   never that deep, and DOWNLOAD_MAXSIZE bounds the page to 10 MB anyway.
_PARSERS = threading.local()
_HTML_LOOKUP = etree.ElementDefaultClassLookup(
    element=html.HtmlElement, comment=html.HtmlComment, pi=html.HtmlProcessingInstruction, entity=html.HtmlEntity
)


def _parser() -> html.HTMLParser:
    # The tree is built from UTF-8 bytes (encoding fixed, so a page's own <meta charset>
    # is ignored: the text was decoded already): ~20% faster than handing lxml a str.
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = html.HTMLParser(no_network=True, huge_tree=False, recover=True, encoding="utf-8")
        # lxml.html's own lookup is a Python call for every element the walk touches (~0.5 µs
        # each, ~40 a page), only to give <form>, <input>, <select>, <textarea> and <label>
        # their form classes, which the parser never uses. The C-level default lookup gives
        # every element HtmlElement (text_content() and the rest, as before).
        parser.set_element_class_lookup(_HTML_LOOKUP)
    return parser


# Characters lxml refuses (XML 1.0 forbids them) and no page means as text: C0 controls
# but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF. Browsers drop NUL too.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_C0_BYTES = bytes(c for c in range(32) if c not in (9, 10, 13))


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def _xml_safe_utf8(text: str, utf8: bytes | None = None) -> bytes:
    """``xml_safe(text)`` as UTF-8. Almost every page has none of those characters, and
    proving that (a C-speed ``translate`` of the encoded bytes, two character searches in
    the str) costs a tenth of the regex, which runs only when one is there.
    ``utf8``: ``text`` in UTF-8 already (the page's own bytes), or None."""
    if utf8 is not None:
        data = utf8
    else:
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates
            return xml_safe(text).encode("utf-8")
    if len(data.translate(None, _C0_BYTES)) != len(data) or "\ufffe" in text or "\uffff" in text:
        return xml_safe(text).encode("utf-8")
    return data


def parse_html(text: str, utf8: bytes | None = None) -> etree._Element | None:
    """An lxml tree, or None when there is nothing parseable (empty or binary).

    ``utf8``: exactly ``text`` in UTF-8, when the caller has it (decode_html_utf8)."""
    if is_blank(text):
        return None
    try:
        return html.document_fromstring(_xml_safe_utf8(text, utf8), parser=_parser())
    except (etree.ParserError, ValueError):
        return None
