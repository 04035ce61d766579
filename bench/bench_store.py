"""SqlStore.write alone: journal rows and ticket upserts per second, durable, on both backends.

The batches are real: N staged tickets decided and applied by the trading model, journaled as
TicketStaged records, each with its ticket's read-model row. Every batch is one write() call,
i.e. one transaction made durable (SQLite WAL synchronous=FULL, PostgreSQL
synchronous_commit=on). Two runs per backend: the journal alone, and the journal plus one
upsert per ticket (what a group commit that also projects the read model writes).

Usage: python bench/bench_store.py [--tickets N] [--batch 1000]
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

from openoms.adapters.sql.store import SqlStore
from openoms.core.engine import Batch
from openoms.core.events import Context, Recorded
from openoms.models import registry
from openoms.trading.module import TradingModel

from common import bench_commands, database, header, order

CTX = Context(actor="bench", source="api", role="trader")


def build(tickets: int, size: int) -> tuple[Batch, list[Batch]]:
    """Return (reference data batch, batches of `size` staged tickets with their rows)."""
    model, position = TradingModel(), 0
    now = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)

    def record(commands: list[object]) -> list[Recorded]:
        nonlocal position
        records = []
        for command in commands:
            for event in model.decide(command, CTX, now):  # type: ignore[arg-type]
                position += 1
                stream = event.stream_id()
                recorded = Recorded(stream_id=stream, version=model.next_version(stream),
                                    event=event, actor="bench", source="api", event_time=now,
                                    recorded_time=now, position=position)
                model.apply(recorded)
                records.append(recorded)
        return records

    def batch(records: list[Recorded]) -> Batch:
        upserts, inserts = model.project(records)
        return Batch(records=records, upserts=upserts, inserts=inserts, checkpoint=position)

    seed = batch(record(list(bench_commands())))
    batches = [batch(record([order(i) for i in range(start, min(start + size, tickets))]))
               for start in range(0, tickets, size)]
    return seed, batches


def measure(url: str, seed: Batch, batches: list[Batch], *, upserts: bool) -> tuple[float, float]:
    """Write the batches; return (journal rows/s, upserted rows/s)."""
    store = SqlStore(url, registry())
    store.write(seed)
    if not upserts:
        batches = [Batch(records=b.records, upserts={}, inserts={}, checkpoint=seed.checkpoint)
                   for b in batches]
    records = sum(len(b.records) for b in batches)
    rows = sum(len(rows) for b in batches for rows in b.upserts.values())
    started = time.perf_counter()
    for b in batches:
        store.write(b)
    elapsed = time.perf_counter() - started
    loaded = store.load()
    store.close()
    assert loaded.last_position == batches[-1].records[-1].position
    return records / elapsed, rows / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=1_000)
    args = parser.parse_args()
    header(f"bench_store: SqlStore.write, {args.tickets:,} staged tickets, "
           f"batches of {args.batch:,}, one durable transaction each")
    seed, batches = build(args.tickets, args.batch)
    for backend in ("sqlite", "postgresql"):
        for upserts in (False, True):
            with database(backend) as url:
                journal, rows = measure(url, seed, batches, upserts=upserts)
            what = "journal + ticket upserts" if upserts else "journal only            "
            print(f"{backend:10} {what}: {journal:>9,.0f} journal rows/s"
                  + (f"  {rows:>9,.0f} upserts/s" if upserts else "")
                  + f"  ({len(batches) * journal / (args.tickets or 1):,.0f} commits/s)")


if __name__ == "__main__":
    main()
