"""The zast spider (浙江省科协, Hanweb jcms) on fixtures: datastore, dataproxy, expected articles."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl, urlsplit


from conftest import assert_crawl_matches_expected, crawl_offline, fixture_response, make_spider, requests_of
from kexie_scraper.spiders.zast import ZastSpider


def test_whole_column_crawl_matches_expected_articles():
    crawl = crawl_offline(make_spider(ZastSpider))
    assert crawl.missing == [] and crawl.offsite == []
    pages = [dict(parse_qsl(urlsplit(u).query)).get("page") for u in crawl.requested if "dataproxy" in u]
    assert pages == ["2", "3"]
    assert len(crawl.bulletins) == 5
    assert_crawl_matches_expected(crawl)


def test_datastore_records_in_the_page():
    spider = make_spider(ZastSpider)
    entries = list(spider.list_entries(fixture_response("zast/list_p1")))
    assert [e.listed for e in entries] == [date(2024, 8, 26), date(2024, 8, 21), date(2024, 8, 15)]
    assert entries[1].title == "全省科协系统工作动态（第15期）"  # cut with … in the record
    assert entries[0].url == "https://www.zast.org.cn/art/2024/8/26/art_1673864_58973811.html"


def test_the_nextgroup_link_leads_to_dataproxy_page_two():
    spider = make_spider(ZastSpider)
    out = requests_of(spider.parse_list(fixture_response("zast/list_p1")))
    (nxt,) = [r for r in out if r.callback == spider.parse_list]
    query = dict(parse_qsl(urlsplit(nxt.url).query))
    assert urlsplit(nxt.url).path == "/module/web/jpage/dataproxy.jsp"
    assert (query["page"], query["columnid"], query["unitid"], query["webname"]) == ("2", "1673864", "4087473", "浙江省科学技术协会")


def test_max_pages_counts_dataproxy_pages():
    spider = make_spider(ZastSpider, max_pages=2)
    out = requests_of(spider.parse_list(fixture_response("zast/dataproxy_p2"), page_no=2))
    assert [r for r in out if r.callback == spider.parse_list] == []
    assert len(out) == 2


def test_a_server_repeating_its_last_page_does_not_loop():
    spider = make_spider(ZastSpider)
    first = requests_of(spider.parse_list(fixture_response("zast/dataproxy_p2"), page_no=2))
    (nxt,) = [r for r in first if r.callback == spider.parse_list]
    # The server answers page 3 with page 2's records again (clamping past the end).
    again = fixture_response("zast/dataproxy_p2", url=nxt.url, meta=nxt.meta)
    out = requests_of(spider.parse_list(again, page_no=3))
    assert [r for r in out if r.callback == spider.parse_list] == []
