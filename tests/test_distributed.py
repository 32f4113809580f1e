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


def test_demo_with_workers(tmp_path, pg_url, redis_url):
    import json
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "kexie_scraper.cli", "demo", "--out", str(tmp_path), "--workers", "3",
                          "--database-url", pg_url, "--redis-url", redis_url], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    # Exactly what one SQLite process stores over every source's fixture site (test_demo_end_to_end).
    # (the wechat spider last, on the originals the others stored and fixtures/wechat/urls.txt)
    assert (report["bulletins"], report["articles"], report["duplicates_dropped"]) == (57, 105, 57)
    assert report["near_duplicates"] == 2 and list(report["sources"])[-1] == "wechat"
    assert report["stored_total"]["articles"] == 105 and report["pages_fetched_twice"] == 0
    assert report["exported"] == {"articles": 105, "bulletins": 57}
    lines = (tmp_path / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 105 and all(json.loads(x)["region"] for x in lines)


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
