"""Events of the retail business. Streams: ``location:``, ``sku:``, ``stock:SKU@LOC``,
``sourcing:rules``, ``webhooks:ID`` and ``corder:`` (an order with its fulfilment orders,
purchase orders and returns, so one stream tells an order's whole story)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Final

from openoms.commerce.domain.model import (
    Address,
    Channel,
    Customer,
    Disposition,
    FulfilmentKind,
    LocationKind,
    PaymentStatus,
    ShippingMethod,
    ShortagePolicy,
)
from openoms.core.events import Event

# ---------------------------------------------------------------- reference data


@dataclass(frozen=True, slots=True, kw_only=True)
class LocationDefined(Event):
    """A store, warehouse or vendor was created or changed (open/closed, capacity...)."""

    STREAM: ClassVar[str] = "location"
    KEY: ClassVar[str] = "location_id"
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
class SkuDefined(Event):
    """A catalogue item was created or changed."""

    STREAM: ClassVar[str] = "sku"
    KEY: ClassVar[str] = "sku"
    sku: str
    name: str
    stocked: bool = True
    vendor_id: str | None = None
    vendor_sku: str | None = None
    cost: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelPolicy:
    channel: Channel
    shortage: ShortagePolicy


@dataclass(frozen=True, slots=True, kw_only=True)
class SourcingRulesSet(Event):
    """The sourcing rule stack or a channel's shortage policy changed."""

    STREAM: ClassVar[str] = "sourcing"
    KEY: ClassVar[str] = "name"
    name: str = "rules"
    rules: tuple[str, ...]
    policies: tuple[ChannelPolicy, ...] = ()
    default_shortage: ShortagePolicy = ShortagePolicy.BACKORDER


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookSubscribed(Event):
    """Events of the given topics are posted, signed with secret, to url."""

    STREAM: ClassVar[str] = "webhooks"
    KEY: ClassVar[str] = "subscription_id"
    subscription_id: str
    url: str
    topics: tuple[str, ...]
    secret: str
    active: bool = True


# ---------------------------------------------------------------- inventory


@dataclass(frozen=True, slots=True, kw_only=True)
class StockEvent(Event):
    STREAM: ClassVar[str] = "stock"
    sku: str
    location_id: str
    reason: str = ""

    def stream_id(self) -> str:
        return f"stock:{self.sku}@{self.location_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class StockReceived(StockEvent):
    """Units arrived at a location (a receipt)."""

    qty: int


@dataclass(frozen=True, slots=True, kw_only=True)
class StockAdjusted(StockEvent):
    """On-hand changed by delta for a stated reason (damage, found, correction...)."""

    delta: int


@dataclass(frozen=True, slots=True, kw_only=True)
class StockCounted(StockEvent):
    """A count found counted units; delta is the change it made to on-hand."""

    counted: int
    delta: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SafetyStockSet(StockEvent):
    """Units at the location that sourcing must leave alone."""

    safety_stock: int


# ---------------------------------------------------------------- orders


@dataclass(frozen=True, slots=True, kw_only=True)
class CapturedLine:
    line_id: str
    sku: str
    qty: int
    unit_price: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderEvent(Event):
    STREAM: ClassVar[str] = "corder"
    KEY: ClassVar[str] = "order_id"
    order_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCaptured(OrderEvent):
    """A customer order arrived from a channel."""

    channel: Channel
    channel_order_id: str
    idempotency_key: str | None = None
    customer: Customer
    ship_to: Address
    method: ShippingMethod
    pickup_location_id: str | None = None
    payment_status: PaymentStatus = PaymentStatus.AUTHORIZED
    currency: str = "USD"
    lines: tuple[CapturedLine, ...]
    notes: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Assignment:
    """Units of one line sent to one fulfilment order."""

    line_id: str
    sku: str
    qty: int


@dataclass(frozen=True, slots=True, kw_only=True)
class NewFulfilment:
    fulfilment_id: str
    location_id: str
    kind: FulfilmentKind
    lines: tuple[Assignment, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class LineQty:
    line_id: str
    qty: int


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderSourced(OrderEvent):
    """Sourcing decided: fulfilment orders created (stock reserved with them), units
    backordered or canceled for want of stock, and why, location by location."""

    fulfilments: tuple[NewFulfilment, ...] = ()
    backordered: tuple[LineQty, ...] = ()  # each line sourced, and its units still waiting
    canceled: tuple[LineQty, ...] = ()  # shortage policy ship_available: units given up
    held: bool = False
    explanation: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCanceled(OrderEvent):
    """Units of the order's lines were canceled (all of them: the order is canceled)."""

    lines: tuple[LineQty, ...]
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentCaptured(OrderEvent):
    """The authorised payment was captured (the payment hook is told)."""

    amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentRefunded(OrderEvent):
    """Money went back to the customer (the refund hook is told)."""

    amount: Decimal
    status: PaymentStatus
    reason: str = ""


# ---------------------------------------------------------------- fulfilment


@dataclass(frozen=True, slots=True, kw_only=True)
class FulfilmentEvent(OrderEvent):
    fulfilment_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FulfilmentAccepted(FulfilmentEvent):
    """The store took the fulfilment order on, or the vendor acknowledged its purchase order
    (any lines it refused are in ``rejected`` and were sourced again)."""

    rejected: tuple[LineQty, ...] = ()
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FulfilmentPicked(FulfilmentEvent):
    """Every unit was picked from the shelves."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FulfilmentPacked(FulfilmentEvent):
    """Packed, ready for the carrier."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FulfilmentShortPicked(FulfilmentEvent):
    """Units were not on the shelf: they leave this fulfilment order (and the location's
    on-hand) and are sourced again."""

    lines: tuple[LineQty, ...]
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FulfilmentRejected(FulfilmentEvent):
    """The location refused the whole fulfilment order; its lines were sourced again."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FulfilmentLinesCanceled(FulfilmentEvent):
    """Units left the fulfilment order because the customer canceled them."""

    lines: tuple[LineQty, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class FulfilmentShipped(FulfilmentEvent):
    """Handed to the carrier: units leave the location's on-hand."""

    carrier: str
    tracking: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FulfilmentDelivered(FulfilmentEvent):
    """The carrier reports the parcel delivered."""

    delivered_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FulfilmentReadyForPickup(FulfilmentEvent):
    """Packed and waiting at the store's counter."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FulfilmentPickedUp(FulfilmentEvent):
    """The customer collected it: units leave the store's on-hand."""


# ---------------------------------------------------------------- returns


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnAuthorized(OrderEvent):
    """A return (RMA) was authorised for shipped units."""

    rma_id: str
    lines: tuple[LineQty, ...]
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnedLine:
    line_id: str
    sku: str
    qty: int
    disposition: Disposition


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnReceived(OrderEvent):
    """Returned units arrived at a location: restocked there or written off."""

    rma_id: str
    location_id: str
    lines: tuple[ReturnedLine, ...]


ALL_EVENTS: tuple[type[Event], ...] = (
    LocationDefined, SkuDefined, SourcingRulesSet, WebhookSubscribed,
    StockReceived, StockAdjusted, StockCounted, SafetyStockSet,
    OrderCaptured, OrderSourced, OrderCanceled, PaymentCaptured, PaymentRefunded,
    FulfilmentAccepted, FulfilmentPicked, FulfilmentPacked, FulfilmentShortPicked,
    FulfilmentRejected, FulfilmentLinesCanceled, FulfilmentShipped, FulfilmentDelivered,
    FulfilmentReadyForPickup, FulfilmentPickedUp, ReturnAuthorized, ReturnReceived,
)
VALUE_TYPES: tuple[type, ...] = (
    Address, Customer, ChannelPolicy, CapturedLine, Assignment, NewFulfilment, LineQty,
    ReturnedLine)

EVERYTHING = "*"

# What a webhook subscription can ask for: each event's topic (``*`` is every topic).
TOPICS: Final[dict[type[Event], str]] = {
    OrderCaptured: "order.created",
    OrderSourced: "order.sourced",
    OrderCanceled: "order.canceled",
    PaymentCaptured: "payment.captured",
    PaymentRefunded: "payment.refunded",
    FulfilmentAccepted: "fulfilment.accepted",
    FulfilmentRejected: "fulfilment.rejected",
    FulfilmentShortPicked: "fulfilment.short_picked",
    FulfilmentLinesCanceled: "fulfilment.lines_canceled",
    FulfilmentPicked: "fulfilment.picked",
    FulfilmentPacked: "fulfilment.packed",
    FulfilmentShipped: "fulfilment.shipped",
    FulfilmentDelivered: "fulfilment.delivered",
    FulfilmentReadyForPickup: "fulfilment.ready_for_pickup",
    FulfilmentPickedUp: "fulfilment.picked_up",
    StockReceived: "inventory.changed",
    StockAdjusted: "inventory.changed",
    StockCounted: "inventory.changed",
    SafetyStockSet: "inventory.changed",
    ReturnAuthorized: "return.authorized",
    ReturnReceived: "return.received",
}
