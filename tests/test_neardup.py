"""Our numpy MinHash is datasketch's "affine32" MinHash, bit for bit.

The pipeline does not import datasketch (it pulls in scipy: ~75 MB RSS per process), but
signatures stored by earlier runs — and by earlier versions that did use datasketch —
must keep comparing with new ones, so the two must agree exactly.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kexie_scraper import neardup

datasketch = __import__("pytest").importorskip("datasketch", reason="datasketch is the test extra's reference")


def reference(text: str) -> np.ndarray:
    mh = datasketch.MinHash(num_perm=neardup.NUM_PERM, seed=neardup.SEED, scheme=neardup.SCHEME)
    mh.update_batch([s.encode("utf-8") for s in neardup.shingles(text)])
    return mh.hashvalues.astype(np.uint64)


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=400))
def test_signature_equals_datasketch_affine32(text):
    assert np.array_equal(neardup.signature(text).hashvalues, reference(text))


def test_signature_of_a_report_equals_datasketch_and_round_trips_through_bytes():
    text = neardup.text_of(None, "3月20日，遂宁市科协组织科技志愿者深入船山区、安居区开展科普进社区活动，发放宣传资料2000余份。")
    ours = neardup.signature(text)
    assert np.array_equal(ours.hashvalues, reference(text))
    assert neardup.from_bytes(neardup.to_bytes(ours)) == ours
    assert neardup.band_keys(ours) == neardup.band_keys(neardup.to_bytes(ours))


def test_jaccard_estimate_matches_datasketch():
    a = neardup.text_of(None, "安顺市西秀区科协联合区教育局举办青少年科技创新成果展，展出学生作品180余件，吸引师生家长参观。")
    b = neardup.text_of(None, "安顺市西秀区科协联合区教育局举办青少年科技创新成果展，展出学生作品160余件，吸引众多师生参观。")
    da = datasketch.MinHash(num_perm=neardup.NUM_PERM, seed=neardup.SEED, scheme=neardup.SCHEME)
    db = datasketch.MinHash(num_perm=neardup.NUM_PERM, seed=neardup.SEED, scheme=neardup.SCHEME)
    da.update_batch([s.encode() for s in neardup.shingles(a)])
    db.update_batch([s.encode() for s in neardup.shingles(b)])
    ours = neardup.signature(a).jaccard(neardup.signature(b))
    assert ours == da.jaccard(db)
    assert 0.3 < ours < 1.0  # similar but not the same text


def test_a_stored_signature_of_the_wrong_length_is_refused():
    import pytest

    with pytest.raises(ValueError, match="values"):
        neardup.from_bytes(b"\0" * 8 * (neardup.NUM_PERM - 1))


def test_the_pipeline_does_not_import_datasketch_or_scipy():
    import subprocess
    import sys

    code = ("import sys, kexie_scraper.neardup, kexie_scraper.pipelines.dedupe, kexie_scraper.storage.sql;"
            "print(sorted(m for m in ('datasketch', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_band_keys_are_blake2b_of_each_band_of_the_stored_signature():
    """The stored index (signature_bands) depends on this exact form: the band's number in
    the top bits of a non-negative 64-bit integer, 58 bits of the band's blake2b below."""
    import hashlib

    mh = neardup.signature(neardup.text_of(None, "德阳市科协召开会议，部署全年科普工作，要求各县区科协抓好落实。"))
    values = np.asarray(mh.hashvalues, dtype=np.uint64)
    digests = [hashlib.blake2b(values[b * neardup.ROWS:(b + 1) * neardup.ROWS].tobytes(), digest_size=8).hexdigest()
               for b in range(neardup.BANDS)]
    expected = [b * 2**58 + int(digests[b], 16) // 2**6 for b in range(neardup.BANDS)]
    assert all(0 <= key < 2**63 for key in expected)  # a signed BIGINT, and -1 is free for "no key"
    assert [key >> 58 for key in expected] == list(range(neardup.BANDS))
    assert neardup.band_keys(mh) == expected
    assert neardup.band_keys(neardup.to_bytes(mh)) == expected
    assert neardup.band_keys(mh) is neardup.band_keys(mh)  # computed once per signature


def test_the_shingle_digest_cache_is_bounded_and_changes_no_signature(monkeypatch):
    texts = [f"{i}号县科协组织科技工作者开展科普宣传活动发放资料{i * 7}份受益群众{i * 13}人次" for i in range(60)]
    monkeypatch.setattr(neardup, "_digests", {})
    cold = []
    for text in texts:  # a fresh cache for each: every digest computed
        neardup._digests.clear()
        cold.append(neardup.to_bytes(neardup.signature(text)))
    monkeypatch.setattr(neardup, "_DIGEST_CACHE_SIZE", 8)
    warm = [neardup.to_bytes(neardup.signature(text)) for text in texts]  # digests from the cache, emptied when full
    assert warm == cold and len(neardup._digests) <= 8
    reference = datasketch.MinHash(num_perm=neardup.NUM_PERM, seed=neardup.SEED, scheme=neardup.SCHEME)
    reference.update_batch([s.encode("utf-8") for s in neardup.shingles(texts[5])])
    assert neardup.to_bytes(neardup.signature(texts[5])) == np.asarray(reference.hashvalues, dtype=np.uint64).tobytes()


def test_province_of_a_region_code():
    assert [neardup.province_of(c) for c in ("510623", "510600", "510000", "51", "110105", "820000")] == [51, 51, 51, 51, 11, 82]
    assert [neardup.province_of(c) for c in (None, "", "5", "000000", "ab1234", "５１0000")] == [0, 0, 0, 0, 0, 0]


_codes = st.one_of(
    st.text(alphabet="0123456789", min_size=0, max_size=7),
    st.sampled_from(["510623", "510600", "510000", "500000", "110000", "110105", "100000", "010000", "0", "5"]),
)


# Pairs the guard may accept: a code and a prefix of it, as written or padded with zeros
# (51, 5106, 510600 and 510623 are one place at different levels).
_related = st.tuples(_codes, st.integers(0, 7), st.booleans()).map(
    lambda t: (t[0], t[0][: t[1]] + ("0" * (6 - t[1]) if t[2] else "")))


@given(st.one_of(st.tuples(_codes, _codes), _related))
@settings(max_examples=3000, deadline=None)
def test_the_region_guard_never_joins_two_provinces(pair):
    """The store reads only the band rows of the lookup's province and of province 0
    (schema v7): that loses nothing only if every pair the region guard lets through has
    the same province, or an unknown one on either side."""
    a, b = pair
    if a and b and neardup._same_place(a, b):
        assert neardup.province_of(a) == neardup.province_of(b) or 0 in (neardup.province_of(a), neardup.province_of(b))
