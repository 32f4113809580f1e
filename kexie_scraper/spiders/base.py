"""Base spider: list pages → bulletin pages → items. Sources are declarations on it.

A subclass says where its channels are (``start_urls``), what an article link looks
like (``article_url_pattern``) and, if it can, where list items and dates sit
(``list_item_css``). The base does the rest: link discovery, list dates, ``since`` and
``max_pages`` limits, pagination by the usual signals, and handing pages to the parser.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import scrapy
from scrapy.http import Response

from scrapy.spidermiddlewares.httperror import HttpError

from ..items import Bulletin, PageDone
from ..parsing import dates, pagestate
from ..parsing.page import parse_page
from ..parsing.urls import canonical_url
from ..scheduling import TOKEN

_NEXT_TEXT = re.compile(r"^\s*(下一页|下页|后一页|next|›|»|>)\s*$", re.I)
_DATE_IN_TEXT = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")


class BulletinSpider(scrapy.Spider):
    """Shared logic of every source.

    Spider arguments:
      since      YYYY-MM-DD: skip list items dated before it, and stop paging once a
                 whole list page is older.
      max_pages  the number of list pages to read per channel (default: no limit).
      refetch    1/true: fetch article pages even when already stored, and read list
                 pages past known items (default: incremental, see below).

    Incremental runs (setting ``KEXIE_INCREMENTAL``, on in the project settings): an
    article page whose URL is already in the store (``article_urls``) is not fetched
    again, and a list page whose article links are all stored ends the paging — the
    rest of the channel was read by an earlier run.
    """

    # False keeps a spider out of `kexie crawl --all`.
    enabled: bool = True

    # BulletinSpider
    article_url_pattern: re.Pattern[str]
    list_item_css: str | None = None  # where one list entry (link + date) sits, if known
    page_param: str = "page"  # the query parameter that numbers list pages

    def __init__(self, *args: Any, since: str | None = None, max_pages: str | int | None = None,
                 refetch: str | bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.refetch = refetch is True or str(refetch).strip().lower() in ("1", "true", "yes", "on")
        self.since: date | None = None
        if since:
            parsed = dates.parse_date(since)
            if not parsed:
                raise ValueError(f"since must be YYYY-MM-DD, got {since!r}")
            self.since = date.fromisoformat(parsed[:10])
        self.max_pages = int(max_pages) if max_pages not in (None, "") else None
        if self.max_pages is not None and self.max_pages < 1:
            raise ValueError("max_pages must be at least 1")

    async def start(self):
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse_list, errback=self.request_failed, cb_kwargs={"page_no": 1})

    # --- list pages ------------------------------------------------------------------------
    def list_entries(self, response: Response) -> Iterator[tuple[str, date | None]]:
        """(absolute article URL, list date or None), in page order, each URL once."""
        seen: set[str] = set()
        containers = response.css(self.list_item_css) if self.list_item_css else []
        anchors = [(a, c) for c in containers for a in c.css("a[href]")] or [
            (a, None) for a in response.css("a[href]")
        ]
        for anchor, container in anchors:
            url = response.urljoin(anchor.attrib["href"].strip())
            if not self.article_url_pattern.search(url) or url in seen:
                continue
            seen.add(url)
            yield url, self._entry_date(anchor, container)

    @staticmethod
    def _entry_date(anchor, container) -> date | None:
        # The date is near the link: in its list item, else in its parent or grandparent.
        scopes = [container] if container is not None else []
        scopes += [anchor, anchor.xpath(".."), anchor.xpath("../..")]
        for scope in scopes:
            text = " ".join(scope.xpath(".//text()").getall()) if scope else ""
            match = _DATE_IN_TEXT.search(text)
            if match:
                iso = dates.parse_date(match.group(0))
                if iso:
                    return date.fromisoformat(iso[:10])
        return None

    def next_page_url(self, response: Response, page_no: int) -> str | None:
        """rel=next, a 下一页 link, or a link to page_no+1 by the page query parameter."""
        href = response.css('a[rel~="next"]::attr(href), link[rel~="next"]::attr(href)').get()
        if not href:
            for anchor in response.css("a[href]"):
                if _NEXT_TEXT.match(" ".join(anchor.css("::text").getall())):
                    href = anchor.attrib["href"]
                    break
        if not href:
            wanted = str(page_no + 1)
            for candidate in response.css("a[href]::attr(href)").getall():
                query = dict(parse_qsl(urlsplit(response.urljoin(candidate)).query))
                if query.get(self.page_param) == wanted:
                    href = candidate
                    break
        if not href or href.strip().lower().startswith(("javascript:", "#")):
            return None
        url = response.urljoin(href.strip())
        return url if url != response.url else None

    def parse_list(self, response: Response, page_no: int = 1):
        entries = list(self.list_entries(response))
        self.crawler.stats.inc_value("kexie/list_pages")
        if not entries:
            self.logger.warning("no article links on list page %s", response.url)
        recent = [(url, listed) for url, listed in entries if not (self.since and listed and listed < self.since)]
        known = self.stored_pages([url for url, _ in recent])
        for url, _ in recent:
            if canonical_url(url) in known:
                self.crawler.stats.inc_value("kexie/skipped_stored_pages")
                continue
            yield scrapy.Request(url, callback=self.parse_article, errback=self.request_failed)
        all_older = bool(entries) and not recent
        all_known = bool(recent) and len(known) == len({canonical_url(u) for u, _ in recent})
        if all_known:
            self.logger.info("list page %s: every article is stored already, paging ends here", response.url)
        if all_older or all_known or (self.max_pages and page_no >= self.max_pages):
            return
        next_url = self.next_page_url(response, page_no)
        if next_url:
            # List pages first: they find the work, so a shared queue never runs dry while
            # one is waiting behind the article pages it would have led to.
            yield scrapy.Request(next_url, callback=self.parse_list, errback=self.request_failed,
                                 cb_kwargs={"page_no": page_no + 1}, priority=1)

    def stored_pages(self, urls: list[str]) -> set[str]:
        """The canonical forms of ``urls`` already stored (empty when not incremental)."""
        crawler = getattr(self, "crawler", None)
        if self.refetch or not urls or crawler is None or not crawler.settings.getbool("KEXIE_INCREMENTAL"):
            return set()
        from ..pipelines.store_access import crawler_store

        return crawler_store(crawler).known_page_urls(canonical_url(u) for u in urls)

    def request_failed(self, failure):
        """Errback of every request: log, and close the page (so a durable queue forgets it)."""
        request = failure.request
        self.crawler.stats.inc_value("kexie/failed_requests")
        if failure.check(HttpError):
            self.logger.info("%s: HTTP %s, nothing stored", request.url, failure.value.response.status)
            url = failure.value.response.url
        else:
            self.logger.error("%s: %s", request.url, failure.getErrorMessage())
            url = request.url
        yield PageDone(url=url, token=request.meta.get(TOKEN))

    # --- bulletin pages --------------------------------------------------------------------
    def parse_article(self, response: Response):
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        result = parse_page(response.body, url=response.url, content_type=content_type, source=self.name)
        self.crawler.stats.inc_value(f"kexie/page_state/{result.page_state}")
        if result.page_state != pagestate.OK:
            self.logger.warning("page %s: %s, nothing stored", response.url, result.page_state)
            return
        if self.since and result.bulletin.published_at and result.bulletin.published_at[:10] < self.since.isoformat():
            return
        yield result.bulletin
        yield from result.articles

    @staticmethod
    def with_query(url: str, **params: Any) -> str:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        query.update({k: str(v) for k, v in params.items()})
        return urlunsplit(parts._replace(query=urlencode(query)))


__all__ = ["BulletinSpider", "Bulletin"]
