"""The retail business in memory, and how each event changes it (``evolve``; never fails on
an event ``decide`` produced).

Reservations live on the stock rows and are moved only here, by the events that create, shrink,
ship or cancel fulfilment orders, so "reserved" always equals the units of open fulfilment
orders at stock locations (the invariant the stateful tests check).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from openoms.commerce.domain import events as ev
from openoms.commerce.domain.model import (
    Channel,
    CommerceOrder,
    Fulfilment,
    FulfilmentLine,
    FulfilmentStatus,
    Location,
    LocationKind,
    OrderLine,
    OrderStatus,
    PaymentStatus,
    Return,
    ReturnLine,
    Sku,
    SourcingRules,
    Stock,
)
from openoms.commerce.domain.states import FULFILMENT_TRANSITIONS
from openoms.core.events import Event, Recorded
from openoms.core.fsm import Derived


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscription:
    subscription_id: str
    url: str
    topics: tuple[str, ...]
    secret: str
    active: bool = True


class CommerceState:
    """Everything the retail handlers decide on."""

    def __init__(self) -> None:
        self.locations: dict[str, Location] = {}
        self.skus: dict[str, Sku] = {}
        self.stock: dict[tuple[str, str], Stock] = {}  # (sku, location_id)
        self.rules = SourcingRules()
        self.subscriptions: dict[str, Subscription] = {}
        self.orders: dict[str, CommerceOrder] = {}
        self.fulfilments: dict[str, Fulfilment] = {}
        self.returns: dict[str, Return] = {}
        self.idempotency: dict[str, str] = {}  # idempotency key -> order id
        self.channel_orders: dict[tuple[Channel, str], str] = {}
        self.capacity_used: dict[tuple[str, date], int] = {}  # fulfilment orders a day
        self.waiting: dict[str, None] = {}  # orders with backordered units or on hold, in order
        self.versions: dict[str, int] = {}
        self.order_seq = 0
        self.rma_seq = 0
        # SKU -> location -> its stock row, so sourcing reads only where a SKU is. Kept with
        # every row written here; rebuilt if rows were written behind its back (a restore).
        self._by_sku: dict[str, dict[str, Stock]] = {}
        self._indexed = 0
        self._points: dict[str, tuple[Location, float, float, float]] = {}
        self._apply: dict[type[Event], Callable[[Any, Recorded], None]] = {
            ev.LocationDefined: self._location,
            ev.SkuDefined: self._sku,
            ev.SourcingRulesSet: self._rules,
            ev.WebhookSubscribed: self._subscription,
            ev.StockReceived: self._stock_delta,
            ev.StockAdjusted: self._stock_delta,
            ev.StockCounted: self._stock_delta,
            ev.SafetyStockSet: self._safety,
            ev.OrderCaptured: self._captured,
            ev.OrderSourced: self._sourced,
            ev.OrderCanceled: self._canceled,
            ev.PaymentCaptured: self._payment,
            ev.PaymentRefunded: self._payment,
            ev.FulfilmentAccepted: self._accepted,
            ev.FulfilmentPicked: self._move,
            ev.FulfilmentPacked: self._move,
            ev.FulfilmentReadyForPickup: self._move,
            ev.FulfilmentDelivered: self._move,
            ev.FulfilmentShortPicked: self._short_picked,
            ev.FulfilmentRejected: self._rejected,
            ev.FulfilmentLinesCanceled: self._lines_canceled,
            ev.FulfilmentShipped: self._shipped,
            ev.FulfilmentPickedUp: self._shipped,
            ev.ReturnAuthorized: self._return_authorized,
            ev.ReturnReceived: self._return_received,
        }

    # ------------------------------------------------------------ queries

    def stock_of(self, sku: str, location_id: str) -> Stock:
        return self.stock.get((sku, location_id), _NO_STOCK)

    def stock_at(self, sku: str) -> Mapping[str, Stock]:
        """sku's stock rows by location (on hand or not), in no set order."""
        if self._indexed != len(self.stock):
            self.reindex()
        return self._by_sku.get(sku, _NOWHERE)

    def reindex(self) -> None:
        """Rebuild the per-SKU index of the stock rows (after rows were restored)."""
        self._by_sku = {}
        for (sku, location_id), stock in self.stock.items():
            self._by_sku.setdefault(sku, {})[location_id] = stock
        self._indexed = len(self.stock)

    def point(self, location: Location) -> tuple[float, float, float]:
        """The location's latitude and longitude in radians and the cosine of its latitude
        (what distances are measured with), worked out once per definition of it."""
        known = self._points.get(location.location_id)
        if known is None or known[0] is not location:
            latitude = math.radians(float(location.latitude))
            known = (location, latitude, math.radians(float(location.longitude)),
                     math.cos(latitude))
            self._points[location.location_id] = known
        return known[1], known[2], known[3]

    def order_number(self, order_id: str) -> int:
        """The order's place in the sequence orders were captured in."""
        return _number(order_id)

    def next_order_id(self) -> str:
        return f"R{self.order_seq + 1}"

    def next_rma_id(self) -> str:
        return f"RMA{self.rma_seq + 1}"

    def fulfilments_of(self, order_id: str) -> list[Fulfilment]:
        order = self.orders[order_id]
        return [self.fulfilments[f] for f in order.fulfilment_ids]

    def capacity_left(self, location: Location, day: date) -> int | None:
        if location.daily_capacity is None:
            return None
        return location.daily_capacity - self.capacity_used.get((location.location_id, day), 0)

    # ------------------------------------------------------------ evolve

    def apply(self, recorded: Recorded) -> None:
        """Change the state by one journaled event."""
        self.versions[recorded.stream_id] = recorded.version
        self._apply[type(recorded.event)](recorded.event, recorded)

    def _location(self, e: ev.LocationDefined, r: Recorded) -> None:
        self.locations[e.location_id] = Location(
            location_id=e.location_id, name=e.name, kind=e.kind, address=e.address,
            latitude=e.latitude, longitude=e.longitude, ships=e.ships, pickup=e.pickup,
            active=e.active, daily_capacity=e.daily_capacity, priority=e.priority,
            email=e.email, webhook_url=e.webhook_url, x12=e.x12)

    def _sku(self, e: ev.SkuDefined, r: Recorded) -> None:
        self.skus[e.sku] = Sku(sku=e.sku, name=e.name, stocked=e.stocked, vendor_id=e.vendor_id,
                               vendor_sku=e.vendor_sku, cost=e.cost)

    def _rules(self, e: ev.SourcingRulesSet, r: Recorded) -> None:
        self.rules = SourcingRules(rules=e.rules,
                                   shortage={p.channel: p.shortage for p in e.policies},
                                   default_shortage=e.default_shortage)

    def _subscription(self, e: ev.WebhookSubscribed, r: Recorded) -> None:
        self.subscriptions[e.subscription_id] = Subscription(
            subscription_id=e.subscription_id, url=e.url, topics=e.topics, secret=e.secret,
            active=e.active)

    def _stock_delta(self, e: ev.StockReceived | ev.StockAdjusted | ev.StockCounted,
                     r: Recorded) -> None:
        delta = e.qty if isinstance(e, ev.StockReceived) else e.delta
        self._change_stock(e.sku, e.location_id, on_hand=delta)

    def _safety(self, e: ev.SafetyStockSet, r: Recorded) -> None:
        key = (e.sku, e.location_id)
        self._put_stock(key, replace(self.stock_of(*key), safety_stock=e.safety_stock))

    def _put_stock(self, key: tuple[str, str], stock: Stock) -> None:
        if self._indexed == len(self.stock):  # the index is whole: keep it so
            at = self._by_sku.get(key[0])
            if at is None:
                at = self._by_sku[key[0]] = {}
            if key[1] not in at:
                self._indexed += 1
            at[key[1]] = stock
        self.stock[key] = stock

    def _change_stock(self, sku: str, location_id: str, *, on_hand: int = 0,
                      reserved: int = 0) -> None:
        if self.locations[location_id].kind is LocationKind.VENDOR:
            return  # a vendor's stock is its own business
        old = self.stock_of(sku, location_id)
        self._put_stock((sku, location_id), Stock(on_hand=old.on_hand + on_hand,
                                                  reserved=old.reserved + reserved,
                                                  safety_stock=old.safety_stock))

    # ------------------------------------------------------------ orders

    def _captured(self, e: ev.OrderCaptured, r: Recorded) -> None:
        self.orders[e.order_id] = CommerceOrder(
            order_id=e.order_id, channel=e.channel, channel_order_id=e.channel_order_id,
            customer=e.customer, ship_to=e.ship_to, method=e.method,
            pickup_location_id=e.pickup_location_id, payment_status=e.payment_status,
            currency=e.currency, notes=e.notes, created_at=r.event_time,
            # An order paid at the checkout was charged its whole total then.
            amount_captured=sum((line.unit_price * line.qty for line in e.lines), Decimal(0))
            if e.payment_status is PaymentStatus.PAID else Decimal(0),
            lines={line.line_id: OrderLine(line_id=line.line_id, sku=line.sku, qty=line.qty,
                                           unit_price=line.unit_price) for line in e.lines})
        self.order_seq = max(self.order_seq, _number(e.order_id))
        if e.idempotency_key:
            self.idempotency[e.idempotency_key] = e.order_id
        if e.channel_order_id:
            self.channel_orders[(e.channel, e.channel_order_id)] = e.order_id

    def _sourced(self, e: ev.OrderSourced, r: Recorded) -> None:
        order = self.orders[e.order_id]
        day = r.recorded_time.date()
        ids = list(order.fulfilment_ids)
        for new in e.fulfilments:
            FULFILMENT_TRANSITIONS.next(None, ev.OrderSourced)
            self.fulfilments[new.fulfilment_id] = Fulfilment(
                fulfilment_id=new.fulfilment_id, order_id=e.order_id,
                location_id=new.location_id, kind=new.kind, created_at=r.recorded_time,
                lines=tuple(FulfilmentLine(line_id=a.line_id, sku=a.sku, qty=a.qty)
                            for a in new.lines))
            ids.append(new.fulfilment_id)
            key = (new.location_id, day)
            self.capacity_used[key] = self.capacity_used.get(key, 0) + 1
            for a in new.lines:
                self._change_stock(a.sku, new.location_id, reserved=a.qty)
        lines = order.lines
        changed = [b for b in e.backordered  # every line this decision sourced
                   if lines[b.line_id].backordered != b.qty]
        if changed or e.canceled:
            lines = dict(lines)
            for b in changed:
                lines[b.line_id] = replace(lines[b.line_id], backordered=b.qty)
            for c in e.canceled:
                lines[c.line_id] = replace(lines[c.line_id],
                                           canceled=lines[c.line_id].canceled + c.qty)
        self._update_order(order, lines=lines, fulfilment_ids=tuple(ids), on_hold=e.held)

    def _canceled(self, e: ev.OrderCanceled, r: Recorded) -> None:
        order = self.orders[e.order_id]
        lines = dict(order.lines)
        for c in e.lines:
            line = lines[c.line_id]
            # Backordered units go first: they were never reserved anywhere.
            from_backorder = min(line.backordered, c.qty)
            lines[c.line_id] = replace(line, canceled=line.canceled + c.qty,
                                       backordered=line.backordered - from_backorder)
        # On hold means units wait for stock: with none left waiting, the hold ends.
        held = order.on_hold and any(line.backordered for line in lines.values())
        self._update_order(order, lines=lines, on_hold=held)

    def _payment(self, e: ev.PaymentCaptured | ev.PaymentRefunded, r: Recorded) -> None:
        order = self.orders[e.order_id]
        if isinstance(e, ev.PaymentCaptured):
            self.orders[e.order_id] = replace(order, payment_status=PaymentStatus.PAID,
                                              amount_captured=e.amount)
        else:
            self.orders[e.order_id] = replace(order, payment_status=e.status,
                                              amount_refunded=order.amount_refunded + e.amount)

    # ------------------------------------------------------------ fulfilment

    def _transition(self, f: Fulfilment, event: ev.FulfilmentEvent,
                    lines: tuple[FulfilmentLine, ...] | None = None, **changes: Any) -> None:
        target = FULFILMENT_TRANSITIONS.next(f.status, type(event))
        lines = f.lines if lines is None else lines
        if isinstance(target, Derived):
            target = f.status if any(line.qty for line in lines) else FulfilmentStatus.CANCELED
        self.fulfilments[f.fulfilment_id] = replace(f, status=target, lines=lines, **changes)
        self._roll_up(f.order_id)

    def _move(self, e: ev.FulfilmentEvent, r: Recorded) -> None:
        self._transition(self.fulfilments[e.fulfilment_id], e)

    def _accepted(self, e: ev.FulfilmentAccepted, r: Recorded) -> None:
        f = self.fulfilments[e.fulfilment_id]
        self._transition(f, e, _less(f, e.rejected), reason=e.reason)

    def _short_picked(self, e: ev.FulfilmentShortPicked, r: Recorded) -> None:
        f = self.fulfilments[e.fulfilment_id]
        for line in e.lines:  # the units were never there: on-hand and promise both go
            self._change_stock(_sku_of(f, line.line_id), f.location_id, on_hand=-line.qty,
                               reserved=-line.qty)
        self._transition(f, e, _less(f, e.lines), reason=e.reason)

    def _rejected(self, e: ev.FulfilmentRejected, r: Recorded) -> None:
        f = self.fulfilments[e.fulfilment_id]
        for line in f.lines:
            self._change_stock(line.sku, f.location_id, reserved=-line.qty)
        self._transition(f, e, reason=e.reason)

    def _lines_canceled(self, e: ev.FulfilmentLinesCanceled, r: Recorded) -> None:
        f = self.fulfilments[e.fulfilment_id]
        for line in e.lines:
            self._change_stock(_sku_of(f, line.line_id), f.location_id, reserved=-line.qty)
        self._transition(f, e, _less(f, e.lines), reason="canceled by the customer")

    def _shipped(self, e: ev.FulfilmentShipped | ev.FulfilmentPickedUp, r: Recorded) -> None:
        f = self.fulfilments[e.fulfilment_id]
        for line in f.lines:
            self._change_stock(line.sku, f.location_id, on_hand=-line.qty, reserved=-line.qty)
        order = self.orders[f.order_id]
        lines = dict(order.lines)
        for line in f.lines:
            lines[line.line_id] = replace(lines[line.line_id],
                                          shipped=lines[line.line_id].shipped + line.qty)
        self.orders[f.order_id] = replace(order, lines=lines)
        if isinstance(e, ev.FulfilmentShipped):
            self._transition(f, e, carrier=e.carrier, tracking=e.tracking)
        else:
            self._transition(f, e)

    # ------------------------------------------------------------ returns

    def _return_authorized(self, e: ev.ReturnAuthorized, r: Recorded) -> None:
        order = self.orders[e.order_id]
        lines = dict(order.lines)
        for item in e.lines:
            lines[item.line_id] = replace(
                lines[item.line_id],
                return_authorized=lines[item.line_id].return_authorized + item.qty)
        self.returns[e.rma_id] = Return(
            rma_id=e.rma_id, order_id=e.order_id, reason=e.reason,
            lines=tuple(ReturnLine(line_id=i.line_id, qty=i.qty) for i in e.lines))
        self.rma_seq = max(self.rma_seq, _number(e.rma_id))
        self._update_order(order, lines=lines, rma_ids=(*order.rma_ids, e.rma_id))

    def _return_received(self, e: ev.ReturnReceived, r: Recorded) -> None:
        order = self.orders[e.order_id]
        lines = dict(order.lines)
        for item in e.lines:
            lines[item.line_id] = replace(lines[item.line_id],
                                          returned=lines[item.line_id].returned + item.qty)
            if item.disposition.value == "restock":
                self._change_stock(item.sku, e.location_id, on_hand=item.qty)
        self.returns[e.rma_id] = replace(self.returns[e.rma_id], received=True,
                                         location_id=e.location_id)
        self._update_order(order, lines=lines)

    # ------------------------------------------------------------ roll-up

    def _roll_up(self, order_id: str) -> None:
        self._update_order(self.orders[order_id])

    def _update_order(self, order: CommerceOrder, **changes: Any) -> None:
        """Store the order with changes made and its status rolled up again."""
        if changes:
            order = replace(order, **changes)
        status = order_status(order, [self.fulfilments[f] for f in order.fulfilment_ids])
        if status is not order.status:
            order = replace(order, status=status)
        self.orders[order.order_id] = order
        if order.on_hold or any(line.backordered for line in order.lines.values()):
            self.waiting.setdefault(order.order_id)
        else:
            self.waiting.pop(order.order_id, None)


def order_status(order: CommerceOrder, fulfilments: list[Fulfilment]) -> OrderStatus:
    """Roll an order's status up from its lines and fulfilment orders."""
    lines = order.lines.values()
    active = sum(line.active_qty for line in lines)
    shipped = sum(line.shipped for line in lines)
    returned = sum(line.returned for line in lines)
    if active == 0:
        return OrderStatus.CANCELED
    if returned:
        return OrderStatus.RETURNED if returned >= shipped and shipped >= active \
            else OrderStatus.PARTLY_RETURNED
    if order.on_hold:
        return OrderStatus.ON_HOLD
    if shipped >= active:
        done = [f for f in fulfilments if f.status.is_done]
        delivered = all(f.status in (FulfilmentStatus.DELIVERED, FulfilmentStatus.PICKED_UP)
                        for f in done)
        return OrderStatus.DELIVERED if delivered else OrderStatus.SHIPPED
    if shipped:
        return OrderStatus.PARTLY_SHIPPED
    if any(line.backordered for line in lines):
        return OrderStatus.BACKORDERED
    return OrderStatus.OPEN


def _less(f: Fulfilment, removed: tuple[ev.LineQty, ...]) -> tuple[FulfilmentLine, ...]:
    gone = {line.line_id: line.qty for line in removed}
    return tuple(replace(line, qty=line.qty - gone.get(line.line_id, 0)) for line in f.lines)


def _sku_of(f: Fulfilment, line_id: str) -> str:
    return next(line.sku for line in f.lines if line.line_id == line_id)


def _number(identifier: str) -> int:
    """The sequence number in an id: the digits after its letters ("R12" 12, "RMA3-KQX" 3)."""
    found = _NUMBER.match(identifier)
    return int(found.group(1)) if found else 0


_NUMBER = re.compile(r"[A-Za-z]*(\d+)")


_NO_STOCK = Stock()
_NOWHERE: Mapping[str, Stock] = MappingProxyType({})
