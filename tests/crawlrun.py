"""Helpers for tests that run real crawl processes against the replay server: start
workers, SIGKILL them at a chosen point, and compare what the database holds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text


def page_fetches(server) -> dict[str, int]:
    """Requests served per page, robots.txt left out (every worker asks for it once)."""
    return {k: v for k, v in server.fetches.items() if not k.endswith("/robots.txt")}


def pages_served(server) -> int:
    return sum(page_fetches(server).values())


class Worker:
    """One `kexie crawl` process; its output goes to files (a pipe could fill and block it)."""

    def __init__(self, args: list[str], logdir: Path, name: str) -> None:
        self.args = args
        self.name = name
        logdir.mkdir(parents=True, exist_ok=True)
        self.out_path = logdir / f"{name}.{time.monotonic_ns()}.out"
        self.err_path = logdir / f"{name}.{time.monotonic_ns()}.err"
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.proc = subprocess.Popen([sys.executable, "-m", "kexie_scraper.cli", *args], stdout=out, stderr=err,
                                         env={**os.environ})

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> bool:
        """SIGKILL; False when it had finished already."""
        if not self.alive():
            return False
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        return True

    def result(self, timeout: float = 180) -> dict:
        self.proc.wait(timeout=timeout)
        err = self.err_path.read_text()
        assert self.proc.returncode == 0, f"{self.name} exited {self.proc.returncode}: {err[-3000:]}"
        assert "Traceback" not in err, err[-3000:]
        return json.loads(self.out_path.read_text().strip().splitlines()[-1])


def kill_at(server, worker: Worker, pages: int, extra_delay: float, timeout: float = 60) -> bool:
    """SIGKILL ``worker`` once the server has served ``pages`` pages, plus ``extra_delay`` s."""
    deadline = time.monotonic() + timeout
    while pages_served(server) < pages and worker.alive() and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(extra_delay)
    return worker.kill()


def snapshot(db_url: str) -> dict:
    """What a crawl leaves in the database, in comparable form."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            articles = [tuple(r) for r in conn.execute(text(
                "SELECT id, content_hash, bulletin_id, title, body, region_code, split_rule FROM articles"))]
            bulletins = [r[0] for r in conn.execute(text("SELECT id FROM bulletins"))]
            urls = [tuple(r) for r in conn.execute(text("SELECT content_hash, url FROM article_urls"))]
    finally:
        engine.dispose()
    return {"articles": sorted(articles), "bulletins": sorted(bulletins), "urls": sorted(urls)}


def count_articles(db_url: str) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            try:
                return conn.execute(text("SELECT count(*) FROM articles")).scalar()
            except Exception:  # noqa: BLE001 - killed before the schema existed
                return 0
    finally:
        engine.dispose()
