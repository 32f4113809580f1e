"""Host names that resolve to non-public addresses (DNS rebinding into the LAN) are refused
like IP literals: ``resilience.PrivateAddressMiddleware`` and the redirect check.

No network: the resolver (``resilience.resolve_host``) is replaced by a table of names, in
this process for the unit tests and in the crawl process for the end-to-end crawl.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.settings import Settings
from sqlalchemy import create_engine, text
from twisted.python.failure import Failure

from faultserver import FaultServer, page, redirect
from kexie_scraper import resilience
from kexie_scraper.resilience import (CHAIN, PrivateAddressMiddleware, SafeRedirectMiddleware, asked_url,
                                      classify_failure)

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = "93.184.216.34"
NAMES = {
    "www.example.org": [PUBLIC],
    "loopback.example.org": ["127.0.0.1"],
    "lan.example.org": ["10.20.30.40"],
    "link-local.example.org": ["169.254.169.254"],  # the cloud metadata address
    "v6-loopback.example.org": ["::1"],
    "v6-ula.example.org": ["fd00::1"],
    "v4-mapped.example.org": ["::ffff:192.168.1.1"],
    "shared.example.org": ["100.64.0.1"],
    "mixed.example.org": [PUBLIC, "192.168.0.10"],  # one bad address is enough
}


class Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + count


def crawler(**settings):
    return SimpleNamespace(settings=Settings(settings), stats=Stats(), spider=None)


@pytest.fixture
def dns(monkeypatch):
    """The resolver answers from NAMES (others do not resolve); every lookup is counted.
    The lookup runs inline (the crawl runs it in the reactor's thread pool)."""
    lookups: list[str] = []

    def resolve(host: str) -> list[str]:
        lookups.append(host)
        if host not in NAMES:
            import socket

            raise socket.gaierror(-2, "Name or service not known")
        return list(NAMES[host])

    async def lookup(host: str) -> list[str]:
        return resilience.resolve_host(host)

    monkeypatch.setattr(resilience, "resolve_host", resolve)
    monkeypatch.setattr(PrivateAddressMiddleware, "lookup", staticmethod(lookup))
    yield lookups
    from scrapy.resolver import dnscache

    for host in NAMES:
        dnscache.pop(host, None)


def run(mw: PrivateAddressMiddleware, url: str, **meta):
    """process_request on one request: None, or the IgnoreRequest it raised."""
    try:
        return asyncio.run(mw.process_request(Request(url, meta=meta)))
    except IgnoreRequest as exc:
        return exc


@pytest.mark.parametrize("host", [h for h in NAMES if h != "www.example.org"])
def test_a_name_that_resolves_to_a_non_public_address_is_refused(dns, host):
    c = crawler()
    mw = PrivateAddressMiddleware(c)
    refused = run(mw, f"https://{host}/article/detail?id=1")
    assert isinstance(refused, IgnoreRequest), refused
    bad = next(a for a in NAMES[host] if a != PUBLIC)
    assert f"{host} resolves to {bad}" in str(refused)
    # recorded like an IP literal: private_address, permanent
    failure = Failure(refused)
    failure.request = Request(f"https://{host}/article/detail?id=1")
    assert classify_failure(failure)[:2] == ("private_address", False)
    assert c.stats.values == {"kexie/refused/private_address": 1, "kexie/refused/private_address_resolved": 1}


def test_a_public_name_passes_and_is_looked_up_once(dns):
    mw = PrivateAddressMiddleware(crawler())
    for n in range(5):
        assert run(mw, f"https://www.example.org/article/detail?id={n}") is None
    refused = [run(mw, f"https://lan.example.org/{n}") for n in range(3)]
    assert all(isinstance(r, IgnoreRequest) for r in refused)
    assert dns == ["www.example.org", "lan.example.org"]  # one lookup per host, not per request


def test_a_name_that_does_not_resolve_is_left_to_the_download(dns):
    # nothing to judge; the download fails on the lookup itself (reason `connection`)
    assert run(PrivateAddressMiddleware(crawler()), "https://nowhere.example.org/") is None


def test_ip_literals_and_localhost_are_still_refused_without_a_lookup(dns):
    mw = PrivateAddressMiddleware(crawler())
    for url in ("http://127.1/", "http://2130706433/", "http://[::1]/", "http://localhost:8080/", "http://10.0.0.1/"):
        assert isinstance(run(mw, url), IgnoreRequest), url
    assert run(mw, f"http://{PUBLIC}/") is None
    assert dns == []


def test_under_replay_names_are_not_resolved_unless_asked_to(dns):
    replay = "http://127.0.0.1:8123"
    mw = PrivateAddressMiddleware(crawler(KEXIE_REPLAY_URL=replay))
    # every request goes to the local mirror: the names are never looked up to connect
    assert run(mw, "https://lan.example.org/article/detail?id=1") is None
    assert run(mw, f"{replay}/www.scimall.org.cn/channel/list") is None  # the mirror itself
    assert isinstance(run(mw, "http://10.1.2.3/steal"), IgnoreRequest)  # literals as before
    assert dns == []
    forced = PrivateAddressMiddleware(crawler(KEXIE_REPLAY_URL=replay, KEXIE_RESOLVE_HOSTS="1"))
    assert isinstance(run(forced, "https://lan.example.org/article/detail?id=1"), IgnoreRequest)
    assert run(forced, f"{replay}/lan.example.org/x") is None
    assert dns == ["lan.example.org"]


def test_the_check_can_be_turned_off(dns):
    # e.g. behind a "fake-IP" DNS that answers 198.18.x.x for every name
    mw = PrivateAddressMiddleware(crawler(KEXIE_RESOLVE_HOSTS=False))
    assert run(mw, "https://lan.example.org/") is None and dns == []
    assert isinstance(run(mw, "http://192.168.1.1/"), IgnoreRequest)


def test_what_scrapy_will_connect_to_is_what_is_judged(dns):
    """Scrapy's resolver caches a name for the whole process and connects to the cached
    address: a name cached with a private address is refused, whatever a new lookup says;
    a checked public name is pinned in that cache, so a second lookup (rebinding: public
    first, private next) never reaches the connection."""
    from scrapy.resolver import CachingThreadedResolver, dnscache

    mw = PrivateAddressMiddleware(crawler())
    dnscache["www.example.org"] = "10.9.9.9"
    assert "resolves to 10.9.9.9" in str(run(mw, "https://www.example.org/"))
    assert dns == []
    del dnscache["www.example.org"]

    fake_reactor = SimpleNamespace(resolver=CachingThreadedResolver.__new__(CachingThreadedResolver))
    resilience._pin("www.example.org", ["2606:2800::1", PUBLIC], reactor=fake_reactor)
    assert dnscache["www.example.org"] == PUBLIC  # IPv4: what the default resolver returns


def test_a_redirect_to_a_name_known_to_be_non_public_is_refused_as_a_redirect(dns):
    mw = PrivateAddressMiddleware(crawler())
    run(mw, "https://lan.example.org/")  # its verdict is known now
    redirects = SafeRedirectMiddleware(Settings({"REDIRECT_MAX_TIMES": 5}))
    redirects.crawler = SimpleNamespace(spider=SimpleNamespace(allowed_domains=["example.org"]),
                                        engine=SimpleNamespace(downloader=SimpleNamespace(
                                            middleware=SimpleNamespace(middlewares=(mw,)))))
    assert "non-public address (lan.example.org resolves to 10.20.30.40)" in redirects.refusal(
        "https://lan.example.org/x", ["https://www.example.org/a"])
    assert redirects.refusal("https://www.example.org/b", ["https://www.example.org/a"]) is None


def test_a_redirect_to_a_new_name_is_checked_when_it_goes_out(dns):
    """A name not looked up yet: the redirect is followed into the scheduler and the new
    request is refused before connecting; the failure belongs to the page asked for."""
    mw = PrivateAddressMiddleware(crawler())
    asked = "https://www.example.org/article/detail?id=7"
    request = Request("https://mixed.example.org/article/detail?id=7", meta={CHAIN: [asked]})
    with pytest.raises(IgnoreRequest) as refused:
        asyncio.run(mw.process_request(request))
    failure = Failure(refused.value)
    failure.request = request
    assert classify_failure(failure)[:2] == ("private_address", False) and asked_url(request) == asked


# --- end to end: a real crawl with the fake resolver ----------------------------------------
SITE = "https://www.scimall.org.cn"
FAKE_DNS = {"www.scimall.org.cn": [PUBLIC], "scimall.org.cn": ["10.20.30.40"],
            "lan.scimall.org.cn": [PUBLIC, "192.168.7.7"]}
# The crawl process with resilience.resolve_host answering from FAKE_DNS (nothing else resolves).
LAUNCH = """
import json, os, socket, sys
sys.path.insert(0, os.environ["KEXIE_TEST_ROOT"])
from kexie_scraper import resilience
from kexie_scraper.cli import main
table = json.loads(os.environ["KEXIE_TEST_FAKE_DNS"])
def resolve(host):
    with open(os.environ["KEXIE_TEST_LOOKUPS"], "a") as log:
        log.write(host + "\\n")
    if host not in table:
        raise socket.gaierror(-2, "Name or service not known")
    return table[host]
resilience.resolve_host = resolve
sys.exit(main(sys.argv[1:]))
"""


def fixture(n: int) -> bytes:
    return (ROOT / "fixtures" / "scimall" / f"article_71000{n:02d}.html").read_bytes()


def test_a_crawl_refuses_names_that_resolve_into_the_lan(tmp_path):
    links = [f"{SITE}/article/detail?id=1", "https://scimall.org.cn/article/detail?id=2",
             f"{SITE}/article/detail?id=3", f"{SITE}/article/detail?id=4"]
    listing = "".join(f'<li><a href="{u}">简报</a> <span>2024-06-01</span></li>' for u in links)
    with FaultServer({}) as server:
        server.add(f"{SITE}/channel/list?cid=5", page(f"<html><body><ul>{listing}</ul></body></html>"))
        server.add(f"{SITE}/article/detail?id=1", page(fixture(1)))
        server.add("https://scimall.org.cn/article/detail?id=2", page(fixture(2)))
        server.add(f"{SITE}/article/detail?id=3", redirect("https://lan.scimall.org.cn/article/detail?id=3"))
        server.add("https://lan.scimall.org.cn/article/detail?id=3", page(fixture(3)))
        server.add(f"{SITE}/article/detail?id=4", redirect(f"{SITE}/article/detail?id=5"))
        server.add(f"{SITE}/article/detail?id=5", page(fixture(5)))
        db = f"sqlite:///{tmp_path / 'k.sqlite'}"
        env = {**os.environ, "KEXIE_TEST_ROOT": str(ROOT), "KEXIE_TEST_FAKE_DNS": json.dumps(FAKE_DNS),
               "KEXIE_TEST_LOOKUPS": str(tmp_path / "lookups.txt")}
        done = subprocess.run(
            [sys.executable, "-c", LAUNCH, "crawl", "scimall", "--replay", server.url, "--database-url", db,
             "--out", str(tmp_path), "--log-level", "INFO", "--ignore-health", "--refetch",
             "--set", "KEXIE_RESOLVE_HOSTS=1", "--set", "KEXIE_RETRY_BACKOFF_BASE=0.1"],
            capture_output=True, text=True, env=env, timeout=120)
        fetched = {k: len(v) for k, v in server.log.items()}
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr and " ERROR" not in done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["errors"] == 0 and summary["bulletins"] == 2  # pages 1 and 5 (through the good redirect)
    # the refused hosts were never asked for anything
    assert not any(k.startswith(("/scimall.org.cn", "/lan.scimall.org.cn")) for k in fetched), fetched
    engine = create_engine(db)
    with engine.connect() as conn:
        rows = {r["url"]: dict(r) for r in conn.execute(text("SELECT * FROM page_states")).mappings()}
    engine.dispose()
    assert set(rows) == {"https://scimall.org.cn/article/detail?id=2", f"{SITE}/article/detail?id=3"}, rows
    for row in rows.values():
        assert row["reason"] == "private_address" and not row["retryable"] and row["state"] == "http_error"
        assert "not a public address" in row["detail"] and row["first_seen_at"]
    assert "resolves to 10.20.30.40" in rows["https://scimall.org.cn/article/detail?id=2"]["detail"]
    assert "resolves to 192.168.7.7" in rows[f"{SITE}/article/detail?id=3"]["detail"]
    lookups = (tmp_path / "lookups.txt").read_text().split()
    assert sorted(lookups) == ["lan.scimall.org.cn", "scimall.org.cn", "www.scimall.org.cn"]  # once per name
