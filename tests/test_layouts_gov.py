"""Government page layouts (Hanweb #zoom, TRS_Editor, sckx) and the article date trap."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import fixture_path
from kexie_scraper.parsing import dates
from kexie_scraper.parsing.blocks import parse_html
from kexie_scraper.parsing.layouts import extract_fields, info_line
from kexie_scraper.parsing.page import parse_page


def page(body: str, head: str = "") -> str:
    return f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"


REPORT = "<p>5月16日，旺苍县科协组织农技专家深入东河镇开展茶叶病虫害防治技术培训，培训茶农80余人，发放资料300余份，受到群众欢迎。</p>"


@pytest.mark.parametrize("name,layout", [
    ("cast/article_jpaas", "hanweb"), ("cast/article_jcms_1", "hanweb"), ("zast/article_1", "hanweb"),
    ("imast/article_1", "trs"), ("sckx/article_01", "sckx_v1"), ("jxkx/article_1", "generic"),
    ("hanweb_local/article_with_greeting_date", "hanweb"),
])
def test_each_source_page_gets_its_layout(name, layout):
    assert parse_page(fixture_path(name).read_bytes()).layout == layout


def test_greeting_then_info_line_fixture():
    result = parse_page(fixture_path("hanweb_local/article_with_greeting_date").read_bytes())
    assert result.bulletin.published_at == "2025-05-19T00:00:00+08:00"  # not 今天是2025年06月06日, not the sidebar's 06-03
    assert result.bulletin.publisher == "管理组"


def test_generic_page_skips_greeting_and_sidebar_dates():
    html = page(
        "<div class='top'>今天是2025年06月06日 星期五</div>"
        "<ul class='side'><li><a href='/a'>近期动态</a><span>2025-06-03</span></li></ul>"
        "<div class='art'><h1>旺苍县科协开展茶叶技术培训</h1>"
        "<div class='info'><span>发布时间：2025-05-19 10:20</span> <span>来源：旺苍县科协</span></div>"
        f"<div class='text'>{REPORT}</div></div>")
    fields = extract_fields(parse_html(html), html)
    assert fields.layout == "generic"
    assert (fields.published_at, fields.publisher) == ("2025-05-19T10:20:00+08:00", "旺苍县科协")


def test_a_clock_in_the_header_is_not_a_label():
    html = page(f"<div>当前时间：2025年06月06日</div><h1>标题</h1><div>日期：2025年05月19日</div><div id='zoom'>{REPORT}</div>")
    assert extract_fields(parse_html(html), html).published_at == "2025-05-19T00:00:00+08:00"


def test_meta_pubdate_wins_over_the_info_line():
    html = page(f"<div class='info'>时间:2025年05月19日</div><div id='zoom'>{REPORT}</div>",
                head="<meta name='PubDate' content='2025-05-20 08:00'><meta name='ContentSource' content='旺苍县科协'>")
    fields = extract_fields(parse_html(html), html)
    assert (fields.layout, fields.published_at, fields.publisher) == ("hanweb", "2025-05-20T08:00:00+08:00", "旺苍县科协")


def test_info_line_inside_the_content_is_dropped_and_read():
    html = page("<div class='TRS_Editor'><style>.TRS_Editor P{line-height:2}</style>"
                f"<p>时间:2025年05月19日 | 来源:旺苍县科协 | 浏览:86</p>{REPORT}</div>")
    result = parse_page(html)
    assert result.layout == "trs"
    assert result.bulletin.published_at == "2025-05-19T00:00:00+08:00" and result.bulletin.publisher == "旺苍县科协"
    assert [a.body[:5] for a in result.articles] == ["5月16日"]
    assert "时间:2025年05月19日 | 来源:旺苍县科协 | 浏览:86" in result.dropped


def test_an_event_time_in_the_body_stays():
    notice = ("<p>各区县科协：</p><p>定于近期举办全市科普讲解大赛，现将有关事项通知如下。</p>"
              "<p>一、比赛时间：2025年6月20日上午9:00</p><p>二、比赛地点：市科技馆报告厅</p>")
    result = parse_page(page(f"<h1>关于举办科普讲解大赛的通知</h1><div id='zoom'>{notice}</div>"))
    assert "一、比赛时间：2025年6月20日上午9:00" in result.articles[0].body


@pytest.mark.parametrize("text,want", [
    ("25 2021/03", date(2021, 3, 25)), ("252021/03", date(2021, 3, 25)), ("[2020-06-12]", date(2020, 6, 12)),
    ("2019/5/8", date(2019, 5, 8)), ("发布时间：2024年5月6日", date(2024, 5, 6)), ("浏览 128", None),
])
def test_list_dates(text, want):
    assert dates.list_date(text) == want


def test_info_line_is_the_shortest_labelled_line():
    html = page("<div><p>今天是2025年06月06日</p><p>时间:2025年05月19日 | 来源:管理组 |</p><p>正文很长很长</p></div>")
    assert info_line(parse_html(html)) == "时间:2025年05月19日 | 来源:管理组 |"


@pytest.mark.parametrize("url,want", [
    ("https://www.zast.org.cn/art/2024/8/26/art_1673864_58973811.html", date(2024, 8, 26)),
    ("https://www.imast.org.cn/xwdt/kxyw/202405/t20240512_4521873.html", date(2024, 5, 12)),
    ("https://www.cast.org.cn/xw/KXYW/art/2025/art_333d3cfcf35f140347c22c00ca834064.html", date(2025, 12, 31)),
    ("https://www.sckx.org.cn/views/news/detail/1.html", None),
    ("https://www.zast.org.cn/art/2024/2/30/art_1_1.html", None),
])
def test_url_dates_bound_since(url, want):
    from kexie_scraper.spiders.base import url_date

    assert url_date(url) == want
