"""Shopify's ``orders/create`` webhook: ``POST /api/v1/commerce/channels/shopify/orders``.

No bearer token here: the HMAC in ``X-Shopify-Hmac-Sha256`` (under ``shopify_secret``) is the
authentication, checked before anything else, so an unsigned or forged request learns
nothing and changes nothing (401). A verified body becomes a CaptureOrder; the order is
captured and sourced in one durable step (201). Shopify retries a delivery until it gets a
2xx, with the same ``X-Shopify-Webhook-Id``: a retry, or a second webhook for the same
Shopify order, answers 200 with the order already taken and captures nothing. A body we
cannot take is 422 naming the field.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError as PydanticValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from openoms.adapters.channels.shopify import (
    ShopifyOrder,
    UnsupportedOrder,
    capture_order,
    hmac_is_valid,
)
from openoms.commerce.domain.state import CommerceState
from openoms.core.errors import DuplicateRequest, ValidationError
from openoms.core.events import Context

router = APIRouter(prefix="/api/v1/commerce/channels/shopify", tags=["retail: channels"])

MAX_BODY = 2 * 1024 * 1024
SHOPIFY = Context(actor="shopify", source="shopify", role="channel")
_log = logging.getLogger("openoms.api")


def _order_view(state: CommerceState, order_id: str) -> dict[str, Any]:
    order = state.orders[order_id]
    return {"order_id": order.order_id, "channel": order.channel.value,
            "channel_order_id": order.channel_order_id, "status": order.status.value,
            "fulfilments": [{"fulfilment_id": f.fulfilment_id, "location_id": f.location_id,
                             "kind": f.kind.value, "status": f.status.value}
                            for f in state.fulfilments_of(order_id)]}


@router.post("/orders", status_code=201, summary="Shopify orders/create webhook (HMAC signed)",
             responses={201: {"description": "The order, captured and sourced"},
                        200: {"description": "Already taken (a retried delivery, or the same "
                              "Shopify order again): nothing changed"},
                        401: {"description": "Missing or wrong X-Shopify-Hmac-Sha256"},
                        422: {"description": "A body we cannot take; names the field"}})
async def shopify_order(request: Request) -> JSONResponse:
    """Capture the order of a verified Shopify orders/create webhook."""
    runtime = request.app.state.runtime
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HTTPException(413, "the webhook body is larger than 2 MiB")
    secret: str = runtime.settings.shopify_secret
    if not hmac_is_valid(secret, body, request.headers.get("x-shopify-hmac-sha256")):
        raise HTTPException(401, "invalid X-Shopify-Hmac-Sha256" if secret
                            else "the Shopify channel is not configured (shopify_secret)")
    topic = request.headers.get("x-shopify-topic", "orders/create")
    if topic != "orders/create":
        raise ValidationError(f"this endpoint takes orders/create webhooks, not {topic!r}",
                              field="X-Shopify-Topic")
    webhook_id = request.headers.get("x-shopify-webhook-id", "").strip()
    if not webhook_id or len(webhook_id) > 200:
        raise ValidationError("X-Shopify-Webhook-Id is required (1-200 characters)",
                              field="X-Shopify-Webhook-Id")
    try:
        order = ShopifyOrder.model_validate_json(body)
        command = capture_order(order, webhook_id)
    except PydanticValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False), body=None) from None
    except UnsupportedOrder as exc:
        raise ValidationError(str(exc), field=exc.field) from None
    state: CommerceState = runtime.commerce.state
    try:
        records = await runtime.engine.execute(command, SHOPIFY)
    except DuplicateRequest as exc:
        if not exc.identical:
            _log.warning("Shopify webhook %s: %s, with other lines or address; kept the first",
                         webhook_id, exc)
        await runtime.engine.barrier()  # the first delivery may still be committing
        return JSONResponse(_order_view(state, exc.order_id), status_code=200,
                            headers={"Idempotent-Replayed": "true"})
    order_id = records[0].event.order_id
    return JSONResponse(_order_view(state, order_id), status_code=201)
