"""Roles and scopes on the retail API: each caller sees and does only what its role allows,
at the locations its token names; a refusal is 403 and changes nothing."""

from __future__ import annotations

from test_commerce_api import NEAR_STP, Shop, order_body, shop

__all__ = ["shop"]


def test_a_store_associate_cannot_see_or_work_another_stores_fulfilment_order(
        shop: Shop) -> None:
    theirs = shop.capture(("TEE", 1), to=NEAR_STP)["fulfilments"][0]["fulfilment_id"]
    before = shop.snapshot()
    for method, path, body in (
            ("GET", f"/fulfilments/{theirs}", None),
            ("POST", f"/fulfilments/{theirs}/accept", None),
            ("POST", f"/fulfilments/{theirs}/reject", {"reason": "not ours"}),
            ("POST", f"/fulfilments/{theirs}/ship", {"carrier": "UPS", "tracking": "1"}),
            ("POST", f"/fulfilments/{theirs}/short-pick", {"lines": []}),
            ("GET", "/fulfilments?location_id=STP", None)):
        response = shop.call(method, path, "mpls", **({} if body is None else {"json": body}))
        assert response.status_code == 403, (path, response.text)
        assert response.json()["code"] == "forbidden"
        if theirs in path:  # nothing about where the order is
            assert "STP" not in response.text
    # An unknown id answers the same: no way to probe which orders exist elsewhere.
    unknown = shop.get("/fulfilments/R999-1", who="mpls")
    assert unknown.status_code == 403 and unknown.json()["detail"] == \
        "fulfilment order R999-1 is outside the scope of this token"
    assert shop.ok("GET", "/fulfilments", who="mpls")["fulfilments"] == []
    assert shop.snapshot() == before
    assert shop.ok("GET", f"/fulfilments/{theirs}", who="stp")["status"] == "assigned"


def test_a_store_associate_reads_and_changes_only_its_own_stores_stock(shop: Shop) -> None:
    rows = shop.ok("GET", "/inventory", who="mpls")["inventory"]
    assert rows and {r["location_id"] for r in rows} == {"MPLS"}
    before = shop.snapshot()
    for method, path, body in (
            ("GET", "/inventory?location_id=STP", None),
            ("GET", "/inventory/TEE/STP/history", None),
            ("POST", "/inventory/adjustments", {"sku": "TEE", "location_id": "STP",
                                                "delta": -5, "reason": "shrink"}),
            ("POST", "/inventory/counts", {"sku": "TEE", "location_id": "STP", "counted": 0}),
            ("POST", "/inventory/receipts", {"sku": "TEE", "location_id": "STP", "qty": 9}),
            ("PUT", "/inventory/TEE/MPLS/safety-stock", {"safety_stock": 0})):
        response = shop.call(method, path, "mpls", **({} if body is None else {"json": body}))
        assert response.status_code == 403, (path, response.text)
    assert shop.snapshot() == before
    done = shop.ok("POST", "/inventory/adjustments", {"sku": "TEE", "location_id": "MPLS",
                                                      "delta": -1, "reason": "damaged"},
                   who="mpls")
    assert done["on_hand"] == 19 and "sourced_orders" not in done


def test_a_store_associate_receives_returns_only_at_its_own_store(shop: Shop) -> None:
    order = shop.capture(("MUG", 1), to=NEAR_STP)
    fid = order["fulfilments"][0]["fulfilment_id"]
    for step in ("accept", "pick", "pack"):
        shop.ok("POST", f"/fulfilments/{fid}/{step}", who="stp")
    shop.ok("POST", f"/fulfilments/{fid}/ship", {"carrier": "UPS", "tracking": "1"}, who="stp")
    rma = shop.ok("POST", f"/orders/{order['order_id']}/returns",
                  {"lines": [{"line_id": "1", "qty": 1}]}, status=201)["rma_id"]
    body = {"location_id": "STP", "lines": [{"line_id": "1", "qty": 1}]}
    assert shop.post(f"/returns/{rma}/receive", body, who="mpls").status_code == 403
    assert shop.ok("GET", f"/returns/{rma}")["received"] is False
    shop.ok("POST", f"/returns/{rma}/receive", {**body, "location_id": "MPLS"}, who="mpls")


def test_a_store_associate_cannot_read_or_capture_customer_orders(shop: Shop) -> None:
    order = shop.capture(("TEE", 1))
    for method, path in (("GET", "/orders"), ("GET", f"/orders/{order['order_id']}"),
                         ("POST", "/orders"), ("POST", f"/orders/{order['order_id']}/cancel"),
                         ("GET", "/purchase-orders"), ("GET", "/locations")):
        response = shop.call(method, path, "mpls",
                             **({"json": order_body(("TEE", 1))} if method == "POST" else {}))
        assert response.status_code == 403, (path, response.text)


def test_a_vendor_sees_only_its_own_purchase_orders(shop: Shop) -> None:
    po = shop.capture(("KAYAK", 1))["fulfilments"][0]["fulfilment_id"]
    before = shop.snapshot()
    assert shop.ok("GET", "/purchase-orders", who="globex")["purchase_orders"] == []
    for method, path, body in (
            ("GET", f"/purchase-orders/{po}", None),
            ("POST", f"/purchase-orders/{po}/acknowledge", None),
            ("POST", f"/purchase-orders/{po}/ship", {"carrier": "UPS", "tracking": "1"}),
            ("GET", "/purchase-orders?vendor_id=ACME", None),
            ("GET", "/fulfilments", None),
            ("GET", "/orders", None),
            ("GET", "/inventory", None)):
        response = shop.call(method, path, "globex", **({} if body is None else {"json": body}))
        assert response.status_code == 403, (path, response.text)
    assert shop.snapshot() == before
    # A store's fulfilment order is not a purchase order, even for the vendor's own eyes.
    store_order = shop.capture(("TEE", 1))["fulfilments"][0]["fulfilment_id"]
    assert shop.get(f"/purchase-orders/{store_order}", who="acme").status_code == 403
    assert shop.get(f"/purchase-orders/{store_order}", who="admin").status_code == 404
    assert shop.ok("GET", f"/purchase-orders/{po}", who="acme")["status"] == "assigned"


def test_roles_decide_who_may_capture_work_and_administer(shop: Shop) -> None:
    before = shop.snapshot()
    body = order_body(("TEE", 1))
    for who in ("viewer", "trader", "mpls", "acme"):
        response = shop.post("/orders", body, who=who)
        assert response.status_code == 403, (who, response.text)
    assert shop.post("/orders", body, who="viewer").json()["detail"] == \
        "role 'viewer' may not retail:order"
    assert shop.call("POST", "/orders", None, json=body).status_code == 401
    assert shop.get("/orders", who="trader").status_code == 403
    assert shop.snapshot() == before

    order = shop.capture(("TEE", 1))
    fid = order["fulfilments"][0]["fulfilment_id"]
    assert shop.get(f"/orders/{order['order_id']}", who="viewer").status_code == 200
    assert shop.post(f"/orders/{order['order_id']}/cancel", who="viewer").status_code == 403
    assert shop.post(f"/fulfilments/{fid}/accept", who="cs").status_code == 403
    assert shop.post(f"/fulfilments/{fid}/accept", who="viewer").status_code == 403
    assert shop.get(f"/fulfilments/{fid}", who="cs").status_code == 200
    location = {"location_id": "X1", "kind": "store", "latitude": "45", "longitude": "-93",
                "address": {"line1": "1 A St", "city": "B", "postal_code": "1",
                            "country": "US"}}
    for who in ("cs", "viewer", "mpls"):
        assert shop.post("/locations", location, who=who).status_code == 403
        assert shop.post("/webhooks", {}, who=who).status_code == 403
        assert shop.call("PUT", "/sourcing-rules", who, json={"rules": []}).status_code == 403
    assert shop.get("/webhooks", who="cs").status_code == 403
    assert shop.post(f"/fulfilments/{fid}/accept", who="admin").status_code == 200


def _ship_notice(*po_numbers: str, tracking: str = "1Z999") -> str:
    isa = ("ISA*00*          *00*          *ZZ*ACME           *ZZ*OPENOMS        *261124*0930"
           "*U*00401*000000001*0*P*>~")
    orders = "".join(f"HL*{n + 2}*1*O~PRF*{po}~" for n, po in enumerate(po_numbers))
    return (f"{isa}\nGS*SH*ACME*OPENOMS*20261124*0930*1*X*004010~\nST*856*0001~\n"
            f"BSN*00*SHIP-1*20261124*0930~\nHL*1**S~TD5*B*2*UPSN~REF*CN*{tracking}~"
            f"{orders}SE*9*0001~\nGE*1*1~\nIEA*1*000000001~\n")


def test_a_vendor_ships_its_purchase_orders_with_an_x12_856(shop: Shop) -> None:
    po = shop.capture(("KAYAK", 1))["fulfilments"][0]["fulfilment_id"]
    shop.ok("POST", f"/purchase-orders/{po}/acknowledge", who="acme")
    before = shop.snapshot()
    for who, document, status in (
            ("globex", _ship_notice(po), 403),  # another vendor's purchase order
            ("acme", "not x12 at all", 422),
            ("acme", _ship_notice("R999-1"), 403),  # unknown: outside its scope too
            ("acme", _ship_notice(po, tracking=""), 422)):  # no tracking number
        response = shop.call("POST", "/purchase-orders/ship-notice", who,
                             content=document.encode(),
                             headers={"Content-Type": "text/plain"})
        assert response.status_code == status, (who, response.text)
    assert shop.snapshot() == before
    shipped = shop.call("POST", "/purchase-orders/ship-notice", "acme",
                        content=_ship_notice(po).encode(),
                        headers={"Content-Type": "text/plain"})
    assert shipped.status_code == 200, shipped.text
    (view,) = shipped.json()["purchase_orders"]
    assert (view["status"], view["carrier"], view["tracking"]) == ("shipped", "UPSN", "1Z999")
