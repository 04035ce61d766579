"""What a signed-in browser does is recorded as done through the UI, by the user's name;
the same action with a token is recorded as done through the API."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from apiclient import Api


def _sign_in(api: Api, data_dir: Path, role: str) -> str:
    """Sign the test client in as the demo user of role; return the session's CSRF token."""
    passwords = {line.split("\t")[0]: line.split("\t")[2]
                 for line in (data_dir / "demo-users.txt").read_text().splitlines()}
    form = api.client.get("/login").text
    token = re.search(r'name="login_token" value="([^"]+)"', form)
    assert token
    signed = api.client.post("/login", data={"username": role, "password": passwords[role],
                                             "login_token": token.group(1)},
                             follow_redirects=False)
    assert signed.status_code == 303, signed.text
    page = api.client.get("/ui/blotter").text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert csrf
    return csrf.group(1)


def test_a_browser_action_is_audited_as_the_ui_and_a_token_one_as_the_api(
        api: Api, tmp_path: Path) -> None:
    order: dict[str, Any] = {"account_id": "ACME", "symbol": "AAPL", "side": "buy",
                             "qty": "100", "ord_type": "limit", "limit_px": "190.00",
                             "source": "phone"}
    by_token = api.post("/orders", order).json()["order_id"]
    by_browser = api.post("/orders", order).json()["order_id"]
    assert api.post(f"/orders/{by_token}/accept").status_code == 200
    csrf = _sign_in(api, tmp_path, "trader")
    accepted = api.client.post(f"/api/v1/trading/orders/{by_browser}/accept",
                               headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 200, accepted.text

    def accepted_by(order_id: str) -> tuple[str, str]:
        history = api.get(f"/orders/{order_id}/history").json()["history"]
        event = next(e for e in history if e["event"] == "TicketAccepted")
        return event["actor"], event["source"]

    assert accepted_by(by_token) == ("trader-user", "api")
    assert accepted_by(by_browser) == ("trader", "ui")
