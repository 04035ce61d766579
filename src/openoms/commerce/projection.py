"""Read-model rows of the retail business: what each group commit writes beside the journal,
and how the state is rebuilt from those rows on restart. Pure: plain dicts in, plain dicts out.

Rows are projected from the state as it stands when the batch is sealed, for exactly the
entities its records touched. Orders and stock rows carry the version of their stream
(``corder:``, ``stock:SKU@LOC``); the other streams' versions come back from the journal.
Nothing is ever deleted, so every table is written by upsert. The waiting list (orders with
units waiting for stock, oldest first) has no per-order rank that survives its changes, so it
is written whole, with the id counters, whenever a batch holds an order's event.

Tables (see adapters/sql/schema.py): commerce_locations, commerce_skus, commerce_stock,
commerce_orders, commerce_order_lines, commerce_fulfilments, commerce_fulfilment_lines,
commerce_returns, commerce_return_lines, commerce_sourcing_rules, commerce_webhooks,
commerce_capacity, commerce_idempotency, commerce_counters.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openoms.commerce.domain import events as ev
from openoms.commerce.domain.model import (
    Address,
    Channel,
    CommerceOrder,
    Customer,
    Fulfilment,
    FulfilmentKind,
    FulfilmentLine,
    FulfilmentStatus,
    Location,
    LocationKind,
    OrderLine,
    OrderStatus,
    PaymentStatus,
    Return,
    ReturnLine,
    ShippingMethod,
    ShortagePolicy,
    Sku,
    SourcingRules,
    Stock,
)
from openoms.commerce.domain.state import CommerceState, Subscription
from openoms.core.codec import to_json
from openoms.core.events import Recorded

Row = dict[str, Any]
Rows = dict[str, list[Row]]


class _Touched:
    """The entities a run of records changed, and when each was last changed."""

    def __init__(self) -> None:
        self.locations: dict[str, None] = {}
        self.skus: dict[str, None] = {}
        self.stock: dict[tuple[str, str], None] = {}
        self.orders: dict[str, datetime] = {}
        self.fulfilments: dict[str, datetime] = {}
        self.returns: dict[str, None] = {}
        self.capacity: dict[tuple[str, date], None] = {}
        self.idempotency: dict[str, str] = {}
        self.subscriptions: dict[str, None] = {}
        self.rules = False

    def add(self, state: CommerceState, recorded: Recorded) -> None:
        event, at = recorded.event, recorded.recorded_time
        if isinstance(event, ev.OrderEvent):
            self.orders[event.order_id] = at
            self._order_event(state, event, recorded)
        elif isinstance(event, ev.StockEvent):
            self.stock[(event.sku, event.location_id)] = None
        elif isinstance(event, ev.LocationDefined):
            self.locations[event.location_id] = None
        elif isinstance(event, ev.SkuDefined):
            self.skus[event.sku] = None
        elif isinstance(event, ev.WebhookSubscribed):
            self.subscriptions[event.subscription_id] = None
        elif isinstance(event, ev.SourcingRulesSet):
            self.rules = True

    def _order_event(self, state: CommerceState, event: ev.OrderEvent,
                     recorded: Recorded) -> None:
        at = recorded.recorded_time
        if isinstance(event, ev.OrderCaptured) and event.idempotency_key:
            self.idempotency[event.idempotency_key] = event.order_id
        elif isinstance(event, ev.OrderSourced):
            for new in event.fulfilments:
                self.fulfilments[new.fulfilment_id] = at
                self.capacity[(new.location_id, at.date())] = None
                self.stock.update(((a.sku, new.location_id), None) for a in new.lines)
        elif isinstance(event, ev.FulfilmentEvent):
            self.fulfilments[event.fulfilment_id] = at
            f = state.fulfilments[event.fulfilment_id]
            self.stock.update(((line.sku, f.location_id), None) for line in f.lines)
        elif isinstance(event, ev.ReturnAuthorized):
            self.returns[event.rma_id] = None
        elif isinstance(event, ev.ReturnReceived):
            self.returns[event.rma_id] = None
            self.stock.update(((line.sku, event.location_id), None) for line in event.lines)


def project(state: CommerceState, records: Sequence[Recorded]) -> tuple[Rows, Rows]:
    """Return (upserts, inserts) for the read model after records were applied to state."""
    touched = _Touched()
    for recorded in records:
        touched.add(state, recorded)
    upserts: Rows = {}

    def put(table: str, rows: Iterable[Row]) -> None:
        listed = list(rows)
        if listed:
            upserts.setdefault(table, []).extend(listed)

    put("commerce_locations", (location_row(state.locations[i]) for i in touched.locations))
    put("commerce_skus", (sku_row(state.skus[s]) for s in touched.skus))
    put("commerce_stock", (stock_row(state, key) for key in touched.stock
                           if key in state.stock))
    if touched.rules:
        put("commerce_sourcing_rules", [rules_row(state.rules)])
    put("commerce_webhooks", (webhook_row(state.subscriptions[i])
                              for i in touched.subscriptions))
    for order_id, at in touched.orders.items():
        order = state.orders[order_id]
        put("commerce_orders", [order_row(state, order, at)])
        put("commerce_order_lines", (line_row(order_id, n, line)
                                     for n, line in enumerate(order.lines.values())))
    for fulfilment_id, at in touched.fulfilments.items():
        f = state.fulfilments[fulfilment_id]
        put("commerce_fulfilments", [fulfilment_row(state, f, at)])
        put("commerce_fulfilment_lines", (
            {"fulfilment_id": fulfilment_id, "line_id": line.line_id, "position": n,
             "sku": line.sku, "qty": line.qty} for n, line in enumerate(f.lines)))
    for rma_id in touched.returns:
        put("commerce_returns", [return_row(state, state.returns[rma_id])])
        put("commerce_return_lines", (
            {"rma_id": rma_id, "line_id": line.line_id, "position": n, "qty": line.qty}
            for n, line in enumerate(state.returns[rma_id].lines)))
    put("commerce_capacity", ({"location_id": location_id, "day": day.isoformat(),
                               "used": state.capacity_used[(location_id, day)]}
                              for location_id, day in touched.capacity))
    put("commerce_idempotency", ({"idempotency_key": key, "order_id": order_id}
                                 for key, order_id in touched.idempotency.items()))
    if touched.orders:
        put("commerce_counters", [{"id": 1, "order_seq": state.order_seq,
                                   "rma_seq": state.rma_seq,
                                   "waiting": json.dumps(list(state.waiting))}])
    return upserts, {}


# ---------------------------------------------------------------- rows


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def location_row(loc: Location) -> Row:
    return {"location_id": loc.location_id, "name": loc.name, "kind": loc.kind.value,
            "address": to_json(loc.address), "latitude": loc.latitude,
            "longitude": loc.longitude, "ships": loc.ships, "pickup": loc.pickup,
            "active": loc.active, "daily_capacity": loc.daily_capacity,
            "priority": loc.priority, "email": loc.email, "webhook_url": loc.webhook_url,
            "x12": loc.x12}


def sku_row(sku: Sku) -> Row:
    return {"sku": sku.sku, "name": sku.name, "stocked": sku.stocked,
            "vendor_id": sku.vendor_id, "vendor_sku": sku.vendor_sku, "cost": sku.cost}


def stock_row(state: CommerceState, key: tuple[str, str]) -> Row:
    sku, location_id = key
    stock = state.stock[key]
    return {"sku": sku, "location_id": location_id, "on_hand": stock.on_hand,
            "reserved": stock.reserved, "safety_stock": stock.safety_stock,
            "version": state.versions.get(f"stock:{sku}@{location_id}", 0)}


def rules_row(rules: SourcingRules) -> Row:
    return {"name": "rules", "rules": _json(list(rules.rules)),
            "policies": _json({c.value: p.value for c, p in rules.shortage.items()}),
            "default_shortage": rules.default_shortage.value}


def webhook_row(sub: Subscription) -> Row:
    return {"subscription_id": sub.subscription_id, "url": sub.url,
            "topics": _json(list(sub.topics)), "secret": sub.secret, "active": sub.active}


def order_row(state: CommerceState, order: CommerceOrder, updated_at: datetime) -> Row:
    return {"order_id": order.order_id, "channel": order.channel.value,
            "channel_order_id": order.channel_order_id, "status": order.status.value,
            "method": order.method.value, "pickup_location_id": order.pickup_location_id,
            "payment_status": order.payment_status.value, "currency": order.currency,
            "customer_name": order.customer.name, "customer_email": order.customer.email,
            "created_at": order.created_at or updated_at, "updated_at": updated_at,
            "version": state.versions[f"corder:{order.order_id}"], "on_hold": order.on_hold,
            "amount_refunded": order.amount_refunded, "notes": order.notes,
            "customer": to_json(order.customer), "ship_to": to_json(order.ship_to),
            "amount_captured": order.amount_captured}


def line_row(order_id: str, position: int, line: OrderLine) -> Row:
    return {"order_id": order_id, "line_id": line.line_id, "position": position,
            "sku": line.sku, "qty": line.qty, "unit_price": line.unit_price,
            "canceled": line.canceled, "backordered": line.backordered,
            "shipped": line.shipped, "returned": line.returned,
            "return_authorized": line.return_authorized}


def fulfilment_row(state: CommerceState, f: Fulfilment, updated_at: datetime) -> Row:
    return {"fulfilment_id": f.fulfilment_id, "order_id": f.order_id,
            "position": state.orders[f.order_id].fulfilment_ids.index(f.fulfilment_id),
            "location_id": f.location_id, "kind": f.kind.value, "status": f.status.value,
            "carrier": f.carrier, "tracking": f.tracking, "reason": f.reason,
            "created_at": f.created_at or updated_at, "updated_at": updated_at}


def return_row(state: CommerceState, rma: Return) -> Row:
    return {"rma_id": rma.rma_id, "order_id": rma.order_id,
            "position": state.orders[rma.order_id].rma_ids.index(rma.rma_id),
            "reason": rma.reason, "received": rma.received, "location_id": rma.location_id}


# ---------------------------------------------------------------- restore


def _address(text: str) -> Address:
    data = json.loads(text)
    for part in ("latitude", "longitude"):
        if data.get(part) is not None:
            data[part] = Decimal(data[part])
    return Address(**data)


def _in_order(rows: Iterable[Row], key: str) -> dict[str, list[Row]]:
    """Group rows by key, each group in position order."""
    groups: dict[str, list[Row]] = {}
    for row in sorted(rows, key=lambda r: (r[key], r["position"])):
        groups.setdefault(row[key], []).append(row)
    return groups


def _number(identifier: str) -> int:
    """The counter inside an order or RMA id (R12, RMA3): the order they were made in."""
    digits = "".join(ch for ch in identifier if ch.isdigit())
    return int(digits) if digits else 0


def restore(state: CommerceState, tables: Mapping[str, Iterable[Row]]) -> None:
    """Rebuild state from read-model rows (the snapshot the journal tail is replayed onto).

    Orders, returns and fulfilment orders come back in the order they were made (the API
    lists them so); reference data and stock in key order.
    """
    for row in sorted(tables.get("commerce_locations", ()), key=lambda r: r["location_id"]):
        state.locations[row["location_id"]] = Location(**{
            **row, "kind": LocationKind(row["kind"]), "address": _address(row["address"])})
    for row in sorted(tables.get("commerce_skus", ()), key=lambda r: r["sku"]):
        state.skus[row["sku"]] = Sku(**row)
    for row in sorted(tables.get("commerce_stock", ()),
                      key=lambda r: (r["sku"], r["location_id"])):
        key = (row["sku"], row["location_id"])
        state.stock[key] = Stock(on_hand=row["on_hand"], reserved=row["reserved"],
                                 safety_stock=row["safety_stock"])
        if row["version"]:
            state.versions[f"stock:{key[0]}@{key[1]}"] = row["version"]
    state.reindex()
    for row in tables.get("commerce_sourcing_rules", ()):
        state.rules = SourcingRules(
            rules=tuple(json.loads(row["rules"])),
            shortage={Channel(c): ShortagePolicy(p)
                      for c, p in json.loads(row["policies"]).items()},
            default_shortage=ShortagePolicy(row["default_shortage"]))
    for row in sorted(tables.get("commerce_webhooks", ()), key=lambda r: r["subscription_id"]):
        state.subscriptions[row["subscription_id"]] = Subscription(
            **{**row, "topics": tuple(json.loads(row["topics"]))})
    _restore_orders(state, tables)
    for row in tables.get("commerce_capacity", ()):
        state.capacity_used[(row["location_id"], date.fromisoformat(row["day"]))] = row["used"]
    for row in tables.get("commerce_idempotency", ()):
        state.idempotency[row["idempotency_key"]] = row["order_id"]
    for row in tables.get("commerce_counters", ()):
        state.order_seq, state.rma_seq = row["order_seq"], row["rma_seq"]
        state.waiting = dict.fromkeys(json.loads(row["waiting"]))


def _restore_orders(state: CommerceState, tables: Mapping[str, Iterable[Row]]) -> None:
    lines = _in_order(tables.get("commerce_order_lines", ()), "order_id")
    f_lines = _in_order(tables.get("commerce_fulfilment_lines", ()), "fulfilment_id")
    r_lines = _in_order(tables.get("commerce_return_lines", ()), "rma_id")
    fulfilments = _in_order(tables.get("commerce_fulfilments", ()), "order_id")
    returns = _in_order(tables.get("commerce_returns", ()), "order_id")
    for row in sorted(tables.get("commerce_orders", ()), key=lambda r: _number(r["order_id"])):
        order_id = row["order_id"]
        order = CommerceOrder(
            order_id=order_id, channel=Channel(row["channel"]),
            channel_order_id=row["channel_order_id"],
            customer=Customer(**json.loads(row["customer"])), ship_to=_address(row["ship_to"]),
            method=ShippingMethod(row["method"]), pickup_location_id=row["pickup_location_id"],
            payment_status=PaymentStatus(row["payment_status"]), currency=row["currency"],
            status=OrderStatus(row["status"]), on_hold=bool(row["on_hold"]),
            created_at=row["created_at"], notes=row["notes"],
            amount_refunded=row["amount_refunded"], amount_captured=row["amount_captured"],
            lines={r["line_id"]: OrderLine(**{k: v for k, v in r.items()
                                              if k not in ("order_id", "position")})
                   for r in lines.get(order_id, ())},
            fulfilment_ids=tuple(r["fulfilment_id"] for r in fulfilments.get(order_id, ())),
            rma_ids=tuple(r["rma_id"] for r in returns.get(order_id, ())))
        state.orders[order_id] = order
        state.versions[f"corder:{order_id}"] = row["version"]
        if order.channel_order_id:
            state.channel_orders[(order.channel, order.channel_order_id)] = order_id
    # Made at the same instant only by one decision, which sources orders oldest first.
    made = sorted((f for group in fulfilments.values() for f in group), key=lambda f: (
        f["created_at"], _number(f["order_id"]), f["position"]))
    for f in made:
        state.fulfilments[f["fulfilment_id"]] = Fulfilment(
            fulfilment_id=f["fulfilment_id"], order_id=f["order_id"],
            location_id=f["location_id"], kind=FulfilmentKind(f["kind"]),
            status=FulfilmentStatus(f["status"]), created_at=f["created_at"],
            carrier=f["carrier"], tracking=f["tracking"], reason=f["reason"],
            lines=tuple(FulfilmentLine(line_id=r["line_id"], sku=r["sku"], qty=r["qty"])
                        for r in f_lines.get(f["fulfilment_id"], ())))
    for r in sorted((r for group in returns.values() for r in group),
                    key=lambda r: _number(r["rma_id"])):
        state.returns[r["rma_id"]] = Return(
            rma_id=r["rma_id"], order_id=r["order_id"], reason=r["reason"],
            received=bool(r["received"]), location_id=r["location_id"],
            lines=tuple(ReturnLine(line_id=x["line_id"], qty=x["qty"])
                        for x in r_lines.get(r["rma_id"], ())))
