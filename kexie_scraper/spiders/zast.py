"""浙江省科协 (www.zast.org.cn): a Hanweb jcms site."""

from __future__ import annotations

import re

from .bases import HanwebJcmsSpider


class ZastSpider(HanwebJcmsSpider):
    """
    Domain
      浙江省科学技术协会 — https://www.zast.org.cn, column col1673864 (news of the city
      and county 科协 of Zhejiang; design/sources.md §4.4).
    Spider arguments
      since       YYYY-MM-DD; records carry dates, so paging stops at older pages.
      max_pages   list pages (the in-page datastore, then dataproxy.jsp) per column.
      columns     comma-separated jcms column ids (default: 1673864).
    Caveats
      The 2024 article URL form is confirmed; the in-page <datastore> is the jcms family's
      and assumed here [G], as is #zoom (the 2020 page body was .mian-text). The column's
      name is a guess.
    """

    name = "zast"
    allowed_domains = ["www.zast.org.cn", "zast.org.cn"]
    channel_url = "https://www.zast.org.cn/col/col{channel}/index.html"
    channel_arg = "columns"
    default_channels = ("1673864",)
    # BulletinSpider
    article_url_pattern = re.compile(r"^https?://(?:www\.)?zast\.org\.cn/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$")
