"""Stock by SKU and location: levels, receipts, adjustments, counts, safety stock, and each
row's journal. A store associate reads and changes only its own locations' stock."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from openoms.api import commerce_schemas as s
from openoms.api.auth import INVENTORY_READ, INVENTORY_WRITE, RETAIL_ADMIN, Principal, require_reach
from openoms.api.commerce_access import PREFIX, allowed, not_found, run, state
from openoms.api.commerce_views import record_view, stock_view
from openoms.api.journal import history
from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain import events as ev
from openoms.core.events import Command, Recorded

router = APIRouter(prefix=PREFIX, tags=["retail: inventory"])

Reader = Annotated[Principal, allowed(INVENTORY_READ)]
Writer = Annotated[Principal, allowed(INVENTORY_WRITE)]
Admin = Annotated[Principal, allowed(RETAIL_ADMIN)]


@router.get("/inventory", summary="Stock levels (on hand, reserved, safety stock, available)")
async def list_stock(request: Request, who: Reader, sku: str | None = None,
                     location_id: str | None = None,
                     limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
                     offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    if location_id is not None:
        require_reach(who, location_id)
    rows = [(key, stock) for key, stock in sorted(state(request).stock.items())
            if (sku is None or key[0] == sku)
            and (location_id is None or key[1] == location_id) and who.reaches(key[1])]
    return {"total": len(rows), "offset": offset, "limit": limit,
            "inventory": [stock_view(k[0], k[1], v) for k, v in rows[offset:offset + limit]]}


async def _change(request: Request, who: Principal, sku: str, location_id: str,
                  command: Command) -> dict[str, Any]:
    require_reach(who, location_id)
    records = await run(request, who, command)
    view = stock_view(sku, location_id, state(request).stock_of(sku, location_id))
    if who.reach is None:  # which waiting orders took the new units (not for a store's eyes)
        view["sourced_orders"] = _sourced(records)
    return view


def _sourced(records: list[Recorded]) -> list[str]:
    return list(dict.fromkeys(r.event.order_id for r in records
                              if isinstance(r.event, ev.OrderSourced)))


@router.post("/inventory/receipts", summary="Units arrived at a location (waiting orders "
             "are sourced at once)")
async def receive(body: s.ReceiptBody, request: Request, who: Writer) -> dict[str, Any]:
    return await _change(request, who, body.sku, body.location_id, cmd.ReceiveStock(
        sku=body.sku, location_id=body.location_id, qty=body.qty, reason=body.reason))


@router.post("/inventory/adjustments", summary="Change on hand by a delta, with a reason")
async def adjust(body: s.AdjustmentBody, request: Request, who: Writer) -> dict[str, Any]:
    return await _change(request, who, body.sku, body.location_id, cmd.AdjustStock(
        sku=body.sku, location_id=body.location_id, delta=body.delta, reason=body.reason))


@router.post("/inventory/counts", summary="Record a count: on hand becomes what was counted")
async def count(body: s.CountBody, request: Request, who: Writer) -> dict[str, Any]:
    return await _change(request, who, body.sku, body.location_id, cmd.CountStock(
        sku=body.sku, location_id=body.location_id, counted=body.counted, reason=body.reason))


@router.put("/inventory/{sku}/{location_id}/safety-stock",
            summary="Units at the location that sourcing must leave alone")
async def set_safety_stock(sku: str, location_id: str, body: s.SafetyStockBody,
                           request: Request, who: Admin) -> dict[str, Any]:
    await run(request, who, cmd.SetSafetyStock(sku=sku, location_id=location_id,
                                               safety_stock=body.safety_stock))
    return stock_view(sku, location_id, state(request).stock_of(sku, location_id))


@router.get("/inventory/{sku}/{location_id}/history",
            summary="Every receipt, adjustment, count and safety-stock change of one row")
async def stock_history(sku: str, location_id: str, request: Request,
                        who: Reader) -> dict[str, Any]:
    require_reach(who, location_id)
    current = state(request)
    if sku not in current.skus:
        raise not_found(f"SKU {sku!r}")
    if location_id not in current.locations:
        raise not_found(f"location {location_id!r}")
    records = await history(request, f"stock:{sku}@{location_id}")
    return {**stock_view(sku, location_id, current.stock_of(sku, location_id)),
            "history": [record_view(r) for r in records]}


__all__ = ["router"]
