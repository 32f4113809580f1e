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

from scrapy.exceptions import CloseSpider, IgnoreRequest

from ..items import Bulletin, PageState
from ..parsing import dates, pagestate
from ..parsing.page import parse_page
from ..parsing.urls import canonical_url

_NEXT_TEXT = re.compile(r"^\s*(下一页|下页|后一页|next|›|»|>)\s*$", re.I)
_DATE_IN_TEXT = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")


class BulletinSpider(scrapy.Spider):
    """Shared logic of every source.

    Spider arguments:
      since      YYYY-MM-DD: skip list items dated before it, and stop paging once a
                 whole list page is older.
      max_pages  the number of list pages to read per channel (default: no limit).
    """

    # BulletinSpider
    article_url_pattern: re.Pattern[str]
    list_item_css: str | None = None  # where one list entry (link + date) sits, if known
    page_param: str = "page"  # the query parameter that numbers list pages

    def __init__(self, *args: Any, since: str | None = None, max_pages: str | int | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
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
            yield scrapy.Request(url, callback=self.parse_list, cb_kwargs={"page_no": 1})

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
        fresh = 0
        for url, listed in entries:
            if self.since and listed and listed < self.since:
                continue
            fresh += 1
            yield self.article_request(url)
        all_older = bool(entries) and fresh == 0
        if all_older or (self.max_pages and page_no >= self.max_pages):
            return
        next_url = self.next_page_url(response, page_no)
        if next_url:
            yield scrapy.Request(next_url, callback=self.parse_list, cb_kwargs={"page_no": page_no + 1})

    # --- bulletin pages --------------------------------------------------------------------
    URL_META = "kexie_url"  # the URL we asked for, kept through redirects (a 302 to a captcha)
    RETRY_META = "kexie_block_retries"

    def article_request(self, url: str, **meta: Any) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.parse_article, errback=self.fetch_failed, meta={self.URL_META: url, **meta},
        )

    def parse_article(self, response: Response):
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        result = parse_page(response.body, url=response.url, content_type=content_type, source=self.name)
        self.crawler.stats.inc_value(f"kexie/page_state/{result.page_state}")
        if not pagestate.is_blocked(result.page_state):
            self._blocked_in_a_row = 0  # the site answered with a real page
        if result.page_state != pagestate.OK:
            asked = response.meta.get(self.URL_META) or response.url
            self.logger.warning("page %s: %s, nothing stored", asked, result.page_state)
            yield self.page_state(asked, result.page_state, response.url if response.url != asked else None)
            if pagestate.is_blocked(result.page_state):
                yield from self.blocked(response, asked, result.page_state)
            return
        if self.since and result.bulletin.published_at and result.bulletin.published_at[:10] < self.since.isoformat():
            return
        yield result.bulletin
        yield from result.articles

    def page_state(self, url: str, state: str, detail: str | None = None, retryable: bool | None = None) -> PageState:
        return PageState(
            url=url, canonical_url=canonical_url(url), source=self.name, state=state,
            retryable=state in pagestate.RETRYABLE if retryable is None else retryable, detail=detail,
        )

    def fetch_failed(self, failure):
        """Errback: an HTTP error status or a network failure is recorded, never silent."""
        request = failure.request
        url = request.meta.get(self.URL_META) or request.url
        response = getattr(failure.value, "response", None)
        if response is not None:
            detail, retryable = f"HTTP {response.status}", response.status not in (404, 410)
        elif failure.check(IgnoreRequest):  # e.g. forbidden by robots.txt: we do not insist
            detail, retryable = f"not fetched: {failure.getErrorMessage()}"[:300], False
        else:
            detail, retryable = f"{failure.type.__name__}: {failure.getErrorMessage()}"[:300], True
        self.crawler.stats.inc_value(f"kexie/page_state/{pagestate.HTTP_ERROR}")
        self.logger.warning("page %s: %s", url, detail)
        yield self.page_state(url, pagestate.HTTP_ERROR, detail, retryable)

    # --- when the site pushes back (captcha, rate limit) ------------------------------------
    _blocked_in_a_row = 0

    def blocked(self, response: Response, url: str, state: str):
        """Slow down instead of hammering: raise this domain's download delay, pause the
        crawl for a while, try the page again later in this run (a few times), and after
        too many blocks in a row stop — what is left stays pending in the store."""
        settings = self.crawler.settings
        self._blocked_in_a_row += 1
        self.crawler.stats.inc_value("kexie/blocked")
        delay = self.slow_down(response)
        self.logger.warning(
            "%s on %s (%d in a row): download delay now %.1f s%s", state, url, self._blocked_in_a_row, delay or 0,
            f", pausing {settings.getfloat('KEXIE_BLOCK_PAUSE'):.1f} s" if settings.getfloat("KEXIE_BLOCK_PAUSE") > 0 else "",
        )
        if self._blocked_in_a_row >= settings.getint("KEXIE_BLOCK_GIVE_UP", 5):
            raise CloseSpider(f"blocked: {self._blocked_in_a_row} {state} pages in a row")
        tries = response.meta.get(self.RETRY_META, 0)
        if tries < settings.getint("KEXIE_BLOCK_RETRIES", 2):
            retry = self.article_request(url, **{self.RETRY_META: tries + 1})
            yield retry.replace(dont_filter=True, priority=-10)

    def slow_down(self, response: Response) -> float | None:
        """Raise the delay of the download slot the blocked response came through; pause the engine."""
        try:
            engine = self.crawler.engine
        except (AttributeError, RuntimeError):  # not crawling (a unit test calling the callback)
            engine = None
        if engine is None:
            return None
        settings = self.crawler.settings
        key = response.request.meta.get("download_slot") if response.request is not None else None
        slot = engine.downloader.slots.get(key) if key is not None else None
        delay = None
        if slot is not None:
            delay = max(slot.delay * settings.getfloat("KEXIE_BLOCK_DELAY_FACTOR", 4.0), settings.getfloat("KEXIE_BLOCK_MIN_DELAY", 30.0))
            slot.delay = delay = min(delay, settings.getfloat("KEXIE_BLOCK_MAX_DELAY", 600.0))
        pause = settings.getfloat("KEXIE_BLOCK_PAUSE", 0.0)
        if pause > 0 and not engine.paused:
            from twisted.internet import reactor

            engine.pause()
            reactor.callLater(pause, _resume, engine)
        return delay

    @staticmethod
    def with_query(url: str, **params: Any) -> str:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        query.update({k: str(v) for k, v in params.items()})
        return urlunsplit(parts._replace(query=urlencode(query)))


def _resume(engine) -> None:
    """Unpause, and wake the engine now rather than at its next 5-second heartbeat."""
    engine.unpause()
    slot = getattr(engine, "_slot", None)  # Scrapy internals: best effort only
    nextcall = getattr(slot, "nextcall", None)
    if nextcall is not None:
        nextcall.schedule()


__all__ = ["BulletinSpider", "Bulletin"]
