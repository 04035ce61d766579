"""Decisions on reference data and stock: locations, SKUs, sourcing rules, webhook
subscriptions, receipts, adjustments, counts and safety stock."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain import events as ev
from openoms.commerce.domain.backorders import source_waiting
from openoms.commerce.domain.checks import (
    check_address,
    require_id,
    require_location,
    require_sku,
    require_text,
)
from openoms.commerce.domain.model import RULES, Location, LocationKind
from openoms.commerce.domain.state import CommerceState
from openoms.core.errors import Conflict, ValidationError
from openoms.core.events import Context, Event

MAX_UNITS = 1_000_000_000  # any count of goods or priority above this is a mistake


def _bounded(value: int, field: str, *, low: int) -> None:
    """Raise ValidationError for a number beyond what any stock or setting can be."""
    if not low <= value <= MAX_UNITS:
        raise ValidationError(f"{field} must be at most {MAX_UNITS:,}" if value > MAX_UNITS
                              else f"{field} must be at least {low}", field=field)


def define_location(s: CommerceState, c: cmd.DefineLocation, ctx: Context,
                    now: datetime) -> list[Event]:
    require_id(c.location_id, "location_id")
    check_address(c.address, "address")
    _check_coordinates(c.latitude, c.longitude, "")
    _bounded(c.priority, "priority", low=0)
    if c.daily_capacity is not None:
        _bounded(c.daily_capacity, "daily_capacity", low=0)
    if c.daily_capacity is not None and c.daily_capacity < 0:
        raise ValidationError("daily_capacity must not be negative", field="daily_capacity")
    if c.pickup and c.kind is not LocationKind.STORE:
        raise ValidationError("only a store offers in-store pickup", field="pickup")
    if c.webhook_url is not None and not c.webhook_url.startswith(("http://", "https://")):
        raise ValidationError("webhook_url must be an http(s) URL", field="webhook_url")
    if c.email is not None and "@" not in c.email:
        raise ValidationError("email is not an e-mail address", field="email")
    known = s.locations.get(c.location_id)
    if known is not None and known.kind is not c.kind:
        raise Conflict(f"location {c.location_id} is a {known.kind.value}; its kind cannot "
                       "change", field="kind")
    return [ev.LocationDefined(
        location_id=c.location_id, name=c.name or c.location_id, kind=c.kind, address=c.address,
        latitude=c.latitude, longitude=c.longitude, ships=c.ships, pickup=c.pickup,
        active=c.active, daily_capacity=c.daily_capacity, priority=c.priority, email=c.email,
        webhook_url=c.webhook_url, x12=c.x12)]


def _check_coordinates(latitude: Decimal, longitude: Decimal, prefix: str) -> None:
    if not Decimal(-90) <= latitude <= Decimal(90):
        raise ValidationError("latitude must be within -90..90", field=f"{prefix}latitude")
    if not Decimal(-180) <= longitude <= Decimal(180):
        raise ValidationError("longitude must be within -180..180", field=f"{prefix}longitude")


def define_sku(s: CommerceState, c: cmd.DefineSku, ctx: Context, now: datetime) -> list[Event]:
    require_id(c.sku, "sku")
    if c.vendor_id is not None:
        vendor = require_location(s, c.vendor_id, field="vendor_id")
        if vendor.kind is not LocationKind.VENDOR:
            raise ValidationError(f"{c.vendor_id} is a {vendor.kind.value}, not a vendor",
                                  field="vendor_id")
    elif not c.stocked:
        raise ValidationError("a SKU that is not stocked needs the vendor that drop-ships it",
                              field="vendor_id")
    if c.cost is not None and c.cost < 0:
        raise ValidationError("cost must not be negative", field="cost")
    return [ev.SkuDefined(sku=c.sku, name=c.name or c.sku, stocked=c.stocked,
                          vendor_id=c.vendor_id, vendor_sku=c.vendor_sku, cost=c.cost)]


def set_sourcing_rules(s: CommerceState, c: cmd.SetSourcingRules, ctx: Context,
                       now: datetime) -> list[Event]:
    unknown = [rule for rule in c.rules if rule not in RULES]
    if unknown:
        raise ValidationError(f"unknown sourcing rule {unknown[0]!r}; known: "
                              f"{', '.join(sorted(RULES))}", field="rules")
    if len(set(c.rules)) != len(c.rules):
        raise ValidationError("a sourcing rule is listed twice", field="rules")
    channels = [p.channel for p in c.policies]
    if len(set(channels)) != len(channels):
        raise ValidationError("a channel has two shortage policies", field="policies")
    return [ev.SourcingRulesSet(rules=c.rules, policies=c.policies,
                                default_shortage=c.default_shortage)]


def subscribe_webhook(s: CommerceState, c: cmd.SubscribeWebhook, ctx: Context,
                      now: datetime) -> list[Event]:
    require_id(c.subscription_id, "subscription_id")
    if not c.url.startswith(("http://", "https://")):
        raise ValidationError("url must be an http(s) URL", field="url")
    if not c.topics:
        raise ValidationError("at least one topic is required", field="topics")
    known = {*ev.TOPICS.values(), ev.EVERYTHING}
    unknown = sorted(set(c.topics) - known)
    if unknown:
        raise ValidationError(f"unknown topic {unknown[0]!r}; topics are "
                              f"{', '.join(sorted(known))}", field="topics")
    if len(c.secret) < 16:
        raise ValidationError("secret must be at least 16 characters", field="secret")
    return [ev.WebhookSubscribed(subscription_id=c.subscription_id, url=c.url,
                                 topics=tuple(sorted(set(c.topics))), secret=c.secret,
                                 active=c.active)]


# ---------------------------------------------------------------- stock


def _stock_location(s: CommerceState, location_id: str) -> Location:
    location = require_location(s, location_id)
    if location.kind is LocationKind.VENDOR:
        raise ValidationError(f"{location_id} is a drop-ship vendor: its stock is not kept "
                              "here", field="location_id")
    return location


def receive_stock(s: CommerceState, c: cmd.ReceiveStock, ctx: Context,
                  now: datetime) -> list[Event]:
    """Add received units, then source orders that were waiting for them."""
    require_sku(s, c.sku)
    _stock_location(s, c.location_id)
    _bounded(c.qty, "qty", low=-MAX_UNITS)
    if c.qty <= 0:
        raise ValidationError("qty must be greater than zero", field="qty")
    reason = require_text(c.reason, "reason")
    received = ev.StockReceived(sku=c.sku, location_id=c.location_id, qty=c.qty,
                                reason=reason)
    return [received, *source_waiting(s, now, skus=(c.sku,),
                                      adjust={(c.sku, c.location_id): c.qty})]


def adjust_stock(s: CommerceState, c: cmd.AdjustStock, ctx: Context,
                 now: datetime) -> list[Event]:
    require_sku(s, c.sku)
    _stock_location(s, c.location_id)
    reason = require_text(c.reason, "reason")
    _bounded(c.delta, "delta", low=-MAX_UNITS)
    if c.delta == 0:
        raise ValidationError("delta must not be zero", field="delta")
    stock = s.stock_of(c.sku, c.location_id)
    if stock.on_hand + c.delta < stock.reserved:
        raise Conflict(f"{c.sku} at {c.location_id}: on hand would be "
                       f"{stock.on_hand + c.delta}, below the {stock.reserved} units promised "
                       "to fulfilment orders; short-pick those first", field="delta")
    events: list[Event] = [ev.StockAdjusted(sku=c.sku, location_id=c.location_id,
                                            delta=c.delta, reason=reason)]
    if c.delta > 0:  # found units: orders waiting for them get them
        events += source_waiting(s, now, skus=(c.sku,),
                                 adjust={(c.sku, c.location_id): c.delta})
    return events


def count_stock(s: CommerceState, c: cmd.CountStock, ctx: Context,
                now: datetime) -> list[Event]:
    require_sku(s, c.sku)
    _stock_location(s, c.location_id)
    _bounded(c.counted, "counted", low=-MAX_UNITS)
    if c.counted < 0:
        raise ValidationError("counted must not be negative", field="counted")
    reason = require_text(c.reason, "reason")
    stock = s.stock_of(c.sku, c.location_id)
    if c.counted < stock.reserved:
        raise Conflict(f"{c.sku} at {c.location_id}: {c.counted} counted but {stock.reserved} "
                       "are promised to fulfilment orders; short-pick those first",
                       field="counted")
    delta = c.counted - stock.on_hand
    events: list[Event] = [ev.StockCounted(sku=c.sku, location_id=c.location_id,
                                           counted=c.counted, delta=delta,
                                           reason=reason)]
    if delta > 0:
        events += source_waiting(s, now, skus=(c.sku,), adjust={(c.sku, c.location_id): delta})
    return events


def set_safety_stock(s: CommerceState, c: cmd.SetSafetyStock, ctx: Context,
                     now: datetime) -> list[Event]:
    require_sku(s, c.sku)
    _stock_location(s, c.location_id)
    _bounded(c.safety_stock, "safety_stock", low=-MAX_UNITS)
    if c.safety_stock < 0:
        raise ValidationError("safety_stock must not be negative", field="safety_stock")
    return [ev.SafetyStockSet(sku=c.sku, location_id=c.location_id,
                              safety_stock=c.safety_stock)]
