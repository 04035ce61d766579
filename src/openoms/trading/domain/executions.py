"""Decisions on fills after the fact: trade busts and corrections, and the client's DK.

A bust (FIX ExecType=H Trade Cancel) takes a fill back: the ticket and its child count it no
more, and a filled order works again. A correction (ExecType=G Trade Correct) changes a fill's
quantity or price. Either comes from the venue (``ApplyVenueReport`` kinds ``bust`` and
``correct``, naming the venue's ExecID) or from the desk (``BustExecution``,
``CorrectExecution``, naming the desk's ExecID). The report's own ExecID is the ticket stream's
position of the event (``T12-7``), so it is the same after a restart.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from openoms.core.errors import Conflict, InvalidTransition, NotFound, ValidationError
from openoms.core.events import Context, Event
from openoms.core.money import is_multiple, require_positive
from openoms.trading.domain import commands as cmd
from openoms.trading.domain import events as ev
from openoms.trading.domain.model import ChildOrder, Execution, Ticket
from openoms.trading.domain.state import TradingState
from openoms.trading.domain.states import CHILD_TRANSITIONS, TICKET_TRANSITIONS
from openoms.trading.domain.tickets import MAX_TEXT
from openoms.trading.domain.validation import require_instrument, require_ticket


def report_id(s: TradingState, ticket: Ticket) -> str:
    """Return the ExecID of the report the ticket's next event makes (order id and version)."""
    return f"{ticket.order_id}-{s.versions.get(f'order:{ticket.order_id}', 0) + 1}"


def _reason(text: str) -> str:
    reason = text.strip()
    if not reason or len(reason) > MAX_TEXT:
        raise ValidationError(f"a reason of 1-{MAX_TEXT} characters is required", field="reason")
    return reason


def _execution(ticket: Ticket, exec_id: str) -> Execution:
    for execution in ticket.executions:
        if execution.exec_id == exec_id:
            return execution
    if any(x.exec_id == exec_id for x in ticket.busted):
        raise Conflict(f"execution {exec_id} of order {ticket.order_id} is already busted",
                       field="exec_id")
    raise NotFound(f"order {ticket.order_id} has no execution {exec_id!r}", field="exec_id")


def _venue_execution(ticket: Ticket, child: ChildOrder, venue_exec_id: str) -> Execution:
    found = [x for x in ticket.executions
             if x.child_id == child.child_id and x.venue_exec_id == venue_exec_id]
    if not venue_exec_id or not found:
        raise NotFound(f"child order {child.child_id} has no fill with venue ExecID "
                       f"{venue_exec_id!r}", field="venue_exec_id")
    if len(found) > 1:
        raise Conflict(f"venue ExecID {venue_exec_id!r} names {len(found)} fills of child "
                       f"order {child.child_id}", field="venue_exec_id")
    return found[0]


def _allowed(ticket: Ticket, child: ChildOrder, ticket_event: type[Event],
             child_event: type[Event]) -> None:
    if not TICKET_TRANSITIONS.allows(ticket.status, ticket_event):
        raise InvalidTransition(f"order {ticket.order_id}", ticket.status.value,
                                ticket_event.__name__)
    if not CHILD_TRANSITIONS.allows(child.status, child_event):
        raise InvalidTransition(f"child order {child.child_id}", child.status.value,
                                child_event.__name__)


def bust(s: TradingState, ticket: Ticket, execution: Execution, reason: str) -> list[Event]:
    """Return the events that take execution back from ticket and its child."""
    child = ticket.children[execution.child_id]
    _allowed(ticket, child, ev.TicketExecutionBusted, ev.ChildExecutionBusted)
    return [
        ev.TicketExecutionBusted(
            order_id=ticket.order_id, exec_id=report_id(s, ticket),
            ref_exec_id=execution.exec_id, child_id=child.child_id, last_qty=execution.qty,
            last_px=execution.px, reason=reason),
        ev.ChildExecutionBusted(order_id=ticket.order_id, child_id=child.child_id,
                                ref_exec_id=execution.exec_id, last_qty=execution.qty,
                                last_px=execution.px)]


def correct(s: TradingState, ticket: Ticket, execution: Execution, qty: Decimal, px: Decimal,
            reason: str) -> list[Event]:
    """Return the events that change execution to qty at px on ticket and its child.

    Raises:
        ValidationError: qty or px not positive, px off the tick, nothing changes.
        Conflict: the corrected fill would overfill the ticket or the child, or complete the
            ticket while a cancel or replace request waits.
    """
    require_positive(qty, field="qty")
    require_positive(px, field="px")
    instrument = require_instrument(s, ticket.symbol)
    if not is_multiple(px, instrument.tick_size):
        raise ValidationError(f"px {px} is not on the tick size {instrument.tick_size}",
                              field="px")
    if (qty, px) == (execution.qty, execution.px):
        raise ValidationError("the correction changes nothing", field="qty")
    child = ticket.children[execution.child_id]
    ticket_cum = ticket.cum_qty - execution.qty + qty
    if ticket_cum > ticket.qty or child.cum_qty - execution.qty + qty > child.qty:
        raise Conflict(f"overfill: correcting {execution.exec_id} to {qty} would fill more "
                       "than the order or its child", field="qty")
    if ticket_cum == ticket.qty and ticket.pending is not None:
        raise Conflict(f"the correction would fill order {ticket.order_id} while a "
                       f"{ticket.pending.kind} request waits: answer the request first",
                       field="qty")
    _allowed(ticket, child, ev.TicketExecutionCorrected, ev.ChildExecutionCorrected)
    return [
        ev.TicketExecutionCorrected(
            order_id=ticket.order_id, exec_id=report_id(s, ticket),
            ref_exec_id=execution.exec_id, child_id=child.child_id, last_qty=qty, last_px=px,
            reason=reason),
        ev.ChildExecutionCorrected(
            order_id=ticket.order_id, child_id=child.child_id, ref_exec_id=execution.exec_id,
            prev_qty=execution.qty, prev_px=execution.px, last_qty=qty, last_px=px)]


def bust_execution(s: TradingState, c: cmd.BustExecution, ctx: Context,
                   now: datetime) -> list[Event]:
    """Take back one of the ticket's fills, by the desk's ExecID."""
    ticket = require_ticket(s, c.order_id)
    reason = _reason(c.reason)
    return bust(s, ticket, _execution(ticket, c.exec_id), reason)


def correct_execution(s: TradingState, c: cmd.CorrectExecution, ctx: Context,
                      now: datetime) -> list[Event]:
    """Correct the quantity or price of one of the ticket's fills, by the desk's ExecID."""
    ticket = require_ticket(s, c.order_id)
    reason = _reason(c.reason)
    return correct(s, ticket, _execution(ticket, c.exec_id), c.qty, c.px, reason)


def venue_adjustment(s: TradingState, ticket: Ticket, child: ChildOrder,
                     c: cmd.ApplyVenueReport) -> list[Event]:
    """Turn a venue's trade cancel (``bust``) or trade correct (``correct``) into events."""
    execution = _venue_execution(ticket, child, c.venue_exec_id)
    if c.kind == "bust":
        return bust(s, ticket, execution, c.reason or "trade canceled by the venue")
    if c.last_qty is None or c.last_px is None:
        raise ValidationError("a correction needs last_qty and last_px", field="last_qty")
    return correct(s, ticket, execution, c.last_qty, c.last_px,
                   c.reason or "trade corrected by the venue")


def record_dont_know(s: TradingState, c: cmd.RecordDontKnow, ctx: Context,
                     now: datetime) -> list[Event]:
    """Note in the order's history that the client did not recognise an execution report."""
    ticket = require_ticket(s, c.order_id)
    if not c.exec_id or len(c.exec_id) > 64 or not c.exec_id.isprintable():
        raise ValidationError("exec_id must be 1-64 printable characters", field="exec_id")
    return [ev.TicketTradeDisputed(order_id=ticket.order_id, exec_id=c.exec_id,
                                   reason=c.reason.strip()[:MAX_TEXT])]
