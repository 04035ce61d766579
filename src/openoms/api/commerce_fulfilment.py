"""The stores' screens: fulfilment orders assigned to a location and every step of working
them (accept, pick, pack, short-pick, reject, ship, deliver, ready for pickup, hand over).

A store associate sees and works only its own locations' fulfilment orders; units it turns
down are sourced again elsewhere without it learning where.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from openoms.api import commerce_schemas as s
from openoms.api.auth import FULFILMENT_READ, FULFILMENT_WORK, Principal, require_reach
from openoms.api.commerce_access import (
    PREFIX,
    allowed,
    find_fulfilment,
    fulfilment_in_reach,
    run,
    state,
)
from openoms.api.commerce_views import fulfilment_view
from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain import events as ev
from openoms.commerce.domain.model import FulfilmentKind, FulfilmentStatus

router = APIRouter(prefix=PREFIX, tags=["retail: fulfilment"])

Lister = Annotated[Principal, allowed(FULFILMENT_READ)]
Reader = Annotated[Principal, fulfilment_in_reach(FULFILMENT_READ)]
Worker = Annotated[Principal, fulfilment_in_reach(FULFILMENT_WORK)]


def lines(items: list[s.LineQtyBody]) -> tuple[ev.LineQty, ...]:
    return tuple(ev.LineQty(line_id=i.line_id, qty=i.qty) for i in items)


@router.get("/fulfilments", summary="Fulfilment orders, oldest first (a store's queue)")
async def list_fulfilments(
    request: Request, who: Lister, location_id: str | None = None,
    status: Annotated[list[FulfilmentStatus] | None, Query()] = None,
    kind: FulfilmentKind | None = None, order_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    if location_id is not None:
        require_reach(who, location_id)
    current = state(request)
    wanted = set(status or ())
    matches = [f for f in current.fulfilments.values()
               if who.reaches(f.location_id)
               and (location_id is None or f.location_id == location_id)
               and (not wanted or f.status in wanted)
               and (kind is None or f.kind is kind)
               and (order_id is None or f.order_id == order_id)]
    return {"total": len(matches), "offset": offset, "limit": limit,
            "fulfilments": [fulfilment_view(current, f)
                            for f in matches[offset:offset + limit]]}


@router.get("/fulfilments/{fulfilment_id}", summary="One fulfilment order")
async def get_fulfilment(fulfilment_id: str, request: Request, who: Reader) -> dict[str, Any]:
    return fulfilment_view(state(request), find_fulfilment(request, who, fulfilment_id))


async def _act(request: Request, who: Principal, command: cmd.FulfilmentCommand
               ) -> dict[str, Any]:
    await run(request, who, command)
    return fulfilment_view(state(request), state(request).fulfilments[command.fulfilment_id])


@router.post("/fulfilments/{fulfilment_id}/accept", summary="The store takes the order on")
async def accept(fulfilment_id: str, request: Request, who: Worker) -> dict[str, Any]:
    return await _act(request, who, cmd.AcceptFulfilment(fulfilment_id=fulfilment_id))


@router.post("/fulfilments/{fulfilment_id}/pick", summary="Every unit was picked")
async def pick(fulfilment_id: str, request: Request, who: Worker) -> dict[str, Any]:
    return await _act(request, who, cmd.PickFulfilment(fulfilment_id=fulfilment_id))


@router.post("/fulfilments/{fulfilment_id}/pack", summary="Packed, ready for the carrier or "
             "the counter")
async def pack(fulfilment_id: str, request: Request, who: Worker) -> dict[str, Any]:
    return await _act(request, who, cmd.PackFulfilment(fulfilment_id=fulfilment_id))


@router.post("/fulfilments/{fulfilment_id}/short-pick", summary="Units were not on the shelf: "
             "they leave the store's stock and are sourced again")
async def short_pick(fulfilment_id: str, body: s.ShortPickBody, request: Request,
                     who: Worker) -> dict[str, Any]:
    return await _act(request, who, cmd.ShortPick(
        fulfilment_id=fulfilment_id, lines=lines(body.lines), reason=body.reason))


@router.post("/fulfilments/{fulfilment_id}/reject", summary="The store will not fulfil it: "
             "every unit is sourced again elsewhere")
async def reject(fulfilment_id: str, body: s.RejectFulfilmentBody, request: Request,
                 who: Worker) -> dict[str, Any]:
    return await _act(request, who, cmd.RejectFulfilment(fulfilment_id=fulfilment_id,
                                                         reason=body.reason))


@router.post("/fulfilments/{fulfilment_id}/ship", summary="Handed to the carrier")
async def ship(fulfilment_id: str, body: s.ShipBody, request: Request,
               who: Worker) -> dict[str, Any]:
    return await _act(request, who, cmd.ShipFulfilment(
        fulfilment_id=fulfilment_id, carrier=body.carrier, tracking=body.tracking))


@router.post("/fulfilments/{fulfilment_id}/deliver", summary="The carrier delivered it")
async def deliver(fulfilment_id: str, request: Request, who: Worker) -> dict[str, Any]:
    return await _act(request, who, cmd.DeliverFulfilment(fulfilment_id=fulfilment_id))


@router.post("/fulfilments/{fulfilment_id}/ready-for-pickup",
             summary="A pickup order waits at the counter")
async def ready_for_pickup(fulfilment_id: str, request: Request,
                           who: Worker) -> dict[str, Any]:
    return await _act(request, who, cmd.ReadyForPickup(fulfilment_id=fulfilment_id))


@router.post("/fulfilments/{fulfilment_id}/hand-over", summary="The customer collected it")
async def hand_over(fulfilment_id: str, request: Request, who: Worker) -> dict[str, Any]:
    return await _act(request, who, cmd.HandOver(fulfilment_id=fulfilment_id))


__all__ = ["router"]
