"""`kexie`: split one page, run the offline demo, or crawl for real.

  kexie split FILE [--url URL] [--format json|text]
  kexie demo [--out DIR]
  kexie evaluate [--verbose] [--check]
  kexie crawl SPIDER [--since DATE] [--max-pages N] [--out DIR] [-a NAME=VALUE] [-s NAME=VALUE]
              [--httpcache] [--contact URL] [--replay]
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


# Replay speed: the fixture server is local, and its block pages need no real back-off.
_REPLAY_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "KEXIE_BLOCK_MIN_DELAY": 0.2,
    "KEXIE_BLOCK_PAUSE": 0,
}


def _demo(args: argparse.Namespace) -> int:
    from .crawl import merged, output_settings, run_spiders, summary
    from .replay import FIXTURES_DIR, ReplayServer

    out = Path(args.out)
    with ReplayServer() as server:
        settings = {**output_settings(out), "KEXIE_REPLAY_URL": server.url, **_REPLAY_SETTINGS, "LOG_LEVEL": args.log_level}
        # The aggregator first; then the WeChat originals it links to (read from the store),
        # plus WeChat posts found elsewhere (a URL list, as a user would pass one).
        jobs = [("scimall", {}), ("wechat", {"from_store": "1", "urls_file": str(FIXTURES_DIR / "wechat" / "urls.txt")})]
        stats = run_spiders(jobs, settings)
    report = summary(merged(stats))
    from .storage import open_store

    store = open_store(settings["KEXIE_STORE_URL"])
    report["stored_total"] = store.counts()
    store.close()
    print(json.dumps({"out": str(out), "replay": server.url, "spiders": [j[0] for j in jobs], **report}, ensure_ascii=False))
    return 0 if report["errors"] == 0 else 1


def _crawl(args: argparse.Namespace) -> int:
    from contextlib import nullcontext

    from .crawl import output_settings, run_spider, summary
    from .replay import ReplayServer

    spider_args = {k: v for k, v in (("since", args.since), ("max_pages", args.max_pages)) if v}
    spider_args.update(_pairs(args.arg, "-a"))
    settings = {**output_settings(Path(args.out)), "LOG_LEVEL": args.log_level}
    if args.httpcache:
        settings["HTTPCACHE_ENABLED"] = True
    if args.contact:
        settings["KEXIE_CONTACT_URL"] = args.contact
    with ReplayServer() if args.replay else nullcontext() as server:
        if server is not None:
            settings.update(_REPLAY_SETTINGS, KEXIE_REPLAY_URL=server.url)
        settings.update(_pairs(args.set, "-s"))
        stats = run_spider(args.spider, settings, spider_args)
    print(json.dumps({**summary(stats), "finish_reason": stats.get("finish_reason")}, ensure_ascii=False))
    return 0


def _pairs(items: list[str] | None, flag: str) -> dict[str, str]:
    pairs = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ValueError(f"{flag} expects NAME=VALUE, got {item!r}")
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
    crawl.add_argument("-a", "--arg", action="append", metavar="NAME=VALUE", help="spider argument (repeatable), e.g. -a urls=https://mp.weixin.qq.com/s/…")
    crawl.add_argument("-s", "--set", action="append", metavar="NAME=VALUE", help="Scrapy setting (repeatable)")
    crawl.add_argument("--httpcache", action="store_true", help="development: cache every fetched page under .scrapy/httpcache and replay it next time")
    crawl.add_argument("--contact", metavar="URL", help="contact URL for the User-Agent (default: KEXIE_CONTACT_URL)")
    crawl.add_argument("--replay", action="store_true", help="crawl the bundled fixture site on 127.0.0.1 instead of the real one")
    crawl.set_defaults(func=_crawl)
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
