"""The desk's live state in memory and ``evolve``: apply one journaled event to it.

Evolve never decides anything: it trusts the event (``decide`` checked it) but still looks the
move up in the transition table, so a corrupt journal fails loudly instead of drifting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from openoms.core.events import Event, Recorded
from openoms.core.fsm import WORKING, Derived, TransitionTable
from openoms.core.money import ZERO
from openoms.trading.domain import events as ev
from openoms.trading.domain.model import (
    Account,
    ChildOrder,
    Desk,
    Execution,
    Instrument,
    OrderStatus,
    OrderTerms,
    PendingRequest,
    RoutingRule,
    Ticket,
    User,
    Venue,
)
from openoms.trading.domain.states import CHILD_TRANSITIONS, TICKET_TRANSITIONS


def _seq(identifier: str) -> int:
    """Return the number in an id the desk issued ("T12" -> 12); 0 for any other shape."""
    tail = identifier[1:]
    return int(tail) if tail.isdigit() else 0


@dataclass(slots=True)
class TradingState:
    """Everything the desk knows, kept in memory by the single writer."""

    accounts: dict[str, Account] = field(default_factory=dict)
    instruments: dict[str, Instrument] = field(default_factory=dict)
    venues: dict[str, Venue] = field(default_factory=dict)
    desks: dict[str, Desk] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    routing_rules: dict[str, RoutingRule] = field(default_factory=dict)
    tickets: dict[str, Ticket] = field(default_factory=dict)
    child_index: dict[str, str] = field(default_factory=dict)  # child id -> order id
    cl_ord_index: dict[tuple[str, str], str] = field(default_factory=dict)  # (account, ClOrdID)
    open_notional: dict[str, Decimal] = field(default_factory=dict)  # per account
    versions: dict[str, int] = field(default_factory=dict)  # stream id -> last version
    ticket_seq: int = 0
    child_seq: int = 0
    exec_seq: int = 0
    session_open: bool = True
    trading_date: str = ""

    # ------------------------------------------------------------ ids (decide peeks, evolve bumps)

    def next_order_id(self) -> str:
        return f"T{self.ticket_seq + 1}"

    def next_child_id(self) -> str:
        return f"C{self.child_seq + 1}"

    def next_exec_id(self) -> str:
        return f"E{self.exec_seq + 1}"

    def ticket_of_child(self, child_id: str) -> Ticket | None:
        order_id = self.child_index.get(child_id)
        return None if order_id is None else self.tickets.get(order_id)

    # ------------------------------------------------------------ evolve

    def apply(self, recorded: Recorded) -> None:
        """Apply one journaled event."""
        event = recorded.event
        handler = _HANDLERS[type(event)]
        handler(self, event, recorded.recorded_time)
        self.versions[recorded.stream_id] = recorded.version
        if isinstance(event, ev.TicketEvent):
            ticket = self.tickets[event.order_id]
            ticket.version = recorded.version
            ticket.updated_at = recorded.recorded_time
            self._refresh_exposure(ticket)

    def _refresh_exposure(self, ticket: Ticket) -> None:
        instrument = self.instruments.get(ticket.symbol)
        px = ticket.terms.limit_px or (instrument.reference_price if instrument else ZERO)
        exposure = ticket.leaves_qty * px
        if exposure != ticket.exposure:
            total = self.open_notional.get(ticket.account_id, ZERO)
            self.open_notional[ticket.account_id] = total + exposure - ticket.exposure
            ticket.exposure = exposure


def resolve(table: TransitionTable[OrderStatus], current: OrderStatus | None, event: Event,
            cum_qty: Decimal, qty: Decimal) -> OrderStatus:
    """Look up the status event leads to and resolve WORKING from quantities."""
    target = table.next(current, type(event))
    if isinstance(target, Derived):
        assert target is WORKING
        if cum_qty >= qty:
            return OrderStatus.FILLED
        return OrderStatus.PARTIALLY_FILLED if cum_qty > ZERO else OrderStatus.NEW
    return target


def _move_ticket(ticket: Ticket, event: Event, *, cum: Decimal | None = None,
                 qty: Decimal | None = None) -> None:
    ticket.status = resolve(TICKET_TRANSITIONS, ticket.status, event,
                            ticket.cum_qty if cum is None else cum,
                            ticket.qty if qty is None else qty)


def _move_child(child: ChildOrder, event: Event, *, qty: Decimal | None = None) -> None:
    child.status = resolve(CHILD_TRANSITIONS, child.status, event, child.cum_qty,
                           child.qty if qty is None else qty)


# ---------------------------------------------------------------- reference data


def _account(s: TradingState, e: ev.AccountDefined, at: datetime) -> None:
    s.accounts[e.account_id] = Account(
        account_id=e.account_id, name=e.name, max_order_qty=e.max_order_qty,
        max_order_notional=e.max_order_notional, max_open_notional=e.max_open_notional,
        restricted_symbols=frozenset(e.restricted_symbols), active=e.active)


def _instrument(s: TradingState, e: ev.InstrumentDefined, at: datetime) -> None:
    s.instruments[e.symbol] = Instrument(
        symbol=e.symbol, name=e.name, currency=e.currency, tick_size=e.tick_size,
        lot_size=e.lot_size, reference_price=e.reference_price, max_order_qty=e.max_order_qty,
        price_collar_pct=e.price_collar_pct, restricted=e.restricted)


def _venue(s: TradingState, e: ev.VenueDefined, at: datetime) -> None:
    s.venues[e.venue_id] = Venue(venue_id=e.venue_id, name=e.name, kind=e.kind, active=e.active)


def _desk(s: TradingState, e: ev.DeskDefined, at: datetime) -> None:
    s.desks[e.desk_id] = Desk(desk_id=e.desk_id, name=e.name)


def _user(s: TradingState, e: ev.UserDefined, at: datetime) -> None:
    s.users[e.user_id] = User(user_id=e.user_id, name=e.name, desk_id=e.desk_id)


def _rule(s: TradingState, e: ev.RoutingRuleDefined, at: datetime) -> None:
    s.routing_rules[e.rule_id] = RoutingRule(
        rule_id=e.rule_id, priority=e.priority, venue_id=e.venue_id,
        account_id=e.account_id, symbol=e.symbol)


def _session(s: TradingState, e: ev.TradingSessionChanged, at: datetime) -> None:
    s.session_open = e.open
    s.trading_date = e.trading_date


# ---------------------------------------------------------------- tickets


def _opened(s: TradingState, e: ev.TicketOpened, at: datetime) -> None:
    status = resolve(TICKET_TRANSITIONS, None, e, ZERO, e.qty)
    s.tickets[e.order_id] = Ticket(
        order_id=e.order_id, cl_ord_id=e.cl_ord_id, account_id=e.account_id, symbol=e.symbol,
        side=e.side, source=e.source, handling=e.handling, status=status, created_at=at,
        updated_at=at, desk_id=e.desk_id, text=e.text,
        terms=OrderTerms(qty=e.qty, ord_type=e.ord_type, limit_px=e.limit_px,
                         stop_px=e.stop_px, tif=e.tif, expire_at=e.expire_at))
    s.cl_ord_index[(e.account_id, e.cl_ord_id)] = e.order_id
    s.ticket_seq = max(s.ticket_seq, _seq(e.order_id))


def _status_only(s: TradingState, e: ev.TicketEvent, at: datetime) -> None:
    _move_ticket(s.tickets[e.order_id], e)


def _rejected(s: TradingState, e: ev.TicketRejected, at: datetime) -> None:
    ticket = s.tickets[e.order_id]
    _move_ticket(ticket, e)
    ticket.text = e.reason


def _cancel_requested(s: TradingState, e: ev.TicketCancelRequested, at: datetime) -> None:
    ticket = s.tickets[e.order_id]
    _move_ticket(ticket, e)
    ticket.pending = PendingRequest(kind="cancel", cl_ord_id=e.cl_ord_id,
                                    orig_cl_ord_id=e.orig_cl_ord_id, terms=None, requested_at=at)
    s.cl_ord_index[(ticket.account_id, e.cl_ord_id)] = ticket.order_id


def _cancel_accepted(s: TradingState, e: ev.TicketCancelAccepted, at: datetime) -> None:
    ticket = s.tickets[e.order_id]
    _move_ticket(ticket, e)
    assert ticket.pending is not None
    ticket.pending.accepted = True


def _pending_rejected(s: TradingState, e: ev.TicketCancelRejected | ev.TicketReplaceRejected,
                      at: datetime) -> None:
    ticket = s.tickets[e.order_id]
    _move_ticket(ticket, e)
    ticket.pending = None
    ticket.text = e.reason


def _canceled(s: TradingState, e: ev.TicketCanceled, at: datetime) -> None:
    ticket = s.tickets[e.order_id]
    _move_ticket(ticket, e)
    if e.cl_ord_id and e.cl_ord_id != ticket.cl_ord_id:
        ticket.orig_cl_ord_id, ticket.cl_ord_id = ticket.cl_ord_id, e.cl_ord_id
        s.cl_ord_index[(ticket.account_id, e.cl_ord_id)] = ticket.order_id
    ticket.pending = None
    ticket.text = e.reason


def _replace_requested(s: TradingState, e: ev.TicketReplaceRequested, at: datetime) -> None:
    ticket = s.tickets[e.order_id]
    _move_ticket(ticket, e)
    ticket.pending = PendingRequest(
        kind="replace", cl_ord_id=e.cl_ord_id, orig_cl_ord_id=e.orig_cl_ord_id, requested_at=at,
        terms=OrderTerms(qty=e.qty, ord_type=e.ord_type, limit_px=e.limit_px, stop_px=e.stop_px,
                         tif=e.tif, expire_at=e.expire_at))
    s.cl_ord_index[(ticket.account_id, e.cl_ord_id)] = ticket.order_id


def _replaced(s: TradingState, e: ev.TicketReplaced, at: datetime) -> None:
    ticket = s.tickets[e.order_id]
    _move_ticket(ticket, e, qty=e.qty)
    ticket.terms = OrderTerms(qty=e.qty, ord_type=e.ord_type, limit_px=e.limit_px,
                              stop_px=e.stop_px, tif=e.tif, expire_at=e.expire_at)
    if e.cl_ord_id != ticket.cl_ord_id:
        ticket.orig_cl_ord_id, ticket.cl_ord_id = ticket.cl_ord_id, e.cl_ord_id
        s.cl_ord_index[(ticket.account_id, e.cl_ord_id)] = ticket.order_id
    ticket.pending = None


def _ticket_fill(s: TradingState, e: ev.TicketFill, at: datetime) -> None:
    ticket = s.tickets[e.order_id]
    _move_ticket(ticket, e, cum=ticket.cum_qty + e.last_qty)
    ticket.cum_qty += e.last_qty
    ticket.notional += e.last_qty * e.last_px
    ticket.executions.append(Execution(
        exec_id=e.exec_id, order_id=e.order_id, child_id=e.child_id, venue_id=e.venue_id,
        venue_exec_id=e.venue_exec_id, side=ticket.side, qty=e.last_qty, px=e.last_px, at=at))
    s.exec_seq = max(s.exec_seq, _seq(e.exec_id))


def _execution_at(ticket: Ticket, exec_id: str) -> int:
    for index, execution in enumerate(ticket.executions):
        if execution.exec_id == exec_id:
            return index
    raise KeyError(f"order {ticket.order_id} has no execution {exec_id}")


def _execution_busted(s: TradingState, e: ev.TicketExecutionBusted, at: datetime) -> None:
    ticket = s.tickets[e.order_id]
    index = _execution_at(ticket, e.ref_exec_id)
    cum = ticket.cum_qty - e.last_qty
    _move_ticket(ticket, e, cum=cum)
    ticket.cum_qty = cum
    ticket.notional -= e.last_qty * e.last_px
    ticket.busted.append(ticket.executions.pop(index))


def _execution_corrected(s: TradingState, e: ev.TicketExecutionCorrected, at: datetime) -> None:
    ticket = s.tickets[e.order_id]
    execution = ticket.executions[_execution_at(ticket, e.ref_exec_id)]
    cum = ticket.cum_qty - execution.qty + e.last_qty
    _move_ticket(ticket, e, cum=cum)
    ticket.cum_qty = cum
    ticket.notional += e.last_qty * e.last_px - execution.qty * execution.px
    execution.qty, execution.px = e.last_qty, e.last_px


def _trade_disputed(s: TradingState, e: ev.TicketTradeDisputed, at: datetime) -> None:
    """Nothing changes but the stream: the dispute is in the order's history."""


# ---------------------------------------------------------------- children


def _child_routed(s: TradingState, e: ev.ChildRouted, at: datetime) -> None:
    ticket = s.tickets[e.order_id]
    status = resolve(CHILD_TRANSITIONS, None, e, ZERO, e.qty)
    ticket.children[e.child_id] = ChildOrder(
        child_id=e.child_id, order_id=e.order_id, venue_id=e.venue_id, side=e.side,
        symbol=e.symbol, status=status, created_at=at, updated_at=at,
        terms=OrderTerms(qty=e.qty, ord_type=e.ord_type, limit_px=e.limit_px, stop_px=e.stop_px,
                         tif=e.tif, expire_at=e.expire_at))
    s.child_index[e.child_id] = e.order_id
    s.child_seq = max(s.child_seq, _seq(e.child_id))


def _child(s: TradingState, e: ev.ChildEvent, at: datetime) -> ChildOrder:
    child = s.tickets[e.order_id].children[e.child_id]
    child.updated_at = at
    return child


def _child_status(s: TradingState, e: ev.ChildEvent, at: datetime) -> None:
    _move_child(_child(s, e, at), e)


def _child_text(s: TradingState, e: ev.ChildRejected | ev.ChildCanceled
                | ev.ChildCancelRejected | ev.ChildReplaceRejected, at: datetime) -> None:
    child = _child(s, e, at)
    _move_child(child, e)
    child.text = e.reason
    if isinstance(e, ev.ChildReplaceRejected):
        child.pending_terms = None


def _child_fill(s: TradingState, e: ev.ChildFill, at: datetime) -> None:
    child = _child(s, e, at)
    child.cum_qty += e.last_qty
    child.notional += e.last_qty * e.last_px
    _move_child(child, e)


def _child_replace_requested(s: TradingState, e: ev.ChildReplaceRequested, at: datetime) -> None:
    child = _child(s, e, at)
    _move_child(child, e)
    t = child.terms
    child.pending_terms = OrderTerms(qty=e.qty, ord_type=t.ord_type, limit_px=e.limit_px,
                                     stop_px=t.stop_px, tif=t.tif, expire_at=t.expire_at)


def _child_replaced(s: TradingState, e: ev.ChildReplaced, at: datetime) -> None:
    child = _child(s, e, at)
    _move_child(child, e, qty=e.qty)
    t = child.terms
    child.terms = OrderTerms(qty=e.qty, ord_type=t.ord_type, limit_px=e.limit_px,
                             stop_px=t.stop_px, tif=t.tif, expire_at=t.expire_at)
    child.pending_terms = None


def _child_adjusted(s: TradingState, e: ev.ChildExecutionBusted | ev.ChildExecutionCorrected,
                    at: datetime) -> None:
    child = _child(s, e, at)
    if isinstance(e, ev.ChildExecutionBusted):
        qty, notional = -e.last_qty, -e.last_qty * e.last_px
    else:
        qty = e.last_qty - e.prev_qty
        notional = e.last_qty * e.last_px - e.prev_qty * e.prev_px
    child.status = resolve(CHILD_TRANSITIONS, child.status, e, child.cum_qty + qty, child.qty)
    child.cum_qty += qty
    child.notional += notional


_HANDLERS: dict[type[Event], Callable[[TradingState, Any, datetime], None]] = {
    ev.AccountDefined: _account,
    ev.InstrumentDefined: _instrument,
    ev.VenueDefined: _venue,
    ev.DeskDefined: _desk,
    ev.UserDefined: _user,
    ev.RoutingRuleDefined: _rule,
    ev.TradingSessionChanged: _session,
    ev.TicketStaged: _opened,
    ev.TicketReceived: _opened,
    ev.TicketAccepted: _status_only,
    ev.TicketRejected: _rejected,
    ev.TicketCancelRequested: _cancel_requested,
    ev.TicketCancelAccepted: _cancel_accepted,
    ev.TicketCancelRejected: _pending_rejected,
    ev.TicketCanceled: _canceled,
    ev.TicketReplaceRequested: _replace_requested,
    ev.TicketReplaceRejected: _pending_rejected,
    ev.TicketReplaced: _replaced,
    ev.TicketPartiallyFilled: _ticket_fill,
    ev.TicketFilled: _ticket_fill,
    ev.TicketDoneForDay: _status_only,
    ev.TicketRestated: _status_only,
    ev.TicketExpired: _status_only,
    ev.TicketExecutionBusted: _execution_busted,
    ev.TicketExecutionCorrected: _execution_corrected,
    ev.TicketTradeDisputed: _trade_disputed,
    ev.ChildRouted: _child_routed,
    ev.ChildAcknowledged: _child_status,
    ev.ChildRejected: _child_text,
    ev.ChildPartiallyFilled: _child_fill,
    ev.ChildFilled: _child_fill,
    ev.ChildCancelRequested: _child_status,
    ev.ChildCanceled: _child_text,
    ev.ChildCancelRejected: _child_text,
    ev.ChildReplaceRequested: _child_replace_requested,
    ev.ChildReplaced: _child_replaced,
    ev.ChildReplaceRejected: _child_text,
    ev.ChildExpired: _child_status,
    ev.ChildExecutionBusted: _child_adjusted,
    ev.ChildExecutionCorrected: _child_adjusted,
}
