"""One report, two sources: the scimall copy and the WeChat original are stored as one set
of articles, each with every URL it was seen at.

* With a 原文链接: the repost names the original's (__biz, mid, idx), so both pages share
  the bulletin key and their articles the same ids (``match = "id"``).
* Without one: the aggregator's lightly edited copy is matched by MinHash
  (``match = "minhash"``, with the estimated similarity).

Items go through the real spiders' callbacks and the real pipelines into a SQLite file.
"""

from __future__ import annotations

import sqlite3

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from conftest import fixture_meta, fixture_response
from kexie_scraper.items import PageState
from kexie_scraper.pipelines import DedupePipeline, NormalizePipeline, StorePipeline
from kexie_scraper.spiders.scimall import ScimallSpider
from kexie_scraper.spiders.wechat import WechatSpider

SCIMALL_SEED = "https://www.scimall.org.cn/article/detail?id=7012345"
SEED_ORIGINAL = fixture_meta("wechat/article_2020_layout")["url"]


def spider(cls, crawler):
    return crawler._create_spider() if hasattr(crawler, "_create_spider") else cls.from_crawler(crawler)


class Run:
    """One crawl's pipelines over a store file; ``feed(fixture)`` runs a page through them."""

    def __init__(self, db):
        self.db = db
        self.crawler = get_crawler(settings_dict={"KEXIE_STORE_URL": f"sqlite:///{db}"})
        self.dedupe = DedupePipeline.from_crawler(self.crawler)
        self.stages = [NormalizePipeline(), self.dedupe, StorePipeline.from_crawler(self.crawler)]
        self.spiders = {
            "scimall": spider(ScimallSpider, get_crawler(ScimallSpider)),
            "wechat": spider(WechatSpider, get_crawler(WechatSpider, settings_dict={"KEXIE_STORE_URL": f"sqlite:///{db}"})),
        }
        self.kept, self.dropped = [], []

    def feed(self, name):
        source = name.split("/")[0]
        for item in self.spiders[source].parse_article(fixture_response(name)):
            if isinstance(item, PageState) or hasattr(item, "callback"):
                continue
            try:
                for stage in self.stages:
                    item = stage.process_item(item)
                self.kept.append(item)
            except DropItem as exc:
                self.dropped.append(str(exc))
        return self

    def close(self):
        self.stages[-1].close_spider()


def sources(db, title_like):
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT s.url, s.match, s.similarity FROM article_urls s JOIN articles a ON a.content_hash = s.content_hash "
        "WHERE a.title LIKE ? ORDER BY s.rowid", (title_like,)
    ).fetchall()
    return rows


def count(db, table):
    return sqlite3.connect(db).execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.mark.parametrize("order", [("scimall", "wechat"), ("wechat", "scimall")])
def test_repost_and_original_with_link_are_one_set_of_articles(tmp_path, order):
    db = tmp_path / "k.sqlite"
    pages = {"scimall": "scimall/article_seed_difang_kexie", "wechat": "wechat/article_2020_layout"}
    run = Run(db)
    for source in order:
        run.feed(pages[source])
    run.close()
    assert count(db, "articles") == 4 and count(db, "bulletins") == 1
    assert count(db, "bulletin_sources") == 2  # the one bulletin, seen at both pages
    first_url = SCIMALL_SEED if order[0] == "scimall" else SEED_ORIGINAL
    second_url = SEED_ORIGINAL if order[0] == "scimall" else SCIMALL_SEED
    for title in ("德阳市科协推广使用%", "遂宁市科协%", "广元市科协%", "青白江区科协%"):
        assert sources(db, title) == [(first_url, "stored", None), (second_url, "id", None)]


def test_a_later_run_recognises_the_original_too(tmp_path):
    db = tmp_path / "k.sqlite"
    first = Run(db).feed("scimall/article_seed_difang_kexie")
    first.close()
    second = Run(db).feed("wechat/article_2020_layout")
    second.close()
    assert second.kept == [] and len(second.dropped) == 5  # the bulletin and its 4 articles
    assert count(db, "articles") == 4
    assert [u for u, _, _ in sources(db, "德阳市科协推广使用%")] == [SCIMALL_SEED, SEED_ORIGINAL]


def test_copies_without_a_link_are_matched_by_minhash(tmp_path):
    db = tmp_path / "k.sqlite"
    run = Run(db)
    run.feed("scimall/article_7100007").feed("wechat/original_kunming_no_link").feed("wechat/original_foshan_no_link")
    run.close()
    # 7100007's three reports + 顺德 (new); 昆明 and 南海 are the scimall reports, edited.
    assert count(db, "articles") == 3 + 1
    assert count(db, "bulletins") == 3  # three pages, three bulletins: no link says otherwise
    kunming = sources(db, "昆明市科协开展冬春季科普惠农活动")
    assert [(u, m) for u, m, _ in kunming] == [
        ("https://www.scimall.org.cn/article/detail?id=7100007", "stored"),
        (fixture_meta("wechat/original_kunming_no_link")["url"], "minhash"),
    ]
    nanhai = sources(db, "佛山市南海区科协%")
    assert [m for _, m, _ in nanhai] == ["stored", "minhash"]
    for rows in (kunming, nanhai):
        assert 0.5 <= rows[1][2] < 1.0
    assert [m for _, m, _ in sources(db, "顺德区科协%")] == ["stored"]
    assert [m for _, m, _ in sources(db, "北京市朝阳区科协%")] == ["stored"]


def test_templated_reports_of_different_places_stay_apart(tmp_path):
    """Two counties' reports written from one template are not one report (region guard)."""
    from kexie_scraper import neardup

    a = neardup.text_of(None, "5月21日，安顺市西秀区科协联合区教育局举办青少年科技创新成果展，集中展出全区中小学生的科技发明、科学幻想绘画、机器人作品等180余件，吸引了众多师生和家长前来参观。")
    b = neardup.text_of(None, "5月21日，安顺市平坝区科协联合区教育局举办青少年科技创新成果展，集中展出全区中小学生的科技发明、科学幻想绘画、机器人作品等160余件，吸引了众多师生和家长前来参观。")
    index = neardup.NearDuplicateIndex()
    index.add("xixiu", neardup.signature(a), "520402", "page-1")
    assert index.best(neardup.signature(b), "520403", "page-2") is None  # 平坝区 ≠ 西秀区
    assert index.best(neardup.signature(b), None, "page-2").article_id == "xixiu"  # no place known: text decides
    assert index.best(neardup.signature(b), "520402", "page-1") is None  # one page never repeats a report


def test_a_later_run_matches_near_duplicates_through_the_store(tmp_path):
    """The edited copy arrives in a later run: the stored report's signature is found by its
    LSH band keys in the database, not in memory."""
    db = tmp_path / "k.sqlite"
    Run(db).feed("scimall/article_7100007").close()
    second = Run(db).feed("wechat/original_kunming_no_link")
    assert len(second.dedupe.recent_signatures) == 0  # nothing of run 1 in this run's memory
    second.close()
    kunming = sources(db, "昆明市科协开展冬春季科普惠农活动")
    assert [m for _, m, _ in kunming] == ["stored", "minhash"] and 0.5 <= kunming[1][2] < 1.0
    assert count(db, "articles") == 3


def test_lsh_banding_is_what_datasketch_picks_for_the_threshold():
    from datasketch import MinHashLSH

    from kexie_scraper import neardup

    lsh = MinHashLSH(threshold=neardup.THRESHOLD, num_perm=neardup.NUM_PERM)
    assert (lsh.b, lsh.r) == (neardup.BANDS, neardup.ROWS)
    mh = neardup.signature(neardup.text_of(None, "德阳市科协召开会议，部署全年科普工作，要求各县区科协抓好落实。"))
    keys = neardup.band_keys(mh)
    assert len(keys) == len(set(keys)) == neardup.BANDS and keys == neardup.band_keys(neardup.from_bytes(neardup.to_bytes(mh)))


def test_the_in_memory_index_is_bounded():
    from kexie_scraper import neardup

    index = neardup.NearDuplicateIndex(size=2)
    texts = [neardup.text_of(None, f"第{i}篇：某某县科协开展科普进社区活动，向居民发放宣传资料{i}份，现场解答群众提问。") for i in range(3)]
    for i, text in enumerate(texts):
        index.add(f"a{i}", neardup.signature(text), None, f"page-{i}")
    assert len(index) == 2 and "a0" not in index.entries
    assert all(ids <= {"a1", "a2"} for ids in index.bands.values())


@pytest.mark.parametrize("merged", [False, True], ids=["recent", "merged"])
@pytest.mark.parametrize("band_read_limit", [64, 5])
def test_candidate_lookups_are_bounded_and_keep_the_closest(tmp_path, monkeypatch, band_read_limit, merged):
    """Reports written from one template share bands with many others: a lookup reads at
    most BAND_READ_LIMIT stored reports per band key and compares at most CANDIDATE_LIMIT,
    those sharing the most bands, in the store and in the in-run index alike — and the
    true duplicate is among them (it shares the rare bands too). The same whether the band
    rows are still in the recent table or merged into the main one."""
    from kexie_scraper import neardup
    from kexie_scraper.storage import PageBatch, open_store, sql

    monkeypatch.setattr(sql, "BAND_READ_LIMIT", band_read_limit)
    template = "{}科协联合县教育局举办青少年科技创新成果展，集中展出全县中小学生的科技发明、科学幻想绘画、机器人作品等180余件，吸引了众多师生和家长前来参观。"
    counties = [f"第{i}号县" for i in range(80)]
    store = open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    index = neardup.NearDuplicateIndex()
    try:
        for i, county in enumerate(counties):
            mh = neardup.signature(neardup.text_of(None, template.format(county)))
            url = f"https://x.org/{i}"
            store.write_page(PageBatch(url=url, bulletin={"id": f"b{i}", "source": "t", "url": url, "canonical_url": url,
                                                          "page_state": "ok", "article_count": 1, "crawled_at": "t"},
                                       articles=[{"id": f"a{i}", "content_hash": f"h{i}", "bulletin_id": f"b{i}", "source": "t",
                                                  "bulletin_url": url, "position": 1, "body": template.format(county),
                                                  "region": {}, "crawled_at": "t", "split_confidence": 1.0}],
                                       signatures={f"a{i}": neardup.to_bytes(mh)}))
            index.add(f"a{i}", mh, None, url)
        if merged:
            store.merge_bands()
        copy = neardup.signature(neardup.text_of(None, template.format(counties[41]).replace("180余件", "一百八十余件")))
        keys = neardup.band_keys(copy)
        shared = lambda c: len(set(keys) & set(neardup.band_keys(c.signature)))
        # All 80 share some band with the copy; a band is read up to the limit.
        assert sum(shared(c) > 0 for c in _stored_signatures(store)) == len(counties)
        everything = store.signature_candidates(keys, limit=10_000)
        assert band_read_limit < len(everything) <= neardup.BANDS * band_read_limit
        if band_read_limit == 5:  # bands shared by all 80 give their first 5 reports only, not all 80
            assert len(everything) < 20
        bounded = store.signature_candidates(keys, limit=min(neardup.CANDIDATE_LIMIT, len(everything) - 1))
        assert len(bounded) == min(neardup.CANDIDATE_LIMIT, len(everything) - 1)
        assert len(index.candidates(copy)) == neardup.CANDIDATE_LIMIT
        assert "a41" in {c.article_id for c in bounded}
        assert max(everything, key=shared).article_id == "a41"
        assert neardup.best_stored_match(store, copy).article_id == "a41"
        assert index.best(copy).article_id == "a41"
    finally:
        store.close()


def _stored_signatures(store):
    from sqlalchemy import select

    from kexie_scraper.storage import schema
    from kexie_scraper.storage.base import Candidate

    s = schema.signatures
    with store.engine.connect() as conn:
        return [Candidate(*row[:4], bytes(row[4]))
                for row in conn.execute(select(s.c.article_id, s.c.content_hash, s.c.region_code, s.c.page_url, s.c.signature))]


def test_the_in_run_index_forgets_reports_once_their_page_is_written(tmp_path):
    from scrapy.utils.test import get_crawler

    from kexie_scraper.items import PageDone
    from kexie_scraper.pipelines import DedupePipeline, NormalizePipeline, StorePipeline

    # Finished pages are committed in groups of two: a page leaves the index at the first
    # lookup after its group is committed, not before.
    crawler = get_crawler(settings_dict={"KEXIE_STORE_URL": f"sqlite:///{tmp_path / 'k.sqlite'}",
                                         "KEXIE_WRITE_GROUP_PAGES": 2})
    stages = [NormalizePipeline(), DedupePipeline.from_crawler(crawler), StorePipeline.from_crawler(crawler)]
    dedupe, store = stages[1], stages[2]
    bodies = ["5月21日，西秀区科协联合区教育局举办青少年科技创新成果展，集中展出全区中小学生的科技发明、科学幻想绘画等作品180余件。",
              "平坝区科协组织农技专家深入乡村开展果树嫁接和病虫害防治培训，发放技术资料三千余份，受益群众达一千二百人次。",
              "普定县科协召开第四次代表大会，选举产生新一届委员会，审议通过工作报告，部署今后五年全县科协事业发展任务。"]
    sizes = []
    for n, body in enumerate(bodies):
        url = f"https://www.scimall.org.cn/article/detail?id={7200000 + n}"
        for item in [_bulletin(url), _article(url, body), PageDone(url=url)]:
            try:
                for stage in stages:
                    item = stage.process_item(item)
            except DropItem:
                pass
        sizes.append(len(dedupe.recent_signatures))
    # Page 1 waits for its group (2 in the index); pages 1 and 2 are committed together,
    # so page 3's lookup forgets both; page 3 waits for close.
    assert sizes == [1, 2, 1] and crawler.stats.get_value("kexie/stored/articles") == 2
    store.close_spider()
    assert crawler.stats.get_value("kexie/stored/articles") == 3


def _bulletin(url):
    from kexie_scraper.items import Bulletin
    from kexie_scraper.parsing import identity

    return Bulletin(id=identity.bulletin_id(identity.bulletin_key(url)), source="scimall", url=url, canonical_url=url,
                    title="【地方科协】", page_state="ok", article_count=1)


def _article(url, body):
    from kexie_scraper.items import Article

    return Article(source="scimall", bulletin_url=url, position=1, title=None, body=body, split_confidence=1.0,
                   region={"province": "贵州省", "city": "安顺市", "county": None, "code": "520400", "former_name": None})


def test_stored_lookup_compares_all_candidates_at_once_as_best_match_would(tmp_path):
    """``best_stored_match`` compares the candidates' signatures in one numpy operation;
    it picks what ``best_match`` picks over the same candidates one by one, guards
    (region, page) included; a stored signature of the wrong size is an error."""
    import random

    from kexie_scraper import neardup
    from kexie_scraper.storage import PageBatch, open_store, schema

    rnd = random.Random(7)
    words = ["科协", "科普", "志愿者", "讲座", "乡村", "学校", "院士", "工作站", "培训", "农技", "青少年", "创新"]
    regions = ["510600", "510623", "511000", None]
    store = open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    try:
        bodies = []
        for i in range(60):
            body = "".join(rnd.choice(words) for _ in range(40)) + "。"
            bodies.append(body)
            url = f"https://x.org/{i % 7}"
            mh = neardup.signature(neardup.text_of(None, body))
            store.write_page(PageBatch(url=url, articles=[{
                "id": f"a{i}", "content_hash": f"h{i}", "bulletin_id": None, "source": "t", "bulletin_url": url,
                "position": i, "body": body, "region": {"code": regions[i % 4]}, "crawled_at": "t",
                "split_confidence": 1.0}], signatures={f"a{i}": neardup.to_bytes(mh)}))
        checked = 0
        for j in range(40):
            text = "".join(rnd.choice(words) for _ in range(40))
            if j % 2:  # an edited copy of a stored report
                text = bodies[j].replace(rnd.choice(words), rnd.choice(words))
            probe = neardup.signature(neardup.text_of(None, text))
            for region, page in ((None, None), (regions[j % 4], f"https://x.org/{j % 7}")):
                entries = [neardup.Entry(c.article_id, c.content_hash, c.region_code, c.page_url,
                                         neardup.from_bytes(c.signature))
                           for c in store.signature_candidates(neardup.band_keys(probe), province=neardup.province_of(region))]
                for threshold in (0.05, 0.2, neardup.THRESHOLD):
                    expected = neardup.best_match(probe, entries, region, page, threshold)
                    assert neardup.best_stored_match(store, probe, region, page, threshold) == expected
                    checked += expected is not None
        assert checked > 40  # the comparison saw matches, not only misses
        with store.engine.begin() as conn:
            conn.execute(schema.signatures.update().values(signature=b"\0" * 8))
        with pytest.raises(ValueError, match="1 values"):
            neardup.best_stored_match(store, probe)
    finally:
        store.close()
