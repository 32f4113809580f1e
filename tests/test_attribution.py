from __future__ import annotations

import pytest

from kexie_scraper.parsing.attribution import (
    attribution_line,
    looks_like_attribution,
    org_in_text,
    org_of_attribution,
    trailing_attribution,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("……铸魂补钙的精神家园。(李华)", ("……铸魂补钙的精神家园。", "李华")),
        ("“战”出佳绩。(遂宁市科协)", ("“战”出佳绩。", "遂宁市科协")),
        ("开展科普活动。（宜昌市夷陵区科协）", ("开展科普活动。", "宜昌市夷陵区科协")),
        ("活动圆满结束。(通讯员 张三)", ("活动圆满结束。", "通讯员 张三")),
        ("活动圆满结束。（李四 王五）", ("活动圆满结束。", "李四 王五")),
        ("取得实效。”(某市科协供稿)", ("取得实效。”", "某市科协供稿")),
    ],
)
def test_trailing_attribution_found(text, expected):
    assert trailing_attribution(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "覆盖全市各县(区)",                       # not after a sentence end
        "审议通过《科普条例(草案)》。(草案)",
        "会议由张三(副主席)主持。(副主席)",
        "制定发展规划。(2021—2025年)",
        "简称科协。(以下简称“市科协”)",
        "共有三个。(区)",
        "没有括号的句子。",
        "",
    ],
)
def test_not_an_attribution(text):
    assert trailing_attribution(text) is None


@pytest.mark.parametrize(
    "line, expected",
    [
        ("(通讯员 张三)", "通讯员 张三"),
        ("（某区科协供稿）", "某区科协供稿"),
        ("供稿:德阳市科协", "德阳市科协"),
        ("来源：旌阳区科协", "旌阳区科协"),
        ("罗江区科协供稿", "罗江区科协供稿"),
        ("(县)", None),
        ("(草案)", None),
        ("德阳市科协推广使用学习强国平台", None),
    ],
)
def test_attribution_line(line, expected):
    assert attribution_line(line) == expected


def test_looks_like_attribution_rejects_roles_alone():
    assert not looks_like_attribution("副主席")
    assert looks_like_attribution("李华")
    assert looks_like_attribution("记者 王强")


@pytest.mark.parametrize(
    "attribution, org",
    [("遂宁市科协", "遂宁市科协"), ("李华", None), ("通讯员 张三", None), ("某区科协供稿", "某区科协"),
     ("德阳市科协 李华", "德阳市科协"), (None, None)],
)
def test_org_of_attribution(attribution, org):
    assert org_of_attribution(attribution) == org


@pytest.mark.parametrize(
    "text, org",
    [
        ("德阳市科协推广使用“学习强国”平台", "德阳市科协"),
        ("近日，遂宁市科协召开干部职工大会", "遂宁市科协"),
        ("日前，成都市青白江区科协开展科普活动", "成都市青白江区科协"),
        ("省科技馆举办科普展", None),
        ("没有组织的标题", None),
    ],
)
def test_org_in_text(text, org):
    assert org_in_text(text) == org
