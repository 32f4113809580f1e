"""Per-crawler state shared by the dedupe and store pipelines and the spiders: one store,
the page batches being collected, and the finished pages waiting for their group commit."""

from __future__ import annotations

from collections import OrderedDict

from ..parsing.urls import canonical_url
from ..storage import PageBatch, Store, database_url, open_store

_ATTR = "_kexie_store"
_PAGES = "_kexie_pages"
_FINISHED = "_kexie_finished"


def crawler_store(crawler) -> Store:
    store = getattr(crawler, _ATTR, None)
    if store is None:
        store = open_store(database_url(crawler.settings))
        setattr(crawler, _ATTR, store)
    return store


def close_crawler_store(crawler) -> None:
    store = getattr(crawler, _ATTR, None)
    if store is not None:
        store.close()
        setattr(crawler, _ATTR, None)


def page_key(url: str | None) -> str:
    return canonical_url(url) if url else ""


def crawler_pages(crawler) -> "OrderedDict[str, PageBatch]":
    """Page URL → the batch being collected for it (oldest first)."""
    pages = getattr(crawler, _PAGES, None)
    if pages is None:
        pages = OrderedDict()
        setattr(crawler, _PAGES, pages)
    return pages


def page_batch(crawler, url: str | None) -> PageBatch:
    key = page_key(url)
    pages = crawler_pages(crawler)
    batch = pages.get(key)
    if batch is None:
        batch = pages[key] = PageBatch(url=key)
    return batch


def finished_pages(crawler) -> "list[tuple[str, PageBatch | None, str | None]]":
    """Pages whose ``PageDone`` arrived, not yet committed, oldest first: (page key, its
    batch, its request's in-flight token). Apart from ``crawler_pages``, so a page fetched
    again meanwhile (a retry) collects a batch of its own and is written once more."""
    finished = getattr(crawler, _FINISHED, None)
    if finished is None:
        finished = []
        setattr(crawler, _FINISHED, finished)
    return finished


def is_unwritten(crawler, key: str) -> bool:
    """The page's items are still in memory: being collected, or waiting for the commit."""
    return key in crawler_pages(crawler) or any(k == key for k, _, _ in finished_pages(crawler))
