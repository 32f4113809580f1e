"""GB2312-declared, GB18030-encoded pages decode right whatever the server says (sources.md §4.6).

The same fixture bytes are wrapped in Scrapy responses under each header a server may
send: the right charset, none (the <meta> decides), a wrong ``charset=utf-8`` (Scrapy
trusts it over the <meta>), and Tomcat's ``ISO-8859-1`` default. Spiders and parser must
read the rare name characters, none of them in GB2312, in all: 喆 堃 镕 䶮 (GB18030's
two-byte area) and 𫖯 (U+2B5AF, a four-byte sequence).
"""

from __future__ import annotations

import json

import pytest
from scrapy.http import HtmlResponse, Request

from conftest import FIXTURES, article_view, fixture_meta, fixture_path, make_spider, requests_of
from kexie_scraper.parsing.decode import decode_html
from kexie_scraper.parsing.page import parse_page
from kexie_scraper.spiders.base import readable
from kexie_scraper.spiders.jxkx import JxkxSpider

RIGHT, WRONG_UTF8, LATIN1 = "text/html; charset=gb2312", "text/html; charset=utf-8", "text/html; charset=ISO-8859-1"
HEADERS = {"right header": RIGHT, "no header": None, "wrong utf-8 header": WRONG_UTF8, "latin-1 header": LATIN1}
ARTICLES = ["jxkx/article_1", "jxkx/article_2", "jxkx/article_3"]
RARE = {"jxkx/article_1": "刘喆", "jxkx/article_2": "张堃", "jxkx/article_3": "李镕教授、王䶮副教授和林𫖯博士"}
META = b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'


def response(name: str, content_type: str | None, body: bytes | None = None) -> HtmlResponse:
    url = fixture_meta(name)["url"]
    headers = {"Content-Type": content_type} if content_type else {}
    return HtmlResponse(url, body=body or fixture_path(name).read_bytes(), headers=headers, request=Request(url))


def expected(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.expected.json").read_text(encoding="utf-8"))


def test_the_fixtures_really_need_more_than_gb2312():
    raw = fixture_path("jxkx/article_3").read_bytes()
    assert META in raw and "𫖯".encode("gb18030") in raw and len("𫖯".encode("gb18030")) == 4
    for char in "喆堃镕䶮𫖯":
        with pytest.raises(UnicodeEncodeError):
            char.encode("gb2312")


@pytest.mark.parametrize("header", HEADERS.values(), ids=HEADERS.keys())
def test_scrapy_alone_is_right_unless_the_header_lies(header):
    text = response("jxkx/article_2", header).text
    assert ("张堃" in text) == (header in (RIGHT, None))


@pytest.mark.parametrize("header", HEADERS.values(), ids=HEADERS.keys())
@pytest.mark.parametrize("name", ARTICLES)
def test_article_items_are_exact_under_every_header(name, header):
    spider = make_spider(JxkxSpider)
    bulletin, *articles = spider.parse_article(response(name, header))
    want = expected(name)
    assert bulletin.title == want["bulletin"]["title"] and bulletin.published_at == want["bulletin"]["published_at"]
    assert [article_view(a) for a in articles] == [article_view(a) for a in want["articles"]]
    assert RARE[name] in articles[0].body + (articles[0].title or "")


@pytest.mark.parametrize("header", HEADERS.values(), ids=HEADERS.keys())
def test_list_titles_are_exact_under_every_header(header):
    spider = make_spider(JxkxSpider)
    out = requests_of(spider.parse_list(response("jxkx/list_p1", header)))
    titles = [r.cb_kwargs["list_title"] for r in out if r.callback == spider.parse_article]
    assert titles == ["江西省科协召开2019年全省科普工作会议", "景德镇市科协邀请张堃大师开展陶瓷技艺科普进校园活动"]


@pytest.mark.parametrize("header", [None, WRONG_UTF8], ids=["no header", "wrong utf-8 header"])
def test_no_declaration_at_all_is_detected(header):
    body = fixture_path("jxkx/article_3").read_bytes().replace(META, b"")
    result = parse_page(response("jxkx/article_3", header, body).body, content_type=header)
    assert "王䶮副教授和林𫖯博士" in result.articles[0].body


def test_readable_rewraps_only_a_garbled_response():
    right = response("jxkx/list_p2", RIGHT)
    assert readable(right) is right
    fixed = readable(response("jxkx/list_p2", WRONG_UTF8))
    assert fixed.encoding == "gb18030" and "赣州市科协举办脐橙产业技术培训班" in fixed.text


@pytest.mark.parametrize("header", ["text/html; charset=gbk", "text/html; charset=GB2312"])
def test_utf8_page_behind_a_gbk_header(header):
    """The reverse lie: GB18030 accepts most UTF-8 bytes, so this garbles silently without the check."""
    for title in ("中文", "德阳市科协召开会议", "绵阳市科协组织专家赴平武县开展科技服务"):
        page = f'<html><head><meta charset="utf-8"><title>{title}</title></head><body><p>{title}</p></body></html>'
        text, encoding = decode_html(page.encode("utf-8"), header)
        assert encoding == "utf-8" and title in text
    result = parse_page(fixture_path("sckx/article_03").read_bytes(), content_type=header)
    assert result.bulletin.title == "船山区科协举办科普讲解大赛选拔赛"


def test_a_stale_meta_does_not_beat_utf8_bytes():
    page = '<html><head><meta charset="gb2312"><title>遂宁市科协</title></head><body><p>遂宁市科协</p></body></html>'
    text, encoding = decode_html(page.encode("utf-8"), "text/html; charset=utf-8")
    assert encoding == "utf-8" and "遂宁市科协" in text
