"""`kexie`: split one page, run the offline demo, or crawl for real.

  kexie split FILE [--url URL] [--format json|text]
  kexie demo [--out DIR]
  kexie evaluate [--verbose] [--check]
  kexie crawl SPIDER [--since DATE] [--max-pages N] [--out DIR]
  kexie bench [--pages N] [--scale N1,N2,...] [--json FILE] [--plot FILE.png]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXIT_USAGE = 2


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


def _demo(args: argparse.Namespace) -> int:
    from .crawl import output_settings, run_spider, summary
    from .replay import ReplayServer

    out = Path(args.out)
    with ReplayServer() as server:
        settings = {
            **output_settings(out),
            "KEXIE_REPLAY_URL": server.url,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
            "LOG_LEVEL": args.log_level,
        }
        stats = run_spider("scimall", settings, {})
    report = summary(stats)
    from .storage import open_store

    store = open_store(settings["KEXIE_STORE_URL"])
    report["stored_total"] = store.counts()
    store.close()
    print(json.dumps({"out": str(out), "replay": server.url, **report}, ensure_ascii=False))
    return 0 if report["errors"] == 0 else 1


def _crawl(args: argparse.Namespace) -> int:
    from .crawl import output_settings, run_spider, summary

    spider_args = {k: v for k, v in (("since", args.since), ("max_pages", args.max_pages)) if v}
    stats = run_spider(args.spider, {**output_settings(Path(args.out)), "LOG_LEVEL": args.log_level}, spider_args)
    print(json.dumps(summary(stats), ensure_ascii=False))
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from .evaluate import DEFAULT_ROOT, evaluate, load_cases, report, targets_met

    root = Path(args.root) if args.root else DEFAULT_ROOT
    cases = [c for sub in args.sets for c in load_cases(root, sub)]
    if not cases:
        return _fail(f"no evaluation cases under {root}/{{{','.join(args.sets)}}}")
    total, by_format, notes = evaluate(cases)
    print(report(total, by_format, notes, verbose=args.verbose))
    return 0 if targets_met(total) or not args.check else 3


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
    if not args.pages and not points:
        return _fail("nothing to do: give --pages N, --scale N1,N2 or --plot FILE.png")
    if args.pages is not None and args.pages < 1 or any(n < 1 for n in points):
        return _fail("--pages and --scale need positive numbers")
    log = (lambda *a: print(*a, file=sys.stderr, flush=True)) if args.json == "-" else (lambda *a: print(*a, flush=True))
    report = runner.run(args.pages, points, seed=args.seed, rounds=args.rounds, concurrency=args.concurrency,
                        repeat=args.repeat, parse_limit=args.parse_pages, log=log)
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


def _fail(message: str) -> int:
    print(f"kexie: error: {message}", file=sys.stderr)
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
    demo.set_defaults(func=_demo)
    ev = sub.add_parser("evaluate", help="score splitting on the labelled evaluation set")
    ev.add_argument("--root", help="fixtures folder (default: the repo's fixtures/)")
    ev.add_argument("--sets", nargs="+", default=["eval", "scimall"], help="sub-folders holding *.expected.json")
    ev.add_argument("--verbose", "-v", action="store_true", help="list what went wrong, case by case")
    ev.add_argument("--check", action="store_true", help="exit 3 when a target is missed")
    ev.set_defaults(func=_evaluate)
    crawl = sub.add_parser("crawl", help="crawl a real source through the same pipelines")
    crawl.add_argument("spider")
    crawl.add_argument("--since", help="YYYY-MM-DD")
    crawl.add_argument("--max-pages", type=int)
    crawl.add_argument("--out", default="output")
    crawl.add_argument("--log-level", default="INFO")
    crawl.set_defaults(func=_crawl)
    bench = sub.add_parser("bench", help="throughput, parse latency and memory on a local synthetic mirror")
    bench.add_argument("--pages", type=int, help="crawl a mirror of N bulletin pages twice: raw Scrapy, then the full pipeline")
    bench.add_argument("--scale", help="comma-separated article counts for the pipelines alone, e.g. 10000,100000")
    bench.add_argument("--json", metavar="FILE", help="write the figures as JSON to FILE ('-': stdout)")
    bench.add_argument("--plot", metavar="FILE.png", help="draw throughput and memory against N (needs matplotlib)")
    bench.add_argument("--from-json", metavar="FILE.json", help="with --plot: redraw from an earlier --json report, run nothing")
    bench.add_argument("--baseline", metavar="FILE.json", help="with --plot: also draw the scale points of an earlier --json report")
    bench.add_argument("--label", default="this run", help="with --plot: this run's legend label")
    bench.add_argument("--baseline-label", default="baseline", help="with --plot: the baseline's legend label")
    bench.add_argument("--seed", type=int, default=6, help="the mirror's seed (default 6)")
    bench.add_argument("--rounds", type=int, default=1, help="raw/full crawl pairs, and runs of each --scale N; the best of each counts")
    bench.add_argument("--concurrency", type=int, default=8, help="concurrent requests in both crawls")
    bench.add_argument("--repeat", type=int, default=3, help="timed parses per page (the median counts)")
    bench.add_argument("--parse-pages", type=int, default=300, help="pages timed for parse latency")
    bench.set_defaults(func=_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the CLI never shows a traceback; the message says what failed
        return _fail(f"{type(exc).__name__}: {exc}")


if __name__ == "__main__":
    sys.exit(main())
