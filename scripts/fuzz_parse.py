"""The long fuzzing run of the parser: the strategies and invariants of the test suite's
fuzzing (tests/fuzzing.py), for as many generated pages as you like.

    python scripts/fuzz_parse.py --examples 100000 [--seed N]

Splits the examples over four input kinds (HTML bytes in any charset with lying or missing
headers and damage; HTML text; plain text; raw bytes), runs each until its share is done
or it fails, and prints one JSON line: inputs run per kind, failures (with the shrunk
input), slowest parse, elapsed time. Exit 1 when anything failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import fuzzing  # noqa: E402

KINDS = {
    # kind: (share of the examples, strategy, how to call check_parse)
    "html_bytes": (0.45, st.tuples(fuzzing.page_bytes, st.sampled_from(fuzzing.CONTENT_TYPES)),
                   lambda x: fuzzing.check_parse(x[0], content_type=x[1])),
    "html_text": (0.25, fuzzing.html_text, lambda x: fuzzing.check_parse(x)),
    "plain_text": (0.2, st.lists(fuzzing.line, max_size=40).map("\n".join), lambda x: fuzzing.check_parse(x, is_text=True)),
    "raw_bytes": (0.1, st.tuples(st.binary(max_size=3000), st.sampled_from(fuzzing.CONTENT_TYPES)),
                  lambda x: fuzzing.check_parse(x[0], content_type=x[1])),
}


def _one(call, count: dict, report: dict):
    def one(value):
        count["n"] += 1
        t0 = time.perf_counter()
        call(value)
        report["slowest_s"] = max(report["slowest_s"], round(time.perf_counter() - t0, 3))

    return one


def run(examples: int, seed_value: int) -> dict:
    report: dict = {"examples_requested": examples, "seed": seed_value, "inputs": {}, "failures": [], "slowest_s": 0.0}
    started = time.perf_counter()
    for kind, (share, strategy, call) in KINDS.items():
        count = {"n": 0}
        one = _one(call, count, report)

        test = seed(seed_value)(settings(max_examples=max(1, int(examples * share)), deadline=None, database=None,
                                         suppress_health_check=list(HealthCheck), print_blob=True)(given(strategy)(one)))
        try:
            test()
        except BaseException as exc:  # noqa: BLE001 - a failure is the report, not a crash
            if isinstance(exc, KeyboardInterrupt):
                raise
            report["failures"].append({"kind": kind, "error": f"{type(exc).__name__}: {exc}"[:2000],
                                       "trace": traceback.format_exc()[-3000:]})
        report["inputs"][kind] = count["n"]
        print(f"{kind}: {count['n']} inputs, {len(report['failures'])} failures so far, "
              f"{time.perf_counter() - started:.0f}s", file=sys.stderr, flush=True)
    report["inputs_total"] = sum(report["inputs"].values())
    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--kinds", nargs="+", choices=sorted(KINDS), help="only these input kinds (same shares)")
    args = parser.parse_args()
    if args.kinds:
        for kind in set(KINDS) - set(args.kinds):
            del KINDS[kind]
    report = run(args.examples, args.seed)
    print(json.dumps(report, ensure_ascii=False))
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
