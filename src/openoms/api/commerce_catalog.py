"""Retail reference data (admin): locations, SKUs, the sourcing rule stack and shortage
policies, webhook subscriptions."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from openoms.api import commerce_schemas as s
from openoms.api.auth import RETAIL_ADMIN, RETAIL_READ, Principal
from openoms.api.commerce_access import PREFIX, allowed, not_found, run, state
from openoms.api.commerce_views import location_view, rules_view, sku_view, subscription_view
from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain.events import ChannelPolicy
from openoms.commerce.domain.model import DEFAULT_RULES, Address, LocationKind

router = APIRouter(prefix=PREFIX, tags=["retail: reference data"])

Reader = Annotated[Principal, allowed(RETAIL_READ)]
Admin = Annotated[Principal, allowed(RETAIL_ADMIN)]


def address(body: s.AddressBody) -> Address:
    return Address(name=body.name, line1=body.line1, line2=body.line2, city=body.city,
                   region=body.region, postal_code=body.postal_code, country=body.country,
                   phone=body.phone, latitude=body.latitude, longitude=body.longitude)


# ---------------------------------------------------------------- locations


@router.post("/locations", status_code=201, summary="Create or change a store, warehouse or "
             "drop-ship vendor", responses={200: {"description": "An existing one, changed"}})
async def define_location(body: s.LocationBody, request: Request, who: Admin) -> JSONResponse:
    new = body.location_id not in state(request).locations
    await run(request, who, cmd.DefineLocation(
        location_id=body.location_id, name=body.name, kind=body.kind,
        address=address(body.address), latitude=body.latitude, longitude=body.longitude,
        ships=body.ships, pickup=body.pickup, active=body.active,
        daily_capacity=body.daily_capacity, priority=body.priority, email=body.email,
        webhook_url=body.webhook_url, x12=body.x12))
    view = location_view(state(request).locations[body.location_id])
    return JSONResponse(view, status_code=201 if new else 200,
                        headers={"Location": f"{PREFIX}/locations/{body.location_id}"})


@router.get("/locations", summary="Stores, warehouses and vendors")
async def list_locations(request: Request, who: Reader,
                         kind: LocationKind | None = None) -> dict[str, Any]:
    locations = [loc for loc in state(request).locations.values()
                 if kind is None or loc.kind is kind]
    return {"locations": [location_view(loc) for loc in locations]}


@router.get("/locations/{location_id}", summary="One location")
async def get_location(location_id: str, request: Request, who: Reader) -> dict[str, Any]:
    location = state(request).locations.get(location_id)
    if location is None:
        raise not_found(f"location {location_id!r}")
    return location_view(location)


# ---------------------------------------------------------------- SKUs


@router.post("/skus", status_code=201, summary="Create or change a catalogue item",
             responses={200: {"description": "An existing one, changed"}})
async def define_sku(body: s.SkuBody, request: Request, who: Admin) -> JSONResponse:
    new = body.sku not in state(request).skus
    await run(request, who, cmd.DefineSku(
        sku=body.sku, name=body.name, stocked=body.stocked, vendor_id=body.vendor_id,
        vendor_sku=body.vendor_sku, cost=body.cost))
    return JSONResponse(sku_view(state(request).skus[body.sku]),
                        status_code=201 if new else 200,
                        headers={"Location": f"{PREFIX}/skus/{body.sku}"})


@router.get("/skus", summary="The catalogue")
async def list_skus(request: Request, who: Reader) -> dict[str, Any]:
    return {"skus": [sku_view(sku) for sku in state(request).skus.values()]}


@router.get("/skus/{sku}", summary="One catalogue item")
async def get_sku(sku: str, request: Request, who: Reader) -> dict[str, Any]:
    item = state(request).skus.get(sku)
    if item is None:
        raise not_found(f"SKU {sku!r}")
    return sku_view(item)


# ---------------------------------------------------------------- sourcing rules


@router.get("/sourcing-rules", summary="The sourcing rule stack and shortage policies")
async def get_rules(request: Request, who: Reader) -> dict[str, Any]:
    return rules_view(state(request).rules, DEFAULT_RULES)


@router.put("/sourcing-rules", summary="Replace the rule stack and shortage policies")
async def set_rules(body: s.SourcingRulesBody, request: Request, who: Admin) -> dict[str, Any]:
    await run(request, who, cmd.SetSourcingRules(
        rules=tuple(body.rules), default_shortage=body.default_shortage,
        policies=tuple(ChannelPolicy(channel=channel, shortage=policy)
                       for channel, policy in body.shortage.items())))
    return rules_view(state(request).rules, DEFAULT_RULES)


# ---------------------------------------------------------------- webhooks


@router.post("/webhooks", status_code=201, summary="Subscribe a URL to event topics "
             "(posts are signed with the secret)")
async def subscribe(body: s.WebhookBody, request: Request, who: Admin) -> dict[str, Any]:
    subscription_id = body.subscription_id or f"wh_{secrets.token_hex(6)}"
    await run(request, who, cmd.SubscribeWebhook(
        subscription_id=subscription_id, url=body.url, topics=tuple(body.topics),
        secret=body.secret, active=body.active))
    return subscription_view(state(request).subscriptions[subscription_id])


@router.get("/webhooks", summary="Webhook subscriptions (without their secrets)")
async def list_subscriptions(request: Request, who: Admin) -> dict[str, Any]:
    return {"webhooks": [subscription_view(sub)
                         for sub in state(request).subscriptions.values()]}


__all__ = ["router"]
