"""alltheplaces-style conventions, checked for every spider (new ones included).

* file name = spider name, lower_snake_case; class = CamelCase(name) + 'Spider';
* one spider per file under kexie_scraper/spiders/ (bases/ hold no spiders);
* the docstring has Domain, Spider arguments and Caveats (kingfisher-collect style);
* fixtures/<name>/ holds the source's pages, with at least one expected parse;
* tests/test_spider_<name>.py tests the spider on them (City Scrapers style).
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from kexie_scraper.spiders.base import BulletinSpider

ROOT = Path(__file__).resolve().parent.parent
SPIDERS = ROOT / "kexie_scraper" / "spiders"
LOADER = SpiderLoader.from_settings(get_project_settings())
NAMES = LOADER.list()


@pytest.mark.parametrize("name", NAMES)
def test_spider_naming(name):
    cls = LOADER.load(name)
    assert re.fullmatch(r"[a-z][a-z0-9_]*", name)
    assert Path(inspect.getfile(cls)).resolve() == SPIDERS / f"{name}.py"
    assert cls.__name__ == "".join(part.capitalize() for part in name.split("_")) + "Spider"


@pytest.mark.parametrize("name", NAMES)
def test_spider_is_documented_and_uses_the_base(name):
    cls = LOADER.load(name)
    assert issubclass(cls, BulletinSpider)
    doc = inspect.getdoc(cls) or ""
    for section in ("Domain", "Spider arguments", "Caveats"):
        assert section in doc, f"{name}: docstring lacks {section}"


def test_every_spider_module_holds_its_spider():
    modules = sorted(p.stem for p in SPIDERS.glob("*.py") if p.stem not in ("__init__", "base"))
    assert modules == sorted(NAMES), "a file under spiders/ without its spider, or a spider elsewhere"


@pytest.mark.parametrize("name", NAMES)
def test_spider_has_fixtures_with_expected_parses(name):
    folder = ROOT / "fixtures" / name
    sidecars = sorted(folder.glob("*.meta.json"))
    assert sidecars, f"fixtures/{name}/ has no fixtures (kexie capture, or kexie new-source)"
    assert list(folder.glob("*.expected.json")), f"fixtures/{name}/ has no <page>.expected.json"
    for sidecar in sidecars:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        assert isinstance(meta.get("synthetic"), bool) and meta.get("note"), sidecar.name


@pytest.mark.parametrize("name", NAMES)
def test_spider_has_a_test(name):
    test = ROOT / "tests" / f"test_spider_{name}.py"
    assert test.is_file(), f"tests/test_spider_{name}.py is missing"
    assert LOADER.load(name).__name__ in test.read_text(encoding="utf-8")


def test_there_is_a_scimall_spider_and_the_issue_4_sources():
    assert {"scimall", "cast", "sckx", "zast", "imast"} <= set(NAMES)


def test_channel_arguments_fill_the_declared_url_form():
    """A source with several channels declares ``channel_url`` / ``default_channels`` and
    the base turns ``-a <channel_arg>=a,b`` into start URLs (no __init__ of its own)."""
    from kexie_scraper.spiders.cast import CastSpider
    from kexie_scraper.spiders.scimall import ScimallSpider
    from kexie_scraper.spiders.sckx import SckxSpider
    from kexie_scraper.spiders.zast import ZastSpider

    assert ZastSpider().start_urls == ["https://www.zast.org.cn/col/col1673864/index.html"]
    assert ZastSpider(columns="1, 2,").start_urls == ["https://www.zast.org.cn/col/col1/index.html",
                                                      "https://www.zast.org.cn/col/col2/index.html"]
    assert SckxSpider(columns="abc").start_urls == ["https://www.sckx.org.cn/views/news/list/abc/15/1.html"]
    assert ScimallSpider(channels="7").start_urls == ["https://www.scimall.org.cn/channel/list?cid=7"]
    assert CastSpider(channels="/xw/A/index.html,https://sj.cast.org.cn/x/index.html").start_urls == [
        "https://www.cast.org.cn/xw/A/index.html", "https://sj.cast.org.cn/x/index.html"]
    assert len(CastSpider().start_urls) == 3
    for cls in (CastSpider, ScimallSpider, SckxSpider, ZastSpider):
        assert "__init__" not in vars(cls), f"{cls.__name__} should declare its channels, not parse them"
