"""Incremental runs: stored article pages are not fetched again, paging ends at a page of
stored items, --refetch overrides both; `kexie crawl --all`."""

from __future__ import annotations

import json
import subprocess
import sys

import scrapy
from scrapy.utils.test import get_crawler

from conftest import fixture_response
from kexie_scraper.replay import ReplayServer
from kexie_scraper.spiders.scimall import ScimallSpider
from kexie_scraper.storage import PageBatch, open_store

DETAIL = "https://www.scimall.org.cn/article/detail?id={}"
P1_IDS = (7100013, 7100012, 7100011, 7100010, 7100009, 7100008, 7100007)


def spider_with_store(tmp_path, stored_ids, **kwargs):
    url = f"sqlite:///{tmp_path / 'k.sqlite'}"
    store = open_store(url)
    for n, sid in enumerate(stored_ids):
        page = DETAIL.format(sid)
        store.write_page(PageBatch(url=page, articles=[{
            "id": f"a{sid}", "content_hash": f"h{sid}", "bulletin_url": page, "position": 1, "body": "正文",
            "crawled_at": "2024-06-01T10:00:00+08:00"}]))
    store.close()
    crawler = get_crawler(ScimallSpider, settings_dict={"KEXIE_DATABASE_URL": url, "KEXIE_INCREMENTAL": True})
    return crawler._create_spider(**kwargs) if hasattr(crawler, "_create_spider") else ScimallSpider.from_crawler(crawler, **kwargs)


def split(spider, out):
    requests = [r for r in out if isinstance(r, scrapy.Request)]
    articles = [int(r.url.rsplit("=", 1)[1]) for r in requests if r.callback == spider.parse_article]
    pages = [r.url for r in requests if r.callback == spider.parse_list]
    return articles, pages


def test_stored_pages_are_skipped_and_paging_goes_on(tmp_path):
    spider = spider_with_store(tmp_path, [7100013, 7100011])
    articles, pages = split(spider, list(spider.parse_list(fixture_response("scimall/list_channel_p1"), page_no=1)))
    assert articles == [7100012, 7100010, 7100009, 7100008, 7100007]
    assert pages == ["https://www.scimall.org.cn/channel/list?cid=5&page=2"]
    assert spider.crawler.stats.get_value("kexie/skipped_stored_pages") == 2


def test_a_list_page_of_stored_items_ends_the_paging(tmp_path):
    spider = spider_with_store(tmp_path, P1_IDS)
    articles, pages = split(spider, list(spider.parse_list(fixture_response("scimall/list_channel_p1"), page_no=1)))
    assert articles == [] and pages == []


def test_refetch_reads_everything_again(tmp_path):
    spider = spider_with_store(tmp_path, P1_IDS, refetch="1")
    articles, pages = split(spider, list(spider.parse_list(fixture_response("scimall/list_channel_p1"), page_no=1)))
    assert articles == list(P1_IDS) and len(pages) == 1


def kexie(*args, timeout=300):
    run = subprocess.run([sys.executable, "-m", "kexie_scraper.cli", *args], capture_output=True, text=True,
                         timeout=timeout)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_incremental_crawl_fetches_only_the_first_list_page_the_second_time(tmp_path):
    with ReplayServer() as server:
        args = ("crawl", "scimall", "--replay", server.url, "--out", str(tmp_path), "--log-level", "WARNING")
        first = kexie(*args)
        after_first = server.requests_served
        second = kexie(*args)
        second_requests = server.requests_served - after_first
        third = kexie(*args, "--refetch")
    assert (first["articles"], first["bulletins"], first["duplicates_dropped"]) == (52, 13, 6)
    assert second == {**second, "pages": 1, "list_pages": 1, "bulletin_pages": 0, "articles": 0,
                      "skipped_stored_pages": 7, "errors": 0}
    assert second_requests == 2  # robots.txt and list page 1
    assert third["bulletin_pages"] == 14 and third["articles"] == 0 and third["duplicates_dropped"] == 58


def test_since_bounds_a_crawl(tmp_path):
    with ReplayServer() as server:
        result = kexie("crawl", "scimall", "--replay", server.url, "--out", str(tmp_path), "--since", "2023-06-01",
                       "--log-level", "WARNING")
    assert 0 < result["bulletin_pages"] < 14 and result["list_pages"] == 2


def test_crawl_all_runs_every_enabled_spider(tmp_path):
    from kexie_scraper.crawl import enabled_spiders

    # wechat last: it fetches the 原文链接 the others stored.
    assert enabled_spiders() == ["cast", "imast", "jxkx", "scimall", "sckx", "zast", "wechat"]
    with ReplayServer() as server:
        result = kexie("crawl", "--all", "--replay", server.url, "--out", str(tmp_path), "--log-level", "WARNING")
    assert list(result["spiders"]) == enabled_spiders()
    assert result["articles"] == 101 and result["spiders"]["scimall"]["articles"] == 52
    # The 12 originals of scimall bulletins: the same bulletins, their 49 articles duplicates by id.
    wechat = result["spiders"]["wechat"]
    assert (wechat["bulletin_pages"], wechat["articles"], wechat["known_bulletins"], wechat["duplicates_dropped"]) == (
        12, 0, 12, 49)


def test_crawl_needs_a_spider_or_all():
    run = subprocess.run([sys.executable, "-m", "kexie_scraper.cli", "crawl"], capture_output=True, text=True)
    assert run.returncode == 1 and "--all" in run.stderr


def test_incremental_demo_twice(tmp_path):
    # (the plain demo re-reads every page; test_demo_end_to_end covers it)
    first = kexie("demo", "--out", str(tmp_path), "--incremental")
    second = kexie("demo", "--out", str(tmp_path), "--incremental")
    assert (first["bulletins"], first["articles"]) == (54 + 3, 101 + 4)
    # Only each channel's first list page is read again; its article pages are all stored.
    # wechat: the originals are fetched already, the 3 pages of urls.txt are stored.
    assert (second["bulletins"], second["articles"], second["bulletin_pages"], second["skipped_stored_pages"]) == (
        0, 0, 0, 37 + 3)
    assert second["sources"]["scimall"]["skipped_stored_pages"] == 7
    assert second["sources"]["wechat"]["skipped_stored_pages"] == 3
