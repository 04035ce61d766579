"""SIGKILL the server during a FIX order stream; after restart the client logs on, both sides
recover their gaps by ResendRequest, and every order is there exactly once."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import httpx
import pytest

from openoms.adapters.fix.codec import FixMessage
from openoms.adapters.sql.store import SqlStore
from openoms.models import registry

from fixclient import FixClient
from server import Server, free_port

pytestmark = pytest.mark.slow

CONFIG = """
[[fix.sessions]]
begin_string = "FIX.4.4"
sender_comp_id = "OPENOMS"
target_comp_id = "CLIENT1"
account_id = "ACME"
handling = "staged"
ack_on = "receipt"
"""


def _order(i: int) -> list[tuple[int, str | int]]:
    return [(11, f"K{i}"), (1, "ACME"), (55, ("AAPL", "MSFT")[i % 2]), (54, "1"),
            (60, "20261123-15:00:00"), (38, 1 + i % 10), (40, "2"),
            (44, ("185.00", "410.00")[i % 2]), (59, "0")]


def _is_ack(message: FixMessage) -> bool:
    return message.msg_type == "8" and message.get(150) == b"0"


def test_fix_orders_acknowledged_before_sigkill_survive_and_gaps_recover(
        db_url: str, tmp_path: Path) -> None:
    config = tmp_path / "openoms.toml"
    config.write_text(CONFIG)
    fix_port = free_port()
    server = Server(db_url, tmp_path, {"OPENOMS_CONFIG": str(config),
                                       "OPENOMS_FIX_PORT": str(fix_port)})
    server.start()
    total = 3_000  # small orders: ACME's open notional limit holds them all
    acked_before: set[str] = set()

    async def first_run(client: FixClient) -> int:
        await client.connect()
        logon = await client.logon(reset=True)
        assert logon.msg_type == "A"
        sent = 0

        def send(count: int) -> None:
            nonlocal sent
            for _ in range(min(count, total - sent)):
                client.send("D", _order(sent))
                sent += 1

        async def stream() -> None:
            while sent < total:  # a steady stream, whatever the server's speed
                send(20)
                await asyncio.sleep(0.002)

        streamer = asyncio.create_task(stream())
        while len(acked_before) < 150:
            message = await client.next(5)
            if _is_ack(message):
                acked_before.add(message.text(11) or "")
        streamer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await streamer
        # A burst on the wire, then the kill at once: orders are in flight when it lands,
        # however fast the server acknowledges.
        send(500)
        server.kill()
        with contextlib.suppress(TimeoutError, ConnectionError, OSError):
            while True:  # acks already on the wire before the kill count too
                message = await client.next(0.5)
                if _is_ack(message):
                    acked_before.add(message.text(11) or "")
        await client.close()
        return sent

    async def second_run(client: FixClient, sent: int) -> set[str]:
        await client.connect()
        await client.logon()
        for i in range(sent, total):  # the rest of the stream after the restart
            client.send("D", _order(i))
        acked: set[str] = set(acked_before)
        while len(acked) < total:
            message = await client.next(10)
            if _is_ack(message):
                acked.add(message.text(11) or "")
        await client.logout()
        return acked

    client = FixClient("127.0.0.1", fix_port, sender="CLIENT1", target="OPENOMS")
    sent = asyncio.run(first_run(client))
    assert 150 <= len(acked_before) < sent, "the kill must land in the middle of the stream"
    server.start()
    try:
        acked = asyncio.run(second_run(client, sent))
        assert acked == {f"K{i}" for i in range(total)}
        store = SqlStore(db_url, registry())
        token = store.create_token("check", "viewer")
        store.close()
        fix_orders = []
        for offset in range(0, total + 1000, 1000):
            page = httpx.get(f"{server.url}/api/v1/trading/orders",
                             params={"limit": 1000, "offset": offset},
                             headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
            fix_orders += [o for o in page["orders"] if o["source"] == "fix"]
        assert sorted(o["cl_ord_id"] for o in fix_orders) == sorted(f"K{i}"
                                                                    for i in range(total))
        assert acked_before <= {o["cl_ord_id"] for o in fix_orders}
    finally:
        server.stop()
