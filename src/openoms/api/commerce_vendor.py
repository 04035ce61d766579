"""The vendor portal: a drop-ship vendor's purchase orders (the fulfilment orders sourced to
it), acknowledged line by line (refused lines are sourced again) and shipped with tracking.

A vendor token reaches only its own vendor location (``vendor:ID``); staff see every
vendor's purchase orders.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from openoms.adapters.notify import x12
from openoms.api import commerce_schemas as s
from openoms.api.auth import PO_READ, PO_WORK, Principal, require, require_reach
from openoms.api.commerce_access import (
    PREFIX,
    allowed,
    find_fulfilment,
    fulfilment_in_reach,
    run,
    state,
)
from openoms.api.commerce_fulfilment import lines
from openoms.api.commerce_views import fulfilment_view
from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain import events as ev
from openoms.commerce.domain.model import FulfilmentKind, FulfilmentStatus
from openoms.commerce.domain.states import FULFILMENT_TRANSITIONS
from openoms.core.errors import InvalidTransition, ValidationError

router = APIRouter(prefix=PREFIX, tags=["retail: vendor portal"])

Lister = Annotated[Principal, allowed(PO_READ)]
Reader = Annotated[Principal, fulfilment_in_reach(PO_READ, purchase_order=True)]
Worker = Annotated[Principal, fulfilment_in_reach(PO_WORK, purchase_order=True)]


@router.get("/purchase-orders", summary="Drop-ship purchase orders, oldest first")
async def list_purchase_orders(
    request: Request, who: Lister, vendor_id: str | None = None,
    status: Annotated[list[FulfilmentStatus] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    if vendor_id is not None:
        require_reach(who, vendor_id)
    current = state(request)
    wanted = set(status or ())
    matches = [f for f in current.fulfilments.values()
               if f.kind is FulfilmentKind.DROPSHIP and who.reaches(f.location_id)
               and (vendor_id is None or f.location_id == vendor_id)
               and (not wanted or f.status in wanted)]
    return {"total": len(matches), "offset": offset, "limit": limit,
            "purchase_orders": [fulfilment_view(current, f, vendor=True)
                                for f in matches[offset:offset + limit]]}


def _view(request: Request, who: Principal, fulfilment_id: str) -> dict[str, Any]:
    f = find_fulfilment(request, who, fulfilment_id, purchase_order=True)
    return fulfilment_view(state(request), f, vendor=True)


@router.get("/purchase-orders/{fulfilment_id}", summary="One purchase order")
async def get_purchase_order(fulfilment_id: str, request: Request,
                             who: Reader) -> dict[str, Any]:
    return _view(request, who, fulfilment_id)


@router.post("/purchase-orders/{fulfilment_id}/acknowledge",
             summary="Acknowledge, refusing some units if need be (refusing every unit "
             "rejects the purchase order); refused units are sourced again")
async def acknowledge(fulfilment_id: str, request: Request, who: Worker,
                      body: s.AcknowledgeBody | None = None) -> dict[str, Any]:
    body = body or s.AcknowledgeBody()
    await run(request, who, cmd.AcceptFulfilment(
        fulfilment_id=fulfilment_id, rejected=lines(body.rejected), reason=body.reason))
    return _view(request, who, fulfilment_id)


@router.post("/purchase-orders/{fulfilment_id}/ship", summary="Shipped to the customer, with "
             "the carrier's tracking number")
async def ship(fulfilment_id: str, body: s.ShipBody, request: Request,
               who: Worker) -> dict[str, Any]:
    await run(request, who, cmd.ShipFulfilment(fulfilment_id=fulfilment_id,
                                               carrier=body.carrier, tracking=body.tracking))
    return _view(request, who, fulfilment_id)


MAX_NOTICE = 1 << 20  # bytes of one X12 document


@router.post("/purchase-orders/ship-notice",
             summary="Ship purchase orders with an X12 856 ship notice (text/plain body)",
             responses={422: {"description": "Not an 856 we can read, or a purchase order in "
                                             "it cannot be shipped; nothing was shipped"}})
async def ship_notice(request: Request, who: Lister) -> dict[str, Any]:
    require(who, PO_WORK)
    raw = await request.body()
    if len(raw) > MAX_NOTICE:
        raise ValidationError(f"the document is larger than {MAX_NOTICE:,} bytes", field="body")
    try:
        commands = x12.ship_commands(raw.decode("utf-8"))
    except (UnicodeDecodeError, x12.X12Error) as exc:
        raise ValidationError(f"not an 856 ship notice: {exc}", field="body") from None
    if not commands:
        raise ValidationError("the 856 names no purchase order (PRF)", field="body")
    current = state(request)
    for command in commands:  # every PO in reach and shippable before any is shipped
        f = find_fulfilment(request, who, command.fulfilment_id, purchase_order=True)
        if not FULFILMENT_TRANSITIONS.allows(f.status, ev.FulfilmentShipped):
            raise InvalidTransition(f"purchase order {f.fulfilment_id}", f.status.value,
                                    "FulfilmentShipped")
    for command in commands:
        await run(request, who, command)
    return {"purchase_orders": [fulfilment_view(current, current.fulfilments[c.fulfilment_id],
                                                vendor=True) for c in commands]}


__all__ = ["router"]
