"""Being a good guest: an identifying User-Agent, and an HTTP cache that never keeps a block page."""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

from scrapy import signals
from scrapy.downloadermiddlewares.useragent import UserAgentMiddleware
from scrapy.extensions.httpcache import DummyPolicy

from .parsing import pagestate

logger = logging.getLogger(__name__)

PLACEHOLDER_CONTACT = "https://example.org/kexie_scraper"
_SCRAPY_DEFAULT_UA = "Scrapy/"


def package_version() -> str:
    try:
        return version("kexie-scraper")
    except PackageNotFoundError:  # running from a source tree without an install
        return "0.1"


def user_agent(contact_url: str) -> str:
    """`kexie_scraper/0.1 (+https://…; research crawler of public 科协 bulletins)`."""
    return f"kexie_scraper/{package_version()} (+{contact_url}; research crawler of public bulletins)"


class KexieUserAgentMiddleware(UserAgentMiddleware):
    """Scrapy's User-Agent middleware, with the agent built from ``KEXIE_CONTACT_URL`` unless
    ``USER_AGENT`` was set explicitly (to anything but Scrapy's own default)."""

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        explicit = settings.get("USER_AGENT")
        contact = settings.get("KEXIE_CONTACT_URL") or PLACEHOLDER_CONTACT
        if explicit and not explicit.startswith(_SCRAPY_DEFAULT_UA):
            agent = explicit
        else:
            agent = user_agent(contact)
        if contact == PLACEHOLDER_CONTACT and not settings.get("KEXIE_REPLAY_URL"):
            logger.warning("KEXIE_CONTACT_URL is the placeholder %s: set it to a page that says who runs this crawl", contact)
        middleware = cls(agent)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware


class KexieCachePolicy(DummyPolicy):
    """Cache everything Scrapy's dummy policy would, except the pages a site uses to push
    back: a captcha or rate-limit page (HTTP 200, told by its text), or a redirect to one.
    Caching those would replay the block on every later run."""

    def should_cache_response(self, response, request) -> bool:
        if not super().should_cache_response(response, request):
            return False
        location = response.headers.get("Location")
        if location and pagestate.classify_url(location.decode("latin-1")):
            return False
        if pagestate.classify_url(response.url):
            return False
        body = response.body[:20000]
        if len(response.body) < 60000:
            text = body.decode("utf-8", "replace")
            if pagestate.classify_text(text, 0) in pagestate.BLOCKED:
                return False
        return True
