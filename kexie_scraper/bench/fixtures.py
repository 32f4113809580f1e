"""`kexie bench --fixtures`: parse latency over the repository's fixture pages.

The mirror (``--pages``) is one layout in bulk; the fixtures are every layout the parser
knows (WeChat 2018/2020, the government CMS families, the evaluation sets' formats,
GB18030 and 繁體 pages), one or a few pages each. Per page, the median of ``repeat``
runs of: the whole ``parse_page``, and ``split_blocks`` alone on the page's blocks.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from ..parsing import memo
from ..parsing.blocks import element_blocks, parse_html, text_blocks
from ..parsing.decode import decode_html
from ..parsing.layouts import extract_fields
from ..parsing.metadata import strip_metadata
from ..parsing.page import parse_page
from ..parsing.split import split_blocks
from ..replay import FIXTURES_DIR, load_fixtures


def fixture_pages(root: Path = FIXTURES_DIR) -> list[tuple[str, bytes, str | None, bool]]:
    """(url, bytes, content type, is_text) of every bulletin page fixture; list pages and
    the seed's text twin left out."""
    out = []
    for fixture in sorted(load_fixtures(root).values(), key=lambda f: str(f.body_path)):
        path = fixture.body_path
        if "list_" in path.name or path.parent.name == "seed" or fixture.status != 200:
            continue
        out.append((fixture.url, path.read_bytes(), fixture.headers.get("Content-Type"), path.suffix == ".txt"))
    return out


def _blocks(data: bytes, content_type: str | None, is_text: bool) -> list:
    text, _ = decode_html(data, content_type)
    if is_text:
        return strip_metadata(text_blocks(text), True)[0]
    tree = parse_html(text)
    if tree is None:
        return []
    fields = extract_fields(tree, text)
    blocks = element_blocks(fields.content) if fields.content is not None else []
    return strip_metadata(blocks, False)[0]


def _median_ms(fn, repeat: int) -> float:
    """The median of ``repeat`` runs, each with the parser's per-string caches emptied
    first (parsing/memo.py): a page parsed again would find its own lines there, and time
    a cache's answer. (Names and styles shared between pages do not help either, so this
    is a little slower than a crawl's parse: an upper bound.)"""
    runs = []
    for _ in range(repeat):
        memo.clear_all()
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs) * 1e3


def _p90(values: list[float]) -> float:
    values = sorted(values)
    return values[int(0.9 * (len(values) - 1))]


def fixture_timings(repeat: int = 20, root: Path = FIXTURES_DIR) -> dict[str, Any]:
    pages = fixture_pages(root)
    for url, data, ctype, is_text in pages:  # warm-up: region tables, OpenCC, selectors
        parse_page(data, url=url, content_type=ctype, is_text=is_text)
    whole, split = [], []
    for url, data, ctype, is_text in pages:
        whole.append(_median_ms(lambda: parse_page(data, url=url, content_type=ctype, is_text=is_text), repeat))
        blocks = _blocks(data, ctype, is_text)
        split.append(_median_ms(lambda: split_blocks(blocks), repeat))
    return {
        "fixture_pages": len(pages),
        "fixture_page_kb_median": round(statistics.median(len(p[1]) for p in pages) / 1024, 1) if pages else None,
        "fixture_parse_ms_median": round(statistics.median(whole), 3) if pages else None,
        "fixture_parse_ms_p90": round(_p90(whole), 3) if pages else None,
        "fixture_split_ms_median": round(statistics.median(split), 3) if pages else None,
        "fixture_split_ms_p90": round(_p90(split), 3) if pages else None,
    }
