"""``parse_page`` latency on the mirror's pages alone, without crawling: seconds, not minutes.

    python -m kexie_scraper.bench.parse [--pages 1000] [--seed 6] [--sample 300] [--repeat 3]

The same figures as ``kexie bench --pages``'s ``parse_ms_median`` / ``parse_ms_p99``
(``runner.parse_timings``: each of ``sample`` pages parsed once, after 300 other pages of
the mirror, as a crawl parses it), plus ``back_to_back_ms_median``: a page parsed
``repeat`` times in a row, which the parser's per-string caches (parsing/memo.py) flatter
— the figure not to quote.

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from ..parsing.page import parse_page
from .mirror import Mirror
from .runner import _per_page_ms, parse_timings, sample_pages, warm_up_pages

CONTENT_TYPE = "text/html; charset=utf-8"


def _parse(page) -> None:
    parse_page(page.body, url=page.url, content_type=CONTENT_TYPE, source="scimall")


def parse_latency(pages: int = 1000, seed: int = 6, sample: int = 300, repeat: int = 3) -> dict:
    mirror = Mirror(pages, seed)
    chosen = sample_pages(mirror, sample)
    timings = parse_timings(chosen, warm_up_pages(mirror, chosen))
    return {
        "parse_ms_median": timings["parse_ms_median"],
        "parse_ms_p99": timings["parse_ms_p99"],
        # rounds over one page: that page parsed ``repeat`` times in a row
        "back_to_back_ms_median": round(statistics.median(_per_page_ms(_parse, [p], repeat)[0] for p in chosen), 3),
        "parse_pages": len(chosen),
        "parse_warm_up_pages": timings["parse_warm_up_pages"],
        "parse_wrong_article_count": timings["parse_wrong_article_count"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1000, help="the mirror's bulletin pages (default 1000)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--sample", type=int, default=300, help="pages timed (default 300)")
    parser.add_argument("--repeat", type=int, default=3, help="parses per page in the back-to-back figure (default 3)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    report = parse_latency(args.pages, args.seed, args.sample, args.repeat)
    report["seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
