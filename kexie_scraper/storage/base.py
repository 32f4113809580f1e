"""The storage interface the pipelines talk to."""

from __future__ import annotations

from typing import Any, Protocol

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


class Store(Protocol):
    def article_known(self, article_id: str, content_hash: str) -> bool: ...
    def bulletin_known(self, bulletin_id: str) -> bool: ...
    def upsert_bulletin(self, bulletin: dict[str, Any]) -> None: ...
    def upsert_article(self, article: dict[str, Any]) -> None: ...
    def touch_bulletin(self, bulletin_id: str, crawled_at: str) -> None: ...
    def counts(self) -> dict[str, int]: ...
    def commit(self) -> None: ...
    def close(self) -> None: ...
