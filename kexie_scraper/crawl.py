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
    # The package's own settings, wherever the command runs (no scrapy.cfg needed).
    project = Settings()
    project.setmodule("kexie_scraper.settings", priority="project")
    project.setdict(settings, priority="cmdline")
    process = CrawlerProcess(project)
    crawler = process.create_crawler(spider)
    process.crawl(crawler, **spider_args)
    process.start()
    return dict(crawler.stats.get_stats())


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
