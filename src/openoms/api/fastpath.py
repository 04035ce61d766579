"""A direct ASGI path for the few endpoints that carry the load (order capture).

FastAPI's routing, middleware and dependency layers cost about as much per request as the
engine's whole work on an order (see docs/benchmarks.md). This wrapper sends each route of a
small table (``POST /api/v1/trading/orders``, ``POST /api/v1/commerce/orders``) straight to an
endpoint function doing what FastAPI would — same authentication, validation, engine call and
problem+json errors — and everything else, including the lifespan and the OpenAPI description
of those endpoints, to FastAPI.

The body of a fast request is read once and replayed to whoever answers it. An endpoint that
meets a request it does not take as it stands (a refused token, an invalid body...) raises
``Defer``: the request then goes to FastAPI, body and all, so every refusal is FastAPI's own
answer, not a copy of it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from openoms.api.problems import as_problem, problem

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Endpoint = Callable[[Request], Awaitable[Response]]
Route = tuple[str, str]  # (method, path)


class Defer(Exception):  # noqa: N818 - not an error: "let FastAPI answer this one"
    """Raised by a fast endpoint: FastAPI's route answers this request instead."""


class FastPath:
    """An ASGI app: a few (method, path) routes served directly, the rest by the FastAPI app.

    ``FastPath(app, routes={(method, path): endpoint, ...})``.
    """

    def __init__(self, app: FastAPI, *, routes: Mapping[Route, Endpoint]) -> None:
        self.app = app
        self._routes: dict[Route, Endpoint] = dict(routes)

    @property
    def state(self) -> Any:
        return self.app.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self._routes.get((scope["method"], scope["path"])) \
            if scope["type"] == "http" else None
        if endpoint is None:
            await self.app(scope, receive, send)  # type: ignore[arg-type]
            return
        scope["app"] = self.app
        try:
            body = await _read_body(receive)
        except _TooLarge:
            too_large = problem(413, "Request body too large",
                                f"the request body is larger than {MAX_BODY // 1024} KiB",
                                code="body_too_large")
            await too_large(scope, receive, send)  # type: ignore[arg-type]
            return
        if body is None:
            return  # the client went away before it sent the whole request
        request = Request(scope, _replay(body, receive))
        try:
            response = await endpoint(request)
        except Defer:
            await self.app(scope, _replay(body, receive), send)  # type: ignore[arg-type]
            return
        except Exception as exc:  # the same mapping as the app's exception handlers
            response = as_problem(exc, scope["path"])
        await response(scope, receive, send)  # type: ignore[arg-type]


# An order of the most lines the domain takes is far smaller; a larger body is refused as it
# arrives instead of being held in memory whole.
MAX_BODY = 1024 * 1024


class _TooLarge(Exception):
    pass


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None if the client went away first.

    Raises:
        _TooLarge: the body passed MAX_BODY.
    """
    chunks = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands out body once, then listens to the connection again."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
