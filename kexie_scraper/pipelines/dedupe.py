"""Drop what is already known: within this run and against the store — and remember where it was seen.

Articles, in order of evidence:
1. by id (bulletin key + content hash): the same report of the same bulletin — e.g. the
   aggregator's repost and the WeChat original it links to (原文链接 → ``__biz, mid, idx``);
2. by content hash alone: the same text reached through another bulletin;
3. by near-duplicate matching (MinHash LSH over character shingles, ``kexie_scraper.neardup``):
   the same report lightly edited, when no link ties the pages together.
A dropped duplicate is not lost: its page URL is added to the stored report's
``article_sources`` (with how it matched), so every report keeps every URL it was seen at.

Bulletins: by id (canonical URL / WeChat key); a known one only gets its crawl time
refreshed and the new URL recorded in ``bulletin_sources``, so the feed and the database
never see it twice.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from .. import neardup
from ..items import Article, Bulletin
from ..parsing.urls import canonical_url, canonical_wechat_url
from .store_access import crawler_store


def page_key(url: str | None) -> str:
    """The form under which a page URL is recorded in the *_sources tables."""
    return canonical_url(url) if url else ""


def bulletin_page_key(adapter: ItemAdapter) -> str:
    """A WeChat page is known by the long link it names (its ``original_url``), whatever
    form (short link, extra parameters) it was fetched by; other pages by their canonical URL."""
    url, original = adapter.get("url"), adapter.get("original_url")
    if url and original and urlsplit(url).hostname == "mp.weixin.qq.com":
        return canonical_wechat_url(original) or page_key(url)
    return page_key(url)


class DedupePipeline:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.seen_articles: dict[str, str] = {}  # id or content hash → the kept article's id
        self.seen_bulletins: set[str] = set()
        self._index: neardup.NearDuplicateIndex | None = None
        self.threshold = crawler.settings.getfloat("KEXIE_NEARDUP_THRESHOLD", neardup.THRESHOLD)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
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
        match: tuple[str, str] | None = None
        similarity: float | None = None
        if aid in self.seen_articles:
            match = (self.seen_articles[aid], "id")
        elif content in self.seen_articles:
            match = (self.seen_articles[content], "content_hash")
        else:
            match = store.find_article(aid, content)
        signature = None
        region = (adapter.get("region") or {}).get("code")
        text = neardup.text_of(adapter.get("title"), adapter.get("body"))
        if match is None and neardup.comparable(text):
            signature = neardup.signature(text)
            best = self.index().best(signature, region, page)
            if best:
                match, similarity = (best.article_id, "minhash"), round(best.similarity, 3)
        if match:
            kept, how = match
            store.add_article_source(kept, page, adapter.get("source"), adapter.get("bulletin_id"), how, similarity, adapter["crawled_at"])
            self.stats.inc_value("kexie/duplicates/articles")
            self.stats.inc_value(f"kexie/duplicates/by_{how}")
            raise DropItem(f"duplicate article {aid} of {kept} by {how} ({adapter.get('title')!r})")
        self.seen_articles[aid] = self.seen_articles[content] = aid
        if signature is not None:
            self.index().add(aid, signature, region, page)
            store.save_article_signature(aid, region, page, neardup.to_bytes(signature))

    def index(self) -> neardup.NearDuplicateIndex:
        """The signatures of every stored article, loaded once per crawl (old rows backfilled)."""
        if self._index is None:
            store = crawler_store(self.crawler)
            index = neardup.NearDuplicateIndex(self.threshold)
            for row in list(store.articles_without_signature()):
                text = neardup.text_of(row["title"], row["body"])
                if neardup.comparable(text):
                    page = page_key(row["bulletin_url"])
                    store.save_article_signature(row["id"], row["region_code"], page, neardup.to_bytes(neardup.signature(text)))
            for article_id, region, page, data in store.article_signatures():
                index.add(article_id, neardup.from_bytes(data), region, page)
            self._index = index
        return self._index

    # --- bulletins ---------------------------------------------------------------------------
    def _bulletin(self, adapter: ItemAdapter) -> None:
        store = crawler_store(self.crawler)
        bid = adapter["id"]
        if bid in self.seen_bulletins or store.bulletin_known(bid):
            store.touch_bulletin(bid, adapter["crawled_at"])
            store.add_bulletin_source(bid, adapter.get("url"), bulletin_page_key(adapter), adapter.get("source"), adapter["crawled_at"])
            self.stats.inc_value("kexie/duplicates/bulletins")
            raise DropItem(f"known bulletin {bid} ({adapter.get('url')})")
        self.seen_bulletins.add(bid)
