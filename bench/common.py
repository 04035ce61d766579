"""Shared by the benchmarks: databases to run on, the seeded desk, percentiles, a report line."""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import socket
import statistics
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from aiosmtpd.controller import Controller

from openoms.adapters.sql.migrations import upgrade
from openoms.core.engine import Engine
from openoms.core.events import Command, Context
from openoms.demo import demo_commands
from openoms.trading.domain import commands as cmd

PG_SERVER = os.environ.get("OPENOMS_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")


@contextlib.contextmanager
def database(kind: str) -> Iterator[str]:
    """Yield the URL of a fresh, migrated database of kind sqlite or postgresql; drop it after."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="openoms-bench-") as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            upgrade(url)
            yield url
        return
    name = f"openoms_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = f"{PG_SERVER}/{name}"
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class MailSink:
    """An SMTP server on 127.0.0.1 that accepts every mail and counts it."""

    port: int = 0
    mails: int = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802 - aiosmtpd's name
        self.mails += 1
        return "250 OK"


@contextlib.contextmanager
def mail_sink() -> Iterator[MailSink]:
    """Run a MailSink for the vendors' purchase-order mails of the server under test."""
    sink = MailSink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        sink.port = int(probe.getsockname()[1])
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def bench_commands() -> list[Command]:
    """The demo desk plus an account without limits for load."""
    return [*demo_commands(), cmd.DefineAccount(account_id="LOAD", name="Load generator")]


def percentile(samples: list[float], pct: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def describe(samples_ms: list[float]) -> str:
    return (f"p50 {percentile(samples_ms, 50):.2f} ms  p99 {percentile(samples_ms, 99):.2f} ms  "
            f"mean {statistics.fmean(samples_ms):.2f} ms")


def header(title: str) -> None:
    print(f"# {title}")
    print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")


def order(i: int, *, handling: str = "staged") -> cmd.SubmitTicket:
    from openoms.trading.domain.model import Handling, OrdType, Side, Source, TimeInForce

    return cmd.SubmitTicket(
        account_id="LOAD", symbol=("AAPL", "MSFT", "IBM", "SPY")[i % 4],
        side=Side.BUY if i % 2 else Side.SELL, qty=Decimal(100), ord_type=OrdType.LIMIT,
        limit_px=Decimal(("185.00", "410.00", "215.00", "550.00")[i % 4]) if i % 2 else
        Decimal(("195.00", "430.00", "225.00", "570.00")[i % 4]),
        tif=TimeInForce.DAY, cl_ord_id=f"B{i}", source=Source.API,
        handling=Handling(handling))


async def stream(engine: Engine, commands: Sequence[Command], clients: int, window: int,
                 ctx: Context) -> tuple[float, list[float]]:
    """Submit commands from clients concurrent submitters, each with up to window in flight,
    waiting in order for each to be durable; return (seconds taken, latencies in ms)."""
    latencies: list[float] = []
    per_client = len(commands) // clients

    async def client(k: int) -> None:
        in_flight: deque[tuple[float, asyncio.Future[None]]] = deque()
        for j in range(per_client):
            if len(in_flight) >= window:
                sent, durable = in_flight.popleft()
                await durable
                latencies.append((time.perf_counter() - sent) * 1000)
            await engine.wait_for_room()
            _, durable = engine.decide_now(commands[k * per_client + j], ctx)
            in_flight.append((time.perf_counter(), durable))
        for sent, durable in in_flight:
            await durable
            latencies.append((time.perf_counter() - sent) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(clients)))
    return time.perf_counter() - started, latencies
