"""Events of the trading desk. Each docstring names its FIX counterpart where there is one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from openoms.core.events import Event
from openoms.trading.domain.model import (
    Handling,
    OrdType,
    Side,
    Source,
    TimeInForce,
    VenueKind,
)

# ---------------------------------------------------------------- reference data


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountDefined(Event):
    """An account was created or its limits changed."""

    STREAM: ClassVar[str] = "account"
    KEY: ClassVar[str] = "account_id"
    account_id: str
    name: str
    max_order_qty: Decimal | None = None
    max_order_notional: Decimal | None = None
    max_open_notional: Decimal | None = None
    restricted_symbols: tuple[str, ...] = ()
    active: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class InstrumentDefined(Event):
    """An instrument was created or changed (reference price, limits)."""

    STREAM: ClassVar[str] = "instrument"
    KEY: ClassVar[str] = "symbol"
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
class VenueDefined(Event):
    """A venue was created or changed."""

    STREAM: ClassVar[str] = "venue"
    KEY: ClassVar[str] = "venue_id"
    venue_id: str
    name: str
    kind: VenueKind
    active: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class DeskDefined(Event):
    """A desk was created or renamed."""

    STREAM: ClassVar[str] = "desk"
    KEY: ClassVar[str] = "desk_id"
    desk_id: str
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class UserDefined(Event):
    """A user was created or moved to another desk."""

    STREAM: ClassVar[str] = "user"
    KEY: ClassVar[str] = "user_id"
    user_id: str
    name: str
    desk_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RoutingRuleDefined(Event):
    """A routing rule for automatic tickets was created or changed."""

    STREAM: ClassVar[str] = "routing_rule"
    KEY: ClassVar[str] = "rule_id"
    rule_id: str
    priority: int
    venue_id: str
    account_id: str | None = None
    symbol: str | None = None


# ---------------------------------------------------------------- tickets


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketEvent(Event):
    """An event of one client order's stream (the ticket and its children)."""

    STREAM: ClassVar[str] = "order"
    KEY: ClassVar[str] = "order_id"
    order_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketOpened(TicketEvent):
    """Fields shared by the two events that open a ticket."""

    cl_ord_id: str
    account_id: str
    symbol: str
    side: Side
    qty: Decimal
    ord_type: OrdType
    limit_px: Decimal | None
    stop_px: Decimal | None
    tif: TimeInForce
    expire_at: datetime | None
    source: Source
    handling: Handling
    desk_id: str | None = None
    text: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketStaged(TicketOpened):
    """A ticket was put on the blotter for a trader; the client sees OrdStatus=A Pending New."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketReceived(TicketOpened):
    """An automatic ticket was received (ExecType=A Pending New)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketAccepted(TicketEvent):
    """The desk accepted the ticket (ExecType=0 New)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketRejected(TicketEvent):
    """The desk rejected the ticket (ExecType=8 Rejected)."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketCancelRequested(TicketEvent):
    """The client asked to cancel while children work (ExecType=6 Pending Cancel)."""

    cl_ord_id: str
    orig_cl_ord_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketCancelAccepted(TicketEvent):
    """The desk accepted a pending cancel and is pulling the children (no FIX message)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketCancelRejected(TicketEvent):
    """A cancel request was refused (OrderCancelReject 35=9, CxlRejResponseTo=1)."""

    cl_ord_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketCanceled(TicketEvent):
    """The ticket was canceled, by the client's request or by the desk (ExecType=4 Canceled)."""

    cl_ord_id: str | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketTermsChange(TicketEvent):
    """Fields shared by a replace request and a replace: the new ClOrdID and terms."""

    cl_ord_id: str
    orig_cl_ord_id: str
    qty: Decimal
    ord_type: OrdType
    limit_px: Decimal | None
    stop_px: Decimal | None
    tif: TimeInForce
    expire_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketReplaceRequested(TicketTermsChange):
    """The client asked to replace while children work (ExecType=E Pending Replace)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketReplaceRejected(TicketEvent):
    """A replace request was refused (OrderCancelReject 35=9, CxlRejResponseTo=2)."""

    cl_ord_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketReplaced(TicketTermsChange):
    """The ticket's terms were replaced (ExecType=5 Replaced)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketFill(TicketEvent):
    """Fields shared by the two fill events of a ticket."""

    exec_id: str
    child_id: str
    venue_id: str
    venue_exec_id: str
    last_qty: Decimal
    last_px: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketPartiallyFilled(TicketFill):
    """A child fill left the ticket with quantity to do (ExecType=F Trade, OrdStatus=1)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketFilled(TicketFill):
    """A child fill completed the ticket (ExecType=F Trade, OrdStatus=2)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketDoneForDay(TicketEvent):
    """The session closed with the ticket part-filled or good till cancel (ExecType=3)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketRestated(TicketEvent):
    """A good-till-cancel ticket is working again in a new session (ExecType=D Restated)."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketExpired(TicketEvent):
    """The ticket's time in force ran out (ExecType=C Expired)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketExecutionChange(TicketEvent):
    """Fields shared by a bust and a correction: this report's own id and the fill it names."""

    exec_id: str
    ref_exec_id: str
    child_id: str
    last_qty: Decimal
    last_px: Decimal
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketExecutionBusted(TicketExecutionChange):
    """One of the ticket's fills was canceled (ExecType=H Trade Cancel, ExecRefID=ref_exec_id);
    last_qty and last_px are those of the canceled fill."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketExecutionCorrected(TicketExecutionChange):
    """One of the ticket's fills was corrected (ExecType=G Trade Correct, ExecRefID);
    last_qty and last_px are the fill's corrected values."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketTradeDisputed(TicketEvent):
    """The client answered an execution report with DontKnowTrade (35=Q); no status change."""

    exec_id: str
    reason: str


# ---------------------------------------------------------------- child orders


@dataclass(frozen=True, slots=True, kw_only=True)
class ChildEvent(TicketEvent):
    """An event of one child order; it lives in its ticket's stream."""

    child_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChildRouted(ChildEvent):
    """A child order was created and sent to a venue (NewOrderSingle 35=D out)."""

    venue_id: str
    side: Side
    symbol: str
    qty: Decimal
    ord_type: OrdType
    limit_px: Decimal | None
    stop_px: Decimal | None
    tif: TimeInForce
    expire_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChildAcknowledged(ChildEvent):
    """The venue accepted the child (ExecType=0 New from the venue)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChildRejected(ChildEvent):
    """The venue rejected the child (ExecType=8 from the venue)."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChildFill(ChildEvent):
    """Fields shared by the two fill events of a child."""

    exec_id: str
    venue_exec_id: str
    last_qty: Decimal
    last_px: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class ChildPartiallyFilled(ChildFill):
    """The venue filled part of the child (ExecType=F, OrdStatus=1 from the venue)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChildFilled(ChildFill):
    """The venue filled the rest of the child (ExecType=F, OrdStatus=2 from the venue)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChildCancelRequested(ChildEvent):
    """The desk asked the venue to cancel the child (OrderCancelRequest 35=F out)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChildCanceled(ChildEvent):
    """The venue canceled the child (ExecType=4 from the venue)."""

    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChildCancelRejected(ChildEvent):
    """The venue refused to cancel the child (OrderCancelReject 35=9 from the venue)."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChildReplaceRequested(ChildEvent):
    """The desk asked the venue to replace the child (OrderCancelReplaceRequest 35=G out)."""

    qty: Decimal
    limit_px: Decimal | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChildReplaced(ChildEvent):
    """The venue replaced the child (ExecType=5 from the venue)."""

    qty: Decimal
    limit_px: Decimal | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChildReplaceRejected(ChildEvent):
    """The venue refused to replace the child (OrderCancelReject 35=9 from the venue)."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChildExpired(ChildEvent):
    """The child's time in force ran out at the venue (ExecType=C from the venue)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChildExecutionBusted(ChildEvent):
    """A fill of the child was canceled (ExecType=H Trade Cancel from the venue or the desk)."""

    ref_exec_id: str
    last_qty: Decimal
    last_px: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class ChildExecutionCorrected(ChildEvent):
    """A fill of the child was corrected (ExecType=G Trade Correct from the venue or the desk).

    prev_qty and prev_px are the fill as it stood; last_qty and last_px as corrected.
    """

    ref_exec_id: str
    prev_qty: Decimal
    prev_px: Decimal
    last_qty: Decimal
    last_px: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class TradingSessionChanged(Event):
    """The desk's trading session closed or opened."""

    STREAM: ClassVar[str] = "session"
    KEY: ClassVar[str] = "desk"
    desk: str
    open: bool
    trading_date: str


TICKET_EVENTS: tuple[type[TicketEvent], ...] = (
    TicketStaged,
    TicketReceived,
    TicketAccepted,
    TicketRejected,
    TicketCancelRequested,
    TicketCancelAccepted,
    TicketCancelRejected,
    TicketCanceled,
    TicketReplaceRequested,
    TicketReplaceRejected,
    TicketReplaced,
    TicketPartiallyFilled,
    TicketFilled,
    TicketDoneForDay,
    TicketRestated,
    TicketExpired,
    TicketExecutionBusted,
    TicketExecutionCorrected,
    TicketTradeDisputed,
)

CHILD_EVENTS: tuple[type[ChildEvent], ...] = (
    ChildRouted,
    ChildAcknowledged,
    ChildRejected,
    ChildPartiallyFilled,
    ChildFilled,
    ChildCancelRequested,
    ChildCanceled,
    ChildCancelRejected,
    ChildReplaceRequested,
    ChildReplaced,
    ChildReplaceRejected,
    ChildExpired,
    ChildExecutionBusted,
    ChildExecutionCorrected,
)

REFERENCE_EVENTS: tuple[type[Event], ...] = (
    AccountDefined,
    InstrumentDefined,
    VenueDefined,
    DeskDefined,
    UserDefined,
    RoutingRuleDefined,
    TradingSessionChanged,
)

ALL_EVENTS: tuple[type[Event], ...] = TICKET_EVENTS + CHILD_EVENTS + REFERENCE_EVENTS
