"""The storage interface the pipelines talk to."""

from __future__ import annotations

from typing import Any, Iterator, Protocol

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


def article_row(article: dict[str, Any]) -> dict[str, Any]:
    region = article.get("region") or {}
    row = {k: article.get(k) for k in ARTICLE_COLUMNS}
    row.update(
        province=region.get("province"), city=region.get("city"), county=region.get("county"),
        region_code=region.get("code"), region_former_name=region.get("former_name"),
    )
    return row


def bulletin_row(bulletin: dict[str, Any]) -> dict[str, Any]:
    return {k: bulletin.get(k) for k in BULLETIN_COLUMNS}


PAGE_STATE_COLUMNS = ("canonical_url", "url", "source", "state", "retryable", "detail", "crawled_at")


class Store(Protocol):
    # --- articles and bulletins ---
    def article_known(self, article_id: str, content_hash: str) -> bool: ...
    def find_article(self, article_id: str, content_hash: str) -> tuple[str, str] | None:
        """(stored article id, "id" | "content_hash") of the stored copy of this report, if any."""
    def bulletin_known(self, bulletin_id: str) -> bool: ...
    def upsert_bulletin(self, bulletin: dict[str, Any]) -> None: ...
    def upsert_article(self, article: dict[str, Any]) -> None: ...
    def touch_bulletin(self, bulletin_id: str, crawled_at: str) -> None: ...

    # --- every URL where a bulletin / an article was seen ---
    def add_bulletin_source(self, bulletin_id: str, url: str, canonical_url: str, source: str | None, seen_at: str) -> None:
        """Also clears a page state left on ``canonical_url`` by an earlier failed fetch."""
    def add_article_source(
        self, article_id: str, url: str, source: str | None, bulletin_id: str | None,
        match: str, similarity: float | None, seen_at: str,
    ) -> None:
        """``match``: how this sighting was tied to the stored article — ``stored`` (it is the
        stored copy), ``id``, ``content_hash`` or ``minhash`` (with its ``similarity``)."""
    def article_sources(self, article_id: str) -> list[dict[str, Any]]: ...

    # --- near-duplicate signatures ---
    def article_signatures(self) -> Iterator[tuple[str, str | None, str | None, bytes]]:
        """(article id, region code, page URL, MinHash signature) of every stored article that has one."""
    def articles_without_signature(self) -> Iterator[dict[str, Any]]:
        """id, title, body, region_code, bulletin_url of stored articles with no signature yet."""
    def save_article_signature(self, article_id: str, region_code: str | None, page_url: str | None, signature: bytes) -> None: ...

    # --- pages that gave no article (deleted, captcha, …) and what to fetch next ---
    def record_page_state(self, record: dict[str, Any]) -> None:
        """Upsert by canonical URL: state, retryable, detail, attempts += 1, first/last seen."""
    def page_states(self, retryable: bool | None = None) -> list[dict[str, Any]]: ...
    def original_urls(self, pending_only: bool = True) -> list[str]:
        """Distinct 原文链接 of stored bulletins; ``pending_only``: those not yet fetched
        (no bulletin source at that URL) and not known to be gone for good."""

    def counts(self) -> dict[str, int]: ...
    def commit(self) -> None: ...
    def close(self) -> None: ...
