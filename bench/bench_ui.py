"""Web UI pages with 10,000 desk orders and 10,000 retail orders in the database.

Seeds a SQLite database in-process through the engine (the demo desk, 10,000 tickets of which
a fifth are accepted and routed to the simulated exchange; the 100-location retail shop of
bench_commerce with 10,000 SKUs, 76,000 stock rows and 10,000 orders), then starts ``openoms
serve`` on it as its own process, signs in as the admin and times each main page over HTTP,
sequentially (one user's view), with the JSON API's list endpoint beside it for reference.

    .venv/bin/python bench/bench_ui.py [--orders 10000] [--requests 100]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from openoms.adapters.sql.migrations import upgrade
from openoms.adapters.sql.users import UserStore
from openoms.bootstrap import start_runtime, stop_runtime
from openoms.core.events import Context
from openoms.settings import load_settings
from openoms.trading.domain import commands as cmd
from openoms.trading.domain.model import OrdType

from bench_commerce import order_commands, seed_commands
from common import bench_commands, describe, header, mail_sink, order, percentile, stream

ADMIN = Context(actor="bench", source="cli", role="admin")
PASSWORD = "bench-password"


async def seed(data_dir: Path, url: str, orders: int, smtp_port: int) -> dict[str, str]:
    """Fill the database; return ids to open detail pages of."""
    settings = load_settings(None, data_dir=data_dir, database_url=url, day_end_enabled=False,
                             smtp_host="127.0.0.1", smtp_port=smtp_port)
    runtime = await start_runtime(settings)
    try:
        engine = runtime.engine
        for command in bench_commands():
            await engine.execute(command, ADMIN)
        rng = random.Random(7)
        for command in seed_commands(rng):
            engine.decide_now(command, ADMIN)
        await engine.barrier()
        started = time.perf_counter()
        await stream(engine, [order(i) for i in range(orders)], 10, 50, ADMIN)
        tickets = list(runtime.trading.state.tickets)
        for n, order_id in enumerate(tickets[::5]):  # a fifth worked: accepted and routed
            await engine.execute(cmd.AcceptTicket(order_id=order_id), ADMIN)
            ticket = runtime.trading.state.tickets[order_id]
            await engine.execute(cmd.RouteChild(
                order_id=order_id, venue_id="SIM", qty=ticket.terms.qty,
                ord_type=OrdType.LIMIT, limit_px=ticket.terms.limit_px), ADMIN)
            if n % 200 == 0:
                await asyncio.sleep(0)  # let the simulated exchange's fills in
        await stream(engine, order_commands(rng, orders), 10, 50, ADMIN)
        await engine.barrier()
        print(f"seeded {len(runtime.trading.state.tickets):,} tickets and "
              f"{len(runtime.commerce.state.orders):,} retail orders in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        await asyncio.to_thread(UserStore(runtime.store.reader).create_user,
                                "admin", "admin", PASSWORD)
        state = runtime.commerce.state
        store = next(f.location_id for f in state.fulfilments.values()
                     if f.location_id.startswith("ST"))
        vendor_po = next((f.fulfilment_id for f in state.fulfilments.values()
                          if f.location_id.startswith("VEND")), "")
        return {"ticket": tickets[len(tickets) // 2], "worked": tickets[0], "sku": "SKU05001",
                "retail": next(iter(state.orders)), "store": store, "po": vendor_po}
    finally:
        await stop_runtime(runtime)


def serve(data_dir: Path, url: str, port: int, smtp_port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OPENOMS_DATA_DIR": str(data_dir), "OPENOMS_DATABASE_URL": url,
           "OPENOMS_DAY_END_ENABLED": "false", "OPENOMS_FIX_PORT": "0",
           "OPENOMS_SMTP_HOST": "127.0.0.1", "OPENOMS_SMTP_PORT": str(smtp_port)}
    openoms = str(Path(sys.executable).parent / "openoms")
    log = open(data_dir / "server.log", "wb")  # noqa: SIM115 - the process keeps it
    return subprocess.Popen([openoms, "serve", "--port", str(port)], env=env, stdout=log,
                            stderr=subprocess.STDOUT)


def sign_in(client: httpx.Client) -> None:
    form = client.get("/login").text
    token = re.search(r'name="login_token" value="([^"]+)"', form)
    assert token, "no sign-in form"
    done = client.post("/login", data={"username": "admin", "password": PASSWORD,
                                       "login_token": token.group(1)})
    assert done.status_code == 303, done.text


def time_page(client: httpx.Client, path: str, requests: int) -> tuple[list[float], int, int]:
    samples = []
    status = size = 0
    client.get(path)  # warm
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        status, size = response.status_code, len(response.content)
    return samples, status, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--port", type=int, default=0, help="HTTP port (default: a free one)")
    args = parser.parse_args()
    if not args.port:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            args.port = sock.getsockname()[1]
    header(f"web UI pages, {args.orders:,} desk and {args.orders:,} retail orders, SQLite")
    # The drop-ship orders' purchase orders go to vendors by mail: a sink takes them.
    with tempfile.TemporaryDirectory(prefix="openoms-bench-ui-") as tmp, mail_sink() as sink:
        data_dir = Path(tmp)
        url = f"sqlite:///{data_dir / 'openoms.db'}"
        upgrade(url)
        ids = asyncio.run(seed(data_dir, url, args.orders, sink.port))
        process = serve(data_dir, url, args.port, sink.port)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{args.port}", timeout=30) as client:
                deadline = time.monotonic() + 120
                while True:
                    try:
                        if client.get("/healthz").status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise SystemExit((data_dir / "server.log").read_text()[-3000:])
                    time.sleep(0.2)
                sign_in(client)
                pages = [
                    "/ui/blotter", "/ui/blotter?offset=9000", "/ui/blotter?open_only=true",
                    f"/ui/orders/{ids['ticket']}", f"/ui/orders/{ids['worked']}",
                    "/ui/ticket", "/ui/retail/orders", "/ui/retail/orders?offset=9000",
                    f"/ui/retail/orders/{ids['retail']}", "/ui/inventory",
                    "/ui/inventory?offset=70000", f"/ui/inventory?sku={ids['sku']}",
                    f"/ui/store/{ids['store']}", "/ui/vendor",
                    f"/ui/vendor/po/{ids['po']}", "/ui/admin",
                    "/api/v1/trading/orders?limit=50", "/api/v1/commerce/orders?limit=50",
                ]
                print(f"{'page':44} {'status':>6} {'KiB':>6}  latency")
                for path in pages:
                    samples, status, size = time_page(client, path, args.requests)
                    print(f"{path:44} {status:>6} {size / 1024:6.0f}  {describe(samples)}  "
                          f"max {percentile(samples, 100):.1f} ms", flush=True)
        except httpx.HTTPError:
            print((data_dir / "server.log").read_text()[-4000:], file=sys.stderr)
            raise
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
