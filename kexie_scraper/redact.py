"""Credentials in URLs never reach a log line, an error message or a summary.

``redact(text)`` masks the password of every ``scheme://user:password@host`` in a text
(database and Redis URLs: ``postgresql+psycopg://kexie:***@db/kexie``). The ``RedactLogs``
extension (in ``EXTENSIONS``) puts a filter on the root log handlers that applies it to
every record, tracebacks included; the CLI applies it to its one-line errors.
"""

from __future__ import annotations

import logging
import re

# scheme://[user]:password@ — the password is anything up to the last @ before the host.
_CREDENTIALS = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s/@:]*:)(?P<secret>[^\s/]*)@")


def redact(text: str) -> str:
    if not text or "@" not in text:
        return text
    return _CREDENTIALS.sub(lambda m: m.group("head") + "***@", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is logging's problem, not ours
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_FILTER = RedactingFilter()


def install() -> None:
    """Filter every handler of the root logger (Scrapy's included), once."""
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)


class RedactLogs:
    """Scrapy extension: install the filter when a crawler starts (its log handler exists then)."""

    @classmethod
    def from_crawler(cls, crawler):
        install()
        return cls()
