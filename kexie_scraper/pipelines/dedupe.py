"""Drop what is already known: within this run and against the store.

Articles: by id (bulletin key + content hash) and by content hash alone, so the same
report reached via the aggregator, WeChat or a provincial site is kept once.
Bulletins: by id (canonical URL / WeChat key); a known one only gets its crawl time
refreshed, so the feed and the database never see it twice.
"""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from ..items import Article, Bulletin
from .store_access import crawler_store


class DedupePipeline:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.seen_articles: set[str] = set()
        self.seen_bulletins: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        adapter = ItemAdapter(item)
        store = crawler_store(self.crawler)
        if isinstance(item, Article):
            keys = (adapter["id"], adapter["content_hash"])
            if any(k in self.seen_articles for k in keys) or store.article_known(*keys):
                self.stats.inc_value("kexie/duplicates/articles")
                raise DropItem(f"duplicate article {adapter['id']} ({adapter.get('title')!r})")
            self.seen_articles.update(keys)
        elif isinstance(item, Bulletin):
            bid = adapter["id"]
            if bid in self.seen_bulletins or store.bulletin_known(bid):
                store.touch_bulletin(bid, adapter["crawled_at"])
                self.stats.inc_value("kexie/duplicates/bulletins")
                raise DropItem(f"known bulletin {bid} ({adapter.get('url')})")
            self.seen_bulletins.add(bid)
        return item
