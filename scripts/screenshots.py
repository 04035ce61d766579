"""Take the README's screenshots of the web UI: docs/screenshots/*.png.

Starts ``openoms serve --demo`` on a fresh SQLite database in a temporary directory, puts some
activity through the REST API (desk orders, a fill, retail orders for the stores and a
drop-ship vendor), then signs in as each role in Debian's Chromium (Playwright) and captures
its main screens.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
NEAR_MPLS = {"name": "Ann Lee", "line1": "100 Hennepin Ave", "city": "Minneapolis",
             "region": "MN", "postal_code": "55401", "country": "US",
             "latitude": "44.9800", "longitude": "-93.2700"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "OPENOMS_DATA_DIR": str(data_dir), "OPENOMS_FIX_PORT": "0",
           "OPENOMS_DAY_END_ENABLED": "false"}
    openoms = str(Path(sys.executable).parent / "openoms")
    log = open(data_dir / "server.log", "wb")  # noqa: SIM115 - the process keeps it
    process = subprocess.Popen([openoms, "serve", "--demo", "--port", str(port)], env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit((data_dir / "server.log").read_text()[-3000:])


def secrets_of(data_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    tokens: dict[str, str] = {}
    for name in ("demo-tokens.txt", "demo-retail-tokens.txt"):
        for line in (data_dir / name).read_text().splitlines():
            role, token = line.split("\t")[:2]
            tokens[role] = token
    passwords = {line.split("\t")[0]: line.split("\t")[2]
                 for line in (data_dir / "demo-users.txt").read_text().splitlines()}
    return tokens, passwords


def activity(url: str, tokens: dict[str, str]) -> None:
    """A morning's worth of orders, through the API like any client."""

    def call(role: str, path: str, body: dict[str, Any] | None = None,
             headers: dict[str, str] | None = None) -> Any:
        response = client.post(path, json=body or {}, headers={
            "Authorization": f"Bearer {tokens[role]}", **(headers or {})})
        response.raise_for_status()
        return response.json()

    with httpx.Client(base_url=url, timeout=30) as client:
        for account, symbol, side, qty, price in (
                ("ACME", "AAPL", "buy", 500, "190.05"), ("GLOBEX", "MSFT", "sell", 300, "419.95"),
                ("INITECH", "IBM", "buy", 1000, "219.50"), ("ACME", "TSLA", "buy", 200, "249.00"),
                ("GLOBEX", "SPY", "sell", 800, "560.10")):
            ticket = call("trader", "/api/v1/trading/orders", {
                "account_id": account, "symbol": symbol, "side": side, "qty": qty,
                "ord_type": "limit", "limit_px": price, "source": "phone"})
            if symbol in ("AAPL", "IBM", "SPY"):
                order_id = ticket["order_id"]
                call("trader", f"/api/v1/trading/orders/{order_id}/accept")
                call("trader", f"/api/v1/trading/orders/{order_id}/children",
                     {"venue_id": "SIM", "qty": qty // 2 + 100, "ord_type": "limit",
                      "limit_px": price})
        for lines, method in (([("TEE", 2), ("MUG", 1)], "ship"), ([("KAYAK", 1)], "ship"),
                              ([("HOODIE", 1)], "pickup"), ([("TEE", 1), ("TENT", 1)], "ship")):
            body: dict[str, Any] = {
                "channel": "phone", "customer": {"name": "Ann Lee", "email": "ann@example.com"},
                "shipping_method": method,
                "lines": [{"sku": s, "qty": q, "unit_price": "24.00"} for s, q in lines]}
            if method == "pickup":
                body["pickup_location_id"] = "STP"
            else:
                body["ship_to"] = NEAR_MPLS
            call("customer_service", "/api/v1/commerce/orders", body,
                 {"Idempotency-Key": uuid.uuid4().hex})


SCREENS = [
    # (role, path, file)
    ("trader", "/ui/blotter", "blotter.png"),
    ("trader", "/ui/ticket", "order-ticket.png"),
    ("trader", "/ui/orders/T1", "order-detail.png"),
    ("customer_service", "/ui/retail/orders", "retail-orders.png"),
    ("customer_service", "/ui/retail/orders/R1", "retail-order-detail.png"),
    ("customer_service", "/ui/retail/orders/new", "retail-order-entry.png"),
    ("store_associate", "/ui/store/MPLS", "store.png"),
    ("vendor", "/ui/vendor", "vendor-portal.png"),
    ("admin", "/ui/inventory", "inventory.png"),
    ("admin", "/ui/admin/retail", "admin.png"),
]


def fill_ticket(page: Page) -> None:
    """A ticket half typed, one price off the tick: the check as you type shows."""
    page.get_by_label("Account").select_option("ACME")
    page.get_by_label("Instrument").fill("AAPL")
    page.get_by_label("Quantity").fill("500")
    page.get_by_label("Limit price").fill("190.055")
    page.get_by_label("Quantity").focus()


PREPARE = {"order-ticket.png": fill_ticket}


def sign_in(page: Page, url: str, role: str, password: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Username").fill(role)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda target: "/login" not in target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="openoms-shots-") as tmp:
        process, url = start(Path(tmp))
        try:
            tokens, passwords = secrets_of(Path(tmp))
            activity(url, tokens)
            time.sleep(1)  # the simulated exchange's fills
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM)
                contexts: dict[str, Page] = {}
                for role, path, name in SCREENS:
                    page = contexts.get(role)
                    if page is None:
                        context = browser.new_context(viewport={"width": 1360, "height": 820},
                                                      device_scale_factor=1)
                        page = contexts[role] = context.new_page()
                        sign_in(page, url, role, passwords[role])
                    response = page.goto(url + path)
                    page.wait_for_load_state("load")
                    page.wait_for_timeout(600)  # live stream connected, fragments in
                    if name in PREPARE:
                        PREPARE[name](page)
                        page.wait_for_timeout(300)
                    status = response.status if response else 0
                    page.screenshot(path=str(args.out / name), full_page=False)
                    print(f"{name:28} {role:17} {path:28} HTTP {status}")
                browser.close()
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
