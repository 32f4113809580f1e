"""`kexie`: split one page, run the offline demo, or crawl for real.

  kexie split FILE [--url URL] [--format json|text]
  kexie demo [--out DIR]
  kexie evaluate [--verbose] [--check]
  kexie crawl SPIDER [--since DATE] [--max-pages N] [--out DIR]
  kexie new-source NAME URL --base {jcms,jpaas,trs,path,static}
  kexie capture URL [--name SOURCE/STEM] [--expected] [--force]
"""

from __future__ import annotations

import argparse
import json
import sys
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


def _demo(args: argparse.Namespace) -> int:
    from .crawl import output_settings, run_spiders, spider_names, summary, total
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
        # Every source's fixture site, one spider after another, with default arguments.
        stats = run_spiders([(name, {}) for name in spider_names()], settings)
    by_source = {name: summary(s) for name, s in stats.items()}
    report = total(list(by_source.values()))
    from .storage import open_store

    store = open_store(settings["KEXIE_STORE_URL"])
    report["stored_total"] = store.counts()
    store.close()
    print(json.dumps({"out": str(out), "replay": server.url, **report, "sources": by_source}, ensure_ascii=False))
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
    from .settings import USER_AGENT

    root = Path(args.root)
    try:
        written = capture(args.url, args.name, root / "fixtures", USER_AGENT, force=args.force, expected=args.expected)
    except (ValueError, FileExistsError) as error:
        return _fail(str(error))
    except OSError as error:  # no route, DNS, timeout: say so in one line
        return _fail(f"could not fetch {args.url}: {error}")
    for path in written:
        print(path.relative_to(root))
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
    ev.add_argument("--sets", nargs="+", default=["eval", "holdout", "scimall"], help="sub-folders holding *.expected.json")
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
    cap.add_argument("--root", default=str(CHECKOUT), help="the checkout whose fixtures/ to write into")
    cap.set_defaults(func=_capture)
    return parser


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
