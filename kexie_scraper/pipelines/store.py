"""Write bulletins and articles to the database (SQLite by default) with upserts."""

from __future__ import annotations

from itemadapter import ItemAdapter

from ..items import Article, Bulletin
from .store_access import close_crawler_store, crawler_store

COMMIT_EVERY = 200


class StorePipeline:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.pending = 0

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        store = crawler_store(self.crawler)
        data = ItemAdapter(item).asdict()
        if isinstance(item, Article):
            store.upsert_article(data)
            self.stats.inc_value("kexie/stored/articles")
        elif isinstance(item, Bulletin):
            store.upsert_bulletin(data)
            self.stats.inc_value("kexie/stored/bulletins")
        self.pending += 1
        if self.pending >= COMMIT_EVERY:
            store.commit()
            self.pending = 0
        return item

    def close_spider(self, spider=None):
        close_crawler_store(self.crawler)
