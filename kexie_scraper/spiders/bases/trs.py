"""TRS WCM (拓尔思): static list pages that page through TRS's own template function.

A list page ends with ``<script>createPageHTML(3, 0, "index", "html");</script>``: three
pages, this is page 0. Page 0 is ``index.html`` and page *i* is ``index_{i}.html``
(0-based, up to ``index_{count-1}.html``); a five-argument variant uses ``shtml``.
Article links are relative, ``./202405/t20240512_123456.html`` (sources.md §4.1).
"""

from __future__ import annotations

import re

from scrapy.http import Response

from ..base import BulletinSpider, ListEntry, safe_join

_CREATE_PAGE = re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]")


def trs_next_page(text: str) -> str | None:
    """The relative file name of the next list page, or None on the last (or a non-TRS) page."""
    match = _CREATE_PAGE.search(text)
    if not match:
        return None
    count, index, stem, ext = int(match.group(1)), int(match.group(2)), match.group(3), match.group(4)
    return f"{stem}_{index + 1}.{ext}" if index + 1 < count else None


class TrsSpider(BulletinSpider):
    """TRS WCM list pages; see the module docstring."""

    # TrsSpider
    article_url_pattern = re.compile(r"/t\d{8}_\d+\.s?html?$")

    def next_page_url(self, response: Response, page_no: int, entries: list[ListEntry]) -> str | None:
        if "createPageHTML" not in response.text:
            return super().next_page_url(response, page_no, entries)
        name = trs_next_page(response.text)
        return safe_join(response, name) if name else None
