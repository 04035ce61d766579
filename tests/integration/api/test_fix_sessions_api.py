"""Operators see and manage FIX sessions over the API: state, numbers, reset, logout; roles."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from openoms.adapters.sql.migrations import upgrade
from openoms.adapters.sql.store import SqlStore
from openoms.bootstrap import create_app
from openoms.models import registry
from openoms.settings import load_settings

from apiclient import Api
from fixclient import FixClient

ACME = "FIX.4.4:OPENOMS->ACME"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def fix_api(tmp_path: Path) -> Iterator[tuple[Api, int]]:
    db_url = f"sqlite:///{tmp_path / 'openoms.db'}"
    port = free_port()
    settings = load_settings(None, data_dir=tmp_path, database_url=db_url,
                             day_end_enabled=False, fix_port=port)
    upgrade(db_url)
    store = SqlStore(db_url, registry())
    tokens = {role: store.create_token(f"{role}-user", role) for role in ("admin", "viewer",
                                                                         "trader")}
    store.close()
    with TestClient(create_app(settings, seed_demo=True)) as client:
        yield Api(client, tokens), port


def _fix(api: Api, method: str, path: str, role: str) -> Any:
    return api.client.request(method, "/api/v1/fix" + path,
                              headers={"Authorization": f"Bearer {api.tokens[role]}"})


def test_fix_sessions_api_lists_the_demo_sessions_with_their_numbers(
        fix_api: tuple[Api, int]) -> None:
    api, _ = fix_api
    response = _fix(api, "GET", "/sessions", "viewer")
    assert response.status_code == 200
    sessions = {s["session_id"]: s for s in response.json()}
    assert set(sessions) == {ACME, "FIX.4.2:OPENOMS->GLOBEX"}
    assert sessions[ACME]["logged_on"] is False
    assert (sessions[ACME]["next_in"], sessions[ACME]["next_out"]) == (1, 1)


def test_fix_sessions_api_reset_is_refused_while_logged_on_and_works_after(
        fix_api: tuple[Api, int]) -> None:
    api, port = fix_api
    path = f"/sessions/{quote(ACME, safe='')}"

    async def log_on_and_order() -> FixClient:
        client = FixClient("127.0.0.1", port, sender="ACME", target="OPENOMS")
        await client.connect()
        await client.logon()
        client.send("D", [(11, "R1"), (55, "AAPL"), (54, "1"), (60, "20261123-15:00:00"),
                          (38, 10), (40, "2"), (44, "190.00")])
        await client.next(5)
        return client

    loop = asyncio.new_event_loop()  # the client's connection lives on this loop
    client = loop.run_until_complete(log_on_and_order())
    status = _fix(api, "GET", path, "viewer").json()
    assert status["logged_on"] is True and status["next_in"] == 3 and status["next_out"] == 3
    refused = _fix(api, "POST", path + "/reset", "admin")
    assert refused.status_code == 409 and "logged on" in refused.json()["detail"]
    assert _fix(api, "POST", path + "/logout", "trader").status_code == 403
    assert _fix(api, "POST", path + "/logout", "admin").json()["logged_on"] is False
    loop.run_until_complete(client.close())
    loop.close()
    reset = _fix(api, "POST", path + "/reset", "admin")
    assert reset.status_code == 200
    assert (reset.json()["next_in"], reset.json()["next_out"]) == (1, 1)
    assert reset.json()["epoch"] == status["epoch"] + 1


def test_fix_sessions_api_unknown_session_is_404_and_needs_a_token(
        fix_api: tuple[Api, int]) -> None:
    api, _ = fix_api
    assert _fix(api, "GET", "/sessions/FIX.4.4:NOPE", "viewer").status_code == 404
    assert api.client.get("/api/v1/fix/sessions").status_code == 401
