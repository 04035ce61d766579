"""The two-store scenario end to end, against a real server process: web orders are sourced
to the right store by stock and distance, the store worker ships, the drop-ship line reaches
its vendor by real SMTP and by signed webhook, the vendor ships, the order ends delivered;
another order is returned and restocked. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import httpx
import pytest

from openoms.adapters.sql.store import SqlStore
from openoms.models import registry

from peers import HookServer, serve_hooks, start_mail_server
from server import Server

pytestmark = pytest.mark.slow

VENDOR_SECRET = "e2e-vendor-secret-0123456789"
NEAR_STP = {"name": "Bob", "line1": "5 W 7th St", "city": "Saint Paul", "postal_code": "55102",
            "country": "US", "latitude": "44.9460", "longitude": "-93.0990"}
NEAR_MPLS = {"name": "Ann", "line1": "100 Hennepin Ave", "city": "Minneapolis",
             "postal_code": "55401", "country": "US", "latitude": "44.9800",
             "longitude": "-93.2700"}


def _location(location_id: str, kind: str, lat: str, lon: str, **more: Any) -> dict[str, Any]:
    return {"location_id": location_id, "kind": kind, "latitude": lat, "longitude": lon,
            "address": {"line1": "1 Main St", "city": location_id, "postal_code": "55000",
                        "country": "US"}, **more}


def _eventually(check: Callable[[], Any], timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"not within {timeout} s"
        time.sleep(0.05)


@pytest.fixture
def hooks() -> Iterator[HookServer]:
    hooks = HookServer()
    server = serve_hooks(hooks)
    yield hooks
    server.shutdown()
    server.server_close()


def test_two_stores_a_vendor_delivery_and_a_return(db_url: str, tmp_path: Path,
                                                     hooks: HookServer) -> None:
    controller, mail = start_mail_server()
    store = SqlStore(db_url, registry())
    tokens = {
        "admin": store.create_token("e2e-admin", "admin"),
        "service": store.create_token("e2e-service", "customer_service"),
        "stp": store.create_token("e2e-stp", "store_associate", scope=("location:E-STP",)),
        "mpls": store.create_token("e2e-mpls", "store_associate", scope=("location:E-MPLS",)),
        "vendor": store.create_token("e2e-acme", "vendor", scope=("vendor:E-ACME",)),
    }
    store.close()
    server = Server(db_url, tmp_path, extra_env={
        "OPENOMS_SMTP_HOST": "127.0.0.1", "OPENOMS_SMTP_PORT": str(mail.port),
        "OPENOMS_SMTP_FROM": "orders@shop.example",
        "OPENOMS_VENDOR_WEBHOOK_SECRET": VENDOR_SECRET,
        "OPENOMS_OUTBOX_BACKOFF_SECONDS": "0.2", "OPENOMS_OUTBOX_POLL_SECONDS": "0.5"})
    server.start()

    def client(who: str) -> httpx.Client:
        return httpx.Client(base_url=server.url + "/api/v1/commerce", timeout=30,
                            headers={"Authorization": f"Bearer {tokens[who]}"})

    try:
        with client("admin") as admin, client("service") as service, \
                client("stp") as stp, client("mpls") as mpls, client("vendor") as vendor:
            for body in (
                _location("E-MPLS", "store", "44.9778", "-93.2650"),
                _location("E-STP", "store", "44.9537", "-93.0900"),
                _location("E-ACME", "vendor", "46.7867", "-92.1005", email="po@acme.example",
                          webhook_url=hooks.url("/acme")),
            ):
                assert admin.post("/locations", json=body).status_code == 201, body
            assert admin.post("/skus", json={"sku": "E-TEE", "name": "T-shirt"}
                              ).status_code == 201
            assert admin.post("/skus", json={"sku": "E-KAYAK", "name": "Kayak", "stocked": False,
                                             "vendor_id": "E-ACME", "vendor_sku": "AC-K10"}
                              ).status_code == 201
            for location_id in ("E-MPLS", "E-STP"):
                assert admin.post("/inventory/receipts", json={
                    "sku": "E-TEE", "location_id": location_id, "qty": 3}).status_code == 200

            # A web order from St. Paul: the shirts go to the St. Paul store (closest with
            # stock), the kayak to its drop-ship vendor.
            created = service.post("/orders", json={
                "channel": "web", "customer": {"name": "Bob", "email": "bob@example.com"},
                "ship_to": NEAR_STP, "lines": [
                    {"sku": "E-TEE", "qty": 2, "unit_price": "15.00"},
                    {"sku": "E-KAYAK", "qty": 1, "unit_price": "899.00"}]},
                headers={"Idempotency-Key": "e2e-cart-1"})
            assert created.status_code == 201, created.text
            order_id = created.json()["order_id"]
            order = service.get(f"/orders/{order_id}").json()
            placed = {f["location_id"]: f for f in order["fulfilments"]}
            assert set(placed) == {"E-STP", "E-ACME"}
            assert placed["E-ACME"]["kind"] == "dropship"
            explanation = " ".join(
                line for entry in order["history"] if entry["event"] == "OrderSourced"
                for line in entry["explanation"])
            assert "E-STP can supply all 2 units" in explanation
            assert "E-MPLS" in explanation  # considered, and why it lost (farther)

            # The vendor hears of its purchase order by e-mail and by signed webhook.
            po = placed["E-ACME"]["fulfilment_id"]
            mails = _eventually(lambda: [m for m in mail.inbox.mails
                                         if "po@acme.example" in m.rcpt_tos])
            text = message_from_bytes(mails[0].original_content or b"").as_string()
            assert po in text and "AC-K10" in text
            hits = _eventually(lambda: hooks.to("/acme"))
            assert hits[0].signed_by(VENDOR_SECRET)
            assert po in hits[0].body.decode()

            # The St. Paul associate sees and ships the shirts; Minneapolis cannot touch them.
            shirts = placed["E-STP"]["fulfilment_id"]
            queue = stp.get("/fulfilments").json()["fulfilments"]
            assert [f["fulfilment_id"] for f in queue] == [shirts]
            assert mpls.post(f"/fulfilments/{shirts}/accept").status_code == 403
            for step in ("accept", "pick", "pack"):
                assert stp.post(f"/fulfilments/{shirts}/{step}").status_code == 200, step
            assert stp.post(f"/fulfilments/{shirts}/ship", json={
                "carrier": "UPS", "tracking": "1Z999"}).status_code == 200

            # The vendor acknowledges and ships its purchase order.
            assert [p["purchase_order_id"] for p in vendor.get("/purchase-orders").json()[
                "purchase_orders"]] == [po]
            assert vendor.post(f"/purchase-orders/{po}/acknowledge", json={}).status_code == 200
            assert vendor.post(f"/purchase-orders/{po}/ship", json={
                "carrier": "FedEx", "tracking": "7712"}).status_code == 200

            # Carrier updates (an integration's admin token): both parcels delivered.
            for fulfilment_id in (shirts, po):
                assert admin.post(f"/fulfilments/{fulfilment_id}/deliver").status_code == 200
            assert service.get(f"/orders/{order_id}").json()["status"] == "delivered"

            # A Minneapolis order, shipped, then returned and restocked.
            second = service.post("/orders", json={
                "channel": "web", "customer": {"name": "Ann"}, "ship_to": NEAR_MPLS,
                "lines": [{"sku": "E-TEE", "qty": 1, "unit_price": "15.00"}]}).json()
            (tee,) = second["fulfilments"]  # the 201 carries the sourced order
            assert tee["location_id"] == "E-MPLS"
            for step in ("accept", "pick", "pack"):
                assert mpls.post(f"/fulfilments/{tee['fulfilment_id']}/{step}").status_code == 200
            assert mpls.post(f"/fulfilments/{tee['fulfilment_id']}/ship", json={
                "carrier": "USPS", "tracking": "9400"}).status_code == 200
            assert admin.post(f"/fulfilments/{tee['fulfilment_id']}/deliver").status_code == 200
            rma = service.post(f"/orders/{second['order_id']}/returns", json={
                "lines": [{"line_id": "1", "qty": 1}], "reason": "too small"})
            assert rma.status_code == 201, rma.text
            received = service.post(f"/returns/{rma.json()['rma_id']}/receive", json={
                "location_id": "E-MPLS",
                "lines": [{"line_id": "1", "qty": 1, "disposition": "restock"}]})
            assert received.status_code == 200, received.text
            assert service.get(f"/orders/{second['order_id']}").json()["status"] == "returned"
            stock = {row["location_id"]: row for row in admin.get(
                "/inventory", params={"sku": "E-TEE"}).json()["inventory"]}
            assert stock["E-MPLS"]["on_hand"] == 3  # 3 received, 1 shipped, 1 restocked
            assert stock["E-STP"]["on_hand"] == 1 and stock["E-STP"]["reserved"] == 0
    finally:
        server.stop()
        controller.stop()
