"""Progress on long work: a live display on stderr (a terminal, or --progress) in crawl, demo,
reparse and export, a summary table at the end — and stdout's JSON line untouched."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys

import pytest

pytest.importorskip("rich", reason="the progress extra (rich) is not installed")

from kexie_scraper.replay import ReplayServer  # noqa: E402

CLI = [sys.executable, "-m", "kexie_scraper.cli"]


def run(*args):
    done = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def on_a_terminal(*args, timeout=120):
    """Run with stderr on a pseudo-terminal (stdout a pipe); return (exit code, stdout, terminal output)."""
    master, slave = os.openpty()
    proc = subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=slave, text=False,
                            env={**os.environ, "COLUMNS": "160", "TERM": "xterm-256color"})
    os.close(slave)
    screen = b""
    while True:
        ready, _, _ = select.select([master], [], [], timeout)
        if not ready:
            proc.kill()
            raise AssertionError("no output from the terminal")
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        screen += chunk
    out = proc.stdout.read()
    proc.wait(timeout=timeout)
    os.close(master)
    return proc.returncode, out.decode("utf-8"), screen.decode("utf-8", "replace")


def test_demo_with_progress_keeps_the_json_line(tmp_path):
    done = run("demo", "--out", str(tmp_path / "out"), "--progress", "--archive", str(tmp_path / "warc"))
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["articles"] == 105 and len(done.stdout.strip().splitlines()) == 1
    for name in ("cast", "imast", "jxkx", "scimall", "sckx", "zast"):
        assert name in done.stderr
    assert "articles 58  new 52  dupes 6" in done.stderr  # scimall's progress line at its end
    assert "crawl health" in done.stderr
    # reparse and export show theirs too
    db = f"sqlite:///{tmp_path / 'out' / 'kexie.sqlite'}"
    rep = run("reparse", "--archive", str(tmp_path / "warc"), "--database-url", db, "--progress")
    assert "reparse" in rep.stderr and "70/70" in rep.stderr
    assert json.loads(rep.stdout.strip().splitlines()[-1])["pages"] == 70
    exp = run("export", "--format", "csv", "--database-url", db, "--out", str(tmp_path / "a.csv"), "--progress")
    exported = json.loads(exp.stdout)["exported"]
    assert "export" in exp.stderr and f"{exported}/{exported}" in exp.stderr


def test_reparse_of_the_demo_archive_changes_nothing(tmp_path):
    """The unchanged parser over the demo's own archive: every stored report is found
    again, the two the crawl matched by MinHash stay sightings (not second copies), and
    the database is the same afterwards, row for row."""
    import sqlite3

    run = lambda *a: subprocess.run([sys.executable, "-m", "kexie_scraper.cli", *a], capture_output=True, text=True,
                                    timeout=600)
    run("demo", "--out", str(tmp_path / "out"), "--archive", str(tmp_path / "warc"))
    path = tmp_path / "out" / "kexie.sqlite"
    snapshot = lambda: {table: sorted(sqlite3.connect(path).execute(f"SELECT {cols} FROM {table}").fetchall())
                        for table, cols in (("articles", "id, title, body, region_code"),
                                            ("article_urls", "content_hash, url, match, similarity"),
                                            ("signatures", "article_id, signature"))}
    before = snapshot()
    rep = run("reparse", "--archive", str(tmp_path / "warc"), "--database-url", f"sqlite:///{path}")
    counts = json.loads(rep.stdout.strip().splitlines()[-1])
    assert (counts["inserted"], counts["deleted"], counts["updated"]) == (0, 0, 0), counts
    assert counts["near_duplicates"] == 2 and counts["unchanged"] == len(before["articles"]) == 105, counts
    assert counts["duplicates"] == 55, counts  # reposts of stored reports (aggregator copies of WeChat posts…)
    assert snapshot() == before


def test_no_progress_without_a_terminal(tmp_path):
    with ReplayServer() as server:
        done = run("crawl", "jxkx", "--replay", server.url, "--out", str(tmp_path), "--log-level", "WARNING")
    assert "articles 3  new 3" not in done.stderr  # no live line
    assert "crawl health" in done.stderr  # the summary (plain text) is always there
    assert json.loads(done.stdout)["articles"] == 3


def test_on_a_terminal_a_live_display_and_a_rich_table(tmp_path):
    with ReplayServer() as server:
        code, out, screen = on_a_terminal("crawl", "jxkx", "--replay", server.url, "--out", str(tmp_path),
                                          "--log-level", "WARNING")
    assert code == 0, screen[-3000:]
    assert json.loads(out.strip().splitlines()[-1])["articles"] == 3
    assert "jxkx" in screen and "articles 3" in screen
    assert "\x1b[" in screen  # a live display redraws with terminal escapes
    assert "┃" in screen or "│" in screen  # the summary as a rich table
    assert "crawl health" in screen
