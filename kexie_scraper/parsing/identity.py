"""Derived identities: the same page or report gets the same id on every crawl and worker.

* bulletin key: a WeChat original's (__biz, mid, idx) when the page names one — so the
  aggregator's repost and the WeChat original share it — else the canonical URL;
* content hash: the report's body (title when it has none) with spacing and
  punctuation removed, so copies on different sources agree;
* article id: bulletin key + content hash.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from .text import hash_form
from .urls import canonical_url, wechat_key


def _digest(text: str, size: int = 16) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:size]


# Pure, and asked for every article of a page (by the parser and again by the normalize
# pipeline) with the same two URLs: URL parsing and canonicalisation once per page.
@lru_cache(maxsize=4096)
def bulletin_key(url: str | None, original_url: str | None = None) -> str:
    for candidate in (original_url, url):
        key = wechat_key(candidate)
        if key:
            return "wechat:" + ":".join(key)
    return canonical_url(url) if url else ""


def bulletin_id(key: str) -> str:
    return _digest("bulletin\x1f" + key)


def content_hash(title: str | None, body: str | None) -> str:
    return _digest(hash_form(body or "") or hash_form(title or ""), 20)


def article_id(key: str, content: str) -> str:
    return _digest("article\x1f" + key + "\x1f" + content)
