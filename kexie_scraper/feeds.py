"""JSON Lines files that a kill never leaves with half a line.

Scrapy's ``FileFeedStorage`` hands the exporter a buffered file: lines reach the disk in
8 KB blocks that end anywhere, so a SIGKILL can leave a partial last line — and, since
our feeds are appended to (``overwrite: False``), the next run would write its first line
onto that fragment. ``SafeFileFeedStorage`` (``FEED_STORAGES`` for local paths):

* opens the file unbuffered and writes each line with one ``write`` (the exporter writes
  one item per call), so a line is on disk whole or not at all when the process dies;
* before appending, repairs the file: a last line without its newline (left by a power
  cut, or by a version without this) is cut off, and the log says so. The database is
  the record (``kexie demo --workers`` exports the feeds from it); the feeds are a log.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from scrapy.extensions.feedexport import FileFeedStorage

logger = logging.getLogger(__name__)


def repair_jsonl(path: Path | str) -> int:
    """Cut a partial last line off ``path``; return the number of bytes dropped."""
    path = Path(path)
    if not path.is_file():
        return 0
    with open(path, "rb+") as fh:
        size = fh.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return 0
        end, block = size, 65536
        keep = 0
        while end > 0:
            start = max(0, end - block)
            fh.seek(start)
            chunk = fh.read(end - start)
            at = chunk.rfind(b"\n")
            if at >= 0:
                keep = start + at + 1
                break
            end = start
        fh.truncate(keep)
        fh.flush()
        os.fsync(fh.fileno())
    dropped = size - keep
    logger.warning("%s: dropped a partial last line (%d bytes) left by an interrupted run", path, dropped)
    return dropped


class _WholeLines:
    """An unbuffered binary file whose ``write`` always writes all it is given."""

    def __init__(self, raw) -> None:
        self._raw = raw

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        while view:
            written = self._raw.write(view)
            view = view[written:]
        return len(data)

    def __getattr__(self, name):
        return getattr(self._raw, name)


class SafeFileFeedStorage(FileFeedStorage):
    def open(self, spider):
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if "a" in self.write_mode:
            repair_jsonl(path)
        return _WholeLines(open(path, self.write_mode, buffering=0))

    def store(self, file):
        file.close()
        return None


def write_lines_atomically(path: Path, lines) -> int:
    """Write a whole file of lines via a temporary file and a rename: a kill leaves the old
    file or the new one, never half of it. Returns the number of lines."""
    tmp = path.with_name(path.name + ".tmp")
    count = 0
    with open(tmp, "w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(line + "\n")
            count += 1
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return count
