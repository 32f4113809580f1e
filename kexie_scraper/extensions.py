"""Scrapy extensions: the live progress line of each spider (``kexie crawl`` / ``demo``).

``ProgressExtension`` is inert unless the command opened a ``kexie_scraper.ui.Progress``
(stderr is a terminal, or ``--progress``): then each spider gets a line showing pages
fetched and, from the stats, articles parsed, stored and dropped as duplicates.
"""

from __future__ import annotations

from scrapy import signals
from scrapy.exceptions import NotConfigured

from . import ui


class ProgressExtension:
    def __init__(self, crawler, progress: ui.Progress) -> None:
        self.crawler = crawler
        self.progress = progress
        self.name = ""

    @classmethod
    def from_crawler(cls, crawler):
        progress = ui.current()
        if progress is None or not progress.enabled:
            raise NotConfigured  # no message: nothing to warn about
        ext = cls(crawler, progress)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.response, signal=signals.response_received)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def info(self) -> str:
        get = self.crawler.stats.get_value
        return (f"articles {get('kexie/fields/articles', 0)}  new {get('kexie/stored/articles', 0)}  "
                f"dupes {get('kexie/duplicates/articles', 0)}  failed {get('kexie/failed_requests', 0)}")

    def opened(self, spider) -> None:
        self.name = spider.name
        self.progress.add(self.name, total=None, info=self.info())

    def response(self, response, request, spider) -> None:
        self.progress.update(self.name, advance=1, info=self.info())

    def closed(self, spider, reason) -> None:
        self.progress.update(self.name, info=self.info(), done=True)
