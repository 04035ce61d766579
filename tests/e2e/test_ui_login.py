"""Signing in and out of the web UI in a real browser; sessions, CSRF and the sign-in throttle
checked over HTTP."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, expect

from webui import DemoServer, sign_in

pytestmark = pytest.mark.slow


def test_wrong_password_is_refused_next_to_the_form(browser: Browser,
                                                     ui_server: DemoServer) -> None:
    page = browser.new_page()
    try:
        page.goto(ui_server.url + "/ui/ticket")  # not the trader's home, the blotter
        expect(page).to_have_url(re.compile(r"/login\?next="))  # pages need a session
        page.get_by_label("Username").fill("trader")
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert").filter(has_text="Wrong username or password")) \
            .to_be_visible()
        expect(page.get_by_label("Username")).to_have_value("trader")
        # The right password, at the second try, still lands where the user was going.
        page.get_by_label("Password").fill(ui_server.passwords["trader"])
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(ui_server.url + "/ui/ticket")
    finally:
        page.context.close()


def test_each_role_lands_on_its_home_and_signs_out(browser: Browser,
                                                   ui_server: DemoServer) -> None:
    homes = {"trader": "/ui/blotter", "customer_service": "/ui/retail/orders",
             "store_associate": "/ui/store/MPLS", "vendor": "/ui/vendor"}  # its one store
    for role, home in homes.items():
        context = browser.new_context()
        page = context.new_page()
        try:
            sign_in(page, ui_server.url, role, ui_server.passwords[role])
            expect(page).to_have_url(ui_server.url + home)
            cookie = next(c for c in context.cookies() if c["name"] == "openoms_session")
            assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
            page.get_by_role("button", name="Sign out").click()
            expect(page).to_have_url(ui_server.url + "/login")
            # The old cookie is dead on the server, not only forgotten by the browser.
            stale = httpx.get(ui_server.url + "/api/v1/commerce/orders",
                              cookies={"openoms_session": cookie["value"]})
            assert stale.status_code == 401
        finally:
            context.close()


def _session(client: httpx.Client, ui_server: DemoServer, role: str) -> str:
    form = client.get("/login").text
    token = re.search(r'name="login_token" value="([^"]+)"', form)
    assert token
    signed = client.post("/login", data={"username": role, "login_token": token.group(1),
                                         "password": ui_server.passwords[role]})
    assert signed.status_code == 303
    page = client.get("/ui/blotter" if role == "trader" else "/ui/retail/orders").text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert csrf
    return csrf.group(1)


def test_a_session_changes_nothing_without_its_csrf_token(ui_server: DemoServer) -> None:
    with httpx.Client(base_url=ui_server.url) as client:
        _post_without_csrf(client, ui_server)


def _post_without_csrf(client: httpx.Client, ui_server: DemoServer) -> None:
    csrf = _session(client, ui_server, "trader")
    order = {"account_id": "ACME", "symbol": "AAPL", "side": "buy", "qty": 100,
             "ord_type": "limit", "limit_px": "190.00", "source": "phone"}
    before = client.get("/api/v1/trading/orders").json()["total"]
    missing = client.post("/api/v1/trading/orders", json=order)
    wrong = client.post("/api/v1/trading/orders", json=order, headers={"X-CSRF-Token": "x"})
    assert missing.status_code == wrong.status_code == 403
    assert "CSRF" in missing.json()["detail"]
    assert client.get("/api/v1/trading/orders").json()["total"] == before
    made = client.post("/api/v1/trading/orders", json=order, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "staged"


def test_sign_in_needs_the_forms_own_token(ui_server: DemoServer) -> None:
    # Another site posting a sign-in form cannot carry the token set with the form.
    forged = httpx.post(ui_server.url + "/login", data={
        "username": "trader", "password": ui_server.passwords["trader"], "login_token": "x"})
    assert forged.status_code == 403
    assert "openoms_session" not in forged.cookies


def test_repeated_wrong_passwords_pause_that_name(ui_server: DemoServer) -> None:
    statuses = []
    with httpx.Client(base_url=ui_server.url) as client:
        for _ in range(6):
            token = re.search(r'name="login_token" value="([^"]+)"', client.get("/login").text)
            assert token
            statuses.append(client.post("/login", data={
                "username": "sales", "password": "wrong-password",
                "login_token": token.group(1)}).status_code)
    assert statuses == [401] * 5 + [429]


def test_signing_out_stops_the_live_updates_of_the_sessions_other_tabs(
        browser: Browser, ui_server: DemoServer) -> None:
    context = browser.new_context()
    try:
        watching = context.new_page()
        sign_in(watching, ui_server.url, "trader", ui_server.passwords["trader"])
        expect(watching.locator("#live")).to_have_class(re.compile(r"\bon\b"))
        leaving = context.new_page()
        leaving.goto(ui_server.url + "/ui/ticket")
        leaving.get_by_role("button", name="Sign out").click()
        expect(leaving).to_have_url(ui_server.url + "/login")

        notice = watching.get_by_role("alert").filter(has_text="Your session has ended")
        expect(notice).to_be_visible()
        expect(watching.locator("#live")).not_to_have_class(re.compile(r"\bon\b"))
        notice.get_by_role("link", name="Sign in again").click()
        expect(watching).to_have_url(re.compile(r"/login\?next=%2Fui%2Fblotter$"))
    finally:
        context.close()


def test_sign_in_never_sends_the_browser_off_site(ui_server: DemoServer) -> None:
    with httpx.Client(base_url=ui_server.url) as client:
        def post(password: str) -> httpx.Response:
            token = re.search(r'name="login_token" value="([^"]+)"',
                              client.get("/login?next=//evil.example/").text)
            assert token
            return client.post("/login", data={
                "username": "viewer", "password": password, "login_token": token.group(1),
                "next": "//evil.example/"})

        refused = post("not-the-password")
        assert refused.status_code == 401
        assert 'name="next" value=""' in refused.text  # not carried to the next try
        signed = post(ui_server.passwords["viewer"])
        assert signed.status_code == 303
        assert signed.headers["location"] == "/ui/blotter"
