"""内蒙古自治区科协 (www.imast.org.cn): a TRS WCM site."""

from __future__ import annotations

import re

from .bases import TrsSpider


class ImastSpider(TrsSpider):
    """
    Domain
      内蒙古自治区科学技术协会 — https://www.imast.org.cn, 科协要闻 (/xwdt/kxyw/), which
      carries the news of the league and city 科协 (design/sources.md §4.5).
    Spider arguments
      since       YYYY-MM-DD; list items carry dates, so paging stops at older pages.
      max_pages   list pages (index.html, index_1.html …) to read.
    Caveats
      Selectors are from a 2019–2020 scraper [D]: .newslist_detial li (sic), span dates,
      relative ./YYYYMM/t…html links, .TRS_Editor bodies. Pages are numbered by TRS's
      createPageHTML(count, index, …) call, 0-based.
    """

    name = "imast"
    allowed_domains = ["www.imast.org.cn", "imast.org.cn"]
    start_urls = ["https://www.imast.org.cn/xwdt/kxyw/index.html"]
    # BulletinSpider
    article_url_pattern = re.compile(r"^https?://(?:www\.)?imast\.org\.cn/(?:[\w-]+/)+t\d{8}_\d+\.html$")
    list_item_css = ".newslist_detial li"
