"""Sourcing again what waits: backordered units and orders on hold, oldest order first
(the order captured first, however long each has waited).

Called in the same decision as the receipt (adjustment, count or restocked return) that
brought stock, so the units are promised at once and never to two orders: each order's
reservations are taken off the availability the next order sees, and its fulfilment orders
off the daily capacity the next order sees.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from openoms.commerce.domain import events as ev
from openoms.commerce.domain.model import CommerceOrder
from openoms.commerce.domain.sourcing import Need, source
from openoms.commerce.domain.state import CommerceState


def waiting_needs(order: CommerceOrder) -> list[Need]:
    """What of the order is still to be placed: its backordered units."""
    return [Need(line.line_id, line.sku, line.backordered)
            for line in order.lines.values() if line.backordered > 0]


def excluded(s: CommerceState, order: CommerceOrder) -> frozenset[str]:
    """Locations that turned the order's units down (rejected its fulfilment orders)."""
    return frozenset(s.fulfilments[f].location_id for f in order.fulfilment_ids
                     if s.fulfilments[f].status.value == "rejected")


def source_waiting(s: CommerceState, now: datetime, *, skus: Collection[str] | None = None,
                   order_id: str | None = None,
                   adjust: Mapping[tuple[str, str], int] | None = None) -> list[ev.OrderSourced]:
    """Source waiting orders (those needing one of skus, or order_id only, or all), oldest
    order first, as far as stock now allows; orders that would not change are left alone."""
    pool = dict(adjust or {})
    used: dict[str, int] = {}  # fulfilment orders given to each location by this command
    events = []
    for waiting_id in sorted(s.waiting, key=s.order_number):
        if order_id is not None and waiting_id != order_id:
            continue
        order = s.orders[waiting_id]
        needs = waiting_needs(order)
        if skus is not None and all(n.sku not in skus for n in needs):
            continue
        decision = source(s, order, needs, now, exclude=excluded(s, order), adjust=pool,
                          used=used)
        if not decision.fulfilments and not decision.canceled \
                and decision.held == order.on_hold:
            continue  # nothing came free for this order
        for key, qty in decision.reserved.items():
            pool[key] = pool.get(key, 0) - qty
        for new in decision.fulfilments:
            used[new.location_id] = used.get(new.location_id, 0) + 1
        events.append(decision.event(order.order_id, needs))
    return events
