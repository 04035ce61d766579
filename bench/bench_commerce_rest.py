"""Retail orders captured, sourced and reserved over the REST API, durable.

Seeds the same 100 locations, 4 vendors and 10,000 SKUs with stock as ``bench_commerce.py``
(through the engine, in this process, before the server starts), then starts ``openoms
serve`` as its own process (one uvicorn worker) and posts ``POST /api/v1/commerce/orders``
(1-5 lines, each with an idempotency key) over keep-alive connections, waiting for each reply:
a 201 comes only after the order, its sourcing decision and its reservations are durable.
Drop-ship lines make purchase orders that the vendors are sent by e-mail: an SMTP sink
(aiosmtpd) in this process takes them, so delivery is part of the server's work as it would be
in production.

Usage: python bench/bench_commerce_rest.py [--orders N] [--connections C]
                                           [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
import uvloop

from openoms.adapters.sql.store import SqlStore
from openoms.bootstrap import start_runtime, stop_runtime
from openoms.commerce.domain import commands as cmd
from openoms.core.events import Context
from openoms.models import registry
from openoms.settings import load_settings

from bench_commerce import order_commands, seed_commands
from bench_rest import _wait_ready
from common import database, describe, header, mail_sink
from loadgen import render, run

PORT = 18_766
SEEDER = Context(actor="bench", source="api", role="admin")


async def _seed(url: str, data_dir: str) -> None:
    settings = load_settings(None, data_dir=Path(data_dir), database_url=url,
                             day_end_enabled=False, fix_enabled=False)
    runtime = await start_runtime(settings)
    try:
        pending = []
        for command in seed_commands(random.Random(7)):
            pending.append(asyncio.ensure_future(runtime.engine.execute(command, SEEDER)))
            if len(pending) >= 500:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await stop_runtime(runtime)


def _body(c: cmd.CaptureOrder) -> dict[str, Any]:
    to = c.ship_to
    return {"channel": c.channel.value, "customer": {"name": c.customer.name},
            "ship_to": {"line1": to.line1, "city": to.city, "postal_code": to.postal_code,
                        "country": to.country, "latitude": str(to.latitude),
                        "longitude": str(to.longitude)},
            "lines": [{"sku": line.sku, "qty": line.qty, "unit_price": str(line.unit_price)}
                      for line in c.lines]}


def bench(url: str, orders: int, connections: int) -> tuple[float, list[float], dict[int, int]]:
    with mail_sink() as sink:
        try:
            return _bench(url, orders, connections, sink.port)
        finally:
            print(f"# vendor purchase-order mails received by the SMTP sink: {sink.mails:,}")


def _bench(url: str, orders: int, connections: int,
           smtp_port: int) -> tuple[float, list[float], dict[int, int]]:
    with tempfile.TemporaryDirectory(prefix="openoms-retail-rest-") as tmp:
        asyncio.run(_seed(url, tmp))
        store = SqlStore(url, registry())
        token = store.create_token("bench", "admin")
        store.close()
        bodies = [render("POST", "/api/v1/commerce/orders", token, _body(c))
                  for c in order_commands(random.Random(11), orders + 500)]
        env = {**os.environ, "OPENOMS_DATA_DIR": tmp, "OPENOMS_DATABASE_URL": url,
               "OPENOMS_FIX_ENABLED": "false", "OPENOMS_DAY_END_ENABLED": "false",
               "OPENOMS_LOG_LEVEL": "warning", "OPENOMS_SMTP_HOST": "127.0.0.1",
               "OPENOMS_SMTP_PORT": str(smtp_port),
               "OPENOMS_VENDOR_WEBHOOK_SECRET": "bench-vendor-secret-0123456789"}
        proc = subprocess.Popen([str(Path(sys.executable).parent / "openoms"), "serve",
                                 "--port", str(PORT)], env=env, stdout=subprocess.DEVNULL)
        try:
            _wait_ready(PORT, proc, timeout=120)
            headers = {"Authorization": f"Bearer {token}"}
            locations = httpx.get(f"http://127.0.0.1:{PORT}/api/v1/commerce/locations",
                                  headers=headers, timeout=30).json()
            assert len(locations["locations"]) >= 100, "the seed did not survive the restart"
            # warm-up, then the measured run
            asyncio.run(run("127.0.0.1", PORT, 8, 500, lambda i: bodies[orders + i]))
            cpu = _cpu_seconds(proc.pid)
            result = uvloop.run(run("127.0.0.1", PORT, connections, orders, bodies.__getitem__))
            cpu = _cpu_seconds(proc.pid) - cpu
            print(f"# server process CPU: {cpu / orders * 1e6:,.0f} us an order "
                  f"({cpu * result[0] / orders * 100:.0f}% of one core)")
            return result
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) a process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    header("bench_commerce_rest: retail capture + source + reserve over REST, durable "
           "(server in its own process; 100 locations, 10,000 SKUs)")
    for backend in args.backends.split(","):
        with database(backend) as url:
            rate, latencies, codes = bench(url, args.orders, args.connections)
        print(f"{backend:10} {args.orders:>7} orders, {args.connections} connections: "
              f"{rate:>8,.0f} orders/s  {describe(latencies)}  statuses {codes}")


if __name__ == "__main__":
    main()
