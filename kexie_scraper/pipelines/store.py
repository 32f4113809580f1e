"""Write each page's bulletin, articles, sightings and page state to the database in one transaction.

Items are collected per page (``PageBatch``) and written when the page's ``PageDone``
marker arrives — after all of the page's items, since pipelines handle one response's
items in order — or at close. Then the scheduler is told the page's request is done.
Counts come from what the database says was inserted, so they stay exact when
several workers share one database.

Every stored article and bulletin also gets its first sighting (the page it was stored
from: ``article_urls`` with match ``stored``, ``bulletin_sources``); duplicates add
theirs through the dedupe pipeline. A ``PageState`` (the page gave no article, or a list
page could not be read) is written with its page too, into ``page_states``; a
``ListPageRead`` deletes the failure record of a list page that now read fine.
"""

from __future__ import annotations

from scrapy.exceptions import DropItem

from .. import scheduling
from ..items import LIST_ERROR, Article, Bulletin, ListPageRead, PageDone, PageState, record
from .store_access import close_crawler_store, crawler_pages, crawler_store, page_batch, page_key

# A safety valve for spiders that never send PageDone: write the oldest pages beyond this.
MAX_OPEN_PAGES = 256


class StorePipeline:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        if isinstance(item, PageDone):
            self.flush(page_key(item.url))
            scheduling.request_done(self.crawler, item.token)
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

    def flush(self, key: str) -> None:
        batch = crawler_pages(self.crawler).pop(key, None)
        if not batch:
            return
        result = crawler_store(self.crawler).write_page(batch)
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
            for key in list(crawler_pages(self.crawler)):
                self.flush(key)
        finally:
            close_crawler_store(self.crawler)
