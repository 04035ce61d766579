"""Live pages after their event stream was down (a server restart, a network blip): when it
opens again they read again what they show, so no change made meanwhile is missed; and a
row whose fetch failed is fetched again."""

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
LIVE = re.compile(r"\blive on\b")


def _call(ui_server: DemoServer, role: str, method: str, path: str,
          body: Any = None) -> dict[str, Any]:
    with httpx.Client(base_url=ui_server.url, timeout=10, headers={
            "Authorization": f"Bearer {ui_server.tokens[role]}",
            "Idempotency-Key": uuid.uuid4().hex}) as client:
        response = client.request(method, path, json=body)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


def _staged(ui_server: DemoServer) -> str:
    made = _call(ui_server, "trader", "POST", "/api/v1/trading/orders", {
        "account_id": "ACME", "symbol": "MSFT", "side": "buy", "qty": 5, "limit_px": "420.00"})
    return str(made["order_id"])


def _accept(ui_server: DemoServer, order_id: str) -> None:
    _call(ui_server, "trader", "POST", f"/api/v1/trading/orders/{order_id}/accept")


def _retail_order(ui_server: DemoServer, customer: str) -> str:
    made = _call(ui_server, "customer_service", "POST", "/api/v1/commerce/orders", {
        "channel": "web", "customer": {"name": customer},
        "ship_to": {"line1": "1 Lake St", "city": "Minneapolis", "postal_code": "55401",
                    "country": "US"}, "lines": [{"sku": "MUG", "qty": 1}]})
    return str(made["order_id"])


def _refuse_streams(route: Route) -> None:
    route.abort()  # as if the network were down: the browser keeps retrying


def test_pages_catch_up_on_what_changed_while_their_stream_was_down(
        as_role: Callable[[str], Page], ui_server: DemoServer) -> None:
    order_id = _staged(ui_server)
    blotter = as_role("trader")
    blotter.goto(ui_server.url + "/ui/blotter")
    orders = as_role("customer_service")
    for page in (blotter, orders):
        expect(page.locator("#live")).to_have_class(LIVE)
        page.evaluate("window.samePage = true")
        page.route("**/ui/stream", _refuse_streams)
    expect(blotter.locator(f"#t-{order_id}")).to_contain_text("staged")

    ui_server.server.stop()  # every stream ends
    ui_server.server.start()
    for page in (blotter, orders):
        expect(page.locator("#live")).not_to_have_class(LIVE)
    _accept(ui_server, order_id)  # nobody is listening: no page hears of these
    newcomer = _retail_order(ui_server, "Missed While Offline")

    for page in (blotter, orders):
        page.unroute("**/ui/stream")
        expect(page.locator("#live")).to_have_class(LIVE)
    expect(blotter.locator(f"#t-{order_id}")).to_contain_text("new")
    first = orders.locator("#orders tbody tr").first
    expect(first).to_contain_text(newcomer)
    expect(first).to_contain_text("Missed While Offline")
    for page in (blotter, orders):
        assert page.evaluate("window.samePage") is True, "the page was reloaded"


def test_a_blotter_row_whose_fetch_failed_is_fetched_with_the_next_change(
        as_role: Callable[[str], Page], ui_server: DemoServer) -> None:
    first, second = _staged(ui_server), _staged(ui_server)
    blotter = as_role("trader")
    blotter.goto(ui_server.url + "/ui/blotter")
    expect(blotter.locator("#live")).to_have_class(LIVE)
    expect(blotter.locator(f"#t-{second}")).to_contain_text("staged")

    blotter.route("**/ui/blotter/rows*", lambda route: route.abort())
    with blotter.expect_event("requestfailed"):
        _accept(ui_server, first)  # heard, but its rows cannot be fetched
    blotter.unroute("**/ui/blotter/rows*")
    _accept(ui_server, second)
    expect(blotter.locator(f"#t-{second}")).to_contain_text("new")
    expect(blotter.locator(f"#t-{first}")).to_contain_text("new")


def test_a_change_committed_before_the_pages_stream_opened_is_shown(
        as_role: Callable[[str], Page], ui_server: DemoServer) -> None:
    order_id = _staged(ui_server)
    blotter = as_role("trader")
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)  # the page's stream waits on the way

    blotter.route("**/ui/stream", hold)
    blotter.goto(ui_server.url + "/ui/blotter")
    expect(blotter.locator(f"#t-{order_id}")).to_contain_text("staged")
    blotter.evaluate("window.samePage = true")
    assert held, "the page asked for its stream"
    _accept(ui_server, order_id)  # committed after the page was made, before it listens
    for route in held:
        route.continue_()
    blotter.unroute("**/ui/stream")
    expect(blotter.locator("#live")).to_have_class(LIVE)
    expect(blotter.locator(f"#t-{order_id}")).to_contain_text("new")
    assert blotter.evaluate("window.samePage") is True, "the page was reloaded"
