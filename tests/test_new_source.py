"""`kexie new-source` writes a spider, placeholder fixtures and a test that pass as generated.

The scaffold runs in a copy of this checkout (tests may not write into the repo), and the
copy's own pytest runs the generated tests and the naming conventions there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kexie_scraper.scaffold import FAMILIES, new_source

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {  # one new source per CMS family
    "kx_jcms": ("https://www.kx-jcms.org.cn/col/col101/index.html", "jcms"),
    "kx_jpaas": ("https://www.kx-jpaas.org.cn/xw/dfkx/index.html", "jpaas"),
    "kx_trs": ("https://www.kx-trs.org.cn/xwdt/jcdt/index.html", "trs"),
    "kx_path": ("https://www.kx-path.org.cn/views/news/list/abc/15/1.html", "path"),
    "kx_static": ("http://www.kx-static.gov.cn/class.asp?id=3", "static"),
}


def checkout_copy(dest: Path) -> Path:
    ignore = shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info", ".pytest_cache", "eval")
    for part in ("kexie_scraper", "tests", "fixtures"):
        shutil.copytree(ROOT / part, dest / part, ignore=ignore)
    for part in ("pyproject.toml", "scrapy.cfg"):
        shutil.copy2(ROOT / part, dest / part)
    return dest


def run(args, cwd: Path):
    env = {**os.environ, "PYTHONPATH": str(cwd)}  # the copy's package, not the installed one
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory):
    root = checkout_copy(tmp_path_factory.mktemp("checkout"))
    for name, (url, base) in SOURCES.items():
        made = run(["-m", "kexie_scraper.cli", "new-source", name, url, "--base", base], root)
        assert made.returncode == 0, made.stderr
    return root


def test_every_family_has_a_source_here():
    assert sorted(b for _, b in SOURCES.values()) == sorted(FAMILIES)


def test_generated_files(scaffolded):
    for name, (url, base) in SOURCES.items():
        spider = (scaffolded / "kexie_scraper" / "spiders" / f"{name}.py").read_text(encoding="utf-8")
        assert f'name = "{name}"' in spider and f'start_urls = ["{url}"]' in spider
        assert FAMILIES[base].base in spider
        sidecars = list((scaffolded / "fixtures" / name).glob("*.meta.json"))
        assert sidecars and all('"placeholder": true' in p.read_text(encoding="utf-8") for p in sidecars)
        assert (scaffolded / "tests" / f"test_spider_{name}.py").is_file()


def test_generated_tests_and_conventions_pass_as_generated(scaffolded):
    tests = [f"tests/test_spider_{name}.py" for name in SOURCES] + ["tests/test_spider_conventions.py"]
    result = run(["-m", "pytest", "-q", "-p", "no:cacheprovider", *tests], scaffolded)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "skipped" not in result.stdout  # they pass on the placeholders, not skip
    generated = run(["-m", "pytest", "-q", "-p", "no:cacheprovider", *tests[:-1]], scaffolded)
    assert f"{len(SOURCES)} passed" in generated.stdout, generated.stdout[-2000:]


def test_generated_sources_crawl_in_the_demo(scaffolded):
    result = run(["-m", "kexie_scraper.cli", "demo", "--out", str(scaffolded / "out")], scaffolded)
    assert result.returncode == 0, result.stderr[-3000:]
    sources = json.loads(result.stdout.strip().splitlines()[-1])["sources"]
    for name in SOURCES:
        assert sources[name]["bulletins"] == 1 and sources[name]["errors"] == 0, (name, sources[name])


@pytest.mark.parametrize("name,url,base,message", [
    ("Bad-Name", "https://a.cn/", "trs", "lower_snake_case"),
    ("ok", "ftp://a.cn/", "trs", "http"),
    ("ok", "https://a.cn/", "wordpress", "unknown base"),
    ("ok", "https://a.cn/list.html", "path", "page number"),
    ("cast", "https://www.cast.org.cn/", "jpaas", "exists already"),
])
def test_refusals(name, url, base, message):
    with pytest.raises(ValueError, match=message):
        new_source(name, url, base, ROOT)


def test_cli_reports_a_refusal_in_one_line(capsys):
    from kexie_scraper.cli import main

    assert main(["new-source", "cast", "https://www.cast.org.cn/", "--base", "jpaas"]) == 1
    assert "exists already" in capsys.readouterr().err
