"""A direct ASGI path for order capture, the one endpoint that carries the load.

FastAPI's routing, middleware and dependency layers cost about as much per request as the
engine's whole work on an order (see docs/benchmarks.md). This wrapper sends
``POST /api/v1/trading/orders`` straight to the same endpoint function FastAPI would call —
same authentication, validation, engine call and problem+json errors — and everything else,
including the lifespan and the OpenAPI description of that endpoint, to FastAPI.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from openoms.api.problems import as_problem

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Endpoint = Callable[[Request], Awaitable[Response]]


class FastPath:
    """An ASGI app: one (method, path) served directly, the rest by the FastAPI app."""

    def __init__(self, app: FastAPI, method: str, path: str, endpoint: Endpoint) -> None:
        self.app = app
        self._route = (method, path)
        self._endpoint = endpoint

    @property
    def state(self) -> Any:
        return self.app.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"], scope["path"]) != self._route:
            await self.app(scope, receive, send)  # type: ignore[arg-type]
            return
        scope["app"] = self.app
        request = Request(scope, receive)
        try:
            response = await self._endpoint(request)
        except Exception as exc:  # the same mapping as the app's exception handlers
            response = as_problem(exc, scope["path"])
        await response(scope, receive, send)  # type: ignore[arg-type]
