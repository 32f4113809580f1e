"""The store pipeline's group commit: finished pages are committed together, a request is
acknowledged only once its page is committed, a waiting page is committed within
KEXIE_WRITE_GROUP_SECONDS, and a page the database refuses costs only itself."""

from __future__ import annotations

import sqlite3
import time

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from kexie_scraper import scheduling
from kexie_scraper.items import Article, Bulletin, PageDone
from kexie_scraper.pipelines import DedupePipeline, NormalizePipeline, StorePipeline
from kexie_scraper.storage import sql


_BODIES = [
    "5月21日，西秀区科协联合区教育局举办青少年科技创新成果展，集中展出全区中小学生的科技发明、科学幻想绘画等作品180余件。",
    "平坝区科协组织农技专家深入乡村开展果树嫁接和病虫害防治培训，发放技术资料三千余份，受益群众达一千二百人次。",
    "普定县科协召开第四次代表大会，选举产生新一届委员会，审议通过工作报告，部署今后五年全县科协事业发展任务。",
    "镇宁县科协在城关广场举办全国科普日主题活动，二十余家学会设置展台，现场演示无人机植保和智能家居应用。",
]


def _page(n: int):
    url = f"https://www.scimall.org.cn/article/detail?id={7300000 + n}"
    body = _BODIES[n - 1]
    return [Bulletin(id=f"b{n}", url=url, title="【地方科协】"),
            Article(bulletin_url=url, title=f"第{n}号县科协开展科普宣传", body=body, position=1,
                    region={"province": "四川省", "city": None, "county": None, "code": "510000", "former_name": None}),
            PageDone(url=url, token=f"t{n}")]


@pytest.fixture
def acked(monkeypatch):
    tokens: list[str] = []
    monkeypatch.setattr(scheduling, "request_done", lambda crawler, token: tokens.append(token))
    return tokens


def _pipeline(tmp_path, **settings):
    crawler = get_crawler(settings_dict={"KEXIE_STORE_URL": f"sqlite:///{tmp_path / 'k.sqlite'}", **settings})
    return crawler, [NormalizePipeline(), DedupePipeline.from_crawler(crawler), StorePipeline.from_crawler(crawler)]


def _feed(stages, items):
    for item in items:
        try:
            for stage in stages:
                item = stage.process_item(item)
        except DropItem:
            pass


def _stored(tmp_path) -> int:
    with sqlite3.connect(tmp_path / "k.sqlite") as db:
        return db.execute("SELECT count(*) FROM articles").fetchone()[0]


def test_finished_pages_are_committed_in_groups_and_acknowledged_after(tmp_path, acked):
    crawler, stages = _pipeline(tmp_path, KEXIE_WRITE_GROUP_PAGES=3, KEXIE_WRITE_GROUP_SECONDS=3600)
    writes = []
    store = stages[2]
    original = sql.SQLStore.write_pages

    def counting(self, batches):
        writes.append([b.url[-7:] for b in batches])
        return original(self, batches)

    sql.SQLStore.write_pages = counting
    try:
        for n in range(1, 3):
            _feed(stages, _page(n))
        assert _stored(tmp_path) == 0 and acked == []  # two finished pages wait for the third
        _feed(stages, _page(3))
        assert _stored(tmp_path) == 3 and acked == ["t1", "t2", "t3"]
        _feed(stages, _page(4))
        assert acked == ["t1", "t2", "t3"]
        store.close_spider()  # close commits what waits
        assert acked == ["t1", "t2", "t3", "t4"] and _stored(tmp_path) == 4
    finally:
        sql.SQLStore.write_pages = original
    assert writes == [["7300001", "7300002", "7300003"], ["7300004"]]
    assert crawler.stats.get_value("kexie/stored/articles") == 4


def test_a_waiting_page_is_committed_once_the_group_time_is_up(tmp_path, acked):
    _, stages = _pipeline(tmp_path, KEXIE_WRITE_GROUP_PAGES=100, KEXIE_WRITE_GROUP_SECONDS=0.2)
    _feed(stages, _page(1))
    stages[2]._commit_if_due()  # the timer's check, before the time is up
    assert _stored(tmp_path) == 0 and acked == []
    time.sleep(0.25)
    stages[2]._commit_if_due()
    assert _stored(tmp_path) == 1 and acked == ["t1"]
    stages[2].close_spider()


def test_a_page_the_database_refuses_costs_only_itself(tmp_path, acked, caplog):
    crawler, stages = _pipeline(tmp_path, KEXIE_WRITE_GROUP_PAGES=3, KEXIE_WRITE_GROUP_SECONDS=3600)
    original = sql.SQLStore._write_page

    def refusing(self, conn, batch):
        if batch.url.endswith("7300002"):
            raise sql.DBAPIError("INSERT …", {}, sqlite3.IntegrityError("refused"))
        return original(self, conn, batch)

    sql.SQLStore._write_page = refusing
    try:
        for n in (1, 2):
            _feed(stages, _page(n))
        third = _page(3)
        _feed(stages, third[:2])
        with pytest.raises(sql.DBAPIError):  # page 3's marker completes the group, whose write fails
            stages[2].process_item(third[2])
    finally:
        sql.SQLStore._write_page = original
    # Pages 1 and 3 are stored and acknowledged; page 2 is not, its request stays in flight.
    assert _stored(tmp_path) == 2 and acked == ["t1", "t3"]
    assert crawler.stats.get_value("kexie/store/failed_pages") == 1
    assert "writing them one by one" in caplog.text and "7300002 could not be stored" in caplog.text
    stages[2].close_spider()


def test_a_page_fetched_again_while_its_first_fetch_waits_is_written_twice(tmp_path, acked):
    """A retry of a page whose first fetch is still waiting for its group keeps a batch of its
    own: both fetches are written (a page state's attempts count both)."""
    from kexie_scraper.items import PageState

    _, stages = _pipeline(tmp_path, KEXIE_WRITE_GROUP_PAGES=10, KEXIE_WRITE_GROUP_SECONDS=3600)
    url = "https://mp.weixin.qq.com/s/abc"
    for attempt in (1, 2):
        _feed(stages, [PageState(url=url, canonical_url=url, source="wechat", state="rate_limited", retryable=True,
                                 crawled_at=f"2024-06-0{attempt}T10:00:00+08:00"),
                       PageDone(url=url, token=f"try{attempt}")])
    stages[2].close_spider()
    with sqlite3.connect(tmp_path / "k.sqlite") as db:
        assert db.execute("SELECT attempts FROM page_states").fetchall() == [(2,)]
    assert acked == ["try1", "try2"]
