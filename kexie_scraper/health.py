"""The health of each source after a crawl: what it yielded, what failed, how complete the
articles are — and whether that broke from its recent runs (a site redesign, "layout drift").

Measured from the crawl's stats (``measure``) and kept, one row per source per run, in the
``crawl_runs`` table (through the store). ``check`` compares a run with the median of the
source's last N runs and returns the alerts; ``kexie crawl`` and ``kexie demo`` print the
report and exit with ``EXIT_UNHEALTHY`` when a source has one:

* **nothing**: no article link on its list pages, or bulletin pages that gave no article;
* **failures**: more than ``max_failure_share`` of its requests failed;
* **coverage**: the share of articles with a title, an attribution or a region code fell more
  than ``coverage_drop`` below the median of its last ``runs`` runs (runs of at least
  ``min_articles`` articles; judged once ``min_history`` of them exist).

A run that resumed an interrupted one (``--jobdir``) only finishes another run's work: it is
recorded as ``partial`` and neither judged nor used as history.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from statistics import median
from typing import Any

from .pipelines.validate import COVERAGE_FIELDS

EXIT_UNHEALTHY = 4
COVERAGE_COLUMNS = {name: f"coverage_{name}" for name in COVERAGE_FIELDS}


@dataclass
class Thresholds:
    runs: int = 10  # compare with the median of the source's last N runs
    min_articles: int = 5  # coverage is judged (and used as history) only on runs this big
    min_history: int = 3  # ... once this many such runs exist
    coverage_drop: float = 0.2  # alert below median − this (an absolute share: 0.2 = 20 points)
    max_failure_share: float = 0.5  # alert when more of the requests than this failed


@dataclass
class Health:
    run: dict[str, Any]  # the crawl_runs row
    alerts: list[str] = field(default_factory=list)
    baseline: dict[str, float] = field(default_factory=dict)  # coverage medians compared with
    history: int = 0  # runs the baseline is the median of

    @property
    def status(self) -> str:
        return self.run["status"]

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "alerts": self.alerts, "coverage": coverage_of(self.run),
                "baseline": self.baseline, "history_runs": self.history,
                "failures_by_reason": json.loads(self.run["details"])["failures"]}


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone().isoformat(timespec="seconds")
    return value


def measure(source: str, stats: dict[str, Any]) -> dict[str, Any]:
    """A ``crawl_runs`` row (status not yet set) from one spider's stats."""
    states = {k.rsplit("/", 1)[-1]: int(v) for k, v in stats.items() if k.startswith("kexie/page_state/")}
    failures: dict[str, int] = {}
    for key, value in stats.items():
        if key.startswith("kexie/failed_requests/"):
            failures[key.rsplit("/", 1)[-1]] = int(value)
        elif key in ("kexie/invalid/articles", "kexie/invalid/bulletins"):
            failures[f"invalid_{key.rsplit('/', 1)[-1][:-1]}"] = int(value)
    for state, count in states.items():
        if state != "ok":
            failures[f"page_{state}"] = count
    articles = int(stats.get("kexie/fields/articles", 0))
    list_pages = int(stats.get("kexie/list_pages", 0))
    row = {
        "source": source,
        "started_at": _iso(stats.get("start_time")),
        "finished_at": _iso(stats.get("finish_time")) or datetime.now().astimezone().isoformat(timespec="seconds"),
        "pages": list_pages + sum(states.values()),
        "bulletin_pages": sum(states.values()),
        "bulletins": int(stats.get("kexie/stored/bulletins", 0)),
        "articles": articles,
        "new_articles": int(stats.get("kexie/stored/articles", 0)),
        "duplicates": int(stats.get("kexie/duplicates/articles", 0)),
        "failures": int(stats.get("kexie/failed_requests", 0)) + sum(
            v for k, v in failures.items() if k.startswith(("invalid_", "page_"))),
    }
    for name, column in COVERAGE_COLUMNS.items():
        row[column] = round(int(stats.get(f"kexie/fields/{name}", 0)) / articles, 4) if articles else None
    row["details"] = {
        "failures": dict(sorted(failures.items())),
        "failed_requests": int(stats.get("kexie/failed_requests", 0)),
        "list_pages": list_pages,
        "failed_list_pages": int(stats.get("kexie/failed_list_pages", 0)),  # also among failed_requests
        "list_entries": int(stats.get("kexie/list_entries", 0)),
        "skipped_stored_pages": int(stats.get("kexie/skipped_stored_pages", 0)),
        "resumed": bool(stats.get("kexie/resumed_requests")),
    }
    return row


def _unexplained(details: dict[str, Any], bulletin_pages: int) -> bool:
    """Bulletin pages that gave no article and carry no page state of their own (captcha,
    deleted, …, each already recorded and retried): those point at a changed layout."""
    explained = sum(v for k, v in details["failures"].items() if k.startswith("page_"))
    return bulletin_pages > explained


def coverage_of(run: dict[str, Any]) -> dict[str, float | None]:
    return {name: run.get(column) for name, column in COVERAGE_COLUMNS.items()}


def check(run: dict[str, Any], history: list[dict[str, Any]], limits: Thresholds) -> Health:
    """Judge ``run`` (from ``measure``) against ``history`` (the source's earlier runs, newest
    first); sets ``run["status"]`` and ``run["details"]`` (JSON) and returns the verdict."""
    details = run["details"] if isinstance(run["details"], dict) else json.loads(run["details"])
    health = Health(run)
    if details["resumed"]:
        run["status"] = "partial"
    else:
        alerts = health.alerts
        requested = run["pages"] + details["failed_requests"]
        if requested == 0 and not details["list_pages"]:
            pass  # nothing to do this time (wechat with no pending original): idle, not broken
        elif details["list_pages"] == 0 and run["bulletin_pages"] == 0:
            alerts.append(f"yielded nothing: no page could be read ({details['failed_requests']} failed requests)")
        elif details["list_entries"] == 0 and run["bulletin_pages"] == 0:
            alerts.append(f"yielded nothing: no article link on its {details['list_pages']} list page(s) "
                          "(list markup changed?)")
        elif run["bulletin_pages"] and not run["articles"] and _unexplained(details, run["bulletin_pages"]):
            alerts.append(f"yielded nothing: its {run['bulletin_pages']} bulletin page(s) gave no article "
                          "(page markup changed?)")
        if requested and details["failed_requests"] / requested > limits.max_failure_share:
            alerts.append(f"{details['failed_requests']} of {requested} requests failed "
                          f"({_reasons(details['failures'])})")
        usable = [h for h in history[:limits.runs] if (h.get("articles") or 0) >= limits.min_articles]
        health.history = len(usable)
        if run["articles"] >= limits.min_articles and len(usable) >= limits.min_history:
            for name, column in COVERAGE_COLUMNS.items():
                values = [h[column] for h in usable if h.get(column) is not None]
                if not values or run[column] is None:
                    continue
                base = health.baseline[name] = round(median(values), 4)
                if run[column] < base - limits.coverage_drop:
                    alerts.append(f"{name} coverage {run[column]:.0%}, down from a median of {base:.0%} "
                                  f"over its last {len(values)} runs (layout drift?)")
        run["status"] = "alert" if alerts else "ok"
    details["thresholds"] = asdict(limits)
    details["alerts"] = health.alerts
    run["details"] = json.dumps(details, ensure_ascii=False, sort_keys=True)
    return health


def _reasons(failures: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(failures.items(), key=lambda kv: -kv[1])) or "no reason recorded"


def assess(store, stats_by_source: dict[str, dict[str, Any]], limits: Thresholds | None = None) -> dict[str, Health]:
    """Measure, judge and record every source's run; return the verdicts by source."""
    limits = limits or Thresholds()
    verdicts = {}
    for source, stats in stats_by_source.items():
        run = measure(source, stats)
        history = store.recent_crawl_runs(source, limits.runs)
        verdicts[source] = check(run, history, limits)
        store.record_crawl_run(run)
    return verdicts


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def report_lines(verdicts: dict[str, Health]) -> list[str]:
    """The plain-text health report: one line per source, then its alerts."""
    lines = []
    for source, health in verdicts.items():
        run = health.run
        failures = json.loads(run["details"])["failures"]
        cov = coverage_of(run)
        base = f" (median {'/'.join(_pct(health.baseline.get(k)) for k in cov)} of {health.history} runs)" \
            if health.baseline else ""
        lines.append(
            f"health {source}: {health.status.upper()}  pages {run['pages']}  bulletins {run['bulletins']}  "
            f"articles {run['articles']}  new {run['new_articles']}  duplicates {run['duplicates']}  "
            f"failures {_reasons(failures) if failures else 0}  coverage title/attribution/region "
            f"{'/'.join(_pct(v) for v in cov.values())}{base}")
        lines += [f"  ALERT {source}: {alert}" for alert in health.alerts]
    return lines


def unhealthy(verdicts: dict[str, Health]) -> list[str]:
    return [source for source, health in verdicts.items() if health.status == "alert"]
