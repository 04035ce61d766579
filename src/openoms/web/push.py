"""Server push: every committed change, as a small server-sent event, to the pages that may
see it.

An event names what changed, never the data: ``{"area": "trading", "id": "T-00000042",
"event": "ChildFilled", "stream": "order:T-00000042", "position": 812}``. ``id`` is the key of
the thing that changed: a ticket's or a retail order's id, ``SKU@LOCATION`` for stock, a
location's or SKU's id for retail reference data. The page fetches what it shows through the
same guarded routes as everything else, so a push cannot reveal more than the user may read. A store
associate or vendor is told only about orders with work at its own locations, and stock at
them. A client that falls behind gets one ``resync`` instead of an unbounded queue.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from openoms.api import auth
from openoms.api.auth import Principal
from openoms.commerce.domain.events import OrderEvent, StockEvent
from openoms.commerce.domain.state import CommerceState
from openoms.core.events import Recorded

_log = logging.getLogger("openoms.web")
QUEUE_LIMIT = 1000
KEEPALIVE_SECONDS = 15.0


@dataclass(eq=False)
class Subscriber:
    who: Principal
    queue: asyncio.Queue[dict[str, Any] | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    behind: bool = False


def describe(recorded: Recorded) -> dict[str, Any]:
    """What a page needs to know to refresh: the area, the stream, the event's name."""
    event = recorded.event
    if isinstance(event, StockEvent):
        area = "stock"
    elif isinstance(event, OrderEvent):
        area = "retail"
    elif type(event).__module__.startswith("openoms.commerce"):
        area = "retail-reference"
    else:
        area = "trading"
    key = recorded.stream_id.partition(":")[2] or recorded.stream_id
    return {"area": area, "id": key, "event": type(event).__name__,
            "stream": recorded.stream_id, "position": recorded.position}


class Push:
    """Fans committed records out to the connected pages (an engine listener)."""

    def __init__(self, commerce: CommerceState) -> None:
        self._commerce = commerce
        self._subscribers: set[Subscriber] = set()

    def __call__(self, records: Sequence[Recorded]) -> None:
        if not self._subscribers:
            return
        seen: dict[tuple[str, str], dict[str, Any]] = {}
        for recorded in records:
            message = describe(recorded)
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
        if area == "retail-reference":
            return who.can(auth.RETAIL_READ) or who.can(auth.INVENTORY_READ)
        if who.reach is None:
            return who.can(auth.RETAIL_READ) or who.can(auth.FULFILMENT_READ) \
                or who.can(auth.PO_READ)
        order = self._commerce.orders.get(stream)
        if order is None:
            return False
        fulfilments = self._commerce.fulfilments
        return any(f_id in fulfilments and who.reaches(fulfilments[f_id].location_id)
                   for f_id in order.fulfilment_ids)

    async def stream(self, who: Principal) -> AsyncIterator[str]:
        """Server-sent events for one page until it disconnects or the server stops."""
        sub = Subscriber(who)
        self._subscribers.add(sub)
        try:
            yield "retry: 2000\n\n"
            while True:
                try:
                    message = await asyncio.wait_for(sub.queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if message is None:
                    return
                yield f"event: change\ndata: {json.dumps(message)}\n\n"
                if sub.behind and sub.queue.empty():
                    sub.behind = False
                    yield "event: resync\ndata: {}\n\n"
        finally:
            self._subscribers.discard(sub)

    def close(self) -> None:
        """End every stream (the server is stopping)."""
        for sub in list(self._subscribers):
            while True:
                try:
                    sub.queue.put_nowait(None)
                    break
                except asyncio.QueueFull:
                    sub.queue.get_nowait()

    @property
    def connected(self) -> int:
        return len(self._subscribers)
