"""The storage interface the pipelines and spiders talk to.

Writes are grouped by page: everything one fetched bulletin page produced — its bulletin
row (new or already known), the articles that passed dedupe, and the sightings of
articles already stored — is a ``PageBatch`` and goes to the database in one
transaction (``Store.write_page``; the store pipeline commits several finished pages
together, ``Store.write_pages``). A page is therefore either wholly stored or not at
all, which is what lets a killed crawl be resumed without losing or doubling anything.
The same transaction records where things were seen (``article_urls`` with how each
sighting matched, ``bulletin_sources``), the MinHash signatures of new articles, and the
page's state when it gave no article (``page_states``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, NamedTuple, Protocol

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


PAGE_STATE_COLUMNS = ("canonical_url", "url", "source", "state", "reason", "retryable", "detail", "crawled_at")


def page_state_row(record: dict[str, Any]) -> dict[str, Any]:
    row = {k: record.get(k) for k in PAGE_STATE_COLUMNS}
    row["retryable"] = bool(row["retryable"])
    return row


def article_item(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row back in the shape of ``articles.jsonl`` (region nested again)."""
    item = {k: row.get(k) for k in ARTICLE_COLUMNS if k not in REGION_COLUMNS.values()}
    item["region"] = {key: row.get(column) for key, column in REGION_COLUMNS.items()}
    return item


class Seen(NamedTuple):
    """A page's sighting of an article already stored (or kept earlier in this run)."""

    content_hash: str  # the stored article's: the key of its sightings
    bulletin_id: str | None = None  # the bulletin of the page it was seen on
    match: str = "content_hash"  # id | content_hash | minhash
    similarity: float | None = None  # minhash: the estimated Jaccard similarity
    source: str | None = None
    seen_at: str | None = None  # default: the page's crawl time


@dataclass
class ArticleFilter:
    """Which articles an export or a statistic covers. Dates are ``YYYY-MM-DD`` and bound
    ``published_at`` (``until`` inclusive); a province matches its full name or a prefix of it
    (``四川`` finds ``四川省``); sources are spider names."""

    since: str | None = None
    until: str | None = None
    provinces: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def until_exclusive(self) -> str:
        from datetime import date, timedelta

        return (date.fromisoformat(self.until) + timedelta(days=1)).isoformat()


@dataclass
class ReparseResult:
    """What a new parse of one page changed (ids)."""

    inserted: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # stored from another page already
    near_duplicates: list[str] = field(default_factory=list)  # content hashes of stored reports matched by MinHash


@dataclass
class PageBatch:
    """What one fetched page contributes, written in one transaction."""

    url: str  # the page's canonical URL: the key of its sightings
    bulletin: dict[str, Any] | None = None  # inserted when new, else its crawled_at is refreshed
    articles: list[dict[str, Any]] = field(default_factory=list)  # passed dedupe: inserted unless a race won
    # Known articles seen here: ``Seen`` entries (a plain (content_hash, bulletin_id) pair is one too).
    seen: list[tuple] = field(default_factory=list)
    signatures: dict[str, bytes] = field(default_factory=dict)  # article id → MinHash signature (neardup)
    page_state: dict[str, Any] | None = None  # the page gave no article: a PageState record
    # List pages read fine (canonical URLs): their list-page failure records are deleted.
    list_read: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.bulletin or self.articles or self.seen or self.page_state or self.list_read)


class Candidate(NamedTuple):
    """A stored article that shares an LSH band with a signature: a near-duplicate candidate."""

    article_id: str
    content_hash: str
    region_code: str | None
    page_url: str | None
    signature: bytes


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
    def find_article(self, article_id: str, content_hash: str) -> tuple[str, str] | None:
        """(stored content hash, "id" | "content_hash") of the stored copy of this report, if any."""
    def known_page_urls(self, urls: Iterable[str]) -> set[str]: ...
    def signature_candidates(self, band_keys: Iterable[int], limit: int = ..., province: int = 0) -> list[Candidate]: ...
    # What to fetch next, and what was seen where.
    def original_urls(self, pending_only: bool = True) -> list[str]:
        """Distinct 原文链接 of stored bulletins; ``pending_only``: those not yet fetched
        (no bulletin source at that URL) and not known to be gone for good."""
    def page_states(self, retryable: bool | None = None, source: str | None = None,
                    list_pages: bool | None = None) -> list[dict[str, Any]]: ...
    def article_sources(self, article_id: str) -> list[dict[str, Any]]: ...
    def bulletin_sources(self, bulletin_id: str) -> list[dict[str, Any]]: ...
    # Writes.
    def write_page(self, batch: PageBatch) -> PageResult: ...
    def write_pages(self, batches: list[PageBatch]) -> list[PageResult]:
        """Several pages in one transaction: all of them stored, or none."""
    def upsert_bulletin(self, bulletin: dict[str, Any]) -> None: ...
    def upsert_article(self, article: dict[str, Any]) -> None: ...
    def touch_bulletin(self, bulletin_id: str, crawled_at: str) -> None: ...
    def record_page_state(self, record: dict[str, Any]) -> None: ...
    def retry_urls(self, source: str | None, max_attempts: int) -> list[str]:
        """URLs of retryable failures of bulletin pages of this source tried fewer than
        ``max_attempts`` times (list pages are not: every run reads its channels again)."""
    def settled_failures(self, urls: Iterable[str]) -> set[str]:
        """The given canonical URLs recorded as bulletin pages failed for good (not retryable)."""
    # Reporting and export.
    def counts(self) -> dict[str, int]: ...
    def iter_articles(self) -> Iterator[dict[str, Any]]: ...
    def iter_bulletins(self) -> Iterator[dict[str, Any]]: ...
    def count_articles(self, where: "ArticleFilter | None" = None) -> int: ...
    def query_articles(self, where: "ArticleFilter | None" = None) -> Iterator[dict[str, Any]]: ...
    def article_counts(self, by: tuple[str, ...], where: "ArticleFilter | None" = None) -> list[tuple]: ...
    # Crawl history and re-parsing.
    def record_crawl_run(self, run: dict[str, Any]) -> None: ...
    def recent_crawl_runs(self, source: str, limit: int = 10) -> list[dict[str, Any]]: ...
    def reparse_page(self, url: str, bulletin: dict[str, Any], articles: list[dict[str, Any]],
                     seen: Iterable[Seen] = (), signatures: dict[str, bytes] | None = None) -> ReparseResult: ...
    def schema_version(self) -> int: ...
    def commit(self) -> None: ...
    def close(self) -> None: ...
