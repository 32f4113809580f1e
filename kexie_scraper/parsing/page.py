"""The parser's public face: one page (bytes or text) → page state, bulletin, articles.

Pure functions, no Scrapy: the spiders, ``kexie split``, re-parsing of archived pages and
the benchmark all call ``parse_page``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from lxml.cssselect import CSSSelector

from ..items import Article, Bulletin, Region
from . import identity, pagestate, regions
from .attribution import org_of_attribution
from .blocks import element_blocks, parse_html, text_blocks
from .decode import decode_html_utf8, looks_binary, non_text_type
from .hanzi import to_simplified
from .layouts import extract_fields
from .metadata import strip_metadata
from .split import Segment, lead_org, split_blocks
from .text import clean_line, hash_form, is_blank
from .urls import canonical_url, canonical_wechat_url, is_safe_http_url

_JS_CONTENT = CSSSelector("#js_content")


# A bulletin has tens of paragraphs (the largest fixture: 27). Splitting costs ~1.5 ms per
# paragraph, so a page of 140,000 (10 MB of one-line items) would take minutes: past this
# many it is no bulletin, and gets the state ``too_large`` instead of a split. With
# DOWNLOAD_MAXSIZE (10 MB) this bounds a page's parse to a few seconds.
MAX_BLOCKS = 2000


@dataclass
class ParseResult:
    page_state: str
    bulletin: Bulletin
    articles: list[Article] = field(default_factory=list)
    layout: str | None = None
    dropped: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "page_state": self.page_state,
            "bulletin": asdict(self.bulletin),
            "articles": [asdict(a) for a in self.articles],
        }


def parse_page(
    data: bytes | str,
    url: str | None = None,
    content_type: str | None = None,
    source: str | None = None,
    is_text: bool = False,
    title_hint: str | None = None,
) -> ParseResult:
    """Parse a bulletin page. ``is_text``: plain text with one paragraph per line.

    ``title_hint``: the title a list page gave the link, used when the page names none.
    """
    bulletin = Bulletin(source=source, url=url, canonical_url=canonical_url(url) if url else None)
    by_url = pagestate.classify_url(url)
    if by_url:  # e.g. WeChat's captcha wall, whatever its body says
        return _empty(bulletin, by_url)
    if isinstance(data, bytes):
        if is_blank(data):
            return _empty(bulletin, pagestate.EMPTY)
        if looks_binary(data) or non_text_type(content_type):
            return _empty(bulletin, pagestate.BINARY)
        text, _, utf8 = decode_html_utf8(data, content_type)
    else:
        text, utf8 = data, None
    if is_blank(text):
        return _empty(bulletin, pagestate.EMPTY)

    if is_text:
        blocks, layout, fields = text_blocks(text), "text", None
    else:
        tree = parse_html(text, utf8)
        if tree is None:
            return _empty(bulletin, pagestate.EMPTY)
        fields = extract_fields(tree, text)
        layout = fields.layout
        if pagestate.is_image_share(text) and not _JS_CONTENT(tree):
            # A WeChat image-share post (item_show_type 8): pictures only, no #js_content.
            return _empty(bulletin, pagestate.NO_CONTENT, layout)
        blocks = element_blocks(fields.content) if fields.content is not None else []
        state = pagestate.classify_text(text, sum(len(b.text) for b in blocks))
        if state != pagestate.OK:
            return _empty(bulletin, state, layout)

    if len(blocks) > MAX_BLOCKS:
        return _empty(bulletin, pagestate.TOO_LARGE, layout)

    blocks, meta = strip_metadata(blocks, with_header=is_text)
    bulletin.title = (fields.title if fields else None) or meta.title or title_hint
    bulletin.published_at = (fields.published_at if fields else None) or meta.published_at
    bulletin.publisher = meta.publisher or (fields.publisher if fields else None)
    bulletin.publisher_alias = meta.publisher_alias or (fields.publisher_alias if fields else None)
    original = meta.original_url or (fields.original_url if fields else None)
    if original and is_safe_http_url(original):
        bulletin.original_url = canonical_wechat_url(original) or canonical_url(original)
    # Content containers often repeat the page headline (and its date line) at the top.
    while blocks and bulletin.title and _same_headline(blocks[0].text, bulletin.title):
        meta.dropped.append(blocks.pop(0).text)
    if not blocks:
        return _empty(bulletin, pagestate.NO_CONTENT, layout, meta.dropped)

    split = split_blocks(blocks, bulletin.title)
    bulletin.intro = "\n".join(split.intro) or None
    bulletin.outro = "\n".join(split.outro) or None
    key = identity.bulletin_key(url, bulletin.original_url)
    bulletin.id = identity.bulletin_id(key) if key else None
    province = regions.province_from_publisher(to_simplified(bulletin.publisher or ""))
    # Each segment's paragraphs are cleaned once, for this test and for the article's body.
    bodies = [(seg, [line for line in map(clean_line, seg.blocks) if line]) for seg in split.segments]
    # A segment with neither title nor body text (a lone credit, punctuation) is no article.
    segments = [(seg, lines) for seg, lines in bodies if seg.title or lines]
    articles = [
        _article(seg, lines, position, bulletin, key, province)
        for position, (seg, lines) in enumerate(segments, start=1)
    ]
    bulletin.article_count = len(articles)
    return ParseResult(pagestate.OK, bulletin, articles, layout, meta.dropped)


def _same_headline(text: str, title: str) -> bool:
    return hash_form(text) == hash_form(title)


def _empty(bulletin: Bulletin, state: str, layout: str | None = None, dropped: list[str] | None = None) -> ParseResult:
    bulletin.page_state = state
    return ParseResult(state, bulletin, [], layout, dropped or [])


def _article(seg: Segment, lines: list[str], position: int, bulletin: Bulletin, key: str, province: str | None) -> Article:
    """``lines``: the segment's paragraphs, cleaned, empty ones left out."""
    body = "\n".join(lines)
    org = org_of_attribution(seg.attribution) or lead_org(seg)
    first = seg.blocks[0] if seg.blocks else None
    texts = [to_simplified(t) if t else t for t in (org, seg.title, seg.attribution, first)]
    region: Region = regions.recognize(texts, province)
    content = identity.content_hash(seg.title, body)
    return Article(
        id=identity.article_id(key, content) if key else None,
        source=bulletin.source,
        bulletin_id=bulletin.id,
        bulletin_url=bulletin.url,
        bulletin_title=bulletin.title,
        position=position,
        title=seg.title,
        body=body,
        attribution=seg.attribution,
        org=org,
        region=region.to_dict(),
        published_at=bulletin.published_at,
        publisher=bulletin.publisher,
        original_url=bulletin.original_url,
        split_rule=seg.rule,
        split_confidence=seg.confidence,
        content_hash=content,
    )
