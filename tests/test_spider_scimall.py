"""The scimall spider on fixture responses: links, pagination, since, max_pages, items."""

from __future__ import annotations

from datetime import date

import pytest
import scrapy
from scrapy.utils.test import get_crawler

from conftest import fixture_response, requests_of
from kexie_scraper.items import Article, Bulletin, PageState
from kexie_scraper.spiders.scimall import ScimallSpider

P1 = "scimall/list_channel_p1"
P2 = "scimall/list_channel_p2"
DETAIL = "https://www.scimall.org.cn/article/detail?id={}"


def make_spider(**kwargs):
    crawler = get_crawler(ScimallSpider)
    return crawler._create_spider(**kwargs) if hasattr(crawler, "_create_spider") else ScimallSpider.from_crawler(crawler, **kwargs)


def test_list_page_one_yields_articles_in_order_then_next_page():
    spider = make_spider()
    out = requests_of(spider.parse_list(fixture_response(P1), page_no=1))
    articles = [r.url for r in out if r.callback == spider.parse_article]
    assert articles == [DETAIL.format(i) for i in (7100013, 7100012, 7100011, 7100010, 7100009, 7100008, 7100007)]
    pages = [r for r in out if r.callback == spider.parse_list]
    assert [p.url for p in pages] == ["https://www.scimall.org.cn/channel/list?cid=5&page=2"]
    assert pages[0].cb_kwargs == {"page_no": 2}


def test_last_page_has_no_next_and_absolute_links_work():
    spider = make_spider()
    out = requests_of(spider.parse_list(fixture_response(P2), page_no=2))
    assert [r.url for r in out if r.callback == spider.parse_list] == []
    ids = [int(r.url.rsplit("=", 1)[1]) for r in out]
    assert ids == [7100006, 7100005, 7100004, 7100003, 7100002, 7100001, 7012345]


def test_list_dates_are_read_from_both_shapes():
    spider = make_spider()
    p1 = {e.url: e.listed for e in spider.list_entries(fixture_response(P1))}
    p2 = {e.url: e.listed for e in spider.list_entries(fixture_response(P2))}
    assert p1[DETAIL.format(7100012)] == date(2024, 6, 5)
    assert p2[DETAIL.format(7012345)] == date(2020, 3, 25)
    assert all(p1.values()) and all(p2.values())


def test_since_skips_older_items_and_stops_paging():
    spider = make_spider(since="2023-06-01")
    out = requests_of(spider.parse_list(fixture_response(P1), page_no=1))
    ids = [int(r.url.rsplit("=", 1)[1]) for r in out if r.callback == spider.parse_article]
    assert ids == [7100012, 7100011, 7100010, 7100009]
    # Page 1 still had fresh items, so page 2 is read; page 2 is all older, so paging stops there.
    assert [r.url for r in out if r.callback == spider.parse_list]
    out2 = requests_of(spider.parse_list(fixture_response(P2), page_no=2))
    assert out2 == []


def test_max_pages_stops_paging():
    spider = make_spider(max_pages="1")
    out = requests_of(spider.parse_list(fixture_response(P1), page_no=1))
    assert [r for r in out if r.callback == spider.parse_list] == []


@pytest.mark.parametrize("bad", [{"since": "yesterday"}, {"max_pages": "0"}])
def test_bad_arguments_are_refused(bad):
    with pytest.raises(ValueError):
        make_spider(**bad)


def test_article_page_yields_bulletin_then_articles():
    spider = make_spider()
    items = list(spider.parse_article(fixture_response("scimall/article_seed_difang_kexie")))
    assert isinstance(items[0], Bulletin) and all(isinstance(a, Article) for a in items[1:])
    assert len(items) == 5
    assert {a.source for a in items[1:]} == {"scimall"}
    assert items[1].bulletin_url == DETAIL.format(7012345)


def test_article_page_older_than_since_yields_nothing():
    spider = make_spider(since="2021-01-01")
    assert list(spider.parse_article(fixture_response("scimall/article_seed_difang_kexie"))) == []


def test_deleted_page_yields_only_its_state_and_is_counted():
    spider = make_spider()
    from scrapy.http import HtmlResponse, Request

    body = "<html><body><h2 class='weui-msg__title warn'>该内容已被发布者删除</h2></body></html>".encode()
    response = HtmlResponse(DETAIL.format(1), body=body, headers={"Content-Type": "text/html; charset=utf-8"}, request=Request(DETAIL.format(1)))
    (state,) = list(spider.parse_article(response))  # no bulletin, no article: the state, to be recorded
    assert isinstance(state, PageState)
    assert (state.state, state.retryable, state.url, state.source) == ("deleted", False, DETAIL.format(1), "scimall")
    assert spider.crawler.stats.get_value("kexie/page_state/deleted") == 1
