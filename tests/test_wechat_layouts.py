"""WeChat page fields from inline JS and chrome (design/sources.md §2.2), both layouts."""

from __future__ import annotations

import pytest

from kexie_scraper.parsing.layouts import _js_var
from kexie_scraper.parsing.page import parse_page

BODY = "<div id='js_content' style='visibility: hidden;'><p>德阳市科协召开会议，部署科普工作。会议要求各单位抓好落实。(李华)</p></div>"


def page(head_script: str = "", chrome: str = "", title: str = "<h1 id='activity-name'>\n   标题 \n</h1>") -> bytes:
    return f"<html><head></head><body id='activity-detail'>{title}{chrome}{BODY}<script>{head_script}</script></body></html>".encode()


@pytest.mark.parametrize(
    "script, name, value",
    [
        ('var biz = "" || "MzI5MTMyNTI3NQ==";', "biz", "MzI5MTMyNTI3NQ=="),
        ('var mid = "2247497639" || ""|| "";', "mid", "2247497639"),
        ('var idx = "" || "" || "3";', "idx", "3"),
        ("var appmsgid = '' || ''|| \"2650000001\";", "appmsgid", "2650000001"),
        ("var msg_title = '科协\\'周报\\''.html(false);", "msg_title", "科协'周报'"),
        ('var msg_desc = "第一行\\x0a第二行";', "msg_desc", "第一行\n第二行"),
        ('var msg_link = "http://mp.weixin.qq.com/s?__biz=QQ==\\x26amp;mid=1";', "msg_link", "http://mp.weixin.qq.com/s?__biz=QQ==&mid=1"),
        ('var ct = "";', "ct", None),
    ],
)
def test_js_var_skips_the_empty_literal_idiom(script, name, value):
    assert _js_var(script, name) == value


def test_date_comes_from_ct_not_the_empty_visible_em():
    result = parse_page(page('var ct = "1608818529"; var createTime = \'2020-12-24 22:02\';',
                             "<em id='publish_time'></em>"))
    assert result.bulletin.published_at == "2020-12-24T22:02:09+08:00"


@pytest.mark.parametrize(
    "script, iso",
    [
        ("var createTime = '2020-12-24 22:02';", "2020-12-24T22:02:00+08:00"),
        ('var publish_time = "2018-09-20" || "";', "2018-09-20T00:00:00+08:00"),
    ],
)
def test_date_fallbacks(script, iso):
    assert parse_page(page(script)).bulletin.published_at == iso


def test_title_falls_back_to_msg_title_and_link_to_the_js_key():
    script = ("var msg_title = '【地方科协】本周动态'.html(false);"
              'var biz = "" || "QUJD";var mid = "" || "77" || "";var idx = "" || "2" || "";var sn = "" || "abc" || "";')
    result = parse_page(page(script, title="<h1 id='activity-name'>  </h1>"))
    assert result.bulletin.title == "【地方科协】本周动态"
    assert result.bulletin.original_url == "https://mp.weixin.qq.com/s?__biz=QUJD&mid=77&idx=2&sn=abc"
    assert result.bulletin.id  # identity from the WeChat key even without a URL


def test_publisher_and_alias_from_the_profile_card():
    chrome = ("<span id='profileBt'><a id='js_name'> 四川科协 </a><div id='js_profile_qrcode'>"
              "<p class='profile_meta'><label class='profile_meta_label'>微信号</label>"
              "<span class='profile_meta_value'>sichuankexie</span></p></div></span>")
    b = parse_page(page(chrome=chrome)).bulletin
    assert (b.publisher, b.publisher_alias) == ("四川科协", "sichuankexie")


def test_follow_prompts_are_furniture_not_a_headline():
    body = ("<div id='js_content'><p>点击上方蓝字 关注我们</p><p><strong>德阳市科协召开科普工作会议</strong></p>"
            "<p>德阳市科协召开会议，部署科普工作。会议要求各单位抓好落实。(李华)</p><p>- END -</p></div>")
    result = parse_page(f"<html><body><h1 id='activity-name'>周报</h1>{body}</body></html>".encode())
    (article,) = result.articles
    assert article.body.startswith("德阳市科协召开科普工作会议\n") and "点击" not in article.body and "END" not in article.body
    assert "点击上方蓝字 关注我们" in result.dropped
