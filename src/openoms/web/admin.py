"""Pages of the admin area: web UI users, desk reference data (accounts, instruments, venues),
retail reference data (locations, sourcing rules) and FIX sessions.

Each section needs its own permission and the index shows only those the user holds. Pages
read users from the user store and everything else from the engine's memory; every change is
a form posting to the REST API (``/api/v1/users``, ``/api/v1/trading/...``,
``/api/v1/commerce/...``, ``/api/v1/fix/...``), which checks it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from openoms.api import auth
from openoms.api.auth import Principal
from openoms.api.commerce_views import location_view, rules_view
from openoms.api.users import user_view
from openoms.api.views import entity_view
from openoms.commerce.domain.model import (
    DEFAULT_RULES,
    Channel,
    LocationKind,
    ShortagePolicy,
)
from openoms.trading.domain.model import VenueKind
from openoms.web.templating import Offset, PageError, page_numbers, page_user, render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class Section:
    label: str
    href: str
    permission: str
    summary: str


SECTIONS: Final[tuple[Section, ...]] = (
    Section("Users", "/ui/admin/users", "user:manage",
            "Who may sign in: role, scope, password; disable a user."),
    Section("Desk", "/ui/admin/desk", "reference:write",
            "Client accounts and their risk limits, instruments, venues."),
    Section("Retail", "/ui/admin/retail", auth.RETAIL_ADMIN,
            "Stores, warehouses and vendors; the sourcing rule stack."),
    Section("FIX sessions", "/ui/admin/fix", "session:manage",
            "Counterparty sessions: state, sequence numbers, log out, reset."),
)

Limit = Annotated[int, Query(ge=1, le=500)]


def _sections(who: Principal) -> list[Section]:
    return [s for s in SECTIONS if who.can(s.permission)]


def _page(request: Request, who: Principal, template: str, **context: Any) -> Response:
    return render(request, f"admin/{template}", who=who, sections=_sections(who), **context)


@router.get("/ui/admin")
async def index(request: Request, who: Annotated[Principal, page_user()]) -> Response:
    sections = _sections(who)
    if not sections:
        raise PageError(403, f"Your role ({who.role}) may not open the admin pages.")
    return _page(request, who, "index.html")


@router.get("/ui/admin/users")
async def users(request: Request,
                who: Annotated[Principal, page_user("user:manage")]) -> Response:
    found = await run_in_threadpool(request.app.state.users.list_users)
    return _page(request, who, "users.html", users=[user_view(u) for u in found],
                 roles=list(auth.ROLES), scoped=auth.SCOPED_ROLES)


@router.get("/ui/admin/desk")
async def desk(request: Request, who: Annotated[Principal, page_user("reference:write")],
               limit: Limit = 100, offset: Offset = 0) -> Response:
    state = request.app.state.runtime.trading.state
    instruments = list(state.instruments.values())
    return _page(request, who, "desk.html",
                 accounts=[entity_view(a) for a in state.accounts.values()],
                 instruments=[entity_view(i) for i in instruments[offset:offset + limit]],
                 pages=page_numbers(len(instruments), limit, offset),
                 venues=[entity_view(v) for v in state.venues.values()],
                 venue_kinds=[k.value for k in VenueKind])


@router.get("/ui/admin/retail")
async def retail(request: Request,
                 who: Annotated[Principal, page_user(auth.RETAIL_ADMIN)]) -> Response:
    state = request.app.state.runtime.commerce.state
    rules = rules_view(state.rules, DEFAULT_RULES)
    stack = rules["rules"] + [r for r in DEFAULT_RULES if r not in rules["rules"]]
    return _page(request, who, "retail.html",
                 locations=[location_view(loc) for loc in state.locations.values()],
                 kinds=[k.value for k in LocationKind], rules=rules, stack=stack,
                 channels=[c.value for c in Channel],
                 policies=[p.value for p in ShortagePolicy])


@router.get("/ui/admin/fix")
async def fix(request: Request,
              who: Annotated[Principal, page_user("session:manage")]) -> Response:
    gateway = request.app.state.runtime.fix
    sessions = None if gateway is None else list(gateway.status())
    return _page(request, who, "fix.html", fix_sessions=sessions)
