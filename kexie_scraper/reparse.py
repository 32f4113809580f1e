"""`kexie reparse`: run extraction and splitting again over the raw archive, no network,
and update the stored articles — so a better parser improves old data.

For each bulletin page in the archive (its latest fetch): ``parse_page`` on the archived
bytes, the same normalization and schema check as a crawl, the same near-duplicate match
as the dedupe pipeline (a report the crawl recorded as a MinHash sighting of another
page's report stays a sighting, not a second copy), then ``Store.reparse_page``:
the bulletin's fields and the page's articles are replaced by the new parse in one
transaction (changed fields updated, new articles inserted, articles the page no longer
yields deleted; an article stored from another page is left to that page).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from . import neardup
from .archive import ArchivedPage, iter_pages
from .parsing import pagestate
from .parsing.page import parse_page
from .parsing.urls import canonical_url

logger = logging.getLogger(__name__)
CHINA = timezone(timedelta(hours=8))


def _crawled_at(warc_date: str) -> str | None:
    try:
        when = datetime.fromisoformat(warc_date.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(CHINA).isoformat(timespec="seconds")


def reparse(database_url: str, archive_dir: Path, source: str | None = None, since: str | None = None,
            progress=None, parse: Callable = parse_page) -> dict[str, int]:
    """Re-parse the archive into the database; return counts (pages, articles inserted, …)."""
    from scrapy.exceptions import DropItem

    from .items import Article, Bulletin
    from .pipelines.normalize import NormalizePipeline
    from .schema import errors
    from .storage import open_store

    pages = iter_pages(archive_dir, source=source, since=since)
    counts: Counter = Counter({"pages": 0, "inserted": 0, "updated": 0, "unchanged": 0, "deleted": 0,
                               "duplicates": 0, "near_duplicates": 0, "invalid_pages": 0, "not_ok_pages": 0})
    normalize = NormalizePipeline()
    store = open_store(database_url)
    if progress is not None:
        progress.add("reparse", total=len(pages))
    try:
        for page in pages:
            counts["pages"] += 1
            outcome = _one(page, parse, normalize, errors, Article, Bulletin, DropItem, store)
            for key, value in outcome.items():
                counts[key] += value
            if progress is not None:
                progress.update("reparse", advance=1, info=f"updated {counts['updated']}  new {counts['inserted']}  "
                                                            f"deleted {counts['deleted']}")
    finally:
        store.close()
    return dict(counts)


def _one(page: ArchivedPage, parse, normalize, errors, Article, Bulletin, DropItem, store) -> dict[str, int]:
    body, content_type, _ = page.read()
    result = parse(body, url=page.url, content_type=content_type, source=page.source or None,
                   title_hint=page.list_title)
    if result.page_state != pagestate.OK:
        logger.warning("%s: now %s; its stored articles are kept", page.url, result.page_state)
        return {"not_ok_pages": 1}
    crawled_at = _crawled_at(page.fetched_at)
    bulletin = normalize.process_item(Bulletin(**{**asdict(result.bulletin), "crawled_at": crawled_at}))
    articles, seen = [], set()
    for parsed in result.articles:
        try:
            article = normalize.process_item(Article(**{**asdict(parsed), "crawled_at": crawled_at}))
        except DropItem:
            continue
        if article.content_hash in seen:  # the same report twice on one page: kept once, as in a crawl
            continue
        seen.add(article.content_hash)
        articles.append(asdict(article))
    record = asdict(bulletin)
    problems = errors("bulletin", record) + [e for a in articles for e in errors("article", a)]
    if problems:
        logger.warning("%s: the new parse is invalid, page left as stored: %s", page.url,
                       "; ".join(f"{p}: {m}" for p, _, m in problems[:5]))
        return {"invalid_pages": 1}
    url = canonical_url(page.url)
    articles, seen, signatures = _near_duplicates(store, url, articles)
    done = store.reparse_page(url, record, articles, seen=seen, signatures=signatures)
    return {"inserted": len(done.inserted), "updated": len(done.updated), "unchanged": len(done.unchanged),
            "deleted": len(done.deleted), "duplicates": len(done.duplicates),
            "near_duplicates": len(done.near_duplicates)}


def _near_duplicates(store, url: str, articles: list[dict]) -> tuple[list[dict], list, dict[str, bytes]]:
    """Split the page's new reports (unknown by id and content hash) into those a stored
    report of another page near-duplicates — sightings of it, as in a crawl — and the rest,
    with their signatures to store."""
    from .storage.base import Seen

    kept, seen, signatures = [], [], {}
    for article in articles:
        text = neardup.text_of(article.get("title"), article.get("body"))
        if neardup.comparable(text) and store.find_article(article["id"], article["content_hash"]) is None:
            mh = neardup.signature(text)
            match = neardup.best_stored_match(store, mh, (article.get("region") or {}).get("code"), url)
            if match is not None:
                seen.append(Seen(match.content_hash, article.get("bulletin_id"), "minhash", round(match.similarity, 3),
                                 article.get("source"), article.get("crawled_at")))
                continue
            signatures[article["id"]] = neardup.to_bytes(mh)
        kept.append(article)
    return kept, seen, signatures
