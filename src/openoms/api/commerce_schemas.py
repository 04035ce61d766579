"""Request bodies of the retail API. Unknown fields are refused so typos do not pass; every
limit is checked here first, so a bad request is answered 422 naming the field before the
engine sees it (the domain checks again what needs the state: known SKUs, stock, statuses)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, ValidationInfo, field_validator

from openoms.api.schemas import Body, Id, Reason
from openoms.commerce.domain.model import (
    DEFAULT_RULES,
    Channel,
    Disposition,
    LocationKind,
    PaymentStatus,
    ShippingMethod,
    ShortagePolicy,
)
from openoms.commerce.domain.orders import MAX_LINES, MAX_QTY

# Ids that become part of a URL or a stream name (``stock:SKU@LOC``): no '/', '@' or spaces.
Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
Text = Annotated[str, StringConstraints(max_length=200, strip_whitespace=True)]
Required = Annotated[str, StringConstraints(min_length=1, max_length=200,
                                            strip_whitespace=True)]
Note = Annotated[str, StringConstraints(max_length=500, strip_whitespace=True)]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=2000)]
Latitude = Annotated[Decimal, Field(ge=-90, le=90, allow_inf_nan=False, max_digits=12)]
Longitude = Annotated[Decimal, Field(ge=-180, le=180, allow_inf_nan=False, max_digits=12)]
Money = Annotated[Decimal, Field(ge=0, allow_inf_nan=False, max_digits=20, decimal_places=4)]
Units = Annotated[int, Field(gt=0, le=MAX_QTY, strict=True)]


class AddressBody(Body):
    name: Text = ""
    line1: Required
    line2: Text = ""
    city: Required
    region: Text = ""
    postal_code: Annotated[str, StringConstraints(min_length=1, max_length=20,
                                                  strip_whitespace=True)]
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = Field(
        description="ISO 3166-1 alpha-2, upper case (US)")
    phone: Annotated[str, StringConstraints(max_length=40)] = ""
    latitude: Latitude | None = None
    longitude: Longitude | None = Field(None, validate_default=True)

    @field_validator("longitude")
    @classmethod
    def _both_coordinates(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        if "latitude" in info.data and (info.data["latitude"] is None) != (value is None):
            raise ValueError("give both latitude and longitude, or neither")
        return value


class CustomerBody(Body):
    name: Required
    email: Email | None = None
    phone: Annotated[str, StringConstraints(max_length=40)] = ""


class LineBody(Body):
    sku: Id
    qty: Units
    unit_price: Money = Decimal(0)


class NewCommerceOrder(Body):
    """A customer order; it is sourced (stock reserved) in the same step."""

    channel: Channel
    channel_order_id: Id | None = None
    customer: CustomerBody
    shipping_method: ShippingMethod = ShippingMethod.SHIP
    ship_to: AddressBody | None = Field(
        None, validate_default=True,
        description="required for shipped orders; optional for in-store pickup")
    pickup_location_id: Id | None = Field(
        None, validate_default=True, description="the store, for shipping_method pickup")
    payment_status: Literal[PaymentStatus.AUTHORIZED, PaymentStatus.PAID] = \
        PaymentStatus.AUTHORIZED
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "USD"
    lines: Annotated[list[LineBody], Field(min_length=1, max_length=MAX_LINES)]
    notes: Note = ""

    @field_validator("ship_to")
    @classmethod
    def _shipped_needs_address(cls, value: AddressBody | None,
                               info: ValidationInfo) -> AddressBody | None:
        if value is None and info.data.get("shipping_method") is ShippingMethod.SHIP:
            raise ValueError("required when shipping_method is ship")
        return value

    @field_validator("pickup_location_id")
    @classmethod
    def _pickup_needs_store(cls, value: str | None, info: ValidationInfo) -> str | None:
        method = info.data.get("shipping_method")
        if method is ShippingMethod.PICKUP and not value:
            raise ValueError("required when shipping_method is pickup")
        if method is ShippingMethod.SHIP and value:
            raise ValueError("only for shipping_method pickup")
        return value


class LineQtyBody(Body):
    line_id: Id
    qty: Units


class CancelOrderBody(Body):
    lines: Annotated[list[LineQtyBody], Field(max_length=MAX_LINES)] = Field(
        default_factory=list, description="empty: every unit not yet shipped")
    reason: Note = ""


class RefundBody(Body):
    amount: Annotated[Decimal, Field(gt=0, allow_inf_nan=False, max_digits=20,
                                     decimal_places=4)]
    reason: Note = ""


class ReturnBody(Body):
    lines: Annotated[list[LineQtyBody], Field(min_length=1, max_length=MAX_LINES)]
    reason: Note = ""


class ReturnReceiptLine(Body):
    line_id: Id
    qty: Units
    disposition: Disposition = Disposition.RESTOCK


class ReceiveReturnBody(Body):
    location_id: Id
    lines: Annotated[list[ReturnReceiptLine], Field(min_length=1, max_length=MAX_LINES)]


# ---------------------------------------------------------------- fulfilment


class ShortPickBody(Body):
    lines: Annotated[list[LineQtyBody], Field(min_length=1, max_length=MAX_LINES)]
    reason: Reason = "not on the shelf"


class RejectFulfilmentBody(Body):
    reason: Reason


class ShipBody(Body):
    carrier: Reason
    tracking: Reason


class AcknowledgeBody(Body):
    """A vendor's acknowledgement: lines it refuses (sourced again); refusing every unit
    rejects the purchase order."""

    rejected: Annotated[list[LineQtyBody], Field(max_length=MAX_LINES)] = Field(
        default_factory=list)
    reason: Note = ""


# ---------------------------------------------------------------- inventory


class ReceiptBody(Body):
    sku: Id
    location_id: Id
    qty: Units
    reason: Reason = "receipt"


class AdjustmentBody(Body):
    sku: Id
    location_id: Id
    delta: Annotated[int, Field(ge=-MAX_QTY, le=MAX_QTY, strict=True)] = Field(
        description="units added (positive) or removed (negative); not zero")
    reason: Reason

    @field_validator("delta")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("delta must not be zero")
        return value


class CountBody(Body):
    sku: Id
    location_id: Id
    counted: Annotated[int, Field(ge=0, le=MAX_QTY, strict=True)]
    reason: Reason = "cycle count"


class SafetyStockBody(Body):
    safety_stock: Annotated[int, Field(ge=0, le=MAX_QTY, strict=True)]


# ---------------------------------------------------------------- reference data


class LocationBody(Body):
    location_id: Code
    name: Text = ""
    kind: LocationKind
    address: AddressBody
    latitude: Latitude
    longitude: Longitude
    ships: bool = True
    pickup: bool = False
    active: bool = True
    daily_capacity: Annotated[int, Field(ge=0, le=MAX_QTY, strict=True)] | None = None
    priority: Annotated[int, Field(ge=0, le=1_000_000, strict=True)] = 100
    email: Email | None = None
    webhook_url: Url | None = None
    x12: bool = False


class SkuBody(Body):
    sku: Code
    name: Text = ""
    stocked: bool = True
    vendor_id: Id | None = None
    vendor_sku: Id | None = None
    cost: Money | None = None


class SourcingRulesBody(Body):
    rules: Annotated[list[Id], Field(max_length=len(DEFAULT_RULES))] = Field(
        description="the rule stack, in order; known rules: " + ", ".join(DEFAULT_RULES))
    shortage: dict[Channel, ShortagePolicy] = Field(
        default_factory=dict, description="per channel: backorder, hold or ship_available")
    default_shortage: ShortagePolicy = ShortagePolicy.BACKORDER


class WebhookBody(Body):
    subscription_id: Code | None = Field(None, description="omit to have one made up")
    url: Url
    topics: Annotated[list[Annotated[str, StringConstraints(
        pattern=r"^[A-Za-z0-9_.*:-]{1,64}$")]], Field(min_length=1, max_length=100)]
    secret: Annotated[str, StringConstraints(min_length=16, max_length=200)]
    active: bool = True
