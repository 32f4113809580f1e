"""``parse_page`` latency on the mirror's pages alone, without crawling: seconds, not minutes.

    python -m kexie_scraper.bench.parse [--pages 1000] [--seed 6] [--sample 300] [--repeat 3]

The same sample and timing as ``kexie bench --pages``'s ``parse_ms_median`` (runner.
parse_timings: ``sample_pages(Mirror(pages, seed), sample)``, the median of ``repeat``
back-to-back parses of each page), plus each page's *first* parse. The two differ: the
parser keeps bounded caches of per-string answers (parsing/memo.py), and a page parsed
again finds its own paragraphs there, while a crawl parses each page once. The first
parse is the figure a crawl sees; the repeated one is the figure the benchmark reports.

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from ..parsing.page import parse_page
from .mirror import Mirror
from .runner import _per_page_ms, _percentile, sample_pages

CONTENT_TYPE = "text/html; charset=utf-8"


def _parse(page) -> None:
    parse_page(page.body, url=page.url, content_type=CONTENT_TYPE, source="scimall")


def parse_latency(pages: int = 1000, seed: int = 6, sample: int = 300, repeat: int = 3) -> dict:
    chosen = sample_pages(Mirror(pages, seed), sample)
    for page in chosen[:20]:  # the runner's warm-up: region tables, OpenCC, selectors
        _parse(page)
    first = _per_page_ms(_parse, chosen[20:], 1)  # pages not parsed before
    repeated = _per_page_ms(_parse, chosen, repeat)
    return {
        "parse_ms_median": round(statistics.median(repeated), 3),
        "parse_ms_p99": round(_percentile(repeated, 0.99), 3),
        "first_parse_ms_median": round(statistics.median(first), 3),
        "first_parse_ms_p99": round(_percentile(first, 0.99), 3),
        "parse_pages": len(chosen),
        "repeat": repeat,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1000, help="the mirror's bulletin pages (default 1000)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--sample", type=int, default=300, help="pages timed (default 300)")
    parser.add_argument("--repeat", type=int, default=3, help="timed parses per page, the median counts (default 3)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    report = parse_latency(args.pages, args.seed, args.sample, args.repeat)
    report["seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
