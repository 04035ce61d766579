"""A/B of OpenOMS's FIX acceptor: two source trees, alternately, in one run.

Starts ``openoms serve --demo`` (as ``bench_fix.py`` does) with ``PYTHONPATH`` pointing at
each tree's ``src`` in turn and drives it with the same ``fixload.py`` throughput load; prints
acknowledged orders/s and server CPU per order of each round, then the medians. Timings on a
shared machine drift; alternating the two trees in one run makes their ratio meaningful.

Usage: git worktree add /tmp/base <commit>
       python bench/bench_fix_ab.py --base /tmp/base/src [--orders 20000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import bench_fix as fix
from common import header

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the other tree's src directory")
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--window", type=int, default=200)
    args = parser.parse_args()
    load_args = argparse.Namespace(sessions=args.sessions, window=args.window, symbol="AAPL",
                                   qty="100", price="190.00", time_limit=180.0)
    trees = {"base": str(Path(args.base).resolve()), "this": str(ROOT / "src")}
    header("bench_fix_ab: FIX acceptor, two source trees alternately")
    print(f"# {args.orders:,} orders x {args.rounds} rounds; base {trees['base']}")
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
    for _ in range(args.rounds):
        for name, src in trees.items():
            os.environ["PYTHONPATH"] = src
            try:
                with fix.openoms_server(args.sessions, "LOAD{n}") as (port, pid):
                    stamp = f"{int(time.time() * 1000) % 10**8:x}"
                    fix.load(port, "throughput", 2_000, load_args, f"W{stamp}")
                    before = fix.cpu_seconds(pid)
                    out = fix.load(port, "throughput", args.orders, load_args, f"T{stamp}")
                    cpu_us = (fix.cpu_seconds(pid) - before) / args.orders * 1e6
            finally:
                os.environ.pop("PYTHONPATH", None)
            rate = float(out.get("rate") or 0)  # type: ignore[arg-type]
            results[name].append((rate, cpu_us))
            print(f"{name:<5} {rate:8,.0f} orders/s  {cpu_us:6.0f} µs/order  "
                  f"{out.get('error', '')}", flush=True)
    for name, rows in results.items():
        print(f"{name:<5} median {statistics.median(r for r, _ in rows):8,.0f} orders/s  "
              f"{statistics.median(c for _, c in rows):6.0f} µs/order")
    base, this = (statistics.median(r for r, _ in results[n]) for n in ("base", "this"))
    print(f"ratio this/base, orders/s: {this / base:.2f}" if base else "base failed")


if __name__ == "__main__":
    main()
