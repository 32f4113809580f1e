"""Lines that describe the page rather than report news: they become bulletin fields.

Reposts on the aggregator end with `来源:<wechat alias> <account name>`,
`原文链接:<url>`, a 版权声明 paragraph, phone and mail lines, then page furniture
(推荐资讯, tags). Those are matched as text patterns, not by CSS position, because the
real markup is unknown (design/sources.md §1.3). Everything from the first footer
marker on is furniture; nothing dropped is lost — it is returned for the record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import dates
from .blocks import Block
from .hanzi import to_simplified
from .urls import first_url

_ALIAS_SOURCE = re.compile(r"^(?:来源|来自|公众号)\s*[:：]\s*([A-Za-z][A-Za-z0-9_-]{2,40})\s+(\S.{0,30})$")
_ORIGINAL = re.compile(r"^(?:原文链接|原文地址|阅读原文)\s*[:：]?\s*(.*)$")
# Furniture that ends the article: everything from here on is page chrome.
_FOOTER = re.compile(
    r"^(?:版权声明|免责声明|声明\s*[:：]|版权所有|本文版权|转载请注明|推荐资讯|相关推荐|热门推荐|热点推荐|新闻推荐|最新推荐|"
    r"往期推荐|往期回顾|推荐阅读|延伸阅读|相关阅读|相关新闻|相关文章|猜你喜欢|扫码关注|长按识别|长按二维码|分享到|"
    r"上一篇|下一篇|【\s*打印本页|【\s*关闭窗口|【\s*打印|打印本页|关闭窗口|点击查看原文|[—–\-\s]*END[—–\-\s]*$)",
    re.I,
)
# Lines of chrome that may stand anywhere (short lines only).
_SPONSOR = re.compile(r"(?:主办|承办|协办|编印|印发|出品)(?:单位)?$")
# A printed bulletin's page numbers (`02`, `- 3 -`) kept by a text copy.
_PAGE_NUMBER = re.compile(r"^[-—–\s]*\d{1,3}[-—–\s]*$")
# The distribution list closing an official bulletin (`报：…`, `送：…`, `发：…`, `抄送：…`): the end.
_DISTRIBUTION = re.compile(r"^(?:报|送|发|报送|抄报|抄送|主送|分送|发送)\s*[:：]")
_CHROME = re.compile(
    r"^[(（【\[]?\s*(?:电话|联系电话|邮箱|电子邮箱|E-?mail|传真|邮编|地址|ICP|京ICP|主办|承办|"
    r"责任编辑|编辑|审核|审校|校对|初审|复审|终审|监制|出品|值班编辑|编审|排版|美编|"
    r"发布时间|发布日期|浏览次数|阅读次数|点击数|点击量|字号|字体)\s*[:：]|"
    r"^(?:编辑|审核|校对)[:：]\S+\s+(?:编辑|审核|校对)[:：]|浏览次数[:：]|【\s*大\s*中\s*小\s*】|^京ICP",
    re.I,
)
# A source line naming many organisations (`来源：各设区市科协`) credits the page, no one report.
_COLLECTIVE_SOURCE = re.compile(r"^(?:来源|信息来源|稿件来源|供稿|供稿单位)\s*[:：]\s*(?:各|全省各|全市各)")
# WeChat's "follow us" prompts: 点击上方蓝字 关注我们, 点击蓝字，关注浙江科协, 点击“XX”可快速关注.
_FOLLOW = re.compile(r"^(?:▲\s*)?点击(?:上方|下方|顶部|这里)?[^。！？]{0,16}(?:关注|订阅|置顶)")
_HEADER_SOURCE = re.compile(r"^(?:来源|来自)\s*[:：]\s*(\S{2,30})$")
# `来源:XX` inside a longer line: the value stops at a separator or at the next label.
_SOURCE_VALUE = re.compile(
    r"(?:信息来源|文章来源|稿件来源|来源|来自)\s*[:：]\s*([^\s|｜丨:：]{2,30}?)"
    r"(?=[\s|｜丨【]|(?:浏览|点击|阅读|作者|责任编辑|编辑|发布|字号)\S{0,3}[:：]|$)"
)
# A government page's info line at the top of its content: `时间:2025年05月19日 | 来源:管理组 |`,
# `发布时间：2020-06-12 来源：德阳市科协 浏览次数：128`. It is the page's, not a report's: a
# labelled date, or two labelled fields. A lone `来源：某科协` is an attribution and stays.
_INFO_LABEL = re.compile(
    r"(?:发布时间|发布日期|时间|日期|信息来源|文章来源|来源|作者|发布者|发布人|浏览次数|浏览量|浏览|点击数|点击率|阅读|字号)\s*[:：]"
)
INFO_LINE_MAX = 150  # an info line is short; anything longer is content


def labelled_source(text: str | None) -> str | None:
    """XX in `… 来源:XX | …`, or None."""
    match = _SOURCE_VALUE.search(text or "")
    return match.group(1) if match else None


def _info_line(text: str) -> bool:
    if len(text) > INFO_LINE_MAX or not _INFO_LABEL.match(text):
        return False
    return len(_INFO_LABEL.findall(text)) >= 2 or bool(dates.labelled_date(text))
_SITE_DATE = re.compile(r"^\S{2,20}\s+\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")


@dataclass
class BodyMeta:
    title: str | None = None
    published_at: str | None = None
    publisher: str | None = None
    publisher_alias: str | None = None
    original_url: str | None = None
    dropped: list[str] = field(default_factory=list)


def strip_metadata(blocks: list[Block], with_header: bool) -> tuple[list[Block], BodyMeta]:
    """Body blocks without metadata and furniture, and what those lines said.

    ``with_header``: the blocks start with the page header (a .txt copy of a page), so the
    first lines may be the bulletin title, a `site date` line and a `来源:name` line.
    """
    meta = BodyMeta()
    start = _read_header(blocks, meta) if with_header else 0
    kept: list[Block] = []
    in_footer = False
    for block in blocks[start:]:
        text = to_simplified(block.text)  # patterns are simplified; 繁體 pages match too
        alias = _ALIAS_SOURCE.match(text)
        original = _ORIGINAL.match(text)
        if alias:
            meta.publisher_alias, meta.publisher = alias.group(1), block.text[alias.start(2):alias.end(2)].strip()
            in_footer = True
        elif original and (first_url(text) or not original.group(1)):
            meta.original_url = meta.original_url or first_url(text)
            in_footer = True
        elif _FOOTER.match(text) or (len(text) <= 80 and _DISTRIBUTION.match(text)):
            in_footer = True
        info = len(kept) <= 2 and not in_footer and _info_line(text)
        if info:
            meta.published_at = meta.published_at or dates.labelled_date(text)
            meta.publisher = meta.publisher or labelled_source(text)
        if in_footer or alias or original or info or (len(text) <= 60 and (_CHROME.match(text) or _SPONSOR.search(text) or _FOLLOW.match(text) or _PAGE_NUMBER.match(text) or _COLLECTIVE_SOURCE.match(text))):
            meta.dropped.append(block.text)
        else:
            kept.append(block)
    # A `来源:name` line that opens the body names the publisher, it is not a report's source.
    if kept and not with_header:
        source = _HEADER_SOURCE.match(kept[0].text)
        if source:
            meta.publisher = meta.publisher or source.group(1)
            meta.dropped.append(kept.pop(0).text)
    return kept, meta


def _read_header(blocks: list[Block], meta: BodyMeta) -> int:
    i = 0
    if blocks and len(blocks[0].text) <= 60 and not re.search(r"[。！？]", blocks[0].text):
        meta.title = blocks[0].text
        meta.dropped.append(blocks[0].text)
        i = 1
    while i < len(blocks) and i < 4:
        text = blocks[i].text
        source = _HEADER_SOURCE.match(text)
        if _SITE_DATE.match(text):
            meta.published_at = dates.parse_date(text)
        elif source:
            meta.publisher = source.group(1)
        else:
            break
        meta.dropped.append(text)
        i += 1
    return i
