"""The store screen: one location's queue of fulfilment orders, worked with big buttons.

``/ui/store`` sends a store associate to its store (or lets it choose among its stores) and
lets an unscoped role choose any store or warehouse. ``/ui/store/{location_id}`` shows the
queue grouped by what is to be done next (accept, pick, pack, ship, pickup counter, done);
each card offers only the moves the fulfilment transition table allows from its status. The
buttons call the fulfilment REST API; a changed or newly assigned order is fetched as a card
fragment (``/ui/store/{location_id}/cards?order_id=...``) rendered by the same macro, so the
queue stays current without a reload. Drop-ship purchase orders are the vendor portal's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from openoms.api import auth
from openoms.api.auth import Principal
from openoms.api.commerce_access import state
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
from openoms.web.templating import Offset, PageError, page_numbers, page_user, render

router = APIRouter(include_in_schema=False)
Worker = Annotated[Principal, page_user(auth.FULFILMENT_WORK)]
API: Final = "/api/v1/commerce/fulfilments/"
OVERVIEW_CARDS: Final = 24  # cards per group on the overview; "show all" pages the rest
DONE_CARDS: Final = 12


@dataclass(frozen=True, slots=True)
class Group:
    key: str
    label: str
    empty: str
    newest_first: bool = False


# The queue's groups, in the order work flows through a store.
GROUPS: Final[tuple[Group, ...]] = (
    Group("accept", "To accept", "No new orders."),
    Group("pick", "To pick", "Nothing to pick."),
    Group("pack", "To pack", "Nothing to pack."),
    Group("ship", "To ship", "Nothing waiting for the carrier."),
    Group("pickup", "Pickup counter", "No pickup orders."),
    Group("done", "Done", "Nothing finished yet.", newest_first=True),
)
GROUP_KEYS: Final = frozenset(g.key for g in GROUPS)


def group_of(f: Fulfilment) -> str:
    """What the store does next with f."""
    status = f.status
    if status is FulfilmentStatus.ASSIGNED:
        return "accept"
    if status is FulfilmentStatus.ACCEPTED:
        return "pick"
    if status is FulfilmentStatus.PICKED:
        return "pack"
    if status is FulfilmentStatus.PACKED:
        return "pickup" if f.kind is FulfilmentKind.PICKUP else "ship"
    if status is FulfilmentStatus.READY_FOR_PICKUP:
        return "pickup"
    return "done"


def actions(f: Fulfilment) -> dict[str, bool]:
    """The moves a store may make on f now (the transition table, and the kind of order)."""
    def can(event: type) -> bool:
        return FULFILMENT_TRANSITIONS.allows(f.status, event)

    pickup = f.kind is FulfilmentKind.PICKUP
    return {
        "accept": can(ev.FulfilmentAccepted),
        "pick": can(ev.FulfilmentPicked),
        "pack": can(ev.FulfilmentPacked),
        "ship": not pickup and f.status is FulfilmentStatus.PACKED
        and can(ev.FulfilmentShipped),
        "ready": pickup and can(ev.FulfilmentReadyForPickup),
        "hand_over": pickup and can(ev.FulfilmentPickedUp),
        "deliver": can(ev.FulfilmentDelivered),
        "short_pick": can(ev.FulfilmentShortPicked),
        "reject": can(ev.FulfilmentRejected),
    }


def card(s: CommerceState, f: Fulfilment) -> dict[str, Any]:
    """What one card shows: the order, its lines, who gets it, and the allowed moves."""
    order = s.orders[f.order_id]
    lines = []
    for line in f.lines:
        if line.qty == 0:  # short-picked or canceled away: nothing left to do
            continue
        sku = s.skus.get(line.sku)
        lines.append({"line_id": line.line_id, "sku": line.sku, "qty": line.qty,
                      "name": sku.name if sku else ""})
    a = order.ship_to
    address = [part for part in (a.line1, a.line2,
                                 " ".join(p for p in (a.city, a.region, a.postal_code) if p),
                                 a.country) if part]
    return {"id": f.fulfilment_id, "order_id": f.order_id, "status": f.status.value,
            "kind": f.kind.value, "group": group_of(f), "lines": lines,
            "carrier": f.carrier, "tracking": f.tracking,
            "reason": f.reason, "customer": order.customer.name,
            "phone": order.customer.phone, "ship_to_name": a.name or order.customer.name,
            "address": address, "version": s.versions.get(f"corder:{f.order_id}", 0),
            "can": actions(f), "api": API + f.fulfilment_id}


def store_locations(s: CommerceState, who: Principal) -> list[Location]:
    """The stores and warehouses who may work (vendors ship from the vendor portal)."""
    return [loc for loc in s.locations.values()
            if loc.kind is not LocationKind.VENDOR and who.reaches(loc.location_id)]


def find_location(s: CommerceState, who: Principal, location_id: str) -> Location:
    """The location, if who may open its page (403 before 404, like the API's scope)."""
    if not who.reaches(location_id):
        raise PageError(403, f"Your access does not reach location {location_id}: you can "
                        "open only your own store's queue.")
    loc = s.locations.get(location_id)
    if loc is None:
        raise PageError(404, f"There is no location {location_id}.")
    if loc.kind is LocationKind.VENDOR:
        raise PageError(404, f"{location_id} is a drop-ship vendor: its purchase orders are "
                        "in the vendor portal.")
    return loc


def queue_of(s: CommerceState, location_id: str) -> Iterator[Fulfilment]:
    """The location's own fulfilment orders (not drop-ship), oldest first."""
    return (f for f in s.fulfilments.values()
            if f.location_id == location_id and f.kind is not FulfilmentKind.DROPSHIP)


def counts(fulfilments: Iterable[Fulfilment]) -> dict[str, int]:
    result = dict.fromkeys((g.key for g in GROUPS), 0)
    for f in fulfilments:
        result[group_of(f)] += 1
    return result


@router.get("/ui/store")
async def choose_store(request: Request, who: Worker) -> Response:
    s = state(request)
    places = store_locations(s, who)
    if who.reach is not None and len(places) == 1:
        return RedirectResponse(f"/ui/store/{places[0].location_id}", status_code=303)
    open_work = dict.fromkeys((loc.location_id for loc in places), 0)
    for f in s.fulfilments.values():
        if f.location_id in open_work and f.kind is not FulfilmentKind.DROPSHIP \
                and f.status.is_open:
            open_work[f.location_id] += 1
    return render(request, "store/choose.html", who=who, places=places, open_work=open_work)


@router.get("/ui/store/{location_id}")
async def store_page(
    request: Request, location_id: str, who: Worker, show: str = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> Response:
    s = state(request)
    loc = find_location(s, who, location_id)
    if show and show not in GROUP_KEYS:
        raise PageError(404, f"There is no queue {show!r}; choose one of the tabs.")
    queue = list(queue_of(s, location_id))
    tally = counts(queue)
    sections = []
    pages = None
    for group in GROUPS:
        if show and group.key != show:
            continue
        members = [f for f in queue if group_of(f) == group.key]
        if group.newest_first:
            members.reverse()
        if show:
            window = members[offset:offset + limit]
            pages = page_numbers(len(members), limit, offset)
        else:
            window = members[:DONE_CARDS if group.key == "done" else OVERVIEW_CARDS]
        sections.append({"group": group, "cards": [card(s, f) for f in window],
                         "total": len(members)})
    return render(request, "store/queue.html", who=who, loc=loc, groups=GROUPS,
                  sections=sections, counts=tally, show=show, pages=pages,
                  returns=received_returns(s, location_id),
                  can_receive=who.can(auth.RETAIL_RETURN),
                  others=len(store_locations(s, who)) > 1)


@router.get("/ui/store/{location_id}/cards")
async def store_cards(request: Request, location_id: str, who: Worker,
                      order_id: str = "") -> Response:
    """The cards of one order's fulfilment orders at the location, and the group counts
    (what the page swaps in when it hears the order changed)."""
    s = state(request)
    loc = find_location(s, who, location_id)
    order = s.orders.get(order_id)
    mine = [] if order is None else [
        s.fulfilments[f_id] for f_id in order.fulfilment_ids
        if f_id in s.fulfilments and s.fulfilments[f_id].location_id == location_id
        and s.fulfilments[f_id].kind is not FulfilmentKind.DROPSHIP]
    return render(request, "store/cards.html", who=who, loc=loc,
                  cards=[card(s, f) for f in mine], counts=counts(queue_of(s, location_id)))


def received_returns(s: CommerceState, location_id: str, limit: int = 10
                     ) -> list[dict[str, Any]]:
    """The latest returns received at the location."""
    found: list[dict[str, Any]] = []
    for rma in reversed(s.returns.values()):
        if not rma.received or rma.location_id != location_id:
            continue
        order = s.orders.get(rma.order_id)
        lines = [{"sku": order.lines[r.line_id].sku if order and r.line_id in order.lines
                  else r.line_id, "qty": r.qty} for r in rma.lines]
        found.append({"rma_id": rma.rma_id, "order_id": rma.order_id, "lines": lines,
                      "reason": rma.reason})
        if len(found) == limit:
            break
    return found


@router.get("/ui/store/{location_id}/return")
async def return_form(request: Request, location_id: str, who: Worker,
                      rma_id: str = "") -> Response:
    """The receiving form of one return authorisation (a fragment of the store page). Any
    store receives a return by its number (bought online, returned in store); numbers end in
    random letters, so they cannot be guessed."""
    if not who.can(auth.RETAIL_RETURN):
        raise PageError(403, "Your role may not receive returns.")
    s = state(request)
    loc = find_location(s, who, location_id)
    rma = s.returns.get(rma_id.strip())
    lines = []
    received_at = ""
    if rma is not None:
        if rma.location_id and who.reaches(rma.location_id):
            received_at = rma.location_id  # another store's name is not this store's business
        order = s.orders.get(rma.order_id)
        for r in rma.lines:
            line = order.lines.get(r.line_id) if order else None
            sku = s.skus.get(line.sku) if line else None
            lines.append({"line_id": r.line_id, "qty": r.qty,
                          "sku": line.sku if line else r.line_id,
                          "name": sku.name if sku else ""})
    return render(request, "store/return_form.html", who=who, loc=loc, rma=rma,
                  rma_id=rma_id.strip(), lines=lines, received_at=received_at)
