"""Customer orders over REST: capture (idempotent), list, detail with history, cancel, payment
hooks, returns."""

from __future__ import annotations

import json
import re
import secrets
import string
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from pydantic import ValidationError as PydanticValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from openoms.api import commerce_schemas as s
from openoms.api.auth import (
    RETAIL_ORDER,
    RETAIL_READ,
    RETAIL_RETURN,
    Principal,
    require,
    require_reach,
)
from openoms.api.commerce_access import (
    PREFIX,
    allowed,
    not_found,
    principal,
    run,
    runtime,
    state,
)
from openoms.api.commerce_catalog import address
from openoms.api.commerce_views import order_view, record_view, return_view
from openoms.api.fastpath import Defer
from openoms.api.journal import history
from openoms.api.problems import problem
from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain import events as ev
from openoms.commerce.domain.model import (
    Address,
    Channel,
    CommerceOrder,
    Customer,
    LineRequest,
    OrderStatus,
    Return,
)
from openoms.core.errors import DuplicateRequest, UnknownOrder, ValidationError

router = APIRouter(prefix=PREFIX, tags=["retail: orders"])

Reader = Annotated[Principal, allowed(RETAIL_READ)]
Taker = Annotated[Principal, allowed(RETAIL_ORDER)]
Receiver = Annotated[Principal, allowed(RETAIL_RETURN)]
IdempotencyKey = Annotated[str | None, Header(
    min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$",
    description="Retries with the same key and body return the first order (200, "
    "Idempotent-Replayed: true); the same key with another body is refused (409).")]


def _order(request: Request, order_id: str) -> CommerceOrder:
    order = state(request).orders.get(order_id)
    if order is None:
        raise UnknownOrder(f"unknown order {order_id!r}", field="order_id")
    return order


def _view(request: Request, order_id: str) -> dict[str, Any]:
    return order_view(state(request), _order(request, order_id), detail=True)


def _command(body: s.NewCommerceOrder, key: str | None) -> cmd.CaptureOrder:
    ship_to = address(body.ship_to) if body.ship_to else Address(
        name=body.customer.name, line1="", city="", postal_code="", country="")
    return cmd.CaptureOrder(
        channel=body.channel, channel_order_id=body.channel_order_id or "",
        idempotency_key=key,
        customer=Customer(name=body.customer.name, email=body.customer.email or "",
                          phone=body.customer.phone),
        ship_to=ship_to, method=body.shipping_method,
        pickup_location_id=body.pickup_location_id, payment_status=body.payment_status,
        currency=body.currency, notes=body.notes,
        lines=tuple(LineRequest(sku=line.sku, qty=line.qty, unit_price=line.unit_price)
                    for line in body.lines))


@router.post("/orders", status_code=201, summary="Capture a customer order; it is sourced "
             "(stock reserved, fulfilment orders created) in the same step",
             responses={201: {"description": "The order, durable and sourced"},
                        200: {"description": "A retry with the same Idempotency-Key: the "
                              "existing order"},
                        409: {"description": "The key or channel order id was used for "
                              "another order"}})
async def capture_order(body: s.NewCommerceOrder, request: Request, who: Taker,
                        idempotency_key: IdempotencyKey = None) -> JSONResponse:
    return await _capture(request, who, body, idempotency_key)


# What IdempotencyKey accepts: 1-200 printable ASCII characters, no spaces.
_KEY = re.compile(r"[\x21-\x7e]{1,200}")


async def capture_order_fast(request: Request) -> JSONResponse:
    """``capture_order`` for ``FastPath``, without FastAPI's per-request dependency and body
    machinery: the same authentication, then the body parsed and validated as FastAPI does
    (JSON, then the model). Any request that would be refused, or that is not plain
    ``application/json``, goes to the route above instead (``Defer``), so refusals are
    FastAPI's own.

    Raises:
        Defer: FastAPI's route is to answer this request.
    """
    try:
        who = await principal(request)
        require(who, RETAIL_ORDER)
    except HTTPException:
        raise Defer from None
    key = request.headers.get("idempotency-key")
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if (key is not None and not _KEY.fullmatch(key)) or media != "application/json":
        raise Defer
    try:
        body = s.NewCommerceOrder.model_validate(json.loads(await request.body()),
                                                 from_attributes=True)
    except (ValueError, PydanticValidationError):  # not JSON, or not a valid order
        raise Defer from None
    return await _capture(request, who, body, key)


async def _capture(request: Request, who: Principal, body: s.NewCommerceOrder,
                   idempotency_key: str | None) -> JSONResponse:
    try:
        records = await run(request, who, _command(body, idempotency_key))
    except DuplicateRequest as exc:
        if not exc.identical:  # the domain names what repeated; the key travels as a header
            field = "Idempotency-Key" if exc.field == "idempotency_key" else exc.field
            return problem(409, "DuplicateRequest", str(exc), code=exc.code,
                           errors_=[{"field": field, "reason": str(exc)}],
                           order_id=exc.order_id)
        await runtime(request).engine.barrier()  # the original may still be committing
        return JSONResponse(_view(request, exc.order_id), status_code=200, headers={
            "Idempotent-Replayed": "true", "Location": f"{PREFIX}/orders/{exc.order_id}"})
    order_id = next(r.event.order_id for r in records
                    if isinstance(r.event, ev.OrderCaptured))
    return JSONResponse(_view(request, order_id), status_code=201,
                        headers={"Location": f"{PREFIX}/orders/{order_id}"})


@router.get("/orders", summary="Customer orders, newest first (offset or cursor paging)")
async def list_orders(
    request: Request, who: Reader,
    status: Annotated[list[OrderStatus] | None, Query()] = None,
    channel: Annotated[list[Channel] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    cursor: Annotated[str | None, Query(
        min_length=1, max_length=64,
        description="next_cursor of the previous page: the orders older than it")] = None,
) -> dict[str, Any]:
    current = state(request)
    wanted_status, wanted_channel = set(status or ()), set(channel or ())
    newest_first: list[CommerceOrder] = list(reversed(current.orders.values()))
    if cursor is not None:
        if offset:
            raise ValidationError("give offset or cursor, not both", field="cursor")
        if cursor not in current.orders:
            raise ValidationError(f"cursor {cursor!r} is not an order id", field="cursor")
        start = next(n for n, o in enumerate(newest_first) if o.order_id == cursor) + 1
        newest_first = newest_first[start:]
    matches = [o for o in newest_first
               if (not wanted_status or o.status in wanted_status)
               and (not wanted_channel or o.channel in wanted_channel)]
    page = matches[offset:offset + limit]
    more = len(matches) > offset + limit
    return {"total": len(matches), "offset": offset, "limit": limit,
            "next_cursor": page[-1].order_id if page and more else None,
            "orders": [order_view(current, o) for o in page]}


@router.get("/orders/{order_id}", summary="One order: lines, fulfilment orders, returns and "
            "its history (with each sourcing decision explained)")
async def get_order(order_id: str, request: Request, who: Reader) -> dict[str, Any]:
    _order(request, order_id)
    records = await history(request, f"corder:{order_id}")
    view = _view(request, order_id)
    view["history"] = [record_view(r) for r in records]
    return view


@router.post("/orders/{order_id}/cancel", summary="Cancel the whole order, or some units of "
             "some lines (only units not yet shipped; reservations are released)")
async def cancel_order(order_id: str, request: Request, who: Taker,
                       body: s.CancelOrderBody | None = None) -> dict[str, Any]:
    _order(request, order_id)
    body = body or s.CancelOrderBody()
    await run(request, who, cmd.CancelOrder(
        order_id=order_id, reason=body.reason,
        lines=tuple(ev.LineQty(line_id=line.line_id, qty=line.qty) for line in body.lines)))
    return _view(request, order_id)


@router.post("/orders/{order_id}/source", summary="Try again to source the order's units "
             "that wait for stock (after rules changed or a location reopened)")
async def source_again(order_id: str, request: Request, who: Taker) -> dict[str, Any]:
    _order(request, order_id)
    await run(request, who, cmd.SourceBackorders(order_id=order_id))
    return _view(request, order_id)


@router.post("/orders/{order_id}/payment/capture",
             summary="Capture the authorised payment (the order total)")
async def capture_payment(order_id: str, request: Request, who: Taker) -> dict[str, Any]:
    _order(request, order_id)
    await run(request, who, cmd.CapturePayment(order_id=order_id))
    return _view(request, order_id)


@router.post("/orders/{order_id}/payment/refund", summary="Refund part or all of a captured "
             "payment")
async def refund_payment(order_id: str, body: s.RefundBody, request: Request,
                         who: Taker) -> dict[str, Any]:
    _order(request, order_id)
    await run(request, who, cmd.RefundPayment(order_id=order_id, amount=body.amount,
                                              reason=body.reason))
    return _view(request, order_id)


@router.post("/orders/{order_id}/returns", status_code=201,
             summary="Authorise the return of shipped units (an RMA)")
async def authorize_return(order_id: str, body: s.ReturnBody, request: Request,
                           who: Taker) -> JSONResponse:
    _order(request, order_id)
    records = await run(request, who, cmd.AuthorizeReturn(
        order_id=order_id, reason=body.reason, code=return_code(),
        lines=tuple(ev.LineQty(line_id=line.line_id, qty=line.qty) for line in body.lines)))
    rma_id = next(r.event.rma_id for r in records if isinstance(r.event, ev.ReturnAuthorized))
    return JSONResponse(return_view(state(request).returns[rma_id]), status_code=201,
                        headers={"Location": f"{PREFIX}/returns/{rma_id}"})


def return_code() -> str:
    """Six random capital letters that end a new return's number ("RMA7-KQXWBT"): any store
    may receive a return by its number, so numbers must not be guessable in sequence."""
    return "".join(secrets.choice(string.ascii_uppercase) for _ in range(6))


def _return(request: Request, rma_id: str) -> Return:
    rma = state(request).returns.get(rma_id)
    if rma is None:
        raise not_found(f"return {rma_id!r}")
    return rma


@router.get("/returns/{rma_id}", summary="One return authorisation")
async def get_return(rma_id: str, request: Request, who: Reader) -> dict[str, Any]:
    return return_view(_return(request, rma_id))


@router.post("/returns/{rma_id}/receive", summary="Returned units arrived at a location: "
             "restock them or write them off")
async def receive_return(rma_id: str, body: s.ReceiveReturnBody, request: Request,
                         who: Receiver) -> dict[str, Any]:
    require_reach(who, body.location_id)
    _return(request, rma_id)
    await run(request, who, cmd.ReceiveReturn(
        rma_id=rma_id, location_id=body.location_id,
        lines=tuple(cmd.ReturnLineReceipt(line_id=line.line_id, qty=line.qty,
                                          disposition=line.disposition)
                    for line in body.lines)))
    return return_view(_return(request, rma_id))

__all__ = ["router"]
