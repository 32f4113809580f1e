"""Near-duplicate reports across sources: MinHash over character shingles, LSH to find candidates.

The same report often reaches us twice with small edits: the aggregator's copy of a
WeChat post with a sentence cut, a title shortened, punctuation changed. When no
原文链接 ties the two pages together, the exact content hash cannot see that; this can.

* A report's text is its body (its title when it has none) in ``hash_form`` — letters and
  digits only — so spacing and punctuation differences between copies do not count.
* Shingles are overlapping runs of ``SHINGLE`` characters (Chinese has no word breaks).
* A MinHash signature of ``NUM_PERM`` permutations estimates the Jaccard similarity of two
  shingle sets; ``datasketch.MinHashLSH`` finds the stored reports likely to be at least
  ``THRESHOLD`` similar without comparing against all of them.

``THRESHOLD`` and ``SHINGLE`` were measured on the fixtures: ``benchmarks/neardup_threshold.py``
prints the similarity of true duplicates against all pairs of different reports (README,
"Deduplication").

This module is pure computation; the store keeps the signatures (``article_signatures``)
and the dedupe pipeline owns the index.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from datasketch import MinHash, MinHashLSH

from .parsing.text import hash_form

SHINGLE = 3
NUM_PERM = 128
SEED = 1
# datasketch's hashing scheme, named so that signatures stored by one run compare with the next
# (datasketch 2.0 made the scheme explicit; changing it invalidates article_signatures).
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


def signature(text: str) -> MinHash:
    mh = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    mh.update_batch([s.encode("utf-8") for s in shingles(text)])
    return mh


def to_bytes(mh: MinHash) -> bytes:
    return np.asarray(mh.hashvalues, dtype=np.uint64).tobytes()


def from_bytes(data: bytes) -> MinHash:
    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, hashvalues=np.frombuffer(data, dtype=np.uint64).copy())


def comparable(text: str) -> bool:
    return len(text) >= MIN_CHARS


@dataclass(frozen=True)
class Match:
    article_id: str
    similarity: float  # the MinHash estimate of the Jaccard similarity


class NearDuplicateIndex:
    """Stored reports' signatures, queried for the best match at or above the threshold.

    Two guards keep different reports apart:

    * ``region``: two counties' 科普日 notices can share much wording, but reports from
      different places are never the same report;
    * ``page``: one page never repeats its own report, so two similar items of one
      bulletin (two briefs from the same 科协) stay two articles.
    """

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.signatures: dict[str, MinHash] = {}
        self.regions: dict[str, str | None] = {}
        self.pages: dict[str, str | None] = {}

    def __len__(self) -> int:
        return len(self.signatures)

    def add(self, article_id: str, mh: MinHash, region_code: str | None = None, page: str | None = None) -> None:
        if article_id in self.signatures:
            return
        self.lsh.insert(article_id, mh)
        self.signatures[article_id] = mh
        self.regions[article_id] = region_code
        self.pages[article_id] = page

    def best(self, mh: MinHash, region_code: str | None = None, page: str | None = None) -> Match | None:
        best: Match | None = None
        for key in self.lsh.query(mh):
            if page and self.pages.get(key) == page:
                continue
            other = self.regions.get(key)
            if region_code and other and not _same_place(region_code, other):
                continue
            similarity = mh.jaccard(self.signatures[key])
            if similarity >= self.threshold and (best is None or similarity > best.similarity):
                best = Match(key, similarity)
        return best


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
