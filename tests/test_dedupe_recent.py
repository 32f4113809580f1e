"""The dedupe pipeline's bounded in-run memory: recent keys in RAM, the rest from the store."""

from __future__ import annotations

from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from kexie_scraper.items import Article
from kexie_scraper.pipelines import DedupePipeline, NormalizePipeline, StorePipeline
from kexie_scraper.pipelines.dedupe import RecentKeys


def test_recent_keys_is_a_bounded_lru():
    keys = RecentKeys(3)
    keys.update(["a", "b", "c"])
    assert "a" in keys  # touching "a" makes "b" the oldest
    keys.add("d")
    assert len(keys) == 3 and "b" not in keys and all(k in keys for k in "acd")


def test_duplicates_beyond_the_lru_are_still_dropped_by_the_store(tmp_path):
    crawler = get_crawler(settings_dict={"KEXIE_STORE_URL": f"sqlite:///{tmp_path / 'k.sqlite'}"})
    dedupe = DedupePipeline.from_crawler(crawler)
    dedupe.seen_articles = RecentKeys(2)
    stages = [NormalizePipeline(), dedupe, StorePipeline.from_crawler(crawler)]

    def article(n, url="https://www.scimall.org.cn/article/detail?id=1"):
        return Article(bulletin_url=url, title=f"德阳市科协召开第{n}次会议", body=f"第{n}次会议内容。", position=n)

    def run(item):
        try:
            for stage in stages:
                item = stage.process_item(item)
            return True
        except DropItem:
            return False

    assert all(run(article(n)) for n in range(1, 6))
    assert len(dedupe.seen_articles) == 2  # bounded, whatever the crawl's length
    # The first article is long gone from RAM; the store still knows it, by id and by content
    # (the same report on another page).
    assert not run(article(1))
    assert not run(article(1, url="https://www.scimall.org.cn/article/detail?id=2"))
    stages[-1].close_spider()
    assert crawler.stats.get_value("kexie/duplicates/articles") == 2
