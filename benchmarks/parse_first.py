"""``parse_page``'s first parse of each page, the way a crawl parses it — on any commit.

    PYTHONPATH=/path/to/checkout python benchmarks/parse_first.py LABEL

Warms the parser on 600 mirror pages, then times each of 300 other pages once (median,
p99). It uses only what every commit since the benchmark has (``Mirror``,
``runner.sample_pages``, ``parse_page``), so two checkouts can be compared in one sitting,
alternating: the figure the README's benchmark table gives for the commit before and now.
"""

from __future__ import annotations

import statistics
import sys
import time

from kexie_scraper.bench.mirror import Mirror
from kexie_scraper.bench.runner import _percentile, sample_pages
from kexie_scraper.parsing.page import parse_page


def main(label: str) -> None:
    mirror = Mirror(1000, 6)
    sample = sample_pages(mirror, 300)
    chosen = {page.url for page in sample}
    others = [page for page in (mirror.article(i) for i in mirror.article_ids()) if page.url not in chosen][:600]

    def parse(page):
        return parse_page(page.body, url=page.url, content_type="text/html; charset=utf-8", source="scimall")

    for page in others:
        parse(page)
    times = []
    for page in sample:
        start = time.perf_counter()
        parse(page)
        times.append((time.perf_counter() - start) * 1e3)
    print(f"{label}: first parse after {len(others)} other pages: median {statistics.median(times):.3f} ms, "
          f"p99 {_percentile(times, 0.99):.3f} ms ({len(times)} pages)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "this checkout")
