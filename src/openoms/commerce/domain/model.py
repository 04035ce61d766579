"""Entities of the retail business: locations, catalogue, stock, orders, fulfilment, returns.

Quantities of goods are whole units (``int``); money is ``Decimal``. Entities are frozen; the
state replaces them as events apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class LocationKind(StrEnum):
    """What a location is: it decides how it fulfils."""

    STORE = "store"
    WAREHOUSE = "warehouse"
    VENDOR = "vendor"  # a drop-ship vendor: ships from its own stock, which we do not see


class Channel(StrEnum):
    """Where an order came from."""

    WEB = "web"
    PHONE = "phone"
    SHOPIFY = "shopify"
    MARKETPLACE = "marketplace"
    API = "api"


class ShippingMethod(StrEnum):
    SHIP = "ship"
    PICKUP = "pickup"  # buy online, pick up in store


class PaymentStatus(StrEnum):
    AUTHORIZED = "authorized"
    PAID = "paid"
    PARTLY_REFUNDED = "partly_refunded"
    REFUNDED = "refunded"
    VOIDED = "voided"


class ShortagePolicy(StrEnum):
    """What sourcing does with units no location can supply now (per channel)."""

    BACKORDER = "backorder"  # reserve what is there; the rest waits for stock
    HOLD = "hold"  # reserve nothing until the whole order can be supplied
    SHIP_AVAILABLE = "ship_available"  # reserve what is there; cancel the rest


class FulfilmentKind(StrEnum):
    SHIP = "ship"  # a store or warehouse ships to the customer
    PICKUP = "pickup"  # the customer collects at the store
    DROPSHIP = "dropship"  # a purchase order to a vendor, who ships to the customer


class FulfilmentStatus(StrEnum):
    ASSIGNED = "assigned"  # a store's queue / a purchase order sent to its vendor
    ACCEPTED = "accepted"  # the store took it on / the vendor acknowledged it
    PICKED = "picked"
    PACKED = "packed"
    READY_FOR_PICKUP = "ready_for_pickup"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    PICKED_UP = "picked_up"
    REJECTED = "rejected"  # the location refused it all; its lines were sourced again
    CANCELED = "canceled"  # nothing left to fulfil (order canceled, lines short-picked)

    @property
    def is_open(self) -> bool:
        return self in _OPEN_FULFILMENT

    @property
    def is_done(self) -> bool:
        """Shipped or handed over: the units left the location."""
        return self in (FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED,
                        FulfilmentStatus.PICKED_UP)


_OPEN_FULFILMENT = frozenset({FulfilmentStatus.ASSIGNED, FulfilmentStatus.ACCEPTED,
                              FulfilmentStatus.PICKED, FulfilmentStatus.PACKED,
                              FulfilmentStatus.READY_FOR_PICKUP})


class OrderStatus(StrEnum):
    """An order's status, rolled up from its lines and fulfilment orders."""

    OPEN = "open"  # sourced, nothing shipped yet
    ON_HOLD = "on_hold"  # waits for stock (hold policy), nothing reserved
    BACKORDERED = "backordered"  # some units wait for stock
    PARTLY_SHIPPED = "partly_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELED = "canceled"
    PARTLY_RETURNED = "partly_returned"
    RETURNED = "returned"


class Disposition(StrEnum):
    """What happens to a returned unit at the location that receives it."""

    RESTOCK = "restock"
    WRITE_OFF = "write_off"


@dataclass(frozen=True, slots=True, kw_only=True)
class Address:
    """A postal address; coordinates (decimal degrees) when known, for distance rules."""

    name: str = ""
    line1: str
    line2: str = ""
    city: str
    region: str = ""
    postal_code: str
    country: str
    phone: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    """A store, warehouse or drop-ship vendor and what it can do."""

    location_id: str
    name: str
    kind: LocationKind
    address: Address
    latitude: Decimal
    longitude: Decimal
    ships: bool = True
    pickup: bool = False
    active: bool = True  # closed locations are never sourced
    daily_capacity: int | None = None  # fulfilment orders a day; None: no limit
    priority: int = 100  # lower first when the rule stack ranks by priority
    # How a vendor hears of its purchase orders (any of them).
    email: str | None = None
    webhook_url: str | None = None
    x12: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Sku:
    """A catalogue item: stocked at our locations, drop-shipped by a vendor, or both."""

    sku: str
    name: str
    stocked: bool = True
    vendor_id: str | None = None
    vendor_sku: str | None = None
    cost: Decimal | None = None

    @property
    def dropship(self) -> bool:
        return self.vendor_id is not None


@dataclass(frozen=True, slots=True)
class Stock:
    """One SKU at one location."""

    on_hand: int = 0
    reserved: int = 0  # promised to open fulfilment orders
    safety_stock: int = 0  # kept back from sourcing

    def spare(self, *, with_safety: bool = True) -> int:
        """On hand less what is promised (and kept back); negative when over-kept."""
        return self.on_hand - self.reserved - (self.safety_stock if with_safety else 0)

    def available(self, *, with_safety: bool = True) -> int:
        """Units sourcing may still promise."""
        return max(self.spare(with_safety=with_safety), 0)


@dataclass(frozen=True, slots=True, kw_only=True)
class LineRequest:
    """A line as captured: SKU, units and unit price."""

    sku: str
    qty: int
    unit_price: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderLine:
    """A line of a customer order and where its units stand."""

    line_id: str
    sku: str
    qty: int
    unit_price: Decimal = Decimal(0)
    canceled: int = 0
    backordered: int = 0  # waiting for stock, not reserved anywhere
    shipped: int = 0
    returned: int = 0  # received back
    return_authorized: int = 0

    @property
    def active_qty(self) -> int:
        return self.qty - self.canceled

    @property
    def returnable(self) -> int:
        """Shipped units not yet under a return authorisation."""
        return self.shipped - self.return_authorized


@dataclass(frozen=True, slots=True, kw_only=True)
class Customer:
    name: str
    email: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FulfilmentLine:
    line_id: str
    sku: str
    qty: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Fulfilment:
    """The part of an order one location fulfils (for a vendor: its purchase order)."""

    fulfilment_id: str
    order_id: str
    location_id: str
    kind: FulfilmentKind
    lines: tuple[FulfilmentLine, ...]
    status: FulfilmentStatus = FulfilmentStatus.ASSIGNED
    created_at: datetime | None = None
    carrier: str = ""
    tracking: str = ""
    reason: str = ""  # why it was rejected or canceled

    @property
    def units(self) -> int:
        return sum(line.qty for line in self.lines)

    def qty_of(self, line_id: str) -> int:
        return sum(line.qty for line in self.lines if line.line_id == line_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnLine:
    line_id: str
    qty: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Return:
    """A return authorisation (RMA) and, once received, what came back."""

    rma_id: str
    order_id: str
    lines: tuple[ReturnLine, ...]
    reason: str = ""
    received: bool = False
    location_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CommerceOrder:
    """A customer order from any channel."""

    order_id: str
    channel: Channel
    channel_order_id: str
    customer: Customer
    ship_to: Address
    method: ShippingMethod
    lines: dict[str, OrderLine]
    pickup_location_id: str | None = None
    payment_status: PaymentStatus = PaymentStatus.AUTHORIZED
    currency: str = "USD"
    status: OrderStatus = OrderStatus.OPEN
    on_hold: bool = False
    created_at: datetime | None = None
    fulfilment_ids: tuple[str, ...] = ()
    rma_ids: tuple[str, ...] = ()
    notes: str = ""
    amount_captured: Decimal = Decimal(0)  # what the customer was charged
    amount_refunded: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        return sum((line.unit_price * line.qty for line in self.lines.values()), Decimal(0))

    @property
    def capturable(self) -> bool:
        """Whether the payment hook may charge it: authorised, with units still ordered."""
        return self.payment_status is PaymentStatus.AUTHORIZED \
            and any(line.active_qty for line in self.lines.values())

    @property
    def refundable(self) -> Decimal:
        """What may still be refunded: what was charged and not yet given back."""
        if self.payment_status not in (PaymentStatus.PAID, PaymentStatus.PARTLY_REFUNDED):
            return Decimal(0)
        return self.amount_captured - self.amount_refunded


DEFAULT_RULES: tuple[str, ...] = (
    "exclude_closed", "respect_capacity", "respect_safety_stock", "complete_single_location",
    "minimise_splits", "location_priority", "closest", "dropship_fallback")
RULES: frozenset[str] = frozenset(DEFAULT_RULES)


@dataclass(frozen=True, slots=True, kw_only=True)
class SourcingRules:
    """The ordered rule stack and each channel's shortage policy."""

    rules: tuple[str, ...] = DEFAULT_RULES
    shortage: dict[Channel, ShortagePolicy] = field(default_factory=dict)
    default_shortage: ShortagePolicy = ShortagePolicy.BACKORDER

    def shortage_for(self, channel: Channel) -> ShortagePolicy:
        return self.shortage.get(channel, self.default_shortage)
