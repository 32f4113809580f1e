"""WeChat official-account articles (mp.weixin.qq.com): the originals the aggregators repost."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable

from ..parsing.urls import canonical_url, canonical_wechat_url, unescape_url
from ..pipelines.store_access import crawler_store
from .base import BulletinSpider

_WECHAT_ARTICLE = re.compile(r"^https?://mp\.weixin\.qq\.com/s(?:/[\w-]+|\?.*)$")


class WechatSpider(BulletinSpider):
    """
    Domain
      WeChat official-account article pages, https://mp.weixin.qq.com/s?__biz=…&mid=…&idx=…&sn=…
      (and /s/<token> short links, and temporary /s?src=…&signature=… links). Both page
      layouts are read: 2018 (h2 title, a#post-user, em#post-date) and 2020+ (h1 title,
      #js_name, date only in `var ct`) — parsing/layouts.py WECHAT_2018 / WECHAT_2020.
    Spider arguments
      urls        comma-separated article URLs.
      urls_file   a file with one article URL per line (# starts a comment).
      from_store  1: also fetch the 原文链接 (original_url) that other spiders stored and
                  that were not fetched yet (with refetch: all of them), plus the pages a
                  captcha, rate limit or failed fetch left pending; 0: do not. Default: 1
                  when neither urls nor urls_file is given.
      since       YYYY-MM-DD; articles published before it are not stored.
      refetch     1: fetch pages already stored too (default: incremental, like every spider).
    Caveats
      WeChat has no public list of an account's articles (design/sources.md §2.5): this
      spider only fetches article URLs found elsewhere. Error pages come with HTTP 200 and
      are told by their text; each is stored in page_states (deleted, removed, expired,
      invalid: for good; captcha, rate_limited: retried later). A captcha or rate limit
      raises the download delay (KEXIE_BLOCK_MIN_DELAY, KEXIE_BLOCK_DELAY_FACTOR), pauses
      the crawl (KEXIE_BLOCK_PAUSE), retries the page a few times (KEXIE_BLOCK_RETRIES) and,
      after KEXIE_BLOCK_GIVE_UP blocks in a row, stops; the rest stays pending in the store
      for the next run. Long /s?__biz= links draw the captcha more often than short
      links. robots.txt is obeyed like everywhere else: if mp.weixin.qq.com disallows
      the article path for this agent, nothing is fetched. The page markup is modelled
      on saved pages described in public code, not captured live (fixtures/wechat).
    """

    name = "wechat"
    allowed_domains = ["mp.weixin.qq.com"]
    start_urls: list[str] = []
    # BulletinSpider
    article_url_pattern = _WECHAT_ARTICLE

    def __init__(
        self, *args: Any, urls: str | None = None, urls_file: str | None = None, from_store: str | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        given = [u for u in (urls or "").split(",") if u.strip()]
        if urls_file:
            path = Path(urls_file)
            if not path.is_file():
                raise ValueError(f"urls_file not found: {urls_file}")
            given += [line.split("#", 1)[0] for line in path.read_text(encoding="utf-8").splitlines()]
        self.given_urls = [u.strip() for u in given if u.strip()]
        if from_store in (None, ""):
            self.from_store = not self.given_urls
        elif str(from_store).lower() in ("1", "true", "yes"):
            self.from_store = True
        elif str(from_store).lower() in ("0", "false", "no"):
            self.from_store = False
        else:
            raise ValueError(f"from_store must be 1 or 0, got {from_store!r}")

    async def start(self):
        urls = self.article_urls()
        if not urls:
            self.logger.warning("nothing to fetch: no urls/urls_file given and no pending 原文链接 in the store")
        for url in urls:
            yield self.article_request(url)

    def article_urls(self) -> list[str]:
        """The URLs to fetch, each once (by its canonical form), in the order given; in an
        incremental run (the default) without the pages already stored."""
        candidates: list[str] = list(self.given_urls)
        if self.from_store:
            store = crawler_store(self.crawler)
            # Incremental: the originals not fetched yet; refetch: all of them again.
            candidates += store.original_urls(pending_only=not self.refetch)
            candidates += [row["url"] for row in store.page_states(retryable=True, source=self.name, list_pages=False)]
        urls = list(self._unique_wechat(candidates))
        known = self.stored_pages(urls)
        if known:
            self.crawler.stats.inc_value("kexie/skipped_stored_pages", len(known))
        return [u for u in urls if canonical_url(u) not in known]

    def _unique_wechat(self, urls: Iterable[str]) -> Iterable[str]:
        seen: set[str] = set()
        for raw in urls:
            url = unescape_url(raw)
            wanted = canonical_wechat_url(url) or url  # temporary links have no canonical form
            if not _WECHAT_ARTICLE.match(wanted):
                self.logger.warning("not a WeChat article URL, skipped: %s", raw)
                continue
            if wanted not in seen:
                seen.add(wanted)
                yield wanted
