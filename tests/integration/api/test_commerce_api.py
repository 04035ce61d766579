"""The retailer over REST, on the demo scenario: customer service captures orders, sourcing
sends them to the right store, store associates work them, vendors ship their purchase orders,
and every refusal is a specific 4xx that changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from openoms.adapters.sql.store import SqlStore
from openoms.bootstrap import create_app
from openoms.models import registry
from openoms.settings import load_settings

PREFIX = "/api/v1/commerce"
# Who calls: token name -> (role, scope).
TOKENS: dict[str, tuple[str, tuple[str, ...]]] = {
    "admin": ("admin", ()),
    "viewer": ("viewer", ()),
    "trader": ("trader", ()),
    "cs": ("customer_service", ()),
    "mpls": ("store_associate", ("location:MPLS",)),
    "stp": ("store_associate", ("location:STP",)),
    "acme": ("vendor", ("vendor:ACME",)),
    "globex": ("vendor", ("vendor:GLOBEX",)),
}
# Customers a few hundred metres from each demo store.
NEAR_MPLS = {"name": "Ann Lee", "line1": "100 Hennepin Ave", "city": "Minneapolis",
             "region": "MN", "postal_code": "55401", "country": "US",
             "latitude": "44.9800", "longitude": "-93.2700"}
NEAR_STP = {"name": "Bob Ray", "line1": "5 W 7th St", "city": "Saint Paul", "region": "MN",
            "postal_code": "55102", "country": "US", "latitude": "44.9460",
            "longitude": "-93.0990"}


class Shop:
    """A TestClient on the retail API with one token per caller in TOKENS."""

    def __init__(self, client: TestClient, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens

    def call(self, method: str, path: str, who: str | None, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        if who:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return self.client.request(method, PREFIX + path, headers=headers, **kwargs)

    def get(self, path: str, who: str = "cs", **kwargs: Any) -> Any:
        return self.call("GET", path, who, **kwargs)

    def post(self, path: str, body: Any = None, who: str = "cs", **kwargs: Any) -> Any:
        return self.call("POST", path, who, json=body if body is not None else {}, **kwargs)

    def ok(self, method: str, path: str, body: Any = None, who: str = "cs",
           status: int = 200) -> Any:
        response = self.call(method, path, who, **({} if body is None else {"json": body}))
        assert response.status_code == status, response.text
        return response.json()

    def order(self, order_id: str) -> dict[str, Any]:
        return self.ok("GET", f"/orders/{order_id}")  # type: ignore[no-any-return]

    def capture(self, *lines: tuple[str, int], to: dict[str, Any] | None = None,
                **extra: Any) -> dict[str, Any]:
        return self.ok("POST", "/orders", order_body(*lines, to=to, **extra),  # type: ignore[no-any-return]
                       status=201)

    def stock(self, sku: str, location_id: str) -> dict[str, Any]:
        rows = self.ok("GET", f"/inventory?sku={sku}&location_id={location_id}",
                       who="admin")["inventory"]
        assert len(rows) == 1, rows
        return rows[0]  # type: ignore[no-any-return]

    def snapshot(self) -> Any:
        """Everything a refused request must leave as it was."""
        return (self.ok("GET", "/orders?limit=1000"),
                self.ok("GET", "/fulfilments?limit=1000", who="admin"),
                self.ok("GET", "/inventory", who="admin"))


def order_body(*lines: tuple[str, int], to: dict[str, Any] | None = None,
               **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "web", "customer": {"name": "Ann Lee", "email": "ann@example.com"},
        "ship_to": to or NEAR_MPLS,
        "lines": [{"sku": sku, "qty": qty, "unit_price": "10.00"} for sku, qty in lines]}
    body.update(extra)
    return body


def _tokens(db_url: str) -> dict[str, str]:
    store = SqlStore(db_url, registry())
    try:
        return {name: store.create_token(name, role, scope)
                for name, (role, scope) in TOKENS.items()}
    finally:
        store.close()


def _client(db_url: str, tmp_path: Path) -> TestClient:
    settings = load_settings(None, data_dir=tmp_path, database_url=db_url,
                             day_end_enabled=False, fix_port=0)
    return TestClient(create_app(settings, seed_demo=True), raise_server_exceptions=False)


@pytest.fixture
def shop(db_url: str, tmp_path: Path) -> Iterator[Shop]:
    tokens = _tokens(db_url)
    with _client(db_url, tmp_path) as client:
        shop = Shop(client, tokens)
        shop.ok("POST", "/locations", {
            "location_id": "GLOBEX", "name": "Globex Goods", "kind": "vendor",
            "address": {"line1": "1 Globex Way", "city": "Fargo", "postal_code": "58102",
                        "country": "US"},
            "latitude": "46.8772", "longitude": "-96.7898", "email": "po@globex.example"},
            who="admin", status=201)
        yield shop


# ---------------------------------------------------------------- the flow


def test_orders_are_sourced_to_the_store_that_has_the_stock_nearest_the_customer(
        shop: Shop) -> None:
    near_stp = shop.capture(("TEE", 2), ("MUG", 1), to=NEAR_STP)
    near_mpls = shop.capture(("TEE", 1), to=NEAR_MPLS)
    # MPLS has 3 hoodies, STP 8: a customer near MPLS wanting 5 gets them from STP, whole.
    hoodies = shop.capture(("HOODIE", 5), to=NEAR_MPLS)

    assert [f["location_id"] for f in near_stp["fulfilments"]] == ["STP"]
    assert [f["location_id"] for f in near_mpls["fulfilments"]] == ["MPLS"]
    assert [f["location_id"] for f in hoodies["fulfilments"]] == ["STP"]
    assert near_stp["status"] == "open" and near_stp["total"] == "30"
    assert shop.stock("TEE", "STP") == {"sku": "TEE", "location_id": "STP", "on_hand": 15,
                                        "reserved": 2, "safety_stock": 0, "available": 13}
    sourced = [h for h in shop.order(near_stp["order_id"])["history"]
               if h["event"] == "OrderSourced"]
    assert len(sourced) == 1 and sourced[0]["actor"] == "cs" and sourced[0]["source"] == "api"
    why = " | ".join(sourced[0]["explanation"])
    assert "STP can supply all 3 units" in why
    assert "MPLS (13.5 km from the customer against 1.1 km)" in why


def test_store_associate_accepts_picks_packs_and_ships_then_the_carrier_delivers(
        shop: Shop) -> None:
    order = shop.capture(("TEE", 2), ("MUG", 1), to=NEAR_STP)
    fid = order["fulfilments"][0]["fulfilment_id"]
    queue = shop.ok("GET", "/fulfilments?status=assigned", who="stp")["fulfilments"]
    assert [f["fulfilment_id"] for f in queue] == [fid]
    assert queue[0]["ship_to"]["city"] == "Saint Paul" and queue[0]["customer"]["name"]

    for step, status in (("accept", "accepted"), ("pick", "picked"), ("pack", "packed")):
        assert shop.ok("POST", f"/fulfilments/{fid}/{step}", who="stp")["status"] == status
    shipped = shop.ok("POST", f"/fulfilments/{fid}/ship",
                      {"carrier": "UPS", "tracking": "1Z999AA10123456784"}, who="stp")
    assert (shipped["status"], shipped["carrier"], shipped["tracking"]) == \
        ("shipped", "UPS", "1Z999AA10123456784")
    assert shop.stock("TEE", "STP")["on_hand"] == 13
    assert shop.stock("TEE", "STP")["reserved"] == 0
    assert shop.order(order["order_id"])["status"] == "shipped"

    shop.ok("POST", f"/fulfilments/{fid}/deliver", who="stp")
    done = shop.order(order["order_id"])
    assert done["status"] == "delivered"
    assert [(line["sku"], line["shipped"], line["open"]) for line in done["lines"]] == \
        [("TEE", 2, 0), ("MUG", 1, 0)]
    events = [h["event"] for h in done["history"]]
    assert events == ["OrderCaptured", "OrderSourced", "FulfilmentAccepted", "FulfilmentPicked",
                      "FulfilmentPacked", "FulfilmentShipped", "FulfilmentDelivered"]
    assert {h["actor"] for h in done["history"][2:]} == {"stp"}


def test_pickup_order_waits_at_the_counter_until_the_customer_collects_it(
        shop: Shop) -> None:
    order = shop.capture(("MUG", 2), shipping_method="pickup", pickup_location_id="STP",
                         ship_to=None)
    fulfilment = order["fulfilments"][0]
    assert (fulfilment["location_id"], fulfilment["kind"]) == ("STP", "pickup")
    fid = fulfilment["fulfilment_id"]
    for step in ("accept", "pick", "pack", "ready-for-pickup"):
        shop.ok("POST", f"/fulfilments/{fid}/{step}", who="stp")
    assert shop.ok("POST", f"/fulfilments/{fid}/hand-over", who="stp")["status"] == "picked_up"
    assert shop.order(order["order_id"])["status"] == "delivered"
    assert shop.stock("MUG", "STP")["on_hand"] == 4


def test_canceling_releases_the_reserved_stock(shop: Shop) -> None:
    whole = shop.capture(("TEE", 3))
    part = shop.capture(("TEE", 4), ("MUG", 2))
    assert shop.stock("TEE", "MPLS")["reserved"] == 7

    canceled = shop.ok("POST", f"/orders/{whole['order_id']}/cancel",
                       {"reason": "customer changed their mind"})
    assert canceled["status"] == "canceled"
    assert canceled["fulfilments"][0]["status"] == "canceled"
    assert shop.stock("TEE", "MPLS")["reserved"] == 4

    partly = shop.ok("POST", f"/orders/{part['order_id']}/cancel",
                     {"lines": [{"line_id": "1", "qty": 3}]})
    assert partly["status"] == "open"
    assert (partly["total"], partly["amount_due"]) == ("60", "30")
    assert [(line["qty"], line["canceled"]) for line in partly["lines"]] == [(4, 3), (2, 0)]
    assert shop.stock("TEE", "MPLS")["reserved"] == 1
    assert shop.stock("MUG", "MPLS")["reserved"] == 2
    assert shop.stock("TEE", "MPLS")["available"] == 20 - 2 - 1  # safety stock 2

    again = shop.post(f"/orders/{whole['order_id']}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_return_is_authorised_received_and_restocked_and_the_payment_refunded(
        shop: Shop) -> None:
    order = shop.capture(("TEE", 2), to=NEAR_STP)
    oid, fid = order["order_id"], order["fulfilments"][0]["fulfilment_id"]
    paid = shop.ok("POST", f"/orders/{oid}/payment/capture")
    assert paid["payment_status"] == "paid"
    for step in ("accept", "pick", "pack"):
        shop.ok("POST", f"/fulfilments/{fid}/{step}", who="stp")
    shop.ok("POST", f"/fulfilments/{fid}/ship", {"carrier": "USPS", "tracking": "9400"},
            who="stp")
    assert shop.stock("TEE", "STP")["on_hand"] == 13

    rma = shop.ok("POST", f"/orders/{oid}/returns",
                  {"lines": [{"line_id": "1", "qty": 1}], "reason": "too small"}, status=201)
    assert rma["received"] is False and rma["lines"] == [{"line_id": "1", "qty": 1}]
    received = shop.ok("POST", f"/returns/{rma['rma_id']}/receive", {
        "location_id": "STP", "lines": [{"line_id": "1", "qty": 1,
                                         "disposition": "restock"}]}, who="stp")
    assert received["received"] is True and received["location_id"] == "STP"
    assert shop.stock("TEE", "STP")["on_hand"] == 14
    refunded = shop.ok("POST", f"/orders/{oid}/payment/refund",
                       {"amount": "10.00", "reason": "return"})
    assert (refunded["payment_status"], refunded["amount_refunded"]) == \
        ("partly_refunded", "10")
    after = shop.order(oid)
    assert after["status"] == "partly_returned"
    received_event = next(h for h in after["history"] if h["event"] == "ReturnReceived")
    assert received_event["data"]["location_id"] == "STP" and received_event["actor"] == "stp"
    assert after["lines"][0]["returned"] == 1
    assert after["returns"][0]["rma_id"] == rma["rma_id"]


def test_units_a_store_turns_down_are_sourced_again_elsewhere(shop: Shop) -> None:
    order = shop.capture(("TEE", 2), ("MUG", 1), to=NEAR_MPLS)
    fid = order["fulfilments"][0]["fulfilment_id"]
    rejected = shop.ok("POST", f"/fulfilments/{fid}/reject", {"reason": "till is down"},
                       who="mpls")
    assert rejected["status"] == "rejected" and rejected["reason"] == "till is down"
    assert "sourced_to" not in rejected  # the store does not learn where the units went
    now = shop.order(order["order_id"])
    live = [f for f in now["fulfilments"] if f["status"] == "assigned"]
    assert [f["location_id"] for f in live] == ["STP"]
    assert shop.stock("TEE", "MPLS")["reserved"] == 0

    # Short pick: STP finds one T-shirt missing; it goes to the next location.
    stp = live[0]["fulfilment_id"]
    shop.ok("POST", f"/fulfilments/{stp}/accept", who="stp")
    shorted = shop.ok("POST", f"/fulfilments/{stp}/short-pick",
                      {"lines": [{"line_id": "1", "qty": 1}]}, who="stp")
    assert [(line["sku"], line["qty"]) for line in shorted["lines"]] == [("TEE", 1), ("MUG", 1)]
    assert shop.stock("TEE", "STP")["on_hand"] == 14
    places = {f["location_id"] for f in shop.order(order["order_id"])["fulfilments"]
              if f["status"] in ("assigned", "accepted")}
    assert places == {"STP", "WH"}


def test_vendor_acknowledges_and_ships_its_drop_ship_purchase_order(shop: Shop) -> None:
    order = shop.capture(("KAYAK", 1), ("TEE", 1))
    by_kind = {f["kind"]: f for f in order["fulfilments"]}
    po = by_kind["dropship"]
    assert po["location_id"] == "ACME" and by_kind["ship"]["location_id"] == "MPLS"

    listed = shop.ok("GET", "/purchase-orders", who="acme")["purchase_orders"]
    assert [p["purchase_order_id"] for p in listed] == [po["fulfilment_id"]]
    assert listed[0]["lines"] == [{"line_id": "1", "sku": "KAYAK", "qty": 1,
                                   "vendor_sku": "AC-K10", "cost": "540"}]
    assert listed[0]["ship_to"]["postal_code"] == "55401"
    path = f"/purchase-orders/{po['fulfilment_id']}"
    assert shop.ok("POST", f"{path}/acknowledge", who="acme")["status"] == "accepted"
    shipped = shop.ok("POST", f"{path}/ship", {"carrier": "FedEx", "tracking": "7712"},
                      who="acme")
    assert (shipped["status"], shipped["tracking"]) == ("shipped", "7712")
    assert shop.order(order["order_id"])["status"] == "partly_shipped"


def test_vendor_refusing_every_unit_rejects_the_purchase_order(shop: Shop) -> None:
    order = shop.capture(("KAYAK", 2))
    po = order["fulfilments"][0]["fulfilment_id"]
    refused = shop.ok("POST", f"/purchase-orders/{po}/acknowledge",
                      {"rejected": [{"line_id": "1", "qty": 2}], "reason": "discontinued"},
                      who="acme")
    assert refused["status"] == "rejected"
    after = shop.order(order["order_id"])
    assert after["status"] == "backordered" and after["lines"][0]["backordered"] == 2


def test_a_receipt_sources_backordered_units_at_once(shop: Shop) -> None:
    # 71 hoodies in all (3 MPLS, 8 STP, 60 WH): 80 wanted, 9 wait.
    order = shop.capture(("HOODIE", 80))
    assert order["status"] == "backordered" and order["lines"][0]["backordered"] == 9
    received = shop.ok("POST", "/inventory/receipts",
                       {"sku": "HOODIE", "location_id": "MPLS", "qty": 10}, who="admin")
    assert received["sourced_orders"] == [order["order_id"]]
    assert received["reserved"] == 3 + 9
    assert shop.order(order["order_id"])["status"] == "open"


def test_waiting_units_are_sourced_again_on_request_after_the_rules_change(
        shop: Shop) -> None:
    rules = shop.ok("GET", "/sourcing-rules")["rules"]
    shop.ok("PUT", "/sourcing-rules",
            {"rules": [r for r in rules if r != "dropship_fallback"]}, who="admin")
    order = shop.capture(("TENT", 6))  # the warehouse has 4
    assert order["lines"][0]["backordered"] == 2
    unchanged = shop.ok("POST", f"/orders/{order['order_id']}/source")
    assert unchanged["lines"][0]["backordered"] == 2
    shop.ok("PUT", "/sourcing-rules", {"rules": rules}, who="admin")
    again = shop.ok("POST", f"/orders/{order['order_id']}/source")
    assert again["lines"][0]["backordered"] == 0 and again["status"] == "open"
    assert [(f["location_id"], f["units"]) for f in again["fulfilments"]] == \
        [("WH", 4), ("ACME", 2)]
    assert shop.post(f"/orders/{order['order_id']}/source", who="viewer").status_code == 403


# ---------------------------------------------------------------- orders: listing, replays


def test_orders_are_listed_newest_first_with_filters_offsets_and_cursors(shop: Shop) -> None:
    ids = [shop.capture(("MUG", 1))["order_id"] for _ in range(3)]
    marketplace = shop.capture(("MUG", 1), channel="marketplace")["order_id"]
    shop.ok("POST", f"/orders/{ids[0]}/cancel")

    page = shop.ok("GET", "/orders?limit=2")
    assert page["total"] == 4 and [o["order_id"] for o in page["orders"]] == \
        [marketplace, ids[2]]
    rest = shop.ok("GET", f"/orders?limit=2&cursor={page['next_cursor']}")
    assert [o["order_id"] for o in rest["orders"]] == [ids[1], ids[0]]
    assert rest["next_cursor"] is None
    assert [o["order_id"] for o in shop.ok("GET", "/orders?offset=3")["orders"]] == [ids[0]]
    assert [o["order_id"] for o in shop.ok("GET", "/orders?status=canceled")["orders"]] == \
        [ids[0]]
    assert [o["order_id"] for o in shop.ok("GET", "/orders?channel=marketplace")["orders"]] \
        == [marketplace]
    bad = shop.get("/orders?cursor=NOPE")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


def test_a_retry_with_the_same_idempotency_key_returns_the_first_order(shop: Shop) -> None:
    body = order_body(("TEE", 2))
    key = {"Idempotency-Key": "checkout-7f3a"}
    first = shop.post("/orders", body, headers=dict(key))
    assert first.status_code == 201, first.text
    again = shop.post("/orders", body, headers=dict(key))
    assert again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["order_id"] == first.json()["order_id"]
    assert again.json()["fulfilments"] == first.json()["fulfilments"]
    before = shop.snapshot()

    different = shop.post("/orders", order_body(("TEE", 3)), headers=dict(key))
    assert different.status_code == 409
    problem = different.json()
    assert problem["code"] == "duplicate_request"
    assert problem["order_id"] == first.json()["order_id"]
    assert problem["errors"][0]["field"] == "Idempotency-Key"
    assert shop.snapshot() == before
    assert shop.stock("TEE", "MPLS")["reserved"] == 2


def test_a_repeated_channel_order_id_is_refused_naming_it(shop: Shop) -> None:
    first = shop.capture(("MUG", 1), channel="marketplace", channel_order_id="AMZ-1")
    replay = shop.post("/orders", order_body(("MUG", 1), channel="marketplace",
                                             channel_order_id="AMZ-1"))
    assert replay.status_code == 200 and replay.json()["order_id"] == first["order_id"]
    clash = shop.post("/orders", order_body(("MUG", 5), channel="marketplace",
                                            channel_order_id="AMZ-1"))
    assert clash.status_code == 409
    assert clash.json()["errors"][0]["field"] == "channel_order_id"


# ---------------------------------------------------------------- bad input


def _address(**changes: Any) -> dict[str, Any]:
    return {**NEAR_MPLS, **changes}


BAD_ORDERS: list[tuple[dict[str, Any], int, str]] = [
    (order_body(("NOPE", 1)), 422, "lines[0].sku"),
    (order_body(("TEE", 0)), 422, "lines.0.qty"),
    (order_body(("TEE", -2)), 422, "lines.0.qty"),
    (order_body(("TEE", 1), ("MUG", 1_000_001)), 422, "lines.1.qty"),
    (order_body(("TEE", 1), lines=[{"sku": "TEE", "qty": "2"}]), 422, "lines.0.qty"),
    (order_body(("TEE", 1), lines=[{"sku": "TEE", "qty": 1.5}]), 422, "lines.0.qty"),
    (order_body(("TEE", 1), lines=[{"sku": "TEE", "qty": 1, "unit_price": "-1"}]), 422,
     "lines.0.unit_price"),
    (order_body(("TEE", 1), lines=[]), 422, "lines"),
    (order_body(("TEE", 1), to=_address(country="USA")), 422, "ship_to.country"),
    (order_body(("TEE", 1), to=_address(postal_code="")), 422, "ship_to.postal_code"),
    (order_body(("TEE", 1), to=_address(latitude="91")), 422, "ship_to.latitude"),
    (order_body(("TEE", 1), to=_address(longitude=None)), 422, "ship_to.longitude"),
    (order_body(("TEE", 1), ship_to=None), 422, "ship_to"),
    (order_body(("TEE", 1), channel="fax"), 422, "channel"),
    (order_body(("TEE", 1), customer={"name": " "}), 422, "customer.name"),
    (order_body(("TEE", 1), customer={"name": "Al", "email": "not-an-address"}), 422,
     "customer.email"),
    (order_body(("TEE", 1), payment_status="refunded"), 422, "payment_status"),
    (order_body(("TEE", 1), colour="red"), 422, "colour"),
    (order_body(("TEE", 1), shipping_method="pickup", pickup_location_id="MPLS"), 422,
     "pickup_location_id"),
    (order_body(("TEE", 1), shipping_method="pickup"), 422, "pickup_location_id"),
    (order_body(("KAYAK", 1), shipping_method="pickup", pickup_location_id="STP"), 422,
     "lines[0].sku"),
]


def test_a_bad_order_gets_a_4xx_naming_the_field_and_changes_nothing(shop: Shop) -> None:
    before = shop.snapshot()
    for body, status, field in BAD_ORDERS:
        response = shop.post("/orders", body)
        assert response.status_code == status, (field, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in [e["field"] for e in response.json()["errors"]], response.json()
    assert shop.snapshot() == before


def test_an_order_body_over_a_mebibyte_is_refused_413_and_the_shop_keeps_working(
        shop: Shop) -> None:
    before = shop.snapshot()
    huge = order_body(("TEE", 1), notes="x" * (1024 * 1024))
    response = shop.post("/orders", huge)
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "body_too_large"
    assert shop.snapshot() == before
    shop.capture(("TEE", 1))  # the next order is taken as usual


def test_malformed_json_and_bad_requests_elsewhere_get_specific_errors(shop: Shop) -> None:
    order = shop.capture(("TEE", 1))
    oid, fid = order["order_id"], order["fulfilments"][0]["fulfilment_id"]
    before = shop.snapshot()
    malformed = shop.call("POST", "/orders", "cs", content=b'{"channel": "web",',
                          headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400 and malformed.json()["code"] == "malformed_json"
    cases = [
        (shop.post(f"/orders/{oid}/cancel", {"lines": [{"line_id": "9", "qty": 1}]}), 422,
         "lines[0].line_id"),
        (shop.post(f"/orders/{oid}/cancel", {"lines": [{"line_id": "1", "qty": 5}]}), 409,
         "lines"),
        (shop.post("/orders/R999/cancel"), 404, "order_id"),
        (shop.post(f"/orders/{oid}/returns", {"lines": [{"line_id": "1", "qty": 1}]}), 409,
         "lines"),
        (shop.post(f"/orders/{oid}/payment/refund", {"amount": "5"}), 409, "order_id"),
        (shop.post(f"/orders/{oid}/payment/refund", {"amount": "0"}), 422, "amount"),
        (shop.post(f"/fulfilments/{fid}/pick", who="mpls"), 409, None),
        (shop.post(f"/fulfilments/{fid}/ship", {"carrier": "UPS"}, who="mpls"), 422,
         "tracking"),
        (shop.post(f"/fulfilments/{fid}/short-pick", {"lines": []}, who="mpls"), 422,
         "lines"),
        (shop.post("/inventory/adjustments", {"sku": "TEE", "location_id": "MPLS",
                                               "delta": 0, "reason": "x"}, who="mpls"), 422,
         "delta"),
        (shop.post("/inventory/adjustments", {"sku": "TEE", "location_id": "MPLS",
                                               "delta": -20, "reason": "theft"}, who="mpls"),
         409, "delta"),
        (shop.post("/inventory/counts", {"sku": "NOPE", "location_id": "MPLS",
                                          "counted": 3}, who="mpls"), 422, "sku"),
        (shop.post("/inventory/receipts", {"sku": "TEE", "location_id": "ACME", "qty": 1},
                   who="admin"), 422, "location_id"),
    ]
    for response, status, field in cases:
        assert response.status_code == status, response.text
        if field:
            assert field in [e["field"] for e in response.json()["errors"]], response.json()
    assert shop.snapshot() == before


# ---------------------------------------------------------------- inventory and admin


def test_inventory_changes_are_journaled_with_who_why_and_when(shop: Shop) -> None:
    shop.ok("POST", "/inventory/receipts", {"sku": "MUG", "location_id": "MPLS", "qty": 5,
                                            "reason": "PO 4411"}, who="mpls")
    shop.ok("POST", "/inventory/adjustments", {"sku": "MUG", "location_id": "MPLS",
                                               "delta": -2, "reason": "broken"}, who="mpls")
    counted = shop.ok("POST", "/inventory/counts", {"sku": "MUG", "location_id": "MPLS",
                                                    "counted": 14}, who="mpls")
    assert counted["on_hand"] == 14
    safety = shop.ok("PUT", "/inventory/MUG/MPLS/safety-stock", {"safety_stock": 4},
                     who="admin")
    assert (safety["safety_stock"], safety["available"]) == (4, 10)

    row = shop.ok("GET", "/inventory/MUG/MPLS/history", who="mpls")
    assert row["on_hand"] == 14
    entries = [(h["event"], h["actor"], h["reason"]) for h in row["history"]]
    assert entries == [("StockReceived", "demo", "opening stock"),
                       ("StockReceived", "mpls", "PO 4411"),
                       ("StockAdjusted", "mpls", "broken"),
                       ("StockCounted", "mpls", "cycle count"),
                       ("SafetyStockSet", "admin", None)]
    assert row["history"][3]["data"] == {"counted": 14, "delta": -1, "reason": "cycle count"}
    assert all(h["source"] in ("api", "cli") and h["recorded_time"] for h in row["history"])
    assert shop.get("/inventory/MUG/NOWHERE/history", who="admin").status_code == 404


def test_admin_defines_locations_skus_sourcing_rules_and_webhooks(shop: Shop) -> None:
    store = {"location_id": "DLH", "name": "Duluth store", "kind": "store",
             "address": {"line1": "1 Superior St", "city": "Duluth", "postal_code": "55802",
                         "country": "US"},
             "latitude": "46.7867", "longitude": "-92.1005", "pickup": True}
    created = shop.call("POST", "/locations", "admin", json=store)
    assert created.status_code == 201 and created.headers["Location"].endswith("/locations/DLH")
    closed = shop.ok("POST", "/locations", {**store, "active": False}, who="admin")
    assert closed["active"] is False
    assert shop.ok("GET", "/locations/DLH")["name"] == "Duluth store"
    assert "DLH" in [loc["location_id"] for loc in shop.ok("GET", "/locations?kind=store")[
        "locations"]]
    bad = shop.call("POST", "/locations", "admin", json={**store, "location_id": "a/b"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "location_id"

    shop.ok("POST", "/skus", {"sku": "CANOE", "name": "Canoe", "stocked": False,
                              "vendor_id": "ACME"}, who="admin", status=201)
    not_vendor = shop.call("POST", "/skus", "admin",
                           json={"sku": "OAR", "stocked": False, "vendor_id": "MPLS"})
    assert not_vendor.status_code == 422 and \
        not_vendor.json()["errors"][0]["field"] == "vendor_id"
    assert shop.ok("GET", "/skus/CANOE")["dropship"] is True

    rules = shop.ok("GET", "/sourcing-rules")
    assert rules["shortage"] == {"marketplace": "ship_available"}
    changed = shop.ok("PUT", "/sourcing-rules", {
        "rules": ["exclude_closed", "closest"], "shortage": {"phone": "hold"}}, who="admin")
    assert changed["rules"] == ["exclude_closed", "closest"]
    assert changed["shortage"] == {"phone": "hold"}
    unknown = shop.call("PUT", "/sourcing-rules", "admin", json={"rules": ["cheapest"]})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "rules"

    hook = shop.ok("POST", "/webhooks", {"url": "https://erp.example/hooks",
                                         "topics": ["order.created", "fulfilment.shipped"],
                                         "secret": "s3cr3t-s3cr3t-s3cr3t"},
                   who="admin", status=201)
    assert hook["subscription_id"] and "secret" not in hook
    assert [h["url"] for h in shop.ok("GET", "/webhooks", who="admin")["webhooks"]] == \
        ["https://erp.example/hooks"]
    short = shop.call("POST", "/webhooks", "admin", json={
        "url": "https://erp.example/hooks", "topics": ["order.created"], "secret": "short"})
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "secret"
    # An event name instead of a topic would silently receive nothing: refused.
    typo = shop.call("POST", "/webhooks", "admin", json={
        "url": "https://erp.example/hooks", "topics": ["OrderCaptured"],
        "secret": "s3cr3t-s3cr3t-s3cr3t"})
    assert typo.status_code == 422 and typo.json()["errors"][0]["field"] == "topics"
    assert "order.created" in typo.json()["detail"]


def test_openapi_lists_the_retail_routes(shop: Shop) -> None:
    paths = shop.client.get("/openapi.json").json()["paths"]
    for path in ("/orders", "/orders/{order_id}", "/orders/{order_id}/cancel",
                 "/orders/{order_id}/source",
                 "/orders/{order_id}/payment/capture", "/orders/{order_id}/payment/refund",
                 "/orders/{order_id}/returns", "/returns/{rma_id}/receive",
                 "/fulfilments", "/fulfilments/{fulfilment_id}",
                 "/fulfilments/{fulfilment_id}/ready-for-pickup",
                 "/fulfilments/{fulfilment_id}/hand-over", "/purchase-orders",
                 "/purchase-orders/{fulfilment_id}/acknowledge", "/inventory",
                 "/inventory/receipts", "/inventory/adjustments", "/inventory/counts",
                 "/inventory/{sku}/{location_id}/safety-stock",
                 "/inventory/{sku}/{location_id}/history", "/locations", "/skus",
                 "/sourcing-rules", "/webhooks"):
        assert PREFIX + path in paths, path
    assert "/api/v1/trading/orders" in paths


def test_orders_fulfilment_orders_and_idempotency_keys_survive_a_restart(
        db_url: str, tmp_path: Path) -> None:
    tokens = _tokens(db_url)
    key = {"Idempotency-Key": "checkout-restart"}
    with _client(db_url, tmp_path) as client:
        shop = Shop(client, tokens)
        created = shop.post("/orders", order_body(("TEE", 2)), headers=dict(key))
        assert created.status_code == 201, created.text
        fid = created.json()["fulfilments"][0]["fulfilment_id"]
        shop.ok("POST", f"/fulfilments/{fid}/accept", who="mpls")
        before = shop.order(created.json()["order_id"])
        stock = shop.stock("TEE", "MPLS")
    with _client(db_url, tmp_path) as client:
        shop = Shop(client, tokens)
        assert shop.order(before["order_id"]) == before
        assert shop.stock("TEE", "MPLS") == stock
        replay = shop.post("/orders", order_body(("TEE", 2)), headers=dict(key))
        assert replay.status_code == 200 and replay.json()["order_id"] == before["order_id"]
        assert shop.ok("POST", f"/fulfilments/{fid}/pick", who="mpls")["status"] == "picked"
