"""A bounded mapping that forgets its least recently used entries: the one shape of
in-memory cache a long crawl may keep (the dedupe pipeline's recent keys, the in-run
near-duplicate index), so memory stays flat however many pages go by."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, Iterator, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LRU(Generic[K, V]):
    """``size`` entries at most (``None``: unbounded). A lookup (``in``, ``get``) or a
    ``put`` makes the entry the most recent; ``put`` returns what it evicted."""

    def __init__(self, size: int | None) -> None:
        self.size = None if size is None else max(1, size)
        self._entries: OrderedDict[K, V] = OrderedDict()

    def __contains__(self, key: K) -> bool:
        if key in self._entries:
            self._entries.move_to_end(key)
            return True
        return False

    def get(self, key: K, default: V | None = None) -> V | None:
        if key in self:
            return self._entries[key]
        return default

    def peek(self, key: K) -> V:
        """The value, without making it recent (``KeyError`` when absent)."""
        return self._entries[key]

    def put(self, key: K, value: V) -> list[tuple[K, V]]:
        self._entries[key] = value
        self._entries.move_to_end(key)
        evicted = []
        while self.size is not None and len(self._entries) > self.size:
            evicted.append(self._entries.popitem(last=False))
        return evicted

    def pop(self, key: K, default: V | None = None) -> V | None:
        return self._entries.pop(key, default)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[K]:
        return iter(self._entries)


class BoundedSet(LRU[str, None]):
    """A set that forgets its least recently used members beyond ``size``."""

    def __init__(self, size: int) -> None:
        super().__init__(max(1, size))

    def add(self, key: str) -> None:
        self.put(key, None)
