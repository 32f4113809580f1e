"""Score the parser on the labelled evaluation set (`kexie evaluate`).

Item boundaries are scored on a common unit sequence: the gold paragraphs (titles and
body lines) of a page, in order. Each unit is assigned to the gold article that holds it
and to the predicted article whose text contains it; a boundary is a unit whose article
differs from the previous unit's (the first unit always starts one). Precision and
recall compare the boundary sets. Fields are compared per gold article against the
predicted article that holds most of its units; a gold article with no counterpart
scores wrong on every field.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .parsing.page import parse_page
from .parsing.text import clean_line

DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "fixtures"
FIELDS = ("title", "attribution", "org", "region", "province")
TARGETS = {"boundary_f1": 0.98, **{f: 0.95 for f in FIELDS}}


@dataclass
class Case:
    name: str
    page: Path
    url: str | None
    content_type: str | None
    expected: dict[str, Any]


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    fields: Counter = field(default_factory=Counter)
    articles: int = 0
    units: int = 0
    lost_units: int = 0
    cases: int = 0

    def add(self, other: "Tally") -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.fields.update(other.fields)
        self.articles += other.articles
        self.units += other.units
        self.lost_units += other.lost_units
        self.cases += other.cases

    def scores(self) -> dict[str, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        out = {"boundary_precision": p, "boundary_recall": r, "boundary_f1": f1}
        for name in FIELDS:
            out[name] = self.fields[name] / self.articles if self.articles else 1.0
        out["body"] = self.fields["body"] / self.articles if self.articles else 1.0
        out["text_kept"] = 1 - self.lost_units / self.units if self.units else 1.0
        return out


def load_cases(root: Path = DEFAULT_ROOT, subdir: str = "eval") -> list[Case]:
    cases = []
    for exp_path in sorted((root / subdir).rglob("*.expected.json")):
        stem = exp_path.name[: -len(".expected.json")]
        pages = [p for p in exp_path.parent.glob(stem + ".*") if p.suffix in (".html", ".htm", ".txt")]
        if len(pages) != 1:
            raise ValueError(f"{exp_path}: expected one page file, found {pages}")
        meta_path = exp_path.with_name(stem + ".meta.json")
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        cases.append(
            Case(
                name=str(exp_path.relative_to(root / subdir))[: -len(".expected.json")],
                page=pages[0],
                url=meta.get("url"),
                content_type=(meta.get("headers") or {}).get("Content-Type"),
                expected=json.loads(exp_path.read_text(encoding="utf-8")),
            )
        )
    return cases


def _units(article: dict[str, Any]) -> list[str]:
    lines = [article.get("title")] + (article.get("body") or "").split("\n")
    return [u for u in (clean_line(x) for x in lines if x) if u]


def _predicted_text(article: dict[str, Any]) -> str:
    return "\n".join(x for x in (article.get("title"), article.get("body"), article.get("attribution")) if x)


def _region_match(gold: dict, got: dict) -> bool:
    return (gold or {}).get("code") == (got or {}).get("code")


def score_case(case: Case) -> tuple[Tally, list[str]]:
    """Tally for one case, and human-readable notes on what went wrong."""
    result = parse_page(case.page.read_bytes(), url=case.url, content_type=case.content_type,
                        is_text=case.page.suffix == ".txt").to_dict()
    gold = case.expected["articles"]
    pred = result["articles"]
    pred_texts = [_predicted_text(a) for a in pred]
    tally, notes = Tally(cases=1, articles=len(gold)), []

    # Assign every gold unit to a predicted article, scanning forward (document order).
    gold_of, pred_of = [], []
    cursor = 0
    for g_index, article in enumerate(gold):
        for unit in _units(article):
            gold_of.append(g_index)
            found = None
            for p_index in range(cursor, len(pred)):
                if unit in pred_texts[p_index]:
                    found = p_index
                    break
            if found is None:  # maybe an earlier article swallowed it (out of order)
                found = next((i for i, t in enumerate(pred_texts) if unit in t), None)
            if found is None:
                tally.lost_units += 1
                notes.append(f"lost: {unit[:40]}")
            else:
                cursor = found
            pred_of.append(found)
    tally.units = len(gold_of)

    def boundaries(owner: list) -> set[int]:
        return {i for i in range(len(owner)) if i == 0 or owner[i] != owner[i - 1]}

    gb = boundaries(gold_of)
    pb = boundaries([p if p is not None else -1 for p in pred_of])
    tally.tp, tally.fp, tally.fn = len(gb & pb), len(pb - gb), len(gb - pb)
    if gb != pb:
        notes.append(f"boundaries: gold {sorted(gb)} predicted {sorted(pb)} ({len(gold)} vs {len(pred)} articles)")

    for g_index, article in enumerate(gold):
        owners = Counter(p for g, p in zip(gold_of, pred_of) if g == g_index and p is not None)
        match = pred[owners.most_common(1)[0][0]] if owners else None
        if match is None:
            continue
        gold_body = "\n".join(_units({"body": article.get("body")}))
        got_body = "\n".join(_units({"body": match.get("body")}))
        tally.fields["body"] += gold_body == got_body
        if gold_body != got_body:
            extra = [u for u in got_body.split("\n") if u not in gold_body]
            missing = [u for u in gold_body.split("\n") if u not in got_body]
            notes.append(f"#{g_index + 1} body: extra {[_short(u) for u in extra]} missing {[_short(u) for u in missing]}")
        checks = {
            "title": (article.get("title") or None) == (match.get("title") or None),
            "attribution": article.get("attribution") == match.get("attribution"),
            "org": article.get("org") == match.get("org"),
            "region": _region_match(article.get("region"), match.get("region")),
            "province": (article.get("region") or {}).get("province") == (match.get("region") or {}).get("province"),
        }
        for name, ok in checks.items():
            if ok:
                tally.fields[name] += 1
            else:
                want = article.get(name) if name not in ("region", "province") else article.get("region")
                got = match.get(name) if name not in ("region", "province") else match.get("region")
                if name == "province":
                    continue  # reported with region
                notes.append(f"#{g_index + 1} {name}: want {_short(want)} got {_short(got)}")
    return tally, notes


def _short(value: Any) -> str:
    if isinstance(value, dict):
        value = "/".join(str(value.get(k)) for k in ("province", "city", "county", "code"))
    text = str(value)
    return text if len(text) <= 50 else text[:47] + "..."


def evaluate(cases: Iterable[Case]) -> tuple[Tally, dict[str, Tally], dict[str, list[str]]]:
    total, by_format, notes = Tally(), defaultdict(Tally), {}
    for case in cases:
        tally, case_notes = score_case(case)
        total.add(tally)
        for fmt in case.expected.get("formats", []) or ["untagged"]:
            by_format[fmt].add(tally)
        if case_notes:
            notes[case.name] = case_notes
    return total, dict(by_format), notes


def report(total: Tally, by_format: dict[str, Tally], notes: dict[str, list[str]], verbose: bool = False) -> str:
    s = total.scores()
    lines = [
        f"cases: {total.cases}  gold articles: {total.articles}  gold paragraphs: {total.units}",
        f"boundaries  precision {s['boundary_precision']:.3f}  recall {s['boundary_recall']:.3f}  F1 {s['boundary_f1']:.3f}",
        "fields      " + "  ".join(f"{f} {s[f]:.3f}" for f in FIELDS),
        f"bodies      exact {s['body']:.3f}  (no furniture in, nothing cut off)   gold text kept {s['text_kept']:.3f}",
        "",
        f"{'format':24} {'cases':>5} {'F1':>6} " + " ".join(f"{f[:6]:>6}" for f in FIELDS),
    ]
    for fmt in sorted(by_format):
        t = by_format[fmt]
        sc = t.scores()
        lines.append(f"{fmt:24} {t.cases:5d} {sc['boundary_f1']:6.3f} " + " ".join(f"{sc[f]:6.3f}" for f in FIELDS))
    missed = [f"{k} {s[k]:.3f} < {v}" for k, v in TARGETS.items() if s[k] < v]
    lines += ["", "targets: " + ("all met" if not missed else "MISSED " + "; ".join(missed))]
    if verbose and notes:
        lines.append("")
        for name, case_notes in sorted(notes.items()):
            lines.append(f"{name}:")
            lines += [f"    {n}" for n in case_notes]
    return "\n".join(lines)


def targets_met(total: Tally) -> bool:
    s = total.scores()
    return all(s[k] >= v for k, v in TARGETS.items())
