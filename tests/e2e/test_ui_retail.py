"""The retail pages in a real browser: customer-service order entry (field errors, then a
sourced order with its explanation), cancel and return on the order page, the order list and
the stock page refreshing live, and a store associate kept to its own location's stock."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from webui import DemoServer

pytestmark = pytest.mark.slow

API = "/api/v1/commerce"


def _client(ui_server: DemoServer, role: str) -> httpx.Client:
    return httpx.Client(base_url=ui_server.url, timeout=10,
                        headers={"Authorization": f"Bearer {ui_server.tokens[role]}"})


def _order_count(ui_server: DemoServer) -> int:
    with _client(ui_server, "customer_service") as api:
        total: int = api.get(f"{API}/orders", params={"limit": 1}).json()["total"]
    return total


def _place(ui_server: DemoServer, customer: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
    """A web order through the API (set-up for what the pages show)."""
    body = {"channel": "web", "customer": {"name": customer, "email": "set-up@example.com"},
            "ship_to": {"line1": "1 Lake St", "city": "Minneapolis", "postal_code": "55401",
                        "country": "US"}, "lines": lines}
    with _client(ui_server, "customer_service") as api:
        made = api.post(f"{API}/orders", json=body,
                        headers={"Idempotency-Key": uuid.uuid4().hex})
    assert made.status_code == 201, made.text
    order: dict[str, Any] = made.json()
    return order


def _ship(ui_server: DemoServer, order: dict[str, Any]) -> None:
    with _client(ui_server, "admin") as api:
        for f in order["fulfilments"]:
            path = f"{API}/fulfilments/{f['fulfilment_id']}"
            for step in ("accept", "pick", "pack"):
                assert api.post(f"{path}/{step}").status_code == 200
            shipped = api.post(f"{path}/ship", json={"carrier": "UPS", "tracking": "1Z999"})
            assert shipped.status_code == 200, shipped.text


def _detail(ui_server: DemoServer, order_id: str) -> dict[str, Any]:
    with _client(ui_server, "customer_service") as api:
        order: dict[str, Any] = api.get(f"{API}/orders/{order_id}").json()
    return order


def test_phone_order_is_refused_next_to_the_quantity_then_placed_and_sourced(
        as_role: Callable[[str], Page], ui_server: DemoServer) -> None:
    page = as_role("customer_service")
    before = _order_count(ui_server)
    page.get_by_role("link", name="New phone order").click()
    page.get_by_label("Name", exact=True).fill("Pat Caller")
    page.get_by_label("Email").fill("pat@example.com")
    page.get_by_label("Phone", exact=True).fill("+1 612 555 0100")
    page.get_by_label("Address line 1").fill("1 Nicollet Mall")
    page.get_by_label("City").fill("Minneapolis")
    page.get_by_label("Postal code").fill("55401")
    page.get_by_label("SKU of line 1").select_option("TEE")
    page.get_by_label("Quantity of line 1").fill("0")
    page.get_by_role("button", name="Add line").click()
    page.get_by_label("SKU of line 2").select_option("MUG")
    page.get_by_label("Quantity of line 2").fill("2")
    page.get_by_role("button", name="Place order").click()

    quantity = page.get_by_label("Quantity of line 1")
    expect(quantity).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#entry-lines tr").first).to_contain_text("greater than 0")
    expect(page.get_by_label("Quantity of line 2")).not_to_have_attribute("aria-invalid", "true")
    assert _order_count(ui_server) == before  # nothing was created

    quantity.fill("3")
    page.get_by_label("Unit price of line 1").fill("19.99")
    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(re.compile(r"/ui/retail/orders/R\d+$"))
    assert _order_count(ui_server) == before + 1

    expect(page.get_by_role("heading", name=re.compile(r"^Order R\d+"))).to_be_visible()
    fulfilments = page.locator("#fulfilments")
    expect(fulfilments).to_contain_text("assigned")
    expect(fulfilments).to_contain_text("TEE × 3")
    sourcing = page.locator("#sourcing")
    expect(sourcing).to_contain_text("considered")
    expect(sourcing).to_contain_text("chosen over")
    expect(page.get_by_text("Pat Caller")).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("Order taken (phone)")

    # Cancel one T-shirt: the line shows it, the timeline says who did it.
    page.get_by_label(re.compile("Line 1 · TEE: units to cancel")).fill("1")
    page.get_by_label("Reason", exact=True).fill("customer wants two")
    page.get_by_role("button", name="Cancel these units").click()
    line = page.locator("#order-lines tr[data-line-id='1']")
    expect(line.locator("[data-col=canceled]")).to_have_text("1")
    expect(page.locator("#timeline")).to_contain_text("Canceled line 1 × 1")
    expect(page.locator("#timeline")).to_contain_text("customer_service")

    # Too many units: the refusal is shown next to that line, nothing changes.
    page.get_by_label(re.compile("Line 1 · TEE: units to cancel")).fill("5")
    page.get_by_role("button", name="Cancel these units").click()
    expect(page.locator("#cancel-form")).to_contain_text("can still be canceled")
    expect(line.locator("[data-col=canceled]")).to_have_text("1")

    # The whole order: a second press confirms.
    page.get_by_role("button", name="Cancel the whole order").click()
    page.get_by_role("button", name="Press again to cancel every open unit").click()
    expect(page.locator("#order-status")).to_have_text("canceled")
    expect(page.get_by_role("button", name="Cancel these units")).to_have_count(0)


def test_shipped_order_refreshes_live_and_takes_a_return(
        as_role: Callable[[str], Page], ui_server: DemoServer) -> None:
    order = _place(ui_server, "Robin Return", [{"sku": "HOODIE", "qty": 2,
                                                "unit_price": "45.00"}])
    page = as_role("customer_service")
    page.goto(f"{ui_server.url}/ui/retail/orders/{order['order_id']}")
    expect(page.locator("#live")).to_have_class(re.compile(r"\bon\b"))
    expect(page.get_by_role("heading", name="Authorise a return")).to_have_count(0)

    _ship(ui_server, order)  # by the store, through the API: the page follows without reload
    expect(page.locator("#fulfilments")).to_contain_text("shipped")
    expect(page.locator("#fulfilments")).to_contain_text("1Z999")
    expect(page.locator("#order-status")).to_have_text("shipped")

    page.get_by_label(re.compile("Line 1 · HOODIE: units to return")).fill("1")
    page.get_by_label("Return reason").fill("too small")
    page.get_by_role("button", name="Authorise return").click()
    returns = page.locator("#returns")
    expect(returns).to_contain_text("line 1 × 1")
    expect(returns).to_contain_text("too small")
    assert _detail(ui_server, order["order_id"])["returns"][0]["reason"] == "too small"

    # Charge the card, then refund the returned hoodie.
    page.get_by_role("button", name="Capture 90.00 USD").click()
    expect(page.locator("#payment-status")).to_have_text("paid")
    page.get_by_label(re.compile("Refund amount")).fill("100")
    page.get_by_role("button", name="Refund").click()
    expect(page.get_by_text("amount must be above 0 and at most 90")).to_be_visible()
    page.get_by_label(re.compile("Refund amount")).fill("45")
    page.get_by_role("button", name="Refund").click()
    expect(page.locator("#payment-status")).to_have_text("partly refunded")
    expect(page.locator("#timeline")).to_contain_text("Refunded 45.00")


def test_order_list_shows_a_new_order_at_the_top_live(
        as_role: Callable[[str], Page], ui_server: DemoServer) -> None:
    page = as_role("customer_service")
    expect(page).to_have_url(f"{ui_server.url}/ui/retail/orders")  # the role's home
    expect(page.locator("#live")).to_have_class(re.compile(r"\bon\b"))
    order = _place(ui_server, "Lee Live", [{"sku": "MUG", "qty": 1}])
    first = page.locator("#orders tbody tr").first
    expect(first).to_contain_text(order["order_id"])
    expect(first).to_contain_text("Lee Live")
    expect(first).to_contain_text("open")

    # The filters are served by the server: a search finds the order, a status hides it.
    page.get_by_label("Order, customer or email").fill("lee live")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#orders tbody tr")).to_have_count(1)
    page.get_by_label("Status").select_option("canceled")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No orders match these filters")).to_be_visible()


def _available(page: Page, sku: str, location: str) -> int:
    cell = page.locator(f"tr[data-sku='{sku}'][data-location='{location}'] [data-col=available]")
    return int(cell.inner_text())


def test_store_adjustment_updates_available_and_stays_in_its_scope(
        as_role: Callable[[str], Page], ui_server: DemoServer) -> None:
    store = as_role("store_associate")
    store.goto(f"{ui_server.url}/ui/inventory")
    table = store.locator("#stock tbody")
    expect(table).to_contain_text("MPLS")
    locations = {row.get_attribute("data-location") for row in table.locator("tr").all()}
    assert locations == {"MPLS"}  # only its own store's stock

    admin = as_role("admin")
    admin.goto(f"{ui_server.url}/ui/inventory?sku=MUG")
    expect(admin.locator("#live")).to_have_class(re.compile(r"\bon\b"))
    before = _available(admin, "MUG", "MPLS")

    store.get_by_role("button", name="Change stock of MUG at MPLS").click()
    dialog = store.get_by_role("dialog")
    adjust = dialog.locator("form", has=store.get_by_role("button", name="Adjust"))
    adjust.get_by_label("Change (+ or −)").fill("0")
    adjust.get_by_label("Reason for the adjustment").fill("found a box")
    adjust.get_by_role("button", name="Adjust").click()
    expect(adjust).to_contain_text("must not be zero")  # next to the field, dialog still open

    adjust.get_by_label("Change (+ or −)").fill("5")
    adjust.get_by_role("button", name="Adjust").click()
    expect(dialog).to_be_hidden()
    expect(store.locator("tr[data-sku='MUG'][data-location='MPLS'] [data-col=available]")) \
        .to_have_text(str(before + 5))
    # Another user's page follows live.
    expect(admin.locator("tr[data-sku='MUG'][data-location='MPLS'] [data-col=available]")) \
        .to_have_text(str(before + 5))

    # A location outside the associate's scope is a 403 page.
    response = store.goto(f"{ui_server.url}/ui/inventory?location_id=STP")
    assert response is not None and response.status == 403
    expect(store.get_by_role("heading", name="Not allowed")).to_be_visible()


def test_admin_counts_and_sets_safety_stock(as_role: Callable[[str], Page],
                                            ui_server: DemoServer) -> None:
    page = as_role("admin")
    page.goto(f"{ui_server.url}/ui/inventory?location_id=WH")
    page.get_by_role("button", name="Change stock of HOODIE at WH").click()
    dialog = page.get_by_role("dialog")
    count = dialog.locator("form", has=page.get_by_role("button", name="Record count"))
    count.get_by_label("Units counted").fill("50")
    count.get_by_role("button", name="Record count").click()
    row = page.locator("tr[data-sku='HOODIE'][data-location='WH']")
    expect(row.locator("[data-col=on_hand]")).to_have_text("50")

    page.get_by_role("button", name="Change stock of HOODIE at WH").click()
    safety = dialog.locator("form", has=page.get_by_role("button", name="Set safety stock"))
    safety.get_by_label("Units kept back from sourcing").fill("10")
    safety.get_by_role("button", name="Set safety stock").click()
    expect(row.locator("[data-col=safety_stock]")).to_have_text("10")
    reserved = int(row.locator("[data-col=reserved]").inner_text())
    expect(row.locator("[data-col=available]")).to_have_text(str(max(50 - reserved - 10, 0)))


def _deliver(ui_server: DemoServer, order: dict[str, Any]) -> None:
    with _client(ui_server, "admin") as api:
        for f in order["fulfilments"]:
            delivered = api.post(f"{API}/fulfilments/{f['fulfilment_id']}/deliver")
            assert delivered.status_code == 200, delivered.text


def test_a_status_change_shows_while_a_form_is_half_filled(
        as_role: Callable[[str], Page], ui_server: DemoServer) -> None:
    order = _place(ui_server, "Hal Filled", [{"sku": "MUG", "qty": 2}])
    _ship(ui_server, order)
    page = as_role("customer_service")
    page.goto(f"{ui_server.url}/ui/retail/orders/{order['order_id']}")
    expect(page.locator("#live")).to_have_class(re.compile(r"\bon\b"))
    units = page.get_by_label(re.compile("Line 1 · MUG: units to return"))
    units.fill("1")
    page.get_by_label("Return reason").fill("chipped")
    page.locator("#timeline").click()  # focus has left the form; what was typed stays

    _deliver(ui_server, order)
    expect(page.locator("#order-status")).to_have_text("delivered")
    expect(page.locator("#fulfilments")).to_contain_text("delivered")
    expect(units).to_have_value("1")
    expect(page.get_by_label("Return reason")).to_have_value("chipped")
    page.get_by_role("button", name="Authorise return").click()
    expect(page.locator("#returns")).to_contain_text("chipped")


def test_an_ended_session_stops_the_order_page_without_pasting_the_sign_in_form(
        as_role: Callable[[str], Page], ui_server: DemoServer) -> None:
    order = _place(ui_server, "Sam Signedout", [{"sku": "MUG", "qty": 1}])
    page = as_role("customer_service")
    page.goto(f"{ui_server.url}/ui/retail/orders/{order['order_id']}")
    expect(page.locator("#live")).to_have_class(re.compile(r"\bon\b"))
    page.context.clear_cookies()  # the session is gone for this browser; the stream is open

    _ship(ui_server, order)  # heard: the page tries to read the order again
    expect(page.get_by_role("alert").filter(has_text="Your session has ended")).to_be_visible()
    expect(page.locator("#live")).not_to_have_class(re.compile(r"\bon\b"))
    expect(page.get_by_label("Password")).to_have_count(0)
    expect(page.get_by_role("heading", name=f"Order {order['order_id']}")).to_be_visible()


def test_an_order_changed_again_while_its_row_is_fetched_is_fetched_again(
        as_role: Callable[[str], Page], ui_server: DemoServer) -> None:
    order = _place(ui_server, "Dee Dirty", [{"sku": "MUG", "qty": 1}])
    order_id = order["order_id"]
    page = as_role("customer_service")
    row = page.locator(f"#order-{order_id}")
    expect(row).to_contain_text("open")
    expect(page.locator("#live")).to_have_class(re.compile(r"\bon\b"))
    page.evaluate("window.heard = 0; OMS.live((msg) => { window.heard += 1; })")
    held: list[Route] = []

    def hold_first(route: Route) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)  # answered below, with the row as it was before the cancel

    url = f"/ui/retail/orders/{order_id}/row"
    page.route(f"**{url}*", hold_first)
    with _client(ui_server, "customer_service") as api:
        with page.expect_request(f"**{url}*"):
            assert api.post(f"{API}/orders/{order_id}/payment/capture").status_code == 200
        paid = page.request.get(ui_server.url + url)  # the browser's session, not routed
        assert "paid" in paid.text()
        assert api.post(f"{API}/orders/{order_id}/cancel", json={}).status_code == 200
    page.wait_for_function("window.heard >= 2")  # the cancel was heard during the fetch
    held[0].fulfill(response=paid)
    expect(row).to_contain_text("canceled")
