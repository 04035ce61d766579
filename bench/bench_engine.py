"""Sustained new-order throughput and latency through the engine, in-process, durable.

Concurrent submitters (asyncio tasks) stream orders the way FIX sessions do: each keeps a
window of orders in flight and waits, in order, for each to be durable (the acknowledgement a
client would get). Latency is from submission to durable acknowledgement. Measured on SQLite (WAL,
synchronous=FULL) and PostgreSQL (synchronous_commit=on). Two kinds of order:
- staged: captured onto the blotter (1 event each);
- automatic: captured, accepted and routed as a child to the simulated exchange, where the
  resting buy and sell limits of the load never cross the seeded liquidity (3 events + an ack).

Usage: python bench/bench_engine.py [--orders N] [--clients C] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio

from openoms.adapters.sql.store import SqlStore
from openoms.bootstrap import tune_gc
from openoms.core.clock import SystemClock
from openoms.core.engine import Engine
from openoms.core.events import Context
from openoms.models import registry
from openoms.trading.domain.model import VenueKind
from openoms.trading.module import TradingModel
from openoms.venues.router import VenueRouter
from openoms.venues.simulated.exchange import SimulatedExchange

from common import bench_commands, database, describe, header, order, stream

CTX = Context(actor="bench", source="api", role="trader")


async def run(url: str, orders: int, clients: int, handling: str,
              window: int) -> tuple[float, list[float]]:
    tune_gc()  # as the server does at start-up
    store = SqlStore(url, registry())
    model = TradingModel()
    engine = Engine([model], store, SystemClock())
    engine.start()
    router = VenueRouter(engine, model.state)
    exchange = SimulatedExchange(router.report)
    router.register(VenueKind.SIMULATED, exchange)
    engine.subscribe(router)
    for command in bench_commands():
        await engine.execute(command, CTX)
    exchange.list_instruments(list(model.state.instruments.values()))
    per_client = orders // clients
    commands = [order(i, handling=handling) for i in range(per_client * clients)]

    elapsed, latencies = await stream(engine, commands, clients, window, CTX)
    stats = engine.stats
    await engine.stop()
    store.close()
    batches = max(stats.batches, 1)
    print(f"    {stats.events} events in {stats.batches} commits "
          f"(mean {stats.events / batches:.0f} events/commit, max {stats.max_batch_size}); "
          f"commit time {stats.commit_seconds / elapsed * 100:.0f}% of wall")
    return per_client * clients / elapsed, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=60_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--window", type=int, default=50, help="orders in flight per client")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--kinds", default="staged,automatic")
    args = parser.parse_args()
    header("bench_engine: durable new-order throughput through the engine (in-process)")
    for backend in args.backends.split(","):
        for kind in args.kinds.split(","):
            with database(backend) as url:
                rate, latencies = asyncio.run(run(url, args.orders, args.clients, kind,
                                                  args.window))
            print(f"{backend:10} {kind:9} {args.orders:>7} orders, {args.clients} clients: "
                  f"window {args.window}: {rate:>9,.0f} orders/s  {describe(latencies)}")


if __name__ == "__main__":
    main()
