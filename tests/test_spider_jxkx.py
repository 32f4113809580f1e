"""The jxkx spider (江西省科协, legacy GB2312 ASP) on fixtures, whatever charset the server claims."""

from __future__ import annotations

from datetime import date


from conftest import assert_crawl_matches_expected, crawl_offline, fixture_meta, fixture_response, make_spider, requests_of
from kexie_scraper.spiders.jxkx import JxkxSpider


def test_whole_column_crawl_matches_expected_articles():
    crawl = crawl_offline(make_spider(JxkxSpider))
    assert crawl.missing == [] and crawl.offsite == []
    assert len(crawl.bulletins) == 3
    assert_crawl_matches_expected(crawl)


def test_list_page_with_meta_only():
    spider = make_spider(JxkxSpider)
    response = fixture_response("jxkx/list_p1")
    assert fixture_meta("jxkx/list_p1")["headers"] == {"Content-Type": "text/html"}
    entries = list(spider.list_entries(response))
    assert [(e.url, e.listed) for e in entries] == [
        ("http://www.jxkx.gov.cn/show.asp?id=3561", date(2019, 5, 8)),
        ("http://www.jxkx.gov.cn/show.asp?id=3548", date(2019, 4, 26))]
    assert entries[1].title == "景德镇市科协邀请张堃大师开展陶瓷技艺科普进校园活动"  # cut with ... in the text
    out = requests_of(spider.parse_list(response))
    assert [r.url for r in out if r.callback == spider.parse_list] == ["http://www.jxkx.gov.cn/class.asp?id=12&page=2"]


def test_list_page_under_a_wrong_utf8_header_is_read_by_its_meta():
    spider = make_spider(JxkxSpider)
    response = fixture_response("jxkx/list_p2")
    assert "\ufffd" in response.text  # what Scrapy makes of it
    out = requests_of(spider.parse_list(response, page_no=2))
    assert [r.cb_kwargs["list_title"] for r in out] == ["赣州市科协举办脐橙产业技术培训班"]
