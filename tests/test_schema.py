"""The JSON Schemas of the two records: every fixture's parse conforms, and ValidatePipeline
drops (and counts) what does not."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from kexie_scraper.items import Article, Bulletin
from kexie_scraper.parsing.page import parse_page
from kexie_scraper.pipelines import DedupePipeline, NormalizePipeline, StorePipeline, ValidatePipeline
from kexie_scraper.replay import load_fixtures
from kexie_scraper.schema import NAMES, errors, load, schema_path

FIXTURES = sorted(load_fixtures().values(), key=lambda f: str(f.body_path))


@pytest.mark.parametrize("name", NAMES)
def test_schemas_are_draft_2020_12(name):
    schema = load(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema_path(name).name == f"{name}.schema.json"


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: str(f.body_path.relative_to(f.body_path.parents[1])))
def test_every_fixture_parse_conforms(fixture):
    result = parse_page(fixture.body, url=fixture.url, content_type=fixture.headers.get("Content-Type"),
                        source=fixture.body_path.parent.name).to_dict()
    assert errors("bulletin", result["bulletin"]) == []
    for article in result["articles"]:
        assert errors("article", article) == [], article.get("position")
    # What the pipelines make of it (ids re-derived, crawl time filled) conforms too.
    for article in result["articles"]:
        item = NormalizePipeline().process_item(Article(**article))
        assert errors("article", ItemAdapterDict(item)) == []


def ItemAdapterDict(item):  # noqa: N802 - reads like a type
    from itemadapter import ItemAdapter

    return ItemAdapter(item).asdict()


GOOD = {
    "id": "2d93c9210c0329ac", "source": "scimall", "bulletin_id": "fc740f92deed6b14",
    "bulletin_url": "https://www.scimall.org.cn/article/detail?id=7100001", "bulletin_title": "【地方科协】",
    "position": 1, "title": "德阳市科协召开会议", "body": "近日，德阳市科协召开会议。", "attribution": None,
    "org": "德阳市科协", "region": {"province": "四川省", "city": "德阳市", "county": None, "code": "510600",
                                  "former_name": None},
    "published_at": "2021-05-12T00:00:00+08:00", "publisher": "四川科协", "original_url": None,
    "split_rule": "titled", "split_confidence": 1.0, "content_hash": "d924d8f0914cda4a88ac",
    "crawled_at": "2024-01-01T10:00:00+08:00",
}


@pytest.mark.parametrize("change, where", [
    ({"region": {**GOOD["region"], "code": "51060"}}, ("region.code", "pattern")),
    ({"region": {**GOOD["region"], "province": None}}, ("region.city", "type")),  # no city without a province
    ({"split_confidence": 1.5}, ("split_confidence", "maximum")),
    ({"position": 0}, ("position", "minimum")),
    ({"split_rule": "guess"}, ("split_rule", "enum")),
    ({"published_at": "12 May 2021"}, ("published_at", "pattern")),
    ({"surprise": 1}, ("(record)", "additionalProperties")),
    ({"title": None, "body": ""}, ("(record)", "anyOf")),
])
def test_schema_catches(change, where):
    assert errors("article", GOOD) == []
    found = errors("article", {**GOOD, **change})
    assert where in [(path, keyword) for path, keyword, _ in found]


def test_bulletin_ok_needs_an_id_and_articles():
    bulletin = {"id": None, "source": "scimall", "url": "https://x.org/a", "canonical_url": "https://x.org/a",
                "title": None, "published_at": None, "publisher": None, "publisher_alias": None,
                "original_url": None, "page_state": "ok", "intro": None, "article_count": 0, "crawled_at": None}
    assert {(p, k) for p, k, _ in errors("bulletin", bulletin)} == {("id", "type"), ("article_count", "minimum")}
    assert errors("bulletin", {**bulletin, "page_state": "deleted"}) == []


# --- the pipeline ----------------------------------------------------------------------------
URL = "https://www.scimall.org.cn/article/detail?id=7100001"


def run(crawler, items):
    stages = [NormalizePipeline(), ValidatePipeline.from_crawler(crawler), DedupePipeline.from_crawler(crawler),
              StorePipeline.from_crawler(crawler)]
    kept, dropped = [], []
    for item in items:
        try:
            for stage in stages:
                item = stage.process_item(item)
            kept.append(item)
        except DropItem as exc:
            dropped.append(str(exc))
    stages[-1].close_spider()
    return kept, dropped


def article(code="510600", position=1, title="德阳市科协召开会议", body="近日，德阳市科协召开会议。"):
    return Article(bulletin_url=URL, title=title, body=body, position=position, source="scimall",
                   split_rule="titled", split_confidence=1.0,
                   region={"province": "四川省", "city": "德阳市", "county": None, "code": code, "former_name": None})


def bulletin(**kw):
    from kexie_scraper.parsing import identity

    return Bulletin(**{"id": identity.bulletin_id(identity.bulletin_key(URL)), "source": "scimall", "url": URL, "canonical_url": URL,
                       "title": "【地方科协】", "article_count": 2, **kw})


def test_pipeline_drops_invalid_items_counts_and_stores_the_rest(tmp_path, caplog):
    db = tmp_path / "k.sqlite"
    crawler = get_crawler(settings_dict={"KEXIE_DATABASE_URL": f"sqlite:///{db}"})
    kept, dropped = run(crawler, [bulletin(), article(), article(code="51060X", position=2, title="遂宁市科协部署",
                                                                 body="另一条。")])
    assert len(kept) == 2 and len(dropped) == 1
    assert "invalid article" in dropped[0] and "region.code" in dropped[0]
    stats = crawler.stats.get_stats()
    assert stats["kexie/invalid/articles"] == 1
    assert stats["kexie/invalid/articles/region.code/pattern"] == 1
    assert stats["kexie/fields/articles"] == 1 and stats["kexie/fields/region_code"] == 1
    assert "invalid article" in caplog.text and "not stored" in caplog.text
    import sqlite3

    rows = sqlite3.connect(db).execute("SELECT region_code FROM articles").fetchall()
    assert rows == [("510600",)]  # the invalid one never reached the database


def test_articles_of_an_invalid_bulletin_are_dropped(tmp_path):
    crawler = get_crawler(settings_dict={"KEXIE_DATABASE_URL": f"sqlite:///{tmp_path / 'k.sqlite'}"})
    kept, dropped = run(crawler, [bulletin(page_state="weird"), article()])
    assert kept == [] and len(dropped) == 2
    stats = crawler.stats.get_stats()
    assert stats["kexie/invalid/bulletins/page_state/enum"] == 1
    assert stats["kexie/invalid/articles/bulletin/bulletin"] == 1


# --- the fast validator (jsonschema-rs) only ever says yes where the reference does -------------

def _reference_errors(name, record):
    from kexie_scraper.schema import _path, validator

    return sorted((_path(e), str(e.validator), e.message) for e in validator(name).iter_errors(record))


def _field_values():
    from hypothesis import strategies as st

    return st.one_of(st.none(), st.booleans(), st.integers(-3, 10**7), st.floats(allow_nan=False),
                     st.text(max_size=30), st.sampled_from(["510600", "51060", "５１０６００", "510600\n", "0123456",
                                                            "https://x.org/a", "ftp://x", "2021-05-12T00:00:00+08:00",
                                                            "2021-05-12T00:00+08:00\n", "titled", "ok", "deleted",
                                                            "d924d8f0914cda4a88ac", "2d93c9210c0329ac", "scimall"]),
                     st.dictionaries(st.sampled_from(["province", "city", "county", "code", "former_name", "x"]),
                                     st.one_of(st.none(), st.text(max_size=8), st.sampled_from(["510600", "四川省"])),
                                     max_size=6))


def test_fast_validator_agrees_with_the_reference_on_mutated_records():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from kexie_scraper.schema import fast_validator

    bulletin_good = {"id": "fc740f92deed6b14", "source": "scimall", "url": GOOD["bulletin_url"],
                     "canonical_url": GOOD["bulletin_url"], "title": "【地方科协】", "page_state": "ok",
                     "article_count": 1, "crawled_at": "2024-01-01T10:00:00+08:00", "intro": None,
                     "original_url": None, "published_at": "2021-05-12T00:00:00+08:00", "publisher": "四川科协",
                     "publisher_alias": None}
    assert _reference_errors("bulletin", bulletin_good) == []

    @settings(max_examples=1500, deadline=None)
    @given(st.sampled_from(["article", "bulletin"]),
           st.dictionaries(st.sampled_from(sorted(set(GOOD) | set(bulletin_good) | {"region", "surprise"})),
                           _field_values(), max_size=4))
    def check(name, change):
        record = {**(GOOD if name == "article" else bulletin_good), **change}
        reference = _reference_errors(name, record)
        if fast_validator(name).is_valid(record):
            assert reference == [], (record, reference)
        assert errors(name, record) == reference

    check()
    # Both verdicts on known records (the random ones above are mostly invalid).
    assert fast_validator("article").is_valid(GOOD) and fast_validator("bulletin").is_valid(bulletin_good)
    assert not fast_validator("article").is_valid({**GOOD, "position": 0})
    assert not fast_validator("bulletin").is_valid({**bulletin_good, "url": "ftp://x"})


def test_every_fixture_record_is_accepted_by_the_fast_validator():
    from kexie_scraper.schema import fast_validator

    for fixture in FIXTURES[:60]:
        result = parse_page(fixture.body, url=fixture.url, content_type=fixture.headers.get("Content-Type"),
                            source=fixture.body_path.parent.name).to_dict()
        assert fast_validator("bulletin").is_valid(result["bulletin"]) == (_reference_errors("bulletin", result["bulletin"]) == [])
        for article in result["articles"]:
            assert fast_validator("article").is_valid(article), article


def test_record_equals_itemadapter_asdict_for_every_fixture_item():
    from itemadapter import ItemAdapter

    from kexie_scraper.items import record

    for fixture in FIXTURES:
        result = parse_page(fixture.body, url=fixture.url, content_type=fixture.headers.get("Content-Type"),
                            source=fixture.body_path.parent.name)
        for item in [result.bulletin, *result.articles]:
            copy = record(item)
            assert copy == ItemAdapter(item).asdict()
            if isinstance(copy.get("region"), dict):
                assert copy["region"] is not item.region  # kept records do not share the item's dicts
