"""The vendor portal in a real browser: a drop-ship purchase order arrives live, the vendor
refuses a line, acknowledges the rest and ships it with tracking; another vendor's purchase
orders are closed to it; staff filter by vendor."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from webui import DemoServer

pytestmark = pytest.mark.slow

API = "/api/v1/commerce"
SHIP_TO = {"name": "Jo Lind", "line1": "12 Lake St", "city": "Minneapolis", "region": "MN",
           "postal_code": "55408", "country": "US"}


def call(ui_server: DemoServer, role: str, method: str, path: str,
         body: dict[str, Any]) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {ui_server.tokens[role]}",
               "Idempotency-Key": uuid.uuid4().hex}
    with httpx.Client(base_url=ui_server.url, headers=headers) as client:
        response = client.request(method, API + path, json=body)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


def capture(ui_server: DemoServer, lines: list[dict[str, Any]]) -> dict[str, Any]:
    return call(ui_server, "customer_service", "POST", "/orders", {
        "channel": "web", "customer": {"name": "Jo Lind", "phone": "612-555-0199"},
        "ship_to": SHIP_TO, "lines": lines})


def purchase_order(order: dict[str, Any], vendor_id: str) -> dict[str, Any]:
    [po] = [f for f in order["fulfilments"]
            if f["location_id"] == vendor_id and f["kind"] == "dropship"]
    return po


def second_vendor(ui_server: DemoServer) -> str:
    """A second drop-ship vendor and its SKU (the demo has only ACME); returns a PO of it."""
    call(ui_server, "admin", "POST", "/locations", {
        "location_id": "BOLT", "name": "Bolt Paddles", "kind": "vendor",
        "address": {"line1": "9 River Rd", "city": "Stillwater", "region": "MN",
                    "postal_code": "55082", "country": "US"},
        "latitude": "45.0564", "longitude": "-92.8060"})
    call(ui_server, "admin", "POST", "/skus", {
        "sku": "PADDLE", "name": "Carbon paddle", "stocked": False, "vendor_id": "BOLT",
        "vendor_sku": "BP-220", "cost": "89.00"})
    order = capture(ui_server, [{"sku": "PADDLE", "qty": 1}])
    return str(purchase_order(order, "BOLT")["fulfilment_id"])


def test_vendor_acknowledges_and_ships_a_new_purchase_order(as_role: Any,
                                                            ui_server: DemoServer) -> None:
    page: Page = as_role("vendor")
    expect(page).to_have_url(ui_server.url + "/ui/vendor")
    expect(page.locator("#live")).to_have_class(re.compile(r"\bon\b"))

    # Two lines of the drop-ship-only kayak: one will be refused.
    order = capture(ui_server, [{"sku": "KAYAK", "qty": 1}, {"sku": "KAYAK", "qty": 2}])
    po_id = purchase_order(order, "ACME")["fulfilment_id"]
    row = page.get_by_role("row", name=re.compile(rf"^{re.escape(po_id)}\b"))
    expect(row).to_be_visible()  # arrived without a reload
    expect(row).to_contain_text("assigned")
    expect(row).to_contain_text("1,620.00")

    row.get_by_role("link", name=po_id).click()
    expect(page.get_by_role("heading", name=f"Purchase order {po_id}")).to_be_visible()
    lines = page.get_by_role("region", name="Lines")
    expect(lines.get_by_role("row", name=re.compile(r"KAYAK\s+AC-K10\s+.*\s2\s+540.00\s+"
                                                    r"1,080.00"))).to_be_visible()
    expect(page.get_by_role("button", name="Ship")).to_have_count(0)  # not before acknowledging

    page.get_by_role("button", name="Refuse checked lines").click()
    expect(page.get_by_text("Tick the lines you refuse")).to_be_visible()
    page.get_by_label(re.compile(r"KAYAK \(AC-K10\) × 2")).check()
    page.get_by_label("Reason").fill("only one kayak left")
    page.get_by_role("button", name="Refuse checked lines").click()

    expect(page.locator(".toolbar").get_by_text("accepted")).to_be_visible()
    expect(lines.get_by_role("row", name=re.compile(r"KAYAK\s+AC-K10"))).to_have_count(1)
    page.get_by_label("Carrier").fill("FedEx")
    page.get_by_role("button", name="Ship").click()
    expect(page.get_by_text("Field required")).to_be_visible()  # next to Tracking number
    expect(page.get_by_label("Tracking number")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Tracking number").fill("7712 3456 7890")
    page.get_by_role("button", name="Ship").click()
    expect(page.locator(".toolbar").get_by_text("shipped")).to_be_visible()
    expect(page.get_by_text("FedEx, tracking 7712 3456 7890")).to_be_visible()

    seen = call(ui_server, "admin", "GET", f"/purchase-orders/{po_id}", {})
    assert (seen["status"], seen["tracking"]) == ("shipped", "7712 3456 7890")
    assert seen["units"] == 1


def test_another_vendors_purchase_order_is_forbidden(as_role: Any,
                                                     ui_server: DemoServer) -> None:
    other = second_vendor(ui_server)
    page: Page = as_role("vendor")
    expect(page.get_by_role("link", name=other)).to_have_count(0)
    for po_id in (other, "R999999-1"):  # existing or not, the answer is the same
        response = page.goto(f"{ui_server.url}/ui/vendor/po/{po_id}")
        assert response is not None and response.status == 403
        expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()

    admin: Page = as_role("admin")
    admin.goto(ui_server.url + "/ui/vendor")
    admin.get_by_label("Vendor").select_option("BOLT")
    admin.get_by_role("button", name="Show").click()
    expect(admin.get_by_role("link", name=other)).to_be_visible()
    expect(admin.get_by_role("cell", name="ACME")).to_have_count(0)
    admin.get_by_role("link", name=other).click()
    expect(admin.get_by_role("row", name=re.compile(r"PADDLE\s+BP-220"))).to_be_visible()
    admin.get_by_role("button", name="Accept all lines").click()  # staff may act for a vendor
    expect(admin.locator(".toolbar").get_by_text("accepted")).to_be_visible()
    expect(admin.get_by_role("button", name="Ship")).to_be_visible()


def test_a_change_elsewhere_keeps_the_lines_the_vendor_ticked(as_role: Any,
                                                              ui_server: DemoServer) -> None:
    order = capture(ui_server, [{"sku": "KAYAK", "qty": 1}, {"sku": "KAYAK", "qty": 1}])
    po_id = purchase_order(order, "ACME")["fulfilment_id"]
    page: Page = as_role("vendor")
    page.goto(f"{ui_server.url}/ui/vendor/po/{po_id}")
    expect(page.locator("#live")).to_have_class(re.compile(r"\bon\b"))
    page.evaluate("window.samePage = true")
    refuse = page.locator("#refuse input[name=refuse]").first
    refuse.check()
    page.get_by_role("heading", name=f"Purchase order {po_id}").click()  # focus leaves

    call(ui_server, "customer_service", "POST",
         f"/orders/{order['order_id']}/payment/capture", {})  # the order changes elsewhere
    note = page.get_by_role("status").filter(has_text="This order changed")
    expect(note).to_be_visible()
    expect(refuse).to_be_checked()
    assert page.evaluate("window.samePage") is True
    note.get_by_role("button", name="Refresh").click()
    expect(refuse).not_to_be_checked()  # reloaded, as served
