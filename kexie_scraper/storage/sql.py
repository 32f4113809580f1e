"""The one store implementation: SQLAlchemy Core over SQLite (default) or PostgreSQL.

* Upserts on the stable ids: articles ``INSERT … ON CONFLICT DO NOTHING`` (an article
  id is derived from its content, so a stored article never changes; the unique
  content hash makes a cross-source copy conflict too), bulletins ``INSERT … ON
  CONFLICT (id) DO UPDATE SET crawled_at``, sightings ``ON CONFLICT DO NOTHING``.
  ``RETURNING`` tells which rows this write inserted, so two workers racing on the
  same report count it once, stored by whichever committed first.
* One transaction per page (``write_page``); on PostgreSQL rows in a fixed order
  (bulletin, then articles and sightings by key) so concurrent writers cannot
  deadlock, and a deadlock or serialization failure anyway is retried. (SQLite has
  one writer at a time; rows go in page order there.)
* SQLite: WAL, a busy timeout, and ``BEGIN IMMEDIATE`` for writes, so several
  processes may share one file.
* The page's transaction also records where things were seen: one ``article_urls`` row
  per (article, page) with how it matched (``stored`` for the page it was stored from),
  one ``bulletin_sources`` row per (bulletin, page); the MinHash signatures and band keys
  of the articles it inserted; and its ``page_states`` row when it gave no article — or
  the removal of an old one when it now did.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Iterator

from sqlalchemy import (bindparam, create_engine, delete, event, exists, func, literal_column, or_, select, union_all,
                        update)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError

from . import schema
from .compiled import Compiled, ManyRows, RowsReturning
from .. import neardup
from ..items import LIST_ERROR
from ..parsing import dates
from ..parsing.urls import bulletin_page_key, canonical_url
from .base import (ARTICLE_COLUMNS, ArticleFilter, Candidate, PageBatch, PageResult, ReparseResult, Seen,
                   article_item, article_row, bulletin_row, page_state_row)

logger = logging.getLogger(__name__)

_RETRYABLE_PG = {"40P01", "40001"}  # deadlock_detected, serialization_failure
LOOKUP_CHUNK = 500
# Stored reports read per LSH band key, at most. A band key shared by more reports than
# this is a phrase of a template (科普日 notices, 换届 announcements), not evidence: like a
# stop word it is not read in full, or each lookup would grow with the store. A true
# near-duplicate (Jaccard ≥ 0.5) shares several bands with its report, the rarer ones too.
BAND_READ_LIMIT = 64
# Band rows written (by this store) before they are moved from signature_bands_recent into
# signature_bands: 2,000 reports. The recent table stays a few MB, so its inserts hit pages
# in cache, and a merge's cost is spread over many rows (``benchmarks/band_inserts.py``).
BAND_MERGE_ROWS = 50_000
_PG_MERGE_BANDS = ("WITH moved AS (DELETE FROM signature_bands_recent RETURNING band_key, province, signature_id) "
                   "INSERT INTO signature_bands (band_key, province, signature_id) "
                   "SELECT band_key, province, signature_id FROM moved ORDER BY band_key, province, signature_id "
                   "ON CONFLICT DO NOTHING")


def _sqlite_engine(url: str) -> Engine:
    path = make_url(url).database or ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # SQLAlchemy, not pysqlite, begins transactions
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=60000")
        if path != ":memory:":
            # Switching a new file to WAL wants it to itself and can fail at once with
            # "database is locked" (no busy wait) while other processes open it too.
            for attempt in range(600):
                try:
                    cur.execute("PRAGMA journal_mode=WAL")
                    break
                except sqlite3.OperationalError:
                    if attempt == 599:
                        raise
                    time.sleep(0.05)
            cur.execute("PRAGMA synchronous=NORMAL")
            # Checkpoint every ~80 MB of WAL instead of SQLite's 4 MB: the band keys dirty
            # random B-tree pages, and a page rewritten several times between checkpoints is
            # copied back once (`kexie bench --scale 30000`: ~10 % less time per article).
            cur.execute("PRAGMA wal_autocheckpoint=20000")  # pages of 4 KB
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # pragma: no cover - trivial
        options = conn.get_execution_options()
        if options.get("kexie_lookup"):
            return  # pysqlite's autocommit: each lookup reads the latest commit, holds no lock
        conn.exec_driver_sql("BEGIN" if options.get("kexie_read") else "BEGIN IMMEDIATE")

    return engine


class SQLStore:
    """A ``Store`` on any SQLAlchemy URL this project supports (sqlite, postgresql+psycopg)."""

    def __init__(self, url: str) -> None:
        self.url = url
        # PostgreSQL: no pre-ping round trip per checkout; a dropped connection is
        # invalidated by SQLAlchemy and the operation retried once (``_retrying``).
        self.engine = _sqlite_engine(url) if url.startswith("sqlite") else create_engine(url, pool_recycle=1800)
        self.dialect = self.engine.dialect.name
        self._insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        self.upgraded_from = schema.upgrade(self.engine)
        self._lookup_local = threading.local()
        self._lookup_conns: list[Connection] = []
        self._prepare()
        self.band_merge_rows = BAND_MERGE_ROWS
        # Rows an earlier run left in the recent table count towards the next merge, so
        # short runs cannot grow it without bound.
        with self.engine.connect() as conn:
            self._unmerged = conn.execute(select(func.count()).select_from(schema.signature_bands_recent)).scalar()

    def _prepare(self) -> None:
        """The statements of the per-article hot path, built once: building a statement
        anew for each call cost more than running it (SQLAlchemy coerces and keys every
        new clause; a prebuilt one hits its compiled cache)."""
        a, b = schema.articles, schema.bulletins
        s = schema.signatures
        find_article = (select(a.c.id, a.c.content_hash)
                        .where((a.c.id == bindparam("aid")) | (a.c.content_hash == bindparam("content")))
                        .limit(2))
        self._bulletin_exists = select(b.c.id).where(b.c.id == bindparam("bid"))
        self._candidates_in_province = Compiled(self._candidate_query(in_province=True), self.engine.dialect)
        self._candidates_anywhere = Compiled(self._candidate_query(in_province=False), self.engine.dialect)
        self._find_article = Compiled(find_article, self.engine.dialect)
        # A page's articles in one statement (PostgreSQL) or row by row on SQLite's cursor; RETURNING
        # tells which rows were new.
        self._insert_articles = RowsReturning(self._insert(a).on_conflict_do_nothing().returning(a.c.id),
                                              (*ARTICLE_COLUMNS, "first_seen_at"), self.engine.dialect)
        self._article_exists = select(a.c.id).where(a.c.id == bindparam("aid"))
        # The page write's other statements, values bound per call.
        upsert = self._insert(b)
        self._upsert_bulletin_stmt = upsert.on_conflict_do_update(
            index_elements=[b.c.id], set_={"crawled_at": upsert.excluded.crawled_at})
        if self.dialect == "postgresql":
            # xmax is 0 on a freshly inserted row version: exact even when workers race.
            self._upsert_bulletin_stmt = self._upsert_bulletin_stmt.returning(literal_column("(xmax = 0)"))
        bs, u, p = schema.bulletin_sources, schema.article_urls, schema.page_states
        source = self._insert(bs)
        self._upsert_bulletin_source = source.on_conflict_do_update(
            index_elements=[bs.c.bulletin_id, bs.c.canonical_url],
            set_={"url": source.excluded.url, "last_seen_at": source.excluded.last_seen_at})
        sighting = self._insert(u)
        self._upsert_sightings = ManyRows(sighting.on_conflict_do_update(
            index_elements=[u.c.content_hash, u.c.url], set_={"last_seen_at": sighting.excluded.last_seen_at}),
            [c.name for c in u.columns], self.engine.dialect)
        self._clear_page_state = Compiled(delete(p).where(p.c.canonical_url == bindparam("page")), self.engine.dialect)

    @staticmethod
    def _candidate_query(in_province: bool):
        """The near-duplicate candidates of a lookup, in one statement.

        The candidates sharing the most bands first, at most ``limit`` of them: reports
        written from one template (a notice re-issued by every county) share bands with
        thousands of others, and comparing them all made each lookup grow with the store.
        Each band key's reports are read up to BAND_READ_LIMIT (one bounded index range
        per key, province and table, ``UNION ALL``), so a lookup costs the same in a store
        of any size. Both band tables are read in the one statement: a merge between two
        reads cannot hide a row. ``in_province``: the rows of province ``:province`` and of
        province 0 (unknown place), two index ranges each; else every province's."""
        s = schema.signatures
        tables = (("band", schema.signature_bands), ("recent", schema.signature_bands_recent))
        if in_province:
            # Two exact ranges, not ``province IN (0, :province)``: SQLite builds an IN
            # list anew on each execution (about 1.8 µs per range here).
            per_band = [select(table.c.signature_id)
                        .where((table.c.band_key == bindparam(f"k{i}")) & (table.c.province == which))
                        .limit(BAND_READ_LIMIT).subquery(f"{name}{i}_{side}")
                        for i in range(neardup.BANDS) for name, table in tables
                        for side, which in (("own", bindparam("province")), ("unknown", 0))]
        else:
            per_band = [select(table.c.signature_id).where(table.c.band_key == bindparam(f"k{i}"))
                        .limit(BAND_READ_LIMIT).subquery(f"{name}{i}")
                        for i in range(neardup.BANDS) for name, table in tables]
        hits = union_all(*(select(band.c.signature_id) for band in per_band)).subquery("hits")
        shared = (select(hits.c.signature_id, func.count().label("shared"))
                  .group_by(hits.c.signature_id)
                  .order_by(func.count().desc(), hits.c.signature_id)
                  .limit(bindparam("limit"))
                  .subquery())
        return (select(s.c.article_id, s.c.content_hash, s.c.region_code, s.c.page_url, s.c.signature)
                .join(shared, shared.c.signature_id == s.c.id)
                .order_by(s.c.article_id))

    # --- reads -------------------------------------------------------------------------
    def _read(self) -> Connection:
        conn = self.engine.connect()
        if self.dialect == "postgresql":  # one round trip per lookup: no BEGIN/ROLLBACK around it
            return conn.execution_options(isolation_level="AUTOCOMMIT")
        return conn.execution_options(kexie_read=True)

    def _lookup(self) -> Connection:
        """This thread's connection for lookups, kept open, in autocommit.

        The dedupe pipeline asks the store two or three questions per article; checking a
        connection out of the pool and wrapping each question in BEGIN … ROLLBACK cost
        ~200 µs of the ~250 a lookup took on SQLite. One statement needs no transaction."""
        conn = getattr(self._lookup_local, "conn", None)
        if conn is None or conn.closed or conn.invalidated:
            conn = self.engine.connect()
            if self.dialect == "postgresql":
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            else:
                conn = conn.execution_options(kexie_lookup=True)
            self._lookup_local.conn = conn
            self._lookup_conns.append(conn)
        return conn

    def _query(self, run):
        """``run(connection)`` on the lookup connection; once more if the connection had dropped."""
        for attempt in (0, 1):
            try:
                return run(self._lookup())
            except DBAPIError as exc:
                if not exc.connection_invalidated or attempt:
                    raise
        raise AssertionError("unreachable")

    def article_known(self, article_id: str, content_hash: str) -> bool:
        a = schema.articles
        query = select(a.c.id).where((a.c.id == article_id) | (a.c.content_hash == content_hash)).limit(1)
        return self._query(lambda conn: conn.execute(query).first() is not None)

    def bulletin_known(self, bulletin_id: str) -> bool:
        return self._query(lambda conn: conn.execute(self._bulletin_exists, {"bid": bulletin_id}).first() is not None)

    def find_article(self, article_id: str, content_hash: str) -> tuple[str, str] | None:
        """(stored content hash, how it matched: "id" | "content_hash") of this report's stored copy."""
        rows = self._query(lambda conn: self._find_article.run(conn, {"aid": article_id, "content": content_hash}).all())
        for aid, content in rows:
            if aid == article_id:
                return content, "id"
        return (rows[0][1], "content_hash") if rows else None

    def signature_candidates(self, band_keys: Iterable[int], limit: int = neardup.CANDIDATE_LIMIT,
                             province: int = 0) -> list[Candidate]:
        """Stored articles sharing at least one LSH band key: near-duplicate candidates, the
        ``limit`` sharing the most bands (a true duplicate shares more bands than reports
        that merely use the same phrases). ``province`` (``neardup.province_of``): only
        reports of that province or of unknown place; 0: reports of any province."""
        keys = sorted(set(band_keys))
        if not keys:
            return []
        if len(keys) > neardup.BANDS:
            raise ValueError(f"{len(keys)} band keys: a signature has {neardup.BANDS}")
        # Fewer keys (a caller's subset) are padded with one no band key has: -1 matches nothing.
        params = {f"k{i}": keys[i] if i < len(keys) else -1 for i in range(neardup.BANDS)}
        params["limit"] = limit
        statement = self._candidates_anywhere
        if province:
            statement = self._candidates_in_province
            params["province"] = province
        return self._query(lambda conn: [Candidate(*row[:4], bytes(row[4]))
                                         for row in statement.run(conn, params)])

    def known_page_urls(self, urls: Iterable[str]) -> set[str]:
        """The given canonical page URLs at which some article was already stored or seen."""
        wanted = sorted(set(urls))
        u = schema.article_urls

        def run(conn) -> set[str]:
            found: set[str] = set()
            for start in range(0, len(wanted), LOOKUP_CHUNK):
                chunk = wanted[start:start + LOOKUP_CHUNK]
                found.update(conn.execute(select(u.c.url).where(u.c.url.in_(chunk)).distinct()).scalars())
            return found

        return self._query(run)

    # --- writes ------------------------------------------------------------------------
    def write_page(self, batch: PageBatch) -> PageResult:
        return self.write_pages([batch])[0]

    def write_pages(self, batches: list[PageBatch]) -> list[PageResult]:
        """Several pages in one transaction: all stored, or none (the store pipeline's
        group commit; each page is written as ``write_page`` would write it alone)."""
        results = self._transaction(lambda conn: [self._write_page(conn, batch) for batch in batches],
                                    "%d page(s) from %s", len(batches), batches[0].url if batches else "-")
        self._merge_when_due()  # after the commit, outside its retries: the pages are written
        return results

    def _transaction(self, run, *what):
        """``run(connection)`` in one transaction. A deadlock or serialization failure
        between PostgreSQL workers, or a dropped connection, rolls it back; it is tried
        again, up to 5 times. ``what``: the log message's format and arguments."""
        for attempt in range(5):
            try:
                with self.engine.begin() as conn:
                    return run(conn)
            except DBAPIError as exc:
                code = getattr(exc.orig, "sqlstate", None)
                if (code not in _RETRYABLE_PG and not exc.connection_invalidated) or attempt == 4:
                    raise
                logger.info(what[0] + ": %s, retrying", *what[1:], code or "connection lost")
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def _write_page(self, conn: Connection, batch: PageBatch) -> PageResult:
        result = PageResult()
        now = (batch.bulletin or {}).get("crawled_at") or next(
            (x.get("crawled_at") for x in batch.articles), None) or (batch.page_state or {}).get("crawled_at") or next(
            (Seen(*x).seen_at for x in batch.seen if Seen(*x).seen_at), None) or dates.now_iso()
        if batch.bulletin is not None:
            result.bulletin_inserted = self._upsert_bulletin(conn, batch.bulletin)
            self._bulletin_source(conn, batch.bulletin)
        a = schema.articles
        sightings: dict[tuple[str, str], dict[str, Any]] = {}
        signed: list[dict[str, Any]] = []  # inserted articles that come with a MinHash signature
        ordered = batch.articles
        if self.dialect == "postgresql":  # one lock order for all writers: no deadlocks between pages
            ordered = sorted(ordered, key=lambda x: x["content_hash"])
        rows = [{**article_row(article), "first_seen_at": article.get("crawled_at")} for article in ordered]
        new_ids = {row[0] for row in self._insert_articles.run(conn, rows)}
        for row in rows:
            inserted = row["id"] in new_ids
            (result.inserted if inserted else result.conflicted).append(row["id"])
            if inserted:
                match = "stored"
                if batch.signatures.get(row["id"]) is not None:
                    signed.append(row)
            else:  # another worker stored it first
                same_id = conn.execute(self._article_exists, {"aid": row["id"]}).first() is not None
                match = "id" if same_id else "content_hash"
            sightings[(row["content_hash"], batch.url)] = self._sighting(
                Seen(row["content_hash"], row["bulletin_id"], match, None, row["source"]), batch.url, row["crawled_at"])
        if signed:
            self._save_signatures(conn, signed, batch.url, batch.signatures)
        for entry in batch.seen:
            seen = Seen(*entry)
            sightings.setdefault((seen.content_hash, batch.url), self._sighting(seen, batch.url, seen.seen_at or now))
        if sightings:
            self._upsert_sightings.run_dicts(conn, [sightings[k] for k in sorted(sightings)])
        p = schema.page_states
        if batch.page_state is not None:
            self._record_page_state(conn, batch.page_state)
        elif batch.bulletin is not None or batch.articles:
            self._clear_page_state.run(conn, {"page": batch.url})  # the page is good now
        if batch.list_read:  # list pages read fine now: their failure records are out of date
            conn.execute(delete(p).where(p.c.canonical_url.in_(sorted(set(batch.list_read))) & (p.c.state == LIST_ERROR)))
        return result

    @staticmethod
    def _sighting(seen: Seen, url: str, now: str | None) -> dict[str, Any]:
        return {"content_hash": seen.content_hash, "url": url, "bulletin_id": seen.bulletin_id, "source": seen.source,
                "match": seen.match, "similarity": seen.similarity, "first_seen_at": now, "last_seen_at": now}

    def _save_signatures(self, conn: Connection, rows: list[dict[str, Any]], page: str,
                         signatures: dict[str, bytes]) -> None:
        """The signatures and LSH band keys of the articles this page inserted (two
        statements); the band rows go to the recent table, merged later (``merge_bands``)."""
        schema.insert_signatures(conn, [
            {"article_id": row["id"], "content_hash": row["content_hash"], "region_code": row["region_code"],
             "page_url": page, "signature": signatures[row["id"]]} for row in rows], schema.signature_bands_recent)
        self._unmerged += len(rows) * neardup.BANDS

    def _merge_when_due(self) -> None:
        """Merge if enough rows are waiting. A failed merge loses nothing (the rows stay in
        the recent table, where lookups find them, and the next write tries again), so it
        is logged, not raised: the pages it follows are committed."""
        if self._unmerged >= self.band_merge_rows:
            try:
                self.merge_bands()
            except DBAPIError as exc:
                logger.warning("moving %d band rows into signature_bands failed, left for the next write: %s",
                               self._unmerged, type(exc.orig or exc).__name__)

    def merge_bands(self) -> None:
        """Move the recent band rows into ``signature_bands``, in key order, in one
        transaction: a sorted bulk insert touches each B-tree page once, where the same rows
        inserted page by page dirtied about a page each at every commit."""
        recent, bands = schema.signature_bands_recent, schema.signature_bands

        def move(conn: Connection) -> None:
            if self.dialect == "postgresql":
                # One statement: the rows it deletes are the rows it moves, whatever
                # other workers commit meanwhile (READ COMMITTED).
                conn.exec_driver_sql(_PG_MERGE_BANDS)
            else:  # SQLite: writers are serialized by BEGIN IMMEDIATE
                columns = [recent.c.band_key, recent.c.province, recent.c.signature_id]
                moved = select(*columns).order_by(*columns)
                conn.execute(bands.insert().prefix_with("OR IGNORE").from_select([c.name for c in columns], moved))
                conn.execute(delete(recent))

        self._transaction(move, "moving %d band rows", self._unmerged)
        self._unmerged = 0

    def _bulletin_source(self, conn: Connection, bulletin: dict[str, Any]) -> None:
        """Record the page the bulletin was seen at; a good fetch clears that page's old state."""
        if not bulletin.get("url"):
            return
        key = bulletin_page_key(bulletin["url"], bulletin.get("original_url"))
        conn.execute(self._upsert_bulletin_source, {
            "bulletin_id": bulletin["id"], "canonical_url": key, "url": bulletin["url"], "source": bulletin.get("source"),
            "first_seen_at": bulletin.get("crawled_at"), "last_seen_at": bulletin.get("crawled_at")})
        self._clear_page_state.run(conn, {"page": key})

    def _record_page_state(self, conn: Connection, record: dict[str, Any]) -> None:
        p = schema.page_states
        row = page_state_row(record)
        seen_at = row.pop("crawled_at")
        stmt = self._insert(p).values(**row, attempts=1, first_seen_at=seen_at, last_seen_at=seen_at)
        conn.execute(stmt.on_conflict_do_update(index_elements=[p.c.canonical_url], set_={
            "url": stmt.excluded.url, "source": stmt.excluded.source, "state": stmt.excluded.state,
            "reason": stmt.excluded.reason, "retryable": stmt.excluded.retryable, "detail": stmt.excluded.detail,
            "attempts": p.c.attempts + 1, "last_seen_at": stmt.excluded.last_seen_at}))

    def _upsert_bulletin(self, conn: Connection, bulletin: dict[str, Any]) -> bool:
        row = {**bulletin_row(bulletin), "first_seen_at": bulletin.get("crawled_at")}
        if self.dialect == "postgresql":  # RETURNING (xmax = 0): inserted, not updated
            return bool(conn.execute(self._upsert_bulletin_stmt, row).scalar())
        existed = conn.execute(self._bulletin_exists, {"bid": row["id"]}).first() is not None
        conn.execute(self._upsert_bulletin_stmt, row)  # SQLite: BEGIN IMMEDIATE holds the write lock, so the check above is exact
        return not existed

    # The item-at-a-time API of 0.1, kept for callers outside the pipelines.
    def upsert_bulletin(self, bulletin: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            self._upsert_bulletin(conn, bulletin)

    def upsert_article(self, article: dict[str, Any]) -> None:
        from ..parsing.urls import canonical_url

        self.write_page(PageBatch(url=canonical_url(article.get("bulletin_url") or ""), articles=[article]))

    def touch_bulletin(self, bulletin_id: str, crawled_at: str) -> None:
        b = schema.bulletins
        with self.engine.begin() as conn:
            conn.execute(update(b).where(b.c.id == bulletin_id).values(crawled_at=crawled_at))

    def record_page_state(self, record: dict[str, Any]) -> None:
        """Upsert by canonical URL: state, retryable, detail, attempts += 1, first/last seen."""
        with self.engine.begin() as conn:
            self._record_page_state(conn, record)

    # --- what to fetch next, and where things were seen -----------------------------------
    def original_urls(self, pending_only: bool = True) -> list[str]:
        """Distinct 原文链接 of stored bulletins; ``pending_only``: those not fetched yet (no
        bulletin source at that URL) and not known to be gone for good."""
        b, bs, p = schema.bulletins, schema.bulletin_sources, schema.page_states
        query = select(b.c.original_url).where(b.c.original_url.is_not(None)).distinct()
        if pending_only:
            query = query.where(
                ~exists().where(bs.c.canonical_url == b.c.original_url),
                ~exists().where((p.c.canonical_url == b.c.original_url) & p.c.retryable.is_(False)
                                & (p.c.state != LIST_ERROR)))
        return self._query(lambda conn: list(conn.execute(query.order_by(b.c.original_url)).scalars()))

    def page_states(self, retryable: bool | None = None, source: str | None = None,
                    list_pages: bool | None = None) -> list[dict[str, Any]]:
        """Recorded failures; ``list_pages``: True only list pages', False only bulletin pages'."""
        p = schema.page_states
        query = select(p).order_by(p.c.first_seen_at, p.c.canonical_url)
        if retryable is not None:
            query = query.where(p.c.retryable.is_(bool(retryable)))
        if source is not None:
            query = query.where(p.c.source == source)
        if list_pages is not None:
            query = query.where(p.c.state == LIST_ERROR if list_pages else p.c.state != LIST_ERROR)
        return self._query(lambda conn: [dict(r) for r in conn.execute(query).mappings()])

    def article_sources(self, article_id: str) -> list[dict[str, Any]]:
        """Every page where this article was seen, first seen first, with how it matched."""
        a, u = schema.articles, schema.article_urls
        query = (select(u).where(u.c.content_hash == select(a.c.content_hash).where(a.c.id == article_id)
                                 .scalar_subquery())
                 .order_by(u.c.first_seen_at, u.c.match != "stored", u.c.url))
        return self._query(lambda conn: [dict(r) for r in conn.execute(query).mappings()])

    def bulletin_sources(self, bulletin_id: str) -> list[dict[str, Any]]:
        bs = schema.bulletin_sources
        query = select(bs).where(bs.c.bulletin_id == bulletin_id).order_by(bs.c.first_seen_at, bs.c.canonical_url)
        return self._query(lambda conn: [dict(r) for r in conn.execute(query).mappings()])

    def retry_urls(self, source: str | None, max_attempts: int) -> list[str]:
        """URLs of retryable failures of bulletin pages of this source tried fewer than
        ``max_attempts`` times. Not list pages: those are requested by the channel's paging,
        with their own callback, and would be taken for bulletin pages here."""
        p = schema.page_states
        query = select(p.c.url).where(p.c.retryable.is_(True) & (p.c.attempts < max_attempts)
                                      & (p.c.state != LIST_ERROR))
        if source is not None:
            query = query.where(p.c.source == source)
        return self._query(lambda conn: [u for u in conn.execute(query.order_by(p.c.first_seen_at)).scalars() if u])

    def settled_failures(self, urls: Iterable[str]) -> set[str]:
        """The given canonical URLs recorded as bulletin pages failed for good (not retryable)."""
        wanted = sorted(set(urls))
        p = schema.page_states

        def run(conn) -> set[str]:
            found: set[str] = set()
            for start in range(0, len(wanted), LOOKUP_CHUNK):
                chunk = wanted[start:start + LOOKUP_CHUNK]
                found.update(conn.execute(select(p.c.canonical_url).where(
                    p.c.canonical_url.in_(chunk) & p.c.retryable.is_(False) & (p.c.state != LIST_ERROR))).scalars())
            return found

        return self._query(run)

    # --- reporting -----------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        with self._read() as conn:
            return {
                table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (schema.bulletins, schema.articles, schema.article_urls, schema.bulletin_sources,
                              schema.page_states)
            }

    def iter_articles(self) -> Iterator[dict[str, Any]]:
        a = schema.articles
        with self._read() as conn:
            for row in conn.execute(select(a).order_by(a.c.first_seen_at, a.c.bulletin_id, a.c.position)).mappings():
                yield article_item(dict(row))

    def iter_bulletins(self) -> Iterator[dict[str, Any]]:
        b = schema.bulletins
        with self._read() as conn:
            for row in conn.execute(select(b).order_by(b.c.first_seen_at, b.c.id)).mappings():
                yield {k: v for k, v in row.items() if k != "first_seen_at"}

    # --- export and statistics (read-only) ---------------------------------------------------
    def _article_where(self, query, where: ArticleFilter | None):
        a = schema.articles
        if where is None:
            return query
        if where.since:
            query = query.where(a.c.published_at >= where.since)
        if where.until:
            query = query.where(a.c.published_at < where.until_exclusive())
        if where.provinces:
            query = query.where(or_(*(a.c.province.startswith(p, autoescape=True) for p in where.provinces)))
        if where.sources:
            query = query.where(a.c.source.in_(where.sources))
        return query

    def count_articles(self, where: ArticleFilter | None = None) -> int:
        query = self._article_where(select(func.count()).select_from(schema.articles), where)
        return self._query(lambda conn: conn.execute(query).scalar_one())

    def query_articles(self, where: ArticleFilter | None = None) -> Iterator[dict[str, Any]]:
        """Articles in the shape of ``articles.jsonl``, by publication time, filtered."""
        a = schema.articles
        query = self._article_where(select(a), where).order_by(a.c.published_at, a.c.bulletin_id, a.c.position)
        # One read transaction (a consistent snapshot; PostgreSQL's server-side cursor needs one),
        # rows fetched 500 at a time so a large export stays small in memory.
        conn = self.engine.connect()
        if self.dialect != "postgresql":
            conn = conn.execution_options(kexie_read=True)
        with conn, conn.begin():
            for row in conn.execution_options(yield_per=500).execute(query).mappings():
                yield article_item(dict(row))

    def article_counts(self, by: tuple[str, ...], where: ArticleFilter | None = None) -> list[tuple]:
        """``(key…, count)`` rows of the articles grouped by ``by``: column names, or ``month``
        (``YYYY-MM`` of ``published_at``); most articles first."""
        a = schema.articles
        keys = [func.substr(a.c.published_at, 1, 7).label("month") if name == "month" else a.c[name] for name in by]
        count = func.count().label("n")
        query = self._article_where(select(*keys, count), where).group_by(*keys).order_by(count.desc(), *keys)
        return self._query(lambda conn: [tuple(r) for r in conn.execute(query)])

    # --- crawl history (kexie_scraper/health.py) ------------------------------------------------
    def record_crawl_run(self, run: dict[str, Any]) -> None:
        c = schema.crawl_runs
        row = {col.name: run.get(col.name) for col in c.columns if col.name != "id"}
        with self.engine.begin() as conn:
            conn.execute(c.insert().values(row))

    def recent_crawl_runs(self, source: str, limit: int = 10, status: tuple[str, ...] = ("ok", "alert")) -> list[dict[str, Any]]:
        """The source's last ``limit`` runs, newest first (resumed, partial runs left out)."""
        c = schema.crawl_runs
        query = (select(c).where(c.c.source == source, c.c.status.in_(status))
                 .order_by(c.c.finished_at.desc(), c.c.id.desc()).limit(limit))
        return self._query(lambda conn: [dict(r) for r in conn.execute(query).mappings()])

    # --- re-parsing (kexie reparse) ---------------------------------------------------------------
    def reparse_page(self, url: str, bulletin: dict[str, Any], articles: list[dict[str, Any]],
                     seen: Iterable[Seen] = (), signatures: dict[str, bytes] | None = None) -> ReparseResult:
        """Replace what one page holds by a new parse of it, in one transaction.

        ``url`` is the page's canonical URL; ``seen`` are the page's reports that the caller
        matched to stored ones by MinHash (recorded as sightings, as a crawl does), and
        ``signatures`` the MinHash signatures of ``articles`` (saved for those inserted). The bulletin's
        parsed fields are updated; an article with the same id (same bulletin, same text) gets
        its parsed fields updated when they changed; new articles are inserted (or, stored from
        another page already, counted as duplicates and sighted here); an article the page no
        longer yields loses its sighting here, and is deleted when no page sights it. Provenance (``source``, the URLs,
        ``crawled_at``, ``first_seen_at``) is kept: a repost's parse never takes over the
        original's rows, nor deletes them."""
        seen = list(seen)  # once: a retry must see them again
        result = self._transaction(lambda conn: self._reparse_page(conn, url, bulletin, articles, seen, signatures or {}),
                                   "reparse of %s", url)
        self._merge_when_due()
        return result

    _PROVENANCE = ("id", "source", "url", "canonical_url", "bulletin_url", "crawled_at")

    def _reparse_page(self, conn: Connection, url: str, bulletin: dict[str, Any], articles: list[dict[str, Any]],
                      seen: list[Seen], signatures: dict[str, bytes]) -> ReparseResult:
        a, b, u = schema.articles, schema.bulletins, schema.article_urls
        result = ReparseResult()
        row = bulletin_row(bulletin)
        fields = {k: v for k, v in row.items() if k not in self._PROVENANCE}
        owner = conn.execute(select(b.c.canonical_url).where(b.c.id == row["id"])).first()
        if owner is None:
            conn.execute(self._insert(b).values({**row, "first_seen_at": row.get("crawled_at")}).on_conflict_do_nothing())
        elif owner[0] == url:  # a repost of a stored bulletin leaves the original's row alone
            conn.execute(update(b).where(b.c.id == row["id"]).values(fields))
        stored = {r["id"]: dict(r) for r in conn.execute(select(a).where(a.c.bulletin_id == row["id"])).mappings()}
        compared = [k for k in ARTICLE_COLUMNS if k not in self._PROVENANCE]
        signed: list[dict[str, Any]] = []
        for article in sorted(articles, key=lambda x: x["content_hash"]):
            new = article_row(article)
            old = stored.get(new["id"])
            if old is not None and old.get("bulletin_url") and canonical_url(old["bulletin_url"]) != url:
                result.duplicates.append(new["id"])  # stored from the original (or another repost): left to it
            elif old is not None:
                changed = {k: new[k] for k in compared if old.get(k) != new[k]}
                if changed:
                    conn.execute(update(a).where(a.c.id == new["id"]).values(changed))
                    result.updated.append(new["id"])
                else:
                    result.unchanged.append(new["id"])
            else:
                stmt = self._insert(a).values({**new, "first_seen_at": new.get("crawled_at")})
                inserted = conn.execute(stmt.on_conflict_do_nothing().returning(a.c.id)).first()
                (result.inserted if inserted else result.duplicates).append(new["id"])
                if inserted and signatures.get(new["id"]) is not None:
                    signed.append(new)
            conn.execute(self._insert(u).values(content_hash=new["content_hash"], url=url, bulletin_id=row["id"],
                                                first_seen_at=new.get("crawled_at")).on_conflict_do_nothing())
        if signed:
            self._save_signatures(conn, signed, url, signatures)
        for sighting in seen:
            record = self._sighting(sighting, url, sighting.seen_at)
            conn.execute(self._insert(u).values(record).on_conflict_do_update(
                index_elements=[u.c.content_hash, u.c.url], set_={"match": record["match"],
                                                                  "similarity": record["similarity"]}))
            result.near_duplicates.append(sighting.content_hash)
        # What this page no longer yields loses its sighting here; an article no page sights
        # any more is deleted (a report still on the original or a repost stays).
        dropped = set(conn.execute(select(u.c.content_hash).where(u.c.url == url)).scalars()) - \
            {article_row(x)["content_hash"] for x in articles} - {x.content_hash for x in seen}
        if dropped:
            hashes = sorted(dropped)
            conn.execute(delete(u).where(u.c.url == url, u.c.content_hash.in_(hashes)))
            still = set(conn.execute(select(u.c.content_hash).where(u.c.content_hash.in_(hashes))).scalars())
            orphans = sorted(dropped - still)
            if orphans:
                gone = list(conn.execute(select(a.c.id).where(a.c.content_hash.in_(orphans))).scalars())
                result.deleted.extend(gone)
                conn.execute(delete(a).where(a.c.content_hash.in_(orphans)))
                self._forget_signatures(conn, gone)
        return result

    @staticmethod
    def _forget_signatures(conn: Connection, article_ids: list[str]) -> None:
        """Delete these articles' signatures and band rows, so that no later lookup matches a
        deleted report. The band rows are found by their keys (computed from the signature),
        not by a scan of the band tables for the signature id."""
        s = schema.signatures
        rows = conn.execute(select(s.c.id, s.c.signature, s.c.region_code)
                            .where(s.c.article_id.in_(sorted(article_ids)))).all()
        if not rows:
            return
        bands = schema.band_rows([(sid, bytes(signature), region) for sid, signature, region in rows])
        key = ("band_key", "province", "signature_id")
        for table in (schema.signature_bands, schema.signature_bands_recent):
            conn.execute(delete(table).where(*(table.c[name] == bindparam(name) for name in key)), bands)
        conn.execute(delete(s).where(s.c.id.in_([row[0] for row in rows])))

    def schema_version(self) -> int:
        with self._read() as conn:
            return schema.current_version(conn)

    def commit(self) -> None:
        """Nothing to do: every write is its own transaction (one per page)."""

    def close(self) -> None:
        for conn in self._lookup_conns:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing from another thread; dispose() below ends it
                pass
        self._lookup_conns.clear()
        self._lookup_local = threading.local()
        self.engine.dispose()
