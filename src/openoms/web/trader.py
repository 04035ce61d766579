"""Pages of the trader area: the blotter, the phone order ticket and an order's detail page.

Pages read the desk's in-memory state (the same views as the API) and act only through the
REST API from the browser. The blotter and the order page stay live: on a change pushed for an
order they fetch the affected rows or parts as HTML fragments rendered by the same macros.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from openoms.api.auth import Principal
from openoms.api.journal import history
from openoms.api.trading import newest_fills, ticket_matches
from openoms.api.views import child_view, history_view, ticket_view
from openoms.core.money import ZERO, fmt
from openoms.trading.domain.children import ROUTABLE
from openoms.trading.domain.model import (
    ChildOrder,
    Execution,
    OrderStatus,
    OrdType,
    Side,
    Ticket,
    TimeInForce,
)
from openoms.trading.domain.state import TradingState
from openoms.web.templating import Offset, PageError, page_numbers, page_user, query_string, render

router = APIRouter(include_in_schema=False)

Reader = Annotated[Principal, page_user("read")]
Creator = Annotated[Principal, page_user("order:create")]
Name = Annotated[str, Query(max_length=64)]  # an account id or a symbol in a filter

SWATCHES: Final = 12  # colours in app.css (.sw-0 ... .sw-11)
RECENT_FILLS: Final = 50
MAX_IDS: Final = 200
_DISPLAY_PX: Final = Decimal("0.000001")


# ---------------------------------------------------------------- views for the templates


def _state(request: Request) -> TradingState:
    state: TradingState = request.app.state.runtime.trading.state
    return state


def _tz(request: Request) -> tzinfo:
    zone: tzinfo = request.app.state.runtime.timezone
    return zone


def _seq(identifier: str) -> int:
    digits = "".join(ch for ch in identifier if ch.isdigit())
    return int(digits) if digits else 0


def swatch(order_id: str) -> int:
    """The colour key of an order, repeated on its children and fills (neighbours differ)."""
    number = _seq(order_id)
    return number % SWATCHES if number else sum(map(ord, order_id)) % SWATCHES


def _px(value: Decimal | None) -> str:
    """A price for people: two to six decimals (averages can run to 28 digits)."""
    if value is None:
        return ""
    if value.as_tuple().exponent < -6:  # type: ignore[operator]
        value = value.quantize(_DISPLAY_PX)
    whole, _, frac = (fmt(value) or "0").partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def _pct(part: Decimal, whole: Decimal) -> str:
    if whole <= ZERO or part <= ZERO:
        return "0"
    return f"{min(part / whole * 100, Decimal(100)):.1f}"


def _when(at: datetime, zone: tzinfo) -> dict[str, str]:
    local = at.astimezone(zone)
    return {"iso": at.isoformat(), "time": local.strftime("%H:%M:%S"),
            "stamp": local.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]}


def ticket_row(t: Ticket, zone: tzinfo) -> dict[str, Any]:
    """A ticket as the blotter and the order page show it."""
    view = ticket_view(t)
    view.update(key=swatch(t.order_id), seq=_seq(t.order_id), open=t.is_open,
                avg_px=_px(t.avg_px) if t.cum_qty else "", created=_when(t.created_at, zone),
                updated=_when(t.updated_at, zone),
                price=_price_text(t.terms.ord_type, t.terms.limit_px, t.terms.stop_px),
                filled_pct=_pct(t.cum_qty, t.qty), working_pct=_pct(t.working_qty, t.qty),
                pending_kind=t.pending.kind if t.pending else "",
                pending_at=_when(t.pending.requested_at, zone)["time"] if t.pending else "")
    return view


def child_row(c: ChildOrder, zone: tzinfo) -> dict[str, Any]:
    view = child_view(c)
    view.update(key=swatch(c.order_id), seq=_seq(c.child_id), open=c.is_open,
                avg_px=_px(c.avg_px) if c.cum_qty else "", created=_when(c.created_at, zone),
                price=_price_text(c.terms.ord_type, c.terms.limit_px, c.terms.stop_px),
                filled_pct=_pct(c.cum_qty, c.qty), working_pct=_pct(c.leaves_qty, c.qty))
    return view


def fill_row(x: Execution, ticket: Ticket, zone: tzinfo) -> dict[str, Any]:
    return {"exec_id": x.exec_id, "seq": _seq(x.exec_id), "order_id": x.order_id,
            "key": swatch(x.order_id), "child_id": x.child_id, "venue_id": x.venue_id,
            "venue_exec_id": x.venue_exec_id, "side": x.side.value, "symbol": ticket.symbol,
            "account_id": ticket.account_id, "qty": fmt(x.qty), "px": _px(x.px),
            "at": _when(x.at, zone)}


def _price_text(ord_type: OrdType, limit_px: Decimal | None, stop_px: Decimal | None) -> str:
    if ord_type is OrdType.MARKET:
        return "MKT"
    if ord_type is OrdType.STOP:
        return f"stop {_px(stop_px)}"
    if ord_type is OrdType.STOP_LIMIT:
        return f"{_px(limit_px)} stop {_px(stop_px)}"
    return _px(limit_px)


# ---------------------------------------------------------------- blotter


def _blotter_order(state: TradingState, wanted: set[OrderStatus], account_id: str | None,
                   symbol: str | None, open_only: bool) -> list[Ticket]:
    """Matching tickets: staged first, then the other open ones, then the done ones; newest
    first within each (one pass over the tickets, kept in arrival order; no sort)."""
    staged: list[Ticket] = []
    working: list[Ticket] = []
    done: list[Ticket] = []
    for t in reversed(state.tickets.values()):
        if not ticket_matches(t, wanted, account_id, symbol, open_only):
            continue
        if t.status is OrderStatus.STAGED:
            staged.append(t)
        elif t.is_open:
            working.append(t)
        else:
            done.append(t)
    return staged + working + done


def _children_of(tickets: Iterable[Ticket], zone: tzinfo) -> list[dict[str, Any]]:
    return [child_row(c, zone) for t in tickets for c in reversed(t.children.values())]


def _recent_fills(state: TradingState, zone: tzinfo,
                  limit: int = RECENT_FILLS) -> list[dict[str, Any]]:
    return [fill_row(x, t, zone) for x, t in newest_fills(state.tickets.values(), limit)]


def _statuses(raw: list[str] | None) -> set[OrderStatus]:
    known = {s.value for s in OrderStatus}
    return {OrderStatus(v) for v in raw or () if v in known}


@router.get("/ui/blotter")
async def blotter(request: Request, who: Reader,
                  status: Annotated[list[str] | None, Query(max_length=20)] = None,
                  account_id: Name = "", symbol: Name = "", open_only: bool = False,
                  limit: Annotated[int, Query(ge=1, le=500)] = 50,
                  offset: Offset = 0) -> Response:
    state, zone = _state(request), _tz(request)
    wanted = _statuses(status)
    matches = _blotter_order(state, wanted, account_id, symbol, open_only)
    page = matches[offset:offset + limit]
    filters = [*(("status", s.value) for s in sorted(wanted)), ("account_id", account_id),
               ("symbol", symbol), ("open_only", "true" if open_only else "")]
    return render(
        request, "trader/blotter.html", who=who,
        tickets=[ticket_row(t, zone) for t in page], children=_children_of(page, zone),
        fills=_recent_fills(state, zone), pages=page_numbers(len(matches), limit, offset),
        filters=query_string(filters), chosen=[s.value for s in wanted],
        account_id=account_id, symbol=symbol, open_only=open_only, limit=limit,
        offset=offset, statuses=[s.value for s in OrderStatus],
        accounts=sorted(state.accounts), symbols=sorted(state.instruments),
        can_work=who.can("order:work"), can_create=who.can("order:create"))


@router.get("/ui/blotter/rows")
async def blotter_rows(request: Request, who: Reader,
                       ids: Annotated[str, Query(max_length=MAX_IDS * 65)] = "",
                       status: Annotated[list[str] | None, Query(max_length=20)] = None,
                       account_id: Name = "", symbol: Name = "",
                       open_only: bool = False) -> Response:
    """Rows of the named tickets and their children, for a live swap (``data-match`` tells
    whether a ticket fits the page's filters, so a new one is added only where it belongs)."""
    state, zone = _state(request), _tz(request)
    wanted = _statuses(status)
    tickets = [t for t in (state.tickets.get(i) for i in ids.split(",")[:MAX_IDS] if i)
               if t is not None]
    rows = [{**ticket_row(t, zone),
             "match": ticket_matches(t, wanted, account_id, symbol, open_only)} for t in tickets]
    return render(request, "trader/blotter_rows.html", who=who, tickets=rows,
                  children=_children_of(tickets, zone), can_work=who.can("order:work"))


@router.get("/ui/blotter/fills")
async def blotter_fills(request: Request, who: Reader) -> Response:
    return render(request, "trader/fill_rows.html", who=who,
                  fills=_recent_fills(_state(request), _tz(request)))


# ---------------------------------------------------------------- order ticket


def _reference(state: TradingState) -> dict[str, Any]:
    """What the ticket's checks need to know, for the page's script."""
    return {
        "accounts": {a.account_id: {
            "name": a.name, "active": a.active, "max_order_qty": fmt(a.max_order_qty),
            "max_order_notional": fmt(a.max_order_notional),
            "restricted_symbols": sorted(a.restricted_symbols)}
            for a in state.accounts.values()},
        "instruments": {i.symbol: {
            "name": i.name, "currency": i.currency, "tick_size": fmt(i.tick_size),
            "lot_size": fmt(i.lot_size), "reference_price": fmt(i.reference_price),
            "max_order_qty": fmt(i.max_order_qty), "price_collar_pct": fmt(i.price_collar_pct),
            "restricted": i.restricted}
            for i in state.instruments.values()},
    }


@router.get("/ui/ticket")
async def order_ticket(request: Request, who: Creator, account_id: str = "",
                       symbol: str = "") -> Response:
    state = _state(request)
    accounts = [a for a in state.accounts.values() if a.active]
    return render(request, "trader/ticket.html", who=who, accounts=accounts,
                  instruments=list(state.instruments.values()), reference=_reference(state),
                  account_id=account_id, symbol=symbol, sides=[s.value for s in Side],
                  ord_types=[o.value for o in OrdType], tifs=[t.value for t in TimeInForce],
                  can_work=who.can("order:work"))


# ---------------------------------------------------------------- order detail


def _label(event: str) -> str:
    """``TicketPartiallyFilled`` -> ``Ticket partially filled``."""
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", event).split(" ")
    return " ".join([words[0], *(w.lower() for w in words[1:])])


_QUIET: Final = frozenset({"cl_ord_id", "account_id", "symbol", "side", "source", "handling"})


def _timeline(records: list[Any], zone: tzinfo) -> list[dict[str, Any]]:
    out = []
    for recorded in records:
        view = history_view(recorded)
        data = view["data"]
        shown = {k: v for k, v in data.items()
                 if v not in (None, "", [], {}) and not (k in _QUIET and view["version"] > 1)}
        out.append({"event": view["event"], "label": _label(view["event"]),
                    "actor": view["actor"], "source": view["source"],
                    "at": _when(recorded.recorded_time, zone), "fields": shown})
    return out


async def _order_context(request: Request, who: Principal, order_id: str) -> dict[str, Any]:
    state, zone = _state(request), _tz(request)
    if order_id not in state.tickets:
        raise PageError(404, f"There is no order {order_id}.")
    records = await history(request, f"order:{order_id}")
    ticket = state.tickets[order_id]
    account = state.accounts.get(ticket.account_id)
    instrument = state.instruments.get(ticket.symbol)
    fills = [fill_row(x, ticket, zone) for x in ticket.executions]
    return {
        "t": ticket_row(ticket, zone), "ticket_id": order_id,
        "account_name": account.name if account else "",
        "instrument_name": instrument.name if instrument else "",
        "tick_size": fmt(instrument.tick_size) if instrument else "",
        "children": [child_row(c, zone) for c in ticket.children.values()],
        "fills": fills, "timeline": _timeline(records, zone),
        "routable": ticket.status in ROUTABLE and ticket.unrouted_qty > ZERO,
        "staged": ticket.status is OrderStatus.STAGED,
        "venue_options": [(v.venue_id, f"{v.venue_id} · {v.name}") for v in state.venues.values()
                          if v.active],
        "type_options": [(o.value, o.value.replace("_", " ")) for o in OrdType],
        "tif_options": [(f.value, f.value.upper()) for f in TimeInForce],
        "can_work": who.can("order:work"),
        "can_request": who.can("order:client_request"),
    }


@router.get("/ui/orders/{order_id}")
async def order_page(order_id: str, request: Request, who: Reader) -> Response:
    return render(request, "trader/order.html", who=who,
                  **await _order_context(request, who, order_id))


@router.get("/ui/orders/{order_id}/parts")
async def order_parts(order_id: str, request: Request, who: Reader) -> Response:
    """The live parts of the order page, for a swap after a change."""
    return render(request, "trader/order_parts.html", who=who,
                  **await _order_context(request, who, order_id))
