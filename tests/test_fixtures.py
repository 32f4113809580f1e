"""Every fixture with an expected file parses to exactly that (fundus-style contract)."""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES, article_view, fixture_meta, fixture_path
from kexie_scraper.parsing.page import parse_page

# Source fixtures must parse exactly; the evaluation set (fixtures/eval) is scored by
# `kexie evaluate` instead, with targets pinned in tests/test_evaluate.py (so are fixtures/holdout*).
SCORED_SETS = {"eval", "holdout", "holdout2", "holdout3", "holdout4"}
EXPECTED = sorted(p for p in FIXTURES.rglob("*.expected.json") if not SCORED_SETS & set(p.relative_to(FIXTURES).parts))
REGION_KEYS = ("province", "city", "county", "code")


def _name(path):
    return str(path.relative_to(FIXTURES))[: -len(".expected.json")]


@pytest.mark.parametrize("expected_path", EXPECTED, ids=_name)
def test_fixture_parses_to_expected(expected_path):
    name = _name(expected_path)
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    meta = fixture_meta(name)
    content_type = meta.get("headers", {}).get("Content-Type")
    result = parse_page(fixture_path(name).read_bytes(), url=meta["url"], content_type=content_type).to_dict()
    assert result["page_state"] == expected["page_state"]
    for key, value in expected["bulletin"].items():
        assert result["bulletin"][key] == value, key
    assert [article_view(a) for a in result["articles"]] == [article_view(a) for a in expected["articles"]]


def test_there_are_enough_fixtures():
    """Issue 2: at least 8 bulletins of our own writing besides the seed."""
    assert len(EXPECTED) >= 8


@pytest.mark.parametrize("meta_path", sorted(FIXTURES.rglob("*.meta.json")), ids=lambda p: p.name)
def test_sidecars_are_complete(meta_path):
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    assert {"url", "status", "headers", "synthetic"} <= set(meta)
    assert meta["url"].startswith(("http://", "https://"))
    assert isinstance(meta["synthetic"], bool)
