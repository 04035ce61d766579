"""Where the engine's time goes: the decide/evolve/project side alone, and the writer alone.

1. engine without storage: orders decided, applied and projected per second (the event loop's
   share of the work, with a store that writes nothing);
2. writer alone: the same batches written by SqlStore (journal + read models + checkpoint,
   durable) per second, on SQLite and PostgreSQL.
Both halves are Python under one interpreter lock, so the durable engine's rate is close to
1 / (1/rate1 + 1/rate2): this is what limits bench_engine.py.

Usage: python bench/bench_breakdown.py [--orders N]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from openoms.adapters.sql.store import SqlStore
from openoms.bootstrap import tune_gc
from openoms.core.clock import SystemClock
from openoms.core.engine import Batch, Engine
from openoms.core.events import Context
from openoms.models import registry
from openoms.trading.module import TradingModel

from common import bench_commands, database, header, order

CTX = Context(actor="bench", source="api", role="trader")
BATCH = 500


class Capture:
    """A store that keeps the batches instead of writing them."""

    def __init__(self) -> None:
        self.batches: list[Batch] = []

    def write(self, batch: Batch) -> None:
        self.batches.append(batch)


async def decide_only(orders: int) -> tuple[float, list[Batch]]:
    tune_gc()
    model, capture = TradingModel(), Capture()
    engine = Engine([model], capture, SystemClock(), max_pending=10**9, project_every=0)
    engine.start()
    for command in bench_commands():
        await engine.execute(command, CTX)
    commands = [order(i) for i in range(orders)]
    started = time.perf_counter()
    for i in range(0, orders, BATCH):
        for command in commands[i:i + BATCH]:
            engine.decide_now(command, CTX)
        await engine.barrier()
    elapsed = time.perf_counter() - started
    await engine.stop()
    return orders / elapsed, capture.batches


def write_only(url: str, batches: list[Batch]) -> float:
    store = SqlStore(url, registry())
    full = [b for b in batches if len(b.records) == BATCH]
    for batch in batches[: len(batches) - len(full)]:
        store.write(batch)  # the reference data first
    started = time.perf_counter()
    for batch in full:
        store.write(batch)
    elapsed = time.perf_counter() - started
    store.close()
    return len(full) * BATCH / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=40_000)
    args = parser.parse_args()
    header("bench_breakdown: the engine's two halves measured apart (staged orders)")
    rate, batches = asyncio.run(decide_only(args.orders))
    print(f"decide+evolve+project, no storage: {rate:>9,.0f} orders/s "
          f"({1e6 / rate:.1f} us/order)")
    for backend in ("sqlite", "postgresql"):
        with database(backend) as url:
            written = write_only(url, batches)
        both = 1 / (1 / rate + 1 / written)
        print(f"writer alone, {backend:10}: {written:>9,.0f} orders/s "
              f"({1e6 / written:.1f} us/order, batches of {BATCH}); "
              f"both halves under one GIL: ~{both:,.0f} orders/s")


if __name__ == "__main__":
    main()
