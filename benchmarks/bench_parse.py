"""Parse latency per bulletin page, stage by stage, over every fixture page.

    python benchmarks/bench_parse.py [--repeat N]

Prints the median and p90 per page of: the full `parse_page` (decode → layout → blocks →
metadata → split → regions → ids), and the splitting stage alone (`split_blocks` on
pre-extracted blocks). Figures are wall-clock on this machine; run it, don't assert it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kexie_scraper.parsing.blocks import element_blocks, parse_html, text_blocks  # noqa: E402
from kexie_scraper.parsing.decode import decode_html  # noqa: E402
from kexie_scraper.parsing.layouts import extract_fields  # noqa: E402
from kexie_scraper.parsing.metadata import strip_metadata  # noqa: E402
from kexie_scraper.parsing.page import parse_page  # noqa: E402
from kexie_scraper.parsing.split import split_blocks  # noqa: E402


def pages() -> list[tuple[Path, bytes, str | None, bool]]:
    out = []
    for path in sorted((ROOT / "fixtures").rglob("*")):
        if path.suffix not in (".html", ".txt") or path.parent.name == "seed":
            continue
        meta_path = path.with_name(path.stem + ".meta.json")
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        if "list_" in path.name:
            continue
        out.append((path, path.read_bytes(), meta.get("url"), path.suffix == ".txt"))
    return out


def blocks_of(data: bytes, is_text: bool):
    text, _ = decode_html(data)
    if is_text:
        blocks, with_header = text_blocks(text), True
    else:
        tree = parse_html(text)
        fields = extract_fields(tree, text)
        blocks, with_header = (element_blocks(fields.content) if fields.content is not None else []), False
    return strip_metadata(blocks, with_header)[0]


def timed(fn, repeat: int) -> float:
    best = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best.append(time.perf_counter() - start)
    return statistics.median(best)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    corpus = pages()
    # warm-up: region tables, OpenCC, selector compilation
    for _, data, url, is_text in corpus:
        parse_page(data, url=url, is_text=is_text)
    full, split = [], []
    for _, data, url, is_text in corpus:
        full.append(timed(lambda: parse_page(data, url=url, is_text=is_text), args.repeat))
        blocks = blocks_of(data, is_text)
        split.append(timed(lambda: split_blocks(blocks), args.repeat))

    def row(name, values):
        values = sorted(values)
        p90 = values[int(0.9 * (len(values) - 1))]
        print(f"{name:28} median {statistics.median(values) * 1e3:7.3f} ms   p90 {p90 * 1e3:7.3f} ms   max {values[-1] * 1e3:7.3f} ms")

    size = statistics.median(len(d) for _, d, _, _ in corpus)
    print(f"pages: {len(corpus)} (median {size / 1024:.1f} KiB), {args.repeat} runs each, median of runs per page")
    row("split_blocks (splitting)", split)
    row("parse_page (whole parse)", full)


if __name__ == "__main__":
    main()
