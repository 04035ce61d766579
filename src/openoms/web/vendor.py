"""The vendor portal: a drop-ship vendor's purchase orders, acknowledged and shipped.

``/ui/vendor`` lists the purchase orders in the user's reach (a vendor user: its own
``vendor:ID``; staff: every vendor, with a vendor filter), newest first, paginated; a new
purchase order is fetched as a row fragment (``/ui/vendor/rows?order_id=...``) when the live
stream reports its order, so it appears without a reload. ``/ui/vendor/po/{fulfilment_id}``
shows one purchase order and the moves its status allows: acknowledge (accept every line, or
refuse chosen lines with a reason) and ship with the carrier's tracking number. Like the API,
a scoped user gets 403 for a purchase order outside its reach whether it exists or not.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from openoms.api import auth
from openoms.api.auth import Principal
from openoms.api.commerce_access import find_fulfilment, state
from openoms.commerce.domain import events as ev
from openoms.commerce.domain.model import (
    Fulfilment,
    FulfilmentKind,
    FulfilmentStatus,
    Location,
    LocationKind,
)
from openoms.commerce.domain.state import CommerceState
from openoms.commerce.domain.states import FULFILMENT_TRANSITIONS
from openoms.core.errors import UnknownOrder
from openoms.web.formats import money
from openoms.web.templating import Offset, PageError, page_numbers, page_user, query_string, render

router = APIRouter(include_in_schema=False)
Vendor = Annotated[Principal, page_user(auth.PO_WORK)]
Name = Annotated[str, Query(max_length=64)]  # an id or a status in the query string
API: Final = "/api/v1/commerce/purchase-orders/"

# The status filter: open work first, then every status by name.
STATUS_CHOICES: Final[tuple[tuple[str, str], ...]] = (
    ("", "Any status"), ("open", "Open (to acknowledge or ship)"),
    *((s.value, s.value.replace("_", " ").capitalize()) for s in (
        FulfilmentStatus.ASSIGNED, FulfilmentStatus.ACCEPTED, FulfilmentStatus.SHIPPED,
        FulfilmentStatus.DELIVERED, FulfilmentStatus.REJECTED, FulfilmentStatus.CANCELED)),
)
_STATUS_KEYS: Final = frozenset(key for key, _ in STATUS_CHOICES)


def vendors(s: CommerceState, who: Principal) -> list[Location]:
    return [loc for loc in s.locations.values()
            if loc.kind is LocationKind.VENDOR and who.reaches(loc.location_id)]


def matches(f: Fulfilment, who: Principal, vendor_id: str, status: str) -> bool:
    """Whether f is a purchase order this list shows."""
    if f.kind is not FulfilmentKind.DROPSHIP or not who.reaches(f.location_id):
        return False
    if vendor_id and f.location_id != vendor_id:
        return False
    if status == "open":
        return f.status.is_open
    return not status or f.status.value == status


def newest_first(s: CommerceState, who: Principal, vendor_id: str,
                 status: str) -> Iterator[Fulfilment]:
    return (f for f in reversed(s.fulfilments.values())
            if matches(f, who, vendor_id, status))


def cost_of(s: CommerceState, f: Fulfilment) -> Decimal | None:
    total = Decimal(0)
    for line in f.lines:
        sku = s.skus.get(line.sku)
        if sku is None or sku.cost is None:
            return None
        total += sku.cost * line.qty
    return total


def row(s: CommerceState, f: Fulfilment) -> dict[str, Any]:
    """One purchase order as a row of the list."""
    order = s.orders[f.order_id]
    total = cost_of(s, f)
    return {"id": f.fulfilment_id, "order_id": f.order_id, "vendor_id": f.location_id,
            "status": f.status.value, "created_at": f.created_at,
            "lines": sum(1 for line in f.lines if line.qty),
            "units": f.units, "cost": money(total),
            "city": " ".join(p for p in (order.ship_to.city, order.ship_to.region) if p),
            "tracking": f.tracking, "carrier": f.carrier}


def _filters(s: CommerceState, who: Principal, vendor_id: str, status: str) -> None:
    if status not in _STATUS_KEYS:
        raise PageError(404, f"There is no status filter {status!r}.")
    if vendor_id and not who.reaches(vendor_id):
        raise PageError(403, f"Your access does not reach vendor {vendor_id}.")


@router.get("/ui/vendor")
async def purchase_orders(
    request: Request, who: Vendor, vendor_id: Name = "", status: Name = "",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> Response:
    s = state(request)
    _filters(s, who, vendor_id, status)
    found = list(newest_first(s, who, vendor_id, status))
    pages = page_numbers(len(found), limit, offset)
    return render(request, "vendor/list.html", who=who,
                  rows=[row(s, f) for f in found[offset:offset + limit]], pages=pages,
                  vendors=vendors(s, who), vendor_id=vendor_id, status_filter=status,
                  statuses=STATUS_CHOICES, staff=who.reach is None,
                  extra=query_string((("vendor_id", vendor_id), ("status", status))))


@router.get("/ui/vendor/rows")
async def purchase_order_rows(request: Request, who: Vendor, order_id: Name = "",
                              vendor_id: Name = "", status: Name = "") -> Response:
    """The rows of one order's purchase orders that the list shows (a live fragment)."""
    s = state(request)
    _filters(s, who, vendor_id, status)
    order = s.orders.get(order_id)
    found = [] if order is None else [
        s.fulfilments[f_id] for f_id in order.fulfilment_ids
        if f_id in s.fulfilments and matches(s.fulfilments[f_id], who, vendor_id, status)]
    total = sum(1 for _ in newest_first(s, who, vendor_id, status))
    return render(request, "vendor/rows.html", who=who, rows=[row(s, f) for f in found],
                  total=total, staff=who.reach is None)


def find_purchase_order(request: Request, who: Principal, fulfilment_id: str) -> Fulfilment:
    """The purchase order if who may see it, by the API's rule (403 outside the scope whether
    it exists or not; 404 for an unscoped user)."""
    try:
        return find_fulfilment(request, who, fulfilment_id, purchase_order=True)
    except HTTPException:
        raise PageError(403, f"Purchase order {fulfilment_id} is outside your access.") \
            from None
    except UnknownOrder:
        raise PageError(404, f"There is no purchase order {fulfilment_id}.") from None


@router.get("/ui/vendor/po/{fulfilment_id}")
async def purchase_order(request: Request, fulfilment_id: str, who: Vendor) -> Response:
    s = state(request)
    f = find_purchase_order(request, who, fulfilment_id)
    order = s.orders[f.order_id]
    lines = []
    for line in f.lines:
        if line.qty == 0:  # refused or canceled: no longer on the purchase order
            continue
        sku = s.skus.get(line.sku)
        cost = sku.cost if sku else None
        lines.append({"line_id": line.line_id, "sku": line.sku, "qty": line.qty,
                      "name": sku.name if sku else "",
                      "vendor_sku": (sku.vendor_sku if sku else None) or "",
                      "cost": money(cost),
                      "amount": money(cost * line.qty if cost is not None else None)})
    total = cost_of(s, f)
    vendor = s.locations.get(f.location_id)
    return render(request, "vendor/po.html", who=who, po=f, order=order, lines=lines,
                  total=money(total),
                  vendor=vendor, api=API + f.fulfilment_id,
                  can_acknowledge=FULFILMENT_TRANSITIONS.allows(f.status,
                                                                ev.FulfilmentAccepted),
                  can_ship=f.status is FulfilmentStatus.ACCEPTED
                  and FULFILMENT_TRANSITIONS.allows(f.status, ev.FulfilmentShipped))
