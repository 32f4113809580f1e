"""HTML (or plain text) → content blocks: one paragraph each, with the hints a splitter uses.

A block is what a reader sees as one paragraph. WeChat-style markup nests ``section``,
``p`` and ``span`` freely, so we walk the tree once, flushing the text gathered so far
whenever a block-level element opens or closes or a ``<br>`` appears. Formatting hints
(bold, centred, heading level, font size) are read on the way down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree, html

from .text import clean_line

BULLETS = "◆●▲△•■□★☆◇○▶►▪◎◼◾·"

_BLOCK_TAGS = frozenset(
    "p div section article header footer aside main nav h1 h2 h3 h4 h5 h6 li ul ol dl dt dd "
    "blockquote pre table thead tbody tfoot tr td th figure figcaption hr address center form fieldset".split()
)
_SKIP_TAGS = frozenset(
    "script style noscript iframe svg button select option textarea template head title object embed "
    "canvas video audio mpvoice qqmusic map area input label".split()
)
_BOLD_TAGS = frozenset(("b", "strong"))
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(bold|bolder|[6-9]00)", re.I)
_CENTER_STYLE = re.compile(r"text-align\s*:\s*center", re.I)
_FONT_SIZE = re.compile(r"font-size\s*:\s*([\d.]+)\s*(px|pt|em|rem)?", re.I)


@dataclass(slots=True)
class Block:
    text: str
    bold: bool = False
    center: bool = False
    heading: int = 0
    font_size: float | None = None

    @property
    def bullet(self) -> str | None:
        return self.text[0] if self.text and self.text[0] in BULLETS else None


def _font_px(style: str) -> float | None:
    match = _FONT_SIZE.search(style)
    if not match:
        return None
    value, unit = float(match.group(1)), (match.group(2) or "px").lower()
    return {"pt": value * 4 / 3, "em": value * 16, "rem": value * 16}.get(unit, value)


class _Walker:
    """Collects blocks from an element tree in document order."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._chunks: list[tuple[str, bool, float | None]] = []

    def flush(self, center: bool, heading: int) -> None:
        if not self._chunks:
            return
        chunks, self._chunks = self._chunks, []
        text = clean_line("".join(c[0] for c in chunks))
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
        self.blocks.append(Block(text, bold or heading > 0, center, heading, size))

    def walk(self, el: etree._Element, bold: bool, center: bool, heading: int, size: float | None) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.rsplit("}", 1)[-1].lower()
        if not tag or tag in _SKIP_TAGS:
            return
        if tag == "br":
            self.flush(center, heading)
            return
        style = el.get("style") or ""
        if style:
            bold = bold or bool(_BOLD_STYLE.search(style))
            size = _font_px(style) or size
            if "display:none" in style.replace(" ", "").lower():
                return
        bold = bold or tag in _BOLD_TAGS
        is_block = tag in _BLOCK_TAGS
        if is_block:
            self.flush(center, heading)
            center = center or bool(_CENTER_STYLE.search(style)) or (el.get("align") or "").lower() == "center" or tag == "center"
            heading = _HEADINGS.get(tag, heading)
        if el.text:
            self._chunks.append((el.text, bold, size))
        for child in el:
            self.walk(child, bold, center, heading, size)
            if child.tail:
                self._chunks.append((child.tail, bold, size))
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


def parse_html(text: str) -> etree._Element | None:
    """An lxml tree, or None when there is nothing parseable (empty or binary)."""
    if not text or not text.strip():
        return None
    try:
        return html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None
