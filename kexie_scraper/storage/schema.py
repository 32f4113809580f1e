"""The schema, one definition for SQLite and PostgreSQL, and its versioned upgrades.

Versioning is a small table, ``kexie_schema_version`` (one row per applied version),
and an ordered list of migration functions below — not Alembic; the README says why.
``upgrade(engine)`` runs at every store open, under a lock (a PostgreSQL advisory
lock, SQLite's write lock), so N workers starting at once upgrade a database once.

  version 1  bulletins, articles (the schema of kexie_scraper 0.1; a database made by
             0.1 has no version table and is recognised as version 1)
  version 2  article_urls: every page URL where an article was seen, backfilled
  version 3  article_urls gains how each sighting was tied to the stored report (match:
             stored / id / content_hash / minhash, with its similarity), its source and
             last_seen_at; bulletin_sources (every page where a bulletin was seen),
             page_states (pages that gave no article, and whether to try them again),
             the MinHash signatures and their LSH band keys, for near-duplicate
             lookups in the store (since v6 in the tables below); backfilled
  version 4  crawl_runs: one row per source per crawl, the history the health check
             compares a run with (kexie_scraper/health.py)
  version 5  page_states gains ``reason``: the short code of why (the page state, or for a
             failed fetch http_<status>, timeout, truncated, robots, redirect …)
  version 6  signatures, signature_bands and signature_bands_recent replace
             article_signatures and article_signature_bands: integer band keys and an
             integer signature id, and a small table of recent band rows (see below);
             the signatures are copied and their band keys computed anew
  version 7  the band tables gain ``province`` (in their key): a lookup reads only the
             band rows of its report's province and of reports of unknown place; the
             band rows are written anew from the signatures
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import (
    BigInteger, Boolean, Column, Float, ForeignKey, Index, Integer, LargeBinary, MetaData, Table, Text, bindparam, inspect, select, text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

from .. import neardup
from .compiled import ManyRows, RowsReturning

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
# ``match`` (v3): how the sighting was tied to the stored report — ``stored`` (the page it
# was stored from), ``id`` (same bulletin key and text), ``content_hash`` (same text through
# another bulletin) or ``minhash`` (lightly edited copy, with its estimated ``similarity``).
article_urls = Table(
    "article_urls", metadata,
    Column("content_hash", Text, primary_key=True),
    Column("url", Text, primary_key=True),
    Column("bulletin_id", Text),
    Column("first_seen_at", Text),
    Column("source", Text),
    Column("match", Text),
    Column("similarity", Float(precision=53)),
    Column("last_seen_at", Text),
    Index("article_urls_url", "url"),
)
# The columns v3 added to article_urls (a v2 database gets them by ALTER TABLE).
_ARTICLE_URLS_V3 = ("source", "match", "similarity", "last_seen_at")

# Every page where a bulletin was seen (the aggregator's copy, the WeChat original, …),
# keyed by ``parsing.urls.bulletin_page_key``.
bulletin_sources = Table(
    "bulletin_sources", metadata,
    Column("bulletin_id", Text, primary_key=True),
    Column("canonical_url", Text, primary_key=True),
    Column("url", Text), Column("source", Text),
    Column("first_seen_at", Text), Column("last_seen_at", Text),
    Index("bulletin_sources_canonical", "canonical_url"),
)

# Pages that gave no article (deleted, captcha, HTTP error, …): why, whether a later run
# should try again, how often tried. A later good fetch of the page deletes its row.
page_states = Table(
    "page_states", metadata,
    Column("canonical_url", Text, primary_key=True),
    Column("url", Text), Column("source", Text), Column("state", Text, nullable=False),
    Column("retryable", Boolean, nullable=False), Column("detail", Text),
    Column("reason", Text),  # v4
    Column("attempts", Integer, nullable=False, server_default=text("1")),
    Column("first_seen_at", Text), Column("last_seen_at", Text),
    Index("page_states_retryable", "retryable", "source"),
)

# MinHash signatures of stored reports (``kexie_scraper.neardup``), and the LSH band keys
# that find the candidates of a near-duplicate lookup by index, without loading them all.
# (v6; version 3 to 5 kept them in article_signatures and article_signature_bands, with
# text band keys.) A band row is two integers: the table is ~7 times smaller than with
# ``band:hex`` text and article ids, so a random insert dirties fewer B-tree pages.
signatures = Table(
    "signatures", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("article_id", Text, nullable=False, unique=True),
    Column("content_hash", Text, nullable=False),
    Column("region_code", Text), Column("page_url", Text),
    Column("signature", LargeBinary, nullable=False),
)


def _band_table(name: str) -> Table:
    # ``province`` (v7): the report's province (``neardup.province_of``, 0 when unknown). A
    # lookup reads its own province's rows and province 0's, each a range of the key:
    # reports from other provinces, which the region guard would reject anyway, no longer
    # crowd the capped candidates (at 100,000 reports: 31 candidates a lookup → 9).
    return Table(name, metadata,
                 Column("band_key", BigInteger, primary_key=True, autoincrement=False),
                 Column("province", Integer, primary_key=True, autoincrement=False),
                 Column("signature_id", Integer, primary_key=True, autoincrement=False),
                 sqlite_with_rowid=False)


# New band rows go to the small ``signature_bands_recent``, written in the page's own
# transaction; the store moves them into ``signature_bands`` every BAND_MERGE_ROWS rows,
# in key order, in one transaction (``SQLStore.merge_bands``). Random inserts straight
# into the big table dirtied a B-tree page per row at each commit, a cost that grew with
# the table (README, "What grows"); a lookup reads both tables in one statement.
signature_bands = _band_table("signature_bands")
signature_bands_recent = _band_table("signature_bands_recent")
SIGNATURE_TABLES = (signatures, signature_bands, signature_bands_recent)

# The health of each source's crawls (kexie_scraper/health.py): a small history, read back
# as "the last N runs of this source" to see a drop in yield or field coverage.
crawl_runs = Table(
    "crawl_runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", Text, nullable=False),
    Column("started_at", Text), Column("finished_at", Text, nullable=False),
    Column("status", Text, nullable=False),  # ok | alert | partial (a resumed run: not compared)
    Column("pages", Integer), Column("bulletin_pages", Integer), Column("bulletins", Integer),
    Column("articles", Integer), Column("new_articles", Integer), Column("duplicates", Integer),
    Column("failures", Integer),
    Column("coverage_title", Float(precision=53)), Column("coverage_attribution", Float(precision=53)),
    Column("coverage_region_code", Float(precision=53)),
    Column("details", Text),  # JSON: failures by reason, the alerts, the thresholds used
    Index("crawl_runs_source", "source", "finished_at"),
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
    from ..parsing.urls import bulletin_page_key, canonical_url

    present = {c["name"] for c in inspect(conn).get_columns(article_urls.name)}
    for name in _ARTICLE_URLS_V3:
        if name not in present:  # a fresh database got them from _v2 already
            column = article_urls.c[name]
            kind = column.type.compile(dialect=conn.dialect)
            conn.exec_driver_sql(f"ALTER TABLE {article_urls.name} ADD COLUMN {name} {kind}")  # identifiers, not values
    for table in (bulletin_sources, page_states, *SIGNATURE_TABLES):
        table.create(conn, checkfirst=True)
    # Sightings so far: the page an article was stored from is ``stored``; any other page
    # showed the same text (v2 recorded exact matches only).
    a, u = articles, article_urls
    conn.execute(u.update().values(match="content_hash", last_seen_at=u.c.first_seen_at))
    homes = [{"h": content, "u": canonical_url(url), "s": source}
             for content, url, source in conn.execute(select(a.c.content_hash, a.c.bulletin_url, a.c.source))
             if url]
    if homes:
        conn.execute(u.update().where((u.c.content_hash == bindparam("h")) & (u.c.url == bindparam("u")))
                     .values(match="stored", source=bindparam("s")), homes)
    b = bulletins
    rows = {}
    for bid, url, original, source, first, crawled in conn.execute(
            select(b.c.id, b.c.url, b.c.original_url, b.c.source, b.c.first_seen_at, b.c.crawled_at)):
        if url:
            key = bulletin_page_key(url, original)
            rows[(bid, key)] = {"bulletin_id": bid, "canonical_url": key, "url": url, "source": source,
                                "first_seen_at": first, "last_seen_at": crawled or first}
    if rows:
        conn.execute(bulletin_sources.insert(), list(rows.values()))
    # Signatures of the reports stored so far, so later runs match near-duplicates of them too.
    batch: list[dict] = []
    query = select(a.c.id, a.c.content_hash, a.c.title, a.c.body, a.c.region_code, a.c.bulletin_url)
    for aid, content, title, body, region, url in conn.execute(query).all():
        text_ = neardup.text_of(title, body)
        if not neardup.comparable(text_):
            continue
        batch.append({"article_id": aid, "content_hash": content, "region_code": region,
                      "page_url": canonical_url(url) if url else None,
                      "signature": neardup.to_bytes(neardup.signature(text_))})
        if len(batch) >= 500:
            insert_signatures(conn, batch, signature_bands)
            batch = []
    insert_signatures(conn, batch, signature_bands)


def insert_signatures(conn: Connection, rows: list[dict], bands: Table) -> list[str]:
    """Store these signature rows (``signatures`` columns but ``id``) and their band keys in
    ``bands``; a report whose signature is stored already is left alone. Returns the
    article ids inserted. Used by the store's page writes and by the upgrades."""
    if not rows:
        return []
    ids = _statements(conn.dialect).signatures.run(conn, rows)
    by_article = {row["article_id"]: row for row in rows}
    insert_band_rows(conn, [(sid, by_article[aid]["signature"], by_article[aid]["region_code"]) for sid, aid in ids], bands)
    return [aid for _, aid in ids]


BAND_COLUMNS = ("band_key", "province", "signature_id")


def band_keys_of(signed: list[tuple[int, bytes, str | None]]) -> list[tuple[int, int, int]]:
    """The LSH band rows of these (signature id, signature, region code) as (band key,
    province, signature id), in key order: what is inserted for them, and what is deleted
    when their reports go."""
    return sorted((key, province, sid) for sid, signature, province in
                  ((sid, signature, neardup.province_of(region)) for sid, signature, region in signed)
                  for key in neardup.band_keys(signature))


def band_rows(signed: list[tuple[int, bytes, str | None]]) -> list[dict[str, int]]:
    """``band_keys_of`` as rows keyed by column name."""
    return [dict(zip(BAND_COLUMNS, row)) for row in band_keys_of(signed)]


SIGNATURE_COLUMNS = ("article_id", "content_hash", "region_code", "page_url", "signature")


class _Statements:
    """The signature and band inserts, compiled once per dialect (``compiled``: SQLAlchemy's
    per-row parameter handling cost more than SQLite's inserts of these rows, 26 a report)."""

    def __init__(self, dialect) -> None:
        insert = sqlite_insert if dialect.name == "sqlite" else pg_insert
        self.signatures = RowsReturning(
            insert(signatures).on_conflict_do_nothing().returning(signatures.c.id, signatures.c.article_id),
            SIGNATURE_COLUMNS, dialect)
        self.bands = {table.name: ManyRows(table.insert(), BAND_COLUMNS, dialect)
                      for table in (signature_bands, signature_bands_recent)}


_by_dialect: dict[str, _Statements] = {}


def _statements(dialect) -> _Statements:
    if dialect.name not in _by_dialect:
        _by_dialect[dialect.name] = _Statements(dialect)
    return _by_dialect[dialect.name]


def insert_band_rows(conn: Connection, signed: list[tuple[int, bytes, str | None]], bands: Table) -> None:
    """Insert the band rows of these (signature id, signature, region code), 25 a report."""
    _statements(conn.dialect).bands[bands.name].run(conn, band_keys_of(signed))


def _v4(conn: Connection) -> None:
    crawl_runs.create(conn, checkfirst=True)


def _v5(conn: Connection) -> None:
    present = {c["name"] for c in inspect(conn).get_columns(page_states.name)}
    if "reason" not in present:  # a fresh database got it from _v3 already
        kind = page_states.c.reason.type.compile(dialect=conn.dialect)
        conn.exec_driver_sql(f"ALTER TABLE {page_states.name} ADD COLUMN reason {kind}")  # identifiers, not values


def _v6(conn: Connection) -> None:
    """The signatures of a v3–v5 database, copied into the v6 tables in batches (bounded
    memory for a store of any size); the text band keys are dropped and computed anew."""
    for table in SIGNATURE_TABLES:
        table.create(conn, checkfirst=True)  # a fresh database got them from _v3 already
    names = set(inspect(conn).get_table_names())
    if "article_signatures" in names:
        old = Table("article_signatures", MetaData(), Column("article_id", Text, primary_key=True),
                    Column("content_hash", Text), Column("region_code", Text), Column("page_url", Text),
                    Column("signature", LargeBinary))
        last = ""
        while True:
            rows = [dict(row) for row in conn.execute(
                select(old).where(old.c.article_id > last).order_by(old.c.article_id).limit(1000)).mappings()]
            if not rows:
                break
            insert_signatures(conn, rows, signature_bands)
            last = rows[-1]["article_id"]
    if "article_signature_bands" in names:
        conn.exec_driver_sql("DROP TABLE article_signature_bands")
    if "article_signatures" in names:
        conn.exec_driver_sql("DROP TABLE article_signatures")


def _v7(conn: Connection) -> None:
    """v6 band tables, rebuilt with each row's province: the signatures are read in batches
    of 1,000 (bounded memory) and their rows written to ``signature_bands``."""
    if "province" in {c["name"] for c in inspect(conn).get_columns(signature_bands.name)}:
        return  # a fresh or just-migrated database got the v7 tables from _v3 or _v6
    # Constant statements: the two tables are this module's own.
    conn.exec_driver_sql("DROP TABLE signature_bands")
    conn.exec_driver_sql("DROP TABLE signature_bands_recent")
    signature_bands.create(conn)
    signature_bands_recent.create(conn)
    s = signatures
    last = 0
    while True:
        rows = conn.execute(select(s.c.id, s.c.signature, s.c.region_code)
                            .where(s.c.id > last).order_by(s.c.id).limit(1000)).all()
        if not rows:
            break
        insert_band_rows(conn, [(sid, bytes(signature), region) for sid, signature, region in rows], signature_bands)
        last = rows[-1][0]


MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1, 2: _v2, 3: _v3, 4: _v4, 5: _v5, 6: _v6, 7: _v7}
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
