"""Known page layouts, each a declaration of selectors; unknown pages use the generic one.

Following fundus: a layout change on a site adds a new ``Layout`` (``scimall_v2`` …)
ahead of the old one in ``LAYOUTS``, with its own fixture — not an ``if`` inside one.
All selectors for article pages live here so a real capture can replace the guesses.
"""

from __future__ import annotations

import html
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


def _first_text(tree: etree._Element, selectors: tuple[CSSSelector, ...], select: Callable | None = None) -> str | None:
    for sel in selectors:
        for el in (select(sel) if select else sel(tree)):
            value = el.get("content") if el.tag == "meta" else el.text_content()
            value = clean_line(value or "")
            if value:
                return value
    return None


def _first_element(tree: etree._Element, selectors: tuple[CSSSelector, ...], select: Callable | None = None) -> etree._Element | None:
    for sel in selectors:
        found = select(sel) if select else sel(tree)
        if found:
            return found[0]
    return None


# Fields where a layout's script-read value beats its selector-read value (``extras_first``).
_EXTRAS_WIN = frozenset(("published_at", "original_url", "publisher_alias"))


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
    # Whether ``extras`` outrank the selectors (WeChat: `var ct` beats an empty or date-only
    # visible date) or only fill what the selectors left empty.
    extras_first: bool = False

    def matches(self, tree: etree._Element) -> bool:
        return any(sel(tree) for sel in self.fingerprint)

    def extract(self, tree: etree._Element, raw: str, select: Callable | None = None) -> PageFields:
        """``select(sel)``: what ``sel(tree)`` gives (a _DivPlan's answer), if not sel(tree) itself."""
        fields = PageFields(self.name, _first_element(tree, self.content, select))
        fields.title = _first_text(tree, self.title, select)
        fields.published_at = _date_of(_first_text(tree, self.date, select))
        fields.publisher = _source_of(_first_text(tree, self.publisher, select))
        if self.extras:
            for key, value in self.extras(tree, raw).items():
                if value and (not getattr(fields, key) or (self.extras_first and key in _EXTRAS_WIN)):
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


# --- WeChat (mp.weixin.qq.com), design/sources.md §2.2 -------------------------------------
# The visible date (`em#publish_time`) is empty in the server HTML; the reliable one is in
# inline JS: `var ct = "1608818529";` (unix), `var createTime = '2020-12-24 22:02'`, and on
# 2018 pages `var publish_time = "2018-09-14" || "";`. JS strings use the `"" || "value"`
# idiom, so a variable's value is its first non-empty literal.
_JS_STRING = r"(?:\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*')"
_JS_LITERAL = re.compile(_JS_STRING)
_ALIAS = CSSSelector("#js_profile_qrcode p.profile_meta, .profile_meta")


def _js_var(raw: str, name: str) -> str | None:
    """The first non-empty string literal assigned to ``var name`` (skipping `"" ||`)."""
    pattern = re.compile(rf"var\s+{name}\s*=\s*((?:{_JS_STRING}\s*(?:\|\|\s*)?)+)")
    for match in pattern.finditer(raw):
        for literal in _JS_LITERAL.findall(match.group(1)):
            value = _js_unescape(literal[1:-1]).strip()
            if value:
                return value
    return None


def _js_unescape(value: str) -> str:
    """`\\x0a`, `\\x26`, `\\u4e2d`, `\\"` and HTML entities inside JS strings."""
    value = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), value)
    value = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), value)
    value = re.sub(r"\\(.)", r"\1", value)
    return html.unescape(value)


def _wechat_link(raw: str) -> str | None:
    link = _js_var(raw, "msg_link")
    if link:
        return unescape_url(link)
    parts = {k: _js_var(raw, k) for k in ("biz", "mid", "idx", "sn")}
    if parts["biz"] and parts["mid"] and parts["idx"]:
        query = f"__biz={parts['biz']}&mid={parts['mid']}&idx={parts['idx']}" + (f"&sn={parts['sn']}" if parts["sn"] else "")
        return "https://mp.weixin.qq.com/s?" + query
    return None


def _wechat_extras(tree: etree._Element, raw: str) -> dict:
    alias = None
    for meta in _ALIAS(tree):
        label = clean_line(meta.findtext(".//label") or "")
        if label.startswith("微信号"):
            alias = clean_line("".join(meta.xpath(".//span//text()"))) or None
            break
    published = dates.from_unix(_js_var(raw, "ct"))
    for name in ("createTime", "publish_time"):
        published = published or dates.parse_date(_js_var(raw, name))
    title = _js_var(raw, "msg_title")
    return {
        "title": clean_line(title) if title else None,
        "publisher": clean_line(_js_var(raw, "nickname") or "") or None,
        "publisher_alias": alias,
        "published_at": published,
        "original_url": _wechat_link(raw),
    }


# The 2018 layout: h2 title, `a#post-user` account name, `em#post-date` YYYY-MM-DD.
WECHAT_2018 = Layout(
    name="wechat_2018",
    fingerprint=_css("a#post-user", "em#post-date"),
    content=_css("#js_content"),
    title=_css("#activity-name", "h2.rich_media_title", 'meta[property="og:title"]'),
    publisher=_css("a#post-user", ".profile_nickname"),
    extras=_wechat_extras,
    extras_first=True,
)

# 2020 and later: h1 title, `#js_name` inside `#profileBt`, date only in JS.
WECHAT_2020 = Layout(
    name="wechat_2020",
    fingerprint=_css("#js_content", "#activity-name"),
    content=_css("#js_content"),
    title=_css("#activity-name", 'meta[property="og:title"]'),
    date=_css("em#publish_time", "em#post-date"),
    publisher=_css("#js_name", ".wx_follow_nickname", ".profile_nickname"),
    extras=_wechat_extras,
    extras_first=True,
)

# --- 科技工作者之家 (scimall) — modelled, not captured: see fixtures/scimall/README.md ---------
SCIMALL_V1 = Layout(
    name="scimall_v1",
    fingerprint=_css("div.article-detail div.detail-content"),
    content=_css("div.detail-content"),
    # Tag-qualified: a bare class selector tests the class of every element (~0.1 ms a
    # page each); with the tag only the divs and spans are tested. A page whose markup
    # moves these classes to other tags is a new layout version, not a wider selector.
    title=_css("h1.detail-title", 'meta[property="og:title"]'),
    date=_css("div.detail-info span.detail-time", "div.detail-info"),
    publisher=_css("div.detail-source"),
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

LAYOUTS: tuple[Layout, ...] = (SCIMALL_V1, WECHAT_2018, WECHAT_2020, SCKX_V1, TRS, HANWEB)


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


# --- One XPath for a layout's div.class selectors ---------------------------------------------
# A CSSSelector costs a walk of the tree plus libxml2's class predicate on every candidate
# element (~1 µs a div); a scimall page asks five, four of them about divs. A layout whose
# fingerprint selectors are all ``div.X`` or ``div.X tag.Y`` gets one walk instead: the divs
# whose class attribute contains the selectors' div class names at all (a substring test,
# the same prefilter cssselect puts first), then each such selector is answered from those
# few by its own test — the class among the XML-whitespace-separated names of @class, as
# ``contains(concat(' ', normalize-space(@class), ' '), ' X ')``; for ``div.X tag.Y`` the
# ``tag.Y`` descendants of the outermost ``div.X`` divs (disjoint subtrees, so document order
# and no duplicates, as XPath's node-set). Other selectors run as they are.
_DIV_STEP = re.compile(r"div\.([A-Za-z_][A-Za-z0-9_-]*)(?: ([a-z][a-z0-9]*)\.([A-Za-z_][A-Za-z0-9_-]*))?")
_XML_SPACE = re.compile("[ \t\r\n]+")


def _has_class(el: etree._Element, name: str) -> bool:
    value = el.get("class")
    return value is not None and name in value and name in _XML_SPACE.split(value)


def _common_part(names: list[str]) -> str:
    """The longest string every name contains."""
    first = min(names, key=len)
    for size in range(len(first), 0, -1):
        for start in range(len(first) - size + 1):
            part = first[start:start + size]
            if all(part in name for name in names):
                return part
    return ""


class _DivPlan:
    def __init__(self, layout: Layout) -> None:
        selectors = layout.fingerprint + layout.content + layout.title + layout.date + layout.publisher
        self.steps: dict[int, tuple[CSSSelector, tuple]] = {}
        for sel in selectors:
            match = _DIV_STEP.fullmatch(sel.css)
            if match:
                self.steps[id(sel)] = (sel, match.groups())
        self.usable = bool(layout.fingerprint) and all(id(sel) in self.steps for sel in layout.fingerprint)
        names = sorted({steps[0] for _, steps in self.steps.values()})
        common = _common_part(names) if names else ""
        test = f"contains(@class, '{common}')" if len(common) >= 4 else " or ".join(f"contains(@class, '{n}')" for n in names)
        self.divs = etree.XPath(f"descendant-or-self::div[@class and ({test})]") if names else None

    def select(self, sel: CSSSelector, tree: etree._Element, divs: list) -> list:
        """``sel(tree)``; ``divs``: self.divs(tree)."""
        entry = self.steps.get(id(sel))
        if entry is None or entry[0] is not sel:
            return sel(tree)
        name, tag, inner = entry[1]
        outer = [div for div in divs if _has_class(div, name)]
        if tag is None:
            return outer
        found = []
        last = None
        for div in outer:
            if last is not None and any(up is last for up in div.iterancestors("div")):
                continue  # inside the previous outermost one: its descendants are in already
            last = div
            found.extend(el for el in div.iter(tag) if el is not div and _has_class(el, inner))
        return found


_PLANS: dict[int, tuple[Layout, _DivPlan]] = {}


def _plan_of(layout: Layout) -> _DivPlan:
    entry = _PLANS.get(id(layout))
    if entry is None or entry[0] is not layout:
        entry = _PLANS[id(layout)] = (layout, _DivPlan(layout))
    return entry[1]


def extract_fields(tree: etree._Element, raw: str) -> PageFields:
    for layout in LAYOUTS:
        plan = _plan_of(layout)
        if plan.usable:
            divs = plan.divs(tree)
            if any(plan.select(sel, tree, divs) for sel in layout.fingerprint):
                return layout.extract(tree, raw, lambda sel: plan.select(sel, tree, divs))
        elif layout.matches(tree):
            return layout.extract(tree, raw)
    return generic(tree, raw)


def _extract_fields_plain(tree: etree._Element, raw: str) -> PageFields:
    """extract_fields with every selector run on the tree (what the plans must equal)."""
    for layout in LAYOUTS:
        if layout.matches(tree):
            return layout.extract(tree, raw)
    return generic(tree, raw)
