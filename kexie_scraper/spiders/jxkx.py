"""江西省科协 (www.jxkx.gov.cn): a legacy ASP site in GB2312."""

from __future__ import annotations

import re

from .base import BulletinSpider


class JxkxSpider(BulletinSpider):
    """
    Domain
      江西省科学技术协会 — http://www.jxkx.gov.cn, column 市县科协 (class.asp?id=12;
      design/sources.md §4.5).
    Spider arguments
      since       YYYY-MM-DD; list items carry YYYY/M/D dates, so paging stops at older pages.
      max_pages   list pages to read.
    Caveats
      A legacy ASP site [D]: pages declare GB2312 (decoded as GB18030) and servers are
      not trusted to send the right charset; list and article pages are re-decoded when
      a wrong header garbles them. No known layout: articles are read by the generic one.
      The column id is a guess.
    """

    name = "jxkx"
    allowed_domains = ["www.jxkx.gov.cn", "jxkx.gov.cn"]
    start_urls = ["http://www.jxkx.gov.cn/class.asp?id=12"]
    # BulletinSpider
    article_url_pattern = re.compile(r"^https?://(?:www\.)?jxkx\.gov\.cn/show\.asp\?id=\d+$")
    list_item_css = "div#liebiao li"
