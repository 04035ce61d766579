"""Entities of the trading desk: reference data, client orders (tickets), child orders, fills."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from openoms.core.money import ZERO, average


class Side(StrEnum):
    """Side of an order (FIX tag 54)."""

    BUY = "buy"  # 54=1
    SELL = "sell"  # 54=2
    SELL_SHORT = "sell_short"  # 54=5

    @property
    def is_buy(self) -> bool:
        return self is Side.BUY


class OrdType(StrEnum):
    """Order type (FIX tag 40)."""

    MARKET = "market"  # 40=1
    LIMIT = "limit"  # 40=2
    STOP = "stop"  # 40=3
    STOP_LIMIT = "stop_limit"  # 40=4

    @property
    def has_limit(self) -> bool:
        return self in (OrdType.LIMIT, OrdType.STOP_LIMIT)

    @property
    def has_stop(self) -> bool:
        return self in (OrdType.STOP, OrdType.STOP_LIMIT)


class TimeInForce(StrEnum):
    """Time in force (FIX tag 59)."""

    DAY = "day"  # 59=0
    GTC = "gtc"  # 59=1
    IOC = "ioc"  # 59=3
    FOK = "fok"  # 59=4
    GTD = "gtd"  # 59=6

    @property
    def rank(self) -> int:
        """Order by how long an order may live: IOC/FOK < DAY < GTD < GTC."""
        return _TIF_RANK[self]


_TIF_RANK = {
    TimeInForce.IOC: 0,
    TimeInForce.FOK: 0,
    TimeInForce.DAY: 1,
    TimeInForce.GTD: 2,
    TimeInForce.GTC: 3,
}


class Source(StrEnum):
    """Channel an order arrived through."""

    PHONE = "phone"
    FIX = "fix"
    API = "api"


class Handling(StrEnum):
    """Whether a ticket waits on the blotter for a trader or is routed by rules at once."""

    STAGED = "staged"
    AUTOMATIC = "automatic"


class OrderStatus(StrEnum):
    """Order status, FIX 4.4 OrdStatus (39) with the desk's staged state in front.

    FIX 4.4 no longer uses OrdStatus=5 (Replaced): a replace is reported with ExecType=5 and the
    order keeps its working status, which is what OpenOMS does.
    """

    STAGED = "staged"  # on the blotter, not yet working; the client sees 39=A
    PENDING_NEW = "pending_new"  # 39=A
    NEW = "new"  # 39=0
    PARTIALLY_FILLED = "partially_filled"  # 39=1
    FILLED = "filled"  # 39=2
    DONE_FOR_DAY = "done_for_day"  # 39=3
    CANCELED = "canceled"  # 39=4
    PENDING_CANCEL = "pending_cancel"  # 39=6
    REJECTED = "rejected"  # 39=8
    PENDING_REPLACE = "pending_replace"  # 39=E
    EXPIRED = "expired"  # 39=C


TERMINAL = frozenset(
    {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.EXPIRED}
)


class VenueKind(StrEnum):
    """How the desk reaches a venue."""

    SIMULATED = "simulated"
    FIX = "fix"


# ---------------------------------------------------------------- reference data


@dataclass(slots=True, kw_only=True)
class Account:
    """A client of the desk, with its pre-trade risk limits (None means no limit)."""

    account_id: str
    name: str
    max_order_qty: Decimal | None = None
    max_order_notional: Decimal | None = None
    max_open_notional: Decimal | None = None
    restricted_symbols: frozenset[str] = frozenset()
    active: bool = True


@dataclass(slots=True, kw_only=True)
class Instrument:
    """A tradable instrument and its per-instrument risk limits."""

    symbol: str
    name: str
    currency: str
    tick_size: Decimal
    lot_size: Decimal
    reference_price: Decimal
    max_order_qty: Decimal | None = None
    price_collar_pct: Decimal | None = None
    restricted: bool = False


@dataclass(slots=True, kw_only=True)
class Venue:
    """Where child orders go: the built-in simulated exchange or a FIX counterparty."""

    venue_id: str
    name: str
    kind: VenueKind
    active: bool = True


@dataclass(slots=True, kw_only=True)
class Desk:
    """A trading desk; traders belong to one."""

    desk_id: str
    name: str


@dataclass(slots=True, kw_only=True)
class User:
    """A person who acts on orders (trader, sales, ...)."""

    user_id: str
    name: str
    desk_id: str | None = None


@dataclass(slots=True, kw_only=True)
class RoutingRule:
    """Sends matching automatic tickets (None matches any) to a venue; lowest priority wins."""

    rule_id: str
    priority: int
    venue_id: str
    account_id: str | None = None
    symbol: str | None = None

    def matches(self, account_id: str, symbol: str) -> bool:
        return self.account_id in (None, account_id) and self.symbol in (None, symbol)


# ---------------------------------------------------------------- orders


@dataclass(slots=True, kw_only=True)
class Execution:
    """One fill of a child order, rolled up to its ticket (ExecType=F Trade)."""

    exec_id: str
    order_id: str
    child_id: str
    venue_id: str
    venue_exec_id: str
    side: Side
    qty: Decimal
    px: Decimal
    at: datetime


@dataclass(slots=True, kw_only=True)
class OrderTerms:
    """What can be replaced on an order: quantity, prices, time in force."""

    qty: Decimal
    ord_type: OrdType
    limit_px: Decimal | None
    stop_px: Decimal | None
    tif: TimeInForce
    expire_at: datetime | None


@dataclass(slots=True, kw_only=True)
class ChildOrder:
    """A slice of a ticket routed to one venue."""

    child_id: str
    order_id: str
    venue_id: str
    side: Side
    symbol: str
    terms: OrderTerms
    status: OrderStatus
    created_at: datetime
    updated_at: datetime
    cum_qty: Decimal = ZERO
    notional: Decimal = ZERO
    pending_terms: OrderTerms | None = None
    text: str = ""

    @property
    def qty(self) -> Decimal:
        return self.terms.qty

    @property
    def is_open(self) -> bool:
        return self.status not in TERMINAL

    @property
    def leaves_qty(self) -> Decimal:
        return self.terms.qty - self.cum_qty if self.is_open else ZERO

    @property
    def avg_px(self) -> Decimal:
        return average(self.notional, self.cum_qty)


@dataclass(slots=True, kw_only=True)
class PendingRequest:
    """A client's cancel or replace request waiting for the desk (39=6 or 39=E)."""

    kind: str  # "cancel" | "replace"
    cl_ord_id: str
    orig_cl_ord_id: str
    terms: OrderTerms | None
    requested_at: datetime
    accepted: bool = False  # the desk accepted a cancel and is pulling the children


@dataclass(slots=True, kw_only=True)
class Ticket:
    """A client order on the desk's blotter."""

    order_id: str
    cl_ord_id: str
    account_id: str
    symbol: str
    side: Side
    terms: OrderTerms
    source: Source
    handling: Handling
    status: OrderStatus
    created_at: datetime
    updated_at: datetime
    desk_id: str | None = None
    orig_cl_ord_id: str | None = None
    cum_qty: Decimal = ZERO
    notional: Decimal = ZERO
    text: str = ""
    version: int = 0
    children: dict[str, ChildOrder] = field(default_factory=dict)
    executions: list[Execution] = field(default_factory=list)
    # Fills canceled after the fact (trade busts): they no longer count, but the read model
    # still needs their row until the bust is projected.
    busted: list[Execution] = field(default_factory=list)
    pending: PendingRequest | None = None
    exposure: Decimal = ZERO  # leaves x price counted against the account's open notional

    @property
    def qty(self) -> Decimal:
        return self.terms.qty

    @property
    def is_open(self) -> bool:
        if self.status is OrderStatus.DONE_FOR_DAY:
            return self.terms.tif in (TimeInForce.GTC, TimeInForce.GTD)
        return self.status not in TERMINAL

    @property
    def leaves_qty(self) -> Decimal:
        """FIX LeavesQty: what is still to be done; 0 once the order is done or done for day."""
        if not self.is_open or self.status is OrderStatus.DONE_FOR_DAY:
            return ZERO
        return self.terms.qty - self.cum_qty

    @property
    def avg_px(self) -> Decimal:
        return average(self.notional, self.cum_qty)

    @property
    def working_qty(self) -> Decimal:
        """Quantity out at venues: the leaves of open child orders."""
        return sum((c.leaves_qty for c in self.children.values()), ZERO)

    @property
    def unrouted_qty(self) -> Decimal:
        """Leaves not yet sent to any venue: what a new child may take at most."""
        return max(self.leaves_qty - self.working_qty, ZERO)

    def open_children(self) -> list[ChildOrder]:
        return [c for c in self.children.values() if c.is_open]
