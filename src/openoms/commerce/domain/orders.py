"""Decisions on customer orders: capture (and source at once), cancel, payment hooks."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain import events as ev
from openoms.commerce.domain.backorders import excluded, source_waiting
from openoms.commerce.domain.checks import (
    MAX_TEXT,
    check_address,
    require_location,
    require_order,
    require_sku,
)
from openoms.commerce.domain.model import (
    CommerceOrder,
    LocationKind,
    PaymentStatus,
    ShippingMethod,
)
from openoms.commerce.domain.sourcing import Need, source
from openoms.commerce.domain.state import CommerceState
from openoms.core.errors import Conflict, DuplicateRequest, ValidationError
from openoms.core.events import Context, Event

MAX_LINES = 500
MAX_QTY = 1_000_000


def capture_order(s: CommerceState, c: cmd.CaptureOrder, ctx: Context,
                  now: datetime) -> list[Event]:
    """Take an order from a channel and source it in the same decision (stock reserved)."""
    _check_duplicate(s, c)
    _check_order(s, c)
    order_id = s.next_order_id()
    lines = tuple(ev.CapturedLine(line_id=str(n), sku=line.sku, qty=line.qty,
                                  unit_price=line.unit_price)
                  for n, line in enumerate(c.lines, start=1))
    captured = ev.OrderCaptured(
        order_id=order_id, channel=c.channel, channel_order_id=c.channel_order_id,
        idempotency_key=c.idempotency_key, customer=c.customer, ship_to=c.ship_to,
        method=c.method, pickup_location_id=c.pickup_location_id,
        payment_status=c.payment_status, currency=c.currency, lines=lines, notes=c.notes)
    # The order as sourcing reads it (where it goes, how, from which channel); the lines
    # are the needs.
    order = CommerceOrder(
        order_id=order_id, channel=c.channel, channel_order_id=c.channel_order_id,
        customer=c.customer, ship_to=c.ship_to, method=c.method,
        pickup_location_id=c.pickup_location_id, lines={})
    needs = [Need(line.line_id, line.sku, line.qty) for line in lines]
    return [captured, source(s, order, needs, now).event(order_id, needs)]


def _check_duplicate(s: CommerceState, c: cmd.CaptureOrder) -> None:
    """Raise DuplicateRequest for a repeated idempotency key or channel order id; identical
    when the repeat asks for exactly the same order (a retry), else it is a conflict."""
    seen = s.idempotency.get(c.idempotency_key) if c.idempotency_key else None
    key, field = f"idempotency key {c.idempotency_key!r}", "idempotency_key"
    if seen is None and c.channel_order_id:
        seen = s.channel_orders.get((c.channel, c.channel_order_id))
        key, field = f"{c.channel.value} order {c.channel_order_id!r}", "channel_order_id"
    if seen is not None:
        order = s.orders[seen]
        same = (order.channel is c.channel and order.channel_order_id == c.channel_order_id
                and order.customer == c.customer and order.ship_to == c.ship_to
                and order.method is c.method
                and order.pickup_location_id == c.pickup_location_id
                and order.currency == c.currency and order.notes == c.notes
                and [(line.sku, line.qty, line.unit_price) for line in order.lines.values()]
                == [(line.sku, line.qty, line.unit_price) for line in c.lines])
        raise DuplicateRequest(key, seen, identical=same, field=field)


def _check_order(s: CommerceState, c: cmd.CaptureOrder) -> None:
    if not c.lines:
        raise ValidationError("an order needs at least one line", field="lines")
    if len(c.lines) > MAX_LINES:
        raise ValidationError(f"an order has at most {MAX_LINES} lines", field="lines")
    for n, line in enumerate(c.lines):
        sku = require_sku(s, line.sku, field=f"lines[{n}].sku")
        if not 0 < line.qty <= MAX_QTY:
            raise ValidationError(f"lines[{n}].qty must be 1-{MAX_QTY}", field=f"lines[{n}].qty")
        if line.unit_price < 0:
            raise ValidationError(f"lines[{n}].unit_price must not be negative",
                                  field=f"lines[{n}].unit_price")
        if not sku.stocked and c.method is ShippingMethod.PICKUP:
            raise ValidationError(f"{sku.sku} is drop-shipped by its vendor: it cannot be "
                                  "picked up in store", field=f"lines[{n}].sku")
    if not c.customer.name.strip():
        raise ValidationError("customer.name is required", field="customer.name")
    if len(c.notes) > MAX_TEXT:
        raise ValidationError(f"notes are longer than {MAX_TEXT} characters", field="notes")
    if len(c.currency) != 3 or not c.currency.isalpha():
        raise ValidationError("currency must be a 3-letter ISO code", field="currency")
    if c.method is ShippingMethod.PICKUP:
        if not c.pickup_location_id:
            raise ValidationError("a pickup order names the store", field="pickup_location_id")
        store = require_location(s, c.pickup_location_id, field="pickup_location_id")
        if store.kind is not LocationKind.STORE or not store.pickup or not store.active:
            raise ValidationError(f"{store.location_id} does not offer in-store pickup now",
                                  field="pickup_location_id")
    else:
        check_address(c.ship_to, "ship_to")
    if c.payment_status not in (PaymentStatus.AUTHORIZED, PaymentStatus.PAID):
        raise ValidationError("a new order's payment is authorized or paid",
                              field="payment_status")


def cancel_order(s: CommerceState, c: cmd.CancelOrder, ctx: Context,
                 now: datetime) -> list[Event]:
    """Cancel units not yet shipped: backordered ones first, then from the fulfilment orders
    newest first (their reservations are released; a vendor hears of its canceled lines).
    An order on hold is sourced again at once: what is left may now be supplied whole."""
    order = require_order(s, c.order_id)
    cancelable = {line.line_id: cancelable_units(s, order, line.line_id)
                  for line in order.lines.values()}
    if c.lines:
        wanted: dict[str, int] = {}
        for n, item in enumerate(c.lines):
            if item.line_id not in order.lines:
                raise ValidationError(f"order {order.order_id} has no line {item.line_id!r}",
                                      field=f"lines[{n}].line_id")
            if item.qty <= 0:
                raise ValidationError("qty must be greater than zero", field=f"lines[{n}].qty")
            wanted[item.line_id] = wanted.get(item.line_id, 0) + item.qty
        for line_id, qty in wanted.items():
            if qty > cancelable[line_id]:
                raise Conflict(f"line {line_id} has {cancelable[line_id]} units that can still "
                               f"be canceled, not {qty} (shipped units are returned instead)",
                               field="lines")
    else:
        wanted = {line: qty for line, qty in cancelable.items() if qty}
        if not wanted:
            raise Conflict(f"order {order.order_id} has nothing left to cancel",
                           field="order_id")
    events: list[Event] = [ev.OrderCanceled(
        order_id=order.order_id, reason=c.reason.strip() or "canceled",
        lines=tuple(ev.LineQty(line_id=line, qty=qty) for line, qty in wanted.items()))]
    taken: dict[str, dict[str, int]] = {}
    for line_id, qty in wanted.items():
        rest = qty - min(order.lines[line_id].backordered, qty)
        for f in reversed(s.fulfilments_of(order.order_id)):
            if rest == 0:
                break
            if not f.status.is_open:
                continue
            take = min(rest, f.qty_of(line_id))
            if take:
                taken.setdefault(f.fulfilment_id, {})[line_id] = take
                rest -= take
    for fulfilment_id, lines in taken.items():
        events.append(ev.FulfilmentLinesCanceled(
            order_id=order.order_id, fulfilment_id=fulfilment_id,
            lines=tuple(ev.LineQty(line_id=line, qty=qty) for line, qty in lines.items())))
    if order.on_hold:
        events += _source_held(s, order, wanted, taken, now)
    return events


def _source_held(s: CommerceState, order: CommerceOrder, canceled: dict[str, int],
                 released: dict[str, dict[str, int]], now: datetime) -> list[Event]:
    """An order on hold that lost units may now be supplied whole: source what still waits,
    with the reservations this cancel released counted as available."""
    waiting = [Need(line.line_id, line.sku, line.backordered - canceled.get(line.line_id, 0))
               for line in order.lines.values()
               if line.backordered > canceled.get(line.line_id, 0)]
    if not waiting:
        return []  # nothing waits any more: the hold ends with the cancel
    adjust: dict[tuple[str, str], int] = {}
    for fulfilment_id, lines in released.items():
        f = s.fulfilments[fulfilment_id]
        for line_id, qty in lines.items():
            key = (order.lines[line_id].sku, f.location_id)
            adjust[key] = adjust.get(key, 0) + qty
    decision = source(s, order, waiting, now, exclude=excluded(s, order), adjust=adjust)
    return [] if decision.held else [decision.event(order.order_id, waiting)]


def cancelable_units(s: CommerceState, order: CommerceOrder, line_id: str) -> int:
    """Units of a line that may still be canceled: backordered ones and those in open
    fulfilment orders (not yet shipped)."""
    line = order.lines[line_id]
    working = sum(f.qty_of(line_id) for f in s.fulfilments_of(order.order_id)
                  if f.status.is_open)
    return line.backordered + working


def capture_payment(s: CommerceState, c: cmd.CapturePayment, ctx: Context,
                    now: datetime) -> list[Event]:
    """Charge the authorised payment for the units still ordered (canceled ones are not)."""
    order = require_order(s, c.order_id)
    if order.payment_status is not PaymentStatus.AUTHORIZED:
        raise Conflict(f"order {order.order_id}'s payment is {order.payment_status.value}, not "
                       "authorized", field="order_id")
    if not order.capturable:  # authorised, but every unit canceled
        raise Conflict(f"order {order.order_id} is canceled: nothing to charge",
                       field="order_id")
    amount = sum((line.unit_price * line.active_qty for line in order.lines.values()),
                 Decimal(0))
    return [ev.PaymentCaptured(order_id=order.order_id, amount=amount)]


def refund_payment(s: CommerceState, c: cmd.RefundPayment, ctx: Context,
                   now: datetime) -> list[Event]:
    order = require_order(s, c.order_id)
    if order.payment_status not in (PaymentStatus.PAID, PaymentStatus.PARTLY_REFUNDED):
        raise Conflict(f"order {order.order_id}'s payment is {order.payment_status.value}: "
                       "only a captured payment is refunded", field="order_id")
    left = order.refundable  # never more than was charged
    if not Decimal(0) < c.amount <= left:
        raise ValidationError(f"amount must be above 0 and at most {left}", field="amount")
    status = PaymentStatus.REFUNDED if c.amount == left else PaymentStatus.PARTLY_REFUNDED
    return [ev.PaymentRefunded(order_id=order.order_id, amount=c.amount, status=status,
                               reason=c.reason.strip())]


def source_backorders(s: CommerceState, c: cmd.SourceBackorders, ctx: Context,
                      now: datetime) -> list[Event]:
    if c.order_id is not None:
        require_order(s, c.order_id)
    return list(source_waiting(s, now, order_id=c.order_id))
