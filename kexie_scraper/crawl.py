"""Running crawls through the real spiders and pipelines (used by `kexie demo|crawl`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from .items import Article, Bulletin

SUMMARY_KEYS = ("pages", "list_pages", "bulletin_pages", "bad_pages", "bulletins", "articles",
                "duplicates_dropped", "near_duplicates", "known_bulletins", "skipped_stored_pages", "blocked",
                "failed_pages", "failed_list_pages", "retried_failed_pages", "errors")
# The spider that runs last in the demo and in `crawl --all`: it fetches the 原文链接 the
# others stored (and the WeChat posts of a URL list).
LAST_SPIDERS = ("wechat",)


def output_settings(out_dir: Path, database_url: str | None = None, feeds: bool = True) -> dict[str, Any]:
    """JSON Lines feeds (appended, so repeated runs accumulate only new items) and the database
    (``out_dir/kexie.sqlite`` unless a URL is given)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    feed = {"format": "jsonlines", "encoding": "utf8", "overwrite": False}
    settings: dict[str, Any] = {"KEXIE_DATABASE_URL": database_url or f"sqlite:///{out_dir / 'kexie.sqlite'}"}
    if feeds:
        settings["FEEDS"] = {
            str(out_dir / "articles.jsonl"): {**feed, "item_classes": [Article]},
            str(out_dir / "bulletins.jsonl"): {**feed, "item_classes": [Bulletin]},
        }
    return settings


def replay_settings(replay_url: str) -> dict[str, Any]:
    """Crawl the local replay server of the fixture site, at full speed: its captcha pages
    need no real back-off either."""
    return {
        "KEXIE_REPLAY_URL": replay_url,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "KEXIE_RETRY_BACKOFF_BASE": 0.1,  # a local server: retries need not wait long
        "KEXIE_BLOCK_MIN_DELAY": 0.2,
        "KEXIE_BLOCK_PAUSE": 0,
    }


def project_settings(settings: dict[str, Any] | None = None) -> Settings:
    """The package's own settings, wherever the command runs (no scrapy.cfg needed)."""
    project = Settings()
    project.setmodule("kexie_scraper.settings", priority="project")
    if settings:
        project.setdict(settings, priority="cmdline")
    return project


def in_crawl_order(names) -> list[str]:
    """Sorted, with ``LAST_SPIDERS`` at the end: they read what the others stored."""
    return sorted(names, key=lambda name: (name in LAST_SPIDERS, name))


def spider_names() -> list[str]:
    """Every spider, in the order the demo runs them (``in_crawl_order``)."""
    from scrapy.spiderloader import SpiderLoader

    return in_crawl_order(SpiderLoader.from_settings(project_settings()).list())


def enabled_spiders(settings: dict[str, Any] | None = None) -> list[str]:
    from scrapy.spiderloader import SpiderLoader

    loader = SpiderLoader.from_settings(project_settings(settings or {}))
    return [name for name in in_crawl_order(loader.list()) if getattr(loader.load(name), "enabled", True)]


def demo_spider_args(name: str) -> dict[str, Any]:
    """Spider arguments of the demo beyond ``refetch``: the wechat spider fetches the originals
    collected in the store plus WeChat posts found elsewhere (a URL list, as a user would pass one)."""
    if name == "wechat":
        from .replay import FIXTURES_DIR

        return {"from_store": "1", "urls_file": str(FIXTURES_DIR / "wechat" / "urls.txt")}
    return {}


def run_spiders(jobs: list[tuple[str, dict[str, Any]]], settings: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Run spiders one after another in this process (one reactor); return stats by spider.

    One at a time, so the store and the feeds are never written by two crawlers at once,
    and a later source sees what an earlier one stored (cross-source dedupe).
    """
    from twisted.internet import defer

    process = CrawlerProcess(project_settings(settings))
    stats: dict[str, dict[str, Any]] = {}

    @defer.inlineCallbacks
    def one_after_another():
        for name, args in jobs:
            crawler = process.create_crawler(name)
            yield process.crawl(crawler, **args)
            stats[name] = dict(crawler.stats.get_stats())

    # CrawlerProcess.join() waits while any crawl is active; each next crawl starts
    # before the previous one is reported finished, so the reactor runs until the last.
    one_after_another()
    process.start()
    return stats


def run_spider(spider: str, settings: dict[str, Any], spider_args: dict[str, Any]) -> dict[str, Any]:
    """Run one spider to completion in this process; return its stats."""
    return run_spiders([(spider, spider_args)], settings)[spider]


def summary(stats: dict[str, Any]) -> dict[str, int]:
    states = {k.rsplit("/", 1)[-1]: v for k, v in stats.items() if k.startswith("kexie/page_state/")}
    return {
        "pages": int(stats.get("kexie/list_pages", 0)) + sum(states.values()),
        "list_pages": int(stats.get("kexie/list_pages", 0)),
        "bulletin_pages": sum(states.values()),
        "bad_pages": sum(v for k, v in states.items() if k != "ok"),
        "bulletins": int(stats.get("kexie/stored/bulletins", 0)),
        "articles": int(stats.get("kexie/stored/articles", 0)),
        "duplicates_dropped": int(stats.get("kexie/duplicates/articles", 0)),
        "near_duplicates": int(stats.get("kexie/duplicates/by_minhash", 0)),
        "known_bulletins": int(stats.get("kexie/duplicates/bulletins", 0)),
        "skipped_stored_pages": int(stats.get("kexie/skipped_stored_pages", 0)),
        "page_states": {k: int(v) for k, v in sorted(states.items()) if k != "ok"},
        "blocked": int(stats.get("kexie/blocked", 0)),
        # article page fetches that gave no article (an error page or a failed fetch), recorded in page_states
        "failed_pages": int(stats.get("kexie/stored/page_states", 0)),
        # list pages that could not be read (recorded in page_states as list_error until read again)
        "failed_list_pages": int(stats.get("kexie/failed_list_pages", 0)),
        # failures of earlier runs fetched again (retryable ones, from page_states)
        "retried_failed_pages": int(stats.get("kexie/retried_failed_pages", 0)),
        "errors": int(stats.get("log_count/ERROR", 0)),
    }


def add_summaries(parts: list[dict[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = {key: sum(int(p.get(key, 0)) for p in parts) for key in SUMMARY_KEYS}
    states: dict[str, int] = {}
    for part in parts:
        for state, n in (part.get("page_states") or {}).items():
            states[state] = states.get(state, 0) + int(n)
    total["page_states"] = dict(sorted(states.items()))
    return total


def export_jsonl(database_url: str, out_dir: Path) -> dict[str, int]:
    """Write the database's articles and bulletins as ``articles.jsonl`` / ``bulletins.jsonl``."""
    from .storage import open_store

    from .feeds import write_lines_atomically

    store = open_store(database_url)
    written = {}
    try:
        for name, rows in (("articles", store.iter_articles()), ("bulletins", store.iter_bulletins())):
            # via a temporary file and a rename: a kill leaves the old export or the new one
            written[name] = write_lines_atomically(out_dir / f"{name}.jsonl",
                                                   (json.dumps(row, ensure_ascii=False) for row in rows))
    finally:
        store.close()
    return written


def worker_command(spider: str, *, replay_url: str, run_id: str, worker_id: str, refetch: bool,
                   log_level: str = "WARNING", extra: list[str] | None = None) -> list[str]:
    """The `kexie crawl` command line of one worker of a distributed run.

    It carries no database or Redis URL: those may hold a password, and a command line is
    readable by every local user (``ps``, ``/proc/PID/cmdline``). They go in the worker's
    environment instead (``worker_environment``), which only its own user and root can read.
    """
    cmd = [sys.executable, "-m", "kexie_scraper.cli", "crawl", spider, "--replay", replay_url,
           "--run-id", run_id, "--worker-id", worker_id, "--no-feeds", "--log-level", log_level]
    return cmd + (["--refetch"] if refetch else []) + list(extra or [])


def worker_environment(database_url: str, redis_url: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a worker: ours, with the run's database and Redis URLs (which
    `kexie crawl` reads when no --database-url / --redis-url is given)."""
    env = dict(os.environ if base is None else base)
    env["KEXIE_DATABASE_URL"] = database_url
    env["KEXIE_REDIS_URL"] = redis_url
    return env


def run_workers(n: int, spider: str, *, replay_url: str, database_url: str, redis_url: str,
                refetch: bool, log_level: str = "WARNING", run_id: str | None = None,
                extra: list[str] | None = None, timeout: float = 600) -> tuple[str, list[dict[str, Any]]]:
    """Start ``n`` worker processes on one Redis queue and wait for them; return (run id, their summaries)."""
    run_id = run_id or f"demo-{uuid.uuid4().hex[:10]}"
    env = worker_environment(database_url, redis_url)
    procs = [
        subprocess.Popen(
            worker_command(spider, replay_url=replay_url, run_id=run_id, worker_id=f"w{i + 1}", refetch=refetch,
                           log_level=log_level, extra=extra),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for i in range(n)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"worker exited with {proc.returncode}: {err.strip()[-2000:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return run_id, results


def delete_run_keys(redis_url: str, run_id: str) -> int:
    """Drop every Redis key of a run (the demo's runs are throwaway)."""
    import redis

    server = redis.Redis.from_url(redis_url)
    keys = list(server.scan_iter(match=f"kexie:{run_id}:*", count=500))
    if keys:
        server.delete(*keys)
    return len(keys)


def total(summaries: list[dict[str, int]]) -> dict[str, int]:
    """Field-wise sum of several summaries."""
    return add_summaries(summaries)
