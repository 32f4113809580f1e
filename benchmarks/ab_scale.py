"""Interleaved A/B of `kexie bench --scale` between this tree and another checkout.

    git worktree add /tmp/before <commit>     # or: git archive <commit> kexie_scraper | tar -x -C /tmp/before
    python benchmarks/ab_scale.py --other /tmp/before --rounds 3 --json docs/bench_scale_ab.json

On a shared, noisy machine two `--scale` runs minutes apart differ by more than a change
does. This alternates the two trees' processes for each N (A B, then B A, …) so both see
the same load, and keeps the fastest of ``--rounds`` runs per N and tree. The other tree
is put first on PYTHONPATH; its ``kexie_scraper.bench.scale`` must exist (copy this
tree's ``kexie_scraper/bench/`` into it when it predates the benchmark).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kexie_scraper.bench.runner import scale_growth  # noqa: E402


def one(n: int, out: str, seed: int, pythonpath: str | None) -> dict:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    else:
        env.pop("PYTHONPATH", None)
    run = subprocess.run(
        [sys.executable, "-m", "kexie_scraper.bench.scale", str(n), "--out", out, "--seed", str(seed)],
        capture_output=True, text=True, env=env, cwd=tempfile.gettempdir(), check=True, timeout=7200,
    )
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--other", required=True, help="root of the other tree (holds kexie_scraper/)")
    parser.add_argument("--points", default="10000,30000,100000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--labels", default="this,other")
    parser.add_argument("--json", help="write {label: {scale: [...], growth…}} here")
    args = parser.parse_args()
    points = [int(x) for x in args.points.split(",")]
    this, other = args.labels.split(",")
    trees = {this: str(ROOT), other: str(Path(args.other).resolve())}
    runs = {label: {n: [] for n in points} for label in trees}
    with tempfile.TemporaryDirectory(prefix="kexie-ab-") as tmp:
        for r in range(args.rounds):
            order = list(trees) if r % 2 == 0 else list(reversed(trees))
            for n in points:
                for label in order:
                    result = one(n, tmp, args.seed, trees[label])
                    runs[label][n].append(result)
                    print(f"{label:>8} n={n:>7}: {result['seconds']:7.2f} s  CPU {result['cpu_seconds']:7.2f} s  "
                          f"peak RSS {result['peak_rss_mb']} MB", flush=True)
    report = {}
    for label in trees:
        scale = []
        for n in points:
            best = dict(min(runs[label][n], key=lambda x: x["seconds"]))
            best["rounds_seconds"] = [x["seconds"] for x in runs[label][n]]
            best["rounds_cpu_seconds"] = [x["cpu_seconds"] for x in runs[label][n]]
            scale.append(best)
        report[label] = {"scale": scale, **scale_growth(scale)}
        print(label, {k: v for k, v in report[label].items() if k != "scale"})
    report["note"] = f"interleaved A/B, fastest of {args.rounds} rounds per N and tree; other tree: {args.other}"
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
