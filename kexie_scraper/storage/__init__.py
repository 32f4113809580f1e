"""Storage: the one place that writes SQL. ``open_store(url)`` picks the backend."""

from __future__ import annotations

from .base import Store
from .sqlite import SQLiteStore


def open_store(url: str) -> Store:
    """``sqlite:///path/to/file.sqlite`` (default backend) or ``sqlite:///:memory:``."""
    if url.startswith("sqlite:///"):
        return SQLiteStore(url[len("sqlite:///"):])
    raise ValueError(f"unsupported store URL {url!r}: expected sqlite:///PATH")


__all__ = ["Store", "SQLiteStore", "open_store"]
