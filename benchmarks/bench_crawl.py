"""Crawl throughput: pages per second per worker, end to end (fetch → parse → dedupe → store).

    python benchmarks/bench_crawl.py [--pages 1000] [--workers 1 2] [--database-url URL] [--redis-url URL]

Builds a synthetic site of PAGES article pages in a temporary folder — copies of the 13
scimall bulletin fixtures, each made unique (its sentences numbered, its WeChat ``mid``
changed) so every page stores new articles — plus list pages of 20 links, serves it with
the replay server (no delay: the bound is the worker, not the site), and crawls it with
`kexie crawl`: one process, or N workers on one Redis queue. Prints pages, seconds and
pages/s per run. Figures are wall-clock on this machine; run it, don't assert it.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kexie_scraper.replay import ReplayServer  # noqa: E402

BASE = "https://www.scimall.org.cn"
PER_LIST = 20


def build_site(root: Path, pages: int) -> None:
    source = sorted((ROOT / "fixtures" / "scimall").glob("article_71000*.html"))
    site = root / "scimall"
    site.mkdir(parents=True)
    meta = {"status": 200, "headers": {"Content-Type": "text/html; charset=utf-8"}, "synthetic": True}
    for n in range(pages):
        html = source[n % len(source)].read_text(encoding="utf-8")
        html = html.replace("。", f"。〔{n}〕").replace("mid=", f"mid={n}0")
        (site / f"a{n}.html").write_text(html, encoding="utf-8")
        (site / f"a{n}.meta.json").write_text(json.dumps({**meta, "url": f"{BASE}/article/detail?id={8000000 + n}"}))
    lists = (pages + PER_LIST - 1) // PER_LIST
    for p in range(1, lists + 1):
        links = "".join(f'<li><a href="/article/detail?id={8000000 + n}">第{n}篇</a> <span>2024-06-01</span></li>'
                        for n in range((p - 1) * PER_LIST, min(pages, p * PER_LIST)))
        nxt = f'<a rel="next" href="/channel/list?cid=5&amp;page={p + 1}">下一页</a>' if p < lists else ""
        (site / f"l{p}.html").write_text(f"<html><body><ul>{links}</ul>{nxt}</body></html>", encoding="utf-8")
        url = f"{BASE}/channel/list?cid=5" + (f"&page={p}" if p > 1 else "")
        (site / f"l{p}.meta.json").write_text(json.dumps({**meta, "url": url}))


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
    tmp = Path(tempfile.mkdtemp(prefix="kexie-bench-"))
    try:
        build_site(tmp / "site", args.pages)
        with ReplayServer(root=tmp / "site") as server:
            for n in args.workers:
                db = args.database_url or f"sqlite:///{tmp / f'run-{n}-{time.monotonic_ns()}.sqlite'}"
                pages, articles, seconds = crawl(server.url, n, db, args.redis_url if (n > 1 or args.redis_url) else None)
                print(json.dumps({"workers": n, "database": db.split(":")[0], "pages": pages, "articles_stored": articles,
                                  "seconds": round(seconds, 2), "pages_per_s": round(pages / seconds, 1),
                                  "pages_per_s_per_worker": round(pages / seconds / n, 1)}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
