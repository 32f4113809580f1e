"""Does a near-duplicate lookup still find the copy in a big store? Recall of the store's
LSH lookup under its caps, against what an unbounded search would find:

    python -m kexie_scraper.bench.scale 100000 --out /tmp/kx      # a store of N reports
    python benchmarks/neardup_recall.py /tmp/kx/scale_100000.sqlite [--probes 600]
        [--band-read-limit 64] [--candidate-limit 32]

Takes ``--probes`` stored reports at random, edits each as the aggregator edits a repost
(``neardup_threshold.edits``: trim or add a closing sentence, cut a clause, reword 5 %, all
at once) and rewords more heavily (10, 20, 30 % of the characters), and looks each edited
copy up in the store as the dedupe pipeline does (``best_stored_match``, another page, the
report's own region). By the copy's exact Jaccard similarity to its original:

* ``estimate``: the share whose MinHash estimate against the original reaches the threshold
  (what comparing with every stored report would find);
* ``banded``: of those, the share sharing at least one LSH band with the original (what
  the band index can find with no cap);
* ``found``: the share the capped lookup matched (to the original, or to a stored report at
  least as similar): ``banded − found`` is what the caps cost.

Plus the lookup's mean time and candidates compared. The caps are the store's
``BAND_READ_LIMIT`` (stored reports read per band key and table) and ``CANDIDATE_LIMIT``
(candidates compared); the options override them for the run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from sqlalchemy import select  # noqa: E402

from kexie_scraper import neardup  # noqa: E402
from kexie_scraper.parsing.text import hash_form  # noqa: E402
from kexie_scraper.storage import schema, sql  # noqa: E402
from neardup_threshold import edits  # noqa: E402

BUCKETS = ((0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01))


def reworded(text: str, share: float, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(max(1, int(len(chars) * share / 3))):
        i = rng.randrange(len(chars))
        chars[i: i + rng.randint(1, 4)] = rng.choice(["的", "了", "和", "进行", "开展", "推进", ""])
    return "".join(chars)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("db")
    parser.add_argument("--probes", type=int, default=600)
    parser.add_argument("--band-read-limit", type=int, default=sql.BAND_READ_LIMIT)
    parser.add_argument("--candidate-limit", type=int, default=neardup.CANDIDATE_LIMIT)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    sql.BAND_READ_LIMIT = args.band_read_limit  # compiled into the candidate query at open
    store = sql.SQLStore(f"sqlite:///{args.db}")
    store.signature_candidates = _limited(store.signature_candidates, args.candidate_limit)
    s, a = schema.signatures, schema.articles
    with store.engine.connect() as conn:
        top = conn.execute(select(s.c.id).order_by(s.c.id.desc()).limit(1)).scalar()
        rng = random.Random(args.seed)
        picked = sorted(rng.sample(range(1, top + 1), min(args.probes, top)))
        rows = conn.execute(select(s.c.article_id, s.c.region_code, s.c.signature, a.c.title, a.c.body)
                            .join(a, a.c.id == s.c.article_id).where(s.c.id.in_(picked))).all()

    by_bucket: dict[tuple[float, float], list[tuple[bool, bool, bool]]] = defaultdict(list)
    took: list[float] = []
    compared: list[int] = []
    for article_id, region, stored, title, body in rows:
        original = neardup.from_bytes(stored)
        text = neardup.text_of(title, body)
        copies = [hash_form(t) for t in edits(body, rng).values()]
        copies += [reworded(text, share, rng) for share in (0.1, 0.2, 0.3)]
        for copy in copies:
            if not neardup.comparable(copy) or copy == text:
                continue
            similarity = neardup.jaccard(neardup.shingles(text), neardup.shingles(copy))
            bucket = next((b for b in BUCKETS if b[0] <= similarity < b[1]), None)
            if bucket is None:
                continue
            mh = neardup.signature(copy)
            own = mh.jaccard(original)
            estimate = own >= neardup.THRESHOLD
            banded = estimate and bool(set(neardup.band_keys(mh)) & set(neardup.band_keys(original)))
            start = time.perf_counter()
            match = neardup.best_stored_match(store, mh, region, "https://probe.invalid/page")
            took.append(time.perf_counter() - start)
            compared.append(len(store.signature_candidates.last))
            found = match is not None and (match.article_id == article_id or match.similarity >= own)
            by_bucket[bucket].append((estimate, banded, estimate and found))

    print(f"{args.db}: {len(rows)} stored reports edited; caps: {args.band_read_limit} per band key, "
          f"{args.candidate_limit} compared; lookup {statistics.mean(took) * 1e6:.0f} µs, "
          f"{statistics.mean(compared):.1f} candidates")
    print(f"  {'Jaccard':>10}  {'copies':>6}  {'estimate':>8}  {'banded':>8}  {'found':>8}  {'lost to caps':>12}")
    for bucket in BUCKETS:
        results = by_bucket[bucket]
        if not results:
            continue
        share = lambda i: sum(r[i] for r in results) / len(results)  # noqa: E731
        print(f"  {bucket[0]:.1f}–{min(bucket[1], 1.0):.1f}  {len(results):>6}  {share(0):8.1%}  {share(1):8.1%}  "
              f"{share(2):8.1%}  {share(1) - share(2):12.1%}")
    return 0


def _limited(method, limit: int):
    """The store's candidate lookup with ``limit`` compared, remembering its last answer."""
    def lookup(band_keys, limit_=limit, **options):
        lookup.last = method(band_keys, limit_, **options)
        return lookup.last
    lookup.last = []
    return lookup


if __name__ == "__main__":
    sys.exit(main())
