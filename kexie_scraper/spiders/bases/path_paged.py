"""Lists whose page number is the last path segment: ``/views/news/list/{column}/15/{page}.html``.

四川省科协 pages its columns this way, 15 items a page, from page 1 (sources.md §4.3); the
2020 CAST special site did the same with a file-name prefix. There is no "next" link to
trust, so a page with fewer items than a full page is the last one.
"""

from __future__ import annotations

import re

from scrapy.http import Response

from ..base import BulletinSpider, ListEntry


class PathPagedSpider(BulletinSpider):
    """Lists paged by a number in the URL path; see the module docstring."""

    # PathPagedSpider
    page_in_path = re.compile(r"/(\d+)\.html$")  # the page number in a list URL
    page_size = 15  # items on a full page

    def next_page_url(self, response: Response, page_no: int, entries: list[ListEntry]) -> str | None:
        match = self.page_in_path.search(response.url)
        if not match:
            return super().next_page_url(response, page_no, entries)
        items = len(response.css(self.list_item_css)) if self.list_item_css else len(entries)
        if items < self.page_size:
            return None
        start, end = match.span(1)
        return response.url[:start] + str(int(match.group(1)) + 1) + response.url[end:]
