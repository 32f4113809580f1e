"""A page's article rows inserted with RETURNING on SQLite: SQLAlchemy Core's multi-row
statement against ``storage.compiled.RowsReturning`` (the compiled statement run row by
row on the driver's cursor), alternating, in one process:

    python benchmarks/insert_returning.py [PAGES] [ROUNDS]

Prints µs per page of 5 articles (bodies of 800 characters) for each round. Writes to /tmp.
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid

from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from kexie_scraper.storage import open_store, schema
from kexie_scraper.storage.base import ARTICLE_COLUMNS
from kexie_scraper.storage.compiled import RowsReturning

COLUMNS = (*ARTICLE_COLUMNS, "first_seen_at")


def page(n: int = 5) -> list[dict]:
    rows = []
    for position in range(n):
        key = uuid.uuid4().hex
        row = {column: f"{column}-{key}" for column in COLUMNS}
        row.update(id=key, content_hash="h" + key, bulletin_id=None, position=position, split_confidence=0.9,
                   body="科协组织科技工作者深入基层开展科普活动。" * 40)
        rows.append(row)
    return rows


def main(pages: int = 400, rounds: int = 3) -> None:
    with tempfile.TemporaryDirectory(prefix="kexie-insert-") as tmp:
        store = open_store(f"sqlite:///{tmp}/k.sqlite")
        a = schema.articles
        core = sqlite_insert(a).on_conflict_do_nothing().returning(a.c.id)
        driver = RowsReturning(core, COLUMNS, store.engine.dialect)
        for r in range(rounds):
            timings = {}
            for how in ("core", "driver") if r % 2 == 0 else ("driver", "core"):
                batches = [page() for _ in range(pages)]
                start = time.perf_counter()
                with store.engine.begin() as conn:
                    for batch in batches:
                        if how == "core":
                            ids = set(conn.execute(core, batch).scalars())
                        else:
                            ids = {row[0] for row in driver.run(conn, batch)}
                        assert len(ids) == len(batch)
                timings[how] = (time.perf_counter() - start) / pages * 1e6
            print(f"round {r + 1}: Core {timings['core']:.0f} µs a page, RowsReturning {timings['driver']:.0f} µs "
                  f"({timings['driver'] / timings['core']:.2f})")
        store.close()


if __name__ == "__main__":
    main(*(int(x) for x in sys.argv[1:3]))
