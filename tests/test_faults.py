"""Faults and hostile input, crawled for real: `kexie crawl scimall` through the real
spider, middlewares and pipelines, pointed at the fault-injection server
(tests/faultserver.py) with ``--replay``.

One crawl serves every scenario at its own article URL (a list page links them all);
each test below checks one scenario: what was fetched, how often and how far apart, what
was stored (the good page's exact articles, or nothing), and what the log says. Across
all of them: the crawl exits 0, no traceback, no ERROR line, ``errors: 0``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from crawlrun import Worker
from faultserver import (FaultServer, gzipped, huge, page, redirect, reset_mid_body, sequence, slow, status,
                         truncated_gzip)

ROOT = Path(__file__).resolve().parent.parent
SCIMALL = ROOT / "fixtures" / "scimall"
SITE = "https://www.scimall.org.cn"
LIST = f"{SITE}/channel/list?cid=5"


def article_url(n: int) -> str:
    return f"{SITE}/article/detail?id={n}"


def fixture(n: int) -> bytes:
    """The bytes of scimall fixture 71000nn (a good bulletin page)."""
    return (SCIMALL / f"article_71000{n:02d}.html").read_bytes()


def expected(n: int) -> dict:
    return json.loads((SCIMALL / f"article_71000{n:02d}.expected.json").read_text(encoding="utf-8"))


def good(n: int) -> object:
    return page(fixture(n))


def gbk_page(n: int) -> bytes:
    """Fixture n re-encoded as GB18030, its <meta> saying gbk."""
    return fixture(n).decode("utf-8").replace('<meta charset="utf-8">', '<meta charset="gbk">').encode("gb18030")


def nested(depth: int, inner: str) -> bytes:
    return ("<html><body>" + "<div>" * depth + inner + "</div>" * depth + "</body></html>").encode()


def with_nul_and_bad_utf8(n: int) -> bytes:
    body = fixture(n)
    # a NUL and an invalid UTF-8 sequence inside the first paragraph, and a stray NUL elsewhere
    body = body.replace("日，".encode(), "日\x00，".encode() + b"\xff\xfe", 1)
    return body.replace(b"<body>", b"<body>\x00", 1)


# Every WeChat error page (HTTP 200), as captured in fixtures/wechat: file → page state.
WECHAT = ROOT / "fixtures" / "wechat"
WECHAT_STATES = {
    "deleted": "deleted", "removed_banned": "removed", "removed_complaint": "removed", "removed_migrated": "removed",
    "violation": "removed", "expired": "expired", "invalid_params": "invalid", "rate_limited": "rate_limited",
    "verify_env_abnormal": "captcha", "image_share_page": "no_content",
}
BLOCK_RETRIES = 2  # KEXIE_BLOCK_RETRIES: a captcha or rate-limit page is tried again in the same run


def wechat_page(name: str) -> bytes:
    return (WECHAT / f"{name}.html").read_bytes()


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + '<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
)


# id → (behaviour, what the crawl must do with it). Outcomes: ("stored", fixture n) — exactly
# that fixture's articles stored at this URL; ("nothing", reason) — nothing stored, the log
# names the URL and the reason.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
FIFTY_MB = 50 * 1024 * 1024


def scenarios(server_url: str) -> dict[int, tuple[object, tuple]]:
    return {
        # 5xx bursts, then success; and for ever (gives up, retryable)
        1001: (sequence(status(500), status(503), good(1)), ("stored", 1)),
        1002: (sequence(status(502), status(502), good(2)), ("stored", 2)),
        1003: (status(502, body=fixture(3)), ("nothing", "http_502")),
        # 429 with Retry-After: waited for, then success; one too long to wait for
        1004: (sequence(status(429, {"Retry-After": "1"}), good(4)), ("stored", 4)),
        1005: (status(429, {"Retry-After": "3600"}), ("nothing", "http_429")),
        # slower than DOWNLOAD_TIMEOUT (3 s here): once, then on time; and always
        1006: (sequence(slow(6.5, good(5)), good(5)), ("stored", 5)),
        1007: (slow(6.5, good(6)), ("nothing", "timeout")),
        # connection reset mid-body: once, and always
        1008: (sequence(reset_mid_body(fixture(7)), good(7)), ("stored", 7)),
        1009: (reset_mid_body(fixture(8)), ("nothing", "truncated")),  # Scrapy: data loss
        # truncated gzip: once, and always (never parsed: the page would be cut short)
        1010: (sequence(truncated_gzip(fixture(9)), gzipped(fixture(9))), ("stored", 9)),
        1011: (truncated_gzip(fixture(10)), ("nothing", "truncated")),
        # a wrong charset header (GBK bytes sent as utf-8); no charset at all with GB18030 bytes
        1012: (page(gbk_page(11), content_type="text/html; charset=utf-8"), ("stored", 11)),
        1013: (page(gbk_page(12).replace(b'<meta charset="gbk">', b""), content_type="text/html"), ("stored", 12)),
        # an empty 200; a PDF and an image at an article URL (the image mislabelled as HTML)
        1014: (page(b""), ("nothing", "empty")),
        1015: (page(PDF, content_type="application/pdf"), ("nothing", "binary")),
        1016: (page(PNG, content_type="text/html; charset=utf-8"), ("nothing", "binary")),
        # 50 MB: announced by Content-Length, and streamed without one; a gzip bomb
        1017: (huge(FIFTY_MB), ("nothing", "too_large")),
        1018: (huge(FIFTY_MB, content_length=False), ("nothing", "too_large")),
        1019: (gzipped(b"<html><body><p>" + b"0" * FIFTY_MB + b"</p></body></html>"), ("nothing", "too_large")),
        # redirects: a loop; off-site; to loopback (this very server) and to a private address;
        # to a non-http scheme; and a good relative one, followed
        1020: (redirect(article_url(1021)), ("nothing", "redirect")),
        1021: (redirect(article_url(1020)), ("nothing", "redirect")),
        1022: (redirect("https://evil.example.com/article/detail?id=1"), ("nothing", "redirect")),
        1023: (redirect(f"{server_url}/www.scimall.org.cn/article/detail?id=1001"), ("nothing", "redirect")),
        1024: (redirect("http://10.1.2.3/steal"), ("nothing", "redirect")),
        1025: (redirect("file:///etc/passwd"), ("nothing", "http_302")),  # not followed: an HTTP 302 error
        1026: (redirect("/article/detail?id=1027", code=301), ("nothing", "followed")),
        1027: (good(3), ("stored", 3)),
        # robots.txt disallows this one: never fetched
        1028: (good(6), ("nothing", "robots")),
        # WeChat error pages (HTTP 200)
        **{1030 + i: (page(wechat_page(name)), ("nothing", state)) for i, (name, state) in enumerate(WECHAT_STATES.items())},
        # 10,000 nested elements: the text is past libxml2's depth limit, so no content
        1040: (page(nested(10_000, "<p>德阳市科协召开会议，部署科普工作。（李华）</p>")), ("nothing", "no_content")),
        # NUL bytes and invalid UTF-8 inside a good page: parsed, stored clean
        1041: (page(with_nul_and_bad_utf8(8)), ("stored", 8)),
        # billion laughs and an external entity: nothing expanded, nothing read
        1042: (page(BILLION_LAUGHS + fixture(10).decode().replace("</p>", "&lol9;&xxe;</p>", 3)), ("entities", 10)),
    }


ROBOTS = "User-agent: *\nDisallow: /article/detail?id=1028\n"


def list_page(ids) -> str:
    links = "".join(f'<li><a href="/article/detail?id={n}">简报{n}</a> <span>2024-06-01</span></li>' for n in ids)
    return f"<html><head><meta charset='utf-8'></head><body><ul class='list'>{links}</ul></body></html>"


CRAWL_SETTINGS = ["DOWNLOAD_TIMEOUT=3", "RETRY_TIMES=2", "KEXIE_RETRY_BACKOFF_BASE=0.2",
                  "KEXIE_RETRY_AFTER_MAX=10",
                  "KEXIE_RETRY_AFTER_SLOWS_DOMAIN=0", "KEXIE_BLOCK_MIN_DELAY=0", f"KEXIE_BLOCK_RETRIES={BLOCK_RETRIES}",
                  "KEXIE_BLOCK_GIVE_UP=100", "CONCURRENT_REQUESTS=32", "CONCURRENT_REQUESTS_PER_DOMAIN=32"]


def run_crawl(server: FaultServer, tmp: Path, name: str = "crawl", extra: list[str] | None = None,
              refetch: bool = True) -> tuple[dict, str]:
    db = f"sqlite:///{tmp / 'k.sqlite'}"
    args = ["crawl", "scimall", "--replay", server.url, "--database-url", db, "--out", str(tmp),
            "--log-level", "INFO", "--ignore-health"] + (["--refetch"] if refetch else [])
    for setting in CRAWL_SETTINGS + list(extra or []):
        args += ["--set", setting]
    worker = Worker(args, tmp, name)
    summary = worker.result(timeout=120)
    return summary, worker.err_path.read_text()


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    with FaultServer({}) as server:
        table = scenarios(server.url)
        for n, (behaviour, _) in table.items():
            server.add(article_url(n), behaviour)
        server.add(LIST, page(list_page(n for n in table if n not in (1021, 1027))))
        server.add(f"{SITE}/robots.txt", page(ROBOTS, content_type="text/plain"))
        summary, log = run_crawl(server, tmp)
    db = f"sqlite:///{tmp / 'k.sqlite'}"
    states, stored = page_states(db), stored_at(db)
    # The next run, incremental: the list page now links one new page only, and every page
    # that failed answers. Retryable failures are fetched again from their record.
    with FaultServer({}) as again:
        for n in table:
            again.add(article_url(n), good(3 + n % 8))
        again.add(article_url(2001), good(12))
        again.add(LIST, page(list_page([2001])))
        again.add(f"{SITE}/robots.txt", page(ROBOTS, content_type="text/plain"))
        summary2, log2 = run_crawl(again, tmp, "again", refetch=False)
    yield {"summary": summary, "log": log, "server": server, "db": db, "table": table, "tmp": tmp,
           "states": states, "stored": stored, "next": {"summary": summary2, "log": log2, "server": again, "states": page_states(db)}}


def page_states(db: str) -> dict[str, dict]:
    engine = create_engine(db)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(text("SELECT * FROM page_states")).mappings()]
    engine.dispose()
    return {r["url"]: r for r in rows}


RETRYABLE = {"http_502", "http_429", "timeout", "connection", "truncated", "captcha", "rate_limited"}


def stored_at(db: str) -> dict[str, list[tuple]]:
    """Page URL → (title, body) of the articles stored from it."""
    engine = create_engine(db)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT bulletin_url, title, body FROM articles ORDER BY bulletin_url, position")).all()
    engine.dispose()
    out: dict[str, list[tuple]] = {}
    for url, title, body in rows:
        out.setdefault(url, []).append((title, body))
    return out


def outcome_lines(log: str, url: str) -> list[str]:
    return [line for line in log.splitlines() if url in line and ("nothing stored" in line or "Gave up" in line)]


# --- the crawl as a whole -----------------------------------------------------------------
def test_the_crawl_survives_every_fault_without_an_error(crawl):
    log = crawl["log"]
    assert "Traceback" not in log, log[-3000:]
    errors = [line for line in log.splitlines() if re.search(r"\] (ERROR|CRITICAL):", line)]
    assert errors == [], errors
    assert crawl["summary"]["errors"] == 0


def test_no_article_is_stored_from_an_error_page(crawl):
    stored = crawl["stored"]
    allowed = {article_url(n) for n, (_, (kind, _)) in crawl["table"].items() if kind in ("stored", "entities")}
    assert set(stored) <= allowed, sorted(set(stored) - allowed)


# --- one scenario each ----------------------------------------------------------------------
def _check_stored(crawl, n: int) -> None:
    _, (kind, fixture_no) = crawl["table"][n]
    assert kind == "stored"
    got = crawl["stored"].get(article_url(n), [])
    want = [(a["title"], a["body"]) for a in expected(fixture_no)["articles"]]
    assert got == want, (n, got[:1], want[:1])


def _check_failed(crawl, n: int, reason: str) -> None:
    """Nothing stored; the log says why; the failure is recorded with URL, reason, time and
    whether a retry can help — and the next run fetched it again exactly when it could."""
    url = article_url(n)
    assert url not in crawl["stored"]
    lines = outcome_lines(crawl["log"], url)
    assert lines, f"no log line says what happened to {url}"
    record = crawl["states"].get(url)
    assert record is not None, f"no page_states record for {url}"
    tries = 1 + (BLOCK_RETRIES if reason in ("captcha", "rate_limited") else 0)
    assert record["reason"] == reason and record["attempts"] == tries, record
    assert record["first_seen_at"] and record["last_seen_at"] and record["source"] == "scimall"
    assert bool(record["retryable"]) == (reason in RETRYABLE), record
    refetched = len(crawl["next"]["server"].hits(url))
    if reason in RETRYABLE:
        assert refetched == 1, f"{url} ({reason}) was not retried by the next run"
        assert url not in crawl["next"]["states"], "a success clears the record"
    else:
        assert refetched == 0, f"{url} ({reason}) is permanent, yet fetched again"
        assert crawl["next"]["states"][url]["attempts"] == tries


@pytest.mark.parametrize("n", [1001, 1002])
def test_5xx_burst_then_success_is_retried_with_backoff(crawl, n):
    hits = crawl["server"].hits(article_url(n))
    assert len(hits) == 3
    gaps = [b - a for a, b in zip(hits, hits[1:])]
    assert gaps[0] >= 0.1 and gaps[1] >= 0.2, gaps  # base 0.2 s · 2^n, jitter 0.5–1
    _check_stored(crawl, n)


def test_5xx_for_ever_gives_up_after_retries_and_stores_nothing(crawl):
    assert len(crawl["server"].hits(article_url(1003))) == 3  # 1 + RETRY_TIMES
    _check_failed(crawl, 1003, "http_502")


def test_429_retry_after_is_waited_for(crawl):
    hits = crawl["server"].hits(article_url(1004))
    assert len(hits) == 2 and hits[1] - hits[0] >= 1.0, hits
    _check_stored(crawl, 1004)


def test_429_with_a_retry_after_too_long_is_left_for_the_next_run(crawl):
    assert len(crawl["server"].hits(article_url(1005))) == 1
    assert "left for the next run" in crawl["log"]
    _check_failed(crawl, 1005, "http_429")


def test_a_slow_response_times_out_and_is_retried(crawl):
    assert len(crawl["server"].hits(article_url(1006))) == 2
    _check_stored(crawl, 1006)
    assert len(crawl["server"].hits(article_url(1007))) == 3
    _check_failed(crawl, 1007, "timeout")


def test_a_connection_reset_mid_body_is_retried(crawl):
    assert len(crawl["server"].hits(article_url(1008))) == 2
    _check_stored(crawl, 1008)
    assert len(crawl["server"].hits(article_url(1009))) == 3
    _check_failed(crawl, 1009, "truncated")


def test_a_truncated_gzip_body_is_never_parsed(crawl):
    assert len(crawl["server"].hits(article_url(1010))) == 2
    _check_stored(crawl, 1010)
    assert len(crawl["server"].hits(article_url(1011))) == 3
    _check_failed(crawl, 1011, "truncated")


def test_a_wrong_charset_header_is_overruled_by_the_bytes(crawl):
    _check_stored(crawl, 1012)


def test_no_charset_with_gb18030_bytes_is_decoded(crawl):
    _check_stored(crawl, 1013)


@pytest.mark.parametrize("n, state", [(1014, "empty"), (1015, "binary"), (1016, "binary")])
def test_empty_pdf_and_image_bodies_store_nothing(crawl, n, state):
    _check_failed(crawl, n, state)
    assert any(state in line for line in outcome_lines(crawl["log"], article_url(n)))


@pytest.mark.parametrize("n", [1017, 1018, 1019])
def test_a_50_mb_body_is_cut_off_at_download_maxsize(crawl, n):
    assert len(crawl["server"].hits(article_url(n))) == 1  # not retried: it would be as big again
    _check_failed(crawl, n, "too_large")


def test_a_redirect_loop_is_stopped(crawl):
    assert len(crawl["server"].hits(article_url(1020))) == 1
    assert len(crawl["server"].hits(article_url(1021))) == 1
    _check_failed(crawl, 1020, "redirect")
    assert "redirect loop" in crawl["log"]


@pytest.mark.parametrize("n, why", [(1022, "offsite"), (1023, "non-public address"), (1024, "non-public address"),
                                    (1025, "HTTP 302")])
def test_a_redirect_off_site_or_to_a_private_address_is_dropped(crawl, n, why):
    _check_failed(crawl, n, "redirect" if n != 1025 else "http_302")
    assert any(why in line for line in outcome_lines(crawl["log"], article_url(n)))
    if n == 1023:  # the loopback target is this very server: it must not have been asked
        assert len(crawl["server"].hits(article_url(1001))) == 3  # its own three, no more


def test_a_relative_redirect_on_the_site_is_followed(crawl):
    assert len(crawl["server"].hits(article_url(1026))) == 1
    assert len(crawl["server"].hits(article_url(1027))) == 1
    stored = crawl["stored"]
    assert article_url(1027) in stored and article_url(1026) not in stored


def test_robots_txt_disallow_is_obeyed(crawl):
    assert crawl["server"].hits(article_url(1028)) == []
    _check_failed(crawl, 1028, "robots")


@pytest.mark.parametrize("name", list(WECHAT_STATES))
def test_wechat_error_pages_store_nothing(crawl, name):
    n, state = 1030 + list(WECHAT_STATES).index(name), WECHAT_STATES[name]
    _check_failed(crawl, n, state)
    assert any(f": {state}," in line for line in outcome_lines(crawl["log"], article_url(n)))


def test_ten_thousand_nested_elements(crawl):
    _check_failed(crawl, 1040, "no_content")


def test_nul_bytes_and_invalid_utf8_are_dropped_not_stored(crawl):
    got = crawl["stored"][article_url(1041)]
    assert got == [(a["title"], a["body"]) for a in expected(8)["articles"]]
    assert not any("\x00" in (t or "") + b or "\ufffd" in (t or "") + b for t, b in got)


def test_billion_laughs_and_external_entities_are_not_expanded(crawl):
    engine = create_engine(crawl["db"])
    with engine.connect() as conn:
        intro = conn.execute(text("SELECT intro FROM bulletins WHERE url = :u"), {"u": article_url(1042)}).scalar()
    engine.dispose()
    got = json.dumps([intro, crawl["stored"][article_url(1042)]], ensure_ascii=False)
    assert "root:" not in got and "lollol" not in got
    assert "&lol9;&xxe;" in got  # left as the literal text it is in HTML


# --- a list page whose links are all malformed ----------------------------------------------
MALFORMED = ['http://[::1', "javascript:alert(1)", "mailto:a@b.c", "/article/detail?id=abc", "http://exa mple.com/%%",
             "https://www.scimall.org.cn:99999/article/detail?id=1", "\x00\x01", "", "#", "//[fe80::1%25eth0",
             "data:text/html,<p>x</p>", "https://www.scimall.org.cn/article/detail?id=-1", "ftp://x/"]


def test_a_list_page_of_malformed_links_yields_no_request_and_no_error(tmp_path):
    links = "".join(f"<a href='{h}'>下一页</a><a href='{h}'>文章</a>" for h in MALFORMED)
    with FaultServer({LIST: page(f"<html><body>{links}</body></html>")}) as server:
        summary, log = run_crawl(server, tmp_path)
        requested = {k for k in server.log if "robots.txt" not in k}
    assert requested == {"/www.scimall.org.cn/channel/list?cid=5"}, requested
    assert summary["errors"] == 0 and summary["list_pages"] == 1
    assert "Traceback" not in log and not re.search(r"\] ERROR:", log), log[-3000:]
    # the health check names it (exit 4 without --ignore-health)
    assert "ALERT scimall: yielded nothing" in log


def test_the_next_run_retries_exactly_the_retryable_failures(crawl):
    nxt = crawl["next"]
    assert nxt["summary"]["errors"] == 0 and "Traceback" not in nxt["log"]
    assert nxt["summary"]["retried_failed_pages"] == 7
    assert crawl["summary"]["failed_pages"] == sum(r["attempts"] for r in crawl["states"].values())
    retried = {url for url in (article_url(n) for n in crawl["table"]) if nxt["server"].hits(url)}
    want = {url for url, r in crawl["states"].items() if r["retryable"]}
    assert retried == want and len(want) == 7, sorted(retried ^ want)
    assert {u for u, r in nxt["states"].items()} == {u for u, r in crawl["states"].items() if not r["retryable"]}
    # the successes of the first run were not fetched again: stored pages are skipped
    assert nxt["server"].hits(article_url(1001)) == []


# --- list pages that fail ---------------------------------------------------------------------
CHANNEL_6 = f"{SITE}/channel/list?cid=6"


def paged_list(ids, next_url: str | None = None) -> str:
    more = f'<a rel="next" href="{next_url}">下一页</a>' if next_url else ""
    return list_page(ids).replace("</ul>", f"</ul>{more}")


def run_channels(server: FaultServer, tmp: Path, name: str) -> tuple[dict, str]:
    """An incremental crawl of channels 5 and 6 into tmp/k.sqlite."""
    db = f"sqlite:///{tmp / 'k.sqlite'}"
    args = ["crawl", "scimall", "--replay", server.url, "--database-url", db, "--out", str(tmp),
            "--log-level", "INFO", "--ignore-health", "-a", "channels=5,6"]
    for setting in CRAWL_SETTINGS:
        args += ["--set", setting]
    worker = Worker(args, tmp, name)
    return worker.result(timeout=120), worker.err_path.read_text()


def list_failure_details(db: str) -> list[dict]:
    engine = create_engine(db)
    with engine.connect() as conn:
        rows = [json.loads(r[0]) for r in conn.execute(text("SELECT details FROM crawl_runs ORDER BY id"))]
    engine.dispose()
    return rows


def test_a_failed_list_page_is_recorded_never_retried_as_a_bulletin_and_cleared_when_read(tmp_path):
    """A list page that fails (a 503 after the retries; a 404) is a page_states row
    (list_error: URL, reason, retryable, times) and counts in the summary and the health
    details. The next runs never fetch it from its record — not as a bulletin page, not at
    all — and the row goes once paging reads that list page again."""
    page2 = f"{LIST}&page=2"
    db = f"sqlite:///{tmp_path / 'k.sqlite'}"
    common = {article_url(n): good(n) for n in range(1, 6)}
    common[f"{SITE}/robots.txt"] = page(ROBOTS, content_type="text/plain")

    # Run 1: channel 5's page 1 reads, its page 2 answers 503 for ever; channel 6 is a 404.
    with FaultServer({**common, LIST: page(paged_list([1], page2)), page2: status(503), CHANNEL_6: status(404)}) as one:
        summary1, log1 = run_channels(one, tmp_path, "one")
        page2_hits_1 = len(one.hits(page2))
    assert summary1["errors"] == 0 and "Traceback" not in log1 and summary1["articles"] > 0
    assert page2_hits_1 == 1 + 2  # RETRY_TIMES=2 retries, then given up
    states = page_states(db)
    assert set(states) == {page2, CHANNEL_6}, states
    for url, reason, retryable in ((page2, "http_503", True), (CHANNEL_6, "http_404", False)):
        row = states[url]
        assert (row["state"], row["reason"], bool(row["retryable"]), row["attempts"]) == \
            ("list_error", reason, retryable, 1), row
        assert row["source"] == "scimall" and row["first_seen_at"] and row["last_seen_at"] and row["detail"]
    # visible: the summary (apart from bulletin pages' failed_pages) and the health details
    assert summary1["failed_list_pages"] == 2 and summary1["failed_pages"] == 0
    assert list_failure_details(db)[-1]["failed_list_pages"] == 2
    assert summary1["bulletin_pages"] == 1 and summary1["page_states"] == {}

    # Run 2: page 1 holds only stored articles, so paging ends there. The retryable 503 record
    # is not fetched from page_states (it is no bulletin page) and stays.
    with FaultServer({**common, LIST: page(paged_list([1], page2)), page2: page(paged_list([2, 3])),
                      CHANNEL_6: status(404)}) as two:
        summary2, log2 = run_channels(two, tmp_path, "two")
        page2_hits_2 = len(two.hits(page2))
    assert summary2["errors"] == 0 and summary2["retried_failed_pages"] == 0 and page2_hits_2 == 0
    assert summary2["bulletin_pages"] == 0 and summary2["failed_list_pages"] == 1
    states = page_states(db)
    assert set(states) == {page2, CHANNEL_6} and states[page2]["attempts"] == 1 and states[CHANNEL_6]["attempts"] == 2

    # Run 3: a new article on page 1, so paging goes on to page 2, which reads now: its record
    # goes; the 404 channel stays recorded.
    with FaultServer({**common, LIST: page(paged_list([4, 1], page2)), page2: page(paged_list([2, 3])),
                      CHANNEL_6: status(404)}) as three:
        summary3, log3 = run_channels(three, tmp_path, "three")
        page2_hits_3 = len(three.hits(page2))
    assert summary3["errors"] == 0 and summary3["retried_failed_pages"] == 0
    assert page2_hits_3 == 1 and summary3["list_pages"] == 2 and summary3["bulletin_pages"] == 3
    states = page_states(db)
    assert set(states) == {CHANNEL_6} and states[CHANNEL_6]["attempts"] == 3, states
