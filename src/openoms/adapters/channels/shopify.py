"""Shopify orders in: a verified ``orders/create`` webhook body becomes a CaptureOrder.

Shopify signs each webhook with the app's secret: ``X-Shopify-Hmac-Sha256`` is the base64
HMAC-SHA256 of the raw body. ``X-Shopify-Webhook-Id`` is the same on every retry of one
delivery, so it is the order's idempotency key (``shopify:<id>``); the Shopify order id is
the channel order id, which catches a second webhook for the same order.

Only the fields an order needs are read (unknown ones are ignored, as Shopify adds fields
over time): ``id``, ``name``, ``email``, ``currency``, ``financial_status``, ``note``,
``customer``, ``shipping_address`` and ``line_items`` (``sku``, ``quantity``, ``price``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from openoms.commerce.domain.commands import CaptureOrder
from openoms.commerce.domain.model import (
    Address,
    Channel,
    Customer,
    LineRequest,
    PaymentStatus,
    ShippingMethod,
)

MAX_NOTES = 500  # what the domain keeps of an order's notes
MAX_LINE_ITEMS = 500

# Shopify's financial_status -> the payment of a new order. "pending" (an order paid later,
# by invoice or cash on delivery) has no counterpart: it is taken as authorized.
PAYMENT: dict[str, PaymentStatus] = {
    "paid": PaymentStatus.PAID,
    "authorized": PaymentStatus.AUTHORIZED,
    "pending": PaymentStatus.AUTHORIZED,
    "partially_paid": PaymentStatus.AUTHORIZED,
}

Text = Annotated[str, StringConstraints(max_length=255, strip_whitespace=True)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ShopifyCustomer(_Model):
    first_name: Text | None = None
    last_name: Text | None = None
    email: Text | None = None
    phone: Text | None = None


class ShopifyAddress(_Model):
    name: Text | None = None
    first_name: Text | None = None
    last_name: Text | None = None
    address1: Text
    address2: Text | None = None
    city: Text
    province_code: Text | None = None
    zip: Text
    country_code: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    phone: Text | None = None
    latitude: Annotated[Decimal, Field(ge=-90, le=90, allow_inf_nan=False)] | None = None
    longitude: Annotated[Decimal, Field(ge=-180, le=180, allow_inf_nan=False)] | None = None


class ShopifyLineItem(_Model):
    sku: Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
    quantity: Annotated[int, Field(gt=0, strict=True)]
    price: Annotated[Decimal, Field(ge=0, allow_inf_nan=False, max_digits=20)]


class ShopifyOrder(_Model):
    """The part of Shopify's order JSON (REST Admin API, ``orders/create``) we read."""

    id: Annotated[int, Field(gt=0, strict=True)]
    name: Text = ""
    email: Text | None = None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "USD"
    financial_status: Text = "paid"
    note: str | None = None
    customer: ShopifyCustomer | None = None
    shipping_address: ShopifyAddress
    line_items: Annotated[list[ShopifyLineItem], Field(min_length=1,
                                                       max_length=MAX_LINE_ITEMS)]


def hmac_is_valid(secret: str, body: bytes, header: str | None) -> bool:
    """Whether header is the base64 HMAC-SHA256 of body under secret (constant time)."""
    if not secret or not header:
        return False
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, header.strip().encode("ascii", "replace"))


class UnsupportedOrder(ValueError):
    """The Shopify order is well formed but cannot be taken (its payment state)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def capture_order(order: ShopifyOrder, webhook_id: str) -> CaptureOrder:
    """Turn a Shopify order into the command that captures it.

    Raises:
        UnsupportedOrder: the order's financial_status is not one a new order can have.
    """
    payment = PAYMENT.get(order.financial_status)
    if payment is None:
        raise UnsupportedOrder(f"financial_status {order.financial_status!r}: a new order is "
                               f"one of {', '.join(sorted(PAYMENT))}", "financial_status")
    to = order.shipping_address
    person = order.customer or ShopifyCustomer()
    full_name = " ".join(p for p in (person.first_name, person.last_name) if p)
    ship_name = to.name or " ".join(p for p in (to.first_name, to.last_name) if p)
    customer = Customer(name=full_name or ship_name, email=person.email or order.email or "",
                        phone=person.phone or to.phone or "")
    address = Address(name=ship_name, line1=to.address1, line2=to.address2 or "",
                      city=to.city, region=to.province_code or "", postal_code=to.zip,
                      country=to.country_code, phone=to.phone or "",
                      latitude=to.latitude if to.longitude is not None else None,
                      longitude=to.longitude if to.latitude is not None else None)
    notes = " ".join(part for part in (f"Shopify {order.name}" if order.name else "",
                                       (order.note or "").strip()) if part)
    if len(notes) > MAX_NOTES:
        notes = notes[:MAX_NOTES - 1] + "…"
    return CaptureOrder(
        channel=Channel.SHOPIFY, channel_order_id=str(order.id),
        idempotency_key=f"shopify:{webhook_id}", customer=customer, ship_to=address,
        method=ShippingMethod.SHIP, payment_status=payment, currency=order.currency,
        lines=tuple(LineRequest(sku=item.sku, qty=item.quantity, unit_price=item.price)
                    for item in order.line_items),
        notes=notes)
