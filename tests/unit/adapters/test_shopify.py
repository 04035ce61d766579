"""Shopify orders in: the webhook's HMAC, and an orders/create body as a CaptureOrder."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from openoms.adapters.channels.shopify import (
    ShopifyOrder,
    UnsupportedOrder,
    capture_order,
    hmac_is_valid,
)
from openoms.commerce.domain.model import Channel, LineRequest, PaymentStatus, ShippingMethod

SECRET = "shpss_0123456789abcdef"


def shopify_order(**changes: Any) -> dict[str, Any]:
    """An orders/create body as Shopify sends it (trimmed: Shopify sends many more fields)."""
    body: dict[str, Any] = {
        "id": 5745712349271, "admin_graphql_api_id": "gid://shopify/Order/5745712349271",
        "name": "#1042", "email": "ann@example.com", "currency": "USD",
        "financial_status": "paid", "note": "Leave at the back door",
        "total_price": "59.00", "created_at": "2026-11-23T09:00:00-05:00",
        "customer": {"id": 7013, "email": "ann@example.com", "first_name": "Ann",
                     "last_name": "Smith", "phone": "+16125550100"},
        "shipping_address": {
            "first_name": "Ann", "last_name": "Smith", "name": "Ann Smith",
            "address1": "100 Hennepin Ave", "address2": "Apt 4", "city": "Minneapolis",
            "province": "Minnesota", "province_code": "MN", "zip": "55401",
            "country": "United States", "country_code": "US", "phone": "+16125550100",
            "company": None, "latitude": 44.98, "longitude": -93.27},
        "line_items": [
            {"id": 1, "variant_id": 11, "title": "T-shirt", "sku": "TEE", "quantity": 2,
             "price": "19.50", "requires_shipping": True},
            {"id": 2, "variant_id": 12, "title": "Mug", "sku": "MUG", "quantity": 1,
             "price": "20.00", "requires_shipping": True}],
    }
    body.update(changes)
    return body


def _sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_shopify_hmac_of_the_raw_body_is_accepted() -> None:
    raw = json.dumps(shopify_order()).encode()
    assert hmac_is_valid(SECRET, raw, _sign(raw))


@pytest.mark.parametrize("header", [None, "", "bm90IHRoZSBobWFj", "not base64 at all"])
def test_shopify_hmac_missing_or_wrong_is_refused(header: str | None) -> None:
    assert not hmac_is_valid(SECRET, b"{}", header)


def test_shopify_hmac_of_another_body_or_secret_is_refused() -> None:
    raw = json.dumps(shopify_order()).encode()
    assert not hmac_is_valid(SECRET, raw + b" ", _sign(raw))
    assert not hmac_is_valid(SECRET, raw, _sign(raw, "another-secret"))
    assert not hmac_is_valid("", raw, _sign(raw, ""))  # no secret configured: nothing passes


def test_shopify_order_becomes_a_capture_order_exactly() -> None:
    raw = json.dumps(shopify_order())
    command = capture_order(ShopifyOrder.model_validate_json(raw), "b54557e4-bdd9-4b37")
    assert command.channel is Channel.SHOPIFY
    assert command.channel_order_id == "5745712349271"
    assert command.idempotency_key == "shopify:b54557e4-bdd9-4b37"
    assert command.method is ShippingMethod.SHIP
    assert command.payment_status is PaymentStatus.PAID
    assert command.lines == (LineRequest(sku="TEE", qty=2, unit_price=Decimal("19.50")),
                             LineRequest(sku="MUG", qty=1, unit_price=Decimal("20.00")))
    to = command.ship_to
    assert (to.name, to.line1, to.line2, to.city, to.region, to.postal_code, to.country) == (
        "Ann Smith", "100 Hennepin Ave", "Apt 4", "Minneapolis", "MN", "55401", "US")
    assert (to.latitude, to.longitude) == (Decimal("44.98"), Decimal("-93.27"))  # no float
    assert (command.customer.name, command.customer.email) == ("Ann Smith", "ann@example.com")
    assert command.notes == "Shopify #1042 Leave at the back door"


def test_shopify_authorized_order_without_customer_or_coordinates() -> None:
    address = dict(shopify_order()["shipping_address"], latitude=None, longitude=None)
    body = shopify_order(customer=None, financial_status="authorized", note=None,
                         shipping_address=address)
    command = capture_order(ShopifyOrder.model_validate(body), "w1")
    assert command.payment_status is PaymentStatus.AUTHORIZED
    assert command.customer.name == "Ann Smith"  # from the shipping address
    assert command.ship_to.latitude is None and command.ship_to.longitude is None
    assert command.notes == "Shopify #1042"


def test_shopify_long_note_is_shortened_not_refused() -> None:
    command = capture_order(ShopifyOrder.model_validate(shopify_order(note="x" * 2000)), "w1")
    assert len(command.notes) == 500


@pytest.mark.parametrize("status", ["refunded", "voided", "partially_refunded"])
def test_shopify_order_that_is_not_payable_is_refused(status: str) -> None:
    with pytest.raises(UnsupportedOrder, match=status) as caught:
        capture_order(ShopifyOrder.model_validate(shopify_order(financial_status=status)), "w")
    assert caught.value.field == "financial_status"


@pytest.mark.parametrize(("changes", "where"), [
    ({"line_items": [{"sku": None, "quantity": 1, "price": "1.00"}]}, ("line_items", 0, "sku")),
    ({"line_items": [{"sku": "TEE", "quantity": 0, "price": "1.00"}]},
     ("line_items", 0, "quantity")),
    ({"line_items": []}, ("line_items",)),
    ({"shipping_address": None}, ("shipping_address",)),
    ({"id": "12"}, ("id",)),
])
def test_shopify_body_without_what_an_order_needs_names_the_field(
        changes: dict[str, Any], where: tuple[Any, ...]) -> None:
    with pytest.raises(ValidationError) as caught:
        ShopifyOrder.model_validate_json(json.dumps(shopify_order(**changes)))
    assert where in [tuple(error["loc"]) for error in caught.value.errors()]
