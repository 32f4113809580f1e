"""四川省科协 (www.sckx.org.cn): column lists paged by a number in the path."""

from __future__ import annotations

import re

from .bases import PathPagedSpider


class SckxSpider(PathPagedSpider):
    """
    Domain
      四川省科学技术协会 — https://www.sckx.org.cn, its 基层动态 column: reports of the
      city and county 科协 of Sichuan (design/sources.md §4.3).
    Spider arguments
      since       YYYY-MM-DD; list items carry dates, so paging stops at older pages.
      max_pages   list pages to read per column.
      columns     comma-separated column UUIDs (default: 889c4b11-…, 基层; others seen in
                  2020: 052ca9ea-… 地方, f3951b78-… 要闻, 7a0a1f21-… 学会).
    Caveats
      Evidence is from 2019–2020 and the site now runs on https; the list form
      (/views/news/list/{uuid}/15/{page}.html, div.center-content > div > a[title] + span)
      is [D], the article URL and the headline / info line inside div.center-content are
      modelled [G]. 15 items a page: a shorter page is the last one.
    """

    name = "sckx"
    allowed_domains = ["www.sckx.org.cn", "sckx.org.cn"]
    channel_url = "https://www.sckx.org.cn/views/news/list/{channel}/15/1.html"
    channel_arg = "columns"
    default_channels = ("889c4b11-feb5-4c5b-b8e8-2a8de65f8b07",)
    # BulletinSpider
    article_url_pattern = re.compile(r"^https?://(?:www\.)?sckx\.org\.cn/views/news/detail/[0-9a-f-]{36}\.html$")
    list_item_css = "div.center-content > div"
    # PathPagedSpider
    page_size = 15
