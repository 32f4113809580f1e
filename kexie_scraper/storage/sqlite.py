"""SQLite, the embedded default: the SQLAlchemy store on a file path (name kept from 0.1)."""

from __future__ import annotations

from .sql import SQLStore


class SQLiteStore(SQLStore):
    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"sqlite:///{path}")
