"""The imast spider (内蒙古科协, TRS) on fixtures: createPageHTML paging, relative links, expected articles."""

from __future__ import annotations

import pytest

from conftest import assert_crawl_matches_expected, crawl_offline, fixture_response, make_spider, requests_of
from kexie_scraper.spiders.bases.trs import trs_next_page
from kexie_scraper.spiders.imast import ImastSpider

BASE = "https://www.imast.org.cn/xwdt/kxyw/"


def test_whole_column_crawl_matches_expected_articles():
    crawl = crawl_offline(make_spider(ImastSpider))
    assert crawl.missing == [] and crawl.offsite == []
    assert [u for u in crawl.requested if "/index" in u] == [BASE + "index.html", BASE + "index_1.html", BASE + "index_2.html"]
    assert len(crawl.bulletins) == 5
    assert_crawl_matches_expected(crawl)


def test_relative_links_resolve_against_the_list_page():
    spider = make_spider(ImastSpider)
    urls = [e.url for e in spider.list_entries(fixture_response("imast/list_index_1"))]
    assert urls == [BASE + "202404/t20240425_4511288.html", BASE + "202404/t20240416_4506932.html"]


@pytest.mark.parametrize("name,next_url", [
    ("imast/list_index", BASE + "index_1.html"),
    ("imast/list_index_1", BASE + "index_2.html"),
    ("imast/list_index_2", None),
])
def test_create_page_html_is_zero_based(name, next_url):
    spider = make_spider(ImastSpider)
    out = requests_of(spider.parse_list(fixture_response(name)))
    assert [r.url for r in out if r.callback == spider.parse_list] == ([next_url] if next_url else [])


@pytest.mark.parametrize("script,want", [
    ('createPageHTML(3, 0, "index", "html");', "index_1.html"),
    ("createPageHTML(12,10,'index','shtml', 'x');", "index_11.shtml"),
    ('createPageHTML(1, 0, "index", "html");', None),
    ("no pager here", None),
])
def test_trs_next_page(script, want):
    assert trs_next_page(script) == want


def test_publisher_falls_back_to_the_info_line():
    spider = make_spider(ImastSpider)
    bulletin = next(iter(spider.parse_article(fixture_response("imast/article_5"))))
    assert bulletin.publisher == "锡林郭勒盟科协"  # this page has no ContentSource meta
