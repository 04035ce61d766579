"""No oversell: 64 concurrent API clients race for the last N units spread over two
locations; exactly N units are reserved, each by one order, and reservations equal the units of
open fulfilment orders — on SQLite and on PostgreSQL, against a real server process."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from openoms.adapters.sql.store import SqlStore
from openoms.models import registry

from server import Server

pytestmark = pytest.mark.slow

CLIENTS = 64
ORDERS_PER_CLIENT = 2
STOCK = {"RACE-A": 7, "RACE-B": 5}  # N = 12 units, two locations
SKU = "LAST-UNIT"


def _address(city: str) -> dict[str, Any]:
    return {"line1": "1 Main St", "city": city, "postal_code": "55401", "country": "US",
            "latitude": "44.98", "longitude": "-93.27"}


def _location(location_id: str, latitude: str) -> dict[str, Any]:
    return {"location_id": location_id, "kind": "store", "address": _address("Minneapolis"),
            "latitude": latitude, "longitude": "-93.2650"}


def _order(client: int, n: int) -> dict[str, Any]:
    return {"channel": "web", "customer": {"name": f"Racer {client}"},
            "ship_to": _address("Minneapolis"),
            "lines": [{"sku": SKU, "qty": 1, "unit_price": "19.99"}]}


async def _race(base: str, token: str) -> list[dict[str, Any]]:
    start = asyncio.Event()
    headers = {"Authorization": f"Bearer {token}"}

    async def client(number: int) -> list[dict[str, Any]]:
        placed = []
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
            await start.wait()
            for n in range(ORDERS_PER_CLIENT):
                response = await http.post("/orders", json=_order(number, n),
                                           headers={"Idempotency-Key": f"race-{number}-{n}"})
                assert response.status_code == 201, response.text
                placed.append(response.json())
        return placed

    tasks = [asyncio.create_task(client(number)) for number in range(CLIENTS)]
    await asyncio.sleep(0.2)  # every client connected and waiting
    start.set()
    return [order for placed in await asyncio.gather(*tasks) for order in placed]


def test_concurrent_clients_never_reserve_more_than_the_last_units(db_url: str,
                                                                     tmp_path: Path) -> None:
    store = SqlStore(db_url, registry())
    admin = store.create_token("race-admin", "admin")
    store.close()
    server = Server(db_url, tmp_path)
    server.start()
    try:
        base = server.url + "/api/v1/commerce"
        headers = {"Authorization": f"Bearer {admin}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
            for location_id, latitude in (("RACE-A", "44.9778"), ("RACE-B", "44.9537")):
                assert http.post("/locations", json=_location(location_id, latitude)
                                 ).status_code == 201
            assert http.post("/skus", json={"sku": SKU, "name": "The last units"}
                             ).status_code == 201
            for location_id, qty in STOCK.items():
                assert http.post("/inventory/receipts", json={
                    "sku": SKU, "location_id": location_id, "qty": qty}).status_code == 200

        orders = asyncio.run(_race(base, admin))

        with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
            stock = http.get("/inventory", params={"sku": SKU}).json()["inventory"]
            details = [http.get(f"/orders/{o['order_id']}").json() for o in orders]
            fulfilments = http.get("/fulfilments", params={"limit": 1000}).json()
    finally:
        server.stop()

    units = sum(STOCK.values())
    assert len(orders) == CLIENTS * ORDERS_PER_CLIENT
    by_location = {row["location_id"]: row for row in stock}
    # Exactly N units are reserved, no location promised more than it holds.
    assert sum(row["reserved"] for row in stock) == units
    for location_id, qty in STOCK.items():
        assert by_location[location_id]["reserved"] == qty
        assert by_location[location_id]["available"] == 0
    # Each reserved unit belongs to exactly one order; every other order waits for stock.
    served = [d for d in details if any(f["status"] == "assigned" for f in d["fulfilments"])]
    waiting = [d for d in details if d["status"] == "backordered"]
    assert len(served) == units
    assert len(waiting) == len(orders) - units
    # Reservations equal the units of open fulfilment orders, location by location.
    open_units: dict[str, int] = {}
    for f in fulfilments["fulfilments"]:
        if f["status"] in ("assigned", "accepted", "picked", "packed", "ready_for_pickup"):
            for line in f["lines"]:
                if line["sku"] == SKU:
                    open_units[f["location_id"]] = open_units.get(f["location_id"], 0) + line["qty"]
    assert open_units == STOCK
