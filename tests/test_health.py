"""Health after every crawl: the per-source report, the crawl_runs history, and the
thresholds that turn a source yielding nothing, or losing field coverage against its recent
runs (layout drift), into a non-zero exit with a clear report."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from kexie_scraper import health
from kexie_scraper.health import EXIT_UNHEALTHY, Thresholds, check, measure
from kexie_scraper.replay import FIXTURES_DIR, ReplayServer
from kexie_scraper.storage import open_store


def stats(**kw):
    base = {"kexie/list_pages": 2, "kexie/list_entries": 14, "kexie/page_state/ok": 14, "kexie/stored/bulletins": 13,
            "kexie/stored/articles": 52, "kexie/duplicates/articles": 6, "kexie/fields/articles": 58,
            "kexie/fields/title": 36, "kexie/fields/attribution": 58, "kexie/fields/region_code": 58}
    base.update(kw)
    return base


def past(**cov):
    return {"articles": 50, "coverage_title": 0.6, "coverage_attribution": 1.0, "coverage_region_code": 1.0, **cov}


def test_measure_counts_pages_articles_failures_and_coverage():
    run = measure("scimall", stats(**{"kexie/failed_requests": 3, "kexie/failed_requests/http_404": 2,
                                      "kexie/failed_requests/TimeoutError": 1, "kexie/page_state/deleted": 1,
                                      "kexie/invalid/articles": 2}))
    assert (run["pages"], run["bulletin_pages"], run["bulletins"], run["articles"], run["new_articles"],
            run["duplicates"]) == (17, 15, 13, 58, 52, 6)
    assert run["details"]["failures"] == {"TimeoutError": 1, "http_404": 2, "invalid_article": 2, "page_deleted": 1}
    assert run["failures"] == 3 + 2 + 1
    assert (run["coverage_title"], run["coverage_attribution"], run["coverage_region_code"]) == (0.6207, 1.0, 1.0)


def test_a_healthy_run():
    verdict = check(measure("scimall", stats()), [past()] * 5, Thresholds())
    assert verdict.status == "ok" and verdict.alerts == [] and verdict.history == 5
    assert verdict.baseline == {"title": 0.6, "attribution": 1.0, "region_code": 1.0}


@pytest.mark.parametrize("changes, alert", [
    ({"kexie/list_pages": 0, "kexie/list_entries": 0, "kexie/page_state/ok": 0, "kexie/fields/articles": 0,
      "kexie/failed_requests": 1}, "no page could be read"),
    ({"kexie/list_entries": 0, "kexie/page_state/ok": 0, "kexie/fields/articles": 0}, "no article link on its 2 list"),
    ({"kexie/fields/articles": 0}, "its 14 bulletin page(s) gave no article"),
    ({"kexie/failed_requests": 20, "kexie/failed_requests/http_503": 20}, "20 of 36 requests failed (http_503 20)"),
    ({"kexie/fields/attribution": 10}, "attribution coverage 17%, down from a median of 100% over its last 5 runs"),
])
def test_alerts(changes, alert):
    verdict = check(measure("scimall", stats(**changes)), [past()] * 5, Thresholds())
    assert verdict.status == "alert"
    assert any(alert in a for a in verdict.alerts), verdict.alerts


def test_coverage_is_compared_with_the_median_not_the_last_run():
    history = [past(coverage_attribution=0.1)] + [past()] * 4  # one bad run does not move the median
    verdict = check(measure("scimall", stats(**{"kexie/fields/attribution": 20})), history, Thresholds())
    assert verdict.baseline["attribution"] == 1.0 and verdict.status == "alert"
    within = check(measure("scimall", stats(**{"kexie/fields/attribution": 48})), history, Thresholds())
    assert within.status == "ok"  # 83%: less than 20 points below


def test_coverage_needs_enough_history_and_articles():
    few_runs = check(measure("scimall", stats(**{"kexie/fields/title": 0})), [past()] * 2, Thresholds())
    assert few_runs.status == "ok" and few_runs.baseline == {}
    small = stats(**{"kexie/fields/articles": 3, "kexie/fields/title": 0, "kexie/fields/attribution": 0,
                     "kexie/fields/region_code": 0})
    assert check(measure("scimall", small), [past()] * 5, Thresholds()).status == "ok"
    tiny_history = [past(articles=2, coverage_title=1.0)] * 5  # runs under min_articles are no baseline
    assert check(measure("scimall", stats()), tiny_history, Thresholds()).baseline == {}


def test_a_resumed_run_is_partial():
    verdict = check(measure("scimall", stats(**{"kexie/resumed_requests": 4, "kexie/fields/articles": 0})),
                    [past()] * 5, Thresholds())
    assert verdict.status == "partial" and verdict.alerts == []


def test_history_is_kept_per_source_newest_first(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'k.sqlite'}")
    try:
        for i in range(4):
            verdicts = health.assess(store, {"scimall": {**stats(), "finish_time": f"2024-01-0{i + 1}T00:00:00+08:00"},
                                             "cast": stats(**{"kexie/fields/articles": 0})})
        assert verdicts["scimall"].status == "ok" and verdicts["scimall"].history == 3
        assert verdicts["cast"].status == "alert"
        runs = store.recent_crawl_runs("scimall", 10)
        assert [r["finished_at"][:10] for r in runs] == ["2024-01-04", "2024-01-03", "2024-01-02", "2024-01-01"]
        assert json.loads(runs[0]["details"])["thresholds"]["runs"] == 10
        assert len(store.recent_crawl_runs("scimall", 2)) == 2
    finally:
        store.close()


# --- through `kexie crawl` -----------------------------------------------------------------------
def crawl(server, db, *extra):
    run = subprocess.run([sys.executable, "-m", "kexie_scraper.cli", "crawl", "scimall", "--replay", server.url,
                          "--database-url", db, "--no-feeds", "--log-level", "WARNING", *extra],
                         capture_output=True, text=True, timeout=300)
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    return run, json.loads(run.stdout.strip().splitlines()[-1])


def test_crawl_reports_health_and_records_the_run(tmp_path):
    db = f"sqlite:///{tmp_path / 'k.sqlite'}"
    with ReplayServer() as server:
        run, line = crawl(server, db)
    assert run.returncode == 0
    assert line["articles"] == 52 and line["health"]["status"] == "ok"
    assert line["health"]["coverage"] == {"title": 0.6207, "attribution": 1.0, "region_code": 1.0}
    assert "crawl health" in run.stderr and "scimall" in run.stderr and "OK" in run.stderr
    store = open_store(db)
    (row,) = store.recent_crawl_runs("scimall")
    store.close()
    assert (row["pages"], row["bulletins"], row["articles"], row["new_articles"], row["duplicates"]) == (16, 13, 58, 52, 6)


def test_layout_drift_exits_non_zero_with_a_clear_report(tmp_path):
    db = f"sqlite:///{tmp_path / 'k.sqlite'}"
    store = open_store(db)
    for day in range(1, 6):  # five earlier runs in which every article had a title
        store.record_crawl_run({**measure("scimall", stats(**{"kexie/fields/title": 58})), "status": "ok",
                                "finished_at": f"2024-01-0{day}T06:00:00+08:00", "details": "{}"})
    store.close()
    with ReplayServer() as server:
        run, line = crawl(server, db)
        assert run.returncode == EXIT_UNHEALTHY
        assert "ALERT scimall: title coverage 62%, down from a median of 100% over its last 5 runs" in run.stderr
        assert line["health"]["status"] == "alert" and line["articles"] == 52  # stored all the same
        ignored, _ = crawl(server, db, "--refetch", "--ignore-health")
        assert ignored.returncode == 0 and "ALERT scimall" in ignored.stderr
        loose, _ = crawl(server, db, "--refetch", "--coverage-drop", "0.5")
        assert loose.returncode == 0


def test_a_source_that_yields_nothing_fails(tmp_path):
    site = tmp_path / "site"
    (site / "scimall").mkdir(parents=True)
    for name in ("list_channel_p1.meta.json", "list_channel_p1.html"):
        shutil.copy(FIXTURES_DIR / "scimall" / name, site / "scimall" / name)
    (site / "scimall" / "list_channel_p1.html").write_text("<html><body><p>网站改版，敬请期待</p></body></html>",
                                                           encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'k.sqlite'}"
    with ReplayServer(root=site) as server:
        run, line = crawl(server, db)
    assert run.returncode == EXIT_UNHEALTHY
    assert "ALERT scimall: yielded nothing: no article link on its 1 list page(s)" in run.stderr
    with ReplayServer(root=tmp_path / "empty") if (tmp_path / "empty").mkdir() is None else None as server:
        run, line = crawl(server, db)
    assert run.returncode == EXIT_UNHEALTHY
    assert "yielded nothing: no page could be read" in run.stderr
    assert line["health"]["failures_by_reason"] == {"http_404": 1}
    assert "failures scimall: http_404 1" in run.stderr
