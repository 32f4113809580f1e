"""The raw archive: every fetched response kept as WARC (ISO 28500), for ``kexie reparse``.

``ArchiveMiddleware`` (a downloader middleware, inert unless ``KEXIE_ARCHIVE_DIR`` is set:
``--archive DIR`` or the environment variable) writes one gzipped WARC file per spider run,
``DIR/<spider>-<UTC time>-<pid>.warc.gz``, with a ``response`` record per response as it
came off the wire (status line, headers, body still content-encoded) — robots.txt, list
pages, redirects and error pages included. It sits outside the replay middleware, so a
replayed crawl archives the real URLs. Each record also carries what re-parsing needs:

* ``WARC-Kexie-Source``: the spider;
* ``WARC-Kexie-Callback``: what the page was fetched for (``parse_article`` for bulletins);
* ``WARC-Kexie-List-Title``: the title the list page gave it (percent-encoded UTF-8).

``iter_pages(dir)`` reads the bulletin pages back (the latest fetch of each URL). Needs
``warcio`` (the ``archive`` extra).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from urllib.parse import quote, unquote

logger = logging.getLogger(__name__)

SOURCE, CALLBACK, LIST_TITLE = "WARC-Kexie-Source", "WARC-Kexie-Callback", "WARC-Kexie-List-Title"
BULLETIN_CALLBACK = "parse_article"


def _need_warcio():
    try:
        import warcio  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError("the raw archive needs warcio: pip install 'kexie-scraper[archive]'") from exc


class ArchiveMiddleware:
    """Downloader middleware: append every response to this run's WARC file."""

    def __init__(self, directory: Path, spider_name: str) -> None:
        _need_warcio()
        from warcio.warcwriter import WARCWriter

        directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        self.path = directory / f"{spider_name}-{stamp}-{os.getpid()}.warc.gz"
        self._fh = open(self.path, "ab")
        self.writer = WARCWriter(self._fh, gzip=True)
        self.records = 0

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        directory = crawler.settings.get("KEXIE_ARCHIVE_DIR")
        if not directory:
            raise NotConfigured  # no archive asked for (no message: nothing to warn about)
        name = crawler.spidercls.name if crawler.spidercls is not None else "crawl"
        middleware = cls(Path(directory), name)
        middleware.spider_name, middleware.stats = name, crawler.stats
        crawler.signals.connect(middleware.close, signal=signals.spider_closed)
        return middleware

    def process_response(self, request, response, spider=None):
        from warcio.statusandheaders import StatusAndHeaders
        from http import HTTPStatus

        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, values in response.headers.items()
                   for v in values if k.lower() not in (b"transfer-encoding", b"content-length")]
        headers.append(("Content-Length", str(len(response.body))))
        http_headers = StatusAndHeaders(f"{response.status} {reason}".strip(), headers, protocol="HTTP/1.1")
        callback = getattr(request.callback, "__name__", None) or ""
        extra = {SOURCE: getattr(self, "spider_name", ""), CALLBACK: callback}
        title = (request.cb_kwargs or {}).get("list_title")
        if title:
            extra[LIST_TITLE] = quote(title, safe="")
        record = self.writer.create_warc_record(response.url, "response", payload=BytesIO(response.body),
                                                http_headers=http_headers, warc_headers_dict=extra)
        self.writer.write_record(record)
        self.records += 1
        if getattr(self, "stats", None) is not None:
            self.stats.inc_value("kexie/archived_responses")
        return response

    def close(self, spider=None, reason=None) -> None:
        if not self._fh.closed:
            self._fh.close()
            logger.info("archived %d responses in %s", self.records, self.path)


@dataclass
class ArchivedPage:
    url: str
    fetched_at: str  # WARC-Date, ISO 8601 UTC
    source: str
    list_title: str | None
    path: Path
    offset: int

    def read(self) -> tuple[bytes, str | None, int]:
        """(decoded body, Content-Type, HTTP status) of the record."""
        from warcio.archiveiterator import ArchiveIterator

        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            record = next(iter(ArchiveIterator(fh)))
            body = record.content_stream().read()  # transfer- and content-encoding undone
            status = int(record.http_headers.get_statuscode() or 0)
            return body, record.http_headers.get_header("Content-Type"), status


def archive_files(directory: Path) -> list[Path]:
    return sorted(p for p in Path(directory).glob("*.warc*") if p.is_file())


def iter_pages(directory: Path, source: str | None = None, since: str | None = None) -> list[ArchivedPage]:
    """The bulletin pages in the archive (2xx responses fetched for ``parse_article``), the
    latest fetch of each URL; ``source`` a spider name, ``since`` a YYYY-MM-DD fetch date."""
    _need_warcio()
    from warcio.archiveiterator import ArchiveIterator

    from .parsing.urls import canonical_url

    latest: dict[str, ArchivedPage] = {}
    for path in archive_files(directory):
        with open(path, "rb") as fh:
            records = ArchiveIterator(fh)
            for record in records:
                if record.rec_type != "response":
                    continue
                headers = record.rec_headers
                if headers.get_header(CALLBACK) != BULLETIN_CALLBACK:
                    continue
                status = int(record.http_headers.get_statuscode() or 0) if record.http_headers else 0
                page_source = headers.get_header(SOURCE) or ""
                fetched = headers.get_header("WARC-Date") or ""
                if not 200 <= status < 300 or (source and page_source != source) or (since and fetched[:10] < since):
                    continue
                title = headers.get_header(LIST_TITLE)
                page = ArchivedPage(headers.get_header("WARC-Target-URI"), fetched, page_source,
                                    unquote(title) if title else None, path, records.get_record_offset())
                key = canonical_url(page.url)
                if key not in latest or latest[key].fetched_at <= page.fetched_at:
                    latest[key] = page
    return sorted(latest.values(), key=lambda p: (p.fetched_at, p.url))
