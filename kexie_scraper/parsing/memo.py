"""A bounded cache for the parser's pure functions of one string.

The splitter tries up to six rules on the same paragraphs, and each rule asks the same
questions of them (is this line a credit? which organisation opens it?); organisation
names, credits and style attributes also recur from page to page. Caching the answer per
string makes each question cost one dictionary look-up after the first time.

Bounded twice, so memory stays flat over any crawl: ``maxsize`` entries at most, and
strings longer than ``max_len`` (a whole oversized page in one paragraph) are never kept
(by default at most 2,048 strings of 1,000 characters: a few MB per cache at worst, well
under one for a crawl's usual paragraphs and names).
Only functions whose result is immutable (str, tuple, bool, None) may be cached: every
caller gets the same object back.
"""

from __future__ import annotations

from functools import lru_cache, wraps
from typing import Callable, TypeVar

R = TypeVar("R")

MAX_SIZE = 2048
MAX_LEN = 1000

_CACHES: list = []  # every text_cache, for clear_all()


def clear_all() -> None:
    """Empty every cache: a benchmark's cold start (``kexie bench --fixtures``)."""
    for cached in _CACHES:
        cached.cache_clear()


def text_cache(maxsize: int = MAX_SIZE, max_len: int = MAX_LEN) -> Callable[[Callable[[str], R]], Callable[[str], R]]:
    def decorate(fn: Callable[[str], R]) -> Callable[[str], R]:
        cached = lru_cache(maxsize=maxsize)(fn)
        _CACHES.append(cached)

        @wraps(fn)
        def wrapper(text: str) -> R:
            if text is not None and len(text) > max_len:
                return fn(text)
            return cached(text)

        wrapper.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        wrapper.cache_info = cached.cache_info  # type: ignore[attr-defined]
        wrapper.uncached = fn  # type: ignore[attr-defined]
        return wrapper

    return decorate
