"""The LSH band table alone: N reports' 25 random band keys inserted into SQLite, as the
store does (WAL, synchronous NORMAL, sorted multi-row INSERTs, a transaction per GROUP
pages of 5 reports), for three layouts of the table:

    python benchmarks/band_inserts.py text|int|intint N GROUP

* ``text``: today's table, ``(band_key TEXT, article_id TEXT)`` with a rowid;
* ``int``: a 64-bit integer key, ``WITHOUT ROWID``;
* ``intint``: an integer key and an integer article reference, ``WITHOUT ROWID``.

Prints µs per report overall and per tenth of the run, and the file size: how the cost
of random B-tree inserts grows with the table (README, Benchmark). Writes to /tmp.
"""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
import sys
import time

LAYOUTS = {
    "text": "CREATE TABLE b (band_key TEXT NOT NULL, article_id TEXT NOT NULL, PRIMARY KEY (band_key, article_id))",
    "int": "CREATE TABLE b (band_key INTEGER NOT NULL, article_id TEXT NOT NULL, "
           "PRIMARY KEY (band_key, article_id)) WITHOUT ROWID",
    "intint": "CREATE TABLE b (band_key INTEGER NOT NULL, sig INTEGER NOT NULL, PRIMARY KEY (band_key, sig)) WITHOUT ROWID",
}
PER_PAGE, BANDS = 5, 25


def main(layout: str, n: int, group: int) -> None:
    path = f"/tmp/kexie_band_inserts_{layout}_{n}_{group}.sqlite"
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(LAYOUTS[layout])
    rnd = random.Random(1)
    pages = n // PER_PAGE
    tenth = max(1, pages // 10)
    start = last = time.perf_counter()
    tenths = []
    for page in range(pages):
        if page % group == 0:
            db.execute("BEGIN IMMEDIATE")
        rows = []
        for k in range(PER_PAGE):
            i = page * PER_PAGE + k
            aid = hashlib.sha1(str(i).encode()).hexdigest()[:32]
            for band in range(BANDS):
                h = rnd.getrandbits(63)
                rows.append((f"{band}:{h:016x}", aid) if layout == "text" else (h, aid) if layout == "int" else (h, i))
        db.executemany("INSERT INTO b VALUES (?, ?)", sorted(rows))
        if page % group == group - 1:
            db.execute("COMMIT")
        if (page + 1) % tenth == 0:
            now = time.perf_counter()
            tenths.append(round((now - last) / (tenth * PER_PAGE) * 1e6))
            last = now
    if db.in_transaction:
        db.execute("COMMIT")
    db.close()
    took = time.perf_counter() - start
    print(f"{layout} n={n} group={group}: {took / n * 1e6:.0f} µs/report, by tenth {tenths}, "
          f"{os.path.getsize(path) // 2**20} MB")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
