"""`kexie export`: the stored articles as JSON Lines, CSV or Parquet, filtered.

* ``jsonl``: one article per line in the shape of ``articles.jsonl`` (the article schema).
* ``csv``: UTF-8 with a byte-order mark, so Excel opens it with the Chinese intact; one
  column per field, the region flattened into ``province``, ``city``, ``county``,
  ``region_code``, ``region_former_name``; bodies keep their ``\\n`` inside quoted cells.
* ``parquet``: the same flat columns with types (``position`` int32, ``split_confidence``
  float64, the rest strings), via pyarrow (the ``export`` extra), written in row groups.
"""

from __future__ import annotations

import csv
import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator

from .storage.base import ARTICLE_COLUMNS, REGION_COLUMNS, ArticleFilter, article_row

FORMATS = ("jsonl", "csv", "parquet")
# The flat column order of CSV and Parquet: the article fields, region fields in its place.
FLAT_COLUMNS = tuple(
    c for c in ("id", "source", "bulletin_id", "bulletin_url", "bulletin_title", "position", "title", "body",
                "attribution", "org", *REGION_COLUMNS.values(), "published_at", "publisher", "original_url",
                "split_rule", "split_confidence", "content_hash", "crawled_at")
)
assert set(FLAT_COLUMNS) == set(ARTICLE_COLUMNS)
PARQUET_BATCH = 5000


def flat(article: dict[str, Any]) -> dict[str, Any]:
    row = article_row(article)
    return {k: row.get(k) for k in FLAT_COLUMNS}


@contextmanager
def _text_out(out: Path | None, encoding: str) -> Iterator[IO[str]]:
    if out is None:
        stream = sys.stdout
        if encoding == "utf-8-sig":
            stream.write("\ufeff")
        yield stream
        stream.flush()
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w", encoding=encoding, newline="") as fh:
            yield fh


def write_jsonl(articles, out: Path | None) -> int:
    n = 0
    with _text_out(out, "utf-8") as fh:
        for article in articles:
            fh.write(json.dumps(article, ensure_ascii=False) + "\n")
            n += 1
    return n


def write_csv(articles, out: Path | None) -> int:
    n = 0
    with _text_out(out, "utf-8-sig") as fh:
        writer = csv.DictWriter(fh, fieldnames=FLAT_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for article in articles:
            writer.writerow(flat(article))
            n += 1
    return n


def parquet_schema():
    import pyarrow as pa

    types = {"position": pa.int32(), "split_confidence": pa.float64()}
    return pa.schema([(name, types.get(name, pa.string())) for name in FLAT_COLUMNS])


def write_parquet(articles, out: Path) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise RuntimeError("Parquet needs pyarrow: pip install 'kexie-scraper[export]'") from exc
    schema = parquet_schema()
    out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        batch: list[dict[str, Any]] = []
        for article in articles:
            batch.append(flat(article))
            if len(batch) >= PARQUET_BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                n, batch = n + len(batch), []
        if batch or n == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            n += len(batch)
    return n


def export(database_url: str, fmt: str, out: Path | None, where: ArticleFilter | None = None,
           progress=None) -> int:
    """Write the filtered articles of the database; return how many."""
    from .storage import open_store

    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    if fmt == "parquet" and out is None:
        raise ValueError("Parquet is binary: give --out FILE")
    store = open_store(database_url)
    try:
        articles: Any = store.query_articles(where)
        if progress is not None and progress.enabled:
            articles = progress.iterate(articles, "export", total=store.count_articles(where))
        if fmt == "jsonl":
            return write_jsonl(articles, out)
        if fmt == "csv":
            return write_csv(articles, out)
        return write_parquet(articles, out)
    finally:
        store.close()
