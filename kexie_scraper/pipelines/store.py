"""Write each page's bulletin, articles, sightings and page state to the database in one transaction,
together with the other finished pages of its group.

Items are collected per page (``PageBatch``). A page is finished when its ``PageDone``
marker arrives — after all of the page's items, since pipelines handle one response's
items in order. Finished pages are committed together (group commit): when
``KEXIE_WRITE_GROUP_PAGES`` of them wait, when the oldest has waited
``KEXIE_WRITE_GROUP_SECONDS``, or at close. Then the scheduler is told each page's
request is done, so a durable queue forgets a request only once its page is committed;
a kill loses at most the uncommitted group, whose requests are fetched again on resume.

Why group: a commit costs about as much as writing the page (SQLite: BEGIN IMMEDIATE,
the WAL frames of every B-tree page touched, and the WAL index; PostgreSQL: a round trip
and a WAL flush), and the MinHash band keys touch tens of random B-tree pages per
report; pages of one group share those costs (``kexie bench --pages``, README).

Counts come from what the database says was inserted, so they stay exact when
several workers share one database.

Every stored article and bulletin also gets its first sighting (the page it was stored
from: ``article_urls`` with match ``stored``, ``bulletin_sources``); duplicates add
theirs through the dedupe pipeline. A ``PageState`` (the page gave no article, or a list
page could not be read) is written with its page too, into ``page_states``; a
``ListPageRead`` deletes the failure record of a list page that now read fine.
"""

from __future__ import annotations

import logging
import time

from scrapy.exceptions import DropItem

from .. import scheduling
from ..items import LIST_ERROR, Article, Bulletin, ListPageRead, PageDone, PageState, record
from ..storage import PageBatch, PageResult
from .store_access import close_crawler_store, crawler_pages, crawler_store, finished_pages, page_batch, page_key

logger = logging.getLogger(__name__)

# A safety valve for spiders that never send PageDone: write the oldest pages beyond this.
MAX_OPEN_PAGES = 256
# Group commit: finished pages per transaction, at most, and how long a finished page may
# wait for its group (a slow, polite crawl still commits about once a second).
WRITE_GROUP_PAGES = 32
WRITE_GROUP_SECONDS = 1.0


class StorePipeline:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.group_pages = max(1, settings.getint("KEXIE_WRITE_GROUP_PAGES", WRITE_GROUP_PAGES))
        self.group_seconds = max(0.0, settings.getfloat("KEXIE_WRITE_GROUP_SECONDS", WRITE_GROUP_SECONDS))
        self._first_finished_at = 0.0
        self._timer = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        if self.group_pages > 1 and self.group_seconds > 0:
            from twisted.internet import task

            self._timer = task.LoopingCall(self._commit_if_due)
            self._timer.start(self.group_seconds / 2, now=False)

    def process_item(self, item, spider=None):
        if isinstance(item, PageDone):
            self._finish(page_key(item.url), item.token)
            raise DropItem("page done")
        data = record(item)
        if isinstance(item, Article):
            page_batch(self.crawler, data.get("bulletin_url")).articles.append(data)
        elif isinstance(item, Bulletin):
            page_batch(self.crawler, data.get("url")).bulletin = data
        elif isinstance(item, PageState):
            page_batch(self.crawler, data.get("page_url") or data.get("url")).page_state = data
        elif isinstance(item, ListPageRead):
            page_batch(self.crawler, data.get("page_url") or data.get("url")).list_read.append(data["canonical_url"])
        pages = crawler_pages(self.crawler)
        while len(pages) > MAX_OPEN_PAGES:
            self.flush(next(iter(pages)))
        if isinstance(item, PageState):
            raise DropItem(f"page state {data.get('state')} recorded")  # never exported
        if isinstance(item, ListPageRead):
            raise DropItem("list page read")  # never exported
        return item

    # --- group commit ------------------------------------------------------------------------
    def _finish(self, key: str, token: str | None) -> None:
        """The page is complete: it joins the group waiting to be committed."""
        finished = finished_pages(self.crawler)
        if not finished:
            self._first_finished_at = time.monotonic()
        finished.append((key, crawler_pages(self.crawler).pop(key, None), token))
        if len(finished) >= self.group_pages or self._due():
            self.commit_finished()

    def _due(self) -> bool:
        return bool(finished_pages(self.crawler)) and time.monotonic() - self._first_finished_at >= self.group_seconds

    def _commit_if_due(self) -> None:
        """The timer's check. It must not raise: an error would stop the LoopingCall."""
        try:
            if self._due():
                self.commit_finished()
        except Exception:
            logger.exception("writing finished pages failed")

    def commit_finished(self) -> None:
        """Commit the finished pages in one transaction, then acknowledge their requests.

        Should the group's transaction fail (a page the database refuses), each page is
        written on its own, so one bad page costs only itself: its request stays in flight
        (a durable queue fetches it again on resume), and the first error is raised once
        the others are stored."""
        finished = finished_pages(self.crawler)
        if not finished:
            return
        group = list(finished)
        finished.clear()
        batches = [batch for _, batch, _ in group if batch]
        error: Exception | None = None
        try:
            results = crawler_store(self.crawler).write_pages(batches) if batches else []
        except Exception as exc:
            if len(batches) < 2:
                error, results = exc, [None]
                self.stats.inc_value("kexie/store/failed_pages")
            else:
                logger.warning("a group of %d pages failed to commit (%s); writing them one by one", len(batches), exc)
                results, error = self._write_one_by_one(batches)
        failed = set()
        for batch, result in zip(batches, results):
            if result is None:
                failed.add(id(batch))
            else:
                self._count(batch, result)
        for _, batch, token in group:
            if id(batch) not in failed:
                scheduling.request_done(self.crawler, token)
        if error is not None:
            raise error

    def _write_one_by_one(self, batches: list[PageBatch]) -> tuple[list[PageResult | None], Exception | None]:
        store, results, first = crawler_store(self.crawler), [], None
        for batch in batches:
            try:
                results.append(store.write_page(batch))
            except Exception as exc:
                logger.error("page %s could not be stored: %s", batch.url, exc)
                self.stats.inc_value("kexie/store/failed_pages")
                results.append(None)
                first = first or exc
        return results, first

    def flush(self, key: str) -> None:
        """Write one unfinished page now, on its own (at close, or past ``MAX_OPEN_PAGES``),
        after the finished ones: a page's writes keep the order of its fetches."""
        self.commit_finished()
        batch = crawler_pages(self.crawler).pop(key, None)
        if not batch:
            return
        self._count(batch, crawler_store(self.crawler).write_page(batch))

    def _count(self, batch: PageBatch, result: PageResult) -> None:
        if result.bulletin_inserted is not None:
            self.stats.inc_value("kexie/stored/bulletins" if result.bulletin_inserted else "kexie/duplicates/bulletins")
        self.stats.inc_value("kexie/stored/articles", len(result.inserted))
        if batch.page_state is not None:
            # bulletin pages' failures (summary: failed_pages) apart from list pages' (failed_list_pages)
            listed = batch.page_state.get("state") == LIST_ERROR
            self.stats.inc_value("kexie/stored/list_page_states" if listed else "kexie/stored/page_states")
        if result.conflicted:
            self.stats.inc_value("kexie/duplicates/articles", len(result.conflicted))
            self.stats.inc_value("kexie/duplicates/raced", len(result.conflicted))

    def close_spider(self, spider=None):
        try:
            if self._timer is not None and self._timer.running:
                self._timer.stop()
            self.commit_finished()
            for key in list(crawler_pages(self.crawler)):
                self.flush(key)
        finally:
            close_crawler_store(self.crawler)
