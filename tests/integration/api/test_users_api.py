"""An admin manages web UI users over the API: create, list, disable, set a password; a created
user signs in, a disabled one cannot; bad fields are refused naming the field; only admins."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

from apiclient import Api

GOOD = "correct-horse-battery"


def _users(api: Api, method: str, path: str = "", role: str = "admin", **kwargs: Any) -> Any:
    return api.client.request(method, "/api/v1/users" + path,
                              headers={"Authorization": f"Bearer {api.tokens[role]}"}, **kwargs)


def _sign_in(client: TestClient, username: str, password: str) -> int:
    form = client.get("/login").text
    token = re.search(r'name="login_token" value="([^"]+)"', form)
    assert token
    response = client.post("/login", follow_redirects=False, data={
        "username": username, "password": password, "login_token": token.group(1)})
    return int(response.status_code)


def _field_errors(response: Any) -> dict[str, str]:
    assert response.headers["content-type"].startswith("application/problem+json")
    return {e["field"]: e["reason"] for e in response.json().get("errors", [])}


def test_users_api_admin_creates_lists_and_disables_a_user(api: Api) -> None:
    created = _users(api, "POST", json={"username": "mpls-kim", "role": "store_associate",
                                        "scope": ["location:MPLS"], "password": GOOD})
    assert created.status_code == 201, created.text
    assert created.json()["scope"] == ["location:MPLS"]
    assert "password" not in created.text and "hash" not in created.text

    listed = {u["username"]: u for u in _users(api, "GET").json()["users"]}
    assert listed["mpls-kim"]["role"] == "store_associate"
    assert listed["mpls-kim"]["disabled"] is False

    assert _users(api, "POST", json={"username": "MPLS-KIM", "role": "viewer",
                                     "password": GOOD}).status_code == 409

    disabled = _users(api, "POST", "/mpls-kim/disable")
    assert disabled.status_code == 200 and disabled.json()["disabled"] is True
    listed = {u["username"]: u for u in _users(api, "GET").json()["users"]}
    assert listed["mpls-kim"]["disabled"] is True
    assert _users(api, "POST", "/nobody/disable").status_code == 404


def test_users_api_created_user_signs_in_until_disabled(api: Api) -> None:
    assert _users(api, "POST", json={"username": "ann", "role": "viewer",
                                     "password": GOOD}).status_code == 201
    client = api.client
    assert _sign_in(client, "ann", GOOD) == 303
    assert client.get("/api/v1/trading/accounts").status_code == 200  # the session works
    client.cookies.clear()

    assert _users(api, "POST", "/ann/password",
                  json={"password": "another-long-one"}).status_code == 200
    assert _sign_in(client, "ann", GOOD) == 401
    assert _sign_in(client, "ann", "another-long-one") == 303
    session = client.cookies.get("openoms_session")
    assert session
    client.cookies.clear()

    assert _users(api, "POST", "/ann/disable").status_code == 200
    assert _sign_in(client, "ann", "another-long-one") == 401
    # The session opened before is over too, at once.
    client.cookies.clear()
    client.cookies.set("openoms_session", session)
    assert client.get("/api/v1/trading/accounts").status_code == 401


def test_users_api_bad_fields_are_refused_naming_the_field(api: Api) -> None:
    cases = [
        ({"username": "x1", "role": "janitor", "password": GOOD}, "role"),
        ({"username": "x2", "role": "store_associate", "password": GOOD}, "scope"),
        ({"username": "x3", "role": "store_associate", "scope": ["vendor:ACME"],
          "password": GOOD}, "scope"),
        ({"username": "x4", "role": "trader", "scope": ["location:MPLS"],
          "password": GOOD}, "scope"),
        ({"username": "x5", "role": "trader", "password": "short"}, "password"),
        ({"username": "bad name", "role": "trader", "password": GOOD}, "username"),
    ]
    for body, field in cases:
        response = _users(api, "POST", json=body)
        assert response.status_code == 422, (body, response.text)
        assert field in _field_errors(response), (body, response.text)
    names = {u["username"] for u in _users(api, "GET").json()["users"]}
    assert not names & {"x1", "x2", "x3", "x4", "x5", "bad name"}

    short = _users(api, "POST", "/admin/password", json={"password": "short"})
    assert short.status_code == 422 and "password" in _field_errors(short)


def test_users_api_is_for_admins_only(api: Api) -> None:
    for role in ("trader", "viewer", "sales"):
        assert _users(api, "GET", role=role).status_code == 403
        refused = _users(api, "POST", role=role, json={"username": "sneak", "role": "admin",
                                                       "password": GOOD})
        assert refused.status_code == 403
        assert _users(api, "POST", "/admin/disable", role=role).status_code == 403
    names = {u["username"] for u in _users(api, "GET").json()["users"]}
    assert "sneak" not in names
