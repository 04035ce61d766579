"""Retail orders captured, sourced and reserved through the engine, in-process, durable; and
the latency of the sourcing decision itself.

Seeds 100 stores and warehouses spread over the Upper Midwest and 4 drop-ship vendors, and
10,000 SKUs (most stocked at a handful of locations, some also drop-shipped, some drop-ship
only). Then:
- sourcing latency: ``decide`` for a CaptureOrder (checks, the sourcing rule stack with its
  explanation, the events) and the bare ``source(...)`` call, timed one order at a time on the
  seeded state, nothing applied;
- throughput: concurrent submitters (asyncio tasks) stream CaptureOrders the way the REST
  API's clients would, each with a window in flight, and wait in order for each to be durable.
  Every order is captured, sourced by the default rule stack and its stock reserved in one
  decision (2 events, or 3 with a drop-ship purchase order), then group-committed.
Orders have 1-5 lines of 1-3 units, to customers at random points of the region.

Usage: python bench/bench_commerce.py [--orders N] [--clients C] [--window W]
                                      [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from decimal import Decimal

from openoms.adapters.sql.store import SqlStore
from openoms.bootstrap import tune_gc
from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain.decide import decide
from openoms.commerce.domain.model import (
    Address,
    Channel,
    CommerceOrder,
    Customer,
    LineRequest,
    LocationKind,
    OrderLine,
)
from openoms.commerce.domain.sourcing import Need, source
from openoms.commerce.domain.state import CommerceState
from openoms.commerce.module import CommerceModel
from openoms.core.clock import SystemClock
from openoms.core.engine import Engine
from openoms.core.events import Command, Context, Recorded
from openoms.models import registry

from common import database, describe, header, percentile, stream

CTX = Context(actor="bench", source="api", role="customer_service")
LOCATIONS = 100
VENDORS = 4
SKUS = 10_000
# The region: Minnesota and western Wisconsin.
LAT, LON = (43.5, 47.5), (-97.0, -90.0)


def _point(rng: random.Random) -> tuple[Decimal, Decimal]:
    return (Decimal(f"{rng.uniform(*LAT):.4f}"), Decimal(f"{rng.uniform(*LON):.4f}"))


def _address(city: str, lat: Decimal | None = None, lon: Decimal | None = None) -> Address:
    return Address(line1="1 Main St", city=city, postal_code="55000", country="US",
                   latitude=lat, longitude=lon)


def seed_commands(rng: random.Random) -> list[Command]:
    """100 stores and warehouses, 4 vendors, 10,000 SKUs and the stock of each."""
    commands: list[Command] = []
    stock_locations = []
    for n in range(LOCATIONS):
        warehouse = n % 8 == 0  # 13 warehouses, 87 stores
        location_id = f"{'WH' if warehouse else 'ST'}{n:03d}"
        lat, lon = _point(rng)
        commands.append(cmd.DefineLocation(
            location_id=location_id, name=location_id,
            kind=LocationKind.WAREHOUSE if warehouse else LocationKind.STORE,
            address=_address(location_id), latitude=lat, longitude=lon,
            pickup=not warehouse, priority=20 if warehouse else 10,
            daily_capacity=None if warehouse else 5_000))
        stock_locations.append(location_id)
    vendors = [f"VEND{n}" for n in range(VENDORS)]
    for vendor in vendors:
        lat, lon = _point(rng)
        commands.append(cmd.DefineLocation(
            location_id=vendor, name=vendor, kind=LocationKind.VENDOR,
            address=_address(vendor), latitude=lat, longitude=lon,
            email=f"po@{vendor.lower()}.example"))
    warehouses = [loc for loc in stock_locations if loc.startswith("WH")]
    stores = [loc for loc in stock_locations if loc.startswith("ST")]
    for n in range(SKUS):
        sku = f"SKU{n:05d}"
        kind = n % 20  # 1 in 20 drop-ship only, 1 in 20 stocked and drop-shipped
        vendor_id = vendors[n % VENDORS] if kind in (0, 1) else None
        commands.append(cmd.DefineSku(sku=sku, name=sku, stocked=kind != 0, vendor_id=vendor_id))
        if kind == 0:
            continue
        for location_id in [*rng.sample(warehouses, 2), *rng.sample(stores, 6)]:
            commands.append(cmd.ReceiveStock(sku=sku, location_id=location_id,
                                             qty=rng.randint(20, 200)))
    return commands


def order_commands(rng: random.Random, count: int, first: int = 0) -> list[cmd.CaptureOrder]:
    orders = []
    for n in range(first, first + count):
        skus = rng.sample(range(SKUS), rng.randint(1, 5))
        lat, lon = _point(rng)
        orders.append(cmd.CaptureOrder(
            channel=Channel.WEB, idempotency_key=f"cart-{n}", customer=Customer(name="Ann"),
            ship_to=_address("Anytown", lat, lon),
            lines=tuple(LineRequest(sku=f"SKU{s:05d}", qty=rng.randint(1, 3),
                                    unit_price=Decimal("19.99")) for s in skus)))
    return orders


def sourcing_latency(state: CommerceState, orders: list[cmd.CaptureOrder]
                     ) -> tuple[list[float], list[float]]:
    """Milliseconds of decide(CaptureOrder) and of source(...) alone, order by order."""
    now = SystemClock().now()
    decided, sourced = [], []
    for n, c in enumerate(orders):  # the two alternate, so both see the same machine
        started = time.perf_counter()
        decide(state, c, CTX, now)
        decided.append((time.perf_counter() - started) * 1000)
        order = CommerceOrder(
            order_id=f"X{n}", channel=c.channel, channel_order_id="", customer=c.customer,
            ship_to=c.ship_to, method=c.method, lines={
                str(i): OrderLine(line_id=str(i), sku=line.sku, qty=line.qty)
                for i, line in enumerate(c.lines, start=1)})
        needs = [Need(line.line_id, line.sku, line.qty) for line in order.lines.values()]
        started = time.perf_counter()
        source(state, order, needs, now)
        sourced.append((time.perf_counter() - started) * 1000)
    return decided, sourced


def in_memory(seeds: list[Command], orders: list[cmd.CaptureOrder]) -> None:
    """Decide, apply and project the orders on a state seeded in memory: the engine's work
    on the event loop, without the journal writer."""
    model = CommerceModel()
    now = SystemClock().now()
    position = 0

    def play(command: Command) -> list[Recorded]:
        nonlocal position
        records = []
        for event in model.decide(command, CTX, now):
            stream, position = event.stream_id(), position + 1
            recorded = Recorded(stream_id=stream, version=model.next_version(stream),
                                event=event, actor=CTX.actor, source=CTX.source,
                                event_time=now, recorded_time=now, position=position)
            model.apply(recorded)
            records.append(recorded)
        return records

    for command in seeds:
        play(command)
    tune_gc()
    decided = applied = projected = 0.0
    batch: list[Recorded] = []
    for command in orders:
        started = time.thread_time()
        events = model.decide(command, CTX, now)
        decided += time.thread_time() - started
        started = time.thread_time()
        for event in events:
            stream, position = event.stream_id(), position + 1
            recorded = Recorded(stream_id=stream, version=model.next_version(stream),
                                event=event, actor=CTX.actor, source=CTX.source,
                                event_time=now, recorded_time=now, position=position)
            model.apply(recorded)
            batch.append(recorded)
        applied += time.thread_time() - started
        if len(batch) >= 1000:  # the engine projects every 50 ms: about this many events
            started = time.thread_time()
            model.project(batch)
            projected += time.thread_time() - started
            batch = []
    n = len(orders)
    each = (decided + applied + projected) / n
    print(f"    in memory, no journal: decide {decided / n * 1e6:.0f} us + apply "
          f"{applied / n * 1e6:.0f} us + project {projected / n * 1e6:.0f} us = "
          f"{each * 1e6:.0f} us of CPU an order ({1 / each:,.0f} orders/s)")


async def run(url: str, orders: int, clients: int, window: int, latency_orders: int) -> None:
    rng = random.Random(20261123)
    store = SqlStore(url, registry())
    model = CommerceModel()
    engine = Engine([model], store, SystemClock())
    engine.start()
    seeds = seed_commands(rng)
    in_memory(seeds, order_commands(random.Random(1), min(orders, 10_000), first=10**6))
    started = time.perf_counter()
    for command in seeds:
        await engine.wait_for_room()
        engine.decide_now(command, CTX)
    await engine.barrier()
    rows = len(model.state.stock)
    print(f"    seeded {LOCATIONS} locations + {VENDORS} vendors, {SKUS:,} SKUs, {rows:,} stock "
          f"rows ({len(seeds):,} commands) in {time.perf_counter() - started:.1f} s")
    tune_gc()  # as the server does once recovery has loaded the state

    decided, sourced = sourcing_latency(model.state, order_commands(rng, latency_orders))
    print(f"    sourcing latency, {latency_orders:,} orders of 1-5 lines, nothing applied:")
    print(f"      decide(CaptureOrder): {describe(decided)}  p99.9 "
          f"{percentile(decided, 99.9):.2f} ms")
    print(f"      source(...) alone:    {describe(sourced)}  p99.9 "
          f"{percentile(sourced, 99.9):.2f} ms")

    per_client = orders // clients
    commands = order_commands(rng, per_client * clients, first=latency_orders)
    before = (engine.stats.events, engine.stats.batches, engine.stats.rejected,
              engine.stats.commit_seconds)

    cpu = time.process_time()
    elapsed, latencies = await stream(engine, commands, clients, window, CTX)
    cpu = time.process_time() - cpu
    stats = engine.stats
    events, batches = stats.events - before[0], max(stats.batches - before[1], 1)
    committing = stats.commit_seconds - before[3]
    state = model.state
    fulfilments = sum(len(state.orders[c].fulfilment_ids) for c in list(state.orders))
    waiting = len(state.waiting)
    await engine.stop()
    store.close()
    print(f"    {per_client * clients:,} orders ({stats.rejected - before[2]} refused), "
          f"{fulfilments:,} fulfilment orders, {waiting} waiting for stock; {events:,} events "
          f"in {batches} commits (mean {events / batches:.0f} events/commit); the writer "
          f"thread committed for {committing / elapsed * 100:.0f}% of the time, "
          f"{committing / (per_client * clients) * 1e6:.0f} us an order")
    print(f"    throughput: {per_client * clients / elapsed:,.0f} orders/s durable; "
          f"ack latency {describe(latencies)}")
    print(f"    process CPU (both threads): {cpu / (per_client * clients) * 1e6:.0f} us an "
          f"order, {cpu / elapsed * 100:.0f}% of one core")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=40_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--window", type=int, default=50, help="orders in flight per client")
    parser.add_argument("--latency-orders", type=int, default=20_000)
    parser.add_argument("--backends", default="sqlite")
    args = parser.parse_args()
    header("bench_commerce: retail capture + source + reserve through the engine (in-process)")
    for backend in args.backends.split(","):
        print(f"{backend}: {args.orders:,} orders, {args.clients} clients, window {args.window}")
        with database(backend) as url:
            asyncio.run(run(url, args.orders, args.clients, args.window, args.latency_orders))


if __name__ == "__main__":
    main()
