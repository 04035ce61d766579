"""Checks shared by the desk's decisions: reference data lookups and order terms."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from openoms.core.errors import NotFound, UnknownOrder, ValidationError
from openoms.core.money import is_multiple, require_positive
from openoms.trading.domain.model import (
    Account,
    ChildOrder,
    Instrument,
    OrderTerms,
    OrdType,
    Side,
    Ticket,
    TimeInForce,
    Venue,
)
from openoms.trading.domain.state import TradingState


def require_account(state: TradingState, account_id: str) -> Account:
    """Return the active account.

    Raises:
        NotFound: unknown or inactive account (field ``account_id``).
    """
    account = state.accounts.get(account_id)
    if account is None:
        raise NotFound(f"unknown account {account_id!r}", field="account_id")
    if not account.active:
        raise ValidationError(f"account {account_id!r} is inactive", field="account_id")
    return account


def require_instrument(state: TradingState, symbol: str) -> Instrument:
    """Return the instrument.

    Raises:
        NotFound: unknown symbol (field ``symbol``).
    """
    instrument = state.instruments.get(symbol)
    if instrument is None:
        raise NotFound(f"unknown instrument {symbol!r}", field="symbol")
    return instrument


def require_venue(state: TradingState, venue_id: str) -> Venue:
    """Return the active venue.

    Raises:
        NotFound: unknown or inactive venue (field ``venue_id``).
    """
    venue = state.venues.get(venue_id)
    if venue is None or not venue.active:
        raise NotFound(f"unknown or inactive venue {venue_id!r}", field="venue_id")
    return venue


def require_ticket(state: TradingState, order_id: str) -> Ticket:
    """Return the ticket.

    Raises:
        UnknownOrder: no such order.
    """
    ticket = state.tickets.get(order_id)
    if ticket is None:
        raise UnknownOrder(f"unknown order {order_id!r}", field="order_id")
    return ticket


def require_child(ticket: Ticket, child_id: str) -> ChildOrder:
    """Return the ticket's child order.

    Raises:
        UnknownOrder: the ticket has no such child.
    """
    child = ticket.children.get(child_id)
    if child is None:
        raise UnknownOrder(f"order {ticket.order_id} has no child {child_id!r}",
                           field="child_id")
    return child


def check_terms(terms: OrderTerms, instrument: Instrument, now: datetime) -> None:
    """Check quantity, prices and time in force against the instrument's lot and tick.

    Raises:
        ValidationError: naming the offending field.
    """
    require_positive(terms.qty, field="qty")
    if not is_multiple(terms.qty, instrument.lot_size):
        raise ValidationError(
            f"qty {terms.qty} is not a multiple of the lot size {instrument.lot_size}",
            field="qty")
    for name, price, needed in (("limit_px", terms.limit_px, terms.ord_type.has_limit),
                                ("stop_px", terms.stop_px, terms.ord_type.has_stop)):
        if needed and price is None:
            raise ValidationError(f"{name} is required for a {terms.ord_type} order", field=name)
        if not needed and price is not None:
            raise ValidationError(f"{name} is not allowed on a {terms.ord_type} order",
                                  field=name)
        if price is not None:
            require_positive(price, field=name)
            if not is_multiple(price, instrument.tick_size):
                raise ValidationError(
                    f"{name} {price} is not on the tick size {instrument.tick_size}", field=name)
    if terms.tif is TimeInForce.GTD:
        if terms.expire_at is None:
            raise ValidationError("expire_at is required for a GTD order", field="expire_at")
        if terms.expire_at <= now:
            raise ValidationError("expire_at must be in the future", field="expire_at")
    elif terms.expire_at is not None:
        raise ValidationError("expire_at is only allowed with time in force GTD",
                              field="expire_at")
    if terms.ord_type is OrdType.MARKET and terms.tif is TimeInForce.GTC:
        raise ValidationError("a market order cannot be good till cancel", field="tif")


def more_aggressive(side: Side, child_px: Decimal | None, parent_px: Decimal | None) -> bool:
    """Tell whether a child's limit is more aggressive than its parent's (None = market)."""
    if parent_px is None:
        return False
    if child_px is None:
        return True
    return child_px > parent_px if side.is_buy else child_px < parent_px


def check_child_within(ticket: Ticket, terms: OrderTerms, *, field_prefix: str = "") -> None:
    """Check that a child's limit and time in force stay within the ticket's.

    Raises:
        ValidationError: a limit more aggressive or a time in force longer than the client's.
    """
    parent = ticket.terms
    if parent.ord_type.has_limit and more_aggressive(ticket.side, terms.limit_px,
                                                      parent.limit_px):
        shown = "market" if terms.limit_px is None else str(terms.limit_px)
        raise ValidationError(
            f"child limit {shown} is more aggressive than the client's limit {parent.limit_px}",
            field=f"{field_prefix}limit_px")
    if terms.tif.rank > parent.tif.rank:
        raise ValidationError(
            f"child time in force {terms.tif} is longer than the client's {parent.tif}",
            field=f"{field_prefix}tif")
    if (terms.tif is TimeInForce.GTD and parent.tif is TimeInForce.GTD
            and terms.expire_at and parent.expire_at and terms.expire_at > parent.expire_at):
        raise ValidationError("child expires after the client's order", field="expire_at")
