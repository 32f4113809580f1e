"""The item pipelines alone on N generated articles, in its own process (`kexie bench --scale`).

    python -m kexie_scraper.bench.scale N --out DIR [--seed S] [--distinct]

Streams N synthetic articles (and one bulletin per five) through normalize → dedupe →
store (SQLite in ``DIR``) with no network and no parsing, and prints one JSON line:
wall and CPU seconds spent in the pipelines (µs per article overall and in each tenth of
the run), peak RSS of this process, and how many keys the dedupe pipeline holds in RAM.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .mirror import synthetic_items
from .phase import peak_rss_mb


def current_rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_scale(n: int, out_dir: Path, seed: int = 6, distinct: bool = False) -> dict:
    from scrapy.exceptions import DropItem
    from scrapy.utils.test import get_crawler

    from ..items import Article, PageDone
    from ..pipelines import DedupePipeline, NormalizePipeline, StorePipeline

    out_dir.mkdir(parents=True, exist_ok=True)
    store = out_dir / f"scale_{n}.sqlite"
    for stale in out_dir.glob(store.name + "*"):
        stale.unlink()
    crawler = get_crawler(settings_dict={"KEXIE_STORE_URL": f"sqlite:///{store}"})
    dedupe = DedupePipeline.from_crawler(crawler)
    stages = [NormalizePipeline(), dedupe, StorePipeline.from_crawler(crawler)]
    rss_start = current_rss_mb()
    spent = cpu = 0.0
    kept = dropped = articles = 0
    tenths: list[float] = []  # µs per article in each tenth of the run: flat if time is linear
    cpu_tenths: list[float] = []
    tenth_spent = tenth_cpu = 0.0
    tenth_size = max(1, n // 10)
    clock, cpu_clock = time.perf_counter, time.process_time
    wall = clock()
    for item in synthetic_items(n, seed, page_done=True, distinct=distinct):
        start, start_cpu = clock(), cpu_clock()
        marker = isinstance(item, PageDone)
        try:
            for stage in stages:
                item = stage.process_item(item)
            kept += 1
        except DropItem:
            dropped += not marker
        took, took_cpu = clock() - start, cpu_clock() - start_cpu
        spent += took
        cpu += took_cpu
        tenth_spent += took
        tenth_cpu += took_cpu
        if isinstance(item, Article):
            articles += 1
            if articles % tenth_size == 0:
                tenths.append(round(tenth_spent / tenth_size * 1e6, 1))
                cpu_tenths.append(round(tenth_cpu / tenth_size * 1e6, 1))
                tenth_spent = tenth_cpu = 0.0
    start, start_cpu = clock(), cpu_clock()
    stages[-1].close_spider()
    spent += clock() - start
    cpu += cpu_clock() - start_cpu
    seen = getattr(dedupe, "seen_articles", ())
    return {
        "n": n,
        "seconds": round(spent, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "rss_start_mb": round(rss_start, 1),
        "us_per_article": round(spent / n * 1e6, 1),
        "cpu_seconds": round(cpu, 3),
        "us_per_article_by_tenth": tenths,
        "cpu_us_per_article_by_tenth": cpu_tenths,
        "wall_seconds": round(clock() - wall, 3),
        "items_kept": kept,
        "items_dropped": dropped,
        "seen_keys_in_ram": len(seen) + len(getattr(dedupe, "seen_bulletins", ())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kexie_scraper.bench.scale")
    parser.add_argument("n", type=int)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--distinct", action="store_true",
                        help="reports as unlike as real ones (a random tail each; see mirror.synthetic_items)")
    args = parser.parse_args(argv)
    print(json.dumps(run_scale(args.n, Path(args.out), args.seed, args.distinct)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
