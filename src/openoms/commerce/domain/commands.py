"""Commands of the retail business: what people, channels and carriers ask the engine to do."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from openoms.commerce.domain.events import ChannelPolicy, LineQty
from openoms.commerce.domain.model import (
    Address,
    Channel,
    Customer,
    Disposition,
    LineRequest,
    LocationKind,
    PaymentStatus,
    ShippingMethod,
    ShortagePolicy,
)
from openoms.core.events import Command

# ---------------------------------------------------------------- reference data


@dataclass(frozen=True, slots=True, kw_only=True)
class DefineLocation(Command):
    location_id: str
    name: str
    kind: LocationKind
    address: Address
    latitude: Decimal
    longitude: Decimal
    ships: bool = True
    pickup: bool = False
    active: bool = True
    daily_capacity: int | None = None
    priority: int = 100
    email: str | None = None
    webhook_url: str | None = None
    x12: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class DefineSku(Command):
    sku: str
    name: str
    stocked: bool = True
    vendor_id: str | None = None
    vendor_sku: str | None = None
    cost: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SetSourcingRules(Command):
    rules: tuple[str, ...]
    policies: tuple[ChannelPolicy, ...] = ()
    default_shortage: ShortagePolicy = ShortagePolicy.BACKORDER


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscribeWebhook(Command):
    subscription_id: str
    url: str
    topics: tuple[str, ...]
    secret: str
    active: bool = True


# ---------------------------------------------------------------- inventory


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiveStock(Command):
    sku: str
    location_id: str
    qty: int
    reason: str = "receipt"


@dataclass(frozen=True, slots=True, kw_only=True)
class AdjustStock(Command):
    sku: str
    location_id: str
    delta: int
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CountStock(Command):
    sku: str
    location_id: str
    counted: int
    reason: str = "cycle count"


@dataclass(frozen=True, slots=True, kw_only=True)
class SetSafetyStock(Command):
    sku: str
    location_id: str
    safety_stock: int


# ---------------------------------------------------------------- orders


@dataclass(frozen=True, slots=True, kw_only=True)
class CaptureOrder(Command):
    channel: Channel
    channel_order_id: str = ""
    idempotency_key: str | None = None
    customer: Customer
    ship_to: Address
    method: ShippingMethod = ShippingMethod.SHIP
    pickup_location_id: str | None = None
    payment_status: PaymentStatus = PaymentStatus.AUTHORIZED
    currency: str = "USD"
    lines: tuple[LineRequest, ...]
    notes: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelOrder(Command):
    """Cancel the whole order (every unit not yet shipped), or the given line quantities."""

    order_id: str
    lines: tuple[LineQty, ...] = ()  # empty: everything that can still be canceled
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CapturePayment(Command):
    order_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RefundPayment(Command):
    order_id: str
    amount: Decimal
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceBackorders(Command):
    """Try again to source units waiting for stock (orders on hold or backordered)."""

    order_id: str | None = None  # None: every waiting order, oldest first


# ---------------------------------------------------------------- fulfilment


@dataclass(frozen=True, slots=True, kw_only=True)
class FulfilmentCommand(Command):
    fulfilment_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AcceptFulfilment(FulfilmentCommand):
    """A store takes the order on; a vendor acknowledges, possibly refusing some lines."""

    rejected: tuple[LineQty, ...] = ()
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PickFulfilment(FulfilmentCommand):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class PackFulfilment(FulfilmentCommand):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class ShortPick(FulfilmentCommand):
    lines: tuple[LineQty, ...]
    reason: str = "not on the shelf"


@dataclass(frozen=True, slots=True, kw_only=True)
class RejectFulfilment(FulfilmentCommand):
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ShipFulfilment(FulfilmentCommand):
    carrier: str
    tracking: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliverFulfilment(FulfilmentCommand):
    """A carrier's delivery update."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadyForPickup(FulfilmentCommand):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class HandOver(FulfilmentCommand):
    """The customer collected a pickup order."""


# ---------------------------------------------------------------- returns


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorizeReturn(Command):
    order_id: str
    lines: tuple[LineQty, ...]
    reason: str = ""
    # Letters the caller draws at random (the API does) to end the return's number with: any
    # store receives a return by its number, so the number must not be guessable.
    code: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnLineReceipt:
    line_id: str
    qty: int
    disposition: Disposition = Disposition.RESTOCK


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiveReturn(Command):
    rma_id: str
    location_id: str
    lines: tuple[ReturnLineReceipt, ...]
