"""Downloader middlewares for a hostile web, and what a failed fetch is called.

* ``BackoffRetryMiddleware`` (replaces Scrapy's ``RetryMiddleware`` at 550): the same
  retryable statuses (500, 502, 503, 504, 522, 524, 408, 429) and network errors, but
  each retry waits — ``Retry-After`` when the server sends one, else an exponential
  backoff with jitter (``KEXIE_RETRY_BACKOFF_BASE`` · 2ⁿ, at most
  ``KEXIE_RETRY_BACKOFF_MAX``) — and a ``Retry-After`` longer than
  ``KEXIE_RETRY_AFTER_MAX`` is not waited for in this run: the page is recorded as a
  retryable failure for the next one. It also retries a gzip body that ended early.
* ``GzipIntegrityMiddleware`` (595, just before decompression): Scrapy's gunzip keeps
  whatever a truncated gzip stream decompressed to, which would be a page cut short; a
  stream without its end is flagged, retried, and never parsed.
* ``SafeRedirectMiddleware`` / ``SafeMetaRefreshMiddleware`` (replace Scrapy's at 600 /
  580): a redirect is followed only to http(s), to a host in the spider's
  ``allowed_domains``, never to a loopback, private, link-local or otherwise non-public
  IP address, and never around a loop; anything else raises ``IgnoreRequest`` (the
  request's errback records it).
* ``PrivateAddressMiddleware`` (60): no request at all to such an address (the replay
  server of the tests and the demo excepted), whether the URL names it (an IP literal,
  ``localhost``) or a host name resolves to it (DNS rebinding: ``KEXIE_RESOLVE_HOSTS``).

``classify_failure`` names what went wrong with a request (reason, retryable, detail);
the spiders' errback uses it to log and record the failure.
"""

from __future__ import annotations

import ipaddress
import logging
import random
import re
import socket
import time
import zlib
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.utils.response import response_status_message
from scrapy.utils.url import url_is_from_any_domain
from w3lib.url import canonicalize_url, safe_url_string

logger = logging.getLogger(__name__)

TRUNCATED = "kexie_truncated_body"  # request.meta flag set by GzipIntegrityMiddleware
CHAIN = "kexie_redirect_chain"  # request.meta: the real URLs a redirect chain went through


class TruncatedResponse(Exception):
    """A body that ended before its encoding said it would (a gzip stream without its end)."""


# --- addresses ---------------------------------------------------------------------------
def non_public_host(host: str | None) -> bool:
    """True for ``localhost`` and for IP literals that are not globally routable
    (loopback, private, link-local, shared, reserved, multicast, unspecified), in any of
    the spellings a URL parser accepts (``127.1``, ``2130706433``, ``0x7f.0.0.1``)."""
    if not host:
        return True
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    address = _ip_literal(host)
    return address is not None and not address.is_global


def _ip_literal(host: str):
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if not _INET_ATON.match(host):
        return None
    try:  # the forms inet_aton accepts, as browsers and libcurl do: 127.1, 2130706433, 0x7f.0.0.1
        return ipaddress.ip_address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


_INET_ATON = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$")


def _replay_base(crawler) -> str | None:
    base = crawler.settings.get("KEXIE_REPLAY_URL") if crawler is not None else None
    return base.rstrip("/") + "/" if base else None


def resolve_host(host: str) -> list[str]:
    """The addresses ``host`` resolves to, by the system resolver (/etc/hosts, DNS)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({info[4][0] for info in infos})


def first_non_public(addresses) -> str | None:
    """The first of ``addresses`` that is not globally routable, or None."""
    for address in addresses:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return address  # not an address we can judge: not one we connect to
        if not ip.is_global:
            return address
    return None


def _needs_resolving(host: str | None) -> bool:
    """A host *name* (an IP literal or ``localhost`` is judged by ``non_public_host``)."""
    return bool(host) and _ip_literal(host.strip("[]").rstrip(".").lower()) is None


def _scrapy_dns_cache():
    """Scrapy's process-wide DNS cache (host → what its resolver connects to), if in use."""
    try:
        from scrapy.resolver import dnscache
    except ImportError:  # pragma: no cover - a Scrapy without it
        return None
    return dnscache if dnscache.limit else None


def _cached_addresses(host: str) -> list[str] | None:
    """The addresses Scrapy's downloader will connect to for ``host`` (cached by its resolver)."""
    cache = _scrapy_dns_cache()
    if cache is None or host not in cache:
        return None
    value = cache[host]
    if isinstance(value, str):  # CachingThreadedResolver (the default): one IPv4 address
        return [value]
    return [getattr(a, "host", str(a)) for a in value]  # CachingHostnameResolver: IAddress objects


def _pin(host: str, addresses: list[str], reactor=None) -> None:
    """Put the checked addresses in Scrapy's DNS cache, so the connection goes to an address
    we checked and not to whatever a second lookup returns (the rebinding trick: public for
    the check, private a moment later for the connection). Scrapy keeps cached names for
    the whole process."""
    cache = _scrapy_dns_cache()
    if cache is None:
        return
    from scrapy.resolver import CachingHostnameResolver, CachingThreadedResolver
    from twisted.internet.address import IPv4Address, IPv6Address

    if reactor is None:
        from twisted.internet import reactor  # the crawl's, installed by Scrapy by now

    if isinstance(getattr(reactor, "resolver", None), CachingThreadedResolver):
        ipv4 = [a for a in addresses if ":" not in a]
        if ipv4:
            cache[host] = ipv4[0]
    elif isinstance(getattr(reactor, "nameResolver", None), CachingHostnameResolver):
        cache[host] = [IPv6Address("TCP", a, 0) if ":" in a else IPv4Address("TCP", a, 0) for a in addresses]


class PrivateAddressMiddleware:
    """Drop any request to a non-public address: a page cannot point us into the LAN.

    By the URL (an IP literal in any spelling, ``localhost``), and by where a host name
    resolves (``KEXIE_RESOLVE_HOSTS``): a name with any loopback, private, link-local …
    address is refused too. The addresses checked are the ones connected to (``_pin``).
    Under ``--replay`` every request goes to the local mirror and no name is looked up,
    so by default names are not resolved there (``KEXIE_RESOLVE_HOSTS=1`` forces it).
    """

    # A verdict on a name is kept this long (s); Scrapy's own DNS cache, when it has the
    # name, is what the connection uses, and is judged instead.
    VERDICT_TTL = 300.0
    VERDICT_CACHE_SIZE = 10000

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.replay = _replay_base(crawler)
        wanted = crawler.settings.get("KEXIE_RESOLVE_HOSTS") if crawler is not None else None
        if wanted is None or str(wanted).strip().lower() in ("", "auto"):
            self.resolve = not self.replay
        else:
            self.resolve = crawler.settings.getbool("KEXIE_RESOLVE_HOSTS")
        self.verdicts: dict[str, tuple[float, str | None]] = {}  # host → (valid until, bad address or None)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request, spider=None):
        if self.replay and request.url.startswith(self.replay):
            return None  # the local replay server of the demo and the tests
        host = urlsplit(request.url).hostname
        if non_public_host(host):
            self.crawler.stats.inc_value("kexie/refused/private_address")
            raise IgnoreRequest(f"refused: {request.url} is not a public address")
        if self.resolve and _needs_resolving(host):
            bad = await self.resolves_to_non_public(host)
            if bad:
                self.crawler.stats.inc_value("kexie/refused/private_address")
                self.crawler.stats.inc_value("kexie/refused/private_address_resolved")
                raise IgnoreRequest(f"refused: {request.url} is not a public address ({host} resolves to {bad})")
        return None

    def known_verdict(self, host: str) -> tuple[bool, str | None]:
        """(known, bad address or None) without a lookup."""
        cached = _cached_addresses(host)
        if cached is not None:
            return True, first_non_public(cached)
        entry = self.verdicts.get(host)
        if entry is not None and entry[0] > time.monotonic():
            return True, entry[1]
        return False, None

    async def resolves_to_non_public(self, host: str) -> str | None:
        """The first non-public address ``host`` resolves to, or None (also when it does not
        resolve: the download then fails on the lookup itself and says so)."""
        known, bad = self.known_verdict(host)
        if known:
            return bad
        try:
            addresses = await self.lookup(host)
        except (OSError, UnicodeError):
            return None
        bad = first_non_public(addresses)
        if bad is None:
            _pin(host, addresses)
        if len(self.verdicts) >= self.VERDICT_CACHE_SIZE:
            self.verdicts.clear()
        self.verdicts[host] = (time.monotonic() + self.VERDICT_TTL, bad)
        return bad

    @staticmethod
    async def lookup(host: str) -> list[str]:
        """``resolve_host`` off the reactor thread: getaddrinfo blocks, so it runs in the
        reactor's thread pool, as Scrapy's own resolver does. With the verdict cache this is
        one lookup per new host name (per VERDICT_TTL), not one per request."""
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import threads

        return await maybe_deferred_to_future(threads.deferToThread(resolve_host, host))


def _private_address_middleware(crawler) -> PrivateAddressMiddleware | None:
    try:
        middlewares = crawler.engine.downloader.middleware.middlewares
    except AttributeError:
        return None
    return next((m for m in middlewares if isinstance(m, PrivateAddressMiddleware)), None)


# --- redirects ---------------------------------------------------------------------------
class _SafeRedirect:
    """Check every redirect a Scrapy redirect middleware wants to follow."""

    crawler = None

    def _checked(self, request: Request, response, result):
        if not isinstance(result, Request) or result is request:
            return result
        target = result.url
        chain = [*request.meta.get(CHAIN, ()), response.url]
        why = self.refusal(target, chain)
        if why:
            self.crawler.stats.inc_value(f"kexie/refused/redirect_{why.split(':')[0].replace(' ', '_')}")
            raise IgnoreRequest(f"redirect from {response.url} to {target} refused: {why}")
        result.meta[CHAIN] = chain
        return result

    def refusal(self, target: str, chain: list[str]) -> str | None:
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https"):
            return f"scheme {parts.scheme or '(none)'}"
        if non_public_host(parts.hostname):
            return "non-public address"
        # A host name: refused here when its verdict is known already; otherwise the
        # redirected request is checked (resolved) by PrivateAddressMiddleware before it goes out.
        checker = _private_address_middleware(self.crawler)
        if checker is not None and checker.resolve and _needs_resolving(parts.hostname):
            known, bad = checker.known_verdict(parts.hostname)
            if known and bad:
                return f"non-public address ({parts.hostname} resolves to {bad})"
        spider = self.crawler.spider if self.crawler is not None else None
        allowed = [d for d in (getattr(spider, "allowed_domains", None) or []) if d]
        if allowed and not url_is_from_any_domain(target, allowed):
            return f"offsite: {parts.hostname}"
        seen = {canonicalize_url(u) for u in chain}
        if canonicalize_url(target) in seen:
            return "redirect loop"
        return None


def _absolute_location(response):
    """The response with a relative ``Location`` made absolute against ``response.url``
    (the real URL, also under the replay server, which restores it)."""
    location = response.headers.get("Location")
    if not location:
        return response
    value = location.decode("latin-1")
    if urlsplit(value).scheme:
        return response
    headers = response.headers.copy()
    headers["Location"] = urljoin(response.url, safe_url_string(value))
    return response.replace(headers=headers)


class SafeRedirectMiddleware(_SafeRedirect, RedirectMiddleware):
    def process_response(self, request, response, spider=None):
        response = _absolute_location(response) if 300 <= response.status < 400 else response
        return self._checked(request, response, super().process_response(request, response))


class SafeMetaRefreshMiddleware(_SafeRedirect, MetaRefreshMiddleware):
    def process_response(self, request, response, spider=None):
        return self._checked(request, response, super().process_response(request, response))


# --- truncated gzip ------------------------------------------------------------------------
class GzipIntegrityMiddleware:
    """Flag a gzip body whose stream has no end (``TRUNCATED`` in the request's meta)."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getint("DOWNLOAD_MAXSIZE"))

    def process_response(self, request, response, spider=None):
        encoding = response.headers.get("Content-Encoding", b"").decode("latin-1").lower()
        if "gzip" in encoding and response.body and not gzip_complete(response.body, self.maxsize):
            request.meta[TRUNCATED] = True
        return response


def gzip_complete(body: bytes, limit: int = 0) -> bool:
    """Does ``body`` hold a whole gzip stream (its end reached, checksum read)?
    Decompresses in bounded steps; past ``limit`` bytes of output it says yes and lets
    the decompression middleware refuse the size."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    produced, data = 0, body
    try:
        while data and not inflater.eof:
            produced += len(inflater.decompress(data, 1 << 20))
            data = inflater.unconsumed_tail
            if limit and produced > limit:
                return True
        if not inflater.eof:
            produced += len(inflater.flush())
    except zlib.error:
        return False
    return inflater.eof


# --- retries with backoff -------------------------------------------------------------------
def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """``Retry-After``: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("KEXIE_RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("KEXIE_RETRY_BACKOFF_MAX", 60.0)
        self.retry_after_max = settings.getfloat("KEXIE_RETRY_AFTER_MAX", 120.0)
        self.slow_domain = settings.getbool("KEXIE_RETRY_AFTER_SLOWS_DOMAIN", True)

    def backoff(self, request: Request) -> float:
        attempt = request.meta.get("retry_times", 0)  # retries so far
        return min(self.cap, self.base * (2 ** attempt)) * random.uniform(0.5, 1.0)

    async def process_response(self, request, response, spider=None):
        truncated = request.meta.pop(TRUNCATED, False)
        if request.meta.get("dont_retry", False):
            if truncated:
                raise TruncatedResponse(f"gzip body of {response.url} ends early")
            return response
        if truncated:
            reason = "truncated gzip body"
        elif response.status in self.retry_http_codes:
            reason = response_status_message(response.status)
        else:
            return response
        delay = self.backoff(request)
        told = retry_after_seconds(response.headers.get("Retry-After"))
        if told is not None:
            if told > self.retry_after_max:
                self.crawler.stats.inc_value("kexie/retry/retry_after_too_long")
                logger.warning("%s: %s, Retry-After %.0f s is more than we wait (%.0f s): left for the next run",
                               response.url, reason, told, self.retry_after_max)
                if truncated:
                    raise TruncatedResponse(reason)
                return response
            delay = max(delay, told)
            if self.slow_domain:
                self._slow_slot(request, told)
        retry = self._retry(request, reason)
        if retry is None:
            if truncated:
                raise TruncatedResponse(f"{reason}: {response.url}")
            return response
        await _sleep(delay)
        return retry

    async def process_exception(self, request, exception, spider=None):
        retry = super().process_exception(request, exception)
        if isinstance(retry, Request):
            await _sleep(self.backoff(request))
        return retry

    def _slow_slot(self, request, seconds: float) -> None:
        """The server asked for a pause: the domain's download delay becomes at least that."""
        try:
            slots = self.crawler.engine.downloader.slots
        except AttributeError:
            return
        slot = slots.get(request.meta.get("download_slot"))
        if slot is not None and slot.delay < seconds:
            slot.delay = min(seconds, self.retry_after_max)


async def _sleep(seconds: float) -> None:
    if seconds <= 0:
        return
    from scrapy.utils.asyncio import sleep

    await sleep(seconds)


# --- naming failures -----------------------------------------------------------------------
def real_url(request) -> str:
    """The URL a request was made for: under the replay server, the site's, not 127.0.0.1's."""
    return request.meta.get("kexie_replay_original_url") or request.url


def asked_url(request) -> str:
    """The URL the spider asked for, before any redirect: the key of its failure record."""
    chain = request.meta.get(CHAIN)
    return chain[0] if chain else real_url(request)


# HTTP statuses worth another try on a later run (the retry middleware's list).
RETRYABLE_STATUSES = frozenset((408, 429, 500, 502, 503, 504, 522, 524))


def classify_failure(failure) -> tuple[str, bool, str]:
    """(reason, retryable, detail) for a request's failure.

    Reasons: ``http_<status>``, ``timeout``, ``connection``, ``truncated``, ``too_large``,
    ``robots``, ``offsite``, ``redirect``, ``private_address``, ``ignored``, ``error``.
    """
    from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, ResponseDataLossError
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.internet.error import ConnectError, ConnectionDone, ConnectionLost, TimeoutError as TxTimeout
    from twisted.web._newclient import ResponseFailed

    value = failure.value
    message = " ".join(failure.getErrorMessage().split())[:300] or type(value).__name__
    if failure.check(HttpError):
        status = value.response.status
        return f"http_{status}", status in RETRYABLE_STATUSES, f"HTTP {status}"
    if failure.check(DownloadTimeoutError, TxTimeout):
        return "timeout", True, message or "timed out"
    if failure.check(TruncatedResponse, ResponseDataLossError):
        return "truncated", True, message
    if failure.check(DownloadCancelledError):
        return "too_large", False, message
    if failure.check(ConnectError, ConnectionDone, ConnectionLost, ResponseFailed):
        return "connection", True, f"{type(value).__name__}: {message}"
    if failure.check(IgnoreRequest):
        lowered = message.lower()
        if "robots.txt" in lowered:
            return "robots", False, message
        if "redirect" in lowered:
            return "redirect", False, message
        if "offsite" in lowered:
            return "offsite", False, message
        if "not a public address" in lowered:
            return "private_address", False, message
        if "max_size" in lowered or "larger than download max size" in lowered or "exceeded" in lowered:
            return "too_large", False, message
        return "ignored", False, message
    if failure.check(OSError):  # DNS, refused, reset: the network, not us
        return "connection", True, f"{type(value).__name__}: {message}"
    return "error", True, f"{type(value).__name__}: {message}"


EXPECTED_REASONS = frozenset(("timeout", "connection", "truncated", "too_large", "robots", "offsite", "redirect",
                              "private_address", "ignored"))
