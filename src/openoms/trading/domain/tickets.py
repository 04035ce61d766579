"""Decisions on client orders: capture, accept, reject, client cancel/replace, desk cancel.

A staged ticket's cancel or replace waits for a trader when children work at a venue. An
automatic ticket has no trader watching: the desk answers the client itself, pulling the
children for a cancel and, for a replace, resizing its working child at the venue first when
the child does not fit the new terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace as dc_replace
from datetime import datetime

from openoms.core.errors import (
    Conflict,
    DomainError,
    DuplicateClOrdID,
    InvalidTransition,
    ValidationError,
)
from openoms.core.events import Context, Event
from openoms.core.money import ZERO, is_multiple
from openoms.trading.domain import commands as cmd
from openoms.trading.domain import events as ev
from openoms.trading.domain.model import (
    ChildOrder,
    Handling,
    Instrument,
    OrderStatus,
    OrderTerms,
    PendingRequest,
    Source,
    Ticket,
)
from openoms.trading.domain.risk import check_order
from openoms.trading.domain.state import TradingState
from openoms.trading.domain.states import TICKET_TRANSITIONS
from openoms.trading.domain.validation import (
    check_child_within,
    check_terms,
    more_aggressive,
    require_account,
    require_instrument,
    require_ticket,
)

MAX_TEXT = 500


def allows(ticket: Ticket, event: type[Event]) -> bool:
    """Tell whether the ticket's status allows event."""
    ended = not ticket.is_open and event is not ev.TicketCancelRejected
    return not ended and TICKET_TRANSITIONS.allows(ticket.status, event)


def ensure(ticket: Ticket, event: type[Event]) -> None:
    """Raise InvalidTransition unless the ticket's status allows event."""
    if not allows(ticket, event):
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
    """Cancel at the client's request: at once if nothing works at a venue, else pending.

    An automatic ticket's pending cancel is accepted in the same decision: its children are
    pulled and the ticket cancels once the venues confirm.
    """
    ticket = require_ticket(s, c.order_id)
    _no_pending(ticket)
    ensure(ticket, ev.TicketCanceled)
    cl_ord_id = _new_cl_ord_id(s, ticket, c.cl_ord_id)
    if not ticket.open_children():
        return [ev.TicketCanceled(order_id=ticket.order_id, cl_ord_id=cl_ord_id,
                                  reason="canceled at the client's request")]
    ensure(ticket, ev.TicketCancelRequested)
    requested = ev.TicketCancelRequested(order_id=ticket.order_id, cl_ord_id=cl_ord_id,
                                         orig_cl_ord_id=ticket.cl_ord_id)
    if ticket.handling is Handling.STAGED:
        return [requested]
    return [requested, ev.TicketCancelAccepted(order_id=ticket.order_id),
            *_pull_children(ticket)]


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
    """Change a ticket's terms at the client's request: at once if nothing works, else pending.

    An automatic ticket is replaced in the same decision when its children fit the new terms;
    otherwise its one working child is resized at the venue and the ticket is replaced when
    the venue confirms (``complete_replace``).

    Raises:
        Conflict: an automatic ticket's children cannot be made to fit the new terms.
    """
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
    requested = ev.TicketReplaceRequested(**fields)  # type: ignore[arg-type]
    if ticket.handling is Handling.STAGED:
        return [requested]
    if _misfit(ticket, terms) is None:
        return [requested, ev.TicketReplaced(**fields)]  # type: ignore[arg-type]
    return [requested, _resize_child(ticket, terms, instrument)]


def _misfit(ticket: Ticket, terms: OrderTerms) -> DomainError | None:
    """Return why the ticket's working children do not fit terms, or None if they do."""
    room = terms.qty - ticket.cum_qty
    if ticket.working_qty > room:
        return Conflict(
            f"children work {ticket.working_qty} but the new quantity leaves room for {room}: "
            "reduce or cancel children first", field="qty")
    probe = dc_replace(ticket, terms=terms)
    for child in ticket.open_children():
        try:
            check_child_within(probe, child.terms, field_prefix=f"children.{child.child_id}.")
        except ValidationError as exc:
            return exc
    return None


def _resize_child(ticket: Ticket, terms: OrderTerms,
                  instrument: Instrument) -> ev.ChildReplaceRequested:
    """Ask the venue to shrink or reprice an automatic ticket's one child to fit terms.

    Raises:
        Conflict: not a single acknowledged child, nothing left to work, or a change (time in
            force, expiry, lot size) a child replace cannot carry.
    """
    refused = f"order {ticket.order_id} cannot be replaced automatically"
    children = ticket.open_children()
    if len(children) != 1:
        raise Conflict(f"{refused}: {len(children)} children work at venues", field="order_id")
    (child,) = children
    if child.status not in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED):
        raise Conflict(f"{refused} while its child is {child.status.value} at the venue",
                       field="order_id")
    room = terms.qty - ticket.cum_qty
    if room <= ZERO:
        raise Conflict(f"{refused}: quantity {terms.qty} leaves nothing to work beyond the "
                       f"filled {ticket.cum_qty}; cancel the order instead", field="qty")
    qty = min(child.qty, child.cum_qty + room)
    limit_px = child.terms.limit_px
    if child.terms.ord_type.has_limit and more_aggressive(ticket.side, limit_px, terms.limit_px):
        limit_px = terms.limit_px
    resized = dc_replace(child.terms, qty=qty, limit_px=limit_px)
    try:
        check_child_within(dc_replace(ticket, terms=terms), resized)
    except ValidationError as exc:
        raise Conflict(f"{refused}: {exc}", field=exc.field) from exc
    if not is_multiple(qty, instrument.lot_size):
        raise Conflict(f"{refused}: its child would work {qty}, not a multiple of the lot size "
                       f"{instrument.lot_size}", field="qty")
    return ev.ChildReplaceRequested(order_id=ticket.order_id, child_id=child.child_id, qty=qty,
                                    limit_px=limit_px)


def _desk_replace(ticket: Ticket) -> PendingRequest | None:
    """The automatic ticket's pending replace the desk works alone, if there is one."""
    pending = ticket.pending
    if ticket.handling is Handling.STAGED or pending is None or pending.kind != "replace":
        return None
    # The order may have ended meanwhile (expired at the close, say): nothing is left to answer.
    ending = (ev.TicketReplaced, ev.TicketReplaceRejected)
    return pending if all(allows(ticket, event) for event in ending) else None


def complete_replace(ticket: Ticket, working: Sequence[ChildOrder]) -> list[Event]:
    """Finish an automatic ticket's replace once the venue resized its child.

    working are the ticket's open children as the venue's report leaves them. The replace goes
    through if they fit the new terms, else it is rejected with the reason.
    """
    pending = _desk_replace(ticket)
    if pending is None:
        return []
    assert pending.terms is not None
    problem = _misfit(dc_replace(ticket, children={c.child_id: c for c in working}),
                      pending.terms)
    if problem is not None:
        return [ev.TicketReplaceRejected(order_id=ticket.order_id, cl_ord_id=pending.cl_ord_id,
                                         reason=str(problem))]
    return [_replaced(ticket, pending)]


def refuse_replace(ticket: Ticket, reason: str) -> list[Event]:
    """Reject an automatic ticket's replace because the venue refused to resize its child."""
    pending = _desk_replace(ticket)
    if pending is None:
        return []
    return [ev.TicketReplaceRejected(order_id=ticket.order_id, cl_ord_id=pending.cl_ord_id,
                                     reason=f"the venue refused the change: {reason}")]


def refuse_cancel(ticket: Ticket, reason: str) -> list[Event]:
    """Reject an automatic ticket's client cancel because the venue refused to pull a child.

    No trader watches an automatic desk, so the client hears the venue's answer at once rather
    than waiting on a cancel nobody works.
    """
    pending = ticket.pending
    if (ticket.handling is Handling.STAGED or pending is None or pending.kind != "cancel"
            or not pending.accepted or pending.cl_ord_id == pending.orig_cl_ord_id
            or not allows(ticket, ev.TicketCancelRejected)):
        return []  # a staged desk's trader decides; a desk cancel has no client to answer
    return [ev.TicketCancelRejected(order_id=ticket.order_id, cl_ord_id=pending.cl_ord_id,
                                    reason=f"the venue refused to cancel: {reason}")]


def _replaced(ticket: Ticket, pending: PendingRequest) -> ev.TicketReplaced:
    terms = pending.terms
    assert terms is not None
    return ev.TicketReplaced(
        order_id=ticket.order_id, cl_ord_id=pending.cl_ord_id,
        orig_cl_ord_id=pending.orig_cl_ord_id, qty=terms.qty, ord_type=terms.ord_type,
        limit_px=terms.limit_px, stop_px=terms.stop_px, tif=terms.tif,
        expire_at=terms.expire_at)


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
    problem = _misfit(ticket, terms)
    if problem is not None:
        raise problem
    return [_replaced(ticket, pending)]


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
