"""Resume after SIGKILL, locally: `kexie crawl --jobdir DIR` killed at random points and
started again ends with exactly the articles of an uninterrupted crawl."""

from __future__ import annotations

import os
import random

import pytest

from crawlrun import Worker, count_articles, kill_at, snapshot
from kexie_scraper.replay import ReplayServer

SEED = int(os.environ.get("KEXIE_KILL_SEED") or random.SystemRandom().randrange(1_000_000))
RNG = random.Random(SEED)
# (pages served before the kill, extra seconds, kill the restarted process too?)
KILL_POINTS = [(RNG.randint(1, 15), round(RNG.uniform(0, 0.08), 3), i % 2 == 1) for i in range(6)]


@pytest.mark.parametrize("point", KILL_POINTS, ids=[f"kill{i}" for i in range(len(KILL_POINTS))])
def test_jobdir_crawl_killed_and_resumed_loses_and_doubles_nothing(tmp_path, baseline, point):
    pages, extra, twice = point
    db = f"sqlite:///{tmp_path / 'k.sqlite'}"
    with ReplayServer(delay=0.05) as server:
        args = ["crawl", "scimall", "--replay", server.url, "--database-url", db, "--jobdir", str(tmp_path / "job"),
                "--no-feeds", "--log-level", "WARNING"]
        killed = [kill_at(server, Worker(args, tmp_path, "first"), pages, extra)]
        before = count_articles(db)
        if twice:
            killed.append(kill_at(server, Worker(args, tmp_path, "second"), pages + 3, extra))
        Worker(args, tmp_path, "last").result()
    got, want = snapshot(db), baseline[1]
    context = f"seed={SEED} kill at {pages} pages +{extra}s, killed={killed}, articles at kill={before}"
    dups = len(got["articles"]) - len({a[1] for a in got["articles"]})
    print(f"\nresume {context}, after={len(got['articles'])}, duplicates={dups}")
    assert killed[0], context
    assert len(got["articles"]) == len({a[0] for a in got["articles"]}) == len({a[1] for a in got["articles"]})
    assert got == want, context
    assert len(got["articles"]) == 52 and len(got["bulletins"]) == 13


def test_a_finished_jobdir_crawl_leaves_the_directory_ready_for_the_next_run(tmp_path):
    db = f"sqlite:///{tmp_path / 'k.sqlite'}"
    with ReplayServer() as server:
        args = ["crawl", "scimall", "--replay", server.url, "--database-url", db, "--jobdir", str(tmp_path / "job"),
                "--no-feeds", "--log-level", "WARNING"]
        first = Worker(args, tmp_path, "first").result()
        second = Worker(args, tmp_path, "second").result()  # a new run, incremental: one list page
    assert first["articles"] == 52 and first["list_pages"] == 2
    assert (second["list_pages"], second["bulletin_pages"], second["skipped_stored_pages"]) == (1, 0, 7)
