"""`kexie demo` as a user runs it: a real crawl of the bundled fixture site, twice.

The demo runs every source's spider in turn, the wechat spider last: over the 原文链接 the
scimall spider stored (12 WeChat originals) plus fixtures/wechat/urls.txt (3 posts found
elsewhere).
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


# Per source: (list pages, bulletin pages, bulletins stored, articles stored, duplicates dropped).
PER_SOURCE = {
    "cast": (8, 11, 11, 15, 0),  # 3 JPAAS unit pages + 2 on sj, the jcms column + 2 dataproxy pages
    "imast": (3, 5, 5, 7, 0),  # index.html, index_1.html, index_2.html
    "jxkx": (2, 3, 3, 3, 0),  # GB18030 bytes under three header variants
    "scimall": (2, 14, 13, 52, 6),  # 7100013 reposts 7100002: its six articles are duplicates
    "sckx": (2, 17, 17, 17, 0),  # a full page of 15, then a short page
    "zast": (3, 5, 5, 7, 0),  # the in-page datastore + 2 dataproxy pages
    # 12 originals from the store + 3 from urls.txt. The originals are the scimall bulletins
    # (same WeChat key): their 49 articles are duplicates by id. The 2018 page: 3 new articles.
    # The two posts without a link: 昆明 and 南海 are near-duplicates (MinHash) of 7100007's
    # items, 顺德 is new.
    "wechat": (0, 15, 3, 4, 49 + 2),
}


def test_first_run_crawls_every_source(two_runs):
    out, first, _, lines = two_runs
    from kexie_scraper.crawl import spider_names

    assert sorted(first["sources"]) == sorted(spider_names()) == sorted(PER_SOURCE)
    assert list(first["sources"]) == spider_names() and spider_names()[-1] == "wechat"  # it reads what the others stored
    for name, (lists, pages, bulletins, articles, dupes) in PER_SOURCE.items():
        got = first["sources"][name]
        assert (got["list_pages"], got["bulletin_pages"], got["bulletins"], got["articles"], got["duplicates_dropped"]) == (
            lists, pages, bulletins, articles, dupes), name
        assert got["errors"] == 0 and got["bad_pages"] == 0, name


def test_first_run_stores_articles(two_runs):
    out, first, _, lines = two_runs
    assert first["errors"] == 0 and first["bad_pages"] == 0 and first["blocked"] == 0 and first["page_states"] == {}
    assert first["list_pages"] == 20 and first["bulletin_pages"] == 55 + 15
    assert first["bulletins"] == 54 + 3 and first["known_bulletins"] == 1 + 12
    assert first["articles"] == len(lines) == 101 + 4
    assert first["duplicates_dropped"] == 6 + 51 and first["near_duplicates"] == 2
    # Every URL an article was seen at: 105 stored + 57 sightings of duplicates; every page
    # a bulletin was seen at: 57 + 13.
    assert first["stored_total"] == {"bulletins": 57, "articles": 105, "article_urls": 162, "bulletin_sources": 70,
                                     "page_states": 0}
    assert {a["source"] for a in lines} == set(PER_SOURCE)


def test_second_run_adds_nothing(two_runs):
    out, first, second, lines = two_runs
    assert second["articles"] == 0 and second["bulletins"] == 0
    # The demo re-reads every page (the originals too): everything is a duplicate now.
    assert second["bulletin_pages"] == first["bulletin_pages"] == 70 and second["known_bulletins"] == 70
    assert second["duplicates_dropped"] == first["articles"] + first["duplicates_dropped"] == 162
    assert second["stored_total"] == first["stored_total"]  # seen again: no new sightings either
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
        urls = {r[0]: r[1] for r in db.execute(
            "SELECT u.url, u.match FROM article_urls u JOIN articles a ON a.content_hash = u.content_hash WHERE a.id = ?",
            (article_id,))}
        assert urls == {"https://www.scimall.org.cn/article/detail?id=7012345": "stored", original: "id"}
    # Every article of a bulletin with a WeChat original is seen at two URLs.
    two = db.execute(
        "SELECT count(*) FROM (SELECT content_hash FROM article_urls GROUP BY content_hash HAVING count(*) >= 2)"
    ).fetchone()[0]
    assert two == 49 + 2
    near = db.execute("SELECT a.title, s.similarity FROM article_urls s JOIN articles a ON a.content_hash = s.content_hash "
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
    assert db.execute("SELECT count(*) FROM bulletins").fetchone()[0] == 54 + 3
    rare = db.execute("SELECT body FROM articles WHERE source = 'jxkx' AND body LIKE '%林𫖯博士%'").fetchall()
    assert len(rare) == 1  # a four-byte GB18030 character, through feeds and SQLite
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
