"""One store per crawler, shared by the dedupe and store pipelines."""

from __future__ import annotations

from ..storage import Store, open_store

DEFAULT_STORE_URL = "sqlite:///kexie.sqlite"
_ATTR = "_kexie_store"


def crawler_store(crawler) -> Store:
    store = getattr(crawler, _ATTR, None)
    if store is None:
        store = open_store(crawler.settings.get("KEXIE_STORE_URL") or DEFAULT_STORE_URL)
        setattr(crawler, _ATTR, store)
    return store


def close_crawler_store(crawler) -> None:
    store = getattr(crawler, _ATTR, None)
    if store is not None:
        store.close()
        setattr(crawler, _ATTR, None)
