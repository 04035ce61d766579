"""Decisions on returns: authorise (RMA) shipped units, receive them at a location, restock
(sourcing waiting orders from them) or write off. Refunds are a separate payment decision
(``refund_payment``)."""

from __future__ import annotations

from datetime import datetime

from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain import events as ev
from openoms.commerce.domain.backorders import source_waiting
from openoms.commerce.domain.checks import require_location, require_order
from openoms.commerce.domain.model import Disposition, LocationKind
from openoms.commerce.domain.state import CommerceState
from openoms.core.errors import Conflict, NotFound, ValidationError
from openoms.core.events import Context, Event

MAX_CODE = 12


def authorize_return(s: CommerceState, c: cmd.AuthorizeReturn, ctx: Context,
                     now: datetime) -> list[Event]:
    order = require_order(s, c.order_id)
    if not c.lines:
        raise ValidationError("name at least one line to return", field="lines")
    wanted: dict[str, int] = {}
    for n, item in enumerate(c.lines):
        line = order.lines.get(item.line_id)
        if line is None:
            raise ValidationError(f"order {order.order_id} has no line {item.line_id!r}",
                                  field=f"lines[{n}].line_id")
        if item.qty <= 0:
            raise ValidationError("qty must be greater than zero", field=f"lines[{n}].qty")
        wanted[item.line_id] = wanted.get(item.line_id, 0) + item.qty
    for line_id, qty in wanted.items():
        line = order.lines[line_id]
        returnable = line.returnable
        if qty > returnable:
            raise Conflict(f"line {line_id} has {returnable} shipped units not yet under a "
                           f"return, not {qty}", field="lines")
    if c.code and not (len(c.code) <= MAX_CODE and c.code.isascii() and c.code.isalpha()
                       and c.code.isupper()):
        raise ValidationError(f"code is 1-{MAX_CODE} capital letters A-Z", field="code")
    rma_id = f"{s.next_rma_id()}-{c.code}" if c.code else s.next_rma_id()
    return [ev.ReturnAuthorized(
        order_id=order.order_id, rma_id=rma_id, reason=c.reason.strip(),
        lines=tuple(ev.LineQty(line_id=line, qty=qty) for line, qty in wanted.items()))]


def receive_return(s: CommerceState, c: cmd.ReceiveReturn, ctx: Context,
                   now: datetime) -> list[Event]:
    rma = s.returns.get(c.rma_id)
    if rma is None:
        raise NotFound(f"unknown return {c.rma_id!r}", field="rma_id")
    if rma.received:
        raise Conflict(f"return {c.rma_id} was received already", field="rma_id")
    location = require_location(s, c.location_id)
    if location.kind is LocationKind.VENDOR or not location.active:
        raise ValidationError(f"{c.location_id} does not take returns", field="location_id")
    authorized = {line.line_id: line.qty for line in rma.lines}
    got: dict[str, ev.ReturnedLine] = {}
    order = s.orders[rma.order_id]
    if not c.lines:
        raise ValidationError("name at least one line received", field="lines")
    for n, item in enumerate(c.lines):
        if item.line_id not in authorized:
            raise ValidationError(f"return {c.rma_id} has no line {item.line_id!r}",
                                  field=f"lines[{n}].line_id")
        if item.line_id in got:
            raise ValidationError(f"line {item.line_id} is listed twice",
                                  field=f"lines[{n}].line_id")
        if not 0 < item.qty <= authorized[item.line_id]:
            raise ValidationError(f"line {item.line_id}: 1-{authorized[item.line_id]} units "
                                  "were authorised", field=f"lines[{n}].qty")
        got[item.line_id] = ev.ReturnedLine(line_id=item.line_id,
                                            sku=order.lines[item.line_id].sku,
                                            qty=item.qty, disposition=item.disposition)
    restocked: dict[tuple[str, str], int] = {}
    for line in got.values():
        if line.disposition is Disposition.RESTOCK:
            key = (line.sku, c.location_id)
            restocked[key] = restocked.get(key, 0) + line.qty
    # Restocked units are stock like any receipt: orders waiting for them get them now.
    return [ev.ReturnReceived(order_id=rma.order_id, rma_id=c.rma_id,
                              location_id=c.location_id, lines=tuple(got.values())),
            *(source_waiting(s, now, skus={sku for sku, _ in restocked}, adjust=restocked)
              if restocked else [])]
