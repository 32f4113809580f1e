"""Known page layouts, each a declaration of selectors; unknown pages use the generic one.

Following fundus: a layout change on a site adds a new ``Layout`` (``scimall_v2`` …)
ahead of the old one in ``LAYOUTS``, with its own fixture — not an ``if`` inside one.
All selectors for article pages live here so a real capture can replace the guesses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from lxml import etree
from lxml.cssselect import CSSSelector

from . import dates
from .metadata import INFO_LINE_MAX, labelled_source
from .text import clean_line
from .urls import unescape_url


@dataclass
class PageFields:
    """What the page chrome around the content tells us."""

    layout: str
    content: etree._Element | None
    title: str | None = None
    published_at: str | None = None
    publisher: str | None = None
    publisher_alias: str | None = None
    original_url: str | None = None


def _css(*selectors: str) -> tuple[CSSSelector, ...]:
    return tuple(CSSSelector(s) for s in selectors)


def _first_text(tree: etree._Element, selectors: tuple[CSSSelector, ...]) -> str | None:
    for sel in selectors:
        for el in sel(tree):
            value = el.get("content") if el.tag == "meta" else el.text_content()
            value = clean_line(value or "")
            if value:
                return value
    return None


def _first_element(tree: etree._Element, selectors: tuple[CSSSelector, ...]) -> etree._Element | None:
    for sel in selectors:
        found = sel(tree)
        if found:
            return found[0]
    return None


@dataclass(frozen=True)
class Layout:
    name: str
    fingerprint: tuple[CSSSelector, ...]
    content: tuple[CSSSelector, ...]
    title: tuple[CSSSelector, ...]
    date: tuple[CSSSelector, ...] = ()
    publisher: tuple[CSSSelector, ...] = ()
    # Extra fields read from scripts or odd places (WeChat's `var ct`, the profile alias).
    extras: Callable[[etree._Element, str], dict] | None = field(default=None, compare=False)

    def matches(self, tree: etree._Element) -> bool:
        return any(sel(tree) for sel in self.fingerprint)

    def extract(self, tree: etree._Element, raw: str) -> PageFields:
        fields = PageFields(self.name, _first_element(tree, self.content))
        fields.title = _first_text(tree, self.title)
        fields.published_at = _date_of(_first_text(tree, self.date))
        fields.publisher = _source_of(_first_text(tree, self.publisher))
        if self.extras:
            for key, value in self.extras(tree, raw).items():
                if value and not getattr(fields, key):
                    setattr(fields, key, value)
        if not fields.published_at or not fields.publisher:
            line = info_line(tree)
            fields.published_at = fields.published_at or dates.labelled_date(line)
            fields.publisher = fields.publisher or labelled_source(line)
        return fields


# --- The article's info line: `时间:2025年05月19日 | 来源:管理组 | 浏览:` -----------------------
# Read only from a short line that labels its date, so a greeting (`今天是…`) or a date in
# the navigation is never taken for the article's date (sources.md §4.3, §6 item 20).


def _source_of(text: str | None) -> str | None:
    """`来源:XX` or an info line → XX; a bare name stays as it is."""
    if not text:
        return None
    return labelled_source(text) or re.sub(r"^(来源|来自|信息来源)\s*[:：]\s*", "", text) or None


def _date_of(text: str | None) -> str | None:
    if not text:
        return None
    return dates.labelled_date(text) or dates.parse_date(dates.GREETING.sub(" ", text))


_LABEL_NODES = etree.XPath("//body//text()[contains(., '时间') or contains(., '日期')]")


def info_line(tree: etree._Element) -> str | None:
    """The short line around a labelled date (`时间：…`), widened to take in its `来源：…`."""
    for node in _LABEL_NODES(tree):
        lines: list[str] = []
        element = node.getparent()
        for _ in range(3):  # the text's element, its parent, its grandparent (tails sit one level off)
            if element is None or not isinstance(element.tag, str) or element.tag in ("script", "style", "body"):
                break
            text = clean_line(element.text_content())
            if len(text) > INFO_LINE_MAX:
                break
            if dates.labelled_date(text):
                lines.append(text)
            element = element.getparent()
        if lines:
            return next((line for line in lines if labelled_source(line)), lines[0])
    return None


# --- WeChat (mp.weixin.qq.com) -------------------------------------------------------------
# Inline JS: `var ct = "1608818529";`, and the `"" || "value"` idiom for biz/mid/idx/sn.
_JS_CT = re.compile(r"var\s+ct\s*=\s*\"(\d+)\"")
_JS_CREATE = re.compile(r"var\s+(?:createTime|publish_time)\s*=\s*['\"]([^'\"]+)['\"]")
_JS_LINK = re.compile(r"var\s+msg_link\s*=\s*\"([^\"]+)\"")
_ALIAS = CSSSelector("#js_profile_qrcode p.profile_meta")


def _wechat_extras(tree: etree._Element, raw: str) -> dict:
    alias = None
    for meta in _ALIAS(tree):
        label = clean_line(meta.findtext(".//label") or "")
        if label.startswith("微信号"):
            alias = clean_line("".join(meta.xpath(".//span//text()"))) or None
    published = None
    if match := _JS_CT.search(raw):
        published = dates.from_unix(match.group(1))
    if not published and (match := _JS_CREATE.search(raw)):
        published = dates.parse_date(match.group(1))
    link = _JS_LINK.search(raw)
    return {
        "publisher_alias": alias,
        "published_at": published,
        "original_url": unescape_url(link.group(1)) if link else None,
    }


WECHAT_2020 = Layout(
    name="wechat_2020",
    fingerprint=_css("#js_content", "#activity-name"),
    content=_css("#js_content"),
    title=_css("#activity-name", 'meta[property="og:title"]'),
    date=_css("em#publish_time", "em#post-date"),
    publisher=_css("#js_name", "a#post-user", ".profile_nickname"),
    extras=_wechat_extras,
)

# --- 科技工作者之家 (scimall) — modelled, not captured: see fixtures/scimall/README.md ---------
SCIMALL_V1 = Layout(
    name="scimall_v1",
    fingerprint=_css("div.article-detail div.detail-content"),
    content=_css("div.detail-content"),
    title=_css("h1.detail-title", 'meta[property="og:title"]'),
    date=_css(".detail-info .detail-time", ".detail-info"),
    publisher=_css(".detail-source"),
)

# --- Chinese government sites (sources.md §3, §4.2) ------------------------------------------
# jcms, JPAAS and TRS article pages carry the 政府网站 metadata: ArticleTitle, PubDate
# (`YYYY-MM-DD HH:mm[:ss]`) and ContentSource. Pages without them fall back to the info line.
_GOV_TITLE = ('meta[name="ArticleTitle"]', "h1")
_GOV_DATE = ('meta[name="PubDate"]',)
_GOV_SOURCE = ('meta[name="ContentSource"]',)

# Hanweb jcms and JPAAS (中国科协, 浙江, 北京 …): the body is #zoom; JPAAS variants add
# `.bt-content.zoom.jpaas-ai-content`.
HANWEB = Layout(
    name="hanweb",
    fingerprint=_css("#zoom", ".bt-content.zoom"),
    content=_css("#zoom", ".bt-content.zoom"),
    title=_css(*_GOV_TITLE),
    date=_css(*_GOV_DATE),
    publisher=_css(*_GOV_SOURCE),
)

# TRS WCM (内蒙古 …): the editor's own container, often with a <style> block inside.
TRS = Layout(
    name="trs",
    fingerprint=_css("div.TRS_Editor", "div.TRS_UEDITOR", "div.trs_editor_view"),
    content=_css("div.TRS_Editor", "div.TRS_UEDITOR", "div.trs_editor_view"),
    title=_css(*_GOV_TITLE),
    date=_css(*_GOV_DATE),
    publisher=_css(*_GOV_SOURCE),
)

# 四川省科协 (www.sckx.org.cn): the whole div.center-content is the body (sources.md §4.3 [D]);
# the headline and the `发布时间：… 来源：…` line inside it are our model [G] and are
# dropped from the body by the parser (repeated headline, info line).
SCKX_V1 = Layout(
    name="sckx_v1",
    fingerprint=_css("div.center-content .news-info"),
    content=_css("div.center-content"),
    title=_css('meta[name="ArticleTitle"]', "div.center-content h2", "div.center-content h1"),
    date=_css('meta[name="PubDate"]', "div.center-content .news-info"),
    publisher=_css('meta[name="ContentSource"]', "div.center-content .news-info"),
)

LAYOUTS: tuple[Layout, ...] = (SCIMALL_V1, WECHAT_2020, SCKX_V1, TRS, HANWEB)


# --- Generic fallback -----------------------------------------------------------------------
_CANDIDATES = CSSSelector("article, main, section, div, td")
_GENERIC_TITLE = _css('meta[name="ArticleTitle"]', 'meta[property="og:title"]', "h1", "h2", "title")
_GENERIC_DATE = _css('meta[name="PubDate"]', 'meta[property="article:published_time"]', 'meta[name="publishdate"]')
_GENERIC_SOURCE = _css('meta[name="ContentSource"]')
# `标题-某某科协` / `标题_某某网`: a site name after the headline in <title> only.
_TITLE_SUFFIX = re.compile(r"\s*[-_|]+\s*[^-_|]{2,20}(?:网|科协|政府|门户|官网|之家|协会|平台)\s*$")


def _paragraph_score(el: etree._Element) -> int:
    """Text held directly in this element's paragraph-like children: the densest wins."""
    score = 0
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in ("p", "section", "br") or (tag == "div" and len(child) <= 3):
            text = child.text_content()
            links = sum(len(a.text_content()) for a in child.iter("a"))
            score += max(0, len(text.strip()) - 2 * links)
    return score


def generic(tree: etree._Element, raw: str) -> PageFields:
    best, best_score = None, 0
    for el in _CANDIDATES(tree):
        score = _paragraph_score(el)
        if score > best_score:
            best, best_score = el, score
    body = tree.find("body")
    fields = PageFields("generic", best if best is not None else body)
    title = _first_text(tree, _GENERIC_TITLE)
    fields.title = _TITLE_SUFFIX.sub("", title) if title else None
    line = info_line(tree)
    fields.published_at = _date_of(_first_text(tree, _GENERIC_DATE)) or dates.labelled_date(line)
    if not fields.published_at and body is not None:
        fields.published_at = dates.parse_date(dates.GREETING.sub(" ", body.text_content()[:3000]))
    fields.publisher = _first_text(tree, _GENERIC_SOURCE) or labelled_source(line)
    return fields


def extract_fields(tree: etree._Element, raw: str) -> PageFields:
    for layout in LAYOUTS:
        if layout.matches(tree):
            return layout.extract(tree, raw)
    return generic(tree, raw)
