"""The cast spider on fixtures: JPAAS units and old jcms columns, list page to expected articles."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from urllib.parse import parse_qsl, urlsplit

import pytest

from conftest import assert_crawl_matches_expected, crawl_offline, fixture_response, make_spider, requests_of
from kexie_scraper.spiders.bases.hanweb_jpaas import querydata
from kexie_scraper.spiders.cast import CastSpider

UNIT = "https://www.cast.org.cn/api-gateway/jpaas-publish-server/front/page/build/unit"
EXTERNAL = "http://www.news.cn/tech/20250512/5f1e2d3c4b5a69788796a5b4c3d2e1f0/c.html"


def query(url):
    return dict(parse_qsl(urlsplit(url).query))


@pytest.fixture(scope="module")
def crawl():
    return crawl_offline(make_spider(CastSpider))


def test_whole_site_crawl_matches_expected_articles(crawl):
    assert crawl.missing == []
    assert len(crawl.bulletins) == 11
    assert_crawl_matches_expected(crawl)


def test_crawl_reads_every_list_page_and_stops_on_empty_ones(crawl):
    units = [u for u in crawl.requested if u.startswith(UNIT)]
    assert [json.loads(query(u)["paramJson"]) for u in units] == [
        {"pageNo": 1, "pageSize": 5}, {"pageNo": 2, "pageSize": 5}, {"pageNo": 3, "pageSize": 5}]
    proxies = [query(u)["page"] for u in crawl.requested if "dataproxy.jsp" in u]
    assert proxies == ["2", "3"]


def test_external_links_are_not_followed_but_subdomains_are(crawl):
    assert EXTERNAL not in crawl.requested + crawl.offsite
    sj = [u for u in crawl.requested if u.startswith("https://sj.cast.org.cn/xs/TZGG/art/")]
    assert len(sj) == 2  # one of them is listed on both sites and fetched once


@pytest.mark.parametrize("name,spelling", [("section_jpaas", "bulidstatic"), ("section_jpaas_buildstatic", "buildstatic")])
def test_section_page_asks_its_unit_for_page_one(name, spelling):
    spider = make_spider(CastSpider)
    response = fixture_response(f"cast/{name}")
    (request,) = requests_of(spider.parse_start(response))
    params = query(request.url)
    assert request.url.startswith(response.urljoin("/api-gateway/jpaas-publish-server/front/page/build/unit?"))
    assert params["parseType"] == spelling and params["pageType"] == "column" and params["editType"] == "null"
    assert params["tagId"] in ("当前栏目列表", "通知公告列表")
    assert json.loads(params["paramJson"]) == {"pageNo": 1, "pageSize": 5}
    assert request.callback == spider.parse_list and request.cb_kwargs == {"page_no": 1}


def test_unit_page_links_titles_and_next_page():
    spider = make_spider(CastSpider)
    response = fixture_response("cast/section_jpaas_page1")
    entries = list(spider.list_entries(response))
    assert len(entries) == 4 and EXTERNAL not in [e.url for e in entries]
    assert {e.listed for e in entries} == {date(2025, 12, 31)}  # no dates in JPAAS lists: the URL's year bounds them
    notice = next(e for e in entries if e.url.startswith("https://sj.cast.org.cn/"))
    assert notice.title == "关于公布2025年度学术交流品牌项目入选名单的通知"  # shown cut with …, whole in title=
    out = requests_of(spider.parse_list(response, page_no=1))
    titles = {r.url: r.cb_kwargs["list_title"] for r in out if r.callback == spider.parse_article}
    assert titles[notice.url] == notice.title
    (nxt,) = [r for r in out if r.callback == spider.parse_list]
    assert json.loads(query(nxt.url)["paramJson"]) == {"pageNo": 2, "pageSize": 5}
    assert {k: v for k, v in query(nxt.url).items() if k != "paramJson"} == {
        k: v for k, v in query(response.url).items() if k != "paramJson"}


def test_empty_unit_page_ends_the_section():
    spider = make_spider(CastSpider)
    assert requests_of(spider.parse_list(fixture_response("cast/section_jpaas_page3"), page_no=3)) == []


def test_jcms_column_records_dates_titles_and_dataproxy():
    spider = make_spider(CastSpider)
    response = fixture_response("cast/column_jcms")
    entries = list(spider.list_entries(response))
    assert [(e.url.rsplit("/", 1)[1], e.listed) for e in entries] == [
        ("art_457_153201.html", date(2021, 3, 25)), ("art_457_152977.html", date(2021, 3, 18))]
    assert entries[1].title == "关于开展2021年度全国优秀科技工作者推荐工作的通知"
    (nxt,) = [r for r in requests_of(spider.parse_list(response)) if r.callback == spider.parse_list]
    assert urlsplit(nxt.url).path == "/module/web/jpage/dataproxy.jsp"
    assert query(nxt.url)["page"] == "2" and query(nxt.url)["columnid"] == "457"
    assert query(nxt.url)["webname"] == "中国科学技术协会"


def test_jcms_dataproxy_pages_until_no_records():
    spider = make_spider(CastSpider)
    out = requests_of(spider.parse_list(fixture_response("cast/dataproxy_page2"), page_no=2))
    assert len([r for r in out if r.callback == spider.parse_article]) == 2
    assert [query(r.url)["page"] for r in out if r.callback == spider.parse_list] == ["3"]
    assert requests_of(spider.parse_list(fixture_response("cast/dataproxy_page3"), page_no=3)) == []


def test_since_uses_jcms_list_dates_and_stops_paging():
    spider = make_spider(CastSpider, since="2021-03-20")
    out = requests_of(spider.parse_list(fixture_response("cast/column_jcms")))
    assert [r.url.rsplit("/", 1)[1] for r in out if r.callback == spider.parse_article] == ["art_457_153201.html"]
    assert requests_of(spider.parse_list(fixture_response("cast/dataproxy_page2"), page_no=2)) == []


def test_since_drops_undated_jpaas_articles_after_fetching():
    spider = make_spider(CastSpider, since="2025-05-20")
    crawl = crawl_offline(spider)
    assert sorted(b.published_at[:10] for b in crawl.bulletins) == ["2025-05-22", "2025-05-28"]


def test_since_after_the_url_year_skips_jpaas_items_and_stops_paging():
    spider = make_spider(CastSpider, since="2026-01-01")
    assert requests_of(spider.parse_list(fixture_response("cast/section_jpaas_page1"), page_no=1)) == []


def test_channels_argument():
    spider = make_spider(CastSpider, channels="xw/MTBD/index.html, https://sj.cast.org.cn/xs/TZGG/index.html")
    assert spider.start_urls == ["https://www.cast.org.cn/xw/MTBD/index.html", "https://sj.cast.org.cn/xs/TZGG/index.html"]
    starts = asyncio.run(_collect(spider.start()))
    assert [r.callback for r in starts] == [spider.parse_start] * 2


async def _collect(agen):
    return [r async for r in agen]


@pytest.mark.parametrize("raw,want", [
    ("{'parseType':'bulidstatic','webId':'abc','editType':'null'}", {"parseType": "bulidstatic", "webId": "abc", "editType": "null"}),
    ('{"tagId":"列表","pageId":"9f"}', {"tagId": "列表", "pageId": "9f"}),
    ("{ 'a' : 'x y', 'n': 12 }", {"a": "x y", "n": "12"}),
])
def test_querydata_pseudo_json(raw, want):
    assert querydata(raw) == want
