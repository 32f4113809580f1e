"""Regions as articles carry them: bulletin context, org chains, former names, 繁體 pages."""

from __future__ import annotations

from kexie_scraper.parsing.page import parse_page

HEADER = "【地方科协】\n科技工作者之家 2018-03-02\n来源:{publisher}\n"


def articles(publisher: str, body: str):
    return parse_page(HEADER.format(publisher=publisher) + body, url="https://example.org/x", is_text=True).articles


def region(a):
    r = a.region
    return (r["province"], r["city"], r["county"], r["code"], r["former_name"])


def test_former_name_kept_as_written_and_mapped_to_todays_code():
    [a] = articles("浙江科协", "临安市科协开展科普活动\n近日，临安市科协开展科普进社区活动。（临安市科协）\n")
    assert a.org == "临安市科协"
    assert region(a) == ("浙江省", "杭州市", "临安区", "330112", "临安市")


def test_ambiguous_district_resolved_by_publisher_province():
    got = articles(
        "福建科协",
        "鼓楼区科协召开全委会\n近日，鼓楼区科协召开全委会。（鼓楼区科协）\n"
        "仓山区科协开展科普日活动\n近日，仓山区科协开展科普日活动。（仓山区科协）\n",
    )
    assert [region(a)[3] for a in got] == ["350102", "350104"]


def test_org_chain_beats_publisher_context():
    [a, b] = articles(
        "四川科协",
        "南京市鼓楼区科协来川交流\n近日，南京市鼓楼区科协来川交流。（李华）\n"
        "成都市青白江区科协开展活动\n近日，成都市青白江区科协开展活动。（张三）\n",
    )
    assert region(a)[:4] == ("江苏省", "南京市", "鼓楼区", "320106")
    assert region(b)[:4] == ("四川省", "成都市", "青白江区", "510113")


def test_traditional_page_gets_simplified_gb_names():
    [a, b] = articles(
        "廣東科協",
        "臺山市科協舉辦講座\n近日，臺山市科協舉辦科普講座。（臺山市科協）\n"
        "鶴山市科協開展活動\n近日，鶴山市科協開展科普活動。（鶴山市科協）\n",
    )
    assert a.org == "臺山市科協" and a.attribution == "臺山市科協"
    assert region(a)[:4] == ("广东省", "江门市", "台山市", "440781")
    assert region(b)[:4] == ("广东省", "江门市", "鹤山市", "440784")


def test_no_place_gives_the_publisher_province_only():
    [a, b] = articles(
        "四川科协",
        "市科协召开全委会\n近日，市科协召开全委会。（李华）\n省科协部署工作\n近日，省科协部署工作。（张三）\n",
    )
    assert region(a)[:4] == ("四川省", None, None, "510000")
