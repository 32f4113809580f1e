"""Running a crawl through the real spiders and pipelines (used by `kexie demo|crawl`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from .items import Article, Bulletin


def output_settings(out_dir: Path) -> dict[str, Any]:
    """JSON Lines feeds (appended, so repeated runs accumulate only new items) and SQLite."""
    out_dir.mkdir(parents=True, exist_ok=True)
    feed = {"format": "jsonlines", "encoding": "utf8", "overwrite": False}
    return {
        "FEEDS": {
            str(out_dir / "articles.jsonl"): {**feed, "item_classes": [Article]},
            str(out_dir / "bulletins.jsonl"): {**feed, "item_classes": [Bulletin]},
        },
        "KEXIE_STORE_URL": f"sqlite:///{out_dir / 'kexie.sqlite'}",
    }


def run_spider(spider: str, settings: dict[str, Any], spider_args: dict[str, Any]) -> dict[str, Any]:
    """Run one spider to completion in this process; return its stats."""
    return run_spiders([(spider, spider_args)], settings)[0]


def run_spiders(jobs: list[tuple[str, dict[str, Any]]], settings: dict[str, Any]) -> list[dict[str, Any]]:
    """Run spiders one after the other in this process (one reactor); return each one's stats.

    Sequential, not parallel: a later spider reads what the earlier ones stored (the wechat
    spider fetches the 原文链接 that the scimall spider collected).
    """
    from twisted.internet import defer

    # The package's own settings, wherever the command runs (no scrapy.cfg needed).
    project = Settings()
    project.setmodule("kexie_scraper.settings", priority="project")
    project.setdict(settings, priority="cmdline")
    process = CrawlerProcess(project)
    crawlers = [process.create_crawler(name) for name, _ in jobs]

    @defer.inlineCallbacks
    def one_after_another():
        for crawler, (_, args) in zip(crawlers, jobs):
            yield process.crawl(crawler, **args)

    one_after_another()
    process.start()
    return [dict(crawler.stats.get_stats()) for crawler in crawlers]


def merged(stats: list[dict[str, Any]]) -> dict[str, Any]:
    """The counters of several runs added up (for one summary line)."""
    total: dict[str, Any] = {}
    for one in stats:
        for key, value in one.items():
            if key.startswith(("kexie/", "log_count/")) and isinstance(value, (int, float)):
                total[key] = total.get(key, 0) + value
    return total


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
        "page_states": {k: int(v) for k, v in sorted(states.items()) if k != "ok"},
        "blocked": int(stats.get("kexie/blocked", 0)),
        "errors": int(stats.get("log_count/ERROR", 0)),
    }
