"""Crash safety: SIGKILL inside a page's database transaction leaves no partial bulletin
(SQLite and PostgreSQL); SQLite runs in WAL mode; the JSON Lines feeds never keep half a
line, whenever the process is killed."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from crawlrun import Worker, kill_at, snapshot
from kexie_scraper.feeds import SafeFileFeedStorage, repair_jsonl
from kexie_scraper.replay import ReplayServer
from kexie_scraper.storage import open_store

# Runs `kexie crawl`, and SIGKILLs itself inside the database transaction of the Nth page
# that has articles, right after the Kth statement of that page's writes (the bulletin and
# some of the page's articles are written, the commit is not). Pages are committed in
# groups (the store pipeline's group commit), so the transaction may hold whole pages
# written before the killed one: the marker file lists every page of the transaction.
KILLER = textwrap.dedent("""
    import os, signal, sys
    from kexie_scraper.storage import sql
    from kexie_scraper.cli import main

    page_no, statement_no, marker = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    original, original_group = sql.SQLStore._write_page, sql.SQLStore.write_pages
    pages, in_transaction = [0], []

    def write_pages(self, batches):
        in_transaction.clear()
        return original_group(self, batches)

    def write_page(self, conn, batch):
        in_transaction.append(batch.url)
        if batch.articles:
            pages[0] += 1
        if batch.articles and pages[0] == page_no:
            real, calls = conn.execute, [0]

            def execute(*args, **kwargs):
                result = real(*args, **kwargs)
                calls[0] += 1
                if calls[0] == statement_no:
                    with open(marker, "w") as fh:
                        fh.write("\\n".join(in_transaction))
                    os.kill(os.getpid(), signal.SIGKILL)
                return result

            conn.execute = execute
        return original(self, conn, batch)

    sql.SQLStore._write_page = write_page
    sql.SQLStore.write_pages = write_pages
    sys.exit(main(sys.argv[4:]))
""")


# Groups of 2 pages: page 4 is killed after a whole page of its own transaction was written,
# page 5 as the first page of its transaction.
@pytest.mark.parametrize("backend, page_no, statement_no", [("sqlite", 4, 3), ("sqlite", 5, 4), ("postgresql", 4, 3)])
def test_sigkill_inside_a_page_write_leaves_no_partial_bulletin(tmp_path, baseline, request, backend, page_no,
                                                                statement_no):
    db = f"sqlite:///{tmp_path / 'k.sqlite'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    marker = tmp_path / "killed_page"
    with ReplayServer() as server:
        args = ["crawl", "scimall", "--replay", server.url, "--database-url", db, "--no-feeds", "--log-level", "WARNING"]
        proc = subprocess.run([sys.executable, "-c", KILLER, str(page_no), str(statement_no), str(marker), *args,
                               "-s", "KEXIE_WRITE_GROUP_PAGES=2"], capture_output=True, text=True, timeout=180)
        assert proc.returncode == -9, proc.stderr[-2000:]
        killed_urls = marker.read_text().splitlines()
        assert killed_urls
        got, want = snapshot(db), baseline[1]
        # Nothing of the transaction being written: not the killed page's bulletin, article or
        # sighting, and nothing of the pages written before it in the same transaction.
        engine = create_engine(db)
        with engine.connect() as conn:
            for killed_url in killed_urls:
                left = conn.execute(text("SELECT count(*) FROM bulletins WHERE canonical_url = :u"), {"u": killed_url}).scalar()
                left += conn.execute(text("SELECT count(*) FROM article_urls WHERE url = :u"), {"u": killed_url}).scalar()
                assert left == 0, killed_url
        engine.dispose()
        # Every bulletin that is there has all its articles, exactly as an uninterrupted crawl.
        assert got["bulletins"] and set(got["bulletins"]) < set(want["bulletins"])
        for bulletin_id in got["bulletins"]:
            assert [a for a in got["articles"] if a[2] == bulletin_id] == [a for a in want["articles"] if a[2] == bulletin_id]
        # The next run completes the crawl: nothing lost, nothing twice.
        Worker(args + ["--refetch"], tmp_path, "again").result()
    assert snapshot(db) == want


def test_sqlite_runs_in_wal_mode(tmp_path):
    path = tmp_path / "k.sqlite"
    store = open_store(f"sqlite:///{path}")
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL: durable at checkpoints, safe in WAL
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 20000  # ~80 MB between checkpoints
    finally:
        store.close()
    # WAL is a property of the file: any later connection, ours or not, sees it.
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# --- JSON Lines ---------------------------------------------------------------------------
def test_a_partial_last_line_is_cut_off_before_appending(tmp_path, caplog):
    path = tmp_path / "articles.jsonl"
    path.write_bytes(b'{"id": 1}\n{"id": 2}\n{"id": 3, "body": "\xe5\xbe\xb7\xe9')  # killed mid-line, mid-character
    storage = SafeFileFeedStorage(str(path), feed_options={"overwrite": False})
    fh = storage.open(None)
    fh.write(b'{"id": 4}\n')
    storage.store(fh)
    assert path.read_bytes() == b'{"id": 1}\n{"id": 2}\n{"id": 4}\n'
    assert "partial last line" in caplog.text
    assert repair_jsonl(path) == 0  # whole lines: untouched
    path.write_bytes(b'{"id": 1, "no newline at all"')
    assert repair_jsonl(path) > 0 and path.read_bytes() == b""


SEED = int(os.environ.get("KEXIE_KILL_SEED") or random.SystemRandom().randrange(1_000_000))


def test_a_killed_crawl_never_leaves_half_a_json_line(tmp_path):
    """Kill a feed-writing crawl at random points, start it again each time: every line of
    both feeds is whole JSON, and the last run's summary is honest."""
    rng = random.Random(SEED)
    out = tmp_path / "out"
    with ReplayServer(delay=0.03) as server:
        args = ["crawl", "scimall", "--replay", server.url, "--out", str(out), "--log-level", "WARNING", "--refetch",
                "--jobdir", str(tmp_path / "job")]
        for i in range(3):
            served = sum(v for k, v in server.fetches.items() if not k.endswith("robots.txt"))
            kill_at(server, Worker(args, tmp_path, f"killed{i}"), served + rng.randint(2, 8), rng.uniform(0, 0.05))
            for name in ("articles.jsonl", "bulletins.jsonl"):
                path = out / name
                if path.exists():
                    data = path.read_bytes()
                    # Whole lines on disk after every kill (no repair needed before reading).
                    assert not data or data.endswith(b"\n"), f"seed={SEED}: {name} ends mid-line after kill {i}"
        Worker(args, tmp_path, "last").result()
    for name in ("articles.jsonl", "bulletins.jsonl"):
        lines = (out / name).read_text(encoding="utf-8").splitlines()
        assert lines, name
        for line in lines:
            json.loads(line)  # every line whole
