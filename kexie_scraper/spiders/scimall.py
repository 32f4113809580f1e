"""科技工作者之家 (www.scimall.org.cn), the CAST aggregator."""

from __future__ import annotations

import re

from .base import BulletinSpider


class ScimallSpider(BulletinSpider):
    """
    Domain
      科技工作者之家 — https://www.scimall.org.cn, CAST's aggregator of 科协 news, much of it
      reposted from WeChat official accounts (the 原文链接 line).
    Spider arguments
      since       YYYY-MM-DD; stop at older items.
      max_pages   list pages to read per channel.
      channels    comma-separated channel ids (default: 5, 地方科协).
    Caveats
      Only the article URL (/article/detail?id=N) is known from public evidence; the
      channel list markup and URL are modelled (design/sources.md §1). So links are found
      by URL pattern anywhere on a list page, and the next page by rel=next / 下一页 /
      page=N+1; replace channel_url and list_item_css from a real capture.
    """

    name = "scimall"
    allowed_domains = ["www.scimall.org.cn", "scimall.org.cn"]
    # Modelled, not confirmed: the one place to change when a real capture arrives.
    channel_url = "https://www.scimall.org.cn/channel/list?cid={channel}"
    default_channels = ("5",)
    # BulletinSpider
    article_url_pattern = re.compile(r"^https?://(?:www\.)?scimall\.org\.cn/article/detail\?id=\d+$")
    list_item_css = None  # unknown markup: discover links anywhere by URL pattern
    page_param = "page"
