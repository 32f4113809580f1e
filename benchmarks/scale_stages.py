"""Where the pipelines' time per article goes, and how each part grows with the store:

    python benchmarks/scale_stages.py N [--distinct]

Runs ``kexie_scraper.bench.scale`` on N articles with the store's lookups and writes
timed: µs per article in ``find_article`` (exact match by id or content hash),
``signature_candidates`` (the LSH candidate query), ``write_pages`` (the group commits)
and ``_save_signatures`` (the signatures and band rows, inside ``write_pages``). Run it at
10,000 and 100,000 to see which part grows (README, "What grows"). Writes to /tmp.
"""

from __future__ import annotations

import collections
import sys
import tempfile
import time
from pathlib import Path

from kexie_scraper.bench import scale
from kexie_scraper.storage import sql

TIMED = ("find_article", "signature_candidates", "write_pages", "_save_signatures")


def main(n: int, distinct: bool) -> None:
    spent: collections.Counter = collections.Counter()
    calls: collections.Counter = collections.Counter()

    def timed(name):
        method = getattr(sql.SQLStore, name)

        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - start
                calls[name] += 1
        return wrapper

    for name in TIMED:
        setattr(sql.SQLStore, name, timed(name))
    with tempfile.TemporaryDirectory(prefix="kexie-stages-") as tmp:
        report = scale.run_scale(n, Path(tmp), distinct=distinct)
    print(f"n={n}{' distinct' if distinct else ''}: {report['us_per_article']} µs/article "
          f"(CPU {report['cpu_seconds'] / n * 1e6:.1f}), by tenth {report['us_per_article_by_tenth']}")
    for name in TIMED:
        print(f"  {name:22s} {spent[name] / n * 1e6:8.1f} µs/article  ({calls[name]} calls)")


if __name__ == "__main__":
    main(int(sys.argv[1]), "--distinct" in sys.argv[2:])
