"""SIGKILL the server in the middle of a stream of orders; nothing acknowledged is lost and
retries with the same ClOrdID duplicate nothing."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from openoms.adapters.sql.store import SqlStore
from openoms.models import registry

from server import Server

pytestmark = pytest.mark.slow


def _body(i: int) -> dict[str, Any]:
    return {"account_id": "ACME", "symbol": ("AAPL", "MSFT")[i % 2], "side": "buy",
            "qty": str(100 + i), "ord_type": "limit", "limit_px": ("185.00", "410.00")[i % 2],
            "cl_ord_id": f"K{i}", "source": "phone"}


def test_orders_acknowledged_before_sigkill_survive_and_retries_do_not_duplicate(
        db_url: str, tmp_path: Path) -> None:
    store = SqlStore(db_url, registry())
    token = store.create_token("crash-test", "trader")
    store.close()
    server = Server(db_url, tmp_path)
    server.start()
    headers = {"Authorization": f"Bearer {token}"}
    acked: dict[str, dict[str, Any]] = {}  # cl_ord_id -> order as returned with the 2xx
    accepted: set[str] = set()  # order ids whose accept got a 2xx
    sent: set[int] = set()
    lock = threading.Lock()
    stop = threading.Event()
    counter = iter(range(1_000_000))

    def client() -> None:
        with httpx.Client(base_url=server.url + "/api/v1/trading", headers=headers,
                          timeout=5) as http:
            while not stop.is_set():
                with lock:
                    i = next(counter)
                    sent.add(i)
                try:
                    response = http.post("/orders", json=_body(i))
                    if response.status_code == 201:
                        order = response.json()
                        with lock:
                            acked[order["cl_ord_id"]] = order
                        if i % 3 == 0 and http.post(
                                f"/orders/{order['order_id']}/accept").status_code == 200:
                            with lock:
                                accepted.add(order["order_id"])
                except httpx.HTTPError:
                    return  # the server died under us

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while len(acked) < 300 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.kill()  # SIGKILL in the middle of the stream
    stop.set()
    for thread in threads:
        thread.join()
    assert len(acked) >= 300

    server.start()
    try:
        with httpx.Client(base_url=server.url + "/api/v1/trading", headers=headers,
                          timeout=10) as http:
            for cl_ord_id, before in acked.items():
                after = http.get(f"/orders/{before['order_id']}").json()
                assert after["cl_ord_id"] == cl_ord_id
                assert (after["qty"], after["limit_px"], after["symbol"]) == (
                    before["qty"], before["limit_px"], before["symbol"])
                expected = "new" if before["order_id"] in accepted else before["status"]
                if before["order_id"] not in accepted:
                    assert after["status"] in (before["status"], "new")  # accept may have landed
                else:
                    assert after["status"] == expected
            # Every client retries everything it sent, acknowledged or not.
            replays = 0
            for i in sorted(sent):
                response = http.post("/orders", json=_body(i))
                assert response.status_code in (200, 201), response.text
                if f"K{i}" in acked:
                    assert response.status_code == 200
                    assert response.json()["order_id"] == acked[f"K{i}"]["order_id"]
                replays += response.status_code == 200
            orders = http.get("/orders", params={"limit": 1}).json()
            assert orders["total"] == len(sent)  # one order per ClOrdID, none twice
            assert replays >= len(acked)
    finally:
        server.stop()
