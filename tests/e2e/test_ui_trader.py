"""The trader's pages in a real browser: a phone order taken through the ticket, worked from its
order page, and its fill arriving live on the order page and on an open blotter; rejecting a
ticket, replacing and canceling a child, the client's pending requests, the blotter's sort and
filters, a ticket retried after a lost answer, and a live change next to a half-filled form."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from webui import DemoServer

pytestmark = pytest.mark.slow


def _api(ui_server: DemoServer, method: str, path: str, body: Any = None,
         role: str = "trader") -> Any:
    with httpx.Client(base_url=ui_server.url, headers={
            "Authorization": f"Bearer {ui_server.tokens[role]}"}) as client:
        response = client.request(method, "/api/v1/trading" + path, json=body)
        response.raise_for_status()
        return response.json()


def _staged(ui_server: DemoServer, qty: int = 10, account_id: str = "ACME",
            symbol: str = "AAPL", limit_px: str = "185.00") -> str:
    made = _api(ui_server, "POST", "/orders", {"account_id": account_id, "symbol": symbol,
                                              "side": "buy", "qty": qty, "limit_px": limit_px})
    return str(made["order_id"])


def _working(ui_server: DemoServer) -> tuple[str, str]:
    """A ticket with one child resting at the simulated exchange (bid 185.00, under the
    market maker's offers): returns the ticket's and the child's ids."""
    order_id = _staged(ui_server)
    _api(ui_server, "POST", f"/orders/{order_id}/accept")
    child = _api(ui_server, "POST", f"/orders/{order_id}/children",
                 {"venue_id": "SIM", "qty": 10, "ord_type": "limit", "limit_px": "185.00"})
    child_id = child["children"][-1]["child_id"]
    assert child["children"][-1]["status"] in ("pending_new", "new"), child
    return order_id, str(child_id)


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


def _status(ui_server: DemoServer, order_id: str) -> str:
    return str(_api(ui_server, "GET", f"/orders/{order_id}")["status"])


def test_the_trader_rejects_a_staged_ticket_with_a_reason(as_role: Callable[[str], Page],
                                                          ui_server: DemoServer) -> None:
    order_id = _staged(ui_server)
    page = as_role("trader")
    page.goto(f"{ui_server.url}/ui/orders/{order_id}")
    page.get_by_role("button", name="Reject order").click()
    expect(page.locator("#rj-reason-error")).not_to_be_empty()  # a reason is required
    assert _status(ui_server, order_id) == "staged"
    page.get_by_label("Reason for rejecting").fill("client withdrew the order")
    page.get_by_role("button", name="Reject order").click()
    expect(page.locator("#order-status")).to_have_text("rejected")
    expect(page.locator('[data-region="timeline"]')).to_contain_text("Ticket rejected")
    expect(page.get_by_role("button", name="Accept order")).to_have_count(0)
    assert _status(ui_server, order_id) == "rejected"


def test_the_trader_replaces_then_cancels_a_child_order(as_role: Callable[[str], Page],
                                                        ui_server: DemoServer) -> None:
    order_id, child_id = _working(ui_server)
    page = as_role("trader")
    page.goto(f"{ui_server.url}/ui/orders/{order_id}")
    row = page.locator(f"#oc-{child_id}")
    expect(row).to_contain_text("new")
    row.get_by_text("Replace", exact=True).click()
    row.get_by_label("New quantity").fill("6")
    row.get_by_role("button", name=f"Replace {child_id}").click()
    expect(row.locator("td").nth(2)).to_have_text("6")  # the venue confirmed the new size
    expect(page.locator("#order-progress")).to_contain_text("6 working")

    row.get_by_role("button", name=f"Cancel child {child_id}").click()
    expect(row).to_contain_text("canceled")
    expect(page.locator("#order-progress")).to_contain_text("0 working")
    children = _api(ui_server, "GET", f"/orders/{order_id}")["children"]
    assert [(c["qty"], c["status"]) for c in children] == [("6", "canceled")]


def test_the_clients_pending_cancel_is_accepted_and_a_pending_replace_rejected(
        as_role: Callable[[str], Page], ui_server: DemoServer) -> None:
    to_cancel, _ = _working(ui_server)
    to_keep, _ = _working(ui_server)
    _api(ui_server, "POST", f"/orders/{to_cancel}/cancel", {}, role="sales")  # the client asks
    _api(ui_server, "POST", f"/orders/{to_keep}/replace", {"qty": 20}, role="sales")
    page = as_role("trader")

    page.goto(f"{ui_server.url}/ui/orders/{to_cancel}")
    expect(page.get_by_role("heading", name="Client cancel request")).to_be_visible()
    page.get_by_role("button", name="Accept cancel").click()
    expect(page.locator("#order-status")).to_have_text("canceled")
    assert _status(ui_server, to_cancel) == "canceled"

    page.goto(f"{ui_server.url}/ui/orders/{to_keep}")
    expect(page.get_by_role("heading", name="Client replace request")).to_contain_text(
        "replace")
    expect(page.locator(".pending-box")).to_contain_text("qty 20")
    page.get_by_label("Reason for rejecting").fill("above the client's limit for the day")
    page.get_by_role("button", name="Reject replace").click()
    expect(page.get_by_role("heading", name="Client replace request")).to_have_count(0)
    expect(page.locator('[data-region="timeline"]')).to_contain_text("Ticket replace rejected")
    ticket = _api(ui_server, "GET", f"/orders/{to_keep}")
    assert (ticket["status"], ticket["qty"], ticket["pending"]) == ("new", "10", None)


def test_the_blotter_sorts_by_a_column_and_filters_by_status_and_open_only(
        as_role: Callable[[str], Page], ui_server: DemoServer) -> None:
    made = {qty: _staged(ui_server, qty, "GLOBEX", "SPY", "560.00") for qty in (30, 10, 20)}
    _api(ui_server, "POST", f"/orders/{made[20]}/reject", {"reason": "duplicate"})
    page = as_role("trader")
    page.goto(f"{ui_server.url}/ui/blotter?account_id=GLOBEX&symbol=SPY")
    rows = page.locator("#tickets tbody tr")
    qty = rows.locator("td:nth-child(5)")
    expect(rows).to_have_count(3)

    header = page.locator("#tickets").get_by_role("columnheader", name="Qty")
    header.click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    expect(qty).to_have_text(["10", "20", "30"])
    header.press("Enter")  # the headers work from the keyboard too
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(qty).to_have_text(["30", "20", "10"])

    page.get_by_label("Status").select_option("rejected")
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(1)
    expect(page.locator(f"#t-{made[20]}")).to_contain_text("rejected")

    page.get_by_label("Status").select_option("")
    page.get_by_label("Open only").check()
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"open_only=true"))
    expect(rows).to_have_count(2)
    expect(page.locator(f"#t-{made[20]}")).to_have_count(0)


def test_a_ticket_sent_again_after_its_answer_was_lost_makes_one_order(
        as_role: Callable[[str], Page], ui_server: DemoServer) -> None:
    page = as_role("trader")
    page.goto(ui_server.url + "/ui/ticket")
    page.get_by_label("Account").select_option("ACME")
    page.get_by_label("Instrument").fill("AAPL")
    page.get_by_label("Quantity").fill("77")
    page.get_by_label("Limit price").fill("189.00")
    before = _orders(ui_server)

    def lose_the_answer(route: Route) -> None:
        route.fetch()  # the server takes the order...
        route.abort()  # ...and the connection drops before the answer arrives

    page.route("**/api/v1/trading/orders", lose_the_answer)
    page.get_by_role("button", name="Submit order").click()
    expect(page.get_by_text("The server cannot be reached")).to_be_visible()
    assert _orders(ui_server) == before + 1
    page.unroute("**/api/v1/trading/orders")

    page.get_by_role("button", name="Submit order").click()  # the user retries
    expect(page).to_have_url(re.compile(r"/ui/orders/T\d+$"))
    assert _orders(ui_server) == before + 1
    expect(page.locator("#order-status")).to_have_text("staged")


def test_a_child_changed_while_its_replace_form_is_half_filled_is_announced(
        as_role: Callable[[str], Page], ui_server: DemoServer) -> None:
    order_id, child_id = _working(ui_server)
    page = as_role("trader")
    page.goto(f"{ui_server.url}/ui/orders/{order_id}")
    expect(page.locator("#live")).to_have_class(re.compile(r"\bon\b"))
    row = page.locator(f"#oc-{child_id}")
    row.get_by_text("Replace", exact=True).click()
    row.get_by_label("New quantity").fill("4")
    page.locator('[data-region="timeline"]').click()  # focus left; the typed 4 stays

    _api(ui_server, "POST", f"/orders/{order_id}/children/{child_id}/cancel")  # elsewhere
    expect(page.locator('[data-region="timeline"]')).to_contain_text("Child canceled")
    children = page.locator('[data-region="children"]')
    note = children.get_by_role("status").filter(has_text="This order changed")
    expect(note).to_be_visible()
    expect(row.get_by_label("New quantity")).to_have_value("4")
    note.get_by_role("button", name="Refresh").click()
    expect(row).to_contain_text("canceled")
    expect(note).to_have_count(0)
