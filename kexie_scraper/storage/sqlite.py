"""SQLite backend: the embedded default. One file, WAL mode, upserts keyed on derived ids."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from .base import ARTICLE_COLUMNS, BULLETIN_COLUMNS, article_row, bulletin_row

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
"""


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

    def counts(self) -> dict[str, int]:
        return {
            table: self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("bulletins", "articles")
        }

    def commit(self) -> None:
        self.db.commit()

    def close(self) -> None:
        self.db.commit()
        self.db.close()
