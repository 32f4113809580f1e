"""alltheplaces-style conventions: file name = spider name; class = CamelCase(name) + 'Spider'."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from kexie_scraper.spiders.base import BulletinSpider

LOADER = SpiderLoader.from_settings(get_project_settings())


@pytest.mark.parametrize("name", LOADER.list())
def test_spider_naming(name):
    cls = LOADER.load(name)
    assert Path(inspect.getfile(cls)).stem == name
    assert cls.__name__ == "".join(part.capitalize() for part in name.split("_")) + "Spider"


@pytest.mark.parametrize("name", LOADER.list())
def test_spider_is_documented_and_uses_the_base(name):
    cls = LOADER.load(name)
    assert issubclass(cls, BulletinSpider)
    doc = inspect.getdoc(cls) or ""
    for section in ("Domain", "Spider arguments", "Caveats"):
        assert section in doc, f"{name}: docstring lacks {section}"


def test_there_is_a_scimall_spider():
    assert "scimall" in LOADER.list()
