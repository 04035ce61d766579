"""Sustained new-order throughput and latency over the REST API, durable.

Starts ``openoms serve`` as its own process (one uvicorn worker) on SQLite and on PostgreSQL,
then a load generator in this process posts staged limit orders over keep-alive connections
and waits for each reply (201 only after the order is durable).

Usage: python bench/bench_rest.py [--orders N] [--connections C] [--backends ...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import uvloop

from openoms.adapters.sql.store import SqlStore
from openoms.models import registry

from common import database, describe, header
from loadgen import render, run

PORT = 18_765


def _wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("server did not become ready")


def bench(url: str, orders: int, connections: int) -> tuple[float, list[float], dict[int, int]]:
    store = SqlStore(url, registry())
    token = store.create_token("bench", "admin")
    store.close()
    with tempfile.TemporaryDirectory(prefix="openoms-rest-") as tmp:
        env = {**os.environ, "OPENOMS_DATA_DIR": tmp, "OPENOMS_DATABASE_URL": url,
               "OPENOMS_FIX_ENABLED": "false",
               "OPENOMS_DAY_END_ENABLED": "false", "OPENOMS_LOG_LEVEL": "warning"}
        proc = subprocess.Popen([str(Path(sys.executable).parent / "openoms"), "serve", "--demo",
                                 "--port", str(PORT)], env=env, stdout=subprocess.DEVNULL)
        try:
            _wait_ready(PORT, proc)
            headers = {"Authorization": f"Bearer {token}"}
            httpx.post(f"http://127.0.0.1:{PORT}/api/v1/trading/accounts",
                       json={"account_id": "LOAD"}, headers=headers).raise_for_status()
            symbols = ("AAPL", "MSFT", "IBM", "SPY")
            prices = ("185.00", "410.00", "215.00", "550.00")

            def request(i: int) -> bytes:
                return render("POST", "/api/v1/trading/orders", token, {
                    "account_id": "LOAD", "symbol": symbols[i % 4], "side": "buy",
                    "qty": "100", "ord_type": "limit", "limit_px": prices[i % 4],
                    "cl_ord_id": f"R{i}", "source": "phone"})

            # warm-up, then the measured run
            asyncio.run(run("127.0.0.1", PORT, 8, 500, lambda i: request(10_000_000 + i)))
            return uvloop.run(run("127.0.0.1", PORT, connections, orders, request))
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    header("bench_rest: durable new-order throughput over REST (server in its own process)")
    for backend in args.backends.split(","):
        with database(backend) as url:
            rate, latencies, codes = bench(url, args.orders, args.connections)
        print(f"{backend:10} {args.orders:>7} orders, {args.connections} connections: "
              f"{rate:>8,.0f} orders/s  {describe(latencies)}  statuses {codes}")


if __name__ == "__main__":
    main()
