"""Who may reach what in the retail API: permission and scope dependencies, and the helpers
every retail router shares (run a command as the caller, read a journal stream).

Permissions are checked before the body is validated, so a caller without the right learns
nothing from validation errors. A scoped caller (store associate, vendor) asking for a
fulfilment order outside its locations gets 403 whether the order exists or not: the answer
must not tell one store about another store's orders.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from starlette.exceptions import HTTPException

from openoms.api.auth import Principal, require, require_reach
from openoms.commerce.domain.model import CommerceOrder, Fulfilment, FulfilmentKind
from openoms.commerce.domain.state import CommerceState
from openoms.core.errors import UnknownOrder
from openoms.core.events import Command, Context, Recorded

PREFIX = "/api/v1/commerce"


def runtime(request: Request) -> Any:
    return request.app.state.runtime


def state(request: Request) -> CommerceState:
    result: CommerceState = runtime(request).commerce.state
    return result


async def principal(request: Request) -> Principal:
    result: Principal = await runtime(request).auth.principal(request)
    return result


def allowed(permission: str) -> Any:
    """A dependency: authenticate the caller and check one permission."""

    async def check(request: Request) -> Principal:
        who = await principal(request)
        require(who, permission)
        return who

    return Depends(check)


def fulfilment_in_reach(permission: str, *, purchase_order: bool = False) -> Any:
    """A dependency: the caller has permission and its scope reaches the fulfilment order
    in the path (``fulfilment_id``); with purchase_order, it must be a vendor's."""

    async def check(request: Request, fulfilment_id: str) -> Principal:
        who = await principal(request)
        require(who, permission)
        find_fulfilment(request, who, fulfilment_id, purchase_order=purchase_order)
        return who

    return Depends(check)


def find_fulfilment(request: Request, who: Principal, fulfilment_id: str, *,
                    purchase_order: bool = False) -> Fulfilment:
    """Return the fulfilment order if the caller may see it.

    Raises:
        HTTPException: 403 outside the caller's scope (or unknown, for a scoped caller).
        UnknownOrder: no such fulfilment order (purchase order), for an unscoped caller.
    """
    what = ("purchase order " if purchase_order else "fulfilment order ") + fulfilment_id
    f = state(request).fulfilments.get(fulfilment_id)
    if f is not None and purchase_order and f.kind is not FulfilmentKind.DROPSHIP:
        f = None
    if f is None:
        if who.reach is not None:
            raise HTTPException(403, f"{what} is outside the scope of this token")
        raise UnknownOrder(f"unknown {what}", field="fulfilment_id")
    require_reach(who, f.location_id, what)
    return f


def order_in_reach(s: CommerceState, who: Principal, order: CommerceOrder | None) -> bool:
    """Whether who may reach order: an unscoped role reaches every order, a scoped one (store
    associate, vendor) an order with a fulfilment order at a location it reaches (the only
    way into an order it has), and so the order's returns and live changes."""
    if order is None:
        return False
    if who.reach is None:
        return True
    fulfilments = s.fulfilments
    return any(f_id in fulfilments and who.reaches(fulfilments[f_id].location_id)
               for f_id in order.fulfilment_ids)


def context(who: Principal) -> Context:
    return Context(actor=who.name, source=who.channel, role=who.role)


async def run(request: Request, who: Principal, command: Command) -> list[Recorded]:
    """Execute command as the caller; return its records once durable.

    Raises:
        DomainError: refused (problem+json 4xx); nothing changed.
    """
    records: list[Recorded] = await runtime(request).engine.execute(command, context(who))
    return records


def not_found(what: str) -> HTTPException:
    return HTTPException(404, f"unknown {what}")
