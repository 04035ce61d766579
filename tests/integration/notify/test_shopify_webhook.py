"""Shopify's orders/create webhook over HTTP: a signed body captures and sources an order, a
forged one changes nothing, a replayed delivery captures nothing twice. On SQLite and
PostgreSQL, through the real app."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from openoms.api import commerce_shopify
from openoms.bootstrap import create_app
from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain.model import Address, Channel, LocationKind
from openoms.commerce.domain.state import CommerceState

from notifyharness import STAFF, settings_for

SECRET = "shpss_test_0123456789abcdef"
URL = "/api/v1/commerce/channels/shopify/orders"


def shopify_order(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": 5745712349271, "name": "#1042", "email": "ann@example.com", "currency": "USD",
        "financial_status": "paid", "note": None, "total_price": "39.00",
        "customer": {"id": 7013, "email": "ann@example.com", "first_name": "Ann",
                     "last_name": "Smith"},
        "shipping_address": {"name": "Ann Smith", "address1": "100 Hennepin Ave",
                             "address2": None, "city": "Minneapolis", "province_code": "MN",
                             "zip": "55401", "country_code": "US", "latitude": 44.98,
                             "longitude": -93.27},
        "line_items": [{"id": 1, "sku": "TEE", "quantity": 2, "price": "19.50",
                        "title": "T-shirt"}],
    }
    body.update(changes)
    return body


class Shopify:
    """Posts webhooks as Shopify does: raw body, HMAC header, webhook id, topic."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def post(self, body: dict[str, Any], webhook_id: str = "wh-1", *,
             secret: str = SECRET, hmac_header: str | None = None) -> Any:
        raw = json.dumps(body).encode()
        digest = base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest())
        return self.client.post(URL, content=raw, headers={
            "Content-Type": "application/json", "X-Shopify-Topic": "orders/create",
            "X-Shopify-Hmac-Sha256": hmac_header if hmac_header is not None
            else digest.decode(),
            "X-Shopify-Webhook-Id": webhook_id, "X-Shopify-Shop-Domain": "shop.myshopify.com"})

    @property
    def state(self) -> CommerceState:
        state: CommerceState = self.client.app.state.runtime.commerce.state  # type: ignore
        return state


@pytest.fixture
def shopify(db_url: str, tmp_path: Path) -> Iterator[Shopify]:
    settings = settings_for(db_url, tmp_path, 25, shopify_secret=SECRET)
    app = create_app(settings)
    app.app.include_router(commerce_shopify.router)
    with TestClient(app, raise_server_exceptions=False) as client:
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        where = Address(line1="1 Main St", city="Minneapolis", postal_code="55401",
                        country="US")
        for command in (
                cmd.DefineLocation(location_id="MPLS", name="Minneapolis", address=where,
                                   kind=LocationKind.STORE, latitude=Decimal("44.9778"),
                                   longitude=Decimal("-93.2650")),
                cmd.DefineSku(sku="TEE", name="T-shirt"),
                cmd.ReceiveStock(sku="TEE", location_id="MPLS", qty=10)):
            client.portal.call(runtime.engine.execute, command, STAFF)  # type: ignore[union-attr]
        yield Shopify(client)


def test_shopify_signed_webhook_captures_and_sources_the_order(shopify: Shopify) -> None:
    response = shopify.post(shopify_order())
    assert response.status_code == 201, response.text
    view = response.json()
    assert view["channel"] == "shopify" and view["channel_order_id"] == "5745712349271"
    assert view["status"] == "open"
    assert [(f["location_id"], f["kind"]) for f in view["fulfilments"]] == [("MPLS", "ship")]
    order = shopify.state.orders[view["order_id"]]
    assert order.channel is Channel.SHOPIFY
    assert order.ship_to.latitude == Decimal("44.98")
    assert [(line.sku, line.qty, line.unit_price) for line in order.lines.values()] == [
        ("TEE", 2, Decimal("19.50"))]
    assert shopify.state.stock_of("TEE", "MPLS").reserved == 2


@pytest.mark.parametrize("header", ["", "AAAA", "bm90IHRoZSByaWdodCBobWFj"])
def test_shopify_bad_hmac_is_401_and_no_order(shopify: Shopify, header: str) -> None:
    response = shopify.post(shopify_order(), hmac_header=header)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert shopify.state.orders == {}


def test_shopify_body_signed_with_another_secret_is_401(shopify: Shopify) -> None:
    assert shopify.post(shopify_order(), secret="someone-else").status_code == 401
    assert shopify.state.orders == {}


def test_shopify_replayed_webhook_captures_one_order(shopify: Shopify) -> None:
    first = shopify.post(shopify_order(), "wh-7")
    again = shopify.post(shopify_order(), "wh-7")
    # Another delivery (another webhook id) of the same Shopify order: still one order.
    other = shopify.post(shopify_order(), "wh-8")
    assert first.status_code == 201
    assert again.status_code == other.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["order_id"] == other.json()["order_id"] == first.json()["order_id"]
    assert len(shopify.state.orders) == 1
    assert shopify.state.stock_of("TEE", "MPLS").reserved == 2


def test_shopify_body_we_cannot_take_is_422_naming_the_field(shopify: Shopify) -> None:
    missing_sku = shopify.post(shopify_order(line_items=[{"sku": "", "quantity": 1,
                                                          "price": "1.00"}]))
    assert missing_sku.status_code == 422
    assert missing_sku.json()["errors"][0]["field"] == "line_items.0.sku"
    unknown = shopify.post(shopify_order(line_items=[{"sku": "NOPE", "quantity": 1,
                                                      "price": "1.00"}]), "wh-2")
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "lines[0].sku"
    refunded = shopify.post(shopify_order(financial_status="refunded"), "wh-3")
    assert refunded.status_code == 422
    assert refunded.json()["errors"][0]["field"] == "financial_status"
    not_json = shopify.client.post(URL, content=b"{", headers={
        "X-Shopify-Hmac-Sha256": base64.b64encode(
            hmac.new(SECRET.encode(), b"{", hashlib.sha256).digest()).decode(),
        "X-Shopify-Webhook-Id": "wh-4"})
    assert not_json.status_code == 400
    assert shopify.state.orders == {}


def test_shopify_route_without_a_configured_secret_refuses_everything(
        db_url: str, tmp_path: Path) -> None:
    app = create_app(settings_for(db_url, tmp_path, 25, shopify_secret=""))
    app.app.include_router(commerce_shopify.router)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = Shopify(client).post(shopify_order(), secret="")
        assert response.status_code == 401
        assert "not configured" in response.json()["detail"]
