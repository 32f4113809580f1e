"""`kexie`: split one page, run the offline demo, or crawl for real.

  kexie split FILE [--url URL] [--format json|text]
  kexie demo [--out DIR] [--workers N --redis-url URL] [--database-url URL] [--jobdir DIR] [--incremental]
  kexie evaluate [--verbose] [--check]
  kexie crawl (SPIDER | --all) [--since DATE] [--max-pages N] [--refetch] [--out DIR]
              [--database-url URL] [--redis-url URL --run-id ID --worker-id ID] [--jobdir DIR]
              [-a NAME=VALUE] [-s/--set NAME=VALUE] [--httpcache] [--contact URL] [--replay [URL]]
  kexie new-source NAME URL --base {jcms,jpaas,trs,path,static}
  kexie capture URL [--name SOURCE/STEM] [--expected] [--force] [--allow-private]
  kexie bench [--pages N] [--scale N1,N2,...] [--fixtures] [--json FILE] [--plot FILE.png]
  kexie export [--format jsonl|csv|parquet] [--since D] [--until D] [--province P] [--source S] [--out FILE]
  kexie reparse [--archive DIR] [--source S] [--since D]
  kexie stats [--plot FILE.png]
  kexie browse [--port N]

crawl and demo also take --archive DIR (raw WARC archive), --progress, and the health
thresholds; stats, export, reparse and browse read --database-url (default: env
KEXIE_DATABASE_URL, else sqlite:///output/kexie.sqlite).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from pathlib import Path

EXIT_USAGE = 2
# The checkout this package runs from: where new sources and captures are written.
CHECKOUT = Path(__file__).resolve().parent.parent


def _split(args: argparse.Namespace) -> int:
    from .parsing.page import parse_page

    path = Path(args.file)
    if not path.is_file():
        return _fail(f"no such file: {path}")
    data = path.read_bytes()
    is_text = path.suffix.lower() == ".txt" or (b"<" not in data[:2000] and not data.startswith(b"\x00"))
    result = parse_page(data, url=args.url, is_text=is_text, source="file")
    if args.format == "json":
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        b = result.bulletin
        print(f"page_state: {result.page_state}  layout: {result.layout}  articles: {len(result.articles)}")
        print(f"bulletin: {b.title}  {b.published_at}  {b.publisher} ({b.publisher_alias})  {b.original_url}")
        for a in result.articles:
            region = a.region
            where = " ".join(x for x in (region["province"], region["city"], region["county"]) if x)
            print(f"{a.position}. {a.title}  [{a.attribution}]  org={a.org}  {where} ({region['code']})  "
                  f"{a.split_rule}/{a.split_confidence}  {len(a.body)} chars")
    return 0


def _env(value: str | None, name: str) -> str | None:
    return value or os.environ.get(name) or None


def _demo(args: argparse.Namespace) -> int:
    from .crawl import (add_summaries, delete_run_keys, demo_spider_args, export_jsonl, output_settings,
                        replay_settings, run_spiders, run_workers, spider_names, summary)
    from .replay import ReplayServer
    from .storage import open_store

    out = Path(args.out)
    database_url = _env(args.database_url, "KEXIE_DATABASE_URL")
    redis_url = _env(args.redis_url, "KEXIE_REDIS_URL")
    if args.workers < 1:
        return _fail("--workers must be at least 1")
    if args.workers > 1 and not redis_url:
        return _fail("--workers N needs --redis-url (or KEXIE_REDIS_URL): the workers share one Redis queue")
    refetch = not args.incremental
    extra: dict = {}
    with ReplayServer(delay=args.delay) as server:
        if args.workers == 1:
            settings = {**output_settings(out, database_url), **replay_settings(server.url), "LOG_LEVEL": args.log_level}
            if redis_url:
                settings.update(KEXIE_REDIS_URL=redis_url, KEXIE_RUN_ID=f"demo-{uuid.uuid4().hex[:10]}",
                                MAX_IDLE_TIME_BEFORE_CLOSE=2)
            if args.jobdir:
                settings["JOBDIR"] = args.jobdir
            if args.archive:
                settings["KEXIE_ARCHIVE_DIR"] = args.archive
            # Every source's fixture site, one spider after another; wechat last, on the
            # originals the others stored (plus fixtures/wechat/urls.txt).
            jobs = [(name, {"refetch": refetch, **demo_spider_args(name)}) for name in spider_names()]
            stats = _run(args, jobs, settings)
            by_source = {name: summary(st) for name, st in stats.items()}
            report = add_summaries(list(by_source.values()))
            if redis_url:
                delete_run_keys(redis_url, settings["KEXIE_RUN_ID"])
            database_url = settings["KEXIE_DATABASE_URL"]
        else:
            database_url = database_url or f"sqlite:///{out / 'kexie.sqlite'}"
            out.mkdir(parents=True, exist_ok=True)
            by_source, run_ids = {}, []
            for name in spider_names():  # each source's crawl shared by the N workers, in turn
                extra_args = [x for k, v in demo_spider_args(name).items() for x in ("-a", f"{k}={v}")]
                run_id, parts = run_workers(args.workers, name, replay_url=server.url, database_url=database_url,
                                            redis_url=redis_url, refetch=refetch, log_level=args.log_level,
                                            extra=extra_args)
                delete_run_keys(redis_url, run_id)
                by_source[name], run_id = add_summaries(parts), run_ids.append(run_id)
            report = add_summaries(list(by_source.values()))
            exported = export_jsonl(database_url, out)
            fetched = {k: v for k, v in server.fetches.items() if not k.endswith("/robots.txt")}
            extra = {"workers": args.workers, "run_ids": run_ids, "exported": exported,
                     "pages_fetched_twice": sum(1 for v in fetched.values() if v > 1)}
    store = open_store(database_url)
    report["stored_total"] = store.counts()
    store.close()
    health, code = ({}, 0) if args.workers > 1 else _health(args, stats, database_url)
    if health:
        extra["health"] = health
    print(json.dumps({"out": str(out), "replay": server.url, **report, **extra, "sources": by_source},
                     ensure_ascii=False))
    return code if report["errors"] == 0 else 1


def _run(args: argparse.Namespace, jobs, settings) -> dict:
    """Run the spiders, with the live progress display when wanted."""
    from . import ui
    from .crawl import run_spiders

    with ui.Progress(ui.wanted(args.progress)):
        return run_spiders(jobs, settings)


def _health(args: argparse.Namespace, stats: dict, database_url: str) -> tuple[dict, int]:
    """Judge and record each source's run (kexie_scraper/health.py); print the summary table
    and the alerts on stderr. Returns (verdicts for the JSON line, exit code)."""
    from . import health, ui
    from .storage import open_store

    limits = health.Thresholds(runs=args.health_runs, coverage_drop=args.coverage_drop,
                               min_articles=args.min_articles)
    store = open_store(database_url)
    try:
        verdicts = health.assess(store, stats, limits)
    finally:
        store.close()

    def pct(v):
        return "-" if v is None else f"{v:.0%}"

    rows = []
    for source, verdict in verdicts.items():
        run, cov = verdict.run, health.coverage_of(verdict.run)
        rows.append([source, run["pages"], run["bulletins"], run["articles"], run["new_articles"], run["duplicates"],
                     run["failures"], *(pct(v) for v in cov.values()), verdict.status.upper()])
    notes = [line for line in health.report_lines(verdicts) if line.lstrip().startswith("ALERT")]
    for source, verdict in verdicts.items():
        failures = json.loads(verdict.run["details"])["failures"]
        if failures:
            notes.append(f"  failures {source}: " + ", ".join(f"{k} {v}" for k, v in sorted(failures.items())))
    ui.table("crawl health (coverage: share of articles with a title / attribution / region code)",
             ["source", "pages", "bulletins", "articles", "new", "dupes", "failures", "title", "attrib.", "region",
              "health"], rows, notes)
    bad = health.unhealthy(verdicts)
    code = health.EXIT_UNHEALTHY if bad and not args.ignore_health else 0
    return {source: verdict.to_dict() for source, verdict in verdicts.items()}, code


LOCAL_REPLAY = "local"  # `--replay` given without a URL


def _crawl(args: argparse.Namespace) -> int:
    from .crawl import output_settings, replay_settings

    if args.replay and args.replay != LOCAL_REPLAY and "://" not in args.replay and not args.spider:
        args.spider, args.replay = args.replay, LOCAL_REPLAY  # `crawl --replay wechat`: the spider, not a URL
    if bool(args.spider) == bool(args.all):
        return _fail("name one spider, or --all")
    settings = output_settings(Path(args.out), _env(args.database_url, "KEXIE_DATABASE_URL"), feeds=not args.no_feeds)
    settings["LOG_LEVEL"] = args.log_level
    if args.httpcache:
        settings["HTTPCACHE_ENABLED"] = True
    if args.contact:
        settings["KEXIE_CONTACT_URL"] = args.contact
    server = None
    if args.replay == LOCAL_REPLAY:  # --replay without a URL: the bundled fixture site, here
        from .replay import ReplayServer

        server = ReplayServer().__enter__()
        args.replay = server.url
    if args.replay:
        settings.update(replay_settings(args.replay))
    try:
        return _run_crawl(args, settings)
    finally:
        if server is not None:
            server.__exit__(None, None, None)


def _run_crawl(args: argparse.Namespace, settings: dict) -> int:
    from .crawl import add_summaries, enabled_spiders, run_spiders, summary

    redis_url = _env(args.redis_url, "KEXIE_REDIS_URL")
    if redis_url:
        settings["KEXIE_REDIS_URL"] = redis_url
        if args.replay:
            # The fixture site is one small domain: two requests at a time per worker, so
            # the workers share it instead of the first one taking every request at once.
            settings.update(MAX_IDLE_TIME_BEFORE_CLOSE=2, KEXIE_REDIS_HEARTBEAT_TTL=5,
                            CONCURRENT_REQUESTS=2, CONCURRENT_REQUESTS_PER_DOMAIN=2)
    for name, value in (("KEXIE_RUN_ID", args.run_id), ("KEXIE_WORKER_ID", args.worker_id), ("JOBDIR", args.jobdir),
                        ("KEXIE_ARCHIVE_DIR", args.archive)):
        if value:
            settings[name] = value
    try:
        settings.update(_pairs(args.set, "-s/--set"))
        extra_args = _pairs(args.arg, "-a")
    except ValueError as error:
        return _fail(str(error))
    spiders = enabled_spiders(settings) if args.all else [args.spider]
    spider_args = {k: v for k, v in (("since", args.since), ("max_pages", args.max_pages)) if v}
    if args.refetch:
        spider_args["refetch"] = True
    spider_args.update(extra_args)
    stats = _run(args, [(name, spider_args) for name in spiders], settings)
    results = {name: {**summary(st), "finish_reason": st.get("finish_reason")} for name, st in stats.items()}
    # A worker of a distributed run sees only its share of each source: no verdict per worker.
    verdicts, code = ({}, 0) if redis_url else _health(args, stats, settings["KEXIE_DATABASE_URL"])
    if args.all:
        print(json.dumps({"spiders": results, **add_summaries(list(results.values())), "health": verdicts},
                         ensure_ascii=False))
    else:
        line = {**results[args.spider], **({"health": verdicts[args.spider]} if verdicts else {})}
        print(json.dumps(line, ensure_ascii=False))
    return code


def _pairs(items: list[str] | None, flag: str) -> dict[str, str]:
    pairs = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ValueError(f"{flag} wants NAME=VALUE, got {item!r}")
        pairs[name] = value
    return pairs


def _evaluate(args: argparse.Namespace) -> int:
    from .evaluate import DEFAULT_ROOT, evaluate, load_cases, report, targets_met

    root = Path(args.root) if args.root else DEFAULT_ROOT
    cases = [c for sub in args.sets for c in load_cases(root, sub)]
    if not cases:
        return _fail(f"no evaluation cases under {root}/{{{','.join(args.sets)}}}")
    total, by_format, notes = evaluate(cases)
    print(report(total, by_format, notes, verbose=args.verbose))
    return 0 if targets_met(total) or not args.check else 3


def _new_source(args: argparse.Namespace) -> int:
    from .scaffold import new_source

    root = Path(args.root)
    try:
        written = new_source(args.name, args.url, args.base, root)
    except ValueError as error:
        return _fail(str(error))
    for path in written:
        print(path.relative_to(root))
    print(f"next: python -m pytest tests/test_spider_{args.name}.py; then capture real pages (docs/adding-a-source.md)")
    return 0


def _capture(args: argparse.Namespace) -> int:
    from .capture import capture
    from .politeness import user_agent
    from .settings import KEXIE_CONTACT_URL

    root = Path(args.root)
    agent = user_agent(args.contact or KEXIE_CONTACT_URL)  # the crawl's own User-Agent
    try:
        written = capture(args.url, args.name, root / "fixtures", agent, force=args.force, expected=args.expected,
                          allow_private=args.allow_private)
    except (ValueError, FileExistsError) as error:
        return _fail(str(error))
    except OSError as error:  # no route, DNS, timeout: say so in one line
        return _fail(f"could not fetch {args.url}: {error}")
    for path in written:
        print(path.relative_to(root))
    return 0


def _bench(args: argparse.Namespace) -> int:
    from .bench import runner

    try:
        points = [int(x) for x in args.scale.split(",") if x.strip()] if args.scale else []
    except ValueError:
        return _fail(f"--scale takes comma-separated integers, got {args.scale!r}")
    if args.from_json:
        if not args.plot:
            return _fail("--from-json only redraws: give --plot FILE.png")
        report = json.loads(Path(args.from_json).read_text(encoding="utf-8"))
        baseline = json.loads(Path(args.baseline).read_text(encoding="utf-8"))["scale"] if args.baseline else None
        runner.plot(report["scale"], Path(args.plot), baseline=baseline, labels=(args.label, args.baseline_label))
        print(args.plot)
        return 0
    if args.plot and not points:
        points = [10000, 30000, 100000]
    if not args.pages and not points and not args.fixtures:
        return _fail("nothing to do: give --pages N, --scale N1,N2, --fixtures or --plot FILE.png")
    if args.pages is not None and args.pages < 1 or any(n < 1 for n in points):
        return _fail("--pages and --scale need positive numbers")
    log = (lambda *a: print(*a, file=sys.stderr, flush=True)) if args.json == "-" else (lambda *a: print(*a, flush=True))
    report = runner.run(args.pages, points, seed=args.seed, rounds=args.rounds, concurrency=args.concurrency,
                        repeat=args.repeat, parse_limit=args.parse_pages, log=log, fixtures=args.fixtures,
                        distinct=args.distinct)
    if args.plot:
        baseline = json.loads(Path(args.baseline).read_text(encoding="utf-8"))["scale"] if args.baseline else None
        runner.plot(report["scale"], Path(args.plot), baseline=baseline, labels=(args.label, args.baseline_label))
        report["plot"] = args.plot
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if args.json == "-":
        print(text)
    else:
        if args.json:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(text + "\n", encoding="utf-8")
        log(runner.summary_text(report))
    return 0


def _database(args: argparse.Namespace) -> str:
    return _env(args.database_url, "KEXIE_DATABASE_URL") or "sqlite:///output/kexie.sqlite"


def _where(args: argparse.Namespace):
    from .storage import ArticleFilter
    from datetime import date

    for name in ("since", "until"):
        value = getattr(args, name, None)
        if value:
            date.fromisoformat(value)  # a ValueError names the bad date
    return ArticleFilter(since=args.since, until=args.until, provinces=tuple(args.province or ()),
                         sources=tuple(args.source or ()))


def _export(args: argparse.Namespace) -> int:
    from . import ui
    from .export import export

    out = Path(args.out) if args.out and args.out != "-" else None
    with ui.Progress(ui.wanted(args.progress) and out is not None) as progress:
        n = export(_database(args), args.format, out, _where(args), progress=progress)
    if out is not None:
        print(json.dumps({"exported": n, "format": args.format, "out": str(out)}, ensure_ascii=False))
    else:
        print(f"kexie: exported {n} articles", file=sys.stderr)
    return 0


def _reparse(args: argparse.Namespace) -> int:
    from . import ui
    from .reparse import reparse

    archive = _env(args.archive, "KEXIE_ARCHIVE_DIR")
    if not archive or not Path(archive).is_dir():
        return _fail(f"no archive directory {archive!r}: give --archive DIR (or KEXIE_ARCHIVE_DIR)")
    if args.since:
        from datetime import date

        date.fromisoformat(args.since)
    with ui.Progress(ui.wanted(args.progress)) as progress:
        counts = reparse(_database(args), Path(archive), source=args.source, since=args.since, progress=progress)
    ui.table("reparse", list(counts), [list(counts.values())])
    print(json.dumps({"archive": archive, **counts}, ensure_ascii=False))
    return 0


def _stats(args: argparse.Namespace) -> int:
    from .stats import collect, plot, report

    data = collect(_database(args), _where(args))
    drawn = plot(data, Path(args.plot)) if args.plot else None
    if args.format == "json":
        print(json.dumps({**data, **({"plot": drawn} if drawn else {})}, ensure_ascii=False))
    else:
        print(report(data, limit=args.limit))
        if drawn:
            print(f"\nplot: {drawn['plot']} ({drawn['provinces']} provinces, {drawn['months']} months)")
    return 0


def _browse(args: argparse.Namespace) -> int:
    from .browse import command

    cmd = command(_database(args), host=args.host, port=args.port, open_browser=args.open)
    print(f"kexie: Datasette on http://{args.host}:{args.port}/ (Ctrl-C stops it)", file=sys.stderr)
    sys.stderr.flush()
    os.execv(cmd[0], cmd)  # datasette takes this process over: signals reach it directly
    return 0  # pragma: no cover


def _fail(message: str) -> int:
    from .redact import redact

    print(f"kexie: error: {redact(message)}", file=sys.stderr)
    return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kexie", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    split = sub.add_parser("split", help="split one saved page (HTML, or .txt with one paragraph per line)")
    split.add_argument("file")
    split.add_argument("--url", help="the page's URL (gives the bulletin its identity)")
    split.add_argument("--format", choices=("json", "text"), default="json")
    split.set_defaults(func=_split)
    demo = sub.add_parser("demo", help="crawl the bundled fixture site offline into DIR")
    demo.add_argument("--out", default="output")
    demo.add_argument("--log-level", default="WARNING")
    _storage_options(demo)
    demo.add_argument("--workers", type=int, default=1, help="worker processes sharing one Redis queue (needs --redis-url)")
    demo.add_argument("--jobdir", help="a resumable crawl: keep the queue in this directory (single worker)")
    demo.add_argument("--incremental", action="store_true",
                      help="skip stored pages like `kexie crawl` (the demo re-reads every page by default)")
    demo.add_argument("--delay", type=float, default=0.0, help="seconds the replay server waits before each response")
    _run_options(demo)
    demo.set_defaults(func=_demo)
    ev = sub.add_parser("evaluate", help="score splitting on the labelled evaluation set")
    ev.add_argument("--root", help="fixtures folder (default: the repo's fixtures/)")
    ev.add_argument("--sets", nargs="+", default=["eval", "holdout", "scimall"], help="sub-folders holding *.expected.json")
    ev.add_argument("--verbose", "-v", action="store_true", help="list what went wrong, case by case")
    ev.add_argument("--check", action="store_true", help="exit 3 when a target is missed")
    ev.set_defaults(func=_evaluate)
    crawl = sub.add_parser("crawl", help="crawl a real source through the same pipelines")
    crawl.add_argument("spider", nargs="?")
    crawl.add_argument("--all", action="store_true", help="every enabled spider")
    crawl.add_argument("--since", help="YYYY-MM-DD")
    crawl.add_argument("--max-pages", type=int)
    crawl.add_argument("--refetch", action="store_true", help="fetch stored pages again and page past known items")
    crawl.add_argument("--out", default="output")
    crawl.add_argument("--no-feeds", action="store_true", help="write the database only, no JSON Lines")
    crawl.add_argument("--log-level", default="INFO")
    _storage_options(crawl)
    crawl.add_argument("--jobdir", help="keep the queue here, so a stopped or killed crawl resumes")
    crawl.add_argument("--run-id", help="the distributed run to join (default: today's date, UTC+8)")
    crawl.add_argument("--worker-id", help="this worker's name in the run (default: host-pid)")
    crawl.add_argument("--replay", metavar="URL", nargs="?", const=LOCAL_REPLAY,
                       help="fetch every page from this replay server (tests, demo); without URL: start the "
                            "bundled fixture site on 127.0.0.1 and crawl it instead of the real one")
    crawl.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                       help="any Scrapy setting (repeatable)")
    crawl.add_argument("-a", "--arg", action="append", default=[], metavar="NAME=VALUE",
                       help="spider argument (repeatable), e.g. -a urls=https://mp.weixin.qq.com/s/…")
    crawl.add_argument("--httpcache", action="store_true",
                       help="development: cache every fetched page under .scrapy/httpcache and replay it next time")
    crawl.add_argument("--contact", metavar="URL", help="contact URL for the User-Agent (default: KEXIE_CONTACT_URL)")
    _run_options(crawl)
    crawl.set_defaults(func=_crawl)
    new = sub.add_parser("new-source", help="scaffold a spider, its placeholder fixtures and its test")
    new.add_argument("name", help="spider name = file name, lower_snake_case (e.g. bast)")
    new.add_argument("url", help="the first list page to crawl")
    from .scaffold import FAMILIES

    new.add_argument("--base", required=True, choices=sorted(FAMILIES), help="the site's CMS family")
    new.add_argument("--root", default=str(CHECKOUT), help="the checkout to write into (default: this one)")
    new.set_defaults(func=_new_source)
    cap = sub.add_parser("capture", help="save one page as a fixture (needs network to the site)")
    cap.add_argument("url")
    cap.add_argument("--name", help="SOURCE/STEM, e.g. zast/list_p1 (default: derived from the URL)")
    cap.add_argument("--expected", action="store_true", help="also write <name>.expected.json from the current parse, for review")
    cap.add_argument("--force", action="store_true", help="replace a fixture that is not a placeholder")
    cap.add_argument("--allow-private", action="store_true",
                     help="capture from a loopback or private address (a local server); refused otherwise")
    cap.add_argument("--contact", metavar="URL", help="contact URL for the User-Agent (default: KEXIE_CONTACT_URL)")
    cap.add_argument("--root", default=str(CHECKOUT), help="the checkout whose fixtures/ to write into")
    cap.set_defaults(func=_capture)


    bench = sub.add_parser("bench", help="throughput, parse latency and memory on a local synthetic mirror")
    bench.add_argument("--pages", type=int, help="crawl a mirror of N bulletin pages twice: raw Scrapy, then the full pipeline")
    bench.add_argument("--scale", help="comma-separated article counts for the pipelines alone, e.g. 10000,100000")
    bench.add_argument("--distinct", action="store_true",
                       help="with --scale: reports as unlike as real ones (the default generator's grow alike with N)")
    bench.add_argument("--json", metavar="FILE", help="write the figures as JSON to FILE ('-': stdout)")
    bench.add_argument("--plot", metavar="FILE.png", help="draw throughput and memory against N (needs matplotlib)")
    bench.add_argument("--from-json", metavar="FILE.json", help="with --plot: redraw from an earlier --json report, run nothing")
    bench.add_argument("--baseline", metavar="FILE.json", help="with --plot: also draw the scale points of an earlier --json report")
    bench.add_argument("--label", default="this run", help="with --plot: this run's legend label")
    bench.add_argument("--baseline-label", default="baseline", help="with --plot: the baseline's legend label")
    bench.add_argument("--seed", type=int, default=6, help="the mirror's seed (default 6)")
    bench.add_argument("--rounds", type=int, default=1, help="crawls of each phase (raw, parse, pipelines, full), and runs of each --scale N; the best of each counts")
    bench.add_argument("--concurrency", type=int, default=8, help="concurrent requests in both crawls")
    bench.add_argument("--repeat", type=int, default=3, help="timed trafilatura runs per page (the median counts); "
                       "parse_page is timed once per page, after other pages, as a crawl parses it")
    bench.add_argument("--parse-pages", type=int, default=300, help="pages timed for parse latency")
    bench.add_argument("--fixtures", action="store_true",
                       help="also time parse_page and split_blocks on every fixture page (all layouts), 20 runs each")
    bench.set_defaults(func=_bench)
    exp = sub.add_parser("export", help="write the stored articles as JSON Lines, CSV (Excel) or Parquet")
    exp.add_argument("--format", choices=("jsonl", "csv", "parquet"), default="jsonl")
    exp.add_argument("--out", help="file to write (default: stdout; Parquet needs a file)")
    _filter_options(exp)
    _read_options(exp)
    exp.set_defaults(func=_export)
    rep = sub.add_parser("reparse", help="parse the raw archive again, without network, and update stored articles")
    rep.add_argument("--archive", help="the WARC directory a crawl wrote with --archive (env KEXIE_ARCHIVE_DIR)")
    rep.add_argument("--source", help="only this spider's pages")
    rep.add_argument("--since", help="only pages fetched on or after YYYY-MM-DD")
    _read_options(rep)
    rep.set_defaults(func=_reparse)
    st = sub.add_parser("stats", help="articles by province, city and month; --plot draws them per province per month")
    st.add_argument("--plot", metavar="FILE.png", help="draw articles per province per month (matplotlib)")
    st.add_argument("--format", choices=("text", "json"), default="text")
    st.add_argument("--limit", type=int, default=20, help="rows per table in the text report")
    _filter_options(st)
    _read_options(st, progress=False)
    st.set_defaults(func=_stats)
    br = sub.add_parser("browse", help="open the SQLite database in Datasette, faceted by province, source, org")
    br.add_argument("--host", default="127.0.0.1")
    br.add_argument("--port", type=int, default=8001)
    br.add_argument("--open", action="store_true", help="open it in the web browser")
    _read_options(br, progress=False)
    br.set_defaults(func=_browse)
    return parser


def _progress_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--progress", action="store_true", default=None,
                        help="show live progress on stderr (default: when stderr is a terminal)")
    parser.add_argument("--no-progress", dest="progress", action="store_false")


def _run_options(parser: argparse.ArgumentParser) -> None:
    """Options of the commands that crawl: archive, progress, health thresholds."""
    parser.add_argument("--archive", metavar="DIR", help="keep every fetched response as WARC in DIR, for "
                        "`kexie reparse` (env KEXIE_ARCHIVE_DIR)")
    _progress_option(parser)
    parser.add_argument("--health-runs", type=int, default=10, metavar="N",
                        help="compare each source with the median of its last N runs (default 10)")
    parser.add_argument("--coverage-drop", type=float, default=0.2, metavar="SHARE",
                        help="alert when a field's coverage falls this far below that median (default 0.2)")
    parser.add_argument("--min-articles", type=int, default=5,
                        help="judge coverage only on runs with at least this many articles (default 5)")
    parser.add_argument("--ignore-health", action="store_true",
                        help="report health alerts but exit 0 (default: exit 4 on an alert)")


def _filter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", help="published on or after YYYY-MM-DD")
    parser.add_argument("--until", help="published on or before YYYY-MM-DD")
    parser.add_argument("--province", action="append", help="full name or its start (四川); repeatable")
    parser.add_argument("--source", action="append", help="spider name; repeatable")


def _read_options(parser: argparse.ArgumentParser, progress: bool = True) -> None:
    parser.add_argument("--database-url", help="sqlite:///PATH or postgresql+psycopg://…; default: env "
                        "KEXIE_DATABASE_URL, else sqlite:///output/kexie.sqlite")
    if progress:
        _progress_option(parser)


def _storage_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="sqlite:///PATH (default: OUT/kexie.sqlite) or "
                        "postgresql+psycopg://USER@HOST:PORT/DB; env KEXIE_DATABASE_URL")
    parser.add_argument("--redis-url", help="redis://HOST:PORT/DB: share the queue between workers; env KEXIE_REDIS_URL")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `kexie evaluate | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return 0
    except Exception as exc:  # the CLI never shows a traceback; the message says what failed
        return _fail(f"{type(exc).__name__}: {exc}")


if __name__ == "__main__":
    sys.exit(main())
