"""中国科协 (www.cast.org.cn): Hanweb JPAAS sections now, jcms columns before ~2023."""

from __future__ import annotations

import re

from .bases import HanwebJcmsSpider, HanwebJpaasSpider


class CastSpider(HanwebJpaasSpider, HanwebJcmsSpider):
    """
    Domain
      中国科学技术协会 — https://www.cast.org.cn and its sj.cast.org.cn subsite: 科协要闻,
      通知公告 and the other news sections (design/sources.md §3).
    Spider arguments
      since       YYYY-MM-DD; JPAAS lists carry no dates, so older articles are dropped
                  after they are fetched (jcms lists do carry dates).
      max_pages   list pages to read per section.
      channels    comma-separated section URLs or site paths (default: see default_channels).
    Caveats
      The site moved from Hanweb jcms (/col/colN/, <datastore> + dataproxy.jsp) to JPAAS
      (a bulidstatic unit paged by paramJson) around 2023; the spider reads both, page by
      page. col457 is the old 通知公告 column and may now be gone (a 404 is logged, not an
      error). No 地方科协 section was found on the JPAAS site. List links to other hosts
      (news.cn …) are not followed. All fixtures are modelled, not captured.
    """

    name = "cast"
    allowed_domains = ["cast.org.cn"]
    channel_url = "https://www.cast.org.cn/{channel}"
    default_channels = ("xw/KXYW/index.html", "https://sj.cast.org.cn/xs/TZGG/index.html", "col/col457/index.html")
    # BulletinSpider
    article_url_pattern = re.compile(
        r"^https?://(?:www|sj)\.cast\.org\.cn/(?:(?:[A-Za-z]+/){1,3}art/\d{4}/art_[0-9a-f]{32}"
        r"|art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+)\.html$"
    )
    # HanwebJpaasSpider
    jpaas_page_size = 5
