"""Hanweb jcms (大汉 jpage): the list is data in the page, further pages come from dataproxy.jsp.

A column page ``/col/colN/index.html`` carries its first records in a script block
(sources.md §4.1)::

    <div id="335"><script type="text/xml"><datastore>
      <nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=1&path=/&columnid=457&unitid=335&…"></a>]]></nextgroup>
      <recordset>
        <record><![CDATA[<li><a href="/art/2021/3/25/art_457_1.html" title="全文标题">截断的标题…</a><span>2021-03-25</span></li>]]></record>
        …
    </recordset></datastore></script></div>

``dataproxy.jsp`` answers with the same ``<datastore>`` as XML. The server honours ``page``
and ignores ``startrecord``; a page past the end has no records.
"""

from __future__ import annotations

import re

from parsel import Selector
from scrapy.http import Response

from ..base import BulletinSpider, ListEntry, safe_join

_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>", re.S | re.I)
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.I)
_DATASTORE = "<datastore"
RECORD_CSS = "div.jcms-record"


def is_datastore(text: str) -> bool:
    return _DATASTORE in text[:200_000]


def records(text: str) -> list[str] | None:
    """The record fragments of a jcms datastore, or None when the text holds no datastore."""
    if not is_datastore(text):
        return None
    return [r.strip() for r in _RECORD.findall(text)]


class HanwebJcmsSpider(BulletinSpider):
    """Hanweb jcms column pages; see the module docstring."""

    # HanwebJcmsSpider
    dataproxy_path = "/module/web/jpage/dataproxy.jsp"

    def list_scope(self, response: Response):
        found = records(response.text)
        if found is None:
            return super().list_scope(response)
        # One wrapper per record, so each link keeps its own date; <tr> records need a table.
        wrapped = "".join(
            f'<div class="jcms-record">{"<table>" + r + "</table>" if r.lower().startswith("<tr") else r}</div>'
            for r in found
        )
        return Selector(text=f"<html><body>{wrapped}</body></html>"), RECORD_CSS

    def next_page_url(self, response: Response, page_no: int, entries: list[ListEntry]) -> str | None:
        text = response.text
        if not is_datastore(text):
            return super().next_page_url(response, page_no, entries)
        if self.dataproxy_path in response.url:  # a dataproxy page: ask for the next one
            return self.with_query(response.url, page=page_no + 1)
        group = _NEXTGROUP.search(text)
        href = _HREF.search(group.group(1)) if group else None
        if not href:
            return None
        url = safe_join(response, href.group(1).replace("&amp;", "&"))
        return self.with_query(url, page=page_no + 1) if url else None
