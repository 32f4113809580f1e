"""`kexie demo` as a user runs it: a real crawl of the bundled fixture site, twice.

The demo runs the scimall spider, then the wechat spider over the 原文链接 the first one
stored (12 WeChat originals) plus fixtures/wechat/urls.txt (3 posts found elsewhere).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest


def demo(out_dir):
    run = subprocess.run(
        [sys.executable, "-m", "kexie_scraper.cli", "demo", "--out", str(out_dir)],
        capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    first = demo(out)
    lines_after_first = jsonl(out / "articles.jsonl")
    second = demo(out)
    return out, first, second, lines_after_first


def test_first_run_stores_articles(two_runs):
    out, first, _, lines = two_runs
    assert first["errors"] == 0 and first["bad_pages"] == 0 and first["blocked"] == 0
    assert first["spiders"] == ["scimall", "wechat"]
    # scimall: 2 list pages + 14 bulletin pages; wechat: 12 originals from the store + 3 from urls.txt.
    assert first["list_pages"] == 2 and first["bulletin_pages"] == 14 + 12 + 3
    # 13 scimall bulletins; the 12 originals are the same bulletins (same WeChat key) and add
    # none; the 2018 page and the two posts without a link are bulletins of their own.
    assert first["bulletins"] == 13 + 3 and first["known_bulletins"] == 1 + 12
    # scimall: 52 (7100013 reposts 7100002: six duplicates). wechat: the 49 articles of the
    # originals are the scimall ones (same key and text); 2018 page: 3 new; no-link posts:
    # 昆明 and 南海 are near-duplicates of 7100007's items, 顺德 is new.
    assert first["articles"] == len(lines) == 52 + 3 + 1
    assert first["duplicates_dropped"] == 6 + 49 + 2 and first["near_duplicates"] == 2


def test_second_run_adds_nothing(two_runs):
    out, first, second, lines = two_runs
    assert second["articles"] == 0 and second["bulletins"] == 0
    # The originals were fetched once: the second wechat run only has the 3 URLs of urls.txt.
    assert second["bulletin_pages"] == 14 + 3
    assert second["duplicates_dropped"] == (52 + 6) + (3 + 3)
    after = jsonl(out / "articles.jsonl")
    assert after == lines
    ids = [a["id"] for a in after]
    assert len(ids) == len(set(ids))


def test_originals_are_stored_once_with_both_urls(two_runs):
    out = two_runs[0]
    db = sqlite3.connect(out / "kexie.sqlite")
    seed = [r[0] for r in db.execute("SELECT id FROM articles WHERE bulletin_url LIKE '%7012345' ORDER BY position")]
    assert len(seed) == 4
    original = "https://mp.weixin.qq.com/s?__biz=MzI5MTMyNTI3NQ==&mid=2247489626&idx=3&sn=485ac65dbf57bb57d028447c49fd1805"
    for article_id in seed:
        urls = {r[0]: r[1] for r in db.execute("SELECT url, match FROM article_sources WHERE article_id = ?", (article_id,))}
        assert urls == {"https://www.scimall.org.cn/article/detail?id=7012345": "stored", original: "id"}
    # Every article of a bulletin with a WeChat original is seen at two URLs.
    two = db.execute(
        "SELECT count(*) FROM (SELECT article_id FROM article_sources GROUP BY article_id HAVING count(*) >= 2)"
    ).fetchone()[0]
    assert two == 49 + 2
    near = db.execute("SELECT a.title, s.similarity FROM article_sources s JOIN articles a ON a.id = s.article_id "
                      "WHERE s.match = 'minhash' ORDER BY a.title").fetchall()
    # No link ties 7100007 to the WeChat posts: its 南海 and 昆明 reports matched by MinHash.
    assert [t for t, _ in near] == ["佛山市南海区科协举办学习贯彻党的二十大精神宣讲会", "昆明市科协开展冬春季科普惠农活动"]
    assert all(sim >= 0.5 for _, sim in near)


def test_jsonl_is_utf8_not_escaped(two_runs):
    out = two_runs[0]
    raw = (out / "articles.jsonl").read_text(encoding="utf-8")
    assert "\\u" not in raw and "德阳市科协" in raw


def test_sqlite_matches_jsonl(two_runs):
    out = two_runs[0]
    db = sqlite3.connect(out / "kexie.sqlite")
    db.row_factory = sqlite3.Row
    articles = {r["id"]: dict(r) for r in db.execute("SELECT * FROM articles")}
    lines = {a["id"]: a for a in jsonl(out / "articles.jsonl")}
    assert articles.keys() == lines.keys()
    for aid, row in articles.items():
        line = lines[aid]
        assert row["title"] == line["title"] and row["body"] == line["body"]
        assert row["region_code"] == line["region"]["code"]
    assert db.execute("SELECT count(*) FROM bulletins").fetchone()[0] == 16
    seed = db.execute(
        "SELECT title, org, region_code FROM articles WHERE bulletin_url LIKE '%7012345' ORDER BY position"
    ).fetchall()
    assert [tuple(r) for r in seed] == [
        ("德阳市科协推广使用“学习强国”平台", "德阳市科协", "510600"),
        ("遂宁市科协安排部署脱贫攻坚工作", "遂宁市科协", "510900"),
        ("广元市科协积极推进重点业务工作开展", "广元市科协", "510800"),
        ("青白江区科协服务区域经济高质量发展", "青白江区科协", "510113"),
    ]
    unique = db.execute("SELECT count(DISTINCT content_hash) = count(*) FROM articles").fetchone()[0]
    assert unique == 1
