"""Bugs found after the fact, each pinned (found by the benchmark mirror and the held-out set)."""

from __future__ import annotations

import pytest

from kexie_scraper.parsing.attribution import org_in_text, org_of_attribution
from kexie_scraper.parsing.hanzi import to_simplified
from kexie_scraper.parsing.page import parse_page


@pytest.mark.parametrize("org", ["文登区科协", "图木舒克市科协", "文成县科协"])
def test_orgs_starting_with_wen_or_tu_keep_their_first_character(org):
    assert org_in_text(f"近日，{org}召开会议") == org
    assert org_of_attribution(org) == org


def test_wen_and_tu_as_labels_are_still_roles():
    assert org_of_attribution("文：张三") is None
    assert org_of_attribution("图 李四") is None


def test_simplified_place_characters_are_not_converted():
    assert to_simplified("乾安县科协") == "乾安县科协"  # OpenCC's t2s would give 干安县
    assert to_simplified("臺山市科協") == "台山市科协"


def test_long_autonomous_county_org():
    assert org_in_text("近日，双江拉祜族佤族布朗族傣族自治县科协开展科普活动") == "双江拉祜族佤族布朗族傣族自治县科协"


def test_regions_of_those_orgs():
    text = (
        "【地方科协】\n科技工作者之家 2018-03-02\n来源:科技工作者之家\n"
        "文成县科协开展科普活动\n近日，文成县科协开展科普进社区活动。（文成县科协）\n"
        "乾安县科协召开会议\n近日，乾安县科协召开会议。（张三）\n"
    )
    codes = [a.region["code"] for a in parse_page(text, url="https://example.org/x", is_text=True).articles]
    assert codes == ["330328", "220723"]


def test_regions_of_qian_counties_in_mixed_script():
    # 科協 is 繁體 but 乾安县/乾县 as written: the conversion must not turn 乾 into 干.
    text = (
        "【地方科协】\n科技工作者之家 2018-03-02\n来源:科技工作者之家\n"
        "乾安县科協召开会议\n近日，乾安县科協召开会议。（张三）\n"
        "乾县科協舉辦講座\n近日，乾县科協舉辦科普講座。（李四）\n"
    )
    articles = parse_page(text, url="https://example.org/x", is_text=True).articles
    assert [a.region["code"] for a in articles] == ["220723", "610424"]
    assert [a.org for a in articles] == ["乾安县科協", "乾县科協"]  # output keeps the page's text
