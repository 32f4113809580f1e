"""Shared test helpers: fixtures as raw bytes, and Scrapy responses built from them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

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


def fixture_response(name: str, url: str | None = None, **request_kwargs) -> HtmlResponse:
    """A Scrapy response carrying the fixture's exact bytes, URL, status and headers."""
    meta = fixture_meta(name)
    url = url or meta["url"]
    return HtmlResponse(
        url=url,
        status=meta.get("status", 200),
        headers=meta.get("headers", {}),
        body=fixture_path(name).read_bytes(),
        request=Request(url, **request_kwargs),
    )


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
