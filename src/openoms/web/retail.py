"""Pages of the retail area: customer orders (list, detail with its sourcing story and
timeline, customer-service entry). Stock pages live in ``inventory`` and are included here.

Pages read the in-memory commerce state through the API's own views, so they show what the
API shows; every change goes through the REST API from the browser (``static/retail.js``).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from openoms.api import auth
from openoms.api.auth import Principal
from openoms.api.commerce_access import state
from openoms.api.commerce_views import order_view, record_view
from openoms.api.journal import history
from openoms.commerce.domain.model import (
    Channel,
    CommerceOrder,
    FulfilmentStatus,
    LocationKind,
    OrderStatus,
)
from openoms.commerce.domain.orders import cancelable_units
from openoms.commerce.domain.state import CommerceState
from openoms.web import inventory
from openoms.web.formats import money, when
from openoms.web.templating import Offset, PageError, page_numbers, page_user, query_string, render

router = APIRouter(include_in_schema=False)
router.include_router(inventory.router)

Reader = Annotated[Principal, page_user(auth.RETAIL_READ)]
Taker = Annotated[Principal, page_user(auth.RETAIL_ORDER)]
PAGE = 50


# ---------------------------------------------------------------- the order list


def _matches(order: CommerceOrder, status: str, channel: str, needle: str) -> bool:
    if status and order.status.value != status:
        return False
    if channel and order.channel.value != channel:
        return False
    if needle:
        customer = order.customer
        return any(needle in text.lower() for text in (
            order.order_id, order.channel_order_id, customer.name, customer.email))
    return True


def _newest_first(s: CommerceState, status: str, channel: str,
                  needle: str) -> Iterator[CommerceOrder]:
    # The state keeps orders in capture order: newest first is the reverse, never a sort.
    return (o for o in reversed(s.orders.values()) if _matches(o, status, channel, needle))


def order_row(s: CommerceState, order: CommerceOrder) -> dict[str, Any]:
    """One row of the order list (the API's view plus what the table shows)."""
    view = order_view(s, order)
    view["units"] = sum(line.qty for line in order.lines.values())
    view["created"] = when(order.created_at)
    view["total_text"] = money(order.total)
    return view


@router.get("/ui/retail/orders")
async def orders_page(
    request: Request, who: Reader,
    status: Annotated[str, Query(max_length=40)] = "",
    channel: Annotated[str, Query(max_length=40)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=500)] = PAGE,
    offset: Offset = 0,
) -> Response:
    s = state(request)
    status = status if status in {v.value for v in OrderStatus} else ""
    channel = channel if channel in {v.value for v in Channel} else ""
    needle = q.strip().lower()
    if status or channel or needle:
        matches = list(_newest_first(s, status, channel, needle))
        total, page = len(matches), matches[offset:offset + limit]
    else:
        total = len(s.orders)
        page = list(islice(reversed(s.orders.values()), offset, offset + limit))
    filters = [("status", status), ("channel", channel), ("q", q.strip())]
    return render(request, "retail/orders.html", who=who,
                  rows=[order_row(s, o) for o in page], pages=page_numbers(total, limit, offset),
                  extra=query_string(filters), filters=dict(filters),
                  statuses=[v.value for v in OrderStatus], channels=[v.value for v in Channel])


@router.get("/ui/retail/orders/new")
async def new_order_page(request: Request, who: Taker) -> Response:
    s = state(request)
    available: dict[str, int] = {}
    for (sku, _), stock in s.stock.items():
        available[sku] = available.get(sku, 0) + stock.available()
    skus = [{"sku": sku.sku, "name": sku.name, "available": available.get(sku.sku, 0),
             "dropship": sku.dropship, "stocked": sku.stocked}
            for sku in sorted(s.skus.values(), key=lambda k: k.sku)]
    stores = [loc for loc in s.locations.values()
              if loc.kind is LocationKind.STORE and loc.pickup and loc.active]
    return render(request, "retail/new.html", who=who, skus=skus, stores=stores,
                  channel_options=[(v.value, v.value) for v in Channel])


def _order(request: Request, order_id: str) -> CommerceOrder:
    order = state(request).orders.get(order_id)
    if order is None:
        raise PageError(404, f"There is no customer order {order_id}.")
    return order


@router.get("/ui/retail/orders/{order_id}/row")
async def order_row_fragment(
    request: Request, order_id: str, who: Reader,
    status: Annotated[str, Query(max_length=40)] = "",
    channel: Annotated[str, Query(max_length=40)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The list row of one order (for live updates); empty when it misses the filters."""
    s = state(request)
    order = _order(request, order_id)
    if not _matches(order, status, channel, q.strip().lower()):
        return Response(status_code=204)
    return render(request, "retail/_row.html", who=who, row=order_row(s, order))


# ---------------------------------------------------------------- one order


@router.get("/ui/retail/orders/{order_id}")
async def order_page(request: Request, order_id: str, who: Reader) -> Response:
    _order(request, order_id)
    return render(request, "retail/order.html", who=who, **await _detail(request, order_id, who))


@router.get("/ui/retail/orders/{order_id}/live")
async def order_fragment(request: Request, order_id: str, who: Reader) -> Response:
    """The body of the order page (swapped in when the order changes)."""
    _order(request, order_id)
    return render(request, "retail/_order.html", who=who,
                  **await _detail(request, order_id, who))


async def _detail(request: Request, order_id: str, who: Principal) -> dict[str, Any]:
    records = await history(request, f"corder:{order_id}")
    s = state(request)
    order = s.orders[order_id]
    view = order_view(s, order, detail=True)
    names = {sku: item.name for sku, item in s.skus.items()}
    for line in view["lines"]:
        held = order.lines[line["line_id"]]
        line["name"] = names.get(line["sku"], "")
        # The domain's own rules, so a button is offered exactly when the command would pass.
        line["cancelable"] = cancelable_units(s, order, held.line_id)
        line["allocated"] = line["cancelable"] - held.backordered  # in open fulfilment orders
        line["returnable"] = held.returnable
        line["price_text"] = money(line["unit_price"])
    locations = {loc_id: loc.name for loc_id, loc in s.locations.items()}
    for f in view["fulfilments"]:
        f["location_name"] = locations.get(f["location_id"], "")
        f["created"] = when(f["created_at"])
        f["done"] = FulfilmentStatus(f["status"]).is_done
    timeline = [_entry(record_view(r)) for r in records]
    may_order = who.can(auth.RETAIL_ORDER)
    return {
        "order": view, "timeline": list(reversed(timeline)),
        "sourcing": [entry for entry in timeline if entry["event"] == "OrderSourced"],
        "locations": locations, "may_order": may_order,
        "may_cancel": may_order and any(line["cancelable"] for line in view["lines"]),
        "may_return": may_order and any(line["returnable"] for line in view["lines"]),
        "may_capture": may_order and order.capturable,
        "may_refund": may_order and order.refundable > 0,
        "amounts": {"total": money(order.total), "due": money(view["amount_due"]),
                    "captured": money(order.amount_captured),
                    "refunded": money(order.amount_refunded),
                    "refundable": money(order.refundable)},
        "created": when(order.created_at),
        "pickup_name": locations.get(order.pickup_location_id or "", ""),
    }


# ---------------------------------------------------------------- the timeline


def _lines(items: list[dict[str, Any]]) -> str:
    return ", ".join(f"line {i['line_id']}" + (f" ({i['sku']})" if i.get("sku") else "")
                     + f" × {i['qty']}" for i in items if i.get("qty"))


def _summary(event: str, data: dict[str, Any]) -> str:
    """What happened, in a sentence a customer-service agent can read out."""
    f_id = data.get("fulfilment_id", "")
    if event == "OrderCaptured":
        units = sum(line["qty"] for line in data["lines"])
        return f"Order taken ({data['channel']}): {len(data['lines'])} line(s), {units} unit(s)"
    if event == "OrderSourced":
        parts = [f"{f['fulfilment_id']} at {f['location_id']} ({_lines(f['lines'])})"
                 for f in data["fulfilments"]]
        if data.get("held"):
            parts.append("on hold until every unit can be supplied")
        if waiting := _lines(data.get("backordered", [])):
            parts.append(f"backordered: {waiting}")
        if gone := _lines(data.get("canceled", [])):
            parts.append(f"canceled for want of stock: {gone}")
        return "Sourced: " + ("; ".join(parts) or "nothing could be sourced")
    if event == "OrderCanceled":
        return f"Canceled {_lines(data['lines'])}"
    if event == "PaymentCaptured":
        return f"Payment captured: {money(data['amount'])}"
    if event == "PaymentRefunded":
        return f"Refunded {money(data['amount'])} (payment now {data['status']})"
    if event == "FulfilmentShipped":
        return f"{f_id} shipped by {data['carrier']}, tracking {data['tracking']}"
    if event in ("FulfilmentShortPicked", "FulfilmentLinesCanceled"):
        verb = "short-picked" if event == "FulfilmentShortPicked" else "lines canceled:"
        return f"{f_id} {verb} {_lines(data['lines'])}"
    if event == "FulfilmentAccepted" and data.get("rejected"):
        return f"{f_id} accepted, refusing {_lines(data['rejected'])}"
    if event == "ReturnAuthorized":
        return f"Return {data['rma_id']} authorised: {_lines(data['lines'])}"
    if event == "ReturnReceived":
        back = ", ".join(f"line {i['line_id']} × {i['qty']} ({i['disposition']})"
                         for i in data["lines"])
        return f"Return {data['rma_id']} received at {data['location_id']}: {back}"
    words = {"FulfilmentReadyForPickup": "is ready for pickup",
             "FulfilmentPickedUp": "was picked up by the customer"}
    if event in words:
        return f"{f_id} {words[event]}"
    if event.startswith("Fulfilment"):
        return f"{f_id} {event.removeprefix('Fulfilment').lower()}"
    return event


def _entry(view: dict[str, Any]) -> dict[str, Any]:
    return {"event": view["event"], "actor": view["actor"], "source": view["source"],
            "time": when(view["event_time"]), "reason": view["reason"] or "",
            "summary": _summary(view["event"], view["data"]),
            "explanation": view.get("explanation", []), "data": view["data"]}


__all__ = ["router"]
