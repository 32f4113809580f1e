"""The acceptance pin of issue 2: the seed page gives exactly these four articles."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import FIXTURES, fixture_meta, fixture_path
from kexie_scraper.parsing.page import parse_page

EXPECTED = [
    ("德阳市科协推广使用“学习强国”平台", "李华", "德阳市科协", ("四川省", "德阳市", None, "510600")),
    ("遂宁市科协安排部署脱贫攻坚工作", "遂宁市科协", "遂宁市科协", ("四川省", "遂宁市", None, "510900")),
    ("广元市科协积极推进重点业务工作开展", "广元市科协", "广元市科协", ("四川省", "广元市", None, "510800")),
    ("青白江区科协服务区域经济高质量发展", "青白江区科协", "青白江区科协", ("四川省", "成都市", "青白江区", "510113")),
]
CHROME = ("版权声明", "电话", "邮箱", "推荐资讯", "原文链接:", "原文链接：")
ORIGINAL = "https://mp.weixin.qq.com/s?__biz=MzI5MTMyNTI3NQ==&mid=2247489626&idx=3&sn=485ac65dbf57bb57d028447c49fd1805"


def _check_articles(articles: list[dict]) -> None:
    got = [
        (a["title"], a["attribution"], a["org"],
         (a["region"]["province"], a["region"]["city"], a["region"]["county"], a["region"]["code"]))
        for a in articles
    ]
    assert got == EXPECTED
    for a in articles:
        assert not any(word in a["body"] for word in CHROME), a["body"][-80:]
        assert a["title"] not in a["body"]
    # Bodies start and end where the seed's items do, attribution peeled off.
    assert articles[0]["body"].startswith("“学习强国”平台作为新时代宣传思想工作的重要抓手")
    assert articles[0]["body"].endswith("铸魂补钙的精神家园。")
    assert articles[3]["body"].endswith("推动了全区企业全产能复工复产、稳产满产。")
    assert [a["body"].count("\n") + 1 for a in articles] == [3, 4, 2, 4]
    assert [a["position"] for a in articles] == [1, 2, 3, 4]


def test_seed_text_via_cli(seed_text, tmp_path):
    """`kexie split <seed>.txt --format json`, exactly as the issue's acceptance runs it."""
    path = tmp_path / "000_af39cf8c56ef8002.txt"
    path.write_text(seed_text, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "kexie_scraper.cli", "split", str(path), "--format", "json"],
        capture_output=True, text=True, check=True,
    )
    result = json.loads(out.stdout)
    assert result["page_state"] == "ok"
    assert set(result) == {"page_state", "bulletin", "articles"}
    _check_articles(result["articles"])
    assert result["bulletin"]["published_at"] == "2020-03-25T00:00:00+08:00"
    assert result["bulletin"]["publisher"] == "四川科协"
    assert result["bulletin"]["original_url"] == ORIGINAL


def test_seed_html_fixture():
    name = "scimall/article_seed_difang_kexie"
    meta = fixture_meta(name)
    result = parse_page(fixture_path(name).read_bytes(), url=meta["url"], source="scimall").to_dict()
    assert result["page_state"] == "ok"
    _check_articles(result["articles"])
    bulletin = result["bulletin"]
    assert bulletin["title"] == "【地方科协】"
    assert bulletin["published_at"] == "2020-03-25T00:00:00+08:00"
    assert bulletin["publisher"] == "四川科协"
    assert bulletin["publisher_alias"] == "sichuankexie"
    assert bulletin["original_url"] == ORIGINAL
    assert bulletin["article_count"] == 4
    # The repost and the WeChat original share an identity (the original's biz/mid/idx).
    assert all(a["bulletin_id"] == bulletin["id"] for a in result["articles"])
    assert len({a["id"] for a in result["articles"]}) == 4


def test_seed_twin_is_the_shared_seed():
    """fixtures/seed is a copy of ../shared/seeds; it must not drift."""
    from conftest import SEED_TXT

    if not SEED_TXT.is_file():
        pytest.skip("../shared/seeds is not beside this checkout")
    assert (FIXTURES / "seed" / SEED_TXT.name).read_bytes() == SEED_TXT.read_bytes()
