"""The stock page: on hand, reserved, safety stock and available by SKU and location, with
receipts, adjustments, counts and safety stock sent through the inventory API
(``static/inventory.js``). A store associate sees and changes only its own locations."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from openoms.api import auth
from openoms.api.auth import Principal
from openoms.api.commerce_access import state
from openoms.api.commerce_views import stock_view
from openoms.commerce.domain.model import LocationKind
from openoms.commerce.domain.state import CommerceState
from openoms.web.templating import Offset, PageError, page_numbers, page_user, query_string, render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, page_user(auth.INVENTORY_READ)]
PAGE = 50


def _guard(who: Principal, location_id: str) -> None:
    if location_id and not who.reaches(location_id):
        raise PageError(403, f"Location {location_id} is outside your scope "
                        f"({', '.join(sorted(who.reach or ()))}).")


def stock_row(s: CommerceState, sku: str, location_id: str) -> dict[str, Any]:
    view = stock_view(sku, location_id, s.stock_of(sku, location_id))
    item, location = s.skus.get(sku), s.locations.get(location_id)
    view["name"] = item.name if item else ""
    view["location_name"] = location.name if location else ""
    view["short"] = view["available"] == 0
    return view


SKU_HINTS = 200  # SKUs offered as you type; any other is typed in full
_sorted: tuple[CommerceState | None, int, list[tuple[str, str]]] = (None, 0, [])


def _sorted_keys(s: CommerceState) -> list[tuple[str, str]]:
    """Every (SKU, location) stock row, sorted; sorted again only when rows were added (rows
    are never removed)."""
    global _sorted
    if _sorted[0] is not s or _sorted[1] != len(s.stock):
        _sorted = (s, len(s.stock), sorted(s.stock))
    return _sorted[2]


@router.get("/ui/inventory")
async def inventory_page(
    request: Request, who: Reader,
    sku: Annotated[str, Query(max_length=64)] = "",
    location_id: Annotated[str, Query(max_length=64)] = "",
    limit: Annotated[int, Query(ge=1, le=1000)] = PAGE,
    offset: Offset = 0,
) -> Response:
    _guard(who, location_id)
    s = state(request)
    if sku:  # the state's index of where each SKU is held, not every stock row
        candidates: Iterable[tuple[str, str]] = sorted((sku, held) for held in s.stock_at(sku))
    else:
        candidates = _sorted_keys(s)
    keys = [key for key in candidates
            if (not location_id or key[1] == location_id) and who.reaches(key[1])]
    page = keys[offset:offset + limit]
    locations = [loc for loc in sorted(s.locations.values(), key=lambda loc: loc.location_id)
                 if loc.kind is not LocationKind.VENDOR and who.reaches(loc.location_id)]
    skus = list(itertools.islice(
        (item for item in sorted(s.skus.values(), key=lambda k: k.sku) if item.stocked),
        SKU_HINTS))
    filters = [("sku", sku), ("location_id", location_id)]
    return render(request, "inventory/stock.html", who=who,
                  rows=[stock_row(s, *key) for key in page],
                  pages=page_numbers(len(keys), limit, offset), extra=query_string(filters),
                  filters=dict(filters), locations=locations, skus=skus,
                  may_write=who.can(auth.INVENTORY_WRITE),
                  may_safety=who.can(auth.RETAIL_ADMIN))


@router.get("/ui/inventory/rows/{sku}/{location_id}")
async def stock_row_fragment(request: Request, sku: str, location_id: str,
                             who: Reader) -> Response:
    """One stock row (for live updates)."""
    _guard(who, location_id)
    s = state(request)
    if (sku, location_id) not in s.stock:
        raise PageError(404, f"No stock row for {sku} at {location_id}.")
    return render(request, "inventory/_row.html", who=who, row=stock_row(s, sku, location_id),
                  may_write=who.can(auth.INVENTORY_WRITE))


__all__ = ["router"]
