"""`kexie export` (JSON Lines, CSV for Excel, Parquet) and `kexie stats` over a demo database."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from kexie_scraper.export import FLAT_COLUMNS
from kexie_scraper.schema import errors


def kexie(*args, ok=True):
    run = subprocess.run([sys.executable, "-m", "kexie_scraper.cli", *args], capture_output=True, timeout=300)
    if ok:
        assert run.returncode == 0, run.stderr.decode()[-3000:]
    return run


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    out = tmp_path_factory.mktemp("export")
    kexie("demo", "--out", str(out))
    return out, f"sqlite:///{out / 'kexie.sqlite'}"


def test_jsonl_to_stdout_is_every_article_in_the_schema(demo_db):
    out, db = demo_db
    run = kexie("export", "--database-url", db)
    lines = [json.loads(line) for line in run.stdout.decode("utf-8").splitlines()]
    assert len(lines) == 105
    assert all(errors("article", a) == [] for a in lines)
    stored = {json.loads(x)["id"] for x in (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()}
    assert {a["id"] for a in lines} == stored
    dates = [a["published_at"] for a in lines]
    assert dates == sorted(dates)  # by publication time


def test_filters(demo_db):
    out, db = demo_db
    everything = [json.loads(x) for x in kexie("export", "--database-url", db).stdout.decode().splitlines()]

    def export(*args):
        return [json.loads(x) for x in kexie("export", "--database-url", db, *args).stdout.decode().splitlines()]

    sichuan = export("--province", "四川")
    assert sichuan and all(a["region"]["province"] == "四川省" for a in sichuan)
    assert len(sichuan) == sum(a["region"]["province"] == "四川省" for a in everything)
    assert export("--province", "四川省") == sichuan
    two = export("--province", "四川", "--province", "浙江省")
    assert {a["region"]["province"] for a in two} == {"四川省", "浙江省"}
    jxkx = export("--source", "jxkx")
    assert len(jxkx) == 3 and {a["source"] for a in jxkx} == {"jxkx"}
    window = export("--since", "2021-01-01", "--until", "2021-05-12")
    want = [a for a in everything if a["published_at"] and "2021-01-01" <= a["published_at"][:10] <= "2021-05-12"]
    assert window == want and 0 < len(window) < len(everything)
    bad = kexie("export", "--database-url", db, "--since", "2021-13-01", ok=False)
    assert bad.returncode == 1 and b"month must be in 1..12" in bad.stderr


def test_csv_opens_in_excel_with_chinese_intact(demo_db, tmp_path):
    out, db = demo_db
    path = tmp_path / "a.csv"
    summary = json.loads(kexie("export", "--format", "csv", "--database-url", db, "--out", str(path)).stdout)
    assert summary == {"exported": 105, "format": "csv", "out": str(path)}
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    text = raw.decode("utf-8-sig")
    assert "德阳市科协" in text and "林𫖯博士" in text
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == 105 and tuple(rows[0]) == FLAT_COLUMNS
    assert {"province", "city", "county", "region_code", "region_former_name"} <= set(rows[0])
    assert "region" not in rows[0]
    deyang = next(r for r in rows if r["title"] == "德阳市科协推广使用“学习强国”平台")
    assert (deyang["province"], deyang["city"], deyang["region_code"]) == ("四川省", "德阳市", "510600")
    assert any("\n" in r["body"] for r in rows)  # multi-paragraph bodies survive inside quoted cells


def test_parquet(demo_db, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet", reason="the export extra (pyarrow) is not installed")
    out, db = demo_db
    path = tmp_path / "a.parquet"
    kexie("export", "--format", "parquet", "--database-url", db, "--out", str(path), "--source", "scimall")
    table = pq.read_table(path)
    assert table.num_rows == 52 and tuple(table.column_names) == FLAT_COLUMNS
    assert str(table.schema.field("position").type) == "int32"
    assert str(table.schema.field("split_confidence").type) == "double"
    assert "江苏省" in table.column("province").to_pylist()
    empty = tmp_path / "none.parquet"
    kexie("export", "--format", "parquet", "--database-url", db, "--out", str(empty), "--source", "nobody")
    assert pq.read_table(empty).num_rows == 0 and tuple(pq.read_table(empty).column_names) == FLAT_COLUMNS
    no_file = kexie("export", "--format", "parquet", "--database-url", db, ok=False)
    assert no_file.returncode == 1 and b"--out" in no_file.stderr


def test_export_from_postgresql(pg_url, tmp_path):
    from kexie_scraper.export import export
    from kexie_scraper.storage import ArticleFilter, open_store

    store = open_store(pg_url)
    store.upsert_bulletin({"id": "b" * 16, "source": "scimall", "url": "https://x.cn/1", "page_state": "ok",
                           "article_count": 1})
    store.upsert_article({"id": "a" * 16, "content_hash": "c" * 20, "bulletin_id": "b" * 16, "source": "scimall",
                          "bulletin_url": "https://x.cn/1", "position": 1, "title": "德阳市科协召开会议", "body": "正文",
                          "region": {"province": "四川省", "city": "德阳市", "code": "510600"},
                          "published_at": "2021-05-12T00:00:00+08:00", "crawled_at": "2021-05-13T00:00:00+08:00"})
    store.close()
    path = tmp_path / "pg.csv"
    assert export(pg_url, "csv", path, ArticleFilter(provinces=("四川",), since="2021-05-12", until="2021-05-12")) == 1
    assert "德阳市" in path.read_text(encoding="utf-8-sig")
    assert export(pg_url, "csv", tmp_path / "none.csv", ArticleFilter(until="2021-05-11")) == 0


# --- stats -------------------------------------------------------------------------------------
def test_stats_text_and_json(demo_db):
    out, db = demo_db
    text = kexie("stats", "--database-url", db).stdout.decode("utf-8")
    assert text.startswith("articles: 105") and "by province:" in text and "by city:" in text and "by month:" in text
    assert "四川省" in text
    data = json.loads(kexie("stats", "--database-url", db, "--format", "json").stdout)
    assert data["articles"] == 105
    assert sum(n for _, n in data["by_province"]) == 105
    assert sum(n for *_, n in data["by_city"]) == 105
    assert sum(n for _, n in data["by_month"]) == 105
    months = [m for m, _ in data["by_month"]]
    assert months == sorted(months) and all(len(m) == 7 or m == "(none)" for m in months)
    sichuan = dict((p, n) for p, n in data["by_province"])["四川省"]
    assert sichuan == sum(n for p, _, n in data["by_city"] if p == "四川省")
    only = json.loads(kexie("stats", "--database-url", db, "--format", "json", "--source", "jxkx").stdout)
    assert only["articles"] == 3


def test_stats_plot_writes_a_png(demo_db, tmp_path):
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
    out, db = demo_db
    path = tmp_path / "plots" / "per_province.png"
    run = kexie("stats", "--database-url", db, "--plot", str(path), "--format", "json")
    drawn = json.loads(run.stdout)["plot"]
    assert drawn["plot"] == str(path) and drawn["provinces"] >= 5 and drawn["months"] >= 5
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
