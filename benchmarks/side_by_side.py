"""`kexie bench --scale N` of this tree and another, run at the same time, one per core:

    git worktree add /tmp/before <commit>
    python benchmarks/side_by_side.py --other /tmp/before --n 10000 --rounds 10

On a shared machine whose speed drifts by ±10 % within minutes, two runs made at the same
time see the same machine, where alternating runs do not. The two cores are not equal
either (sixth session: the side started first, or on core 0, ran slower in most rounds),
so the trees swap cores and start order every round. Prints each round's CPU seconds and
the ratio this ÷ other, then the geometric mean of the ratios. Needs 2 cores.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start(tree: str, n: int, out: str, seed: int, core: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": tree}
    return subprocess.Popen(["taskset", "-c", str(core), sys.executable, "-m", "kexie_scraper.bench.scale", str(n),
                             "--out", out, "--seed", str(seed)],
                            stdout=subprocess.PIPE, text=True, env=env, cwd=tempfile.gettempdir())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--other", required=True, help="root of the other tree (holds kexie_scraper/)")
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    trees = {"this": str(ROOT), "other": str(Path(args.other).resolve())}
    ratios = []
    for r in range(args.rounds):
        order = ["this", "other"] if r % 2 == 0 else ["other", "this"]
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            procs = {}
            for core, (label, out) in enumerate(zip(order, (a, b))):
                procs[label] = start(trees[label], args.n, out, args.seed, core)
                time.sleep(0.2)
            cpu = {label: json.loads(proc.communicate()[0].strip().splitlines()[-1])["cpu_seconds"]
                   for label, proc in procs.items()}
        ratios.append(cpu["this"] / cpu["other"])
        print(f"round {r + 1} (first, core 0: {order[0]}): this {cpu['this']:.2f} s CPU, other {cpu['other']:.2f} s, "
              f"this/other {ratios[-1]:.3f}", flush=True)
    print(f"geometric mean this/other: {math.exp(sum(map(math.log, ratios)) / len(ratios)):.3f} over {len(ratios)} rounds")


if __name__ == "__main__":
    main()
