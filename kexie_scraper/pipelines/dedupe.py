"""Drop what is already known: within this run and against the store — and remember where it was seen.

Articles, in order of evidence:
1. by id (bulletin key + content hash): the same report of the same bulletin — e.g. the
   aggregator's repost and the WeChat original it links to (原文链接 → ``__biz, mid, idx``);
2. by content hash alone: the same text reached through another bulletin (a provincial
   site's copy);
3. by near-duplicate matching (MinHash over character shingles, ``kexie_scraper.neardup``):
   the same report lightly edited, when no link ties the pages together.
A dropped duplicate is not lost: its page is recorded as a sighting of the stored report
(``article_urls``, with how it matched and, for MinHash, the similarity), written with
the page, so every report keeps every URL it was seen at.

Bulletins: by id (canonical URL / WeChat key); a known one only gets its crawl time
refreshed and the page recorded in ``bulletin_sources``, so the feed and the database
never see it twice.

Memory stays flat however long the crawl: the truth is the store (indexed lookups on
the primary key, the unique content hash and the signatures' LSH band keys); this run's
recent keys and signatures sit in bounded LRU caches (``KEXIE_DEDUPE_CACHE_SIZE``) that
only need to cover pages not yet written. Should a copy slip past both (two workers at
the same moment), the store's unique constraints and ``ON CONFLICT DO NOTHING`` keep it
out, and the store pipeline counts it then.
"""

from __future__ import annotations

from collections import OrderedDict

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from .. import neardup
from ..lru import BoundedSet
from ..items import Article, Bulletin, PageDone, PageState, record
from ..storage.base import Seen
from .store_access import crawler_store, is_unwritten, page_batch, page_key

DEFAULT_CACHE_SIZE = 20_000


class DedupePipeline:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        size = crawler.settings.getint("KEXIE_DEDUPE_CACHE_SIZE", DEFAULT_CACHE_SIZE)
        self.recent = BoundedSet(size)
        self.threshold = crawler.settings.getfloat("KEXIE_NEARDUP_THRESHOLD", neardup.THRESHOLD)
        self.recent_signatures = neardup.NearDuplicateIndex(self.threshold, size=max(1, size // 2))
        # Page → ids it put in ``recent_signatures``, oldest first. Once a page is written
        # the store answers for its reports, so they leave the in-run index: it holds the
        # few pages in flight, not the last ``size // 2`` reports (whose band sets cost
        # ~10 KB each and whose comparisons repeated the store's).
        self._in_flight: OrderedDict[str, list[str]] = OrderedDict()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        if isinstance(item, (PageDone, PageState)):
            return item
        if isinstance(item, Article):
            self._article(ItemAdapter(item))
        elif isinstance(item, Bulletin):
            self._bulletin(ItemAdapter(item))
        return item

    # --- articles ----------------------------------------------------------------------------
    def _article(self, adapter: ItemAdapter) -> None:
        store = crawler_store(self.crawler)
        aid, content = adapter["id"], adapter["content_hash"]
        page = page_key(adapter.get("bulletin_url"))
        # (the stored copy's content hash, how this one matched it, similarity)
        match: tuple[str, str, float | None] | None = None
        if aid in self.recent:
            match = (content, "id", None)  # the id contains the content hash: same text
        elif content in self.recent:
            match = (content, "content_hash", None)
        else:
            found = store.find_article(aid, content)
            if found:
                match = (*found, None)
        signature = None
        region = (adapter.get("region") or {}).get("code")
        text = neardup.text_of(adapter.get("title"), adapter.get("body"))
        if match is None and neardup.comparable(text):
            signature = neardup.signature(text)
            best = self._near_duplicate(signature, region, page)
            if best:
                match = (best.content_hash, "minhash", round(best.similarity, 3))
        if match:
            kept, how, similarity = match
            page_batch(self.crawler, adapter.get("bulletin_url")).seen.append(
                Seen(kept, adapter.get("bulletin_id"), how, similarity, adapter.get("source"), adapter.get("crawled_at")))
            self.stats.inc_value("kexie/duplicates/articles")
            self.stats.inc_value(f"kexie/duplicates/by_{how}")
            raise DropItem(f"duplicate article {aid} by {how} ({adapter.get('title')!r})")
        self.recent.add(aid)
        self.recent.add(content)
        if signature is not None:
            self.recent_signatures.add(aid, signature, region, page, content)
            self._in_flight.setdefault(page, []).append(aid)
            # Stored with the article, in the page's transaction.
            page_batch(self.crawler, adapter.get("bulletin_url")).signatures[aid] = neardup.to_bytes(signature)

    def _forget_written(self) -> None:
        while self._in_flight:
            page = next(iter(self._in_flight))
            if is_unwritten(self.crawler, page):
                break
            for aid in self._in_flight.pop(page):
                self.recent_signatures.remove(aid)

    def _near_duplicate(self, signature, region: str | None, page: str) -> neardup.Match | None:
        """The best match among this run's unwritten reports and the store's candidates."""
        self._forget_written()
        best = neardup.best_stored_match(crawler_store(self.crawler), signature, region, page, self.threshold)
        recent = self.recent_signatures.best(signature, region, page)
        if recent and (best is None or recent.similarity > best.similarity):
            return recent
        return best

    # --- bulletins ---------------------------------------------------------------------------
    def _bulletin(self, adapter: ItemAdapter) -> None:
        bid = adapter["id"]
        if bid in self.recent or crawler_store(self.crawler).bulletin_known(bid):
            # Written with the page: refreshes crawled_at, records this page as a source of
            # the bulletin (and counts it as known then).
            page_batch(self.crawler, adapter.get("url")).bulletin = record(adapter.item)
            raise DropItem(f"known bulletin {bid} ({adapter.get('url')})")
        self.recent.add(bid)
