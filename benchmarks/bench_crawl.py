"""Crawl throughput: pages per second per worker, end to end (fetch → parse → dedupe → store).

    python benchmarks/bench_crawl.py [--pages 1000] [--workers 1 2] [--database-url URL] [--redis-url URL]

Serves the benchmark mirror (``kexie_scraper.bench.mirror``: PAGES generated bulletin pages
of 20–60 KB, every report its own, plus list pages; in its own process, no delay: the
bound is the worker, not the site) and crawls it with `kexie crawl scimall`: one process,
or N workers on one Redis queue. Each run stores into an empty database: a fresh SQLite
file, or with a PostgreSQL ``--database-url`` a fresh schema of that database, dropped
afterwards. Prints pages, articles stored, seconds and pages/s per run. Figures are
wall-clock on this machine; run it, don't assert it.

(Until the fifth session this built its site from the 13 scimall fixtures, numbering their
sentences to make pages unique; since near-duplicate matching, those pages were
duplicates of each other and a run stored 39 articles out of ~2,600.)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kexie_scraper.bench.mirror import MirrorServer  # noqa: E402


@contextlib.contextmanager
def empty_database(url: str | None, tmp: Path):
    """A URL of an empty store: a new SQLite file, or a new schema of the PostgreSQL database."""
    if not url or url.startswith("sqlite"):
        yield f"sqlite:///{tmp / f'run-{time.monotonic_ns()}.sqlite'}"
        return
    from sqlalchemy import create_engine

    schema = f"bench_{uuid.uuid4().hex[:12]}"  # [0-9a-f] only: safe as an identifier
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        engine.dispose()


def crawl(server_url: str, workers: int, database_url: str, redis_url: str | None) -> tuple[int, int, float]:
    common = ["--replay", server_url, "--database-url", database_url, "--no-feeds", "--log-level", "ERROR",
              "--set", "CONCURRENT_REQUESTS=16", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]
    run = f"bench-{uuid.uuid4().hex[:8]}"
    cmds = []
    for i in range(workers):
        cmd = [sys.executable, "-m", "kexie_scraper.cli", "crawl", "scimall", *common]
        if redis_url:
            cmd += ["--redis-url", redis_url, "--run-id", run, "--worker-id", f"b{i}", "--set", "MAX_IDLE_TIME_BEFORE_CLOSE=1"]
        cmds.append(cmd)
    start = time.monotonic()
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for c in cmds]
    outs = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    elapsed = time.monotonic() - start
    if redis_url:
        from kexie_scraper.crawl import delete_run_keys

        delete_run_keys(redis_url, run)
        elapsed -= 1.0  # the idle wait before the workers stop
    return sum(o["pages"] for o in outs), sum(o["articles"] for o in outs), elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1])
    parser.add_argument("--database-url", help="default: a fresh SQLite file per run")
    parser.add_argument("--redis-url", help="needed for more than one worker")
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory(prefix="kexie-bench-") as tmp, MirrorServer(args.pages) as server:
        for n in args.workers:
            with empty_database(args.database_url, Path(tmp)) as db:
                pages, articles, seconds = crawl(server.url, n, db, args.redis_url if (n > 1 or args.redis_url) else None)
            print(json.dumps({"workers": n, "database": db.split(":")[0], "pages": pages, "articles_stored": articles,
                              "seconds": round(seconds, 2), "pages_per_s": round(pages / seconds, 1),
                              "pages_per_s_per_worker": round(pages / seconds / n, 1)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
