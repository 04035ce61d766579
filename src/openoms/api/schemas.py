"""Request bodies of the trading API. Unknown fields are refused so typos do not pass."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from openoms.trading.domain.model import Handling, OrdType, Side, TimeInForce, VenueKind

Id = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
Qty = Annotated[Decimal, Field(gt=0, allow_inf_nan=False, max_digits=20)]
Price = Annotated[Decimal, Field(gt=0, allow_inf_nan=False, max_digits=20)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NewOrder(Body):
    account_id: Id
    symbol: Id
    side: Side
    qty: Qty
    ord_type: OrdType = OrdType.LIMIT
    limit_px: Price | None = None
    stop_px: Price | None = None
    tif: TimeInForce = TimeInForce.DAY
    expire_at: datetime | None = None
    cl_ord_id: Id | None = None
    source: Literal["phone", "api"] = "phone"
    handling: Handling | None = Field(
        None, description="staged (default for phone) or automatic (default for api)")
    desk_id: Id | None = None
    text: Annotated[str, StringConstraints(max_length=500)] = ""


class RejectBody(Body):
    reason: Reason


class CancelBody(Body):
    cl_ord_id: Id | None = None
    initiator: Literal["client", "desk"] = Field(
        "client", description="client: the client's request (pending while children work); "
        "desk: the desk cancels on its own, pulling the children first")
    reason: Annotated[str, StringConstraints(max_length=500)] = ""


class ReplaceBody(Body):
    cl_ord_id: Id | None = None
    qty: Qty | None = None
    limit_px: Price | None = None
    stop_px: Price | None = None
    tif: TimeInForce | None = None
    expire_at: datetime | None = None


class ChildBody(Body):
    venue_id: Id
    qty: Qty
    ord_type: OrdType | None = None
    limit_px: Price | None = None
    stop_px: Price | None = None
    tif: TimeInForce | None = None
    expire_at: datetime | None = None


class ChildReplaceBody(Body):
    qty: Qty | None = None
    limit_px: Price | None = None


class CorrectionBody(Body):
    """A fill's corrected quantity and price, and why (the client sees ExecType=G)."""

    qty: Qty
    px: Price
    reason: Reason


class AccountBody(Body):
    account_id: Id
    name: str = ""
    max_order_qty: Qty | None = None
    max_order_notional: Qty | None = None
    max_open_notional: Qty | None = None
    restricted_symbols: list[Id] = []
    active: bool = True


class InstrumentBody(Body):
    symbol: Id
    name: str = ""
    currency: Annotated[str, StringConstraints(min_length=3, max_length=3)] = "USD"
    tick_size: Price = Decimal("0.01")
    lot_size: Qty = Decimal(1)
    reference_price: Price
    max_order_qty: Qty | None = None
    price_collar_pct: Annotated[Decimal, Field(ge=0, allow_inf_nan=False)] | None = None
    restricted: bool = False


class VenueBody(Body):
    venue_id: Id
    name: str = ""
    kind: VenueKind = VenueKind.SIMULATED
    active: bool = True


class DeskBody(Body):
    desk_id: Id
    name: str = ""


class UserBody(Body):
    user_id: Id
    name: str = ""
    desk_id: Id | None = None


class RoutingRuleBody(Body):
    rule_id: Id
    priority: int = 100
    venue_id: Id
    account_id: Id | None = None
    symbol: Id | None = None


class SessionBody(Body):
    trading_date: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None
