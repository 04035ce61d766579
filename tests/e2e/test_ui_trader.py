"""The trader's pages in a real browser: a phone order taken through the ticket, worked from its
order page, and its fill arriving live on the order page and on an open blotter."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from webui import DemoServer

pytestmark = pytest.mark.slow


def _api(ui_server: DemoServer, method: str, path: str, body: Any = None) -> Any:
    with httpx.Client(base_url=ui_server.url, headers={
            "Authorization": f"Bearer {ui_server.tokens['trader']}"}) as client:
        response = client.request(method, "/api/v1/trading" + path, json=body)
        response.raise_for_status()
        return response.json()


def _orders(ui_server: DemoServer) -> int:
    total: int = _api(ui_server, "GET", "/orders?limit=1")["total"]
    return total


def _still_same_document(page: Page) -> None:
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"


def test_a_phone_order_is_staged_worked_and_filled_live(as_role: Callable[[str], Page],
                                                         ui_server: DemoServer) -> None:
    blotter: Page = as_role("trader")
    blotter.goto(ui_server.url + "/ui/blotter")
    expect(blotter.locator("#live")).to_have_class(re.compile(r"\bon\b"))
    blotter.evaluate("window.__marker = 1")

    ticket = blotter.context.new_page()
    ticket.goto(ui_server.url + "/ui/ticket")
    before = _orders(ui_server)
    ticket.get_by_label("Account").select_option("ACME")
    ticket.get_by_label("Instrument").fill("AAPL")
    ticket.get_by_label("Quantity").fill("60000")
    ticket.get_by_label("Limit price").fill("190.055")
    # Checked as typed: ACME may order at most 50,000; the price is off the 0.01 tick.
    expect(ticket.locator('[data-error-for="qty"]')).to_contain_text("at most 50,000")
    expect(ticket.locator('[data-error-for="limit_px"]')).to_contain_text("tick size 0.01")
    ticket.get_by_role("button", name="Submit order").click()
    expect(ticket.get_by_label("Quantity")).to_be_focused()
    # The desk's own checks answer too: a price outside the collar is refused by the server.
    ticket.get_by_label("Quantity").fill("100")
    ticket.get_by_label("Limit price").fill("250.00")
    expect(ticket.locator('[data-error-for="qty"]')).to_be_empty()
    ticket.get_by_role("button", name="Submit order").click()
    expect(ticket.locator('[data-error-for="limit_px"]')).to_contain_text("collar")
    expect(ticket).to_have_url(ui_server.url + "/ui/ticket")
    assert _orders(ui_server) == before  # nothing was created

    ticket.get_by_label("Limit price").fill("190.05")
    ticket.get_by_label("Text").fill("client on the phone: work it carefully")
    ticket.get_by_role("button", name="Submit order").click()
    expect(ticket).to_have_url(re.compile(r"/ui/orders/T\d+$"))
    order_id = ticket.url.rsplit("/", 1)[1]
    expect(ticket.locator("#order-status")).to_have_text("staged")
    ticket.evaluate("window.__marker = 1")

    # The already-open blotter shows the new ticket on top, staged, without a reload.
    row = blotter.locator(f"#t-{order_id}")
    expect(row).to_contain_text("staged")
    expect(blotter.locator("#tickets tbody tr").first).to_have_id(f"t-{order_id}")
    _still_same_document(blotter)

    # The trader accepts it and routes all of it to the simulated exchange at 190.05, above
    # the market maker's offers from 190.01: marketable.
    ticket.get_by_role("button", name="Accept order").click()
    expect(ticket.locator("#order-status")).to_have_text("new")
    expect(row).to_contain_text("new")
    route = ticket.locator("form.route")
    expect(route.get_by_label("Quantity")).to_have_value("100")
    expect(route.get_by_label("Limit price")).to_have_value("190.05")
    route.get_by_label("Venue").select_option("SIM")
    route.get_by_role("button", name="Route to venue").click()

    # The fill arrives on the order page...
    expect(ticket.locator("#order-status")).to_have_text("filled")
    expect(ticket.locator("#fact-filled")).to_have_text("100")
    expect(ticket.locator("#order-fills")).to_contain_text("190.01")
    expect(ticket.locator("#order-children")).to_contain_text("filled")
    expect(ticket.locator('[data-region="timeline"]')).to_contain_text("Ticket filled")
    expect(ticket.locator('[data-region="timeline"]')).to_contain_text("by trader")
    _still_same_document(ticket)

    # ...and on the blotter: the ticket's status and filled quantity, its child, the trade.
    expect(row).to_contain_text("filled")
    expect(row.locator('[data-col="filled"]')).to_have_text("100")
    expect(blotter.locator(f'#children tr[data-order="{order_id}"]')).to_contain_text("filled")
    expect(blotter.locator(f'#fills tr[data-order="{order_id}"]').first).to_contain_text("190.01")
    _still_same_document(blotter)


def test_a_viewer_reads_the_blotter_but_cannot_act(as_role: Callable[[str], Page],
                                                   ui_server: DemoServer) -> None:
    staged = _api(ui_server, "POST", "/orders", {
        "account_id": "GLOBEX", "symbol": "MSFT", "side": "sell", "qty": 10,
        "limit_px": "420.00"})
    page: Page = as_role("viewer")
    page.goto(ui_server.url + "/ui/blotter")
    expect(page.locator(f"#t-{staged['order_id']}")).to_contain_text("staged")
    expect(page.get_by_role("button", name=re.compile("Accept"))).to_have_count(0)
    expect(page.get_by_role("link", name="New order")).to_have_count(0)

    page.goto(ui_server.url + f"/ui/orders/{staged['order_id']}")
    expect(page.locator("#order-status")).to_have_text("staged")
    expect(page.get_by_text("may read orders but not act")).to_be_visible()
    expect(page.get_by_role("button")).to_have_count(1)  # only "Sign out"

    response = page.goto(ui_server.url + "/ui/ticket")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()


def test_the_blotter_filters_and_pages_on_the_server(as_role: Callable[[str], Page],
                                                     ui_server: DemoServer) -> None:
    made = [_api(ui_server, "POST", "/orders", {
        "account_id": "INITECH", "symbol": "IBM", "side": "buy", "qty": 5 + n,
        "limit_px": "220.00"})["order_id"] for n in range(3)]
    page: Page = as_role("trader")
    page.goto(ui_server.url + "/ui/blotter")
    page.get_by_label("Account").select_option("INITECH")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#tickets tbody tr")).to_have_count(3)
    page.goto(ui_server.url + "/ui/blotter?account_id=INITECH&limit=2")
    expect(page.locator("#tickets tbody tr")).to_have_count(2)
    expect(page.locator(f"#t-{made[2]}")).to_be_visible()  # newest first
    expect(page.get_by_text("1–2 of 3")).to_be_visible()
    page.get_by_role("link", name="Older →").click()
    expect(page.locator("#tickets tbody tr")).to_have_count(1)
    expect(page.locator(f"#t-{made[0]}")).to_be_visible()

    response = page.goto(ui_server.url + "/ui/orders/T999999")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
