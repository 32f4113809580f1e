"""Storage: the one place that writes SQL. ``open_store(url)`` picks the backend.

``sqlite:///PATH`` (the default) or ``postgresql+psycopg://USER@HOST:PORT/DB`` (plain
``postgresql://`` and ``postgres://`` mean the same: psycopg 3 is the driver shipped).
A PostgreSQL schema other than ``public`` is chosen the libpq way, in the URL:
``…/DB?options=-csearch_path%3Dmyschema``.
"""

from __future__ import annotations

from .base import ArticleFilter, PageBatch, PageResult, ReparseResult, Store
from .sql import SQLStore
from .sqlite import SQLiteStore

DEFAULT_DATABASE_URL = "sqlite:///kexie.sqlite"


def normalize_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    if url.startswith(("sqlite:///", "postgresql+psycopg://")):
        return url
    from ..redact import redact

    raise ValueError(f"unsupported database URL {redact(url)!r}: expected sqlite:///PATH or postgresql+psycopg://…")


def open_store(url: str) -> Store:
    return SQLStore(normalize_url(url))


def database_url(settings) -> str:
    """``KEXIE_DATABASE_URL``, or its alias ``KEXIE_STORE_URL`` (0.1's name) when that was set
    with a higher priority (e.g. ``-s KEXIE_STORE_URL=…`` on the command line)."""
    new, old = settings.get("KEXIE_DATABASE_URL"), settings.get("KEXIE_STORE_URL")
    if new and old:
        return old if settings.getpriority("KEXIE_STORE_URL") > settings.getpriority("KEXIE_DATABASE_URL") else new
    return new or old or DEFAULT_DATABASE_URL


__all__ = ["ArticleFilter", "ReparseResult", "Store", "PageBatch", "PageResult", "SQLStore", "SQLiteStore", "open_store", "database_url",
           "normalize_url", "DEFAULT_DATABASE_URL"]
