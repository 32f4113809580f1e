"""The LSH band table alone: N reports' 25 random band keys inserted into SQLite, as the
store does (WAL, synchronous NORMAL, sorted multi-row INSERTs, a transaction per GROUP
pages of 5 reports), for three layouts of the table, straight or through a recent table:

    python benchmarks/band_inserts.py text|int|intint N GROUP [MERGE_ROWS [FRACTION]]

* ``text``: the v3–v5 table, ``(band_key TEXT, article_id TEXT)`` with a rowid;
* ``int``: a 64-bit integer key, ``WITHOUT ROWID``;
* ``intint``: an integer key and an integer signature id, ``WITHOUT ROWID`` (v6);
* ``MERGE_ROWS`` (v6 uses 50000): rows go to a small table of the same layout and are
  moved into the big one in key order, in one transaction, once that many are waiting;
* ``FRACTION`` (sixth session, not adopted): or once the waiting rows are 1/FRACTION of
  the rows already moved, whichever is more (README, "Sixth session").

Prints µs per report overall and per tenth of the run, and the file size: how the cost
of random B-tree inserts grows with the table (README, "What grows"). Writes to /tmp.
"""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
import sys
import time

LAYOUTS = {
    "text": "(band_key TEXT NOT NULL, article_id TEXT NOT NULL, PRIMARY KEY (band_key, article_id))",
    "int": "(band_key INTEGER NOT NULL, article_id TEXT NOT NULL, PRIMARY KEY (band_key, article_id)) WITHOUT ROWID",
    "intint": "(band_key INTEGER NOT NULL, sig INTEGER NOT NULL, PRIMARY KEY (band_key, sig)) WITHOUT ROWID",
}
PER_PAGE, BANDS = 5, 25


def main(layout: str, n: int, group: int, merge_rows: int = 0, fraction: int = 0) -> None:
    path = f"/tmp/kexie_band_inserts_{layout}_{n}_{group}_{merge_rows}.sqlite"
    _remove(path)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA wal_autocheckpoint=20000")  # as the store
    db.execute("CREATE TABLE b " + LAYOUTS[layout])  # fixed layouts above
    db.execute("CREATE TABLE recent " + LAYOUTS[layout])
    target = "INSERT INTO recent VALUES (?, ?)" if merge_rows else "INSERT INTO b VALUES (?, ?)"
    rnd = random.Random(1)
    pages = n // PER_PAGE
    tenth = max(1, pages // 10)
    start = last = time.perf_counter()
    tenths = []
    waiting = merged = 0
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
        db.executemany(target, sorted(rows))
        waiting += len(rows)
        if page % group == group - 1:
            db.execute("COMMIT")
            if merge_rows and waiting >= max(merge_rows, merged // fraction if fraction else 0):
                db.execute("BEGIN IMMEDIATE")
                db.execute("INSERT OR IGNORE INTO b SELECT * FROM recent ORDER BY 1, 2")
                db.execute("DELETE FROM recent")
                db.execute("COMMIT")
                merged += waiting
                waiting = 0
        if (page + 1) % tenth == 0:
            now = time.perf_counter()
            tenths.append(round((now - last) / (tenth * PER_PAGE) * 1e6))
            last = now
    if db.in_transaction:
        db.execute("COMMIT")
    db.close()
    took = time.perf_counter() - start
    print(f"{layout} n={n} group={group} merge={merge_rows} fraction={fraction}: {took / n * 1e6:.0f} µs/report, by tenth {tenths}, "
          f"{os.path.getsize(path) // 2**20} MB")
    _remove(path)


def _remove(path: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 0,
         int(sys.argv[5]) if len(sys.argv) > 5 else 0)
