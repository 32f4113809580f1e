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
    return run_spiders([(spider, spider_args)], settings)[spider]


def run_spiders(jobs: list[tuple[str, dict[str, Any]]], settings: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Run spiders one after another in this process (one reactor); return stats by spider.

    One at a time, so the store and the feeds are never written by two crawlers at once,
    and a later source sees what an earlier one stored (cross-source dedupe).
    """
    from twisted.internet import defer

    project = project_settings()
    project.setdict(settings, priority="cmdline")
    process = CrawlerProcess(project)
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


def project_settings() -> Settings:
    """The package's own settings, wherever the command runs (no scrapy.cfg needed)."""
    project = Settings()
    project.setmodule("kexie_scraper.settings", priority="project")
    return project


def spider_names() -> list[str]:
    from scrapy.spiderloader import SpiderLoader

    return SpiderLoader.from_settings(project_settings()).list()


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
        "known_bulletins": int(stats.get("kexie/duplicates/bulletins", 0)),
        "errors": int(stats.get("log_count/ERROR", 0)),
    }


def total(summaries: list[dict[str, int]]) -> dict[str, int]:
    """Field-wise sum of several summaries."""
    keys = summaries[0].keys() if summaries else summary({}).keys()
    return {k: sum(s[k] for s in summaries) for k in keys}
