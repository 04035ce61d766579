"""The fulfilment order's transition table: one row per legal move.

A store's order goes assigned -> accepted -> picked -> packed -> shipped -> delivered (a pickup
order: packed -> ready for pickup -> picked up). A vendor's purchase order goes assigned ->
accepted (acknowledged) -> shipped -> delivered. Short picks keep the status (what is left is
still worked); the ``WORKING`` target there means "the same status, or canceled if no unit is
left", resolved by the state from the lines.
"""

from __future__ import annotations

from typing import Final

from openoms.commerce.domain import events as ev
from openoms.commerce.domain.model import FulfilmentStatus as F
from openoms.core.fsm import WORKING, Derived, TransitionTable

_OPEN = (F.ASSIGNED, F.ACCEPTED, F.PICKED, F.PACKED, F.READY_FOR_PICKUP)

_rows: dict[tuple[F | None, type], F | Derived] = {
    (None, ev.OrderSourced): F.ASSIGNED,
    (F.ASSIGNED, ev.FulfilmentAccepted): F.ACCEPTED,
    (F.ASSIGNED, ev.FulfilmentRejected): F.REJECTED,
    (F.ACCEPTED, ev.FulfilmentRejected): F.REJECTED,
    (F.ACCEPTED, ev.FulfilmentPicked): F.PICKED,
    (F.PICKED, ev.FulfilmentPacked): F.PACKED,
    # A vendor ships from its own warehouse: no pick or pack we would see.
    (F.ACCEPTED, ev.FulfilmentShipped): F.SHIPPED,
    (F.PACKED, ev.FulfilmentShipped): F.SHIPPED,
    (F.SHIPPED, ev.FulfilmentDelivered): F.DELIVERED,
    (F.PACKED, ev.FulfilmentReadyForPickup): F.READY_FOR_PICKUP,
    (F.READY_FOR_PICKUP, ev.FulfilmentPickedUp): F.PICKED_UP,
}
for _s in (F.ACCEPTED, F.PICKED):
    _rows[(_s, ev.FulfilmentShortPicked)] = WORKING
for _s in _OPEN:
    _rows[(_s, ev.FulfilmentLinesCanceled)] = WORKING

FULFILMENT_TRANSITIONS: Final = TransitionTable[F]("fulfilment", _rows)
