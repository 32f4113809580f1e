"""The two things this project produces: a Bulletin (one fetched page) and its Articles.

Both are plain dataclasses so that parsing stays importable without Scrapy; Scrapy and
the pipelines handle them through ``itemadapter``.  Every field is documented in the
README ("Output fields"); keep the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any


@dataclass
class Region:
    """A place in GB/T 2260 terms. ``code`` is the 6-digit code of the lowest level known."""

    province: str | None = None
    city: str | None = None
    county: str | None = None
    code: str | None = None
    # The name as written on the page when it is a former name (e.g. 临安市, now 杭州市临安区).
    former_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "province": self.province, "city": self.city, "county": self.county,
            "code": self.code, "former_name": self.former_name,
        }


@dataclass
class Bulletin:
    """One fetched page: the container of one or more regional articles."""

    id: str | None = None
    source: str | None = None
    url: str | None = None
    canonical_url: str | None = None
    title: str | None = None
    published_at: str | None = None
    publisher: str | None = None
    publisher_alias: str | None = None
    original_url: str | None = None
    page_state: str = "ok"
    intro: str | None = None
    outro: str | None = None
    article_count: int = 0
    crawled_at: str | None = None


@dataclass
class Article:
    """One regional report cut out of a bulletin."""

    id: str | None = None
    source: str | None = None
    bulletin_id: str | None = None
    bulletin_url: str | None = None
    bulletin_title: str | None = None
    position: int = 1
    title: str | None = None
    body: str = ""
    attribution: str | None = None
    org: str | None = None
    region: dict[str, Any] = field(default_factory=lambda: Region().to_dict())
    published_at: str | None = None
    publisher: str | None = None
    original_url: str | None = None
    split_rule: str | None = None
    split_confidence: float | None = None
    content_hash: str | None = None
    crawled_at: str | None = None


@dataclass
class PageState:
    """A fetched page that gave no article: why, and whether a later run should try again.

    Stored in ``page_states`` (keyed by canonical URL, attempts counted), never exported to
    the article or bulletin feeds. A later successful fetch of the same URL clears it.
    """

    url: str | None = None
    canonical_url: str | None = None
    source: str | None = None
    state: str = "ok"  # a kexie_scraper.parsing.pagestate value
    # Short code of why: the page state, or for a failed fetch (state http_error) http_<status>,
    # timeout, connection, truncated, too_large, robots, redirect … (resilience.classify_failure).
    reason: str | None = None
    retryable: bool = False
    detail: str | None = None  # e.g. the captcha URL a 302 led to, or "HTTP 404"
    crawled_at: str | None = None
    # The fetched page's own URL (after redirects): the page batch it is written with.
    page_url: str | None = None


# The state of a list page (a channel page, a further page of it) that could not be read:
# recorded in ``page_states`` like a failed bulletin page (reason, retryable, times), but
# never fetched again as a bulletin page; the next good read of that list page clears it.
LIST_ERROR = "list_error"


@dataclass
class ListPageRead:
    """Internal marker, never exported: a list page was read, so an earlier failure record of
    it (state ``LIST_ERROR``) is out of date. Written with the page (``page_url``)."""

    url: str
    canonical_url: str
    page_url: str | None = None


@dataclass
class PageDone:
    """Internal marker, never exported: the last thing a fetched page produces.

    ``kexie_scraper.middlewares.PageDoneMiddleware`` appends it to every callback's
    output (the spider's errback yields it for failed downloads). It reaches the store
    pipeline after the page's own items, which then writes the page in one transaction
    (with the other finished pages of its group) and tells the scheduler the request is
    done (``token``), so a durable queue forgets a request only once its results are
    committed.
    """

    url: str
    token: str | None = None


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def record(item: Any) -> dict[str, Any]:
    """The item as a plain dict: what ``ItemAdapter(item).asdict()`` gives for these
    dataclasses (nested dicts and lists copied one level down, so the record can be kept
    while the item travels on), at a twentieth of its cost: asdict checks every value
    for being an item, recursively, and it ran four times for every article."""
    names = _FIELD_NAMES.get(type(item))
    if names is None:
        if not is_dataclass(item):
            from itemadapter import ItemAdapter

            return ItemAdapter(item).asdict()
        names = _FIELD_NAMES[type(item)] = tuple(f.name for f in fields(item))
    out = {}
    for name in names:
        value = getattr(item, name)
        if isinstance(value, dict):
            value = dict(value)
        elif isinstance(value, list):
            value = list(value)
        out[name] = value
    return out

