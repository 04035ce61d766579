"""Decisions at the edges of the trading day: close, open, and good-till-date expiry."""

from __future__ import annotations

from datetime import datetime

from openoms.core.events import Context, Event
from openoms.core.money import ZERO
from openoms.trading.domain import commands as cmd
from openoms.trading.domain import events as ev
from openoms.trading.domain.model import OrderStatus, OrderTerms, Ticket, TimeInForce
from openoms.trading.domain.state import TradingState

_ENDS_TODAY = (TimeInForce.DAY, TimeInForce.IOC, TimeInForce.FOK)


def _due(terms: OrderTerms, now: datetime) -> bool:
    return terms.tif is TimeInForce.GTD and terms.expire_at is not None and terms.expire_at <= now


def _expire_children(ticket: Ticket, now: datetime, *, all_open: bool) -> list[Event]:
    return [ev.ChildExpired(order_id=ticket.order_id, child_id=child.child_id)
            for child in ticket.open_children()
            if all_open or child.terms.tif in _ENDS_TODAY or _due(child.terms, now)]


def _end_ticket(ticket: Ticket) -> Event:
    # A part-filled order ends the day "done for day" (FIX 4.4 Appendix D), an unfilled one expires.
    if ticket.cum_qty > ZERO and ticket.status is not OrderStatus.STAGED:
        return ev.TicketDoneForDay(order_id=ticket.order_id)
    return ev.TicketExpired(order_id=ticket.order_id)


def close_trading_session(s: TradingState, c: cmd.CloseTradingSession, ctx: Context,
                          now: datetime) -> list[Event]:
    """End DAY tickets and children; put working GTC tickets to done for day."""
    events: list[Event] = []
    for ticket in s.tickets.values():
        if not ticket.is_open or ticket.status is OrderStatus.DONE_FOR_DAY:
            continue
        ends = ticket.terms.tif in _ENDS_TODAY or _due(ticket.terms, now)
        events.extend(_expire_children(ticket, now, all_open=ends))
        if ends:
            events.append(_end_ticket(ticket))
        elif ticket.status in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED):
            events.append(ev.TicketDoneForDay(order_id=ticket.order_id))
    events.append(ev.TradingSessionChanged(desk="main", open=False,
                                           trading_date=c.trading_date))
    return events


def open_trading_session(s: TradingState, c: cmd.OpenTradingSession, ctx: Context,
                         now: datetime) -> list[Event]:
    """Restate GTC tickets that were done for the day: they work again."""
    events: list[Event] = [
        ev.TicketRestated(order_id=t.order_id, reason=f"working again on {c.trading_date}")
        for t in s.tickets.values()
        if t.status is OrderStatus.DONE_FOR_DAY and t.is_open]
    events.append(ev.TradingSessionChanged(desk="main", open=True, trading_date=c.trading_date))
    return events


def expire_orders(s: TradingState, c: cmd.ExpireOrders, ctx: Context,
                  now: datetime) -> list[Event]:
    """Expire GTD tickets and children whose time has come."""
    events: list[Event] = []
    for ticket in s.tickets.values():
        if not ticket.is_open:
            continue
        if _due(ticket.terms, c.now):
            events.extend(_expire_children(ticket, c.now, all_open=True))
            events.append(ev.TicketExpired(order_id=ticket.order_id))
        else:
            events.extend(ev.ChildExpired(order_id=ticket.order_id, child_id=child.child_id)
                          for child in ticket.open_children() if _due(child.terms, c.now))
    return events
