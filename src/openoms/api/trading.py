"""Trading desk endpoints: tickets, children, pending client requests, reference data, session."""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError as PydanticValidationError
from starlette.responses import JSONResponse

from openoms.api import schemas as s
from openoms.api.auth import Principal, require
from openoms.api.journal import history
from openoms.api.views import entity_view, execution_view, history_view, ticket_view
from openoms.core.errors import DuplicateClOrdID, UnknownOrder
from openoms.core.events import Command, Context
from openoms.trading.domain import commands as cmd
from openoms.trading.domain.model import Execution, Handling, OrderStatus, Source, Ticket

router = APIRouter(prefix="/api/v1/trading", tags=["trading"])


async def principal(request: Request) -> Principal:
    result: Principal = await request.app.state.runtime.auth.principal(request)
    return result


def allowed(permission: str) -> Any:
    """A dependency that authenticates the caller and checks one permission (before the body
    is validated, so a caller without the right learns nothing from validation errors)."""

    async def check(request: Request) -> Principal:
        who = await principal(request)
        require(who, permission)
        return who

    return Depends(check)


Reader = Annotated[Principal, allowed("read")]
Requester = Annotated[Principal, allowed("order:client_request")]
Worker = Annotated[Principal, allowed("order:work")]
Admin = Annotated[Principal, allowed("reference:write")]
SessionManager = Annotated[Principal, allowed("session:manage")]


def _runtime(request: Request) -> Any:
    return request.app.state.runtime


def _ticket(request: Request, order_id: str) -> Ticket:
    ticket: Ticket | None = _runtime(request).trading.state.tickets.get(order_id)
    if ticket is None:
        raise UnknownOrder(f"unknown order {order_id!r}", field="order_id")
    return ticket


async def _run(request: Request, who: Principal, command: Command,
               source: str | None = None) -> None:
    ctx = Context(actor=who.name, source=source or who.channel, role=who.role)
    await _runtime(request).engine.execute(command, ctx)


# ---------------------------------------------------------------- tickets


@router.post("/orders", status_code=201, summary="Capture a client order (a ticket)",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": {"$ref": "#/components/schemas/NewOrder"}}}}},
             responses={201: {"description": "The order, durable"},
                        200: {"description": "An identical retry: the existing order"}})
async def create_order(request: Request) -> JSONResponse:
    """Capture an order. The hottest endpoint: it authenticates and validates by hand (the
    same checks and errors as everywhere else) to skip FastAPI's per-request dependency and
    body machinery, which costs more than the engine's work on the order."""
    who = await principal(request)
    require(who, "order:create")
    try:
        body = s.NewOrder.model_validate_json(await request.body())
    except PydanticValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False),
                                     body=None) from None
    source = Source(body.source)
    handling = body.handling or (Handling.STAGED if source is Source.PHONE
                                 else Handling.AUTOMATIC)
    if handling is Handling.AUTOMATIC:
        require(who, "order:work")
    command = cmd.SubmitTicket(
        account_id=body.account_id, symbol=body.symbol, side=body.side, qty=body.qty,
        ord_type=body.ord_type, tif=body.tif, limit_px=body.limit_px, stop_px=body.stop_px,
        expire_at=body.expire_at, cl_ord_id=body.cl_ord_id, source=source, handling=handling,
        desk_id=body.desk_id, text=body.text)
    runtime = _runtime(request)
    try:
        records = await runtime.engine.execute(
            command, Context(actor=who.name, source=source.value, role=who.role))
    except DuplicateClOrdID as exc:
        if not exc.identical:
            raise
        await runtime.engine.barrier()  # the original may still be committing
        ticket = runtime.trading.state.tickets[exc.order_id]
        return JSONResponse(ticket_view(ticket, detail=True), status_code=200,
                            headers={"Idempotent-Replay": "true",
                                     "Location": f"{router.prefix}/orders/{ticket.order_id}"})
    order_id = records[0].event.order_id
    return JSONResponse(ticket_view(runtime.trading.state.tickets[order_id], detail=True),
                        status_code=201,
                        headers={"Location": f"{router.prefix}/orders/{order_id}"})


@router.get("/orders", summary="List tickets, newest first")
async def list_orders(
    request: Request, who: Reader,
    status: Annotated[list[OrderStatus] | None, Query()] = None,
    account_id: str | None = None, symbol: str | None = None,
    open_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    wanted = set(status or ())
    tickets = _runtime(request).trading.state.tickets
    matches = [t for t in reversed(tickets.values())
               if ticket_matches(t, wanted, account_id, symbol, open_only)]
    page = matches[offset:offset + limit]
    return {"total": len(matches), "offset": offset, "limit": limit,
            "orders": [ticket_view(t) for t in page]}


def ticket_matches(t: Ticket, statuses: set[OrderStatus], account_id: str | None,
                   symbol: str | None, open_only: bool) -> bool:
    """Whether a ticket passes the list's filters (an empty or None filter passes all)."""
    return ((not statuses or t.status in statuses)
            and (not account_id or t.account_id == account_id)
            and (not symbol or t.symbol == symbol)
            and (not open_only or t.is_open))


def newest_fills(tickets: Iterable[Ticket], limit: int) -> list[tuple[Execution, Ticket]]:
    """The limit newest fills of the tickets with their ticket, newest first (by time, then
    by fill number), without sorting them all."""
    return [(x, t) for _, _, x, t in heapq.nlargest(
        limit, ((x.at, _number(x.exec_id), x, t) for t in tickets for x in t.executions),
        key=lambda item: (item[0], item[1]))]


def _number(identifier: str) -> int:
    digits = "".join(ch for ch in identifier if ch.isdigit())
    return int(digits) if digits else 0


async def _history(request: Request, order_id: str) -> list[Any]:
    """Read an order's journal once everything decided so far is durable."""
    return await history(request, f"order:{order_id}")


@router.get("/orders/{order_id}", summary="One ticket with its children, fills and history")
async def get_order(order_id: str, request: Request, who: Reader) -> dict[str, Any]:
    _ticket(request, order_id)
    records = await _history(request, order_id)
    view = ticket_view(_ticket(request, order_id), detail=True)
    view["history"] = [history_view(r) for r in records]
    return view


@router.get("/orders/{order_id}/history", summary="Audit trail of one ticket")
async def order_history(order_id: str, request: Request, who: Reader) -> dict[str, Any]:
    _ticket(request, order_id)
    records = await _history(request, order_id)
    return {"order_id": order_id, "history": [history_view(r) for r in records]}


async def _act(request: Request, who: Principal, order_id: str,
               command: Command) -> dict[str, Any]:
    _ticket(request, order_id)
    await _run(request, who, command)
    return ticket_view(_ticket(request, order_id), detail=True)


@router.post("/orders/{order_id}/accept", summary="Accept a staged ticket")
async def accept_order(order_id: str, request: Request, who: Worker) -> dict[str, Any]:
    return await _act(request, who, order_id, cmd.AcceptTicket(order_id=order_id))


@router.post("/orders/{order_id}/reject", summary="Reject a staged ticket with a reason")
async def reject_order(order_id: str, body: s.RejectBody, request: Request,
                       who: Worker) -> dict[str, Any]:
    return await _act(request, who, order_id,
                      cmd.RejectTicket(order_id=order_id, reason=body.reason))


@router.post("/orders/{order_id}/cancel", summary="Cancel: the client's request, or the desk's")
async def cancel_order(order_id: str, body: s.CancelBody, request: Request,
                       who: Requester) -> dict[str, Any]:
    if body.initiator == "desk":
        require(who, "order:work")
        return await _act(request, who, order_id,
                          cmd.CancelTicket(order_id=order_id, reason=body.reason))
    return await _act(request, who, order_id,
                      cmd.RequestCancel(order_id=order_id, cl_ord_id=body.cl_ord_id))


@router.post("/orders/{order_id}/replace", summary="Replace terms at the client's request")
async def replace_order(order_id: str, body: s.ReplaceBody, request: Request,
                        who: Requester) -> dict[str, Any]:
    return await _act(request, who, order_id, cmd.RequestReplace(
        order_id=order_id, cl_ord_id=body.cl_ord_id, qty=body.qty, limit_px=body.limit_px,
        stop_px=body.stop_px, tif=body.tif, expire_at=body.expire_at))


@router.post("/orders/{order_id}/pending/accept",
             summary="Accept the client's pending cancel or replace request")
async def accept_pending(order_id: str, request: Request, who: Worker) -> dict[str, Any]:
    return await _act(request, who, order_id, cmd.AcceptPending(order_id=order_id))


@router.post("/orders/{order_id}/pending/reject",
             summary="Reject the client's pending cancel or replace request")
async def reject_pending(order_id: str, body: s.RejectBody, request: Request,
                         who: Worker) -> dict[str, Any]:
    return await _act(request, who, order_id,
                      cmd.RejectPending(order_id=order_id, reason=body.reason))


# ---------------------------------------------------------------- children


@router.post("/orders/{order_id}/children", status_code=201,
             summary="Route part of a ticket to a venue as a child order")
async def route_child(order_id: str, body: s.ChildBody, request: Request,
                      who: Worker) -> dict[str, Any]:
    return await _act(request, who, order_id, cmd.RouteChild(
        order_id=order_id, venue_id=body.venue_id, qty=body.qty, ord_type=body.ord_type,
        limit_px=body.limit_px, stop_px=body.stop_px, tif=body.tif, expire_at=body.expire_at))


@router.post("/orders/{order_id}/children/{child_id}/cancel", summary="Cancel a child order")
async def cancel_child(order_id: str, child_id: str, request: Request,
                       who: Worker) -> dict[str, Any]:
    return await _act(request, who, order_id,
                      cmd.CancelChild(order_id=order_id, child_id=child_id))


@router.post("/orders/{order_id}/children/{child_id}/replace", summary="Replace a child order")
async def replace_child(order_id: str, child_id: str, body: s.ChildReplaceBody,
                        request: Request, who: Worker) -> dict[str, Any]:
    return await _act(request, who, order_id, cmd.ReplaceChild(
        order_id=order_id, child_id=child_id, qty=body.qty, limit_px=body.limit_px))


@router.post("/orders/{order_id}/executions/{exec_id}/bust",
             summary="Cancel one of the ticket's fills (trade bust, FIX ExecType=H)")
async def bust_execution(order_id: str, exec_id: str, body: s.RejectBody, request: Request,
                         who: Worker) -> dict[str, Any]:
    return await _act(request, who, order_id,
                      cmd.BustExecution(order_id=order_id, exec_id=exec_id, reason=body.reason))


@router.post("/orders/{order_id}/executions/{exec_id}/correct",
             summary="Correct one of the ticket's fills (trade correct, FIX ExecType=G)")
async def correct_execution(order_id: str, exec_id: str, body: s.CorrectionBody,
                            request: Request, who: Worker) -> dict[str, Any]:
    return await _act(request, who, order_id, cmd.CorrectExecution(
        order_id=order_id, exec_id=exec_id, qty=body.qty, px=body.px, reason=body.reason))


@router.get("/executions", summary="Fills across all tickets, newest first")
async def list_executions(request: Request, who: Reader,
                          limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    fills = newest_fills(_runtime(request).trading.state.tickets.values(), limit)
    return {"executions": [execution_view(x) for x, _ in fills]}


# ---------------------------------------------------------------- reference data

_REFERENCE: list[tuple[str, str, type[s.Body], type[Command]]] = [
    ("accounts", "accounts", s.AccountBody, cmd.DefineAccount),
    ("instruments", "instruments", s.InstrumentBody, cmd.DefineInstrument),
    ("venues", "venues", s.VenueBody, cmd.DefineVenue),
    ("desks", "desks", s.DeskBody, cmd.DefineDesk),
    ("users", "users", s.UserBody, cmd.DefineUser),
    ("routing-rules", "routing_rules", s.RoutingRuleBody, cmd.DefineRoutingRule),
]


def _reference_routes(path: str, attribute: str, body_type: type[s.Body],
                      command_type: type[Command]) -> None:
    async def list_(request: Request, who: Reader) -> dict[str, Any]:
        entities = getattr(_runtime(request).trading.state, attribute).values()
        return {path.replace("-", "_"): [entity_view(e) for e in entities]}

    async def define(body: s.Body, request: Request, who: Admin) -> dict[str, Any]:
        data = body.model_dump()
        data = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        await _run(request, who, command_type(**data))
        key = next(iter(data.values()))
        return entity_view(getattr(_runtime(request).trading.state, attribute)[key])

    define.__annotations__ = {**define.__annotations__, "body": body_type}
    router.add_api_route(f"/{path}", list_, methods=["GET"], summary=f"List {path}")
    router.add_api_route(f"/{path}", define, methods=["POST"],
                         summary=f"Create or update one of the {path}")


for _path, _attribute, _body, _command in _REFERENCE:
    _reference_routes(_path, _attribute, _body, _command)


# ---------------------------------------------------------------- trading session


def _today(request: Request) -> str:
    runtime = _runtime(request)
    return datetime.now(runtime.timezone).date().isoformat()


@router.post("/session/close", summary="Close the trading day now (DAY orders end)")
async def close_session(body: s.SessionBody, request: Request,
                        who: SessionManager) -> dict[str, Any]:
    date = body.trading_date or _today(request)
    await _run(request, who, cmd.CloseTradingSession(trading_date=date))
    return _session_view(request)


@router.post("/session/open", summary="Open a trading day (GTC orders are restated)")
async def open_session(body: s.SessionBody, request: Request,
                       who: SessionManager) -> dict[str, Any]:
    date = body.trading_date or _today(request)
    await _run(request, who, cmd.OpenTradingSession(trading_date=date))
    return _session_view(request)


@router.get("/session", summary="Whether the trading day is open")
async def get_session(request: Request, who: Reader) -> dict[str, Any]:
    return _session_view(request)


def _session_view(request: Request) -> dict[str, Any]:
    state = _runtime(request).trading.state
    return {"open": state.session_open, "trading_date": state.trading_date}


__all__ = ["router"]
