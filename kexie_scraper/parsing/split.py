"""Blocks → items: cut one bulletin into its regional reports.

Each splitting rule proposes a segmentation; a segmentation is believed in proportion to
the share of its segments that carry *evidence* of being a separate report (an
attribution, or a title naming an organisation). The best-supported proposal wins; when
none is supported the page stays one item, flagged with a low confidence when some rule
saw structure it did not trust. Splitting never drops or duplicates text: every block
ends up in exactly one segment, in the intro, or as a title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .attribution import attribution_line, org_in_text, trailing_attribution
from .blocks import BULLETS, Block

_SENTENCE_PUNCT = re.compile(r"[。！？；!?;]")
_TITLE_END_BAD = tuple("，,、：:；;（(“")
# Sub-headings inside one report: 一、 (一) 1. 1、 第一 一是 …
_ENUMERATED = re.compile(r"^(?:[一二三四五六七八九十]+[、是要]|[(（][一二三四五六七八九十\d]+[)）]|\d+[、.．]|第[一二三四五六七八九十]+)")
_ORG_WORD = re.compile(r"科协|学会|协会|研究会|科技馆|农技协")


@dataclass
class Segment:
    title: str | None
    blocks: list[str] = field(default_factory=list)
    attribution: str | None = None
    rule: str = "single"
    confidence: float = 1.0
    title_block: Block | None = None

    @property
    def evidence(self) -> bool:
        return bool(self.attribution) or bool(self.title and _ORG_WORD.search(self.title))


@dataclass
class Split:
    intro: list[str]
    segments: list[Segment]
    rule: str
    confidence: float


def is_title(block: Block) -> bool:
    """A short line that reads as a headline rather than a sentence."""
    text = block.text
    if not 4 <= len(text) <= 48 or text.endswith(_TITLE_END_BAD) or _SENTENCE_PUNCT.search(text):
        return False
    if _ENUMERATED.match(text) or attribution_line(text):
        return False
    return True


def _attach(segment: Segment, text: str) -> None:
    """Add a paragraph to a segment, peeling off a trailing attribution when it closes it."""
    found = trailing_attribution(text)
    if found:
        body, segment.attribution = found
        if body:
            segment.blocks.append(body)
    else:
        segment.blocks.append(text)


def _closes(text: str) -> bool:
    return bool(trailing_attribution(text) or attribution_line(text))


def _add(segment: Segment, block: Block) -> None:
    line = attribution_line(block.text)
    if line:
        segment.attribution = line
    else:
        _attach(segment, block.text)


def _by_titles(blocks: list[Block]) -> tuple[list[str], list[Segment]]:
    """Titled items: a headline line, then its paragraphs (the seed's format)."""
    intro: list[str] = []
    segments: list[Segment] = []
    current: Segment | None = None
    for i, block in enumerate(blocks):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        starts = (
            is_title(block)
            and not block.bullet
            and nxt is not None
            and not is_title(nxt)
            and (current is None or current.blocks or current.attribution)
        )
        if starts:
            current = Segment(block.text, rule="titled", title_block=block)
            segments.append(current)
        elif current is None:
            intro.append(block.text)
        else:
            _add(current, block)
    return intro, segments


def _by_bullets(blocks: list[Block]) -> tuple[list[str], list[Segment]]:
    """Bulleted briefs: each ◆/●/▲/△/• line opens an item (a headline when short)."""
    intro: list[str] = []
    segments: list[Segment] = []
    current: Segment | None = None
    for i, block in enumerate(blocks):
        if block.bullet:
            text = block.text[1:].strip()
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            headline = is_title(Block(text)) and nxt is not None and not nxt.bullet
            current = Segment(text if headline else None, rule="bullets", title_block=block if headline else None)
            segments.append(current)
            if not headline and text:
                _add(current, Block(text))
        elif current is None:
            intro.append(block.text)
        else:
            _add(current, block)
    return intro, segments


def _by_attributions(blocks: list[Block]) -> tuple[list[str], list[Segment]]:
    """Untitled briefs: an item ends where an attribution closes a paragraph."""
    segments: list[Segment] = []
    current = Segment(None, rule="briefs")
    for block in blocks:
        _add(current, block)
        if _closes(block.text):
            segments.append(current)
            current = Segment(None, rule="briefs")
    if current.blocks:
        segments.append(current)
    return [], segments


def _support(segments: list[Segment]) -> float:
    if len(segments) < 2:
        return 0.0
    return sum(s.evidence for s in segments) / len(segments)


def split_blocks(blocks: list[Block], page_title: str | None = None) -> Split:
    """The best-supported segmentation of a bulletin's body blocks."""
    proposals = []
    for order, rule in enumerate((_by_bullets, _by_titles, _by_attributions)):
        intro, segments = rule(blocks)
        if sum(1 for b in blocks if b.bullet) < 2 and rule is _by_bullets:
            continue
        support = _support(segments)
        proposals.append((support, -order, intro, segments))
    proposals.sort(key=lambda p: (p[0], p[1]), reverse=True)
    if proposals and proposals[0][0] >= 0.5 and sum(s.evidence for s in proposals[0][3]) >= 2:
        support, _, intro, segments = proposals[0]
        confidence = round(0.5 + 0.5 * support, 2)
        for seg in segments:
            seg.confidence = confidence
        return Split(intro, segments, segments[0].rule, confidence)
    return _single(blocks, page_title, unsure=any(p[0] > 0 for p in proposals))


def _single(blocks: list[Block], page_title: str | None, unsure: bool) -> Split:
    """The whole page is one report. Low confidence when some rule saw items it did not trust."""
    segment = Segment(page_title, rule="single-unsure" if unsure else "single", confidence=0.5 if unsure else 1.0)
    for i, block in enumerate(blocks):
        if i == len(blocks) - 1:
            _add(segment, block)  # only the closing paragraph can carry the attribution
        else:
            segment.blocks.append(block.text)
    if segment.title is None and segment.blocks and is_title(blocks[0]):
        segment.title = segment.blocks.pop(0)
    return Split([], [segment] if segment.blocks or segment.title else [], segment.rule, segment.confidence)


def lead_org(segment: Segment) -> str | None:
    """The organisation a report is about, from its title, else its first paragraph."""
    return org_in_text(segment.title) or (org_in_text(segment.blocks[0]) if segment.blocks else None)
