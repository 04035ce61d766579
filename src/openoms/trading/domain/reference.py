"""Decisions on reference data: accounts, instruments, venues, desks, users, routing rules."""

from __future__ import annotations

from datetime import datetime

from openoms.core.errors import NotFound, ValidationError
from openoms.core.events import Context, Event
from openoms.core.money import ZERO, is_multiple, require_positive
from openoms.trading.domain import commands as cmd
from openoms.trading.domain import events as ev
from openoms.trading.domain.state import TradingState


def _require_id(value: str, field: str) -> None:
    if not value or not value.strip() or len(value) > 64 or any(c.isspace() for c in value):
        raise ValidationError(f"{field} must be 1-64 characters without spaces", field=field)


def define_account(s: TradingState, c: cmd.DefineAccount, ctx: Context,
                   now: datetime) -> list[Event]:
    _require_id(c.account_id, "account_id")
    for name in ("max_order_qty", "max_order_notional", "max_open_notional"):
        value = getattr(c, name)
        if value is not None:
            require_positive(value, field=name)
    return [ev.AccountDefined(
        account_id=c.account_id, name=c.name or c.account_id, max_order_qty=c.max_order_qty,
        max_order_notional=c.max_order_notional, max_open_notional=c.max_open_notional,
        restricted_symbols=tuple(sorted(set(c.restricted_symbols))), active=c.active)]


def define_instrument(s: TradingState, c: cmd.DefineInstrument, ctx: Context,
                      now: datetime) -> list[Event]:
    _require_id(c.symbol, "symbol")
    require_positive(c.tick_size, field="tick_size")
    require_positive(c.lot_size, field="lot_size")
    require_positive(c.reference_price, field="reference_price")
    if not is_multiple(c.reference_price, c.tick_size):
        raise ValidationError(
            f"reference_price {c.reference_price} is not on the tick size {c.tick_size}",
            field="reference_price")
    if c.max_order_qty is not None:
        require_positive(c.max_order_qty, field="max_order_qty")
    if c.price_collar_pct is not None and c.price_collar_pct < ZERO:
        raise ValidationError("price_collar_pct must not be negative", field="price_collar_pct")
    if len(c.currency) != 3 or not c.currency.isalpha():
        raise ValidationError("currency must be a 3-letter ISO code", field="currency")
    return [ev.InstrumentDefined(
        symbol=c.symbol, name=c.name or c.symbol, currency=c.currency.upper(),
        tick_size=c.tick_size, lot_size=c.lot_size, reference_price=c.reference_price,
        max_order_qty=c.max_order_qty, price_collar_pct=c.price_collar_pct,
        restricted=c.restricted)]


def define_venue(s: TradingState, c: cmd.DefineVenue, ctx: Context,
                 now: datetime) -> list[Event]:
    _require_id(c.venue_id, "venue_id")
    return [ev.VenueDefined(venue_id=c.venue_id, name=c.name or c.venue_id, kind=c.kind,
                            active=c.active)]


def define_desk(s: TradingState, c: cmd.DefineDesk, ctx: Context, now: datetime) -> list[Event]:
    _require_id(c.desk_id, "desk_id")
    return [ev.DeskDefined(desk_id=c.desk_id, name=c.name or c.desk_id)]


def define_user(s: TradingState, c: cmd.DefineUser, ctx: Context, now: datetime) -> list[Event]:
    _require_id(c.user_id, "user_id")
    if c.desk_id is not None and c.desk_id not in s.desks:
        raise NotFound(f"unknown desk {c.desk_id!r}", field="desk_id")
    return [ev.UserDefined(user_id=c.user_id, name=c.name or c.user_id, desk_id=c.desk_id)]


def define_routing_rule(s: TradingState, c: cmd.DefineRoutingRule, ctx: Context,
                        now: datetime) -> list[Event]:
    _require_id(c.rule_id, "rule_id")
    if c.venue_id not in s.venues:
        raise NotFound(f"unknown venue {c.venue_id!r}", field="venue_id")
    if c.account_id is not None and c.account_id not in s.accounts:
        raise NotFound(f"unknown account {c.account_id!r}", field="account_id")
    if c.symbol is not None and c.symbol not in s.instruments:
        raise NotFound(f"unknown instrument {c.symbol!r}", field="symbol")
    return [ev.RoutingRuleDefined(rule_id=c.rule_id, priority=c.priority, venue_id=c.venue_id,
                                  account_id=c.account_id, symbol=c.symbol)]
