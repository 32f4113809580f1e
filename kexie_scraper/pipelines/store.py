"""Write bulletins, articles and page states to the database (SQLite by default) with upserts.

Every stored article and bulletin also gets its first ``*_sources`` row (the page it was
stored from); duplicates add theirs in the dedupe pipeline.
"""

from __future__ import annotations

from itemadapter import ItemAdapter

from ..items import Article, Bulletin, PageState
from .dedupe import bulletin_page_key, page_key
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
        adapter = ItemAdapter(item)
        data = adapter.asdict()
        if isinstance(item, Article):
            store.upsert_article(data)
            store.add_article_source(
                data["id"], page_key(data.get("bulletin_url")), data.get("source"), data.get("bulletin_id"),
                "stored", None, data["crawled_at"],
            )
            self.stats.inc_value("kexie/stored/articles")
        elif isinstance(item, Bulletin):
            store.upsert_bulletin(data)
            store.add_bulletin_source(data["id"], data.get("url"), bulletin_page_key(adapter), data.get("source"), data["crawled_at"])
            self.stats.inc_value("kexie/stored/bulletins")
        elif isinstance(item, PageState):
            store.record_page_state(data)
            self.stats.inc_value("kexie/stored/page_states")
        self.pending += 1
        if self.pending >= COMMIT_EVERY:
            store.commit()
            self.pending = 0
        return item

    def close_spider(self, spider=None):
        close_crawler_store(self.crawler)
