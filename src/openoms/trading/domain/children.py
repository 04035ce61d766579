"""Decisions on child orders: route, cancel, replace, and the reports venues send back."""

from __future__ import annotations

from dataclasses import replace as dc_replace
from datetime import datetime

from openoms.core.errors import Conflict, InvalidTransition, ValidationError
from openoms.core.events import Context, Event
from openoms.core.money import ZERO, is_multiple, require_positive
from openoms.trading.domain import commands as cmd
from openoms.trading.domain import events as ev
from openoms.trading.domain.executions import venue_adjustment
from openoms.trading.domain.model import (
    ChildOrder,
    OrderStatus,
    OrderTerms,
    Ticket,
    TimeInForce,
)
from openoms.trading.domain.state import TradingState
from openoms.trading.domain.states import CHILD_TRANSITIONS
from openoms.trading.domain.tickets import complete_replace, refuse_cancel, refuse_replace
from openoms.trading.domain.validation import (
    check_child_within,
    check_terms,
    require_child,
    require_instrument,
    require_ticket,
    require_venue,
)

# A ticket children may be routed from (accepted, not yet done).
ROUTABLE = frozenset({OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED})


def _ensure(child: ChildOrder, event: type[Event]) -> None:
    if not CHILD_TRANSITIONS.allows(child.status, event):
        raise InvalidTransition(f"child order {child.child_id}", child.status.value,
                                event.__name__)


def route_child(s: TradingState, c: cmd.RouteChild, ctx: Context,
                now: datetime) -> list[Event]:
    """Send part of a ticket to a venue, never more, longer or more aggressive than the client's."""
    ticket = require_ticket(s, c.order_id)
    if ticket.status not in ROUTABLE:
        raise Conflict(f"order {ticket.order_id} is {ticket.status.value}: children can be "
                       "routed only while it is new or partially filled", field="order_id")
    venue = require_venue(s, c.venue_id)
    instrument = require_instrument(s, ticket.symbol)
    parent = ticket.terms
    ord_type = c.ord_type or parent.ord_type
    tif = c.tif or parent.tif
    terms = OrderTerms(
        qty=c.qty, ord_type=ord_type,
        limit_px=c.limit_px if c.limit_px is not None or c.ord_type else parent.limit_px,
        stop_px=c.stop_px if c.stop_px is not None or c.ord_type else parent.stop_px,
        tif=tif, expire_at=c.expire_at or (parent.expire_at if tif is TimeInForce.GTD else None))
    check_terms(terms, instrument, now)
    if c.qty > ticket.unrouted_qty:
        raise ValidationError(f"child quantity {c.qty} exceeds the order's unrouted leaves "
                              f"{ticket.unrouted_qty}", field="qty")
    check_child_within(ticket, terms)
    return [ev.ChildRouted(
        order_id=ticket.order_id, child_id=s.next_child_id(), venue_id=venue.venue_id,
        side=ticket.side, symbol=ticket.symbol, qty=terms.qty, ord_type=terms.ord_type,
        limit_px=terms.limit_px, stop_px=terms.stop_px, tif=terms.tif,
        expire_at=terms.expire_at)]


def cancel_child(s: TradingState, c: cmd.CancelChild, ctx: Context,
                 now: datetime) -> list[Event]:
    """Ask the venue to cancel a child order."""
    child = require_child(require_ticket(s, c.order_id), c.child_id)
    _ensure(child, ev.ChildCancelRequested)
    return [ev.ChildCancelRequested(order_id=c.order_id, child_id=child.child_id)]


def replace_child(s: TradingState, c: cmd.ReplaceChild, ctx: Context,
                  now: datetime) -> list[Event]:
    """Ask the venue to change a child's quantity or limit, within the client's terms."""
    ticket = require_ticket(s, c.order_id)
    child = require_child(ticket, c.child_id)
    _ensure(child, ev.ChildReplaceRequested)
    instrument = require_instrument(s, ticket.symbol)
    qty = child.qty if c.qty is None else c.qty
    limit_px = child.terms.limit_px if c.limit_px is None else c.limit_px
    if (qty, limit_px) == (child.qty, child.terms.limit_px):
        raise ValidationError("the replace changes nothing", field="qty")
    require_positive(qty, field="qty")
    if qty <= child.cum_qty:
        raise ValidationError(f"qty {qty} must be above the child's filled {child.cum_qty}",
                              field="qty")
    if not is_multiple(qty, instrument.lot_size):
        raise ValidationError(f"qty {qty} is not a multiple of the lot size "
                              f"{instrument.lot_size}", field="qty")
    if qty - child.qty > ticket.unrouted_qty:
        raise ValidationError(f"increasing the child by {qty - child.qty} exceeds the order's "
                              f"unrouted leaves {ticket.unrouted_qty}", field="qty")
    terms = OrderTerms(qty=qty, ord_type=child.terms.ord_type, limit_px=limit_px,
                       stop_px=child.terms.stop_px, tif=child.terms.tif,
                       expire_at=child.terms.expire_at)
    if limit_px is not None:
        require_positive(limit_px, field="limit_px")
        if not is_multiple(limit_px, instrument.tick_size):
            raise ValidationError(f"limit_px {limit_px} is not on the tick size "
                                  f"{instrument.tick_size}", field="limit_px")
    check_child_within(ticket, terms)
    return [ev.ChildReplaceRequested(order_id=ticket.order_id, child_id=child.child_id,
                                     qty=qty, limit_px=limit_px)]


# ---------------------------------------------------------------- venue reports


def _after_child_ends(ticket: Ticket, child: ChildOrder, filled_now: bool) -> list[Event]:
    """Finish what waited for the child: a desk-accepted cancel, an IOC/FOK remainder."""
    still_open = [x for x in ticket.open_children() if x.child_id != child.child_id]
    if still_open or filled_now:
        return []
    pending = ticket.pending
    if pending is not None and pending.kind == "cancel" and pending.accepted:
        solicited = pending.cl_ord_id != ticket.cl_ord_id
        return [ev.TicketCanceled(order_id=ticket.order_id,
                                  cl_ord_id=pending.cl_ord_id if solicited else None,
                                  reason="canceled" if solicited else "canceled by the desk")]
    if ticket.terms.tif in (TimeInForce.IOC, TimeInForce.FOK) and ticket.is_open:
        return [ev.TicketCanceled(order_id=ticket.order_id,
                                  reason=f"{ticket.terms.tif.value.upper()} remainder canceled")]
    return []


def _fill(s: TradingState, ticket: Ticket, child: ChildOrder,
          c: cmd.ApplyVenueReport) -> list[Event]:
    if c.last_qty is None or c.last_px is None:
        raise ValidationError("a fill needs last_qty and last_px", field="last_qty")
    require_positive(c.last_qty, field="last_qty")
    require_positive(c.last_px, field="last_px")
    if c.last_qty > child.leaves_qty:
        raise Conflict(f"overfill: fill of {c.last_qty} on child {child.child_id} with "
                       f"{child.leaves_qty} leaves", field="last_qty")
    if ticket.cum_qty + c.last_qty > ticket.qty:
        raise Conflict(f"overfill: order {ticket.order_id} would exceed {ticket.qty}",
                       field="last_qty")
    exec_id = s.next_exec_id()
    common = dict(order_id=ticket.order_id, child_id=child.child_id, exec_id=exec_id,
                  venue_exec_id=c.venue_exec_id, last_qty=c.last_qty, last_px=c.last_px)
    child_done = child.cum_qty + c.last_qty == child.qty
    ticket_done = ticket.cum_qty + c.last_qty == ticket.qty
    child_event = ev.ChildFilled if child_done else ev.ChildPartiallyFilled
    ticket_event = ev.TicketFilled if ticket_done else ev.TicketPartiallyFilled
    _ensure(child, child_event)
    events: list[Event] = [child_event(**common),  # type: ignore[arg-type]
                           ticket_event(venue_id=child.venue_id, **common)]  # type: ignore[arg-type]
    pending = ticket.pending
    if ticket_done and pending is not None and not pending.accepted:
        reject = ev.TicketCancelRejected if pending.kind == "cancel" else ev.TicketReplaceRejected
        events.append(reject(order_id=ticket.order_id, cl_ord_id=pending.cl_ord_id,
                             reason="too late: the order is filled"))
    if child_done and not ticket_done:
        events.extend(_after_child_ends(ticket, child, filled_now=False))
    return events


def apply_venue_report(s: TradingState, c: cmd.ApplyVenueReport, ctx: Context,
                       now: datetime) -> list[Event]:
    """Turn a venue's report on a child into events on the child and its ticket."""
    ticket = s.ticket_of_child(c.child_id)
    if ticket is None:
        raise ValidationError(f"unknown child order {c.child_id!r}", field="child_id")
    child = ticket.children[c.child_id]
    key = dict(order_id=ticket.order_id, child_id=child.child_id)
    if c.kind == "fill":
        return _fill(s, ticket, child, c)
    if c.kind in ("bust", "correct"):
        return venue_adjustment(s, ticket, child, c)
    if c.kind == "ack":
        _ensure(child, ev.ChildAcknowledged)
        return [ev.ChildAcknowledged(**key)]
    # An automatic ticket has no trader to take up what the venue refused: the client hears it.
    if c.kind == "cancel_rejected":
        _ensure(child, ev.ChildCancelRejected)
        reason = c.reason or c.kind
        return [ev.ChildCancelRejected(**key, reason=reason), *refuse_cancel(ticket, reason)]
    if c.kind == "replace_rejected":
        _ensure(child, ev.ChildReplaceRejected)
        reason = c.reason or c.kind
        return [ev.ChildReplaceRejected(**key, reason=reason), *refuse_replace(ticket, reason)]
    ending: dict[str, type[ev.ChildEvent]] = {"reject": ev.ChildRejected,
                                              "canceled": ev.ChildCanceled,
                                              "expired": ev.ChildExpired}
    if c.kind in ending:
        event_type = ending[c.kind]
        _ensure(child, event_type)
        extra = {} if event_type is ev.ChildExpired else {"reason": c.reason}
        first = event_type(**key, **extra)
        return [first, *_after_child_ends(ticket, child, filled_now=False)]
    if c.kind == "replaced":
        _ensure(child, ev.ChildReplaced)
        target = child.pending_terms or child.terms
        qty = c.qty if c.qty is not None else target.qty
        limit_px = c.limit_px if c.limit_px is not None else target.limit_px
        if qty < child.cum_qty or qty <= ZERO:
            raise Conflict(f"venue replaced child {child.child_id} below its filled quantity")
        resized = dc_replace(child, terms=dc_replace(child.terms, qty=qty, limit_px=limit_px))
        working = [resized if x is child else x for x in ticket.open_children()]
        return [ev.ChildReplaced(**key, qty=qty, limit_px=limit_px),
                *complete_replace(ticket, working)]
    raise ValidationError(f"unknown venue report kind {c.kind!r}", field="kind")
