"""The raw archive: a crawl with --archive keeps every response as WARC; `kexie reparse`
re-parses it without network into the same articles, and a changed parse updates rows."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from dataclasses import replace

import pytest

pytest.importorskip("warcio", reason="the archive extra (warcio) is not installed")

from warcio.archiveiterator import ArchiveIterator  # noqa: E402

from kexie_scraper.archive import archive_files, iter_pages  # noqa: E402
from kexie_scraper.parsing.page import parse_page  # noqa: E402
from kexie_scraper.reparse import reparse  # noqa: E402
from kexie_scraper.replay import ReplayServer  # noqa: E402

COLUMNS = "id, content_hash, bulletin_id, position, title, body, attribution, org, province, city, county, " \
          "region_code, split_rule, split_confidence, bulletin_url, source, crawled_at, first_seen_at"


def kexie(*args):
    run = subprocess.run([sys.executable, "-m", "kexie_scraper.cli", *args], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def rows(db, sql):
    con = sqlite3.connect(db)
    try:
        return sorted(con.execute(sql).fetchall(), key=repr)
    finally:
        con.close()


def snapshot(db):
    return {"articles": rows(db, f"SELECT {COLUMNS} FROM articles"), "bulletins": rows(db, "SELECT * FROM bulletins"),
            "urls": rows(db, "SELECT content_hash, url, bulletin_id FROM article_urls")}


@pytest.fixture(scope="module")
def archived(tmp_path_factory):
    """One crawl of scimall's fixture site with --archive: (db path, archive dir, summary)."""
    tmp = tmp_path_factory.mktemp("archive")
    db, arch = tmp / "k.sqlite", tmp / "warc"
    with ReplayServer() as server:
        summary = kexie("crawl", "scimall", "--replay", server.url, "--database-url", f"sqlite:///{db}",
                        "--no-feeds", "--log-level", "WARNING", "--archive", str(arch))
    return db, arch, summary


def test_every_response_is_archived(archived):
    db, arch, summary = archived
    files = archive_files(arch)
    assert len(files) == 1 and files[0].name.startswith("scimall-") and files[0].name.endswith(".warc.gz")
    with open(files[0], "rb") as fh:
        records = [r for r in ArchiveIterator(fh) if r.rec_type == "response"]
    uris = [r.rec_headers.get_header("WARC-Target-URI") for r in records]
    # robots.txt, both list pages and every bulletin page, under their real URLs (not the replay server's)
    assert len(records) == summary["pages"] + 1
    assert any(u.endswith("/robots.txt") for u in uris) and all(u.startswith("https://www.scimall.org.cn/") for u in uris)
    pages = iter_pages(arch)
    assert len(pages) == summary["bulletin_pages"] == 14
    body, content_type, status = pages[0].read()
    assert status == 200 and content_type.startswith("text/html") and b"<html" in body.lower()


def test_reparse_gives_back_the_same_articles(archived, tmp_path):
    db, arch, summary = archived
    before = snapshot(db)
    assert len(before["articles"]) == summary["articles"] == 52
    counts = kexie("reparse", "--archive", str(arch), "--database-url", f"sqlite:///{db}")
    assert counts["pages"] == 14 and counts["invalid_pages"] == counts["not_ok_pages"] == 0
    assert (counts["inserted"], counts["updated"], counts["deleted"]) == (0, 0, 0)
    # The repost's six are the original's rows (same bulletin): sighted, left to the original.
    assert (counts["unchanged"], counts["duplicates"]) == (52, 6)
    assert snapshot(db) == before


def test_reparse_into_an_empty_database_rebuilds_it(archived, tmp_path):
    db, arch, _ = archived
    fresh = tmp_path / "fresh.sqlite"
    counts = reparse(f"sqlite:///{fresh}", arch)
    assert counts["inserted"] == 52 and counts["deleted"] == 0
    got = rows(fresh, "SELECT id, title, body, org, region_code FROM articles")
    assert got == rows(db, "SELECT id, title, body, org, region_code FROM articles")


def test_a_changed_parse_updates_inserts_and_deletes_rows(archived, tmp_path):
    db, arch, _ = archived
    work = tmp_path / "k.sqlite"
    work.write_bytes(db.read_bytes())
    before = {r[0]: r for r in rows(work, "SELECT id, org, region_code, position, first_seen_at, bulletin_url "
                                          "FROM articles")}

    def better(data, **kwargs):
        """A 'better' parser: every org renamed, and the last report of each page merged away."""
        result = parse_page(data, **kwargs)
        articles = [replace(a, org=f"{a.org}（新）" if a.org else "新组织") for a in result.articles]
        if len(articles) > 1:
            articles = articles[:-1]
        return replace(result, articles=articles)

    counts = reparse(f"sqlite:///{work}", arch, parse=better)
    after = {r[0]: r for r in rows(work, "SELECT id, org, region_code, position, first_seen_at, bulletin_url "
                                         "FROM articles")}
    assert counts["deleted"] > 0 and counts["updated"] > 0 and counts["inserted"] == 0
    assert set(after) < set(before) and len(before) - len(after) == counts["deleted"]
    for aid, row in after.items():
        assert row[1].endswith("（新）") or row[1] == "新组织"
        assert row[4] == before[aid][4] and row[5] == before[aid][5]  # first seen, provenance kept
    # No sighting points at a deleted article from its own page.
    orphans = rows(work, "SELECT u.url FROM article_urls u LEFT JOIN articles a ON a.content_hash = u.content_hash "
                         "WHERE a.id IS NULL")
    assert orphans == []
    # Nor does a signature or band row: a later near-duplicate lookup cannot match a deleted report.
    assert rows(work, "SELECT s.article_id FROM signatures s LEFT JOIN articles a ON a.id = s.article_id "
                      "WHERE a.id IS NULL") == []
    bands = "SELECT count(*) FROM ({} b LEFT JOIN signatures s ON s.id = b.signature_id) WHERE s.id IS NULL"
    assert rows(work, bands.format("signature_bands")) == rows(work, bands.format("signature_bands_recent")) == [(0,)]
    signed = rows(work, "SELECT count(*) FROM signatures")[0][0]
    assert rows(work, "SELECT (SELECT count(*) FROM signature_bands) + (SELECT count(*) FROM signature_bands_recent)") == [
        (signed * 25,)]
    again = reparse(f"sqlite:///{work}", arch, parse=better)
    assert (again["updated"], again["deleted"], again["inserted"]) == (0, 0, 0)  # idempotent
    restored = reparse(f"sqlite:///{work}", arch)  # the old parser again: the merged-away reports come back
    assert restored["inserted"] == counts["deleted"]
    assert rows(work, "SELECT id, org FROM articles") == rows(db, "SELECT id, org FROM articles")
    assert rows(work, "SELECT article_id, signature FROM signatures ORDER BY article_id") == rows(
        db, "SELECT article_id, signature FROM signatures ORDER BY article_id")  # and their signatures come back


def test_reparse_filters_by_source_and_fetch_date(archived):
    _, arch, _ = archived
    assert iter_pages(arch, source="cast") == []
    assert len(iter_pages(arch, source="scimall")) == 14
    assert iter_pages(arch, since="2999-01-01") == []


def test_reparse_without_an_archive_says_so(tmp_path):
    run = subprocess.run([sys.executable, "-m", "kexie_scraper.cli", "reparse", "--archive", str(tmp_path / "none")],
                         capture_output=True, text=True)
    assert run.returncode == 1 and "no archive directory" in run.stderr


def test_reparse_on_postgresql(archived, pg_url):
    db, arch, _ = archived
    first = reparse(pg_url, arch)
    second = reparse(pg_url, arch)
    assert first["inserted"] == 52 and (second["inserted"], second["updated"], second["deleted"]) == (0, 0, 0)
