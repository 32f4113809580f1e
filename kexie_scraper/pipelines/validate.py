"""Check every item against its JSON Schema before it is stored (``kexie_scraper/schema``).

An invalid item is logged with every violation, counted in the stats and dropped with
the reason — never stored:

* ``kexie/invalid/articles`` / ``kexie/invalid/bulletins``: items dropped;
* ``kexie/invalid/articles/<field>/<keyword>``: violations, e.g. ``…/region.code/pattern``.

The articles of an invalid bulletin are dropped too (``…/bulletin``): stored without
their bulletin they would point at nothing.

It also counts what the health report (``kexie_scraper.health``) reads as field
coverage, over every valid article the source yielded, duplicates included:
``kexie/fields/articles`` and ``kexie/fields/{title,attribution,region_code}``.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem

from ..items import Article, Bulletin, PageDone, record as as_record
from ..schema import errors

logger = logging.getLogger(__name__)

# The fields whose share among a source's articles is watched for layout drift.
COVERAGE_FIELDS = {
    "title": lambda a: bool(a.get("title")),
    "attribution": lambda a: bool(a.get("attribution")),
    "region_code": lambda a: bool((a.get("region") or {}).get("code")),
}


class ValidatePipeline:
    def __init__(self, crawler=None) -> None:
        self.stats = crawler.stats if crawler is not None else None
        self.invalid_bulletins: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(key, count)

    def process_item(self, item, spider=None):
        if isinstance(item, PageDone):
            return item
        if isinstance(item, Article):
            kind = "articles"
        elif isinstance(item, Bulletin):
            kind = "bulletins"
        else:
            return item
        record = as_record(item)
        found = errors(kind[:-1], record)
        if kind == "articles" and record.get("bulletin_id") in self.invalid_bulletins:
            found.append(("bulletin", "bulletin", f"its bulletin {record['bulletin_id']} was invalid"))
        if found:
            self._inc(f"kexie/invalid/{kind}")
            for path, keyword, _ in found:
                self._inc(f"kexie/invalid/{kind}/{path}/{keyword}")
            if kind == "bulletins" and record.get("id"):
                self.invalid_bulletins.add(record["id"])
            where = record.get("url") or f"{record.get('bulletin_url')} #{record.get('position')}"
            reason = "; ".join(f"{path}: {message}" for path, _, message in found)
            logger.warning("invalid %s at %s, not stored: %s", kind[:-1], where, reason)
            raise DropItem(f"invalid {kind[:-1]} ({where}): {reason}")
        if kind == "articles":
            self._inc("kexie/fields/articles")
            for name, present in COVERAGE_FIELDS.items():
                if present(record):
                    self._inc(f"kexie/fields/{name}")
        return item
