"""Drop what is already known: within this run and against the store.

Articles: by id (bulletin key + content hash) and by content hash alone, so the same
report reached via the aggregator, WeChat or a provincial site is kept once. The page
where a known article was seen again is recorded (``article_urls``).
Bulletins: by id (canonical URL / WeChat key); a known one only gets its crawl time
refreshed, so the feed and the database never see it twice.

Memory stays flat however long the crawl: the truth is the store (indexed lookups on
the primary key and the unique content hash); this run's recent keys sit in a bounded
LRU cache (``KEXIE_DEDUPE_CACHE_SIZE``) that only covers pages not yet written. Should a
copy slip past both (two workers at the same moment), the store's unique constraints
and ``ON CONFLICT DO NOTHING`` keep it out, and the store pipeline counts it then.
"""

from __future__ import annotations

from collections import OrderedDict

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from ..items import Article, Bulletin, PageDone
from .store_access import crawler_store, page_batch

DEFAULT_CACHE_SIZE = 20_000


class BoundedSet:
    """A set that forgets its least recently used members beyond ``size``."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._keys: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, key: str) -> bool:
        if key in self._keys:
            self._keys.move_to_end(key)
            return True
        return False

    def add(self, key: str) -> None:
        self._keys[key] = None
        self._keys.move_to_end(key)
        while len(self._keys) > self.size:
            self._keys.popitem(last=False)

    def __len__(self) -> int:
        return len(self._keys)


class DedupePipeline:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.recent = BoundedSet(crawler.settings.getint("KEXIE_DEDUPE_CACHE_SIZE", DEFAULT_CACHE_SIZE))

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        if isinstance(item, PageDone):
            return item
        adapter = ItemAdapter(item)
        store = crawler_store(self.crawler)
        if isinstance(item, Article):
            keys = (adapter["id"], adapter["content_hash"])
            if any(k in self.recent for k in keys) or store.article_known(*keys):
                batch = page_batch(self.crawler, adapter.get("bulletin_url"))
                batch.seen.append((adapter["content_hash"], adapter.get("bulletin_id")))
                self.stats.inc_value("kexie/duplicates/articles")
                raise DropItem(f"duplicate article {adapter['id']} ({adapter.get('title')!r})")
            for key in keys:
                self.recent.add(key)
        elif isinstance(item, Bulletin):
            bid = adapter["id"]
            if bid in self.recent or store.bulletin_known(bid):
                # Written with the page: refreshes crawled_at (and counts it as known then).
                page_batch(self.crawler, adapter.get("url")).bulletin = adapter.asdict()
                raise DropItem(f"known bulletin {bid} ({adapter.get('url')})")
            self.recent.add(bid)
        return item
