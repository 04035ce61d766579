"""Each role reaches its own pages and data and nothing else, in a real browser: a page of
another role's answers 403 with a plain "Not allowed" page, the menu offers only what the role
may open, and the API refuses the session the same way."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from webui import DemoServer

pytestmark = pytest.mark.slow

PAGES = ("/ui/blotter", "/ui/ticket", "/ui/retail/orders", "/ui/retail/orders/new",
         "/ui/inventory", "/ui/store", "/ui/vendor", "/ui/admin")
# Which pages each role opens (the rest answer 403), as the issue describes the roles.
REACH = {
    "admin": set(PAGES),
    "trader": {"/ui/blotter", "/ui/ticket"},
    "sales": {"/ui/blotter", "/ui/ticket"},
    "viewer": {"/ui/blotter", "/ui/retail/orders", "/ui/inventory"},
    "customer_service": {"/ui/retail/orders", "/ui/retail/orders/new", "/ui/inventory"},
    "store_associate": {"/ui/inventory", "/ui/store"},
    "vendor": {"/ui/vendor"},
}


def _status(page: Page, url: str) -> int:
    response = page.goto(url)
    assert response is not None
    return response.status


@pytest.mark.parametrize("role", sorted(REACH))
def test_a_role_opens_its_pages_and_is_refused_the_others(
        role: str, as_role: object, ui_server: DemoServer) -> None:
    page = as_role(role)  # type: ignore[operator]
    opened = set()
    for path in PAGES:
        status = _status(page, ui_server.url + path)
        assert status in (200, 403), (path, status)
        if status == 200:
            opened.add(path)
        else:
            expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
            expect(page.get_by_role("alert").filter(has_text=f"({role})")).to_be_visible()
            assert "Traceback" not in page.content()
    assert opened == REACH[role]
    # The menu offers exactly the sections the role may open.
    page.goto(ui_server.url + "/ui")
    menu = {link.get_attribute("href")
            for link in page.get_by_role("navigation", name="Main").get_by_role("link").all()}
    assert menu == {p for p in REACH[role] if p != "/ui/retail/orders/new"}


def test_a_session_reaches_no_other_roles_data_through_the_api(
        as_role: object, ui_server: DemoServer) -> None:
    store = as_role("store_associate")  # type: ignore[operator]
    statuses = store.evaluate("""async () => {
        const get = async (path) => (await fetch(path, {credentials: "same-origin"})).status;
        return [await get("/api/v1/trading/orders"), await get("/api/v1/commerce/orders"),
                await get("/api/v1/commerce/fulfilments?location_id=STP"),
                await get("/api/v1/commerce/fulfilments?location_id=MPLS")];
    }""")
    assert statuses == [403, 403, 403, 200]
    vendor = as_role("vendor")  # type: ignore[operator]
    refused = vendor.evaluate("""async () => {
        const r = await fetch("/api/v1/commerce/inventory", {credentials: "same-origin"});
        return r.status;
    }""")
    assert refused == 403


# Fragment routes the pages fetch for live updates, and a role of those that may not open
# them: each answers 403 (never the data, never a stack trace) before it looks the id up.
FRAGMENTS = [
    ("trader", "/ui/vendor/rows?order_id=R1"),
    ("customer_service", "/ui/vendor/po/R1-1"),
    ("store_associate", "/ui/retail/orders/R1/row"),
    ("vendor", "/ui/retail/orders/R1/live"),
    ("trader", "/ui/inventory/rows/TEE/MPLS"),
    ("store_associate", "/ui/inventory/rows/TEE/STP"),  # a store, but not its own
    ("customer_service", "/ui/blotter/rows?ids=T1"),
    ("vendor", "/ui/store/MPLS/cards?order_id=R1"),
]


def test_another_roles_fragment_routes_are_refused(as_role: object,
                                                   ui_server: DemoServer) -> None:
    pages: dict[str, Page] = {}
    for role, path in FRAGMENTS:
        page = pages.get(role) or pages.setdefault(role, as_role(role))  # type: ignore[operator]
        status = _status(page, ui_server.url + path)
        assert status == 403, (role, path, status)
        expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
        assert "Traceback" not in page.content()
