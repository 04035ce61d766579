"""A TestClient with one bearer token per role, for the API tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient


class Api:
    """A TestClient with one bearer token per role."""

    def __init__(self, client: TestClient, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens

    def call(self, method: str, path: str, role: str = "trader", **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        if role:
            headers["Authorization"] = f"Bearer {self.tokens[role]}"
        return self.client.request(method, "/api/v1/trading" + path, headers=headers, **kwargs)

    def post(self, path: str, body: Any = None, role: str = "trader") -> Any:
        return self.call("POST", path, role, json=body if body is not None else {})

    def get(self, path: str, role: str = "trader", **kwargs: Any) -> Any:
        return self.call("GET", path, role, **kwargs)

    def order(self, order_id: str) -> dict[str, Any]:
        response = self.get(f"/orders/{order_id}")
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def wait_for(self, order_id: str, check: Callable[[dict[str, Any]], bool],
                 timeout: float = 5.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            order = self.order(order_id)
            if check(order) or time.monotonic() > deadline:
                return order
            time.sleep(0.02)
