"""Normalize every text field, fill crawl time, re-derive ids; drop items with no content."""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from ..items import Article, Bulletin, ListPageRead, PageDone, record
from ..parsing import dates, identity
from ..parsing.text import clean_line, clean_paragraphs

_MULTILINE = {"body", "intro", "outro"}
_NOT_TEXT = {"region", "position", "split_confidence", "article_count"}


class NormalizePipeline:
    def process_item(self, item, spider=None):
        if isinstance(item, (PageDone, ListPageRead)):  # markers: nothing to clean
            return item
        adapter = ItemAdapter(item)
        for name, value in record(item).items():
            if isinstance(value, str) and name not in _NOT_TEXT:
                cleaned = clean_paragraphs(value) if name in _MULTILINE else clean_line(value)
                cleaned = cleaned or (None if name != "body" else "")
                if cleaned != value:  # the parser's output is clean already: writes are rare
                    adapter[name] = cleaned
        if adapter.get("published_at"):
            adapter["published_at"] = dates.parse_date(adapter["published_at"]) or adapter["published_at"]
        if not adapter.get("crawled_at"):
            adapter["crawled_at"] = dates.now_iso()
        if isinstance(item, Article):
            self._article(adapter)
        elif isinstance(item, Bulletin) and not adapter.get("id"):
            raise DropItem(f"bulletin without identity: {adapter.get('url')!r}")
        return item

    @staticmethod
    def _article(adapter: ItemAdapter) -> None:
        if not adapter.get("body") and not adapter.get("title"):
            raise DropItem(f"empty article at {adapter.get('bulletin_url')!r} #{adapter.get('position')}")
        region = adapter.get("region") or {}
        adapter["region"] = {k: (clean_line(v) if isinstance(v, str) else v) for k, v in region.items()}
        # Ids derive from the normalized text, so a normalization change cannot split identities.
        content = identity.content_hash(adapter.get("title"), adapter.get("body"))
        adapter["content_hash"] = content
        key = identity.bulletin_key(adapter.get("bulletin_url"), adapter.get("original_url"))
        if not key:
            raise DropItem("article without a bulletin URL has no stable identity")
        adapter["id"] = identity.article_id(key, content)
        adapter["bulletin_id"] = identity.bulletin_id(key)
