"""How similar are true duplicates, and how similar are different reports? Picks the MinHash threshold.

    python benchmarks/neardup_threshold.py [--shingles 2 3 4 5] [--top 8]

Corpus: every report in the fixtures' expected files (scimall, wechat, the evaluation set),
distinct by content hash.

* **True duplicates** (same report, different text):
  - the fixture pairs that only near-duplicate matching can join: the WeChat originals
    without a 原文链接 (``wechat/original_kunming_no_link``, ``wechat/original_foshan_no_link``)
    against the scimall copies they were edited into;
  - simulated aggregator edits of every report, seeded and repeatable — the edits seen
    between the fixture pairs: trim the closing sentence, add one, cut a clause, reword
    about 5% of the characters, and all of these at once (the heaviest).
* **Different reports**: every pair of distinct reports in the corpus that is not a known
  duplicate.

For each shingle size it prints the exact Jaccard distribution of both sets, the gap between
them, and (for the chosen size) the MinHash estimate as used at run time, then the closest
different pairs so a reader can see what sits near the threshold.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kexie_scraper import neardup  # noqa: E402
from kexie_scraper.parsing.text import hash_form  # noqa: E402

FIXTURES = ROOT / "fixtures"
# (wechat fixture, its article position) → (scimall fixture, position): the no-link pairs.
EDITED_PAIRS = [
    (("wechat/original_kunming_no_link", 1), ("scimall/article_7100007", 3)),
    (("wechat/original_foshan_no_link", 1), ("scimall/article_7100007", 1)),
]
_SENTENCE = re.compile(r"(?<=[。！？；])")
_FILLER = "下一步，将继续加强工作统筹，推动各项任务落到实处。"


def corpus() -> tuple[dict[str, dict], dict[tuple[str, int], str]]:
    """content key → article (first seen), and (fixture, position) → content key."""
    articles: dict[str, dict] = {}
    where: dict[tuple[str, int], str] = {}
    for path in sorted(FIXTURES.rglob("*.expected.json")):
        name = str(path.relative_to(FIXTURES))[: -len(".expected.json")]
        for pos, art in enumerate(json.loads(path.read_text(encoding="utf-8")).get("articles", []), start=1):
            text = neardup.text_of(art.get("title"), art.get("body"))
            if not text:
                continue
            articles.setdefault(text, {**art, "_from": f"{name}#{pos}"})
            where[(name, pos)] = text
    return articles, where


def edits(body: str, rng: random.Random) -> dict[str, str]:
    """The aggregator's usual edits, as seen between the fixture pairs, applied to one report."""
    flat = body.replace("\n", "")
    sentences = [x for x in _SENTENCE.split(flat) if x]

    def trim_closing(text: str) -> str:
        parts = [x for x in _SENTENCE.split(text) if x]
        return "".join(parts[:-1]) if len(parts) >= 3 else text

    def cut_clause(text: str) -> str:
        clauses = re.split(r"(?<=，)", text)
        if len(clauses) < 3:
            return text
        del clauses[rng.randrange(1, len(clauses))]
        return "".join(clauses)

    def reword(text: str, share: float = 0.05) -> str:
        chars = list(text)
        for _ in range(max(1, int(len(chars) * share / 3))):
            i = rng.randrange(len(chars))
            chars[i : i + rng.randint(1, 4)] = rng.choice(["的", "了", "和", "进行", "开展", ""])
        return "".join(chars)

    out = {
        "trim closing sentence": trim_closing(flat) if len(sentences) >= 3 else None,
        "add closing sentence": flat + _FILLER,
        "cut one clause": cut_clause(flat),
        "reword 5%": reword(flat),
        "all of these": reword(cut_clause(trim_closing(flat))) + _FILLER,
    }
    return {k: v for k, v in out.items() if v}


def describe(values: list[float]) -> str:
    if not values:
        return "n=0"
    values = sorted(values)
    q = lambda p: values[min(len(values) - 1, int(p * len(values)))]  # noqa: E731
    return (f"n={len(values):>5}  min={values[0]:.3f}  p5={q(0.05):.3f}  median={statistics.median(values):.3f}  "
            f"p95={q(0.95):.3f}  p99={q(0.99):.3f}  max={values[-1]:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shingles", type=int, nargs="+", default=[2, 3, 4, 5])
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()

    articles, where = corpus()
    keys = [k for k in articles if neardup.comparable(k)]
    rng = random.Random(20240601)
    simulated: list[tuple[str, str, str]] = []  # (kind, original key, edited text)
    for key in keys:
        body = articles[key].get("body") or ""
        for kind, text in edits(body, rng).items():
            edited = hash_form(text)
            if edited != key and neardup.comparable(edited):
                simulated.append((kind, key, edited))
    fixture_pairs = [(where[a], where[b]) for a, b in EDITED_PAIRS]
    known = {frozenset(p) for p in fixture_pairs}
    different_pairs = [(a, b) for a, b in itertools.combinations(keys, 2) if frozenset((a, b)) not in known]
    same_place = lambda a, b: neardup._same_place(articles[a]["region"]["code"] or "", articles[b]["region"]["code"] or "") \
        if articles[a]["region"]["code"] and articles[b]["region"]["code"] else True  # noqa: E731

    print(f"corpus: {len(articles)} distinct reports ({len(keys)} long enough to compare, >= {neardup.MIN_CHARS} chars); "
          f"{len(fixture_pairs)} edited fixture pairs; {len(simulated)} simulated edits\n")
    for size in args.shingles:
        sets = {k: neardup.shingles(k, size) for k in keys}
        pair_sims = [neardup.jaccard(sets[a], sets[b]) for a, b in fixture_pairs]
        sim_edit = [neardup.jaccard(sets[k], neardup.shingles(t, size)) for _, k, t in simulated]
        heavy = [neardup.jaccard(sets[k], neardup.shingles(t, size)) for kind, k, t in simulated if kind == "all of these"]
        different = [neardup.jaccard(sets[a], sets[b]) for a, b in different_pairs]
        print(f"shingle={size}")
        print(f"  fixture no-link pairs : {', '.join(f'{s:.3f}' for s in pair_sims)}")
        print(f"  simulated edits       : {describe(sim_edit)}")
        print(f"    of which 'all of these': {describe(heavy)}")
        print(f"  different reports     : {describe(different)}")
        print(f"  gap: max(different)={max(different):.3f}  min(true)={min(pair_sims + sim_edit):.3f}\n")

    size = neardup.SHINGLE
    print(f"run-time setting: shingle={size}, num_perm={neardup.NUM_PERM}, THRESHOLD={neardup.THRESHOLD}")
    sigs = {k: neardup.signature(k) for k in keys}
    est_pairs = [sigs[a].jaccard(sigs[b]) for a, b in fixture_pairs]
    est_sim = [sigs[k].jaccard(neardup.signature(t)) for _, k, t in simulated]
    est_diff = sorted(((sigs[a].jaccard(sigs[b]), a, b) for a, b in different_pairs), reverse=True)
    below = sum(1 for s in est_pairs + est_sim if s < neardup.THRESHOLD)
    above = sum(1 for s, _, _ in est_diff if s >= neardup.THRESHOLD)
    above_same_place = sum(1 for s, a, b in est_diff if s >= neardup.THRESHOLD and same_place(a, b))
    per_kind = {}
    for (kind, _, _), s in zip(simulated, est_sim):
        per_kind.setdefault(kind, []).append(s)
    print(f"  MinHash estimate, fixture pairs : {', '.join(f'{s:.3f}' for s in est_pairs)}")
    print(f"  MinHash estimate, simulated     : {describe(est_sim)}")
    print(f"  MinHash estimate, different     : {describe([s for s, _, _ in est_diff])}")
    for kind, values in per_kind.items():
        missed = sum(1 for v in values if v < neardup.THRESHOLD)
        print(f"    {kind:<22}: {describe(values)}  missed={missed}")
    print(f"  at THRESHOLD {neardup.THRESHOLD}: {below} of {len(est_pairs) + len(est_sim)} true duplicates missed; "
          f"{above} of {len(est_diff)} different pairs above it, {above_same_place} of them in the same place (the region guard keeps the rest apart)")
    same = [x for x, a, b in est_diff if same_place(a, b)]
    print(f"  MinHash estimate, different reports of the same place: {describe(same)}")
    print("\nclosest different pairs (MinHash estimate):")
    for s, a, b in est_diff[: args.top]:
        print(f"  {s:.3f}  {articles[a]['_from']:<34} {articles[b]['_from']:<34} same place: {same_place(a, b)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
