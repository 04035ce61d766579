"""The admin pages in a real browser: users (create, set a password, disable), desk reference
data (define an instrument, change an account), FIX sessions, and who may open them."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from webui import DemoServer, sign_in

pytestmark = pytest.mark.slow


def _usernames(ui_server: DemoServer) -> set[str]:
    with httpx.Client(base_url=ui_server.url) as client:
        response = client.get("/api/v1/users",
                              headers={"Authorization": f"Bearer {ui_server.tokens['admin']}"})
    assert response.status_code == 200, response.text
    return {u["username"] for u in response.json()["users"]}


def test_admin_creates_a_store_associate_who_signs_in_to_the_store(
        as_role: Callable[[str], Page], browser: Browser, ui_server: DemoServer) -> None:
    page = as_role("admin")
    page.goto(ui_server.url + "/ui/admin/users")
    form = page.locator("#user-form")
    form.get_by_label("Username").fill("mpls-pat")
    form.get_by_label("Role").select_option("store_associate")
    form.get_by_label("Scope").fill("location:MPLS")
    form.get_by_label("Password").fill("short")
    form.get_by_role("button", name="Create user").click()

    expect(page.locator("#user-password-error")).to_contain_text("at least 10 characters")
    expect(form.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    assert "mpls-pat" not in _usernames(ui_server)

    form.get_by_label("Password").fill("pat-the-picker-42")
    form.get_by_role("button", name="Create user").click()
    row = page.locator("#users-table tr", has_text="mpls-pat")
    expect(row).to_contain_text("location:MPLS")
    expect(row).to_contain_text("store associate")

    context = browser.new_context()
    try:
        associate = context.new_page()
        sign_in(associate, ui_server.url, "mpls-pat", "pat-the-picker-42")
        expect(associate).to_have_url(re.compile(re.escape(ui_server.url + "/ui/store")))
        expect(associate.get_by_text("mpls-pat")).to_be_visible()
    finally:
        context.close()


def test_admin_defines_an_instrument_after_fixing_its_tick_size(
        as_role: Callable[[str], Page], ui_server: DemoServer) -> None:
    page = as_role("admin")
    page.goto(ui_server.url + "/ui/admin/desk")
    form = page.locator("#instrument-form")
    form.get_by_label("Symbol").fill("NVDA")
    form.get_by_label("Name", exact=True).fill("NVIDIA Corp.")
    form.get_by_label("Tick size").fill("0")
    form.get_by_label("Reference price").fill("120")
    form.get_by_role("button", name="Save instrument").click()

    expect(page.locator("#instrument-tick_size-error")).to_contain_text("greater than 0")
    expect(page.locator("#instruments-table")).not_to_contain_text("NVDA")

    form.get_by_label("Tick size").fill("0.05")
    form.get_by_role("button", name="Save instrument").click()
    row = page.locator("#instruments-table tr", has_text="NVDA")
    expect(row).to_contain_text("NVIDIA Corp.")
    expect(row).to_contain_text("0.05")


def test_fix_sessions_page_lists_the_demo_sessions_with_their_state(
        as_role: Callable[[str], Page], ui_server: DemoServer) -> None:
    page = as_role("admin")
    page.goto(ui_server.url + "/ui/admin/fix")
    for session_id in ("FIX.4.4:OPENOMS->ACME", "FIX.4.2:OPENOMS->GLOBEX"):
        row = page.locator("#fix-sessions tr", has_text=session_id)
        expect(row).to_contain_text("disconnected")
        expect(row.get_by_role("button", name="Reset numbers")).to_be_visible()
        expect(row.get_by_role("button", name="Log out")).to_be_hidden()


def test_admin_pages_are_refused_to_a_trader(as_role: Callable[[str], Page],
                                             ui_server: DemoServer) -> None:
    page = as_role("trader")
    expect(page.get_by_role("link", name="Admin")).to_have_count(0)
    for path in ("/ui/admin/users", "/ui/admin", "/ui/admin/desk", "/ui/admin/fix"):
        response = page.goto(ui_server.url + path)
        assert response is not None and response.status == 403, path
        expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
        expect(page.get_by_role("alert").filter(has_text=re.compile("trader"))).to_be_visible()


def _sign_in_fails(browser: Browser, ui_server: DemoServer, username: str,
                   password: str) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(ui_server.url + "/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")
    finally:
        context.close()


def test_admin_sets_a_password_then_disables_the_user_who_can_no_longer_sign_in(
        as_role: Callable[[str], Page], browser: Browser, ui_server: DemoServer) -> None:
    with httpx.Client(base_url=ui_server.url) as client:
        made = client.post("/api/v1/users", json={
            "username": "temp-tom", "role": "viewer", "password": "first-password-1"},
            headers={"Authorization": f"Bearer {ui_server.tokens['admin']}"})
    assert made.status_code == 201, made.text
    their = browser.new_context()
    try:
        tom = their.new_page()
        sign_in(tom, ui_server.url, "temp-tom", "first-password-1")
        page = as_role("admin")
        page.goto(ui_server.url + "/ui/admin/users")
        row = page.locator("#users-table tr", has_text="temp-tom")
        row.get_by_text("Set password").click()
        row.get_by_label("New password for temp-tom").fill("second-password-2")
        row.get_by_role("button", name="Set", exact=True).click()
        expect(page.get_by_text("Password set for temp-tom")).to_be_visible()
        tom.goto(ui_server.url + "/ui/blotter")  # the change ended their session
        expect(tom).to_have_url(re.compile(r"/login\?next="))
    finally:
        their.close()
    _sign_in_fails(browser, ui_server, "temp-tom", "first-password-1")

    page.once("dialog", lambda dialog: dialog.accept())  # "Disable temp-tom?"
    row.get_by_role("button", name="Disable").click()
    expect(page.locator("#users-table tr", has_text="temp-tom")).to_contain_text("disabled")
    _sign_in_fails(browser, ui_server, "temp-tom", "second-password-2")


def test_admin_changes_an_accounts_limit(as_role: Callable[[str], Page],
                                        ui_server: DemoServer) -> None:
    page = as_role("admin")
    page.goto(ui_server.url + "/ui/admin/desk")
    page.get_by_role("button", name="Edit INITECH").click()
    form = page.locator("#account-form")
    expect(form.get_by_label("Account ID")).to_have_value("INITECH")
    expect(form.get_by_label("Name")).to_have_value("Initech Pension Fund")
    form.get_by_label("Max order qty").fill("1234")
    form.get_by_role("button", name="Save account").click()
    row = page.locator("#accounts-table tr", has_text="INITECH")
    expect(row.locator("td").nth(2)).to_have_text("1234")
    expect(row).to_contain_text("TSLA")  # what was not changed stays
    with httpx.Client(base_url=ui_server.url) as client:
        accounts = client.get("/api/v1/trading/accounts", headers={
            "Authorization": f"Bearer {ui_server.tokens['admin']}"}).json()
    [initech] = [a for a in accounts["accounts"] if a["account_id"] == "INITECH"]
    assert initech["max_order_qty"] == "1234"
