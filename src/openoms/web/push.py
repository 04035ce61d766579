"""Server push: every committed change, as a small server-sent event, to the pages that may
see it.

An event names what changed, never the data: ``{"area": "trading", "id": "T-00000042",
"event": "ChildFilled", "stream": "order:T-00000042", "position": 812}``. ``id`` is the key of
the thing that changed: a ticket's or a retail order's id, ``SKU@LOCATION`` for stock, a
location's or SKU's id for retail reference data. The page fetches what it shows through the
same guarded routes as everything else, so a push cannot reveal more than the user may read. A store
associate or vendor is told only about orders with work at its own locations, and stock at
them. A client that falls behind gets one ``resync`` instead of an unbounded queue. A stream
lives no longer than its session: signing out ends it at once, and the session is checked
again at least every ``KEEPALIVE_SECONDS`` (a disabled user, a changed password, an expired
session); the page is told ``ended`` and stops listening.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from openoms.api import auth
from openoms.api.auth import Principal
from openoms.api.commerce_access import order_in_reach
from openoms.commerce.domain.events import OrderEvent, StockEvent
from openoms.commerce.domain.state import CommerceState
from openoms.core.events import Recorded

_log = logging.getLogger("openoms.web")
QUEUE_LIMIT = 1000
KEEPALIVE_SECONDS = 15.0


# Tells the page its session is over, so it stops listening instead of reconnecting.
ENDED: Final = "event: ended\ndata: {}\n\n"
_TICK: Final = object()  # no message came before the next session check


@dataclass(eq=False)
class Subscriber:
    who: Principal
    session: str = ""  # SHA-256 of the session cookie ('' when not a browser session)
    queue: asyncio.Queue[dict[str, Any] | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    behind: bool = False
    ended: bool = False  # its session ended: say so before closing


def _digest(session: str) -> str:
    return hashlib.sha256(session.encode()).hexdigest()


def _stop(sub: Subscriber) -> None:
    """Queue the end of sub's stream, dropping the oldest change if the queue is full."""
    while True:
        try:
            sub.queue.put_nowait(None)
            return
        except asyncio.QueueFull:
            sub.queue.get_nowait()


def describe(recorded: Recorded) -> dict[str, Any] | None:
    """What a page needs to know to refresh: the area, the stream, the event's name; None
    for retail reference data (locations, SKUs, rules, webhooks), which no page follows."""
    event = recorded.event
    if isinstance(event, StockEvent):
        area = "stock"
    elif isinstance(event, OrderEvent):
        area = "retail"
    elif type(event).__module__.startswith("openoms.commerce"):
        return None
    else:
        area = "trading"
    key = recorded.stream_id.partition(":")[2] or recorded.stream_id
    return {"area": area, "id": key, "event": type(event).__name__,
            "stream": recorded.stream_id, "position": recorded.position}


class Push:
    """Fans committed records out to the connected pages (an engine listener)."""

    def __init__(self, commerce: CommerceState,
                 position: Callable[[], int] | None = None) -> None:
        self._commerce = commerce
        # The journal position the committed state has reached: a stream starts by saying
        # it, so a page rendered before a commit it never heard of knows to re-read.
        self._position = position or (lambda: 0)
        self._subscribers: set[Subscriber] = set()

    def __call__(self, records: Sequence[Recorded]) -> None:
        if not self._subscribers:
            return
        seen: dict[tuple[str, str], dict[str, Any]] = {}
        for recorded in records:
            message = describe(recorded)
            if message is not None:
                seen[(message["area"], message["id"])] = message  # one per stream a commit
        for sub in list(self._subscribers):
            for message in seen.values():
                if sub.behind or not self.visible(sub.who, message):
                    continue
                try:
                    sub.queue.put_nowait(message)
                except asyncio.QueueFull:
                    sub.behind = True  # drained, then told to reload once

    def visible(self, who: Principal, message: dict[str, Any]) -> bool:
        """Whether who may hear of this change (the same reach as the API's reads)."""
        area, stream = message["area"], message["id"]
        if area == "trading":
            return who.can("read")
        if area == "stock":
            location = stream.rpartition("@")[2]
            return who.can(auth.INVENTORY_READ) and who.reaches(location)
        if who.reach is None:
            return who.can(auth.RETAIL_READ) or who.can(auth.FULFILMENT_READ) \
                or who.can(auth.PO_READ)
        return order_in_reach(self._commerce, who, self._commerce.orders.get(stream))

    async def stream(self, who: Principal, *, session: str = "",
                     alive: Callable[[], Awaitable[bool]] | None = None) -> AsyncIterator[str]:
        """Server-sent events for one page until it disconnects, its session ends or the
        server stops.

        session names the browser session (its cookie) so that signing out ends its streams
        at once; alive is asked at least every KEEPALIVE_SECONDS whether the session still
        stands (disabled users, changed passwords and expired sessions end the stream then).
        """
        sub = Subscriber(who, session=_digest(session) if session else "")
        self._subscribers.add(sub)
        # Read in the same step as the subscription: every later commit reaches the queue.
        hello = f"event: hello\ndata: {json.dumps({'position': self._position()})}\n\n"
        loop = asyncio.get_running_loop()
        try:
            yield "retry: 2000\n\n" + hello
            check_at = loop.time() + KEEPALIVE_SECONDS
            while True:
                message: object = _TICK
                wait = check_at - loop.time()
                if wait > 0:
                    with contextlib.suppress(TimeoutError):
                        message = await asyncio.wait_for(sub.queue.get(), wait)
                if message is _TICK or loop.time() >= check_at:
                    # Checked on a clock, not only when idle: a busy stream must end too.
                    check_at = loop.time() + KEEPALIVE_SECONDS
                    if alive is not None and not await alive():
                        yield ENDED
                        return
                    if message is _TICK:
                        yield ": keep-alive\n\n"
                        continue
                if message is None:
                    if sub.ended:
                        yield ENDED
                    return
                yield f"event: change\ndata: {json.dumps(message)}\n\n"
                if sub.behind and sub.queue.empty():
                    sub.behind = False
                    yield "event: resync\ndata: {}\n\n"
        finally:
            self._subscribers.discard(sub)

    def end_session(self, session: str) -> None:
        """End the streams of one browser session (it signed out)."""
        key = _digest(session)
        for sub in list(self._subscribers):
            if sub.session == key:
                sub.ended = True
                _stop(sub)

    def close(self) -> None:
        """End every stream (the server is stopping)."""
        for sub in list(self._subscribers):
            _stop(sub)

    @property
    def connected(self) -> int:
        return len(self._subscribers)
