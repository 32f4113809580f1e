"""Normalize → dedupe → store, on items, with a real SQLite file."""

from __future__ import annotations

import sqlite3

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from kexie_scraper.items import Article, Bulletin
from kexie_scraper.pipelines import DedupePipeline, NormalizePipeline, StorePipeline

URL = "https://www.scimall.org.cn/article/detail?id=7100001"


@pytest.fixture
def crawler(tmp_path):
    crawler = get_crawler(settings_dict={"KEXIE_STORE_URL": f"sqlite:///{tmp_path / 'k.sqlite'}"})
    return crawler


def run(crawler, items):
    stages = [NormalizePipeline(), DedupePipeline.from_crawler(crawler), StorePipeline.from_crawler(crawler)]
    kept, dropped = [], []
    for item in items:
        try:
            for stage in stages:
                item = stage.process_item(item)
            kept.append(item)
        except DropItem as exc:
            dropped.append(str(exc))
    stages[-1].close_spider()
    return kept, dropped


def bulletin(url=URL):
    return Bulletin(id="b", url=url, title=" 【地方科协】 ", published_at="2021-05-12", publisher="四川科协")


def article(body="\u3000\u3000近日，德阳市科协\u00a0召开会议。\u200b\n\n第二段。 ", title="德阳市科协召开会议", url=URL, position=1):
    return Article(bulletin_url=url, title=title, body=body, position=position, region={"province": "四川省", "city": "德阳市", "county": None, "code": "510600", "former_name": None})


def rows(path, table):
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    return [dict(r) for r in db.execute(f"SELECT * FROM {table} ORDER BY rowid")]


def test_normalize_cleans_text_dates_and_derives_ids():
    item = NormalizePipeline().process_item(article())
    assert item.body == "近日，德阳市科协 召开会议。\n第二段。"
    assert item.id and item.content_hash and item.bulletin_id and item.crawled_at.endswith("+08:00")
    b = NormalizePipeline().process_item(bulletin())
    assert b.title == "【地方科协】" and b.published_at == "2021-05-12T00:00:00+08:00"
    again = NormalizePipeline().process_item(article(body="近日，德阳市科协 召开会议。\n第二段。"))
    assert again.id == item.id  # ids follow content, not whitespace


def test_normalize_drops_empty_articles():
    with pytest.raises(DropItem):
        NormalizePipeline().process_item(article(body=" \u3000 ", title=None))


def test_store_and_rerun_store_nothing_twice(crawler, tmp_path):
    items = [bulletin(), article(), article(body="另一条报道。", title="遂宁市科协部署工作", position=2)]
    kept, dropped = run(crawler, items)
    assert len(kept) == 3 and dropped == []
    db = tmp_path / "k.sqlite"
    stored = rows(db, "articles")
    assert [r["title"] for r in stored] == ["德阳市科协召开会议", "遂宁市科协部署工作"]
    assert stored[0]["region_code"] == "510600" and stored[0]["province"] == "四川省"
    assert rows(db, "bulletins")[0]["title"] == "【地方科协】"

    crawler2 = get_crawler(settings_dict={"KEXIE_STORE_URL": f"sqlite:///{db}"})
    kept2, dropped2 = run(crawler2, [bulletin(), article(), article(body="另一条报道。", title="遂宁市科协部署工作", position=2)])
    assert kept2 == [] and len(dropped2) == 3
    assert len(rows(db, "articles")) == 2 and len(rows(db, "bulletins")) == 1


def test_dedupe_within_run_and_across_sources(crawler, tmp_path):
    other = "https://mp.weixin.qq.com/s?__biz=QQ==&mid=1&idx=1&sn=x"
    items = [article(), article(), article(url=other, title="同一报道换了标题")]
    kept, dropped = run(crawler, items)
    assert len(kept) == 1 and len(dropped) == 2
    assert crawler.stats.get_value("kexie/duplicates/articles") == 2
    assert len(rows(tmp_path / "k.sqlite", "articles")) == 1
