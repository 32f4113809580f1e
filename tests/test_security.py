"""Security: parameterised SQL on both backends, no HTML stored, credentials never logged,
off-site redirects dropped (the last one is in tests/test_faults.py)."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from crawlrun import Worker
from kexie_scraper.parsing.page import parse_page
from kexie_scraper.redact import redact
from kexie_scraper.replay import ReplayServer
from kexie_scraper.storage import PageBatch, normalize_url, open_store

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = [
    "'; DROP TABLE articles; --",
    'Robert"); DROP TABLE bulletins;--',
    "\\'; DELETE FROM article_urls WHERE '1'='1",
    "C:\\new\\table\\x00 \\\\ back\\slashes \\",
    "%s %(id)s :id ? $1 {id} ' OR 1=1 --",
    "'' \"\" `` ;; /* */ -- 闭合引号’”",
]
PAGE = "https://www.scimall.org.cn/article/detail?id=1'; DROP TABLE bulletins; --"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'k.sqlite'}"
    return request.getfixturevalue("pg_url")


def _article(n: int, value: str) -> dict:
    return {"id": f"a{n}{value}", "content_hash": f"h{n}{value}", "bulletin_id": f"b{value}", "source": value,
            "bulletin_url": PAGE, "bulletin_title": value, "position": n, "title": value, "body": value + "\n" + value,
            "attribution": value, "org": value, "split_confidence": 0.5, "split_rule": value,
            "region": {"province": value, "city": None, "county": None, "code": value, "former_name": None},
            "crawled_at": "2024-06-01T10:00:00+08:00"}


def test_hostile_text_is_stored_verbatim_and_runs_no_sql(db_url):
    store = open_store(db_url)
    try:
        for n, value in enumerate(HOSTILE):
            bulletin = {"id": f"b{value}", "source": value, "url": PAGE, "canonical_url": PAGE, "title": value,
                        "intro": value, "page_state": "ok", "article_count": 1, "crawled_at": "2024-06-01T10:00:00+08:00"}
            result = store.write_page(PageBatch(url=PAGE, bulletin=bulletin, articles=[_article(n, value)],
                                                seen=[(f"h{value}", f"b{value}")]))
            assert result.inserted == [f"a{n}{value}"]
            # lookups take hostile input too
            assert store.article_known(f"a{n}{value}", "x") and store.bulletin_known(f"b{value}")
            assert not store.article_known("' OR '1'='1", "' OR '1'='1")
        assert store.known_page_urls([PAGE, "' OR 1=1 --"]) == {PAGE}
        stored = {a["title"]: a for a in store.iter_articles()}
        assert set(stored) == set(HOSTILE)
        for value in HOSTILE:
            assert stored[value]["body"] == value + "\n" + value and stored[value]["region"]["code"] == value
        assert store.counts()["bulletins"] == len(HOSTILE)
    finally:
        store.close()
    engine = create_engine(db_url)
    try:
        assert {"articles", "bulletins", "article_urls"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_no_sql_is_built_from_strings():
    """Static check: every ``text()`` / ``exec_driver_sql()`` in the package gets a constant
    (values go in as bound parameters, through SQLAlchemy Core everywhere else). The only
    exceptions are the migrations' ``ALTER TABLE`` of table and column names taken from the
    schema module, each marked ``# identifiers, not values``."""
    offenders = []
    for path in (ROOT / "kexie_scraper").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in (
                    "text", "exec_driver_sql", "execute", "executescript"):
                for arg in node.args[:1]:
                    if isinstance(arg, (ast.JoinedStr, ast.BinOp)) or (
                            isinstance(arg, ast.Call) and getattr(arg.func, "attr", None) == "format"):
                        # DDL with names from the schema module is marked so; values never are.
                        if "# identifiers, not values" not in lines[node.lineno - 1]:
                            offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_no_html_is_stored_bodies_are_plain_text():
    """No column holds HTML: bodies, titles, intros are text extracted from the tree. Markup a
    page escapes (``&lt;script&gt;``) is text and stays text; real script/style/iframe
    elements and event attributes are dropped with their content."""
    page = ("<html><body><div id='zoom'><p><strong>德阳市科协开展科普活动</strong></p>"
            "<p>近日，德阳市科协开展科普活动<script>alert(1)</script><img src=x onerror=alert(2)>"
            "<iframe src='https://evil.example.com'></iframe><style>p{x:y}</style>，"
            "讲解&lt;script&gt;标签的危害。<a href='javascript:alert(3)' onclick='alert(4)'>详情</a>（李华）</p>"
            "</div></body></html>")
    result = parse_page(page.encode(), url="https://www.example.gov.cn/a.html")
    assert result.page_state == "ok" and result.articles
    article = result.articles[0]
    stored = json.dumps([article.title, article.body, article.attribution, result.bulletin.intro], ensure_ascii=False)
    assert "alert" not in stored and "onerror" not in stored and "iframe" not in stored and "p{x:y}" not in stored
    assert article.body.startswith("近日，德阳市科协开展科普活动，讲解<script>标签的危害。详情")
    for fixture in sorted((ROOT / "fixtures").glob("*/*.expected.json"))[:200]:
        data = json.loads(fixture.read_text(encoding="utf-8"))
        for item in data.get("articles", []):
            assert not re.search(r"<(p|div|span|br|img|a|strong|section)\b[^>]*>", item.get("body") or ""), fixture


SECRET = "s3cr3t-Pa55word"


def test_credentials_in_database_and_redis_urls_are_never_logged(tmp_path, pg_url, redis_url, run_id):
    """A real crawl with a password in both URLs, at DEBUG: the password appears nowhere in
    the log, the stats or the summary. (The test server trusts any password.)"""
    db = pg_url.replace("postgres@", f"postgres:{SECRET}@", 1)
    redis = redis_url.replace("redis://", f"redis://default:{SECRET}@", 1)
    assert SECRET in db and SECRET in redis
    with ReplayServer() as server:
        worker = Worker(["crawl", "scimall", "--replay", server.url, "--database-url", db, "--redis-url", redis,
                         "--run-id", run_id, "--no-feeds", "--log-level", "DEBUG", "--max-pages", "1"], tmp_path, "w")
        summary = worker.result()
        log = worker.err_path.read_text() + worker.out_path.read_text()
    assert summary["articles"] > 0 and summary["errors"] == 0
    assert SECRET not in log
    assert "Dumping Scrapy stats" in log  # the stats were in the log, and clean


@pytest.mark.parametrize("url", [
    f"mysql://kexie:{SECRET}@db.internal/kexie",  # unsupported scheme: the error names the URL
    f"postgresql+psycopg://kexie:{SECRET}@127.0.0.1:1/kexie",  # nothing listens on port 1
    f"postgresql+psycopg://kexie:{SECRET}@[::1/kexie",  # unparseable
], ids=["unsupported", "unreachable", "unparseable"])
def test_a_failing_database_url_is_reported_without_its_password(tmp_path, url):
    out = subprocess.run([sys.executable, "-m", "kexie_scraper.cli", "crawl", "scimall", "--database-url", url,
                          "--out", str(tmp_path), "--replay", "http://127.0.0.1:9", "--max-pages", "1",
                          "--log-level", "DEBUG"], capture_output=True, text=True, timeout=120)
    assert SECRET not in out.stdout + out.stderr
    assert "kexie" in out.stderr


def test_redact():
    assert redact(f"postgresql+psycopg://u:{SECRET}@h:5432/db?x=1") == "postgresql+psycopg://u:***@h:5432/db?x=1"
    assert redact(f"redis://:{SECRET}@h:6379/0 and redis://d:a:b@c@h/0") == "redis://:***@h:6379/0 and redis://d:***@h/0"
    assert redact("sqlite:////tmp/k.sqlite https://a.b/c@d") == "sqlite:////tmp/k.sqlite https://a.b/c@d"
    with pytest.raises(ValueError) as error:
        normalize_url(f"mysql://u:{SECRET}@h/db")
    assert SECRET not in str(error.value)
