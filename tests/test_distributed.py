"""N worker processes on one Redis queue (scrapy-redis) and one PostgreSQL database.

Needs the real services: skips when they are unreachable, fails when
KEXIE_REQUIRE_SERVICES=1 (CI)."""

from __future__ import annotations

import os
import random

import pytest

from crawlrun import Worker, count_articles, kill_at, page_fetches, snapshot
from kexie_scraper.crawl import add_summaries
from kexie_scraper.replay import ReplayServer


def worker_args(server, db, redis, run, worker_id, *extra):
    return ["crawl", "scimall", "--replay", server.url, "--database-url", db, "--redis-url", redis,
            "--run-id", run, "--worker-id", worker_id, "--no-feeds", "--log-level", "WARNING", *extra]


def wait_for_workers(redis_url, run_id, n, timeout=60):
    """Until ``n`` workers of the run have a heartbeat (they set it before their first request)."""
    import time

    import redis

    server = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    while len(list(server.scan_iter(match=f"kexie:{run_id}:scimall:workers:*"))) < n:
        assert time.monotonic() < deadline, "workers did not start"
        time.sleep(0.05)


def test_three_workers_share_one_crawl(tmp_path, pg_url, redis_url, run_id, baseline):
    import threading

    gate = threading.Event()
    with ReplayServer(delay=0.2, gate=gate) as server:
        workers = [Worker(worker_args(server, pg_url, redis_url, run_id, f"w{i}"), tmp_path, f"w{i}") for i in (1, 2, 3)]
        wait_for_workers(redis_url, run_id, 3)
        gate.set()  # all three are up: let the crawl begin, so that sharing is not left to start-up timing
        parts = [w.result() for w in workers]
        fetches = page_fetches(server)
    total = add_summaries(parts)
    single = baseline[0]
    # Every page fetched once, by one of the workers.
    assert len(fetches) == 16 and set(fetches.values()) == {1}, fetches
    print("\npages per worker:", [p["pages"] for p in parts])
    assert total["pages"] == 16 and sum(1 for p in parts if p["pages"]) >= 2, parts
    # Every article stored once; the same totals and the same articles as one SQLite process.
    for key in ("bulletins", "articles", "duplicates_dropped", "known_bulletins", "pages", "bad_pages", "errors"):
        assert total[key] == single[key], (key, total, single)
    assert (total["bulletins"], total["articles"], total["duplicates_dropped"]) == (13, 52, 6)
    got = snapshot(pg_url)
    assert got == baseline[1]
    assert len({a[1] for a in got["articles"]}) == len(got["articles"]) == 52


def with_password(url: str, password: str) -> str:
    """``url`` with a password for its user (the test server trusts 127.0.0.1: it is ignored)."""
    scheme, rest = url.split("://", 1)
    user, host = rest.split("@", 1)
    return f"{scheme}://{user}:{password}@{host}"


def command_lines() -> dict[int, str]:
    """Every process's command line, as any local user sees it (``ps``)."""
    lines = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    lines[int(entry)] = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
            except OSError:  # gone meanwhile
                pass
    return lines


def test_demo_with_workers(tmp_path, pg_url, redis_url):
    import json
    import subprocess
    import sys
    import time

    secret = "s3cret-" + os.urandom(4).hex()
    db_url = with_password(pg_url, secret)
    args = [sys.executable, "-m", "kexie_scraper.cli", "demo", "--out", str(tmp_path), "--workers", "3",
            "--database-url", db_url, "--redis-url", redis_url]
    demo = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Watch the process list while it runs: the workers are there, and none shows the password.
    workers_seen, leaks = set(), []
    deadline = time.monotonic() + 300
    while demo.poll() is None and time.monotonic() < deadline:
        for pid, line in command_lines().items():
            if line.split() == args:
                # the demo's own command line holds what the user typed (and so does a child
                # for the moment between fork and exec)
                continue
            if "kexie_scraper.cli crawl" in line:
                workers_seen.add(pid)
            if secret in line:
                leaks.append(line)
        time.sleep(0.05)
    out, err = demo.communicate(timeout=60)
    assert demo.returncode == 0, err[-3000:]
    assert len(workers_seen) >= 3 and not leaks, leaks
    report = json.loads(out.strip().splitlines()[-1])
    # Exactly what one SQLite process stores over every source's fixture site (test_demo_end_to_end).
    # (the wechat spider last, on the originals the others stored and fixtures/wechat/urls.txt)
    assert (report["bulletins"], report["articles"], report["duplicates_dropped"]) == (57, 105, 57)
    assert report["near_duplicates"] == 2 and list(report["sources"])[-1] == "wechat"
    assert report["stored_total"]["articles"] == 105 and report["pages_fetched_twice"] == 0
    assert report["exported"] == {"articles": 105, "bulletins": 57}
    assert secret not in out and secret not in err
    lines = (tmp_path / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 105 and all(json.loads(x)["region"] for x in lines)


def test_worker_command_lines_carry_no_database_or_redis_url(monkeypatch):
    """The URLs (passwords and all) reach the workers through their environment, never argv."""
    import subprocess

    from kexie_scraper import crawl

    db = "postgresql+psycopg://kexie:pg-secret@db.internal:5432/kexie"
    redis = "redis://:redis-secret@redis.internal:6379/0"
    started = []

    class FakeWorker:
        returncode = 0

        def __init__(self, args, **kwargs):
            started.append((args, kwargs.get("env")))

        def communicate(self, timeout=None):
            return '{"pages": 1}\n', ""

    monkeypatch.setattr(subprocess, "Popen", FakeWorker)
    monkeypatch.setenv("KEXIE_DATABASE_URL", "sqlite:///elsewhere.sqlite")
    run_id, parts = crawl.run_workers(2, "scimall", replay_url="http://127.0.0.1:9", database_url=db,
                                      redis_url=redis, refetch=True, extra=["-a", "x=1"])
    assert len(started) == 2 and parts == [{"pages": 1}, {"pages": 1}]
    for args, env in started:
        line = " ".join(args)
        assert "secret" not in line and "--database-url" not in line and "--redis-url" not in line, line
        assert args[3:5] == ["crawl", "scimall"] and "--replay" in args and run_id in args
        assert env["KEXIE_DATABASE_URL"] == db and env["KEXIE_REDIS_URL"] == redis
    # and `kexie crawl` takes them from there: its parser has no default that would win
    from kexie_scraper.cli import _env, build_parser

    parsed = build_parser().parse_args(started[0][0][3:])
    assert parsed.database_url is None and parsed.redis_url is None
    monkeypatch.setenv("KEXIE_DATABASE_URL", db)
    assert _env(parsed.database_url, "KEXIE_DATABASE_URL") == db


def test_workers_need_redis(tmp_path):
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "KEXIE_REDIS_URL"}
    run = subprocess.run([sys.executable, "-m", "kexie_scraper.cli", "demo", "--out", str(tmp_path), "--workers", "2"],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 1 and "--redis-url" in run.stderr


SEED = int(os.environ.get("KEXIE_KILL_SEED") or random.SystemRandom().randrange(1_000_000))
RNG = random.Random(SEED)
# (pages served before the kill, extra seconds, which worker dies)
KILL_POINTS = [(RNG.randint(1, 15), round(RNG.uniform(0, 0.08), 3), RNG.choice(("w1", "w2", "w3"))) for _ in range(5)]


@pytest.mark.parametrize("point", KILL_POINTS, ids=[f"kill{i}" for i in range(len(KILL_POINTS))])
def test_a_worker_killed_mid_crawl_and_restarted(tmp_path, pg_url, redis_url, run_id, baseline, point):
    pages, extra, victim = point
    with ReplayServer(delay=0.05) as server:
        workers = {w: Worker(worker_args(server, pg_url, redis_url, run_id, w), tmp_path, w) for w in ("w1", "w2", "w3")}
        killed = kill_at(server, workers[victim], pages, extra)
        before = count_articles(pg_url)
        # Started again under its id, it takes its in-flight requests back at once.
        workers[victim] = Worker(worker_args(server, pg_url, redis_url, run_id, victim), tmp_path, victim + "-again")
        parts = [w.result() for w in workers.values()]
    got = snapshot(pg_url)
    context = f"seed={SEED} killed {victim} at {pages} pages +{extra}s (killed={killed}), articles at kill={before}"
    dups = len(got["articles"]) - len({a[1] for a in got["articles"]})
    print(f"\ndistributed {context}, after={len(got['articles'])}, duplicates={dups}, stored by the "
          f"survivors+restart={sum(p['articles'] for p in parts)}")
    assert killed, context
    assert got == baseline[1], context
    assert len({a[1] for a in got["articles"]}) == len(got["articles"]) == 52
