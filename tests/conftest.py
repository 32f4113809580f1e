"""Shared test helpers: fixtures as raw bytes, and Scrapy responses built from them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEED_TXT = ROOT.parent / "shared" / "seeds" / "000_af39cf8c56ef8002.txt"


def fixture_path(name: str) -> Path:
    """`scimall/article_7100001` → the body file of that fixture."""
    stem = FIXTURES / name
    matches = [p for p in stem.parent.glob(stem.name + ".*") if not p.name.endswith((".meta.json", ".expected.json"))]
    assert len(matches) == 1, f"fixture {name}: {matches}"
    return matches[0]


def fixture_meta(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.meta.json").read_text(encoding="utf-8"))


def fixture_response(name: str, url: str | None = None, **request_kwargs) -> HtmlResponse:
    """A Scrapy response carrying the fixture's exact bytes, URL, status and headers."""
    meta = fixture_meta(name)
    url = url or meta["url"]
    return HtmlResponse(
        url=url,
        status=meta.get("status", 200),
        headers=meta.get("headers", {}),
        body=fixture_path(name).read_bytes(),
        request=Request(url, **request_kwargs),
    )


@pytest.fixture
def seed_text() -> str:
    if SEED_TXT.is_file():
        return SEED_TXT.read_text(encoding="utf-8")
    # A fresh clone without ../shared still has the seed, as the fixture's twin.
    return (FIXTURES / "seed" / "000_af39cf8c56ef8002.txt").read_text(encoding="utf-8")
