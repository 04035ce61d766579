"""Commands a trader, a client or a venue sends to the trading desk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from openoms.core.events import Command
from openoms.trading.domain.model import Handling, OrdType, Side, Source, TimeInForce, VenueKind


@dataclass(frozen=True, slots=True, kw_only=True)
class DefineAccount(Command):
    account_id: str
    name: str
    max_order_qty: Decimal | None = None
    max_order_notional: Decimal | None = None
    max_open_notional: Decimal | None = None
    restricted_symbols: tuple[str, ...] = ()
    active: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class DefineInstrument(Command):
    symbol: str
    name: str
    currency: str
    tick_size: Decimal
    lot_size: Decimal
    reference_price: Decimal
    max_order_qty: Decimal | None = None
    price_collar_pct: Decimal | None = None
    restricted: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class DefineVenue(Command):
    venue_id: str
    name: str
    kind: VenueKind
    active: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class DefineDesk(Command):
    desk_id: str
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DefineUser(Command):
    user_id: str
    name: str
    desk_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DefineRoutingRule(Command):
    rule_id: str
    priority: int
    venue_id: str
    account_id: str | None = None
    symbol: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitTicket(Command):
    """Capture a client order; cl_ord_id None lets the desk number it (phone orders)."""

    account_id: str
    symbol: str
    side: Side
    qty: Decimal
    ord_type: OrdType
    tif: TimeInForce = TimeInForce.DAY
    limit_px: Decimal | None = None
    stop_px: Decimal | None = None
    expire_at: datetime | None = None
    cl_ord_id: str | None = None
    source: Source = Source.PHONE
    handling: Handling = Handling.STAGED
    desk_id: str | None = None
    text: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class AcceptTicket(Command):
    order_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RejectTicket(Command):
    order_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestCancel(Command):
    """The client asks to cancel (FIX 35=F); immediate when nothing works at a venue."""

    order_id: str
    cl_ord_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestReplace(Command):
    """The client asks to change terms (FIX 35=G); None keeps the current value."""

    order_id: str
    cl_ord_id: str | None = None
    qty: Decimal | None = None
    limit_px: Decimal | None = None
    stop_px: Decimal | None = None
    tif: TimeInForce | None = None
    expire_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AcceptPending(Command):
    """The desk accepts the client's pending cancel or replace request."""

    order_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RejectPending(Command):
    """The desk refuses the client's pending cancel or replace request."""

    order_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelTicket(Command):
    """The desk cancels a ticket on its own (unsolicited cancel): children first."""

    order_id: str
    reason: str = "canceled by the desk"


@dataclass(frozen=True, slots=True, kw_only=True)
class RouteChild(Command):
    """Send part of a ticket to a venue; unset terms default to the ticket's."""

    order_id: str
    venue_id: str
    qty: Decimal
    ord_type: OrdType | None = None
    limit_px: Decimal | None = None
    stop_px: Decimal | None = None
    tif: TimeInForce | None = None
    expire_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelChild(Command):
    order_id: str
    child_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplaceChild(Command):
    order_id: str
    child_id: str
    qty: Decimal | None = None
    limit_px: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplyVenueReport(Command):
    """A venue reported on a child order.

    kind: ack | reject | fill | canceled | cancel_rejected | replaced | replace_rejected | expired
    | bust | correct. A bust or a correction names the fill by its ``venue_exec_id``; a
    correction carries the fill's corrected ``last_qty`` and ``last_px``.
    """

    child_id: str
    kind: str
    venue_exec_id: str = ""
    last_qty: Decimal | None = None
    last_px: Decimal | None = None
    qty: Decimal | None = None
    limit_px: Decimal | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class BustExecution(Command):
    """The desk cancels one of the ticket's fills (the client sees ExecType=H Trade Cancel)."""

    order_id: str
    exec_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CorrectExecution(Command):
    """The desk corrects one of the ticket's fills (the client sees ExecType=G Trade Correct)."""

    order_id: str
    exec_id: str
    qty: Decimal
    px: Decimal
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordDontKnow(Command):
    """The client does not recognise an execution report (FIX DontKnowTrade 35=Q)."""

    order_id: str
    exec_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CloseTradingSession(Command):
    """End the trading day: DAY orders end, GTC orders are done for the day."""

    trading_date: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenTradingSession(Command):
    """Start a trading day: GTC orders done for the day are restated and work again."""

    trading_date: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpireOrders(Command):
    """Expire good-till-date tickets and children whose expiry time has passed."""

    now: datetime
