"""Decisions on client orders: capture, accept, reject, client cancel/replace, desk cancel."""

from __future__ import annotations

from dataclasses import replace as dc_replace
from datetime import datetime

from openoms.core.errors import Conflict, DuplicateClOrdID, InvalidTransition, ValidationError
from openoms.core.events import Context, Event
from openoms.core.money import ZERO
from openoms.trading.domain import commands as cmd
from openoms.trading.domain import events as ev
from openoms.trading.domain.model import Handling, OrderTerms, Source, Ticket
from openoms.trading.domain.risk import check_order
from openoms.trading.domain.state import TradingState
from openoms.trading.domain.states import TICKET_TRANSITIONS
from openoms.trading.domain.validation import (
    check_child_within,
    check_terms,
    require_account,
    require_instrument,
    require_ticket,
)

MAX_TEXT = 500


def ensure(ticket: Ticket, event: type[Event]) -> None:
    """Raise InvalidTransition unless the ticket's status allows event."""
    ended = not ticket.is_open and event is not ev.TicketCancelRejected
    if ended or not TICKET_TRANSITIONS.allows(ticket.status, event):
        raise InvalidTransition(f"order {ticket.order_id}", ticket.status.value, event.__name__)


def _check_cl_ord_id(s: TradingState, account_id: str, cl_ord_id: str) -> None:
    if not cl_ord_id or len(cl_ord_id) > 64 or not cl_ord_id.isprintable():
        raise ValidationError("cl_ord_id must be 1-64 printable characters", field="cl_ord_id")
    existing = s.cl_ord_index.get((account_id, cl_ord_id))
    if existing is not None:
        raise DuplicateClOrdID(cl_ord_id, existing, identical=False)


def _same_order(ticket: Ticket, c: cmd.SubmitTicket) -> bool:
    t = ticket.terms
    return (ticket.symbol, ticket.side, t.qty, t.ord_type, t.limit_px, t.stop_px, t.tif,
            t.expire_at) == (c.symbol, c.side, c.qty, c.ord_type, c.limit_px, c.stop_px, c.tif,
                             c.expire_at)


def submit_ticket(s: TradingState, c: cmd.SubmitTicket, ctx: Context,
                  now: datetime) -> list[Event]:
    """Capture a client order, staged on the blotter or routed at once by the routing rules."""
    account = require_account(s, c.account_id)
    instrument = require_instrument(s, c.symbol)
    order_id = s.next_order_id()
    if c.cl_ord_id is None and c.source is Source.FIX:
        raise ValidationError("cl_ord_id is required for FIX orders", field="cl_ord_id")
    cl_ord_id = c.cl_ord_id if c.cl_ord_id is not None else order_id
    existing = s.cl_ord_index.get((c.account_id, cl_ord_id))
    if existing is not None:
        raise DuplicateClOrdID(cl_ord_id, existing,
                               identical=_same_order(s.tickets[existing], c))
    _check_cl_ord_id(s, c.account_id, cl_ord_id)
    if len(c.text) > MAX_TEXT:
        raise ValidationError(f"text is longer than {MAX_TEXT} characters", field="text")
    if c.desk_id is not None and c.desk_id not in s.desks:
        raise ValidationError(f"unknown desk {c.desk_id!r}", field="desk_id")
    terms = OrderTerms(qty=c.qty, ord_type=c.ord_type, limit_px=c.limit_px, stop_px=c.stop_px,
                       tif=c.tif, expire_at=c.expire_at)
    check_terms(terms, instrument, now)
    check_order(account, instrument, terms, open_notional=s.open_notional.get(c.account_id, ZERO))
    fields = dict(order_id=order_id, cl_ord_id=cl_ord_id, account_id=c.account_id,
                  symbol=c.symbol, side=c.side, qty=c.qty, ord_type=c.ord_type,
                  limit_px=c.limit_px, stop_px=c.stop_px, tif=c.tif, expire_at=c.expire_at,
                  source=c.source, handling=c.handling, desk_id=c.desk_id, text=c.text)
    if c.handling is Handling.STAGED:
        return [ev.TicketStaged(**fields)]  # type: ignore[arg-type]
    events: list[Event] = [ev.TicketReceived(**fields),  # type: ignore[arg-type]
                           ev.TicketAccepted(order_id=order_id)]
    rules = sorted((r for r in s.routing_rules.values() if r.matches(c.account_id, c.symbol)),
                   key=lambda r: (r.priority, r.rule_id))
    venue = next((s.venues[r.venue_id] for r in rules if s.venues[r.venue_id].active), None)
    if venue is not None:
        events.append(ev.ChildRouted(
            order_id=order_id, child_id=s.next_child_id(), venue_id=venue.venue_id, side=c.side,
            symbol=c.symbol, qty=c.qty, ord_type=c.ord_type, limit_px=c.limit_px,
            stop_px=c.stop_px, tif=c.tif, expire_at=c.expire_at))
    return events


def accept_ticket(s: TradingState, c: cmd.AcceptTicket, ctx: Context,
                  now: datetime) -> list[Event]:
    """Take a staged ticket onto the desk's books (the client sees ExecType=0 New)."""
    ticket = require_ticket(s, c.order_id)
    ensure(ticket, ev.TicketAccepted)
    return [ev.TicketAccepted(order_id=ticket.order_id)]


def reject_ticket(s: TradingState, c: cmd.RejectTicket, ctx: Context,
                  now: datetime) -> list[Event]:
    """Refuse a staged ticket with a reason the client will read."""
    ticket = require_ticket(s, c.order_id)
    reason = c.reason.strip()
    if not reason or len(reason) > MAX_TEXT:
        raise ValidationError("a reason of 1-500 characters is required", field="reason")
    ensure(ticket, ev.TicketRejected)
    return [ev.TicketRejected(order_id=ticket.order_id, reason=reason)]


def _new_cl_ord_id(s: TradingState, ticket: Ticket, requested: str | None) -> str:
    if requested is None:
        return f"{ticket.order_id}.{ticket.version + 1}"
    _check_cl_ord_id(s, ticket.account_id, requested)
    return requested


def _no_pending(ticket: Ticket) -> None:
    if ticket.pending is not None:
        raise Conflict(f"order {ticket.order_id} already has a pending {ticket.pending.kind} "
                       "request", field="order_id")


def request_cancel(s: TradingState, c: cmd.RequestCancel, ctx: Context,
                   now: datetime) -> list[Event]:
    """Cancel at the client's request: at once if nothing works at a venue, else pending."""
    ticket = require_ticket(s, c.order_id)
    _no_pending(ticket)
    ensure(ticket, ev.TicketCanceled)
    cl_ord_id = _new_cl_ord_id(s, ticket, c.cl_ord_id)
    if not ticket.open_children():
        return [ev.TicketCanceled(order_id=ticket.order_id, cl_ord_id=cl_ord_id,
                                  reason="canceled at the client's request")]
    ensure(ticket, ev.TicketCancelRequested)
    return [ev.TicketCancelRequested(order_id=ticket.order_id, cl_ord_id=cl_ord_id,
                                     orig_cl_ord_id=ticket.cl_ord_id)]


def _merged_terms(ticket: Ticket, c: cmd.RequestReplace) -> OrderTerms:
    t = ticket.terms
    tif = c.tif or t.tif
    return OrderTerms(
        qty=t.qty if c.qty is None else c.qty, ord_type=t.ord_type,
        limit_px=t.limit_px if c.limit_px is None else c.limit_px,
        stop_px=t.stop_px if c.stop_px is None else c.stop_px, tif=tif,
        expire_at=(c.expire_at or t.expire_at) if tif.value == "gtd" else None)


def request_replace(s: TradingState, c: cmd.RequestReplace, ctx: Context,
                    now: datetime) -> list[Event]:
    """Change a ticket's terms at the client's request: at once if nothing works, else pending."""
    ticket = require_ticket(s, c.order_id)
    _no_pending(ticket)
    if not ticket.is_open or ticket.status.value == "done_for_day":
        raise InvalidTransition(f"order {ticket.order_id}", ticket.status.value, "TicketReplaced")
    terms = _merged_terms(ticket, c)
    if terms == ticket.terms:
        raise ValidationError("the replace request changes nothing", field="qty")
    instrument = require_instrument(s, ticket.symbol)
    check_terms(terms, instrument, now)
    account = require_account(s, ticket.account_id)
    check_order(account, instrument, terms, open_notional=s.open_notional.get(
        ticket.account_id, ZERO), previous_exposure=ticket.exposure)
    cl_ord_id = _new_cl_ord_id(s, ticket, c.cl_ord_id)
    fields = dict(order_id=ticket.order_id, cl_ord_id=cl_ord_id, orig_cl_ord_id=ticket.cl_ord_id,
                  qty=terms.qty, ord_type=terms.ord_type, limit_px=terms.limit_px,
                  stop_px=terms.stop_px, tif=terms.tif, expire_at=terms.expire_at)
    if not ticket.open_children():
        ensure(ticket, ev.TicketReplaced)
        return [ev.TicketReplaced(**fields)]  # type: ignore[arg-type]
    ensure(ticket, ev.TicketReplaceRequested)
    return [ev.TicketReplaceRequested(**fields)]  # type: ignore[arg-type]


def _pull_children(ticket: Ticket) -> list[Event]:
    return [ev.ChildCancelRequested(order_id=ticket.order_id, child_id=child.child_id)
            for child in ticket.open_children() if child.status.value != "pending_cancel"]


def accept_pending(s: TradingState, c: cmd.AcceptPending, ctx: Context,
                   now: datetime) -> list[Event]:
    """Accept the client's pending request: pull children for a cancel, apply a replace."""
    ticket = require_ticket(s, c.order_id)
    pending = ticket.pending
    if pending is None:
        raise Conflict(f"order {ticket.order_id} has no pending request", field="order_id")
    if pending.kind == "cancel":
        if pending.accepted:
            raise Conflict(f"the cancel of order {ticket.order_id} is already being worked")
        if not ticket.open_children():
            return [ev.TicketCanceled(order_id=ticket.order_id, cl_ord_id=pending.cl_ord_id,
                                      reason="canceled at the client's request")]
        return [ev.TicketCancelAccepted(order_id=ticket.order_id), *_pull_children(ticket)]
    terms = pending.terms
    assert terms is not None
    room = terms.qty - ticket.cum_qty
    if ticket.working_qty > room:
        raise Conflict(
            f"children work {ticket.working_qty} but the new quantity leaves room for {room}: "
            "reduce or cancel children first", field="qty")
    probe = dc_replace(ticket, terms=terms)
    for child in ticket.open_children():
        check_child_within(probe, child.terms, field_prefix=f"children.{child.child_id}.")
    return [ev.TicketReplaced(
        order_id=ticket.order_id, cl_ord_id=pending.cl_ord_id,
        orig_cl_ord_id=pending.orig_cl_ord_id, qty=terms.qty, ord_type=terms.ord_type,
        limit_px=terms.limit_px, stop_px=terms.stop_px, tif=terms.tif,
        expire_at=terms.expire_at)]


def reject_pending(s: TradingState, c: cmd.RejectPending, ctx: Context,
                   now: datetime) -> list[Event]:
    """Refuse the client's pending cancel or replace request."""
    ticket = require_ticket(s, c.order_id)
    pending = ticket.pending
    reason = c.reason.strip()
    if not reason or len(reason) > MAX_TEXT:
        raise ValidationError("a reason of 1-500 characters is required", field="reason")
    if pending is None:
        raise Conflict(f"order {ticket.order_id} has no pending request", field="order_id")
    if pending.accepted:
        raise Conflict(f"the cancel of order {ticket.order_id} is already being worked")
    if pending.kind == "cancel":
        return [ev.TicketCancelRejected(order_id=ticket.order_id, cl_ord_id=pending.cl_ord_id,
                                        reason=reason)]
    return [ev.TicketReplaceRejected(order_id=ticket.order_id, cl_ord_id=pending.cl_ord_id,
                                     reason=reason)]


def cancel_ticket(s: TradingState, c: cmd.CancelTicket, ctx: Context,
                  now: datetime) -> list[Event]:
    """Cancel on the desk's own initiative (unsolicited): children first, then the ticket."""
    ticket = require_ticket(s, c.order_id)
    ensure(ticket, ev.TicketCanceled)
    reason = c.reason.strip() or "canceled by the desk"
    events: list[Event] = []
    pending = ticket.pending
    if pending is not None and pending.kind == "replace":
        events.append(ev.TicketReplaceRejected(order_id=ticket.order_id,
                                               cl_ord_id=pending.cl_ord_id, reason=reason))
    if not ticket.open_children():
        return [*events, ev.TicketCanceled(order_id=ticket.order_id, reason=reason)]
    if pending is not None and pending.kind == "cancel":
        if pending.accepted:
            raise Conflict(f"the cancel of order {ticket.order_id} is already being worked")
        return [ev.TicketCancelAccepted(order_id=ticket.order_id), *_pull_children(ticket)]
    return [*events,
            ev.TicketCancelRequested(order_id=ticket.order_id, cl_ord_id=ticket.cl_ord_id,
                                     orig_cl_ord_id=ticket.cl_ord_id),
            ev.TicketCancelAccepted(order_id=ticket.order_id), *_pull_children(ticket)]
