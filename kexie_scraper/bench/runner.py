"""`kexie bench`: crawl throughput (raw vs full), parse latency, pipeline scaling, a plot.

Every crawl and every scale point runs in its own subprocess, so each gets a fresh
Twisted reactor and its own peak RSS. The mirror server is one more process. Speeds are
only compared within one run (the ratio), as this machine is shared and noisy.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .mirror import Mirror, MirrorServer
from .phase import PHASES

# The stable keys of the JSON report (values are null when that part did not run).
PAGE_KEYS = (
    "raw_pages_per_s", "full_pages_per_s", "ratio", "parse_ms_median", "parse_ms_p99",
    "trafilatura_ms_median", "peak_rss_mb",
)
SCALE_KEY = "scale"
TARGETS = {
    "ratio": ">= 0.85",
    "parse_ms_median": "<= 1.0",
    "scale_rss_growth": "<= 1.1 (peak RSS at the largest N / at the smallest)",
    "scale_time_growth": "<= 1.2 (time per article at the largest N / at the smallest)",
}


def _run_json(args: list[str], timeout: float) -> dict[str, Any]:
    run = subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, timeout=timeout)
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    if run.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(args[:2])} failed ({run.returncode}): {run.stderr[-2000:]}")
    return json.loads(lines[-1])


def crawl_phase(phase: str, url: str, out_dir: Path, concurrency: int) -> dict[str, Any]:
    return _run_json(
        ["kexie_scraper.bench.phase", phase, "--replay", url, "--out", str(out_dir), "--concurrency", str(concurrency)],
        timeout=3600,
    )


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _per_page_ms(fn, pages: list, repeat: int) -> list[float]:
    """Each page's median time over ``repeat`` rounds; a round parses every page once, in
    order. Not back to back: the parser's bounded per-string caches (parsing/memo.py) would
    find a page's own paragraphs from the run before and time a second parse, while a
    crawl parses each page once. Between two parses of a page come all the others, which
    push its strings out of the caches, as in a crawl."""
    runs: list[list[float]] = [[] for _ in pages]
    clock = time.perf_counter
    for _ in range(repeat):
        for i, page in enumerate(pages):
            start = clock()
            fn(page)
            runs[i].append(clock() - start)
    return [statistics.median(r) * 1e3 for r in runs]


def sample_pages(mirror: Mirror, limit: int) -> list:
    """Up to ``limit`` bulletin pages, spread evenly over the mirror."""
    ids = list(mirror.article_ids())
    step = max(1, len(ids) // limit)
    return [mirror.article(i) for i in ids[::step][:limit]]


def warm_up_pages(mirror: Mirror, sample: list, limit: int = 300) -> list:
    """Up to ``limit`` bulletin pages of the mirror that are not in ``sample``."""
    chosen = {page.url for page in sample}
    out = []
    for i in mirror.article_ids():
        page = mirror.article(i)
        if page.url not in chosen:
            out.append(page)
            if len(out) >= limit:
                break
    return out


def parse_timings(pages: list, warm: list = ()) -> dict[str, Any]:
    """``parse_page`` (decode → layout → blocks → split → attribution → region → ids): each
    page's first parse, after ``warm`` (other pages) — what a crawl sees. The parser's
    bounded per-string caches (parsing/memo.py) then hold what a crawl's would (names,
    credits and styles that recur between pages), and none of the timed page's own lines:
    a page parsed twice would time a cache's second answer."""
    from ..parsing.page import parse_page

    def parse(page):
        return parse_page(page.body, url=page.url, content_type="text/html; charset=utf-8", source="scimall")

    for page in warm:
        parse(page)
    times = _per_page_ms(parse, pages, 1)
    results = [parse(p) for p in pages]
    wrong = sum(len(r.articles) != p.expected_articles for r, p in zip(results, pages))
    return {
        "parse_ms_median": round(statistics.median(times), 3),
        "parse_ms_p99": round(_percentile(times, 0.99), 3),
        "parse_ms_mean": round(statistics.fmean(times), 3),
        "pipeline_ms_per_page": pipeline_ms_per_page(results),
        "parse_pages": len(pages),
        "parse_warm_up_pages": len(warm),
        "parse_wrong_article_count": wrong,
        "page_kb_median": round(statistics.median(len(p.body) for p in pages) / 1024, 1),
    }


def pipeline_ms_per_page(results: list) -> float:
    """normalize → dedupe → SQLite store for the bulletin and articles of each parsed page, per page."""
    from scrapy.exceptions import DropItem
    from scrapy.utils.test import get_crawler

    from ..pipelines import DedupePipeline, NormalizePipeline, StorePipeline

    with tempfile.TemporaryDirectory(prefix="kexie-pipe-") as tmp:
        crawler = get_crawler(settings_dict={"KEXIE_STORE_URL": f"sqlite:///{tmp}/p.sqlite"})
        stages = [NormalizePipeline(), DedupePipeline.from_crawler(crawler), StorePipeline.from_crawler(crawler)]
        start = time.perf_counter()
        for result in results:
            for item in [result.bulletin, *result.articles]:
                try:
                    for stage in stages:
                        item = stage.process_item(item)
                except DropItem:
                    pass
        stages[-1].close_spider()
        return round((time.perf_counter() - start) / max(len(results), 1) * 1e3, 3)


def trafilatura_timings(pages: list, repeat: int) -> dict[str, Any]:
    """trafilatura's ``extract`` on the same bytes: main text only, no splitting."""
    try:
        import trafilatura
    except ImportError:
        return {"trafilatura_ms_median": None, "trafilatura_note": "not installed: pip install -e '.[bench]'"}

    def extract(page):
        return trafilatura.extract(page.body, url=page.url)

    for page in pages[:5]:
        extract(page)
    times = _per_page_ms(extract, pages, repeat)
    return {
        "trafilatura_ms_median": round(statistics.median(times), 3),
        "trafilatura_ms_p99": round(_percentile(times, 0.99), 3),
        "trafilatura_version": getattr(trafilatura, "__version__", None),
    }


def bench_pages(pages: int, seed: int = 6, rounds: int = 1, concurrency: int = 8, repeat: int = 3,
                parse_limit: int = 300, log=print) -> dict[str, Any]:
    """Crawl the mirror in each phase (raw, parse, pipelines, full: see ``bench/phase.py``),
    in turn, ``rounds`` times; the best round of each phase counts."""
    runs: dict[str, list[dict[str, Any]]] = {phase: [] for phase in PHASES}
    with tempfile.TemporaryDirectory(prefix="kexie-bench-") as tmp:
        log(f"mirror: generating {pages} bulletin pages (seed {seed}) …")
        with MirrorServer(pages, seed) as server:
            log(f"mirror: {server.url} (pid {server.pid})")
            for r in range(rounds):
                for phase in PHASES:
                    result = crawl_phase(phase, server.url, Path(tmp) / f"{phase}{r}", concurrency)
                    runs[phase].append(result)
                    log(f"  {phase:9} round {r + 1}: {result['pages']} pages in {result['seconds']} s = "
                        f"{result['pages_per_s']} pages/s, peak RSS {result['peak_rss_mb']} MB")
    best = {phase: max(results, key=lambda x: x["pages_per_s"] or 0) for phase, results in runs.items()}
    raw, full = best["raw"], best["full"]
    mirror = Mirror(pages, seed)
    sample = sample_pages(mirror, parse_limit)
    warm = warm_up_pages(mirror, sample)
    log(f"parse: {len(sample)} pages, each parsed once after {len(warm)} others …")
    parsed = parse_timings(sample, warm)
    log("trafilatura: same pages …")
    traf = trafilatura_timings(sample, repeat)
    ms = {phase: 1e3 / result["pages_per_s"] for phase, result in best.items() if result["pages_per_s"]}
    share = mirror.pages / (mirror.pages + mirror.list_pages)  # parse and pipelines run on bulletin pages only
    parse_ms = parsed["parse_ms_mean"] * share
    # Measured on the crawls: each phase minus the one before it. Only "parse_page" is
    # timed apart (offline, same pages), to split the parse phase into parser and Scrapy.
    breakdown = {
        "scrapy_raw": round(ms["raw"], 3),
        "parse_page": round(parse_ms, 3),
        "items_through_scrapy": round(ms["parse"] - ms["raw"] - parse_ms, 3),
        "pipelines": round(ms["pipelines"] - ms["parse"], 3),
        "feeds": round(ms["full"] - ms["pipelines"], 3),
        "full": round(ms["full"], 3),
        "pipelines_offline": round(parsed["pipeline_ms_per_page"] * share, 3),
    }
    expected_articles = sum(mirror.article(i).expected_articles for i in mirror.article_ids()) if pages <= 2000 else None
    return {
        "raw_pages_per_s": raw["pages_per_s"],
        "full_pages_per_s": full["pages_per_s"],
        "ratio": round(full["pages_per_s"] / raw["pages_per_s"], 3) if raw["pages_per_s"] else None,
        **parsed,
        **traf,
        "peak_rss_mb": max(raw["peak_rss_mb"], full["peak_rss_mb"]),
        "raw_peak_rss_mb": raw["peak_rss_mb"],
        "full_peak_rss_mb": full["peak_rss_mb"],
        "pages": pages,
        "list_pages": mirror.list_pages,
        "articles_stored": full["articles"],
        "articles_expected": expected_articles,
        "crawl_errors": raw["errors"] + full["errors"],
        "ms_per_page": breakdown,
        "phase_pages_per_s": {phase: result["pages_per_s"] for phase, result in best.items()},
        "phases": {phase: {k: result.get(k) for k in ("pages", "pages_per_s", "articles", "items_scraped", "errors",
                                                      "peak_rss_mb")}
                   for phase, result in best.items()},
        "phase_ratio": {phase: round(result["pages_per_s"] / raw["pages_per_s"], 3)
                        for phase, result in best.items() if raw["pages_per_s"] and result["pages_per_s"]},
        "rounds": {phase: [r["pages_per_s"] for r in results] for phase, results in runs.items()},
        "concurrency": concurrency,
        "seed": seed,
    }


def bench_scale(points: list[int], seed: int = 6, rounds: int = 1, log=print,
                distinct: bool = False) -> list[dict[str, Any]]:
    """Each N in a fresh process, ``rounds`` times (interleaved); the fastest run of each N
    counts. ``distinct``: reports as unlike as real ones (``mirror.synthetic_items``)."""
    runs: dict[int, list[dict[str, Any]]] = {n: [] for n in points}
    with tempfile.TemporaryDirectory(prefix="kexie-scale-") as tmp:
        for r in range(rounds):
            for n in points:
                log(f"scale: {n} articles through normalize → dedupe → store (round {r + 1}) …")
                args = ["kexie_scraper.bench.scale", str(n), "--out", tmp, "--seed", str(seed)]
                result = _run_json(args + ["--distinct"] * distinct, timeout=7200)
                log(f"  {n}: {result['seconds']} s ({result['us_per_article']} µs/article, CPU {result['cpu_seconds']} s), "
                    f"peak RSS {result['peak_rss_mb']} MB; µs/article by tenth: {result['us_per_article_by_tenth']}")
                runs[n].append(result)
    out = []
    for n in points:
        best = dict(min(runs[n], key=lambda x: x["seconds"]))
        best["rounds_seconds"] = [x["seconds"] for x in runs[n]]
        out.append(best)
    return out


def scale_growth(scale: list[dict[str, Any]]) -> dict[str, Any]:
    if len(scale) < 2:
        return {}
    small, large = min(scale, key=lambda s: s["n"]), max(scale, key=lambda s: s["n"])
    return {
        "scale_rss_growth": round(large["peak_rss_mb"] / small["peak_rss_mb"], 3),
        "scale_time_growth": round(large["us_per_article"] / small["us_per_article"], 3),
        "scale_cpu_time_growth": round((large["cpu_seconds"] / large["n"]) / (small["cpu_seconds"] / small["n"]), 3),
    }


def targets(report: dict[str, Any]) -> dict[str, bool | None]:
    def check(key, ok):
        value = report.get(key)
        return None if value is None else bool(ok(value))

    return {
        "ratio": check("ratio", lambda v: v >= 0.85),
        "parse_ms_median": check("parse_ms_median", lambda v: v <= 1.0),
        "scale_rss_growth": check("scale_rss_growth", lambda v: v <= 1.1),
        "scale_time_growth": check("scale_time_growth", lambda v: v <= 1.2),
    }


def plot(scale: list[dict[str, Any]], path: Path, title: str = "",
         baseline: list[dict[str, Any]] | None = None, labels: tuple[str, str] = ("this run", "baseline")) -> None:
    """Throughput (articles/s) and peak RSS against N, from the scale points (and a baseline's)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    series = [(scale, labels[0], "o-")] + ([(baseline, labels[1], "s--")] if baseline else [])
    curves = []
    for points, label, style in series:
        points = sorted(points, key=lambda p: p["n"])
        ns = [p["n"] for p in points]
        curves.append((label, style, ns, [p["n"] / p["seconds"] for p in points], [p["peak_rss_mb"] for p in points]))
    top_rate = max(y for c in curves for y in c[3])
    top_rss = max(y for c in curves for y in c[4])
    for i, (label, style, ns, rate, rss) in enumerate(curves):
        for ax, ys, col, fmt in ((left, rate, 3, "{:.0f}"), (right, rss, 4, "{:.1f}")):
            ax.plot(ns, ys, style, label=label)
            for x, y in zip(ns, ys):
                # The higher of two curves is labelled above its point, the lower one below.
                others = [c[col][c[2].index(x)] for j, c in enumerate(curves) if j != i and x in c[2]]
                below = any(o > y or (o == y and i > 0) for o in others)
                ax.annotate(fmt.format(y), (x, y), textcoords="offset points", xytext=(0, -13 if below else 7),
                            ha="center", fontsize=8)
    left.set(xscale="log", xlabel="articles (N)", ylabel="articles / s", title="pipeline throughput", ylim=(0, top_rate * 1.3))
    right.set(xscale="log", xlabel="articles (N)", ylabel="peak RSS (MB)", title="pipeline peak memory (process)",
              ylim=(0, top_rss * 1.3))
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
        if baseline:
            ax.legend(loc="lower right", fontsize=8)
    fig.suptitle(title or "kexie bench --scale: normalize → dedupe → SQLite store, one process per N")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run(pages: int | None, scale_points: list[int] | None, seed: int = 6, rounds: int = 1,
        concurrency: int = 8, repeat: int = 3, parse_limit: int = 300, log=print,
        fixtures: bool = False, distinct: bool = False) -> dict[str, Any]:
    """``rounds``: crawls of each phase, and runs of each scale point; the best of each counts."""
    report: dict[str, Any] = {key: None for key in PAGE_KEYS}
    report[SCALE_KEY] = []
    if pages:
        report.update(bench_pages(pages, seed, rounds, concurrency, repeat, parse_limit, log))
    if scale_points:
        report[SCALE_KEY] = bench_scale(scale_points, seed, rounds, log, distinct)
        report["scale_distinct"] = distinct
        report.update(scale_growth(report[SCALE_KEY]))
    if fixtures:
        from .fixtures import fixture_timings

        log("parse: every fixture page × 20 runs …")
        report.update(fixture_timings())
    report["targets"] = TARGETS
    report["targets_met"] = targets(report)
    return report


def summary_text(report: dict[str, Any]) -> str:
    """The figures a person reads, and which targets are met."""
    lines = []
    if report.get("raw_pages_per_s") is not None:
        lines += [
            f"crawl, {report['pages']} bulletin + {report['list_pages']} list pages (median {report['page_kb_median']} KB):",
            f"  raw       {report['raw_pages_per_s']:8.1f} pages/s   peak RSS {report['raw_peak_rss_mb']} MB",
            *(f"  {phase:9} {report['phase_pages_per_s'][phase]:8.1f} pages/s   ratio {report['phase_ratio'][phase]}"
              for phase in ("parse", "pipelines") if report.get("phase_pages_per_s", {}).get(phase)),
            f"  full      {report['full_pages_per_s']:8.1f} pages/s   peak RSS {report['full_peak_rss_mb']} MB   "
            f"({report['articles_stored']} articles stored)",
            f"  ratio full/raw {report['ratio']}",
            f"parse_page: median {report['parse_ms_median']} ms, p99 {report['parse_ms_p99']} ms per page "
            f"({report['parse_pages']} pages)",
            f"trafilatura.extract: median {report['trafilatura_ms_median']} ms per page (no splitting)",
            "where a crawled page's time goes (ms, mean): "
            + ", ".join(f"{k} {v}" for k, v in report["ms_per_page"].items()),
        ]
    if report.get("fixture_pages"):
        lines.append(f"fixture pages ({report['fixture_pages']}, median {report['fixture_page_kb_median']} KB): "
                     f"parse_page median {report['fixture_parse_ms_median']} ms (p90 {report['fixture_parse_ms_p90']}), "
                     f"split_blocks median {report['fixture_split_ms_median']} ms (p90 {report['fixture_split_ms_p90']})")
    for point in report.get("scale") or []:
        lines.append(
            f"scale n={point['n']:>7}: {point['seconds']:8.2f} s  {point['us_per_article']:7.1f} µs/article  "
            f"peak RSS {point['peak_rss_mb']} MB"
        )
    for key in ("scale_rss_growth", "scale_time_growth", "scale_cpu_time_growth"):
        if key in report:
            lines.append(f"{key}: {report[key]}")
    met = {k: v for k, v in report.get("targets_met", {}).items() if v is not None}
    if met:
        lines.append("targets: " + ", ".join(f"{k} {TARGETS[k].split(' (')[0]}: {'met' if v else 'MISSED'}" for k, v in met.items()))
    return "\n".join(lines)
