"""Decisions on fulfilment orders: a store's queue (accept, pick, pack, ship, short pick,
reject, pickup) and a vendor's purchase orders (acknowledge, refuse lines, ship).

Units a location turns down go back to sourcing in the same decision, with that location
excluded, so the next-best location gets them at once (or they are backordered).
"""

from __future__ import annotations

from datetime import datetime

from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain import events as ev
from openoms.commerce.domain.backorders import excluded
from openoms.commerce.domain.checks import require_fulfilment, require_text
from openoms.commerce.domain.model import Fulfilment, FulfilmentKind, FulfilmentStatus
from openoms.commerce.domain.sourcing import Need, source
from openoms.commerce.domain.state import CommerceState
from openoms.commerce.domain.states import FULFILMENT_TRANSITIONS
from openoms.core.errors import InvalidTransition, ValidationError
from openoms.core.events import Context, Event


def _ensure(f: Fulfilment, event: type[Event]) -> None:
    if not FULFILMENT_TRANSITIONS.allows(f.status, event):
        raise InvalidTransition(f"fulfilment order {f.fulfilment_id}", f.status.value,
                                event.__name__)


def _lines(f: Fulfilment, items: tuple[ev.LineQty, ...]) -> tuple[ev.LineQty, ...]:
    """Check items against the fulfilment order's lines; merge repeats."""
    if not items:
        raise ValidationError("name at least one line", field="lines")
    merged: dict[str, int] = {}
    for n, item in enumerate(items):
        if f.qty_of(item.line_id) == 0:
            raise ValidationError(f"fulfilment order {f.fulfilment_id} has no line "
                                  f"{item.line_id!r}", field=f"lines[{n}].line_id")
        if item.qty <= 0:
            raise ValidationError("qty must be greater than zero", field=f"lines[{n}].qty")
        merged[item.line_id] = merged.get(item.line_id, 0) + item.qty
    for line_id, qty in merged.items():
        if qty > f.qty_of(line_id):
            raise ValidationError(f"line {line_id} has {f.qty_of(line_id)} units in this "
                                  f"fulfilment order, not {qty}", field="lines")
    return tuple(ev.LineQty(line_id=line, qty=qty) for line, qty in merged.items())


def _resource(s: CommerceState, f: Fulfilment, items: tuple[ev.LineQty, ...] | None,
              now: datetime) -> list[Event]:
    """Source again the units f gives back (items, or all of f), f's location excluded."""
    order = s.orders[f.order_id]
    back = {i.line_id: i.qty for i in items} if items is not None else \
        {line.line_id: line.qty for line in f.lines}
    needs = [Need(line_id, order.lines[line_id].sku,
                  qty + order.lines[line_id].backordered)
             for line_id, qty in back.items() if qty]
    exclude = excluded(s, order) | {f.location_id}
    return [source(s, order, needs, now, exclude=exclude).event(order.order_id, needs)]


def accept_fulfilment(s: CommerceState, c: cmd.AcceptFulfilment, ctx: Context,
                      now: datetime) -> list[Event]:
    """A store takes the order on; a vendor acknowledges its purchase order (refusing some
    lines, which are sourced again; refusing all is a rejection)."""
    f = require_fulfilment(s, c.fulfilment_id)
    _ensure(f, ev.FulfilmentAccepted)
    rejected = _lines(f, c.rejected) if c.rejected else ()
    if rejected and f.kind is not FulfilmentKind.DROPSHIP:
        raise ValidationError("a store short-picks or rejects; only a vendor refuses lines "
                              "when it acknowledges", field="rejected")
    if rejected and sum(r.qty for r in rejected) == f.units:
        reason = require_text(c.reason or "refused every line", "reason")
        return [ev.FulfilmentRejected(order_id=f.order_id, fulfilment_id=f.fulfilment_id,
                                      reason=reason), *_resource(s, f, None, now)]
    accepted = ev.FulfilmentAccepted(order_id=f.order_id, fulfilment_id=f.fulfilment_id,
                                     rejected=rejected, reason=c.reason.strip())
    return [accepted, *(_resource(s, f, rejected, now) if rejected else [])]


def pick_fulfilment(s: CommerceState, c: cmd.PickFulfilment, ctx: Context,
                    now: datetime) -> list[Event]:
    f = _store_order(s, c.fulfilment_id)
    _ensure(f, ev.FulfilmentPicked)
    return [ev.FulfilmentPicked(order_id=f.order_id, fulfilment_id=f.fulfilment_id)]


def pack_fulfilment(s: CommerceState, c: cmd.PackFulfilment, ctx: Context,
                    now: datetime) -> list[Event]:
    f = _store_order(s, c.fulfilment_id)
    _ensure(f, ev.FulfilmentPacked)
    return [ev.FulfilmentPacked(order_id=f.order_id, fulfilment_id=f.fulfilment_id)]


def _store_order(s: CommerceState, fulfilment_id: str) -> Fulfilment:
    f = require_fulfilment(s, fulfilment_id)
    if f.kind is FulfilmentKind.DROPSHIP:
        raise ValidationError(f"{fulfilment_id} is a vendor's purchase order: the vendor "
                              "picks and packs", field="fulfilment_id")
    return f


def short_pick(s: CommerceState, c: cmd.ShortPick, ctx: Context,
               now: datetime) -> list[Event]:
    """Units were not on the shelf: take them off the location and source them again."""
    f = _store_order(s, c.fulfilment_id)
    _ensure(f, ev.FulfilmentShortPicked)
    lines = _lines(f, c.lines)
    reason = require_text(c.reason, "reason")
    return [ev.FulfilmentShortPicked(order_id=f.order_id, fulfilment_id=f.fulfilment_id,
                                     lines=lines, reason=reason),
            *_resource(s, f, lines, now)]


def reject_fulfilment(s: CommerceState, c: cmd.RejectFulfilment, ctx: Context,
                      now: datetime) -> list[Event]:
    """The location will not fulfil it: every unit is sourced again elsewhere."""
    f = require_fulfilment(s, c.fulfilment_id)
    _ensure(f, ev.FulfilmentRejected)
    reason = require_text(c.reason, "reason")
    return [ev.FulfilmentRejected(order_id=f.order_id, fulfilment_id=f.fulfilment_id,
                                  reason=reason), *_resource(s, f, None, now)]


def ship_fulfilment(s: CommerceState, c: cmd.ShipFulfilment, ctx: Context,
                    now: datetime) -> list[Event]:
    f = require_fulfilment(s, c.fulfilment_id)
    if f.kind is FulfilmentKind.PICKUP:
        raise ValidationError(f"{f.fulfilment_id} is collected in store, not shipped",
                              field="fulfilment_id")
    if f.kind is FulfilmentKind.SHIP and f.status is not FulfilmentStatus.PACKED:
        raise InvalidTransition(f"fulfilment order {f.fulfilment_id}", f.status.value,
                                "FulfilmentShipped (pick and pack first)")
    _ensure(f, ev.FulfilmentShipped)
    carrier = require_text(c.carrier, "carrier")
    tracking = require_text(c.tracking, "tracking")
    return [ev.FulfilmentShipped(order_id=f.order_id, fulfilment_id=f.fulfilment_id,
                                 carrier=carrier, tracking=tracking)]


def deliver_fulfilment(s: CommerceState, c: cmd.DeliverFulfilment, ctx: Context,
                       now: datetime) -> list[Event]:
    f = require_fulfilment(s, c.fulfilment_id)
    _ensure(f, ev.FulfilmentDelivered)
    return [ev.FulfilmentDelivered(order_id=f.order_id, fulfilment_id=f.fulfilment_id,
                                   delivered_at=ctx.event_time or now)]


def ready_for_pickup(s: CommerceState, c: cmd.ReadyForPickup, ctx: Context,
                     now: datetime) -> list[Event]:
    f = require_fulfilment(s, c.fulfilment_id)
    if f.kind is not FulfilmentKind.PICKUP:
        raise ValidationError(f"{f.fulfilment_id} is shipped, not collected",
                              field="fulfilment_id")
    _ensure(f, ev.FulfilmentReadyForPickup)
    return [ev.FulfilmentReadyForPickup(order_id=f.order_id, fulfilment_id=f.fulfilment_id)]


def hand_over(s: CommerceState, c: cmd.HandOver, ctx: Context,
              now: datetime) -> list[Event]:
    f = require_fulfilment(s, c.fulfilment_id)
    _ensure(f, ev.FulfilmentPickedUp)
    return [ev.FulfilmentPickedUp(order_id=f.order_id, fulfilment_id=f.fulfilment_id)]
