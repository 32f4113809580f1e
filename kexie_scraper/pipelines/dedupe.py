"""Drop what is already known: within this run and against the store.

Articles: by id (bulletin key + content hash) and by content hash alone, so the same
report reached via the aggregator, WeChat or a provincial site is kept once.
Bulletins: by id (canonical URL / WeChat key); a known one only gets its crawl time
refreshed, so the feed and the database never see it twice.

The in-run memory is a bounded LRU of recent keys, not a set of every key: the store
check already covers everything stored, so the LRU only saves a query for a repeat
nearby (the common case: a repost in the same list) and keeps memory flat on long
crawls (`kexie bench --scale`: a set grew by ~20 MB per 100,000 articles).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Iterable

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from ..items import Article, Bulletin
from .store_access import crawler_store

RECENT_KEYS = 4096


class RecentKeys:
    """The last ``size`` keys seen (least recently used dropped first); set-like ``in``/``add``."""

    def __init__(self, size: int = RECENT_KEYS) -> None:
        self.size = size
        self._keys: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, key: object) -> bool:
        if key in self._keys:
            self._keys.move_to_end(key)  # type: ignore[arg-type]
            return True
        return False

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: str) -> None:
        self._keys[key] = None
        self._keys.move_to_end(key)
        if len(self._keys) > self.size:
            self._keys.popitem(last=False)

    def update(self, keys: Iterable[str]) -> None:
        for key in keys:
            self.add(key)


class DedupePipeline:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.seen_articles = RecentKeys()
        self.seen_bulletins = RecentKeys()

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
