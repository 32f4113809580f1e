"""Base spider: list pages → bulletin pages → items. Sources are declarations on it.

A subclass says where its channels are (``start_urls``), what an article link looks
like (``article_url_pattern``) and, if it can, where list items and dates sit
(``list_item_css``). The base does the rest: link discovery, list dates and titles,
``since`` and ``max_pages`` limits, pagination by the usual signals, and handing pages
to the parser.

CMS families (``spiders/bases/``) change where a list lives and how it pages by
overriding three hooks, each of which falls back to ``super()`` on pages that are not
theirs, so a site that moved between families can inherit from both:

* ``parse_start(response)``: a channel's first page (JPAAS: find the list unit first);
* ``list_scope(response)``: the markup holding the list, and the CSS of one entry in it;
* ``next_page_url(response, page_no, entries)``: the next list page, or None.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Iterator, NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import scrapy
from parsel import Selector
from scrapy.http import Response, TextResponse

from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from ..items import LIST_ERROR, Bulletin, ListPageRead, PageDone, PageState
from ..parsing import dates, pagestate
from ..parsing.decode import better_encoding
from ..parsing.page import parse_page
from ..parsing.text import clean_line
from ..parsing.urls import canonical_url
from ..resilience import EXPECTED_REASONS, asked_url, classify_failure, real_url
from ..scheduling import TOKEN

_NEXT_TEXT = re.compile(r"^\s*(下一页|下页|后一页|next|›|»|>)\s*$", re.I)
_ELLIPSIS = re.compile(r"(…+|\.{2,}|。{3,})\s*$")
_PREVIOUS_PAGE = "kexie_previous_list_page"  # request meta: the article URLs of the page before
# Article URLs that carry their date: jcms /art/2024/8/26/art_…, TRS …/t20240512_1.html (the
# day), JPAAS /art/2025/art_<hex>.html (the year only).
_URL_DATES = (
    re.compile(r"/art/(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/art_"),
    re.compile(r"/t(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})_\d+\.\w+$"),
    re.compile(r"/art/(?P<y>\d{4})/art_"),
)


def url_date(url: str) -> date | None:
    """The latest date an article URL allows: its day, or 31 December of its year."""
    for pattern in _URL_DATES:
        match = pattern.search(url)
        if match:
            parts = match.groupdict()
            try:
                return date(int(parts["y"]), int(parts.get("m") or 12), int(parts.get("d") or 31))
            except ValueError:
                return None
    return None


class ListEntry(NamedTuple):
    url: str  # absolute article URL
    # The date the list shows next to the link; else the latest its URL allows (JPAAS lists
    # show none, but /art/2025/… rules out 2026). Only ever compared with `since`.
    listed: date | None
    title: str | None  # the link's title, from the `title` attribute when the text is cut short


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
    # A source with several channels (columns, sections) of one URL form declares it here
    # instead of ``start_urls``: ``-a <channel_arg>=a,b`` picks channels, each put into
    # ``channel_url`` as ``{channel}`` (a full URL is taken as it is).
    channel_url: str | None = None
    channel_arg: str = "channels"
    default_channels: tuple[str, ...] = ()

    def __init__(self, *args: Any, since: str | None = None, max_pages: str | int | None = None,
                 refetch: str | bool = False, **kwargs: Any):
        chosen = kwargs.pop(self.channel_arg, None) if self.channel_url else None
        super().__init__(*args, **kwargs)
        if self.channel_url:
            wanted = [c.strip() for c in str(chosen).split(",")] if chosen else list(self.default_channels)
            self.start_urls = [c if "://" in c else self.channel_url.format(channel=c.lstrip("/")) for c in wanted if c]
            if not self.start_urls:
                raise ValueError(f"{self.name}: no channel given ({self.channel_arg}=…)")
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
            yield scrapy.Request(url, callback=self.parse_start, errback=self.request_failed)
        # Pages that failed in an earlier run in a way a retry may fix (a 5xx, a timeout, a
        # captcha …): fetched again, whether or not a list page still leads to them.
        for url in self.failed_pages_to_retry():
            self.crawler.stats.inc_value("kexie/retried_failed_pages")
            yield self.article_request(url)

    def failed_pages_to_retry(self) -> list[str]:
        crawler = getattr(self, "crawler", None)
        if crawler is None or not crawler.settings.getbool("KEXIE_RETRY_FAILED_PAGES", True):
            return []
        from ..pipelines.store_access import crawler_store

        return crawler_store(crawler).retry_urls(self.name, crawler.settings.getint("KEXIE_FAILED_PAGE_MAX_ATTEMPTS", 5))

    def parse_start(self, response: Response):
        """A channel's first page; by default it is list page 1."""
        yield from self.parse_list(response, page_no=1)

    # --- list pages ------------------------------------------------------------------------
    def list_scope(self, response: Response) -> tuple[Selector, str | None]:
        """The markup that holds the list, and the CSS of one entry in it (None: links anywhere)."""
        return response.selector, self.list_item_css

    def list_entries(self, response: Response) -> Iterator[ListEntry]:
        """The article links of a list page, in page order, each URL once."""
        scope, item_css = self.list_scope(response)
        containers = scope.css(item_css) if item_css else []
        anchors = [(a, c) for c in containers for a in c.css("a[href]")] or [(a, None) for a in scope.css("a[href]")]
        seen: set[str] = set()
        for anchor, container in anchors:
            url = safe_join(response, anchor.attrib["href"])
            if not url or not self.article_url_pattern.search(url) or url in seen:
                continue
            seen.add(url)
            yield ListEntry(url, self._entry_date(anchor, container) or url_date(url), self._entry_title(anchor))

    @staticmethod
    def _entry_title(anchor: Selector) -> str | None:
        text = clean_line(" ".join(anchor.css("::text").getall()))
        full = clean_line(anchor.attrib.get("title", ""))
        # Lists cut long titles ("某某科协召开…"); the title attribute keeps the whole one.
        if full and (not text or _ELLIPSIS.search(text) or full.startswith(text)):
            return full
        return text or None

    @staticmethod
    def _entry_date(anchor: Selector, container: Selector | None) -> date | None:
        # The date is near the link: in its list item, else in its parent or grandparent.
        scopes = [container] if container is not None else []
        scopes += [anchor, anchor.xpath(".."), anchor.xpath("../..")]
        for scope in scopes:
            text = " ".join(scope.xpath(".//text()").getall()) if scope else ""
            if len(text) > 400:  # a whole list, not one entry: reading it per link is quadratic
                continue
            found = dates.list_date(text)
            if found:
                return found
        return None

    def next_page_url(self, response: Response, page_no: int, entries: list[ListEntry]) -> str | None:
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
                query = dict(parse_qsl(urlsplit(safe_join(response, candidate) or "").query))
                if query.get(self.page_param) == wanted:
                    href = candidate
                    break
        if not href or href.strip().lower().startswith(("javascript:", "#")):
            return None
        url = safe_join(response, href)
        return url if url and url != response.url else None

    def parse_list(self, response: Response, page_no: int = 1):
        asked = asked_url(response.request) if response.request is not None else response.url
        if not isinstance(response, TextResponse):  # a PDF or an image where a list should be
            content_type = response.headers.get("Content-Type", b"?").decode("latin-1")
            self.logger.warning("list page %s is not text (%s): no links read", response.url, content_type)
            self.crawler.stats.inc_value("kexie/list_pages_not_text")
            self.crawler.stats.inc_value("kexie/failed_list_pages")
            yield self.page_state(asked, LIST_ERROR, f"not text: {content_type}", False, page_url=response.url,
                                  reason="binary")
            return
        # Read: a failure recorded for this list page by an earlier run is out of date.
        yield ListPageRead(url=asked, canonical_url=canonical_url(asked), page_url=response.url)
        response = readable(response)
        entries = list(self.list_entries(response))
        self.crawler.stats.inc_value("kexie/list_pages")
        self.crawler.stats.inc_value("kexie/list_entries", len(entries))  # 0 over a whole run: the list markup moved
        if not entries:
            # An empty page ends the channel; on page 1 it more likely means the markup moved.
            log = self.logger.warning if page_no == 1 else self.logger.debug
            log("no article links on list page %s", response.url)
            return
        urls = [e.url for e in entries]
        # A server that answers past the end with its last page again: stop, do not loop.
        repeated = set(urls) <= set(response.meta.get(_PREVIOUS_PAGE, ()))
        recent = [e for e in entries if not (self.since and e.listed and e.listed < self.since)]
        known = self.stored_pages([e.url for e in recent])
        for entry in recent:
            if canonical_url(entry.url) in known:
                self.crawler.stats.inc_value("kexie/skipped_stored_pages")
                continue
            yield self.article_request(entry.url, list_title=entry.title)
        all_known = bool(recent) and len(known) == len({canonical_url(e.url) for e in recent})
        if all_known:
            self.logger.info("list page %s: every article is stored already, paging ends here", response.url)
        if not recent or repeated or all_known or (self.max_pages and page_no >= self.max_pages):
            return
        next_url = self.next_page_url(response, page_no, entries)
        if next_url:
            # List pages first: they find the work, so a shared queue never runs dry while
            # one is waiting behind the article pages it would have led to.
            yield scrapy.Request(next_url, callback=self.parse_list, errback=self.request_failed,
                                 cb_kwargs={"page_no": page_no + 1}, meta={_PREVIOUS_PAGE: urls}, priority=1)

    def stored_pages(self, urls: list[str]) -> set[str]:
        """The canonical forms of ``urls`` already stored (empty when not incremental)."""
        crawler = getattr(self, "crawler", None)
        if self.refetch or not urls or crawler is None or not crawler.settings.getbool("KEXIE_INCREMENTAL"):
            return set()
        from ..pipelines.store_access import crawler_store

        store = crawler_store(crawler)
        canonical = [canonical_url(u) for u in urls]
        # Stored pages, and pages recorded as failed for good (deleted, a PDF, robots.txt …).
        return store.known_page_urls(canonical) | store.settled_failures(canonical)

    def request_failed(self, failure):
        """Errback of every request: log, record a failed bulletin or list page in ``page_states``
        (with the reason and whether a later run should try again: resilience.classify_failure),
        and close the page (so a durable queue forgets it). A failure the web is expected to
        produce (an HTTP error, a timeout, a reset, a truncated body, robots.txt, a refused
        redirect, a body over DOWNLOAD_MAXSIZE) is a warning; anything else an error."""
        request = failure.request
        reason, retryable, detail = classify_failure(failure)
        self.crawler.stats.inc_value("kexie/failed_requests")
        # kexie/failed_requests/<reason> feeds the health report; kexie/failed/<reason> the reliability stats
        self.crawler.stats.inc_value(f"kexie/failed_requests/{reason}")
        self.crawler.stats.inc_value(f"kexie/failed/{reason}")
        url = failure.value.response.url if failure.check(HttpError) else real_url(request)
        asked = request.meta.get(self.URL_META) or asked_url(request)
        expected = reason in EXPECTED_REASONS or reason.startswith("http_")
        (self.logger.warning if expected else self.logger.error)(
            "%s: %s (%s), nothing stored", asked, detail, "retryable" if retryable else "permanent")
        if request.callback == self.parse_article or self.URL_META in request.meta:
            self.crawler.stats.inc_value(f"kexie/page_state/{pagestate.HTTP_ERROR}")
            yield self.page_state(asked, pagestate.HTTP_ERROR, detail, retryable, page_url=url, reason=reason)
        else:
            # A list page (a channel's first page, a later one, a CMS unit page): recorded as
            # LIST_ERROR, so it shows in page_states, the summary and the health details; never
            # fetched again from the record (every run reads a channel from its first page),
            # and deleted by the next good read of it (ListPageRead).
            self.crawler.stats.inc_value("kexie/failed_list_pages")
            yield self.page_state(asked, LIST_ERROR, detail, retryable, page_url=url, reason=reason)
        yield PageDone(url=url, token=request.meta.get(TOKEN))

    # --- bulletin pages --------------------------------------------------------------------
    URL_META = "kexie_url"  # the URL we asked for, kept through redirects (a 302 to a captcha)
    RETRY_META = "kexie_block_retries"

    def article_request(self, url: str, list_title: str | None = None, **meta: Any) -> scrapy.Request:
        kwargs = {"list_title": list_title} if list_title else {}
        return scrapy.Request(url, callback=self.parse_article, errback=self.request_failed,
                              cb_kwargs=kwargs, meta={self.URL_META: url, **meta})

    def parse_article(self, response: Response, list_title: str | None = None):
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        result = parse_page(
            response.body, url=response.url, content_type=content_type, source=self.name, title_hint=list_title
        )
        self.crawler.stats.inc_value(f"kexie/page_state/{result.page_state}")
        if not pagestate.is_blocked(result.page_state):
            self._blocked_in_a_row = 0  # the site answered with a real page
        if result.page_state != pagestate.OK:
            asked = ((response.meta.get(self.URL_META) or asked_url(response.request))
                     if response.request is not None else response.url)
            self.logger.warning("page %s: %s, nothing stored", asked, result.page_state)
            yield self.page_state(asked, result.page_state, response.url if response.url != asked else None,
                                  page_url=response.url)
            if pagestate.is_blocked(result.page_state):
                yield from self.blocked(response, asked, result.page_state)
            return
        if self.since and result.bulletin.published_at and result.bulletin.published_at[:10] < self.since.isoformat():
            return
        yield result.bulletin
        yield from result.articles

    def page_state(self, url: str, state: str, detail: str | None = None, retryable: bool | None = None,
                   page_url: str | None = None, reason: str | None = None) -> PageState:
        """``url``: the page asked for; ``page_url``: the response's (the page batch it goes with);
        ``reason``: the short code of why (default: the state)."""
        return PageState(
            url=url, canonical_url=canonical_url(url), source=self.name, state=state, reason=reason or state,
            retryable=state in pagestate.RETRYABLE if retryable is None else retryable, detail=detail,
            page_url=page_url or url,
        )

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


def safe_join(response: Response, href: str) -> str | None:
    """``href`` made absolute against the page, or None when it is no usable http(s) link
    (malformed: ``http://[::1``, control characters, ``javascript:``, ``mailto:`` …)."""
    href = _CONTROL_CHARS.sub("", href or "").strip()
    if not href:
        return None
    try:
        url = response.urljoin(href)
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return url


_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def _resume(engine) -> None:
    """Unpause, and wake the engine now rather than at its next 5-second heartbeat."""
    engine.unpause()
    slot = getattr(engine, "_slot", None)  # Scrapy internals: best effort only
    nextcall = getattr(slot, "nextcall", None)
    if nextcall is not None:
        nextcall.schedule()


def readable(response: Response) -> Response:
    """The response, re-decoded when its declared charset garbles it (GBK sent as utf-8).

    Scrapy trusts the HTTP header over the page's <meta>; the parser's rescue
    (``parsing.decode``) knows better, so list pages get the same treatment as articles.
    """
    if not isinstance(response, TextResponse):
        return response
    content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
    encoding = better_encoding(response.body, content_type, response.text)
    return response.replace(encoding=encoding) if encoding and encoding != response.encoding else response


__all__ = ["BulletinSpider", "Bulletin", "ListEntry", "readable"]
