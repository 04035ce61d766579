"""``decide``: the desk's one entry point from a command to the events it causes.

Each command type has one handler named after it; a handler reads the state, raises a
DomainError if the command is not allowed, and returns events. It never changes the state.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from openoms.core.events import Command, Context, Event
from openoms.trading.domain import children, executions, reference, sessions, tickets
from openoms.trading.domain import commands as cmd
from openoms.trading.domain.state import TradingState

Handler = Callable[[TradingState, Any, Context, datetime], list[Event]]

HANDLERS: dict[type[Command], Handler] = {
    cmd.DefineAccount: reference.define_account,
    cmd.DefineInstrument: reference.define_instrument,
    cmd.DefineVenue: reference.define_venue,
    cmd.DefineDesk: reference.define_desk,
    cmd.DefineUser: reference.define_user,
    cmd.DefineRoutingRule: reference.define_routing_rule,
    cmd.SubmitTicket: tickets.submit_ticket,
    cmd.AcceptTicket: tickets.accept_ticket,
    cmd.RejectTicket: tickets.reject_ticket,
    cmd.RequestCancel: tickets.request_cancel,
    cmd.RequestReplace: tickets.request_replace,
    cmd.AcceptPending: tickets.accept_pending,
    cmd.RejectPending: tickets.reject_pending,
    cmd.CancelTicket: tickets.cancel_ticket,
    cmd.RouteChild: children.route_child,
    cmd.CancelChild: children.cancel_child,
    cmd.ReplaceChild: children.replace_child,
    cmd.ApplyVenueReport: children.apply_venue_report,
    cmd.BustExecution: executions.bust_execution,
    cmd.CorrectExecution: executions.correct_execution,
    cmd.RecordDontKnow: executions.record_dont_know,
    cmd.CloseTradingSession: sessions.close_trading_session,
    cmd.OpenTradingSession: sessions.open_trading_session,
    cmd.ExpireOrders: sessions.expire_orders,
}


def decide(state: TradingState, command: Command, ctx: Context, now: datetime) -> list[Event]:
    """Return the events command causes, or raise a DomainError; state is not changed."""
    return HANDLERS[type(command)](state, command, ctx, now)
