"""The store on both backends: upserts, page transactions, sightings, lookups, schema upgrades."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler
from sqlalchemy import create_engine, text

from kexie_scraper.items import Article
from kexie_scraper.pipelines import DedupePipeline, NormalizePipeline, StorePipeline
from kexie_scraper.pipelines.dedupe import BoundedSet
from kexie_scraper.storage import PageBatch, database_url, normalize_url, open_store, schema
from kexie_scraper.storage.base import Seen

PAGE = "https://www.scimall.org.cn/article/detail?id=7100001"
REPOST = "https://www.scimall.org.cn/article/detail?id=7100013"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'k.sqlite'}"
    return request.getfixturevalue("pg_url")


def bulletin(bid="b1", url=PAGE, crawled="2024-06-01T10:00:00+08:00"):
    return {"id": bid, "source": "scimall", "url": url, "canonical_url": url, "title": "【地方科协】",
            "page_state": "ok", "article_count": 2, "crawled_at": crawled}


def article(n, bid="b1", url=PAGE, content=None):
    return {"id": f"a{n}-{bid}", "content_hash": content or f"h{n}", "bulletin_id": bid, "source": "scimall",
            "bulletin_url": url, "position": n, "title": f"标题{n}", "body": f"正文{n}", "split_confidence": 0.75,
            "region": {"province": "四川省", "city": "德阳市", "county": None, "code": "510600", "former_name": None},
            "crawled_at": "2024-06-01T10:00:00+08:00"}


def test_page_write_is_an_upsert_with_exact_insert_counts(db_url):
    store = open_store(db_url)
    try:
        first = store.write_page(PageBatch(url=PAGE, bulletin=bulletin(), articles=[article(1), article(2)]))
        assert first.bulletin_inserted is True and first.inserted == ["a1-b1", "a2-b1"] and first.conflicted == []
        # The same page again: nothing new, the bulletin's crawl time refreshed.
        again = store.write_page(PageBatch(url=PAGE, bulletin=bulletin(crawled="2024-06-02T10:00:00+08:00"),
                                           articles=[article(1), article(2)]))
        assert again.bulletin_inserted is False and again.inserted == [] and sorted(again.conflicted) == ["a1-b1", "a2-b1"]
        # A repost elsewhere: other ids, same content hashes -> conflicts on the unique hash.
        repost = store.write_page(PageBatch(url=REPOST, bulletin=bulletin("b2", REPOST),
                                            articles=[article(1, "b2", REPOST), article(3, "b2", REPOST)]))
        assert repost.inserted == ["a3-b2"] and repost.conflicted == ["a1-b2"]
        assert store.counts() == {"bulletins": 2, "articles": 3, "article_urls": 4, "bulletin_sources": 2,
                                  "page_states": 0}
        assert store.article_known("a1-b1", "nope") and store.article_known("nope", "h2")
        assert not store.article_known("nope", "nope")
        assert store.bulletin_known("b2") and not store.bulletin_known("b3")
        assert store.known_page_urls([PAGE, REPOST, "https://x.org/other"]) == {PAGE, REPOST}
        rows = {a["id"]: a for a in store.iter_articles()}
        assert rows["a1-b1"]["region"]["code"] == "510600" and rows["a1-b1"]["split_confidence"] == 0.75
        refreshed = {b["id"]: b for b in store.iter_bulletins()}["b1"]
        assert refreshed["crawled_at"] == "2024-06-02T10:00:00+08:00"
        assert store.schema_version() == schema.LATEST
    finally:
        store.close()


def test_sightings_of_known_articles_are_recorded(db_url):
    store = open_store(db_url)
    try:
        store.write_page(PageBatch(url=PAGE, bulletin=bulletin(), articles=[article(1)]))
        store.write_page(PageBatch(url=REPOST, bulletin=bulletin("b1", REPOST), seen=[("h1", "b1")]))
        with create_engine(db_url).connect() as conn:
            urls = conn.execute(text("SELECT url FROM article_urls WHERE content_hash = 'h1' ORDER BY url")).scalars().all()
        assert urls == [PAGE, REPOST]
    finally:
        store.close()


def test_a_failed_page_write_leaves_nothing(db_url):
    store = open_store(db_url)
    try:
        broken = article(2)
        broken["body"] = None  # NOT NULL: the second row fails, so the whole page must roll back
        with pytest.raises(Exception):
            store.write_page(PageBatch(url=PAGE, bulletin=bulletin(), articles=[article(1), broken]))
        assert store.counts() == {"bulletins": 0, "articles": 0, "article_urls": 0, "bulletin_sources": 0,
                                  "page_states": 0}
    finally:
        store.close()


def test_racing_writers_store_each_article_once(db_url):
    """Eight threads (own connections) write overlapping pages at once: every article once, counted once."""
    stores = [open_store(db_url) for _ in range(8)]
    results = [None] * len(stores)
    barrier = threading.Barrier(len(stores))

    def work(i):
        barrier.wait()
        url = f"https://www.scimall.org.cn/article/detail?id={i}"
        arts = [article(n, "b1", url, content=f"h{n}") for n in ([1, 2, 3, 4, 5] if i % 2 else [5, 4, 3, 2, 1])]
        results[i] = stores[i].write_page(PageBatch(url=url, bulletin=bulletin("b1", url), articles=arts))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert sum(len(r.inserted) for r in results) == 5
        assert sum(len(r.conflicted) for r in results) == 5 * 7
        assert sum(1 for r in results if r.bulletin_inserted) == 1
        assert stores[0].counts() == {"bulletins": 1, "articles": 5, "article_urls": 40, "bulletin_sources": 8,
                                      "page_states": 0}
    finally:
        for s in stores:
            s.close()


# The schema kexie_scraper 0.1 created (storage/sqlite.py before versioning), frozen here.
SCHEMA_0_1 = """
CREATE TABLE bulletins (id TEXT PRIMARY KEY, source TEXT, url TEXT, canonical_url TEXT, title TEXT, published_at TEXT,
    publisher TEXT, publisher_alias TEXT, original_url TEXT, page_state TEXT NOT NULL, intro TEXT,
    article_count INTEGER NOT NULL DEFAULT 0, crawled_at TEXT, first_seen_at TEXT);
CREATE TABLE articles (id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, bulletin_id TEXT REFERENCES bulletins(id),
    source TEXT, bulletin_url TEXT, bulletin_title TEXT, position INTEGER NOT NULL, title TEXT, body TEXT NOT NULL,
    attribution TEXT, org TEXT, province TEXT, city TEXT, county TEXT, region_code TEXT, region_former_name TEXT,
    published_at TEXT, publisher TEXT, original_url TEXT, split_rule TEXT, split_confidence REAL,
    crawled_at TEXT, first_seen_at TEXT);
CREATE UNIQUE INDEX articles_content_hash ON articles(content_hash);
CREATE INDEX articles_bulletin ON articles(bulletin_id, position);
CREATE INDEX articles_region ON articles(region_code);
CREATE INDEX bulletins_canonical_url ON bulletins(canonical_url);
INSERT INTO bulletins (id, url, page_state, crawled_at, first_seen_at) VALUES ('b1', '{url}', 'ok', 't0', 't0');
INSERT INTO articles (id, content_hash, bulletin_id, bulletin_url, position, body, first_seen_at)
    VALUES ('a1', 'h1', 'b1', '{url}', 1, '正文', 't0');
"""


def _create_0_1(db_url):
    engine = create_engine(db_url)
    with engine.begin() as conn:
        for statement in SCHEMA_0_1.format(url=PAGE).split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)
    engine.dispose()


def test_a_0_1_database_is_upgraded_in_place(db_url):
    _create_0_1(db_url)
    store = open_store(db_url)
    try:
        assert store.upgraded_from == 1 and store.schema_version() == schema.LATEST
        assert store.counts() == {"bulletins": 1, "articles": 1, "article_urls": 1,  # sightings backfilled
                                  "bulletin_sources": 1, "page_states": 0}
        assert [(r["url"], r["match"]) for r in store.article_sources("a1")] == [(PAGE, "stored")]
        assert store.known_page_urls([PAGE]) == {PAGE}
        assert store.write_page(PageBatch(url=PAGE, articles=[article(1, content="h1")])).conflicted == ["a1-b1"]
    finally:
        store.close()
    again = open_store(db_url)  # opening an up-to-date database changes nothing
    assert again.upgraded_from == schema.LATEST
    with again.engine.connect() as conn:
        versions = conn.execute(text("SELECT version FROM kexie_schema_version ORDER BY version")).scalars().all()
    again.close()
    assert versions == list(range(1, schema.LATEST + 1))


def test_workers_opening_a_new_database_at_once_migrate_it_once(db_url):
    errors, barrier = [], threading.Barrier(6)

    def open_one():
        barrier.wait()
        try:
            open_store(db_url).close()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM kexie_schema_version")).scalar() == schema.LATEST
    engine.dispose()


def test_database_url_setting_alias_and_driver():
    assert normalize_url("postgresql://u@h:5432/d") == "postgresql+psycopg://u@h:5432/d"
    assert normalize_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    with pytest.raises(ValueError):
        normalize_url("mysql://u@h/d")
    assert database_url(get_crawler(settings_dict={"KEXIE_STORE_URL": "sqlite:///old"}).settings) == "sqlite:///old"
    both = get_crawler(settings_dict={"KEXIE_STORE_URL": "sqlite:///old", "KEXIE_DATABASE_URL": "sqlite:///new"})
    assert database_url(both.settings) == "sqlite:///new"
    from scrapy.settings import Settings

    project = Settings()
    project.setmodule("kexie_scraper.settings", priority="project")
    project.set("KEXIE_STORE_URL", "sqlite:///cmdline", priority="cmdline")  # 0.1's `-s KEXIE_STORE_URL=`
    assert database_url(project) == "sqlite:///cmdline"


def test_dedupe_memory_is_bounded_and_the_store_answers(tmp_path):
    crawler = get_crawler(settings_dict={"KEXIE_DATABASE_URL": f"sqlite:///{tmp_path / 'k.sqlite'}",
                                         "KEXIE_DEDUPE_CACHE_SIZE": 10})
    normalize, dedupe, store = NormalizePipeline(), DedupePipeline.from_crawler(crawler), StorePipeline.from_crawler(crawler)

    def feed(n, url):
        item = normalize.process_item(Article(bulletin_url=url, title=f"第{n}条", body=f"第{n}条报道的正文。", position=n))
        try:
            return store.process_item(dedupe.process_item(item))
        except DropItem:
            return None

    urls = [f"https://www.scimall.org.cn/article/detail?id={i}" for i in range(30)]
    kept = [feed(i, urls[i]) for i in range(30)]
    assert all(kept) and len(dedupe.recent) <= 10
    store.close_spider()
    # Long evicted from the cache, still known: the store is asked.
    assert feed(0, urls[0]) is None and feed(29, urls[29]) is None
    assert crawler.stats.get_value("kexie/duplicates/articles") == 2
    store.close_spider()
    db = sqlite3.connect(tmp_path / "k.sqlite")
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 30


def test_bounded_set_forgets_least_recently_used():
    recent = BoundedSet(2)
    recent.add("a"), recent.add("b")
    assert "a" in recent  # touch a: b is now the oldest
    recent.add("c")
    assert "b" not in recent and "a" in recent and "c" in recent and len(recent) == 2


# --- v3: page states, where things were seen, MinHash signatures ------------------------------
T1, T2, T3 = "2024-01-01T00:00:00+08:00", "2024-01-02T00:00:00+08:00", "2024-01-03T00:00:00+08:00"
WECHAT = "https://mp.weixin.qq.com/s?__biz=QQ==&mid=1&idx=1&sn=a"
LONG_BODY = "德阳市科协召开会议，部署全年科普工作，要求各县区科协抓好落实，确保各项任务按期完成，并加强基层科普阵地建设。"


def test_page_state_counts_attempts_and_is_cleared_by_a_good_fetch(db_url):
    store = open_store(db_url)
    try:
        record = {"canonical_url": WECHAT, "url": WECHAT, "source": "wechat", "state": "captcha", "retryable": True,
                  "crawled_at": T1}
        store.record_page_state(record)
        store.write_page(PageBatch(url=WECHAT, page_state={**record, "state": "rate_limited", "crawled_at": T2}))
        (row,) = store.page_states(retryable=True)
        assert (row["state"], row["attempts"], row["first_seen_at"], row["last_seen_at"]) == ("rate_limited", 2, T1, T2)
        assert store.page_states(retryable=False) == [] and store.page_states(source="scimall") == []
        assert store.page_states(retryable=True, source="wechat") == [row]
        # Fetched fine at last, by a longer form of the link: its bulletin clears the state.
        fetched = bulletin("b1", WECHAT + "&chksm=x#rd", crawled=T3)
        store.write_page(PageBatch(url=WECHAT, bulletin={**fetched, "source": "wechat", "original_url": WECHAT}))
        assert store.page_states() == []
        assert [(r["canonical_url"], r["source"]) for r in store.bulletin_sources("b1")] == [(WECHAT, "wechat")]
    finally:
        store.close()


def test_list_page_failures_are_kept_apart_from_bulletin_pages(db_url):
    """A failed list page (state list_error) is recorded like a bulletin page, but it is no
    page to fetch again from the record (retry_urls) nor a settled bulletin page
    (settled_failures); reading it again (PageBatch.list_read) deletes its record only."""
    from kexie_scraper.items import LIST_ERROR

    listing, listing_404 = "https://www.scimall.org.cn/channel/list?cid=5&page=2", "https://www.scimall.org.cn/channel/list?cid=6"
    store = open_store(db_url)
    try:
        def record(url, state, retryable, reason):
            store.write_page(PageBatch(url=url, page_state={"canonical_url": url, "url": url, "source": "scimall",
                                                            "state": state, "reason": reason, "retryable": retryable,
                                                            "crawled_at": T1}))

        record(listing, LIST_ERROR, True, "http_503")
        record(listing_404, LIST_ERROR, False, "http_404")
        record(PAGE, "http_error", True, "http_502")
        assert store.retry_urls("scimall", 5) == [PAGE]
        assert store.settled_failures([listing, listing_404, PAGE]) == set()
        assert [r["url"] for r in store.page_states(list_pages=True)] == [listing, listing_404]
        assert [r["url"] for r in store.page_states(retryable=True, list_pages=False)] == [PAGE]
        # read again: the list page's record goes; a bulletin page's record under the same
        # URL would not (only list_error rows are cleared by a list read)
        store.write_page(PageBatch(url=listing, list_read=[listing, PAGE]))
        assert [r["url"] for r in store.page_states()] == [PAGE, listing_404]
        assert store.counts()["page_states"] == 2
    finally:
        store.close()


def test_original_urls_pending_only(db_url):
    store = open_store(db_url)
    try:
        originals = [f"https://mp.weixin.qq.com/s?__biz=QQ==&mid={i}&idx=1&sn=s" for i in range(4)]
        for i, original in enumerate(originals):
            store.upsert_bulletin({**bulletin(f"b{i}", f"https://www.scimall.org.cn/article/detail?id={i}", T1),
                                   "original_url": original})
        store.upsert_bulletin(bulletin("x", "https://www.scimall.org.cn/article/detail?id=9", T1))
        # b1's original fetched: the same bulletin, seen at its WeChat page.
        store.write_page(PageBatch(url=originals[1], bulletin={**bulletin("b1", originals[1], T2),
                                                                "original_url": originals[1]}))
        store.record_page_state({"canonical_url": originals[2], "url": originals[2], "state": "deleted",
                                 "retryable": False, "crawled_at": T2})
        store.record_page_state({"canonical_url": originals[3], "url": originals[3], "state": "captcha",
                                 "retryable": True, "crawled_at": T2})
        assert store.original_urls(pending_only=False) == originals
        assert store.original_urls() == [originals[0], originals[3]]  # a captcha is worth another try
    finally:
        store.close()


def test_sightings_keep_how_they_matched_and_first_seen(db_url):
    from kexie_scraper.storage.base import Seen

    store = open_store(db_url)
    try:
        first = {**article(1), "crawled_at": T1}
        store.write_page(PageBatch(url=PAGE, bulletin=bulletin(crawled=T1), articles=[first]))
        store.write_page(PageBatch(url=WECHAT, seen=[Seen("h1", "b1", "minhash", 0.71, "wechat")],
                                   page_state=None, bulletin=None, articles=[]))
        store.write_page(PageBatch(url=WECHAT, bulletin={**bulletin("b9", WECHAT, T3), "source": "wechat"},
                                   seen=[Seen("h1", "b9", "minhash", 0.71, "wechat")]))  # seen again later
        rows = store.article_sources("a1-b1")
        assert [(r["url"], r["match"], r["similarity"], r["source"]) for r in rows] == [
            (PAGE, "stored", None, "scimall"), (WECHAT, "minhash", 0.71, "wechat")]
        assert rows[1]["last_seen_at"] == T3 and rows[0]["first_seen_at"] == T1
    finally:
        store.close()


def test_signatures_are_stored_with_the_page_and_found_by_band(db_url):
    from kexie_scraper import neardup

    store = open_store(db_url)
    try:
        mh = neardup.signature(neardup.text_of(None, LONG_BODY))
        long_article = {**article(1), "body": LONG_BODY}
        store.write_page(PageBatch(url=PAGE, bulletin=bulletin(), articles=[long_article],
                                   signatures={"a1-b1": neardup.to_bytes(mh)}))
        (found,) = store.signature_candidates(neardup.band_keys(mh))
        assert (found.article_id, found.content_hash, found.region_code, found.page_url) == ("a1-b1", "h1", "510600", PAGE)
        assert neardup.from_bytes(found.signature).jaccard(mh) == 1.0
        other = neardup.signature(neardup.text_of(None, "完全不同的一段文字，讲的是另一个地方另一件事情，与上面那篇报道毫无关系可言。"))
        assert store.signature_candidates(neardup.band_keys(other)) == []
        # A copy that lost the race stores no second signature.
        store.write_page(PageBatch(url=REPOST, bulletin=bulletin("b2", REPOST),
                                   articles=[{**long_article, "id": "a1-b2", "bulletin_id": "b2", "bulletin_url": REPOST}],
                                   signatures={"a1-b2": neardup.to_bytes(mh)}))
        assert [c.article_id for c in store.signature_candidates(neardup.band_keys(mh))] == ["a1-b1"]
    finally:
        store.close()


def test_upgrade_to_v3_backfills_sources_and_signatures(db_url):
    """A database of an older version gets the v3 records of what it already holds."""
    from kexie_scraper import neardup

    _create_0_1(db_url)
    engine = create_engine(db_url)
    wechat_page = "https://mp.weixin.qq.com/s/AbCdEf"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO bulletins (id, url, source, original_url, page_state, crawled_at, first_seen_at) "
                          "VALUES ('b2', :u, 'wechat', :o, 'ok', 't1', 't1')"), {"u": wechat_page, "o": WECHAT})
        conn.execute(text("INSERT INTO articles (id, content_hash, bulletin_id, bulletin_url, position, body, region_code,"
                          " first_seen_at) VALUES ('a2', 'h2', 'b2', :u, 1, :b, '510600', 't1')"),
                     {"u": wechat_page, "b": LONG_BODY})
    engine.dispose()
    store = open_store(db_url)
    try:
        assert store.upgraded_from == 1 and store.schema_version() == schema.LATEST == 7
        assert [(r["url"], r["match"]) for r in store.article_sources("a2")] == [(wechat_page, "stored")]
        # A WeChat page is known by the long link it names.
        assert [r["canonical_url"] for r in store.bulletin_sources("b2")] == [WECHAT]
        assert [r["canonical_url"] for r in store.bulletin_sources("b1")] == [PAGE]
        mh = neardup.signature(neardup.text_of(None, LONG_BODY))
        assert [c.article_id for c in store.signature_candidates(neardup.band_keys(mh))] == ["a2"]  # '正文' is too short
    finally:
        store.close()


def test_a_v2_database_is_upgraded_to_v3(db_url):
    """A database written by the version before v3 (article_urls without match etc.): the
    columns are added in place and the sightings told apart."""
    _create_0_1(db_url)
    engine = create_engine(db_url)
    with engine.begin() as conn:  # what version 2 left: article_urls as it was then, versions 1 and 2
        conn.exec_driver_sql("CREATE TABLE article_urls (content_hash TEXT NOT NULL, url TEXT NOT NULL, bulletin_id TEXT, "
                             "first_seen_at TEXT, PRIMARY KEY (content_hash, url))")
        conn.exec_driver_sql("CREATE INDEX article_urls_url ON article_urls (url)")
        conn.exec_driver_sql("CREATE TABLE kexie_schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
        conn.exec_driver_sql("INSERT INTO kexie_schema_version VALUES (1, '(before versioning)'), (2, 't0')")
        conn.execute(text("INSERT INTO article_urls VALUES ('h1', :p, 'b1', 't0'), ('h1', :r, 'b2', 't1')"),
                     {"p": PAGE, "r": REPOST})
    engine.dispose()
    store = open_store(db_url)
    try:
        assert store.upgraded_from == 2 and store.schema_version() == schema.LATEST
        rows = store.article_sources("a1")
        assert [(r["url"], r["match"], r["first_seen_at"], r["last_seen_at"]) for r in rows] == [
            (PAGE, "stored", "t0", "t0"), (REPOST, "content_hash", "t1", "t1")]
        assert store.counts() == {"bulletins": 1, "articles": 1, "article_urls": 2, "bulletin_sources": 1,
                                  "page_states": 0}
        # And it is written to as usual: a sighting seen again only moves last_seen_at.
        store.write_page(PageBatch(url=REPOST, seen=[("h1", "b2")]))
        assert [r["match"] for r in store.article_sources("a1")] == ["stored", "content_hash"]
    finally:
        store.close()


def test_a_v3_database_gains_the_reason_of_its_page_states(db_url):
    """Version 5 adds ``page_states.reason`` in place: old rows keep theirs (no reason), new
    ones carry it, and the next run's retry list reads it all."""
    store = open_store(db_url)
    store.close()
    engine = create_engine(db_url)
    with engine.begin() as conn:  # back to what version 3 left
        conn.exec_driver_sql("ALTER TABLE page_states DROP COLUMN reason")
        conn.exec_driver_sql("DELETE FROM kexie_schema_version WHERE version >= 4")
        conn.execute(text("INSERT INTO page_states (canonical_url, url, source, state, retryable, detail, attempts) "
                          "VALUES (:u, :u, 'scimall', 'http_error', :t, 'HTTP 503', 1)"), {"u": PAGE, "t": True})
    engine.dispose()
    store = open_store(db_url)
    try:
        assert store.upgraded_from == 3 and store.schema_version() == schema.LATEST == 7
        store.record_page_state({"url": REPOST, "canonical_url": REPOST, "source": "scimall", "state": "http_error",
                                 "reason": "timeout", "retryable": True, "detail": "took too long",
                                 "crawled_at": "2024-06-01T10:00:00+08:00"})
        store.record_page_state({"url": PAGE + "0", "canonical_url": PAGE + "0", "source": "scimall",
                                 "state": "deleted", "reason": "deleted", "retryable": False,
                                 "crawled_at": "2024-06-01T10:00:00+08:00"})
        reasons = {r["url"]: r["reason"] for r in store.page_states()}
        assert reasons == {PAGE: None, REPOST: "timeout", PAGE + "0": "deleted"}
        assert sorted(store.retry_urls("scimall", 5)) == sorted([PAGE, REPOST])
        assert store.retry_urls("scimall", 1) == []  # tried once already: beyond max attempts 1
        assert store.settled_failures([PAGE, REPOST, PAGE + "0"]) == {PAGE + "0"}
    finally:
        store.close()


def test_reparse_keeps_a_minhash_sighting_and_leaves_a_repost_to_its_original(db_url):
    """Issue 8's bug: a report the crawl recorded as a MinHash sighting of another page's
    report must stay a sighting when its page is re-parsed (not be inserted as a second
    copy, nor make the stored report lose the sighting); and a repost's re-parse must not
    rewrite the original's fields."""
    from kexie_scraper import neardup

    store = open_store(db_url)
    try:
        mh = neardup.signature(neardup.text_of(None, LONG_BODY))
        original = {**article(1), "body": LONG_BODY}
        store.write_page(PageBatch(url=PAGE, bulletin=bulletin(), articles=[original],
                                   signatures={"a1-b1": neardup.to_bytes(mh)}))
        # The crawl: REPOST's lightly edited copy matched a1-b1 by MinHash, stored as a sighting.
        store.write_page(PageBatch(url=REPOST, bulletin=bulletin("b2", REPOST),
                                   seen=[Seen("h1", "b2", "minhash", 0.7, "scimall")]))
        edited = {**article(1, "b2", REPOST, content="h1-edited"), "body": LONG_BODY[:-6] + "。"}
        done = store.reparse_page(REPOST, bulletin("b2", REPOST), [], seen=[Seen("h1", "b2", "minhash", 0.7, "scimall")])
        assert (done.inserted, done.deleted, done.near_duplicates) == ([], [], ["h1"])
        assert [(r["url"], r["match"]) for r in store.article_sources("a1-b1")] == [(PAGE, "stored"), (REPOST, "minhash")]
        assert store.counts()["articles"] == 1
        # Without the match (the old behaviour) the sighting would be dropped and the copy inserted:
        done = store.reparse_page(REPOST, bulletin("b2", REPOST), [edited])
        assert done.inserted == ["a1-b2"] and [r["url"] for r in store.article_sources("a1-b1")] == [PAGE]
        # A repost page carrying the original's bulletin id (a WeChat original and its
        # aggregator copy): its parse does not rewrite the original's article.
        changed = {**original, "published_at": "2024-06-01T18:54:24+08:00", "bulletin_url": REPOST}
        done = store.reparse_page(REPOST, bulletin(url=REPOST), [changed])
        assert done.duplicates == ["a1-b1"] and done.updated == []
        assert {a["id"]: a for a in store.iter_articles()}["a1-b1"]["published_at"] is None
        # Its own page's parse does.
        done = store.reparse_page(PAGE, bulletin(), [{**original, "published_at": "2024-06-01T18:54:24+08:00"}])
        assert done.updated == ["a1-b1"]
    finally:
        store.close()


def test_reparse_stores_the_signatures_of_what_it_inserts(db_url):
    from kexie_scraper import neardup

    store = open_store(db_url)
    try:
        mh = neardup.signature(neardup.text_of(None, LONG_BODY))
        done = store.reparse_page(PAGE, bulletin(), [{**article(1), "body": LONG_BODY}],
                                  signatures={"a1-b1": neardup.to_bytes(mh)})
        assert done.inserted == ["a1-b1"]
        assert [c.article_id for c in store.signature_candidates(neardup.band_keys(mh))] == ["a1-b1"]
        # A new parse of the page without that report deletes it, its signature and band rows too.
        store.merge_bands()  # half the rows in each band table
        other = {**article(2), "body": LONG_BODY + "又及：另一篇不相干的补充说明，篇幅足够长以便计算签名。"}
        store.reparse_page(PAGE, bulletin(), [other], signatures={
            "a2-b1": neardup.to_bytes(neardup.signature(neardup.text_of(None, other["body"])))})
        assert store.reparse_page(PAGE, bulletin(), []).deleted == ["a2-b1"]
        done = store.reparse_page(PAGE, bulletin(), [])
        assert done.deleted == [] and store.signature_candidates(neardup.band_keys(mh)) == []
        assert _band_rows(store) == {"signature_bands": 0, "signature_bands_recent": 0}
    finally:
        store.close()


def _band_rows(store):
    with store.engine.connect() as conn:
        return {name: conn.execute(text(f"SELECT count(*) FROM {name}")).scalar()  # fixed table names
                for name in ("signature_bands", "signature_bands_recent")}


def _signed_article(n, body):
    from kexie_scraper import neardup

    mh = neardup.signature(neardup.text_of(None, body))
    url = f"{PAGE}{n}"
    return mh, PageBatch(url=url, bulletin=bulletin(f"b{n}", url),
                         articles=[{**article(n, f"b{n}", url), "body": body}],
                         signatures={f"a{n}-b{n}": neardup.to_bytes(mh)})


def test_band_rows_are_written_to_the_recent_table_and_merged_in_key_order(db_url):
    """A page's band rows go to ``signature_bands_recent`` in its own transaction; every
    ``band_merge_rows`` rows the store moves them all to ``signature_bands`` in one
    transaction. A lookup finds a report wherever its rows are; a store opened later counts
    the rows left unmerged towards its first merge."""
    from kexie_scraper import neardup

    bodies = [LONG_BODY.replace("。", f"，第{n}次。") + f"另记{n}号文件：" + "各单位须按期报送材料" * n for n in range(1, 6)]
    store = open_store(db_url)
    try:
        store.band_merge_rows = 3 * neardup.BANDS  # a merge after the third signed report
        signed = []
        for n, body in enumerate(bodies[:2], 1):
            mh, batch = _signed_article(n, body)
            store.write_page(batch)
            signed.append((f"a{n}-b{n}", mh))
        assert _band_rows(store) == {"signature_bands": 0, "signature_bands_recent": 2 * neardup.BANDS}
        mh, batch = _signed_article(3, bodies[2])
        store.write_page(batch)
        signed.append(("a3-b3", mh))
        assert _band_rows(store) == {"signature_bands": 3 * neardup.BANDS, "signature_bands_recent": 0}
        mh, batch = _signed_article(4, bodies[3])
        store.write_page(batch)
        signed.append(("a4-b4", mh))
        assert _band_rows(store) == {"signature_bands": 3 * neardup.BANDS, "signature_bands_recent": neardup.BANDS}
        for aid, mh in signed:  # merged (a1..a3) and recent (a4) alike
            assert neardup.best_stored_match(store, mh).article_id == aid
        with store.engine.connect() as conn:
            keys = conn.execute(text("SELECT band_key FROM signature_bands")).scalars().all()
        assert sorted(keys) == sorted(k for _, mh in signed[:3] for k in neardup.band_keys(mh))
    finally:
        store.close()
    again = open_store(db_url)
    try:
        again.band_merge_rows = 2 * neardup.BANDS
        _, batch = _signed_article(5, bodies[4])
        again.write_page(batch)  # 25 left by the last run + 25 new: due
        assert _band_rows(again) == {"signature_bands": 5 * neardup.BANDS, "signature_bands_recent": 0}
    finally:
        again.close()


V5_SIGNATURE_TABLES = """
CREATE TABLE article_signatures (article_id TEXT NOT NULL PRIMARY KEY, content_hash TEXT NOT NULL,
                                 region_code TEXT, page_url TEXT, signature {blob} NOT NULL);
CREATE TABLE article_signature_bands (band_key TEXT NOT NULL, article_id TEXT NOT NULL,
                                      PRIMARY KEY (band_key, article_id))
"""


def test_a_v5_database_gets_integer_band_keys(db_url):
    """Version 6 copies the signatures of a v5 database into ``signatures`` (in batches)
    and computes their band keys as integers; the v5 tables are dropped and the reports
    are found by near-duplicate lookups as before."""
    from kexie_scraper import neardup

    store = open_store(db_url)
    store.write_page(PageBatch(url=PAGE, bulletin=bulletin(), articles=[{**article(1), "body": LONG_BODY}]))
    store.close()
    engine = create_engine(db_url)
    old_signatures = {}
    with engine.begin() as conn:  # back to what version 5 left: text band keys by article id
        for name in ("signature_bands", "signature_bands_recent", "signatures"):
            conn.exec_driver_sql(f"DROP TABLE {name}")  # fixed names
        blob = "BYTEA" if engine.dialect.name == "postgresql" else "BLOB"
        for statement in V5_SIGNATURE_TABLES.format(blob=blob).split(";"):
            conn.exec_driver_sql(statement)
        conn.execute(text("DELETE FROM kexie_schema_version WHERE version >= 6"))
        for n in range(1, 1203):  # more than one batch of the copy
            body = LONG_BODY if n == 1 else f"第{n}份通知：" + "县科协组织科技志愿者下乡开展科普宣传活动" * (1 + n % 3) + str(n)
            raw = neardup.to_bytes(neardup.signature(neardup.text_of(None, body)))
            aid = f"a{n}-b1"
            old_signatures[aid] = raw
            conn.execute(text("INSERT INTO article_signatures VALUES (:a, :h, '510600', :p, :s)"),
                         {"a": aid, "h": f"h{n}", "p": PAGE, "s": raw})
            conn.execute(text("INSERT INTO article_signature_bands VALUES (:k, :a)"),
                         [{"k": f"{b}:{n:016x}", "a": aid} for b in range(neardup.BANDS)])
    engine.dispose()
    store = open_store(db_url)
    try:
        assert store.upgraded_from == 5 and store.schema_version() == schema.LATEST == 7
        with store.engine.connect() as conn:
            names = set(conn.dialect.get_table_names(conn))
            copied = dict(conn.execute(text("SELECT article_id, signature FROM signatures")).all())
            bands = conn.execute(text("SELECT count(*) FROM signature_bands")).scalar()
        assert "article_signatures" not in names and "article_signature_bands" not in names
        assert {k: bytes(v) for k, v in copied.items()} == old_signatures
        assert bands == len(old_signatures) * neardup.BANDS  # 25 integer keys each, the text ones gone
        mh = neardup.signature(neardup.text_of(None, LONG_BODY))
        match = neardup.best_stored_match(store, mh)
        assert (match.article_id, match.similarity) == ("a1-b1", 1.0)
    finally:
        store.close()


V6_BAND_TABLE = "CREATE TABLE {name} (band_key BIGINT NOT NULL, signature_id INTEGER NOT NULL, PRIMARY KEY (band_key, signature_id))"


def test_a_v6_database_gets_band_rows_by_province(db_url):
    """Version 7 writes the band rows anew, each under its report's province (0 for an
    unknown place), from the stored signatures in batches; rows still in the recent table
    are not lost. A lookup with a region then reads its province and province 0 only."""
    from kexie_scraper import neardup

    regions = ["510623", "520400", None]  # Sichuan, Guizhou, unknown
    store = open_store(db_url)
    for n in range(1, 1203):  # more than one batch of the rebuild
        body = f"第{n}份通知：" + "县科协组织科技志愿者下乡开展科普宣传活动" * (1 + n % 3) + str(n)
        url = f"https://www.scimall.org.cn/article/detail?id={n}"
        mh = neardup.signature(neardup.text_of(None, body))
        store.write_page(PageBatch(url=url, articles=[{**article(n), "body": body, "bulletin_url": url, "bulletin_id": None,
                                                       "region": {"code": regions[n % 3]}}],
                                   signatures={f"a{n}-b1": neardup.to_bytes(mh)}))
    store.close()
    engine = create_engine(db_url)
    with engine.begin() as conn:  # back to what version 6 left: no province in the band rows
        signed = conn.execute(text("SELECT id, signature FROM signatures")).all()
        for name in ("signature_bands", "signature_bands_recent"):
            conn.exec_driver_sql(f"DROP TABLE {name}")  # fixed names
            conn.exec_driver_sql(V6_BAND_TABLE.format(name=name))
        rows = [{"k": key, "s": sid} for sid, raw in signed for key in neardup.band_keys(bytes(raw))]
        conn.execute(text("INSERT INTO signature_bands VALUES (:k, :s)"), rows[:-neardup.BANDS])
        conn.execute(text("INSERT INTO signature_bands_recent VALUES (:k, :s)"), rows[-neardup.BANDS:])
        conn.execute(text("DELETE FROM kexie_schema_version WHERE version = 7"))
    engine.dispose()
    store = open_store(db_url)
    try:
        assert store.upgraded_from == 6 and store.schema_version() == schema.LATEST == 7
        with store.engine.connect() as conn:
            by_province = dict(conn.execute(text("SELECT province, count(*) FROM signature_bands GROUP BY province")).all())
            recent = conn.execute(text("SELECT count(*) FROM signature_bands_recent")).scalar()
        assert recent == 0 and by_province == {51: 400 * neardup.BANDS, 52: 401 * neardup.BANDS, 0: 401 * neardup.BANDS}
        body = "第7份通知：" + "县科协组织科技志愿者下乡开展科普宣传活动" * 2 + "7"  # report 7: 520400
        mh = neardup.signature(neardup.text_of(None, body))
        assert neardup.best_stored_match(store, mh, "520400").article_id == "a7-b1"
        assert neardup.best_stored_match(store, mh).article_id == "a7-b1"  # unknown place: every province
        # All 1,202 reports are alike (one phrase repeated): a Sichuan lookup reads Sichuan's
        # and the unknown places' only, and finds one of them, not report 7.
        keys = neardup.band_keys(mh)
        read = {int(c.article_id[1:].split("-")[0]) % 3 for c in store.signature_candidates(keys, limit=10_000, province=51)}
        assert read == {0, 2}
        anywhere = {int(c.article_id[1:].split("-")[0]) % 3 for c in store.signature_candidates(keys, limit=10_000)}
        assert anywhere == {0, 1, 2}
        assert neardup.best_stored_match(store, mh, "510623").article_id != "a7-b1"
    finally:
        store.close()


def test_a_failed_band_merge_loses_nothing_and_is_tried_again(tmp_path, monkeypatch, caplog):
    """The merge runs after the page's commit: if it fails, the page is still written (its
    result as usual), the rows wait in the recent table where lookups find them, a warning
    says so, and the next write merges them."""
    from sqlalchemy.exc import OperationalError

    from kexie_scraper import neardup
    from kexie_scraper.storage import sql

    store = open_store(f"sqlite:///{tmp_path / 'k.sqlite'}")
    try:
        store.band_merge_rows = neardup.BANDS
        real_merge = sql.SQLStore.merge_bands

        def locked(self):
            raise OperationalError("INSERT", {}, Exception("database is locked"))

        monkeypatch.setattr(sql.SQLStore, "merge_bands", locked)
        mh, batch = _signed_article(1, LONG_BODY)
        assert store.write_page(batch).inserted == ["a1-b1"]
        assert _band_rows(store) == {"signature_bands": 0, "signature_bands_recent": neardup.BANDS}
        assert "band rows into signature_bands failed" in caplog.text
        assert neardup.best_stored_match(store, mh).article_id == "a1-b1"
        monkeypatch.setattr(sql.SQLStore, "merge_bands", real_merge)
        _, batch = _signed_article(2, LONG_BODY + "另有补充说明一段。")
        store.write_page(batch)
        assert _band_rows(store) == {"signature_bands": 2 * neardup.BANDS, "signature_bands_recent": 0}
    finally:
        store.close()


def test_a_deadlock_or_dropped_connection_is_retried_other_errors_are_not(tmp_path, caplog):
    """Every write transaction (a page group, a reparse, a band merge) goes through
    ``_transaction``: PostgreSQL's deadlock and serialization failures are tried again (up
    to 5 times, each logged), any other database error is raised at once."""
    from sqlalchemy.exc import OperationalError

    class Deadlock(Exception):
        sqlstate = "40P01"

    deadlock = lambda: OperationalError("UPDATE", {}, Deadlock("deadlock detected"))
    disk = lambda: OperationalError("INSERT", {}, Exception("disk I/O error"))

    def failing(error, times):
        """A transaction body that raises ``error()`` its first ``times`` calls; counts them all."""
        calls = []

        def run(conn):
            calls.append(1)
            if len(calls) <= times:
                raise error()
            return "done"
        return run, calls

    store = open_store(f"sqlite:///{tmp_path / 'k.sqlite'}")
    try:
        caplog.set_level("INFO", logger="kexie_scraper.storage.sql")
        run, calls = failing(deadlock, 2)
        assert store._transaction(run, "page %s", "p1") == "done" and len(calls) == 3
        assert caplog.text.count("page p1: 40P01, retrying") == 2
        for error, times, tried in ((disk, 1, 1), (deadlock, 99, 5)):
            run, calls = failing(error, times)
            with pytest.raises(OperationalError):
                store._transaction(run, "page %s", "p2")
            assert len(calls) == tried
    finally:
        store.close()
