"""Shared test helpers: fixtures as raw bytes, and Scrapy responses built from them."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import Request, Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.test import get_crawler
from scrapy.utils.url import url_is_from_any_domain
from w3lib.url import canonicalize_url

from kexie_scraper.capture import expected_article
from kexie_scraper.items import Article, Bulletin
from kexie_scraper.replay import Fixture, _route_key, load_fixtures

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEED_TXT = ROOT.parent / "shared" / "seeds" / "000_af39cf8c56ef8002.txt"


def fixture_path(name: str) -> Path:
    """`scimall/article_7100001` → the body file of that fixture."""
    stem = FIXTURES / name
    matches = [p for p in stem.parent.glob(stem.name + ".*") if not p.name.endswith((".meta.json", ".expected.json"))]
    assert len(matches) == 1, f"fixture {name}: {matches}"
    return matches[0]


def fixture_meta(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.meta.json").read_text(encoding="utf-8"))


def fixture_response(name: str, url: str | None = None, **request_kwargs) -> Response:
    """A Scrapy response carrying the fixture's exact bytes, URL, status and headers."""
    meta = fixture_meta(name)
    return _response(meta.get("headers", {}), fixture_path(name).read_bytes(), url or meta["url"],
                     meta.get("status", 200), Request(url or meta["url"], **request_kwargs))


def _response(headers: dict, body: bytes, url: str, status: int, request: Request) -> Response:
    # The class Scrapy itself would pick: HtmlResponse, XmlResponse, JsonResponse ...
    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    return cls(url=url, status=status, headers=headers, body=body, request=request)


def make_spider(spider_cls, **kwargs):
    """A spider bound to a test crawler (stats, settings), as Scrapy would build it."""
    return spider_cls.from_crawler(get_crawler(spider_cls), **kwargs)


@dataclass
class OfflineCrawl:
    requested: list[str] = field(default_factory=list)  # URLs fetched, in order
    missing: list[str] = field(default_factory=list)  # requested URLs that have no fixture
    offsite: list[str] = field(default_factory=list)  # requests the offsite filter would drop
    items: list[Any] = field(default_factory=list)

    @property
    def bulletins(self) -> list[Bulletin]:
        return [i for i in self.items if isinstance(i, Bulletin)]

    def articles_of(self, url: str) -> list[Article]:
        return [i for i in self.items if isinstance(i, Article) and i.bulletin_url == url]


def crawl_offline(spider, routes: dict[str, Fixture] | None = None) -> OfflineCrawl:
    """Run a spider over the fixture site without a network or a reactor.

    Like Scrapy: start requests, the offsite and duplicate filters, callbacks with their
    cb_kwargs; responses are the fixtures' bytes, found by URL as the replay server finds them.
    """
    routes = load_fixtures() if routes is None else routes
    crawl = OfflineCrawl()

    async def starts():
        return [r async for r in spider.start()]

    queue = deque(asyncio.run(starts()))
    seen: set[str] = set()
    while queue:
        request = queue.popleft()
        key = canonicalize_url(request.url)
        if key in seen and not request.dont_filter:
            continue
        seen.add(key)
        if spider.allowed_domains and not url_is_from_any_domain(request.url, spider.allowed_domains):
            crawl.offsite.append(request.url)
            continue
        crawl.requested.append(request.url)
        fixture = routes.get(_route_key(request.url))
        if fixture is None:
            crawl.missing.append(request.url)
            continue
        response = _response(fixture.headers, fixture.body, request.url, fixture.status, request)
        if not 200 <= fixture.status < 300:
            continue
        callback = request.callback or spider.parse
        for result in callback(response, **request.cb_kwargs) or ():
            (queue.append if isinstance(result, Request) else crawl.items.append)(result)
    return crawl


def expected_of_url(url: str) -> dict | None:
    """The expected parse of the fixture served at ``url``, if it has one."""
    fixture = load_fixtures().get(_route_key(url))
    if fixture is None:
        return None
    path = fixture.body_path.with_name(fixture.body_path.name.rsplit(".", 1)[0] + ".expected.json")
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def article_view(article) -> dict:
    """The fields an expected file pins, from an Article item or an article dict."""
    return expected_article(article if isinstance(article, dict) else asdict(article))


def requests_of(results) -> list[Request]:
    """The requests among a callback's results."""
    return [r for r in results if isinstance(r, Request)]


def assert_crawl_matches_expected(crawl: OfflineCrawl) -> None:
    """Every bulletin the crawl produced is exactly its fixture's expected parse."""
    assert crawl.bulletins, "the crawl produced no bulletins"
    for bulletin in crawl.bulletins:
        expected = expected_of_url(bulletin.url)
        assert expected is not None, f"no expected file for {bulletin.url}"
        for key, value in expected["bulletin"].items():
            assert getattr(bulletin, key) == value, (bulletin.url, key)
        got = [article_view(a) for a in crawl.articles_of(bulletin.url)]
        assert got == [article_view(a) for a in expected["articles"]], bulletin.url


@pytest.fixture
def seed_text() -> str:
    if SEED_TXT.is_file():
        return SEED_TXT.read_text(encoding="utf-8")
    # A fresh clone without ../shared still has the seed, as the fixture's twin.
    return (FIXTURES / "seed" / "000_af39cf8c56ef8002.txt").read_text(encoding="utf-8")


# --- the real services: PostgreSQL and Redis ---------------------------------------------------
# Tests that need them skip with the reason when they are unreachable, unless
# KEXIE_REQUIRE_SERVICES=1 (CI), when they fail instead. Each test gets its own PostgreSQL
# schema and its own Redis key prefix, dropped afterwards, so runs never collide.
import os
import uuid

PG_URL = os.environ.get("KEXIE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("KEXIE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _unavailable(service: str, url: str, exc: Exception):
    message = f"{service} not reachable at {url}: {type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0][:200]}"
    if os.environ.get("KEXIE_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " (KEXIE_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def pg_url():
    """A PostgreSQL URL whose search_path is a fresh schema, dropped after the test."""
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
    schema = f"kexie_t_{uuid.uuid4().hex[:12]}"
    try:
        with engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:  # noqa: BLE001 - any failure to reach it means "unavailable"
        engine.dispose()
        _unavailable("PostgreSQL", PG_URL, exc)
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


@pytest.fixture
def redis_url():
    """A reachable Redis URL; tests use run ids of their own (``run_id`` fixture)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001
        _unavailable("Redis", REDIS_URL, exc)
    return REDIS_URL


@pytest.fixture
def run_id(request):
    """A per-test Redis run id; its keys are deleted afterwards."""
    rid = f"test-{uuid.uuid4().hex[:12]}"
    yield rid
    try:
        from kexie_scraper.crawl import delete_run_keys

        delete_run_keys(REDIS_URL, rid)
    except Exception:  # noqa: BLE001 - Redis gone: nothing to clean
        pass


@pytest.fixture(scope="session")
def baseline(tmp_path_factory):
    """One uninterrupted single-process SQLite crawl of the fixture site: (summary, snapshot)."""
    from crawlrun import Worker, snapshot
    from kexie_scraper.replay import ReplayServer

    tmp = tmp_path_factory.mktemp("baseline")
    db = f"sqlite:///{tmp / 'k.sqlite'}"
    with ReplayServer() as server:
        worker = Worker(["crawl", "scimall", "--replay", server.url, "--database-url", db, "--no-feeds",
                         "--log-level", "WARNING"], tmp, "baseline")
        summary = worker.result()
    return summary, snapshot(db)
