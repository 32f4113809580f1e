"""The sckx spider (四川省科协) on fixtures: path-paged lists, short last page, expected articles."""

from __future__ import annotations

from datetime import date


from conftest import assert_crawl_matches_expected, crawl_offline, fixture_response, make_spider, requests_of
from kexie_scraper.spiders.sckx import SckxSpider

LIST = "https://www.sckx.org.cn/views/news/list/889c4b11-feb5-4c5b-b8e8-2a8de65f8b07/15/{}.html"


def test_whole_column_crawl_matches_expected_articles():
    crawl = crawl_offline(make_spider(SckxSpider))
    assert crawl.missing == [] and crawl.offsite == []
    assert [u for u in crawl.requested if "/list/" in u] == [LIST.format(1), LIST.format(2)]
    assert len(crawl.bulletins) == 17
    assert_crawl_matches_expected(crawl)


def test_full_page_links_dates_titles_and_next_page():
    spider = make_spider(SckxSpider)
    response = fixture_response("sckx/list_p1")
    entries = list(spider.list_entries(response))
    assert len(entries) == 15
    assert entries[0].listed == date(2020, 10, 30) and entries[-1].listed == date(2020, 8, 20)
    assert entries[0].title == "绵阳市科协组织专家赴平武县开展科技助力脱贫攻坚服务"  # the list shows it cut with …
    out = requests_of(spider.parse_list(response, page_no=1))
    assert [r.url for r in out if r.callback == spider.parse_list] == [LIST.format(2)]


def test_short_page_is_the_last():
    spider = make_spider(SckxSpider)
    out = requests_of(spider.parse_list(fixture_response("sckx/list_p2"), page_no=2))
    assert len(out) == 2 and all(r.callback == spider.parse_article for r in out)


def test_since_stops_at_older_items():
    spider = make_spider(SckxSpider, since="2020-10-01")
    out = requests_of(spider.parse_list(fixture_response("sckx/list_p1"), page_no=1))
    assert len([r for r in out if r.callback == spider.parse_article]) == 6
    assert [r for r in out if r.callback == spider.parse_list]  # page 1 had fresh items: read on
    assert requests_of(spider.parse_list(fixture_response("sckx/list_p2"), page_no=2)) == []


def test_article_date_is_the_info_line_not_the_greeting():
    spider = make_spider(SckxSpider)
    bulletin, *articles = spider.parse_article(fixture_response("sckx/article_03"))
    assert bulletin.published_at == "2020-10-22T10:05:00+08:00"  # the page greets with 今天是2020年11月05日
    assert bulletin.publisher == "遂宁市科协"
    assert [a.attribution for a in articles] == ["通讯员 何静怡"]


def test_columns_argument():
    spider = make_spider(SckxSpider, columns="052ca9ea-2cff-4058-bc3f-8c31c892dc84")
    assert spider.start_urls == ["https://www.sckx.org.cn/views/news/list/052ca9ea-2cff-4058-bc3f-8c31c892dc84/15/1.html"]
