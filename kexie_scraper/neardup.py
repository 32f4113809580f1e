"""Near-duplicate reports across sources: MinHash over character shingles, LSH to find candidates.

The same report often reaches us twice with small edits: the aggregator's copy of a
WeChat post with a sentence cut, a title shortened, punctuation changed. When no
原文链接 ties the two pages together, the exact content hash cannot see that; this can.

* A report's text is its body (its title when it has none) in ``hash_form`` — letters and
  digits only — so spacing and punctuation differences between copies do not count.
* Shingles are overlapping runs of ``SHINGLE`` characters (Chinese has no word breaks).
* A MinHash signature of ``NUM_PERM`` permutations estimates the Jaccard similarity of two
  shingle sets; LSH banding (``band_keys``: ``BANDS`` bands of ``ROWS`` values, as
  ``datasketch.MinHashLSH`` would choose) finds the reports likely to be at least
  ``THRESHOLD`` similar without comparing against all of them — by an indexed lookup in
  the store (``signature_bands``), so memory stays flat and every worker of a
  distributed crawl sees the signatures the others stored.

``THRESHOLD`` and ``SHINGLE`` were measured on the fixtures: ``benchmarks/neardup_threshold.py``
prints the similarity of true duplicates against all pairs of different reports (README,
"Deduplication").

This module is pure computation; the store keeps the signatures (``signatures``)
and the dedupe pipeline asks it, plus a bounded in-memory index of its unwritten pages.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from .lru import LRU
from .parsing.text import hash_form

SHINGLE = 3
NUM_PERM = 128
SEED = 1
# The hashing scheme (datasketch 2.0's name for it): part of what is stored, changing it
# invalidates the stored signatures.
SCHEME = "affine32"
# Estimated Jaccard at or above which two reports are the same report (see the module doc).
THRESHOLD = 0.5
# Reports shorter than this (in hash_form characters) are matched exactly or not at all:
# a few shingles make any estimate noise.
MIN_CHARS = 40


def text_of(title: str | None, body: str | None) -> str:
    return hash_form(body or "") or hash_form(title or "")


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    if len(text) <= size:
        return {text} if text else set()
    return {text[i : i + size] for i in range(len(text) - size + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


# The MinHash itself: datasketch 2.0's "affine32" scheme, re-implemented in numpy so the
# dedupe hot path does not import datasketch (and through it scipy: +75 MB RSS and ~0.3 s
# start-up per process). Bit for bit the same values (``tests/test_neardup.py`` compares
# with datasketch, a test-only dependency), so signatures stored by earlier runs still compare:
#   h      = first 4 bytes of sha1(shingle), little-endian (datasketch.hashfunc.sha1_hash32)
#   h'     = MurmurHash3 fmix32(h)                         (a fixed bijection, pre-mix)
#   value  = min over shingles of (a_k * h' + b_k) mod 2^32, for each permutation k
# with a_k odd, a_k and b_k drawn from numpy's RandomState(SEED) as datasketch draws them.
_MAX32 = np.uint32(0xFFFFFFFF)


def _draw_permutations() -> tuple[np.ndarray, np.ndarray]:
    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a.reshape(-1, 1), b.reshape(-1, 1)


_A, _B = _draw_permutations()


def _fmix32(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


# The 4-byte sha1 prefix of each shingle, remembered: most of a report's shingles are the
# domain's common three-character runs (科协组, 技工作 …), and sha1 was two thirds of a
# signature's cost. Bounded: emptied when full (~10 MB at most).
_DIGEST_CACHE_SIZE = 65_536
_digests: dict[str, bytes] = {}


def _digest(shingle: str) -> bytes:
    found = _digests.get(shingle)
    if found is None:
        if len(_digests) >= _DIGEST_CACHE_SIZE:
            _digests.clear()
        found = _digests[shingle] = hashlib.sha1(shingle.encode("utf-8")).digest()[:4]
    return found


class MinHash:
    """A MinHash signature: ``NUM_PERM`` 32-bit minima (kept as uint64, the stored form)."""

    __slots__ = ("hashvalues", "_bands")

    def __init__(self, hashvalues: np.ndarray) -> None:
        self.hashvalues = hashvalues
        self._bands: list[int] | None = None  # band_keys, once asked

    @classmethod
    def of(cls, items: Iterable[str]) -> "MinHash":
        digests = b"".join(_digest(item) for item in items)
        if not digests:
            return cls(np.full(NUM_PERM, _MAX32, dtype=np.uint64))
        h = _fmix32(np.frombuffer(digests, dtype="<u4").astype(np.uint32))
        with np.errstate(over="ignore"):
            values = (_A * h + _B).min(axis=1)  # uint32 arithmetic wraps: that is the mod 2^32
        return cls(values.astype(np.uint64))

    def jaccard(self, other: "MinHash") -> float:
        """The share of permutations whose minima agree: the Jaccard estimate."""
        return float(np.count_nonzero(self.hashvalues == other.hashvalues)) / NUM_PERM

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MinHash) and bool(np.array_equal(self.hashvalues, other.hashvalues))

    __hash__ = None  # mutable array inside


def signature(text: str) -> MinHash:
    return MinHash.of(shingles(text))


def to_bytes(mh: MinHash) -> bytes:
    return np.asarray(mh.hashvalues, dtype=np.uint64).tobytes()


def from_bytes(data: bytes) -> MinHash:
    values = np.frombuffer(data, dtype=np.uint64)
    if values.size != NUM_PERM:
        raise ValueError(f"a stored signature has {values.size} values, not {NUM_PERM}")
    return MinHash(values.copy())


def comparable(text: str) -> bool:
    return len(text) >= MIN_CHARS


# The most candidates compared per lookup (store and in-run index alike): the ones sharing
# the most bands. Reports written from one template share bands with many others.
CANDIDATE_LIMIT = 32

# LSH banding: a signature's NUM_PERM values cut into BANDS bands of ROWS; two reports whose
# signatures agree on a whole band are candidates. 25 × 5 is what datasketch's MinHashLSH
# picks for THRESHOLD 0.5 and 128 permutations. The band keys are stored
# (``signature_bands``), so these constants are part of the schema as well.
BANDS, ROWS = 25, 5


_BAND_BYTES = ROWS * 8  # a band of the uint64 signature, as stored
# A band key is one signed 64-bit integer, never negative: the band's number in the top
# bits, 58 bits of the blake2b hash of its values below. An integer key keeps the stored
# index (``signature_bands``) about 7 times smaller than the ``band:hex`` text it replaced
# (schema v6), and a random insert into a small B-tree dirties fewer pages.
_HASH_BITS = 58
assert BANDS <= 1 << (63 - _HASH_BITS)


def band_keys(mh: MinHash | bytes) -> list[int]:
    """The key of each band of the signature (or of its ``to_bytes`` form): the store's
    index for candidate lookups. Computed once per signature (the dedupe pipeline, its
    in-run index and the store all ask)."""
    if isinstance(mh, MinHash):
        if mh._bands is None:
            mh._bands = _band_keys(to_bytes(mh))
        return mh._bands
    return _band_keys(bytes(mh))


def _band_keys(raw: bytes) -> list[int]:
    blake2b, from_bytes_ = hashlib.blake2b, int.from_bytes
    return [band << _HASH_BITS | from_bytes_(blake2b(raw[band * _BAND_BYTES:(band + 1) * _BAND_BYTES],
                                                     digest_size=8).digest(), "big") >> (64 - _HASH_BITS)
            for band in range(BANDS)]


@dataclass(frozen=True)
class Match:
    article_id: str
    similarity: float  # the MinHash estimate of the Jaccard similarity
    content_hash: str | None = None  # the matched report's: the key its sightings are recorded under


@dataclass(frozen=True)
class Entry:
    article_id: str
    content_hash: str | None
    region_code: str | None
    page: str | None
    signature: MinHash


def best_match(mh: MinHash, entries, region_code: str | None = None, page: str | None = None,
               threshold: float = THRESHOLD) -> Match | None:
    """The most similar of ``entries`` at or above ``threshold``, under the two guards:

    * ``region``: two counties' 科普日 notices can share much wording, but reports from
      different places are never the same report;
    * ``page``: one page never repeats its own report, so two similar items of one
      bulletin (two briefs from the same 科协) stay two articles.
    """
    entries = list(entries)
    return _pick([(e.article_id, e.content_hash, e.region_code, e.page) for e in entries],
                 lambda i: mh.jaccard(entries[i].signature), region_code, page, threshold)


def best_stored_match(store, mh: MinHash, region_code: str | None = None, page: str | None = None,
                      threshold: float = THRESHOLD) -> Match | None:
    """The best match among the reports ``store`` holds (candidates by LSH band keys).

    The candidates' signatures are compared in one numpy operation: one ``MinHash`` per
    candidate cost ~5 µs each, and a lookup in a big store meets up to CANDIDATE_LIMIT."""
    candidates = store.signature_candidates(band_keys(mh), province=province_of(region_code))
    if not candidates:
        return None
    for c in candidates:
        if len(c.signature) != NUM_PERM * 8:
            raise ValueError(f"a stored signature has {len(c.signature) // 8} values, not {NUM_PERM}")
    stack = np.frombuffer(b"".join(c.signature for c in candidates), dtype=np.uint64).reshape(len(candidates), NUM_PERM)
    agree = np.count_nonzero(stack == mh.hashvalues, axis=1).tolist()
    return _pick([c[:4] for c in candidates], lambda i: agree[i] / NUM_PERM, region_code, page, threshold)


def _pick(candidates, similarity, region_code: str | None, page: str | None, threshold: float) -> Match | None:
    """The best of ``candidates`` ((article id, content hash, region code, page) each, and
    ``similarity(i)`` of the i-th, asked only for those that pass the guards)."""
    best: Match | None = None
    for i, (article_id, content_hash, other_region, other_page) in enumerate(candidates):
        if page and other_page == page:
            continue
        if region_code and other_region and not _same_place(region_code, other_region):
            continue
        found = similarity(i)
        if found >= threshold and (best is None or found > best.similarity):
            best = Match(article_id, found, content_hash)
    return best


class NearDuplicateIndex:
    """Signatures in memory, banded like the store's, queried for the best match.

    The dedupe pipeline keeps the reports of this run's pages not yet written here (the
    store answers for everything written), so it is bounded: past ``size`` entries the
    oldest is forgotten.
    """

    def __init__(self, threshold: float = THRESHOLD, size: int | None = None) -> None:
        self.threshold = threshold
        self.size = size
        self.entries: LRU[str, Entry] = LRU(size)
        self.bands: dict[int, set[str]] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, article_id: str, mh: MinHash, region_code: str | None = None, page: str | None = None,
            content_hash: str | None = None) -> None:
        if article_id in self.entries:
            return
        for key in band_keys(mh):
            self.bands.setdefault(key, set()).add(article_id)
        for old_id, old in self.entries.put(article_id, Entry(article_id, content_hash, region_code, page, mh)):
            self._unband(old_id, old)

    def remove(self, article_id: str) -> None:
        entry = self.entries.pop(article_id)
        if entry is not None:
            self._unband(article_id, entry)

    def _unband(self, article_id: str, entry: Entry) -> None:
        for key in band_keys(entry.signature):
            ids = self.bands.get(key)
            if ids is not None:
                ids.discard(article_id)
                if not ids:
                    del self.bands[key]

    def candidates(self, mh: MinHash, limit: int = CANDIDATE_LIMIT) -> list[Entry]:
        """The entries sharing a band with ``mh``: the ``limit`` sharing the most (as the
        store's lookup does, so template-like reports cannot make a lookup unbounded)."""
        shared: Counter[str] = Counter()
        for key in band_keys(mh):
            shared.update(self.bands.get(key, ()))
        best = sorted(shared, key=lambda i: (-shared[i], i))[:limit]
        return [self.entries.peek(i) for i in sorted(best)]

    def best(self, mh: MinHash, region_code: str | None = None, page: str | None = None) -> Match | None:
        return best_match(mh, self.candidates(mh), region_code, page, self.threshold)


def province_of(region_code: str | None) -> int:
    """The province of a GB/T 2260 code, as a number (51 for 510623), 0 when unknown.

    The store files each band row under its report's province (schema v7) and a lookup
    reads the rows of its own province and of province 0: the region guard would reject a
    candidate from any other province (``_same_place`` never joins two provinces), so
    reading it only took a place among the capped candidates. ``tests/test_neardup.py``
    checks that a pair ``_same_place`` accepts never has two different non-zero provinces."""
    if region_code and len(region_code) >= 2:
        head = region_code[:2]
        if head.isascii() and head.isdigit() and head != "00":
            return int(head)
    return 0


def _same_place(a: str, b: str) -> bool:
    """Codes at different levels agree when one contains the other (510600 ⊃ 510623)."""
    if a == b:
        return True
    a_key, b_key = a.rstrip("0") or "0", b.rstrip("0") or "0"
    # 510600 → "5106", 510623 → "510623": the shorter prefix must prefix the longer one.
    short, long_ = sorted((a_key, b_key), key=len)
    if len(short) % 2:
        short += "0"
    return long_.startswith(short)
