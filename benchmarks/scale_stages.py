"""Where the pipelines' time per article goes, and how each part grows with the store:

    python benchmarks/scale_stages.py N [--distinct]

Runs ``kexie_scraper.bench.scale`` on N articles with the store's lookups and writes
timed: µs per article in ``find_article`` (exact match by id or content hash),
``signature_candidates`` (the LSH candidate query), ``write_pages`` (the group commits),
``_save_signatures`` (the signatures and band rows, inside ``write_pages``),
``merge_bands`` (moving the recent band rows, after a commit) and ``neardup.signature``
(MinHash). Each is printed overall and for each tenth of the run (by articles looked up),
so one 100,000 run shows which part grows with the store (README, "What grows").
Writes to /tmp.
"""

from __future__ import annotations

import collections
import sys
import tempfile
import time
from pathlib import Path

from kexie_scraper import neardup
from kexie_scraper.bench import scale
from kexie_scraper.storage import sql

TIMED = ("find_article", "signature_candidates", "write_pages", "_save_signatures", "merge_bands")


def main(n: int, distinct: bool) -> None:
    tenth = max(1, n // 10)
    spent: collections.Counter = collections.Counter()
    calls: collections.Counter = collections.Counter()
    by_tenth: dict[str, list[float]] = collections.defaultdict(lambda: [0.0] * 10)
    looked_up = [0]  # articles that reached find_article: the run's position

    def timed(owner, name, label=None):
        method = getattr(owner, name)
        label = label or name

        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                took = time.perf_counter() - start
                spent[label] += took
                calls[label] += 1
                by_tenth[label][min(9, looked_up[0] // tenth)] += took
                if label == "find_article":
                    looked_up[0] += 1
        return wrapper

    for name in TIMED:
        setattr(sql.SQLStore, name, timed(sql.SQLStore, name))
    neardup.signature = timed(neardup, "signature", "minhash")
    with tempfile.TemporaryDirectory(prefix="kexie-stages-") as tmp:
        report = scale.run_scale(n, Path(tmp), distinct=distinct)
    print(f"n={n}{' distinct' if distinct else ''}: {report['us_per_article']} µs/article "
          f"(CPU {report['cpu_seconds'] / n * 1e6:.1f}), by tenth {report['us_per_article_by_tenth']}")
    for label in (*TIMED, "minhash"):
        tenths = " ".join(f"{t / tenth * 1e6:6.1f}" for t in by_tenth[label])
        print(f"  {label:22s} {spent[label] / n * 1e6:8.1f} µs/article ({calls[label]} calls); by tenth: {tenths}")


if __name__ == "__main__":
    main(int(sys.argv[1]), "--distinct" in sys.argv[2:])
