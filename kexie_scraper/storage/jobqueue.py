"""The resumable request queue of a local crawl: one SQLite file in the job directory.

Used by ``kexie_scraper.scheduling.JobdirScheduler`` (kept here because this package is
the only place that writes SQL). Rows are the queue; ``taken`` marks requests in flight;
``seen`` holds request fingerprints. Every operation is one ``BEGIN IMMEDIATE``
transaction in WAL mode, so a SIGKILL at any moment leaves a consistent file: a
request is queued together with its fingerprint, and leaves the queue only on ``ack``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


class _Immediate:
    """``with _Immediate(db) as db:`` — one write transaction, committed or rolled back."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, *_) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


class JobQueue:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, timeout=60)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        with self._tx() as db:
            db.execute("CREATE TABLE IF NOT EXISTS queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                       "priority INTEGER NOT NULL, data BLOB NOT NULL, taken INTEGER NOT NULL DEFAULT 0)")
            db.execute("CREATE INDEX IF NOT EXISTS queue_next ON queue(taken, priority DESC, seq)")
            db.execute("CREATE TABLE IF NOT EXISTS seen (fp TEXT PRIMARY KEY)")
            db.execute("CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT)")

    def _tx(self) -> _Immediate:
        return _Immediate(self.db)

    def start(self) -> tuple[int, int]:
        """Begin a run: resume an unfinished one (its in-flight requests queued again) or,
        after a finished one, start empty. Returns (requests queued, requests taken back)."""
        with self._tx() as db:
            status = db.execute("SELECT value FROM state WHERE key = 'status'").fetchone()
            if status and status[0] == "finished":
                db.execute("DELETE FROM queue")
                db.execute("DELETE FROM seen")
            reclaimed = db.execute("UPDATE queue SET taken = 0 WHERE taken = 1").rowcount
            db.execute("INSERT OR REPLACE INTO state VALUES ('status', 'running')")
            pending = db.execute("SELECT count(*) FROM queue").fetchone()[0]
        return pending, reclaimed

    def push(self, fingerprint: str | None, priority: int, data: bytes, handoff: int | None) -> bool:
        """Queue a request unless its fingerprint was seen (``None``: never filtered). A
        request handed off by an in-flight one (``handoff``) replaces it in the same step."""
        with self._tx() as db:
            if fingerprint is not None and db.execute("INSERT OR IGNORE INTO seen VALUES (?)", (fingerprint,)).rowcount == 0:
                if handoff is not None:
                    db.execute("DELETE FROM queue WHERE seq = ?", (handoff,))
                return False
            db.execute("INSERT INTO queue (priority, data) VALUES (?, ?)", (priority, data))
            if handoff is not None:
                db.execute("DELETE FROM queue WHERE seq = ?", (handoff,))
        return True

    def pop(self) -> tuple[int, bytes] | None:
        """The next request, marked in flight: (token, data)."""
        with self._tx() as db:
            row = db.execute("SELECT seq, data FROM queue WHERE taken = 0 ORDER BY priority DESC, seq LIMIT 1").fetchone()
            if row is not None:
                db.execute("UPDATE queue SET taken = 1 WHERE seq = ?", (row[0],))
        return (row[0], row[1]) if row is not None else None

    def ack(self, token: int) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM queue WHERE seq = ?", (token,))

    def pending(self) -> int:
        return self.db.execute("SELECT count(*) FROM queue WHERE taken = 0").fetchone()[0]

    def finish(self, finished: bool) -> None:
        """End a run: in-flight requests back to the queue; a finished, empty run is marked
        so that the next start begins afresh."""
        with self._tx() as db:
            db.execute("UPDATE queue SET taken = 0 WHERE taken = 1")
            left = db.execute("SELECT count(*) FROM queue").fetchone()[0]
            if finished and not left:
                db.execute("DELETE FROM seen")
                db.execute("INSERT OR REPLACE INTO state VALUES ('status', 'finished')")

    def close(self) -> None:
        self.db.close()
