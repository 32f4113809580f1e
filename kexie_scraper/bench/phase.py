"""One crawl phase of `kexie bench --pages`, run in its own process (fresh reactor, own RSS).

    python -m kexie_scraper.bench.phase raw|parse|pipelines|full --replay http://127.0.0.1:PORT --out DIR

* ``raw``: the same settings and list-page logic as the real spider, but the bulletin
  callback drops the body: what Scrapy itself costs per page.
* ``parse``: the real ``scimall`` spider and parser; its items go through Scrapy's item
  machinery to no pipeline and no feed: what parsing and Scrapy's per-item path add.
* ``pipelines``: as ``full`` without the feeds: what normalize → dedupe → store add.
* ``full``: the real ``scimall`` spider, parser, normalize → dedupe → SQLite store and the
  JSON Lines feeds, into ``DIR``.

The differences between the phases of one run are the cost of each stage, measured on
the same crawl (``kexie bench --pages``: ``ms_per_page``).

Prints one JSON line: pages fetched, seconds from spider open to spider closed (all
responses handled, all items through the pipelines, the last pages committed), pages/s, the stats that show the
work was done, and this process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from scrapy import signals

from ..crawl import output_settings, run_spider, summary
from ..spiders.scimall import ScimallSpider


class RawScimallSpider(ScimallSpider):
    """The scimall spider with a bulletin callback that only drops the body."""

    name = "scimall_raw"

    def parse_article(self, response, **kwargs):  # kwargs: the base passes list_title
        return None


class BenchClock:
    """Extension: wall time from spider open to ``spider_closed`` — after the item pipelines
    closed, so the store's last group commit counts — and pages fetched."""

    def __init__(self, crawler) -> None:
        self.stats = crawler.stats
        self.opened = None
        self.pages = 0
        crawler.signals.connect(self.spider_opened, signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signals.spider_closed)
        crawler.signals.connect(self.response_received, signals.response_received)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider) -> None:
        self.opened = time.perf_counter()

    def response_received(self, response, request, spider) -> None:
        if not response.url.endswith("/robots.txt"):
            self.pages += 1
            self.stats.set_value("bench/pages", self.pages)
            now = time.perf_counter() - self.opened
            if self.pages == 1:
                self.stats.set_value("bench/first_response_s", round(now, 3))
            self.stats.set_value("bench/last_response_s", round(now, 3))

    def spider_closed(self, spider, reason) -> None:
        self.stats.set_value("bench/seconds", time.perf_counter() - self.opened)


def peak_rss_mb() -> float:
    """Peak resident set of this process (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


PHASES = ("raw", "parse", "pipelines", "full")


def crawl_settings(replay_url: str, out_dir: Path, concurrency: int, feeds: bool = True) -> dict:
    """What the phases share: the demo's offline settings, unthrottled, quiet."""
    return {
        **output_settings(out_dir, feeds=feeds),
        "KEXIE_REPLAY_URL": replay_url,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "LOG_LEVEL": "WARNING",
        "EXTENSIONS": {"kexie_scraper.bench.phase.BenchClock": 0},
    }


def run_phase(phase: str, replay_url: str, out_dir: Path, concurrency: int = 8) -> dict:
    spider = RawScimallSpider if phase == "raw" else "scimall"
    settings = crawl_settings(replay_url, out_dir, concurrency, feeds=phase in ("raw", "full"))
    if phase == "parse":
        settings["ITEM_PIPELINES"] = {}
    stats = run_spider(spider, settings, {})
    seconds = float(stats.get("bench/seconds") or 0.0)
    pages = int(stats.get("bench/pages", 0))
    return {
        **summary(stats),
        "phase": phase,
        "pages": pages,
        "seconds": round(seconds, 3),
        "pages_per_s": round(pages / seconds, 1) if seconds else None,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "responses_200": int(stats.get("downloader/response_status_count/200", 0)),
        "items_scraped": int(stats.get("item_scraped_count", 0)),
        "first_response_s": stats.get("bench/first_response_s"),
        "last_response_s": stats.get("bench/last_response_s"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kexie_scraper.bench.phase")
    parser.add_argument("phase", choices=PHASES)
    parser.add_argument("--replay", required=True, help="base URL of the mirror server")
    parser.add_argument("--out", required=True, help="folder for the SQLite store and feeds")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    print(json.dumps(run_phase(args.phase, args.replay, Path(args.out), args.concurrency)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
