"""`kexie browse`: Datasette on the SQLite database, with facets on province, source and org."""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from kexie_scraper.browse import metadata_for, sqlite_path

pytestmark = pytest.mark.skipif(importlib.util.find_spec("datasette") is None,
                                reason="Datasette (the browse extra) is not installed: pip install -e '.[browse]'")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    out = tmp_path_factory.mktemp("browse")
    run = subprocess.run([sys.executable, "-m", "kexie_scraper.cli", "demo", "--out", str(out)], capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return out / "kexie.sqlite"


def get_json(url: str, deadline: float):
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.loads(response.read().decode("utf-8"))
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_browse_serves_the_database_with_facets(database):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kexie_scraper.cli", "browse", "--database-url",
                             f"sqlite:///{database}", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        data = get_json(f"http://127.0.0.1:{port}/kexie/articles.json?_size=5", time.monotonic() + 60)
        assert data["filtered_table_rows_count"] == 105
        facets = data["facet_results"]
        facets = facets if isinstance(facets, dict) else {f["name"]: f for f in facets}
        assert {"province", "source", "org"} <= set(facets)
        provinces = {r["value"]: r["count"] for r in facets["province"]["results"]}
        assert provinces["四川省"] == 25
        sources = {r["value"]: r["count"] for r in facets["source"]["results"]}
        assert sources["scimall"] == 52 and sum(sources.values()) == 105
        runs = get_json(f"http://127.0.0.1:{port}/kexie/crawl_runs.json", time.monotonic() + 10)
        assert runs["filtered_table_rows_count"] == 7  # the demo's health history, one run per source (wechat too)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode is not None


def test_metadata_follows_the_file_name(tmp_path):
    meta = metadata_for(tmp_path / "crawl2024.sqlite")
    assert meta["databases"]["crawl2024"]["tables"]["articles"]["facets"] == ["province", "source", "org"]


def test_browse_refuses_postgresql_and_missing_files(tmp_path):
    with pytest.raises(ValueError, match="SQLite"):
        sqlite_path("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    with pytest.raises(ValueError, match="no database"):
        sqlite_path(f"sqlite:///{tmp_path / 'none.sqlite'}")
    run = subprocess.run([sys.executable, "-m", "kexie_scraper.cli", "browse", "--database-url",
                          f"sqlite:///{tmp_path / 'none.sqlite'}"], capture_output=True, text=True)
    assert run.returncode == 1 and "no database" in run.stderr
