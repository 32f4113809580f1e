"""Blocks → items: cut one bulletin into its regional reports.

Each splitting rule proposes a segmentation; a segmentation is believed in proportion to
the share of its segments that carry *evidence* of being a separate report (an
attribution, or a headline naming an organisation or a place). The best-supported
proposal wins; when none is supported the page stays one item, flagged with a low
confidence when some rule saw structure it did not trust.

Splitting loses and duplicates no text: every block ends up, in order, in exactly one of
the intro, a headline, a body, an attribution, the ``removed`` markers (bullets,
enumerators, 本报讯, 又讯) or ``dropped`` furniture. ``Split.pieces`` lists them all, and
the property tests hold the splitter to it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from . import regions
from .attribution import (
    attribution_line,
    is_place_name,
    lead_attribution,
    org_in_text,
    org_of_attribution,
    trailing_attribution,
)
from .blocks import BULLETS, Block
from .hanzi import to_simplified
from .memo import text_cache

_SENTENCE_PUNCT = re.compile(r"[。！？；!?;]")
_TITLE_END_BAD = tuple("，,、：:；;（(“")
# Sub-headings and list items inside one report: 一、 (一) 1. 1、 第一 一是 一要 …
_ENUMERATOR = re.compile(
    r"^(?:[一二三四五六七八九十]+\s*[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+\s*[、.．](?!\d)|第[一二三四五六七八九十]+[、，,]?)\s*"
)
_ENUM_WORD = re.compile(r"^[一二三四五六七八九十]+[是要]")
_YOUXUN = re.compile(r"^又讯\s*[:：]\s*")
_LABEL_LINE = re.compile(r"^【[^】]{1,30}】\s*[:：]?$")
_MAX_HEADLINE_LINES = 3


_FIRST_CLAUSE = re.compile(r"^[^，,。；;：:]{0,40}[，,。；;：:]?[^，,。；;]{0,30}")


def _lead_names_org(text: str) -> bool:
    """`9月18日，名山区科协在蒙顶山举办…`: the report's organisation stands in its first clauses."""
    match = _FIRST_CLAUSE.match(to_simplified(text))
    return bool(match and org_in_text(match.group(0)))


@lru_cache(maxsize=4096)
def _names_place(text: str) -> bool:
    """Does this short line name a place or a named organisation?"""
    simple = to_simplified(text)
    return bool(org_in_text(simple)) or bool(regions.place_mentions(simple))


def _without(whole: str, part: str) -> str:
    """What is left of ``whole`` once ``part`` (the attribution kept as a field) is taken out."""
    return whole.replace(part, "", 1)


@dataclass
class Segment:
    title: str | None = None
    blocks: list[str] = field(default_factory=list)
    attribution: str | None = None
    rule: str = "single"
    confidence: float = 1.0
    headline: list[str] = field(default_factory=list)  # the raw lines the title was made of
    removed: list[str] = field(default_factory=list)  # markers stripped off (bullets, 又讯, 本报讯 …)
    evidence: bool = False

    def close(self) -> "Segment":
        """Peel the attribution off the closing paragraph, or off the opening one."""
        if self.blocks:
            line = attribution_line(self.blocks[-1])
            trailing = None if line else trailing_attribution(self.blocks[-1])
            if line:
                self.attribution = line
                self.removed.append(_without(self.blocks.pop(), line))
            elif trailing:
                body, self.attribution = trailing
                self.removed.append(_without(self.blocks[-1][len(body):], self.attribution))
                self.blocks[-1] = body
        if self.blocks and not self.attribution:
            line = attribution_line(self.blocks[0])
            lead = None if line else lead_attribution(self.blocks[0])
            if line and len(self.blocks) > 1:  # a credit right under the headline
                self.attribution = line
                self.removed.append(_without(self.blocks.pop(0), line))
            elif lead:
                prefix, self.attribution = lead
                self.removed.append(_without(prefix, self.attribution))
                self.blocks[0] = self.blocks[0][len(prefix):]
        self.blocks = [b for b in self.blocks if b]
        if self.attribution or (self.title and _names_place(self.title)):
            self.evidence = True
        elif self.rule in ("bullets", "briefs", "separators") and self.blocks and _lead_names_org(self.blocks[0]):
            self.evidence = True  # a marked or one-paragraph report that opens with its organisation
        return self


@dataclass
class Split:
    intro: list[str]
    segments: list[Segment]
    rule: str
    confidence: float
    dropped: list[str] = field(default_factory=list)
    outro: list[str] = field(default_factory=list)  # closing paragraphs that belong to no item

    def pieces(self) -> list[str]:
        """Every piece of text the split accounts for, in document order (for the invariant)."""
        out = list(self.intro)
        for seg in self.segments:
            out += seg.headline + seg.removed + seg.blocks
            if seg.attribution:
                out.append(seg.attribution)
        return out + self.outro + self.dropped


def is_title(text: str) -> bool:
    """A short line that reads as a headline rather than a sentence."""
    if len(text) == 2:  # 曲靖, 九江: a two-character headline is a place label or nothing
        return _is_place_label(text)
    if not 3 <= len(text) <= 48 or text.endswith(_TITLE_END_BAD) or _SENTENCE_PUNCT.search(text):
        return False
    if _LABEL_LINE.match(text):  # `【南充】` heads a place's report; `【县科协干部 某某】：` labels a speaker
        return text.startswith("【") and text.endswith("】") and _is_place_label(text[1:-1].strip())
    if _ENUM_WORD.match(text) or attribution_line(text):
        return False
    if _ENUMERATOR.match(text):  # `（一）青羊区科协（3项）` heads an item; `一、聚焦主业` is a sub-heading
        return _names_place(_ENUMERATOR.sub("", text))
    return True


def _headline(lines: list[str]) -> tuple[str, list[str]]:
    """The title of a headline group, and what was stripped to make it."""
    removed = []
    parts = []
    for line in lines:
        enum = _ENUMERATOR.match(line)
        if enum:
            removed.append(enum.group(0))
            line = line[enum.end():]
        parts.append(line)
    return " ".join(parts), removed


def _by_titles(blocks: list[Block]) -> tuple[list[str], list[Segment], list[str]]:
    """Titled items: a headline (1–3 lines), then its paragraphs (the seed's format)."""
    intro: list[str] = []
    segments: list[Segment] = []
    dropped: list[str] = []
    texts = [b.text for b in blocks]
    titles = [is_title(t) and not b.bullet for t, b in zip(texts, blocks)]
    i = 0
    current: Segment | None = None
    styles: set[tuple] = set()  # how the headlines that opened items look (bold, centred, size)
    while i < len(blocks):
        j = i
        while j < len(blocks) and titles[j] and j - i < _MAX_HEADLINE_LINES:
            j += 1
        group = texts[i:j]
        has_body = j < len(blocks) and not titles[j]
        # A line styled like the headlines that opened items, over a paragraph that opens
        # with another organisation, opens an item even when it names no place itself.
        style = _style(blocks[i])
        looks_like_headline = (
            group and has_body and current is not None and style is not None and style in styles
            and _style(blocks[j]) != style and _new_org(texts[j], current)
        )
        if group and has_body and (_opens_item(group, current) or looks_like_headline):
            if style is not None:
                styles.add(style)
            if current is not None:
                current.close()
            title, removed = _headline(group)
            current = Segment(title, rule="titled", headline=[title], removed=removed)
            segments.append(current)
            i = j
            continue
        if group and not has_body and j == len(blocks) and current is not None and _is_closed(current):
            dropped += group  # a trailing headline with no body: the next article's teaser
            break
        if current is None:
            intro.append(texts[i])
        elif _is_closed(current) and _closes(texts[i]) and not attribution_line(texts[i]):
            current.close()  # a complete untitled brief between titled items is an item of its own
            current = Segment(rule="titled", blocks=[texts[i]])
            segments.append(current)
        else:
            current.blocks.append(texts[i])
        i += 1
    if current is not None:
        current.close()
    return intro, segments, dropped


def _new_org(text: str, current: Segment) -> bool:
    """Does ``text`` open with an organisation other than the one ``current`` is about?"""
    lead = _lead_org_of(text)
    if not lead:
        return False
    known = [o for o in (org_in_text(to_simplified(current.title or "")), org_of_attribution(current.attribution)) if o]
    known += [o for o in (_lead_org_of(b) for b in current.blocks[:1]) if o]
    return bool(known) and not any(_same_org(lead, o) for o in known)


def _style(block: Block) -> tuple | None:
    """How a marked line looks (bold, centred, heading level, size); None for plain text."""
    if not (block.bold or block.center or block.heading):
        return None
    return (block.bold, block.center, block.heading, block.font_size)


@text_cache()
def _closes(text: str) -> bool:
    return bool(attribution_line(text) or trailing_attribution(text))


def _is_closed(segment: Segment) -> bool:
    last = segment.blocks[-1] if segment.blocks else ""
    return bool(segment.attribution or _closes(last))


def _opens_item(group: list[str], current: Segment | None) -> bool:
    """A headline opens a new item if it names a place/organisation, or the item before
    it has closed with an attribution, or it is the first one on the page."""
    if current is None or _is_closed(current):
        return True
    return any(_names_place(line) for line in group)


def _segment_at(
    blocks: list[Block], opens: Callable[[int, Block], Segment | None]
) -> tuple[list[str], list[Segment]]:
    """Cut ``blocks`` where ``opens(i, block)`` returns a segment (which keeps what it wants
    of its opening block); blocks before the first one are the intro."""
    intro: list[str] = []
    segments: list[Segment] = []
    current: Segment | None = None
    for i, block in enumerate(blocks):
        opened = opens(i, block)
        if opened is not None:
            if current is not None:
                current.close()
            current = opened
            segments.append(current)
        elif current is None:
            intro.append(block.text)
        else:
            current.blocks.append(block.text)
    if current is not None:
        current.close()
    return intro, segments


def _by_bullets(blocks: list[Block]) -> tuple[list[str], list[Segment], list[str]]:
    """Bulleted briefs: each ◆/●/▲/△/• line opens an item (a headline when short).

    Only the page's first marker opens items: a second marker (● under ★) marks
    sub-points inside an item.
    """
    primary = next(b.bullet for b in blocks if b.bullet)

    def opens(i: int, block: Block) -> Segment | None:
        if block.bullet != primary:
            return None
        marker, text = block.text[0], block.text[1:].strip()
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        segment = Segment(rule="bullets", removed=[marker])
        if is_title(text) and nxt is not None and nxt.bullet != primary:
            segment.title, segment.headline = text, [text]
        elif (pair := _title_and_body(text)) is not None:
            segment.title, body = pair
            segment.headline = [segment.title]
            segment.blocks.append(body)
        elif text:
            segment.blocks.append(text)
        return segment

    intro, segments = _segment_at(blocks, opens)
    return intro, segments, []


_DATE_LEAD = re.compile(r"^\d|^(?:近日|日前|近期|今年|今日|昨日|昨天|本月|本周|上周|上月|上午|下午|当天|近年)")


def _title_and_body(text: str) -> tuple[str, str] | None:
    """`标题 3月5日，…`: a headline and its body on one line, parted by a space."""
    head, sep, rest = text.partition(" ")
    if not sep or not rest or not 6 <= len(head) <= 40 or _DATE_LEAD.match(head) or not is_title(head):
        return None
    if not _SENTENCE_PUNCT.search(rest):
        return None
    return head, rest


def _by_attributions(blocks: list[Block]) -> tuple[list[str], list[Segment], list[str]]:
    """Untitled briefs: an item ends where an attribution closes a paragraph."""
    intro: list[str] = []
    segments: list[Segment] = []
    current = Segment(rule="briefs")
    for block in blocks:
        text = block.text
        if not segments and not current.blocks and text.endswith(("：", ":")):
            intro.append(text)  # `现将有关情况摘编如下：` introduces, it is not an item
            continue
        current.blocks.append(text)
        if attribution_line(text) or trailing_attribution(text):
            segments.append(current.close())
            current = Segment(rule="briefs")
    if current.blocks:
        segments.append(current.close())
    # One-paragraph briefs after a first item of several paragraphs: its leading ones introduce.
    if len(segments) >= 3 and len(segments[0].blocks) > 1:
        sizes = sorted(len(seg.blocks) for seg in segments[1:])
        if sizes[len(sizes) // 2] == 1:
            extra = len(segments[0].blocks) - 1
            intro += segments[0].blocks[:extra]
            segments[0].blocks = segments[0].blocks[extra:]
    segments = [part for seg in segments for part in _cut_before_credited(seg)]
    # Among one-paragraph briefs, a brief that lacks a credit glues onto the next one: cut
    # again where a paragraph opens with its own organisation.
    if len(segments) >= 3 and sorted(len(s.blocks) for s in segments)[len(segments) // 2] == 1:
        recut: list[Segment] = []
        for seg in segments:
            starts = [i for i, b in enumerate(seg.blocks) if i > 0 and _lead_names_org(b)]
            if not starts or (seg is segments[0] and len(seg.blocks) - 1 == len(starts) == 0):
                recut.append(seg)
                continue
            bounds = [0] + starts + [len(seg.blocks)]
            for n, (a, b) in enumerate(zip(bounds, bounds[1:])):
                part = seg if n == len(bounds) - 2 else Segment(rule="briefs")
                part_blocks = seg.blocks[a:b]
                if part is seg:
                    seg.blocks = part_blocks
                    recut.append(seg)
                else:
                    recut.append(Segment(rule="briefs", blocks=part_blocks).close())
        segments = recut
    return intro, segments, []


# Cached: the titled and briefs rules ask it of the same paragraphs (text_cache).
@text_cache()
def _lead_org_of(text: str) -> str | None:
    match = _FIRST_CLAUSE.match(to_simplified(text))
    return org_in_text(match.group(0)) if match else None


def _same_org(a: str, b: str) -> bool:
    return a.endswith(b) or b.endswith(a)  # 台州市黄岩区科协 is 黄岩区科协


def _cut_before_credited(seg: Segment) -> list[Segment]:
    """A brief without a credit glued before a credited one: the credit names organisation X,
    the paragraphs open with organisation Y, and a later paragraph opens with X — the
    paragraphs before that one are Y's own item."""
    credited = org_of_attribution(seg.attribution)
    first = _lead_org_of(seg.blocks[0]) if len(seg.blocks) > 1 else None
    if not credited or not first or _same_org(first, credited):
        return [seg]
    for k in range(1, len(seg.blocks)):
        lead = _lead_org_of(seg.blocks[k])
        if lead and _same_org(lead, credited):
            head = Segment(rule=seg.rule, blocks=seg.blocks[:k]).close()
            seg.blocks = seg.blocks[k:]
            return [head, seg]
    return [seg]


def _by_lead_attributions(blocks: list[Block]) -> tuple[list[str], list[Segment], list[str]]:
    """Items that open with their credit: `（通讯员 王芳）3月1日，…`, `本报讯（记者 甲）…`."""

    def opens(_: int, block: Block) -> Segment | None:
        # The credit stays in the block: Segment.close peels it off as the attribution.
        if lead_attribution(block.text):
            return Segment(rule="lead-attribution", blocks=[block.text])
        return None

    intro, segments = _segment_at(blocks, opens)
    return intro, segments, []


def _split_youxun(segments: list[Segment]) -> list[Segment]:
    """`又讯：` opens another item inside whatever item it appears in."""
    out: list[Segment] = []
    for seg in segments:
        cuts = [i for i, b in enumerate(seg.blocks) if _YOUXUN.match(b)]
        if not cuts:
            out.append(seg)
            continue
        bounds = ([0] if cuts[0] else []) + cuts + [len(seg.blocks)]
        blocks, attribution = seg.blocks, seg.attribution
        for n, (a, b) in enumerate(zip(bounds, bounds[1:])):
            part = seg if n == 0 else Segment(rule=seg.rule)
            part.blocks = blocks[a:b]
            marker = _YOUXUN.match(part.blocks[0])
            if marker:
                part.removed.append(marker.group(0))
                part.blocks[0] = part.blocks[0][marker.end():]
            if b == len(blocks):
                part.attribution = attribution
            else:
                part.attribution = None
                part.close()
            part.evidence = part.evidence or bool(part.attribution) or bool(marker)
            out.append(part)
    return out


# A paragraph that speaks for every organisation of the bulletin: `全国科普日期间，全省各级科协
# 共组织…`, `下一步，各地科协将…`.
_WHOLE_SCOPE = re.compile(r"^[^。！？]{0,16}?(?:全省|全市|全区|全州|全盟|全县|全国|各地|各级|各市|各县)(?:各级|各地|各)?(?:科协|科协组织)")


def _take_summary(segments: list[Segment]) -> list[str]:
    """The closing paragraph of the last item that speaks for the whole bulletin (all the
    province's 科协) is no part of that item."""
    if len(segments) < 2 or segments[-1].attribution:
        return []
    last = segments[-1]
    if len(last.blocks) < 2 or not _WHOLE_SCOPE.match(to_simplified(last.blocks[-1])):
        return []
    summary = [last.blocks.pop()]
    last.close()  # the item's credit may stand right before the summary
    return summary


def _take_outro(segments: list[Segment]) -> list[str]:
    """Closing paragraphs after the last item's credit (`下一步，全省各级科协将……`) belong to
    no item — when the items before were closed by credits too."""
    if len(segments) < 2 or segments[-1].attribution:
        return []
    summary = _take_summary(segments)
    if summary:
        return summary
    earlier = segments[:-1]
    if sum(1 for s in earlier if s.attribution) < 0.5 * len(earlier):
        return []
    last = segments[-1]
    ends = [i for i, b in enumerate(last.blocks) if _closes(b)]
    if not ends or len(last.blocks) - 1 - ends[-1] > 2:
        return []
    k = ends[-1]
    outro, last.blocks = last.blocks[k + 1 :], last.blocks[: k + 1]
    last.close()
    return outro


_PLACE_LABEL = re.compile(r"^([\u4e00-\u9fff]{2,7})\s*[:：]\s*(?=\S)")
# `朝阳区科协 6月20日，朝阳区科协…`: an organisation's name, a space, then its report.
_ORG_HEAD = re.compile(r"^([\u4e00-\u9fff]{3,24})(?:\s*[:：]\s*|[\s\u3000]+)(?=\S)")


def _is_org_name(text: str) -> bool:
    """The whole text is one named organisation: 朝阳区科协, 恭城瑶族自治县科协."""
    return org_in_text(to_simplified(text)) == to_simplified(text)


def _is_place_label(text: str) -> bool:
    """The whole text is one place name: 南昌, 九江市, 青白江区."""
    return is_place_name(text)


def _by_place_labels(blocks: list[Block]) -> tuple[list[str], list[Segment], list[str]]:
    """`南昌：6月14日，南昌县科协…`: each report opens with its place and a colon, or with its
    organisation's name and a space or colon (`朝阳区科协 6月20日，…`)."""

    def opens(_: int, block: Block) -> Segment | None:
        match = _PLACE_LABEL.match(block.text)
        if not (match and _is_place_label(match.group(1))):
            match = _ORG_HEAD.match(block.text)
            if not (match and _is_org_name(match.group(1)) and _SENTENCE_PUNCT.search(block.text[match.end():])):
                return None
        label = match.group(1)
        segment = Segment(label, rule="place-labels", headline=[label], removed=[match.group(0)[len(label):]])
        segment.blocks.append(block.text[match.end():])
        return segment

    intro, segments = _segment_at(blocks, opens)
    return intro, segments, []


# A line of nothing but ornaments (`＊ ＊ ＊`, `* * *`, `———`, `◇◇◇`) parts two reports.
_SEPARATOR = re.compile(r"^[\s＊*※✱✳❋§◇◆○●☆★·•~～=＝#＃—–_\-]{1,30}$")


def is_separator(text: str) -> bool:
    return bool(_SEPARATOR.match(text)) and bool(text.strip())


def _by_separators(blocks: list[Block]) -> tuple[list[str], list[Segment], list[str]]:
    """Reports parted by ornament lines: each run between two separators is one item (a
    headline when its first line reads as one); the separators are dropped."""
    segments: list[Segment] = []
    dropped: list[str] = []
    groups: list[list[str]] = [[]]
    for block in blocks:
        if is_separator(block.text):
            dropped.append(block.text)
            groups.append([])
        else:
            groups[-1].append(block.text)
    for group in groups:
        if not group:
            continue
        segment = Segment(rule="separators", blocks=group)
        if len(group) > 1 and is_title(group[0]):
            title, segment.removed = _headline([group[0]])
            segment.title, segment.headline = title, [title]
            segment.blocks = group[1:]
        segments.append(segment.close())
    return [], segments, dropped


_RULES = (
    ("separators", _by_separators),
    ("bullets", _by_bullets),
    ("place-labels", _by_place_labels),
    ("titled", _by_titles),
    ("lead-attribution", _by_lead_attributions),
    ("briefs", _by_attributions),
)


# Whether _best_split stops at the first proposal with support 1.0 (the result is the same;
# tests turn it off to compare against every rule run).
STOP_WHEN_CERTAIN = True


def _support(segments: list[Segment]) -> float:
    if len(segments) < 2:
        return 0.0
    return sum(s.evidence for s in segments) / len(segments)


_CAPTION = re.compile(r"^(?:[(（]?\s*(?:图为|图：|图片：|上图|下图|左图|右图)|(?:图|照片)\s*\d+\s*[:：、]?)")
_CAPTION_MARK = "▲△↑"


def is_caption(text: str) -> bool:
    """Photo captions: `图为活动现场。`, `（图为……）`, `▲活动现场` (a ▲ line naming no place)."""
    if len(text) > 80:
        return False
    text = to_simplified(text)  # 圖為… too
    if _CAPTION.match(text):
        return True
    if text[0] in _CAPTION_MARK:
        rest = text[1:].strip()
        return bool(rest) and len(rest) <= 30 and not _SENTENCE_PUNCT.search(rest) and not _names_place(rest)
    return False


def _is_image_caption(block: Block) -> bool:
    """The short centred line right under a picture (`推进会现场`), not bold, no sentence, no
    credit, naming no organisation (a headline under a banner picture would)."""
    text = block.text
    if not (block.after_image and block.center) or block.bold or block.heading or len(text) > 40:
        return False
    if _SENTENCE_PUNCT.search(text) or attribution_line(text):
        return False
    return text[0] in _CAPTION_MARK or not org_in_text(to_simplified(text))


def _is_caption_block(block: Block) -> bool:
    return is_caption(block.text) or _is_image_caption(block)


def split_blocks(blocks: list[Block], page_title: str | None = None) -> Split:
    """The best-supported segmentation of a bulletin's body blocks."""
    captions = [b.text for b in blocks if _is_caption_block(b)]
    if captions:
        blocks = [b for b in blocks if not _is_caption_block(b)]
    split = _best_split(blocks, page_title)
    split.dropped += captions
    return split


def _toc_end(texts: list[str]) -> int:
    """Where a table of contents at the top of the page ends (0 when there is none): two or
    more short lines in a row, each repeated further down as a headline (enumerators and
    bullets aside),
    after at most two lines (`本期要点`) that head it."""
    # A contents needs two short lines in a row among the first four; most pages open
    # with paragraphs, and then no line's key need be made.
    if not any(len(texts[i]) <= 48 and len(texts[i + 1]) <= 48 for i in range(min(3, len(texts) - 1))):
        return 0
    return _toc_scan(texts)


def _toc_scan(texts: list[str]) -> int:
    """``_toc_end`` without its shortcut (tests/test_fast_paths.py compares the two)."""
    keys = [_ENUMERATOR.sub("", t.lstrip(BULLETS).strip()).strip() for t in texts]
    last = {key: i for i, key in enumerate(keys)}  # linear, however many lines repeat
    for start in range(min(3, len(texts))):
        end = start
        while end < len(texts) and len(texts[end]) <= 48 and keys[end] and last[keys[end]] > end:
            end += 1
        if end - start >= 2 and all(last[key] >= end for key in keys[start:end]):
            return end
    return 0


def _best_split(blocks: list[Block], page_title: str | None) -> Split:
    proposals = []
    separators = [b.text for b in blocks if is_separator(b.text)]
    whole = [b for b in blocks if not is_separator(b.text)] if separators else blocks
    # A table of contents at the top introduces the page: every rule reads what follows it.
    toc = _toc_end([b.text for b in whole])
    contents, plain = [b.text for b in whole[:toc]], whole[toc:]
    cut = next(i for i, b in enumerate(blocks) if b is whole[toc - 1]) + 1 if toc else 0
    bullets = sum(1 for b in plain if b.bullet)
    for order, (name, rule) in enumerate(_RULES):
        if (name == "bullets" and bullets < 2) or (name == "separators" and not separators):
            continue
        if name == "separators":
            intro, segments, dropped = rule(blocks[cut:])
            dropped = [b.text for b in blocks[:cut] if is_separator(b.text)] + dropped
        else:  # the other rules read the page without its ornament lines
            intro, segments, dropped = rule(plain)
            dropped = dropped + separators
        segments = _split_youxun(segments)
        outro = _take_outro(segments)
        support = _support(segments)
        proposals.append((support, -order, contents + intro, segments, dropped, outro))
        if support == 1.0 and STOP_WHEN_CERTAIN:
            # Every item carries evidence: no later rule can do better, and a tie goes to
            # the earlier rule, so this proposal wins whatever the others would say.
            break
    proposals.sort(key=lambda p: (p[0], p[1]), reverse=True)
    if proposals:
        support, _, intro, segments, dropped, outro = proposals[0]
        if support >= 0.5 and sum(s.evidence for s in segments) >= 2:
            confidence = round(0.5 + 0.5 * support, 2)
            for seg in segments:
                seg.confidence = confidence
            return Split(intro, segments, segments[0].rule, confidence, dropped, outro)
    single = _single(whole, page_title, unsure=any(p[0] > 0 for p in proposals))
    single.dropped += separators
    return single


def _single(blocks: list[Block], page_title: str | None, unsure: bool) -> Split:
    """The whole page is one report. Low confidence when some rule saw items it did not trust."""
    segment = Segment(page_title, rule="single-unsure" if unsure else "single", confidence=0.5 if unsure else 1.0)
    segment.blocks = [b.text for b in blocks]
    if segment.title is None and len(blocks) > 1 and is_title(blocks[0].text):
        segment.title = segment.blocks.pop(0)
        segment.headline = [segment.title]
    segment.close()
    if segment.blocks or segment.title:
        return Split([], [segment], segment.rule, segment.confidence)
    # Nothing but a credit line: no article, and the text is kept as dropped.
    return Split([], [], segment.rule, segment.confidence, segment.removed + [segment.attribution or ""])


def lead_org(segment: Segment) -> str | None:
    """The organisation a report is about, from its title, else its first paragraph."""
    for text in (segment.title, segment.blocks[0] if segment.blocks else None):
        if text:
            org = _org_as_written(text)
            if org:
                return org
    return None


def _org_as_written(text: str) -> str | None:
    """org_in_text on the simplified form, sliced from the text as written."""
    simple = to_simplified(text)
    org = org_in_text(simple)
    if org is None or simple is text:
        return org
    start = simple.find(org)
    return text[start : start + len(org)] if start >= 0 else org
