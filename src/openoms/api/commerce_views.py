"""JSON views of the retail state: decimals as strings, times in ISO 8601 UTC, enums by value.

A store or a vendor sees a fulfilment order with what it needs to ship it (the customer's
name and address), never the rest of the customer's order.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from openoms.commerce.domain import events as ev
from openoms.commerce.domain.model import (
    Address,
    CommerceOrder,
    Fulfilment,
    Location,
    OrderLine,
    Return,
    Sku,
    SourcingRules,
    Stock,
)
from openoms.commerce.domain.state import CommerceState, Subscription
from openoms.core.codec import encode
from openoms.core.events import Recorded
from openoms.core.money import fmt


def address_view(a: Address) -> dict[str, Any]:
    view = encode(a)
    view["latitude"], view["longitude"] = fmt(a.latitude), fmt(a.longitude)
    return view


def location_view(loc: Location) -> dict[str, Any]:
    return {"location_id": loc.location_id, "name": loc.name, "kind": loc.kind.value,
            "address": address_view(loc.address), "latitude": fmt(loc.latitude),
            "longitude": fmt(loc.longitude), "ships": loc.ships, "pickup": loc.pickup,
            "active": loc.active, "daily_capacity": loc.daily_capacity,
            "priority": loc.priority, "email": loc.email, "webhook_url": loc.webhook_url,
            "x12": loc.x12}


def sku_view(sku: Sku) -> dict[str, Any]:
    return {"sku": sku.sku, "name": sku.name, "stocked": sku.stocked,
            "dropship": sku.dropship, "vendor_id": sku.vendor_id,
            "vendor_sku": sku.vendor_sku, "cost": fmt(sku.cost)}


def stock_view(sku: str, location_id: str, stock: Stock) -> dict[str, Any]:
    return {"sku": sku, "location_id": location_id, "on_hand": stock.on_hand,
            "reserved": stock.reserved, "safety_stock": stock.safety_stock,
            "available": stock.available()}


def rules_view(rules: SourcingRules, known: tuple[str, ...]) -> dict[str, Any]:
    return {"rules": list(rules.rules),
            "shortage": {channel.value: policy.value
                         for channel, policy in sorted(rules.shortage.items())},
            "default_shortage": rules.default_shortage.value, "known_rules": list(known)}


def subscription_view(sub: Subscription) -> dict[str, Any]:
    """A webhook subscription; the signing secret is never shown again."""
    return {"subscription_id": sub.subscription_id, "url": sub.url,
            "topics": list(sub.topics), "active": sub.active}


def line_view(line: OrderLine) -> dict[str, Any]:
    return {"line_id": line.line_id, "sku": line.sku, "qty": line.qty,
            "unit_price": fmt(line.unit_price), "canceled": line.canceled,
            "backordered": line.backordered, "shipped": line.shipped,
            "returned": line.returned, "return_authorized": line.return_authorized,
            "open": line.active_qty - line.shipped}


def fulfilment_view(s: CommerceState, f: Fulfilment, *,
                    vendor: bool = False) -> dict[str, Any]:
    """A fulfilment order (a vendor's purchase order when vendor: with its item numbers)."""
    order = s.orders[f.order_id]
    lines = []
    for line in f.lines:
        item: dict[str, Any] = {"line_id": line.line_id, "sku": line.sku, "qty": line.qty}
        if vendor:
            sku = s.skus.get(line.sku)
            item["vendor_sku"] = sku.vendor_sku if sku else None
            item["cost"] = fmt(sku.cost) if sku else None
        lines.append(item)
    view = {"fulfilment_id": f.fulfilment_id, "order_id": f.order_id,
            "location_id": f.location_id, "kind": f.kind.value, "status": f.status.value,
            "units": f.units, "lines": lines,
            "created_at": f.created_at.isoformat() if f.created_at else None,
            "carrier": f.carrier, "tracking": f.tracking, "reason": f.reason,
            "shipping_method": order.method.value,
            "customer": {"name": order.customer.name, "phone": order.customer.phone},
            "ship_to": address_view(order.ship_to)}
    if vendor:
        view["purchase_order_id"] = view.pop("fulfilment_id")
        view["vendor_id"] = view.pop("location_id")
    return view


def return_view(r: Return) -> dict[str, Any]:
    return {"rma_id": r.rma_id, "order_id": r.order_id, "reason": r.reason,
            "received": r.received, "location_id": r.location_id,
            "lines": [{"line_id": line.line_id, "qty": line.qty} for line in r.lines]}


def order_view(s: CommerceState, order: CommerceOrder, *,
               detail: bool = False) -> dict[str, Any]:
    view: dict[str, Any] = {
        "order_id": order.order_id, "channel": order.channel.value,
        "channel_order_id": order.channel_order_id, "status": order.status.value,
        "on_hold": order.on_hold, "customer": encode(order.customer),
        "ship_to": address_view(order.ship_to), "shipping_method": order.method.value,
        "pickup_location_id": order.pickup_location_id,
        "payment_status": order.payment_status.value, "currency": order.currency,
        "total": fmt(order.total),  # as ordered; amount_due leaves canceled units out
        "amount_due": fmt(sum((line.unit_price * line.active_qty
                               for line in order.lines.values()), Decimal(0))),
        "amount_refunded": fmt(order.amount_refunded),
        "notes": order.notes,
        "created_at": order.created_at.isoformat() if order.created_at else None,
        "lines": [line_view(line) for line in order.lines.values()]}
    if detail:
        view["fulfilments"] = [fulfilment_view(s, f) for f in s.fulfilments_of(order.order_id)]
        view["returns"] = [return_view(s.returns[r]) for r in order.rma_ids]
    return view


def record_view(r: Recorded) -> dict[str, Any]:
    """One journal entry: what happened, who did it, through what, when, and why."""
    data = encode(r.event)
    named = ("sku", "location_id") if isinstance(r.event, ev.StockEvent) else (r.event.KEY,)
    for key in named:  # the stream id already says these
        data.pop(key, None)
    view = {"position": r.position, "version": r.version, "event": type(r.event).__name__,
            "actor": r.actor, "source": r.source, "event_time": r.event_time.isoformat(),
            "recorded_time": r.recorded_time.isoformat(), "reason": data.get("reason") or None,
            "data": data}
    if isinstance(r.event, ev.OrderSourced):
        view["explanation"] = list(r.event.explanation)
    return view
