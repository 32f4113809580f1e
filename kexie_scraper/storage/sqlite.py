"""SQLite backend: the embedded default. One file, WAL mode, upserts keyed on derived ids."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Iterator

from .base import ARTICLE_COLUMNS, BULLETIN_COLUMNS, PAGE_STATE_COLUMNS, article_row, bulletin_row

SCHEMA = """
CREATE TABLE IF NOT EXISTS bulletins (
    id TEXT PRIMARY KEY,
    source TEXT, url TEXT, canonical_url TEXT, title TEXT, published_at TEXT,
    publisher TEXT, publisher_alias TEXT, original_url TEXT, page_state TEXT NOT NULL,
    intro TEXT, article_count INTEGER NOT NULL DEFAULT 0,
    crawled_at TEXT, first_seen_at TEXT
);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    bulletin_id TEXT REFERENCES bulletins(id),
    source TEXT, bulletin_url TEXT, bulletin_title TEXT, position INTEGER NOT NULL,
    title TEXT, body TEXT NOT NULL, attribution TEXT, org TEXT,
    province TEXT, city TEXT, county TEXT, region_code TEXT, region_former_name TEXT,
    published_at TEXT, publisher TEXT, original_url TEXT,
    split_rule TEXT, split_confidence REAL,
    crawled_at TEXT, first_seen_at TEXT
);
-- The same report reached through two sources is stored once.
CREATE UNIQUE INDEX IF NOT EXISTS articles_content_hash ON articles(content_hash);
CREATE INDEX IF NOT EXISTS articles_bulletin ON articles(bulletin_id, position);
CREATE INDEX IF NOT EXISTS articles_region ON articles(region_code);
CREATE INDEX IF NOT EXISTS bulletins_canonical_url ON bulletins(canonical_url);
CREATE INDEX IF NOT EXISTS bulletins_original_url ON bulletins(original_url);
-- Every page where a bulletin was seen (the aggregator's copy, the WeChat original, …).
CREATE TABLE IF NOT EXISTS bulletin_sources (
    bulletin_id TEXT NOT NULL, url TEXT NOT NULL, canonical_url TEXT NOT NULL, source TEXT,
    first_seen_at TEXT, last_seen_at TEXT,
    PRIMARY KEY (bulletin_id, canonical_url)
);
CREATE INDEX IF NOT EXISTS bulletin_sources_canonical ON bulletin_sources(canonical_url);
-- Every page where a report was seen, and how that sighting was tied to the stored report.
CREATE TABLE IF NOT EXISTS article_sources (
    article_id TEXT NOT NULL, url TEXT NOT NULL, source TEXT, bulletin_id TEXT,
    match TEXT NOT NULL, similarity REAL,
    first_seen_at TEXT, last_seen_at TEXT,
    PRIMARY KEY (article_id, url)
);
-- MinHash signatures of stored reports, for near-duplicate matching across runs.
CREATE TABLE IF NOT EXISTS article_signatures (
    article_id TEXT PRIMARY KEY, region_code TEXT, page_url TEXT, signature BLOB NOT NULL
);
-- Pages that gave no article: why, whether a later run should try again, how often tried.
CREATE TABLE IF NOT EXISTS page_states (
    canonical_url TEXT PRIMARY KEY, url TEXT, source TEXT, state TEXT NOT NULL,
    retryable INTEGER NOT NULL, detail TEXT, attempts INTEGER NOT NULL DEFAULT 1,
    first_seen_at TEXT, last_seen_at TEXT
);
"""

_TABLES = ("bulletins", "articles", "bulletin_sources", "article_sources", "page_states")


def _upsert_sql(table: str, columns: tuple[str, ...], keep_first: tuple[str, ...] = ()) -> str:
    names = ", ".join(columns + ("first_seen_at",))
    marks = ", ".join(f":{c}" for c in columns) + ", :crawled_at"
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in ("id",) + keep_first)
    return f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT(id) DO UPDATE SET {updates}"


class SQLiteStore:
    def __init__(self, path: str) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)
        self._bulletin_sql = _upsert_sql("bulletins", BULLETIN_COLUMNS)
        self._article_sql = _upsert_sql("articles", ARTICLE_COLUMNS, keep_first=("content_hash",))

    def article_known(self, article_id: str, content_hash: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM articles WHERE id = ? OR content_hash = ? LIMIT 1", (article_id, content_hash)
        ).fetchone()
        return row is not None

    def bulletin_known(self, bulletin_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM bulletins WHERE id = ?", (bulletin_id,)).fetchone() is not None

    def upsert_bulletin(self, bulletin: dict[str, Any]) -> None:
        self.db.execute(self._bulletin_sql, bulletin_row(bulletin))

    def upsert_article(self, article: dict[str, Any]) -> None:
        self.db.execute(self._article_sql, article_row(article))

    def touch_bulletin(self, bulletin_id: str, crawled_at: str) -> None:
        self.db.execute("UPDATE bulletins SET crawled_at = ? WHERE id = ?", (crawled_at, bulletin_id))

    def find_article(self, article_id: str, content_hash: str) -> tuple[str, str] | None:
        row = self.db.execute("SELECT id FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row:
            return row[0], "id"
        row = self.db.execute("SELECT id FROM articles WHERE content_hash = ?", (content_hash,)).fetchone()
        return (row[0], "content_hash") if row else None

    # --- sources ---------------------------------------------------------------------------
    def add_bulletin_source(self, bulletin_id: str, url: str, canonical_url: str, source: str | None, seen_at: str) -> None:
        self.db.execute(
            "INSERT INTO bulletin_sources (bulletin_id, url, canonical_url, source, first_seen_at, last_seen_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(bulletin_id, canonical_url) DO UPDATE SET "
            "url = excluded.url, last_seen_at = excluded.last_seen_at",
            (bulletin_id, url, canonical_url, source, seen_at, seen_at),
        )
        self.db.execute("DELETE FROM page_states WHERE canonical_url = ?", (canonical_url,))

    def add_article_source(
        self, article_id: str, url: str, source: str | None, bulletin_id: str | None,
        match: str, similarity: float | None, seen_at: str,
    ) -> None:
        self.db.execute(
            "INSERT INTO article_sources (article_id, url, source, bulletin_id, match, similarity, first_seen_at, last_seen_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(article_id, url) DO UPDATE SET last_seen_at = excluded.last_seen_at",
            (article_id, url, source, bulletin_id, match, similarity, seen_at, seen_at),
        )

    def article_sources(self, article_id: str) -> list[dict[str, Any]]:
        return self._dicts("SELECT * FROM article_sources WHERE article_id = ? ORDER BY first_seen_at, rowid", (article_id,))

    # --- near-duplicate signatures -----------------------------------------------------------
    def article_signatures(self) -> Iterator[tuple[str, str | None, str | None, bytes]]:
        yield from self.db.execute("SELECT article_id, region_code, page_url, signature FROM article_signatures")

    def articles_without_signature(self) -> Iterator[dict[str, Any]]:
        yield from self._dicts(
            "SELECT a.id, a.title, a.body, a.region_code, a.bulletin_url FROM articles a "
            "LEFT JOIN article_signatures s ON s.article_id = a.id WHERE s.article_id IS NULL"
        )

    def save_article_signature(self, article_id: str, region_code: str | None, page_url: str | None, signature: bytes) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO article_signatures (article_id, region_code, page_url, signature) VALUES (?, ?, ?, ?)",
            (article_id, region_code, page_url, signature),
        )

    # --- page states -------------------------------------------------------------------------
    def record_page_state(self, record: dict[str, Any]) -> None:
        row = {k: record.get(k) for k in PAGE_STATE_COLUMNS}
        row["retryable"] = int(bool(row["retryable"]))
        self.db.execute(
            "INSERT INTO page_states (canonical_url, url, source, state, retryable, detail, attempts, first_seen_at, last_seen_at) "
            "VALUES (:canonical_url, :url, :source, :state, :retryable, :detail, 1, :crawled_at, :crawled_at) "
            "ON CONFLICT(canonical_url) DO UPDATE SET url = excluded.url, source = excluded.source, state = excluded.state, "
            "retryable = excluded.retryable, detail = excluded.detail, attempts = attempts + 1, last_seen_at = excluded.last_seen_at",
            row,
        )

    def page_states(self, retryable: bool | None = None) -> list[dict[str, Any]]:
        if retryable is None:
            return self._dicts("SELECT * FROM page_states ORDER BY first_seen_at, canonical_url")
        return self._dicts(
            "SELECT * FROM page_states WHERE retryable = ? ORDER BY first_seen_at, canonical_url", (int(retryable),)
        )

    def original_urls(self, pending_only: bool = True) -> list[str]:
        sql = "SELECT DISTINCT original_url FROM bulletins b WHERE original_url IS NOT NULL"
        if pending_only:
            sql += (
                " AND NOT EXISTS (SELECT 1 FROM bulletin_sources s WHERE s.canonical_url = b.original_url)"
                " AND NOT EXISTS (SELECT 1 FROM page_states p WHERE p.canonical_url = b.original_url AND p.retryable = 0)"
            )
        return [r[0] for r in self.db.execute(sql + " ORDER BY original_url")]

    def counts(self) -> dict[str, int]:
        return {table: self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in _TABLES}

    def _dicts(self, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
        cursor = self.db.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def commit(self) -> None:
        self.db.commit()

    def close(self) -> None:
        self.db.commit()
        self.db.close()
