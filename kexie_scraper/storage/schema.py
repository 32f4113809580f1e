"""The schema, one definition for SQLite and PostgreSQL, and its versioned upgrades.

Versioning is a small table, ``kexie_schema_version`` (one row per applied version),
and an ordered list of migration functions below — not Alembic; the README says why.
``upgrade(engine)`` runs at every store open, under a lock (a PostgreSQL advisory
lock, SQLite's write lock), so N workers starting at once upgrade a database once.

  version 1  bulletins, articles (the schema of kexie_scraper 0.1; a database made by
             0.1 has no version table and is recognised as version 1)
  version 2  article_urls: every page URL where an article was seen, backfilled
  version 3  page_states: pages that gave no article (error pages, failed fetches), with
             the reason, whether retrying can help, attempts, first and last seen
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import (
    Column, Float, ForeignKey, Index, Integer, MetaData, Table, Text, inspect, select, text,
)
from sqlalchemy.engine import Connection, Engine

metadata = MetaData()

bulletins = Table(
    "bulletins", metadata,
    Column("id", Text, primary_key=True),
    Column("source", Text), Column("url", Text), Column("canonical_url", Text), Column("title", Text),
    Column("published_at", Text), Column("publisher", Text), Column("publisher_alias", Text),
    Column("original_url", Text), Column("page_state", Text, nullable=False), Column("intro", Text),
    Column("article_count", Integer, nullable=False, server_default=text("0")),
    Column("crawled_at", Text), Column("first_seen_at", Text),
    Index("bulletins_canonical_url", "canonical_url"),
)

articles = Table(
    "articles", metadata,
    Column("id", Text, primary_key=True),
    Column("content_hash", Text, nullable=False),
    Column("bulletin_id", Text, ForeignKey("bulletins.id")),
    Column("source", Text), Column("bulletin_url", Text), Column("bulletin_title", Text),
    Column("position", Integer, nullable=False), Column("title", Text), Column("body", Text, nullable=False),
    Column("attribution", Text), Column("org", Text),
    Column("province", Text), Column("city", Text), Column("county", Text), Column("region_code", Text),
    Column("region_former_name", Text), Column("published_at", Text), Column("publisher", Text),
    Column("original_url", Text), Column("split_rule", Text), Column("split_confidence", Float(precision=53)),
    Column("crawled_at", Text), Column("first_seen_at", Text),
    # The same report reached through two sources is stored once.
    Index("articles_content_hash", "content_hash", unique=True),
    Index("articles_bulletin", "bulletin_id", "position"),
    Index("articles_region", "region_code"),
)

# Every (article, page URL) sighting. Keyed by content hash — the article's cross-source
# identity — so a repost's URL is recorded against the article stored from the original.
# The url index answers "was this page stored already?" for incremental crawls.
article_urls = Table(
    "article_urls", metadata,
    Column("content_hash", Text, primary_key=True),
    Column("url", Text, primary_key=True),
    Column("bulletin_id", Text),
    Column("first_seen_at", Text),
    Index("article_urls_url", "url"),
)

# Every page that gave no article: an error page (deleted, captcha, binary …) or a failed
# fetch (HTTP error, timeout, truncated body, robots.txt, refused redirect …). Retryable
# ones are fetched again by the next run (``attempts`` bounds it); a later success deletes
# the row.
page_states = Table(
    "page_states", metadata,
    Column("canonical_url", Text, primary_key=True),
    Column("url", Text), Column("source", Text),
    Column("state", Text, nullable=False), Column("reason", Text),
    Column("retryable", Integer, nullable=False), Column("detail", Text),
    Column("attempts", Integer, nullable=False), Column("first_seen_at", Text), Column("last_seen_at", Text),
    Index("page_states_retry", "source", "retryable"),
)

schema_version = Table(
    "kexie_schema_version", metadata,
    Column("version", Integer, primary_key=True),
    Column("applied_at", Text, nullable=False),
)


def _v1(conn: Connection) -> None:
    for table in (bulletins, articles):
        table.create(conn, checkfirst=True)  # a 0.1 database has them already


def _v2(conn: Connection) -> None:
    from ..parsing.urls import canonical_url

    article_urls.create(conn, checkfirst=True)
    rows = conn.execute(select(articles.c.content_hash, articles.c.bulletin_url, articles.c.bulletin_id,
                               articles.c.first_seen_at)).all()
    seen = {}
    for content, url, bulletin_id, first in rows:
        if url:
            seen.setdefault((content, canonical_url(url)), {"content_hash": content, "url": canonical_url(url),
                                                            "bulletin_id": bulletin_id, "first_seen_at": first})
    if seen:
        conn.execute(article_urls.insert(), list(seen.values()))


def _v3(conn: Connection) -> None:
    page_states.create(conn, checkfirst=True)


MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1, 2: _v2, 3: _v3}
LATEST = max(MIGRATIONS)


def current_version(conn: Connection) -> int:
    names = set(inspect(conn).get_table_names())
    if schema_version.name in names:
        return conn.execute(select(schema_version.c.version).order_by(schema_version.c.version.desc())).scalar() or 0
    return 1 if "bulletins" in names else 0


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('kexie_schema:' || current_schema()))"))
    # SQLite: the store begins every write transaction with BEGIN IMMEDIATE (the write lock).


def upgrade(engine: Engine) -> int:
    """Bring the database to ``LATEST``; return the version it was at."""
    with engine.connect() as conn:
        found = current_version(conn)
    if found == LATEST:
        return found
    if found > LATEST:
        raise RuntimeError(f"database schema is version {found}, newer than this kexie_scraper ({LATEST})")
    with engine.begin() as conn:
        _lock(conn)
        found = current_version(conn)  # another worker may have upgraded meanwhile
        schema_version.create(conn, checkfirst=True)
        if found >= 1 and not conn.execute(select(schema_version.c.version)).first():
            conn.execute(schema_version.insert().values(version=1, applied_at="(before versioning)"))
        for version in range(found + 1, LATEST + 1):
            MIGRATIONS[version](conn)
            conn.execute(schema_version.insert().values(
                version=version, applied_at=datetime.now(timezone.utc).isoformat(timespec="seconds")))
    return found
