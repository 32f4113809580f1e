"""The storage interface the pipelines and spiders talk to.

Writes are grouped by page: everything one fetched bulletin page produced — its bulletin
row (new or already known), the articles that passed dedupe, and the sightings of
articles already stored — is a ``PageBatch`` and goes to the database in one
transaction (``Store.write_page``). A page is therefore either wholly stored or not at
all, which is what lets a killed crawl be resumed without losing or doubling anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Protocol

# Column order of the two tables; the JSON field names map onto them 1:1 except
# ``region`` (flattened to province/city/county/region_code/region_former_name).
BULLETIN_COLUMNS = (
    "id", "source", "url", "canonical_url", "title", "published_at", "publisher", "publisher_alias",
    "original_url", "page_state", "intro", "article_count", "crawled_at",
)
ARTICLE_COLUMNS = (
    "id", "content_hash", "bulletin_id", "source", "bulletin_url", "bulletin_title", "position", "title", "body",
    "attribution", "org", "province", "city", "county", "region_code", "region_former_name", "published_at",
    "publisher", "original_url", "split_rule", "split_confidence", "crawled_at",
)
REGION_COLUMNS = {"province": "province", "city": "city", "county": "county", "code": "region_code",
                  "former_name": "region_former_name"}


def article_row(article: dict[str, Any]) -> dict[str, Any]:
    region = article.get("region") or {}
    row = {k: article.get(k) for k in ARTICLE_COLUMNS}
    row.update({column: region.get(key) for key, column in REGION_COLUMNS.items()})
    return row


def bulletin_row(bulletin: dict[str, Any]) -> dict[str, Any]:
    return {k: bulletin.get(k) for k in BULLETIN_COLUMNS}


def article_item(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row back in the shape of ``articles.jsonl`` (region nested again)."""
    item = {k: row.get(k) for k in ARTICLE_COLUMNS if k not in REGION_COLUMNS.values()}
    item["region"] = {key: row.get(column) for key, column in REGION_COLUMNS.items()}
    return item


@dataclass
class PageBatch:
    """What one fetched page contributes, written in one transaction."""

    url: str  # the page's canonical URL: the key of its sightings
    bulletin: dict[str, Any] | None = None  # inserted when new, else its crawled_at is refreshed
    articles: list[dict[str, Any]] = field(default_factory=list)  # passed dedupe: inserted unless a race won
    seen: list[tuple[str, str | None]] = field(default_factory=list)  # (content_hash, bulletin_id) of known articles

    def __bool__(self) -> bool:
        return bool(self.bulletin or self.articles or self.seen)


@dataclass
class PageResult:
    bulletin_inserted: bool | None = None  # None: the batch had no bulletin
    inserted: list[str] = field(default_factory=list)  # ids of articles stored by this write
    conflicted: list[str] = field(default_factory=list)  # ids that turned out stored already (another worker won)


class Store(Protocol):
    url: str

    # Reads: indexed lookups, so dedupe needs no in-memory set of everything stored.
    def article_known(self, article_id: str, content_hash: str) -> bool: ...
    def bulletin_known(self, bulletin_id: str) -> bool: ...
    def known_page_urls(self, urls: Iterable[str]) -> set[str]: ...
    # Writes.
    def write_page(self, batch: PageBatch) -> PageResult: ...
    def upsert_bulletin(self, bulletin: dict[str, Any]) -> None: ...
    def upsert_article(self, article: dict[str, Any]) -> None: ...
    def touch_bulletin(self, bulletin_id: str, crawled_at: str) -> None: ...
    # Pages that gave no article (table page_states).
    def record_page_state(self, record: dict[str, Any]) -> None:
        """Upsert by canonical URL: state, reason, retryable, detail, attempts += 1, last seen."""
    def page_states(self, retryable: bool | None = None, source: str | None = None) -> list[dict[str, Any]]: ...
    def retry_urls(self, source: str | None, max_attempts: int) -> list[str]:
        """URLs of retryable failures of this source tried fewer than ``max_attempts`` times."""
    def settled_failures(self, urls: Iterable[str]) -> set[str]:
        """The given canonical URLs recorded as failed for good (not retryable)."""
    # Reporting and export.
    def counts(self) -> dict[str, int]: ...
    def iter_articles(self) -> Iterator[dict[str, Any]]: ...
    def iter_bulletins(self) -> Iterator[dict[str, Any]]: ...
    def schema_version(self) -> int: ...
    def commit(self) -> None: ...
    def close(self) -> None: ...
