"""Hanweb JPAAS: a section page names a list unit; the unit answers JSON pages of `<li>` items.

The section page ``/{column}/{sub}/index.html`` holds (sources.md §3.1)::

    <script id="…" src="…/unitbuild.js?v=…" parseType="bulidstatic"
            url="/api-gateway/jpaas-publish-server/front/page/build/unit"
            querydata="{'parseType':'bulidstatic','webId':'…','tplSetId':'…','pageType':'column',
                        'tagId':'…','editType':'null','pageId':'…'}"></script>

``GET url?<querydata>&paramJson={"pageNo":N,"pageSize":M}`` returns
``{"data":{"html":"<li><a href='…'>标题</a></li>…"}}``; pages run until ``html`` is empty.
Paging works only through ``paramJson``. The attribute is spelled ``bulidstatic`` on
cast.org.cn and ``buildstatic`` elsewhere; both are read. A section page without a unit
(the 视频 index) is an ordinary list page.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlsplit

import scrapy
from parsel import Selector
from scrapy.http import Response

from ..base import BulletinSpider, ListEntry, safe_join

_UNIT_SCRIPTS = "//script[@parsetype='bulidstatic' or @parsetype='buildstatic'][@url]"
# querydata is single-quoted pseudo-JSON: {'k':'v','k2':null}
_PAIR = re.compile(r"""['"]?([\w-]+)['"]?\s*:\s*(?:'([^']*)'|"([^"]*)"|([^,}\s]+))""")


def querydata(text: str) -> dict[str, str]:
    """The parameters of a unit script's ``querydata`` attribute."""
    return {m.group(1): next(g for g in m.groups()[1:] if g is not None) for m in _PAIR.finditer(text or "")}


def unit_html(response: Response) -> str | None:
    """The `data.html` fragment of a unit response, or None when the response is not one."""
    text = response.text.lstrip()
    if not text.startswith("{"):
        return None
    try:
        data = json.loads(text).get("data")
    except (ValueError, AttributeError):
        return None
    return (data.get("html") or "") if isinstance(data, dict) else None


def page_param(page_no: int, page_size: int) -> str:
    return json.dumps({"pageNo": page_no, "pageSize": page_size}, separators=(",", ":"))


class HanwebJpaasSpider(BulletinSpider):
    """Hanweb JPAAS section pages; see the module docstring."""

    # HanwebJpaasSpider
    jpaas_page_size = 15  # items per unit page

    def parse_start(self, response: Response):
        units = response.xpath(_UNIT_SCRIPTS) if hasattr(response, "xpath") else []
        if not units:
            yield from super().parse_start(response)
            return
        for script in units:
            params = querydata(script.attrib.get("querydata", ""))
            params["paramJson"] = page_param(1, self.jpaas_page_size)
            base = safe_join(response, script.attrib.get("url", ""))
            if not base:
                continue
            url = self.with_query(base, **params)
            yield scrapy.Request(url, callback=self.parse_list, errback=self.request_failed, cb_kwargs={"page_no": 1}, priority=1)

    def list_scope(self, response: Response):
        html = unit_html(response)
        if html is None:
            return super().list_scope(response)
        return Selector(text=f"<html><body><ul>{html}</ul></body></html>"), "li"

    def next_page_url(self, response: Response, page_no: int, entries: list[ListEntry]) -> str | None:
        query = dict(parse_qsl(urlsplit(response.url).query))
        if "paramJson" not in query:  # not a unit page
            return super().next_page_url(response, page_no, entries)
        try:
            current = json.loads(query.get("paramJson", "{}"))
            size = int(current.get("pageSize") or self.jpaas_page_size)
            number = int(current.get("pageNo") or page_no)
        except (ValueError, TypeError, AttributeError):  # a mangled paramJson: page on from what we know
            size, number = self.jpaas_page_size, page_no
        return self.with_query(response.url, paramJson=page_param(number + 1, size))
