"""Page rendering: Jinja2 templates (autoescaped), the signed-in user, the navigation, and the
guards every page uses.

A page names the permission it needs (``page_user("read")``). Without a live session the
browser is sent to the sign-in page; a user whose role lacks the permission gets a 403 page.
Pages are rendered from the engine's in-memory state; actions go through the REST API with the
session cookie and its CSRF token, so the UI can do exactly what the role may do in the API.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import Depends, Query, Request
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse, RedirectResponse, Response

from openoms.api import auth
from openoms.api.auth import Principal

env = Environment(loader=PackageLoader("openoms.web", "templates"),
                  autoescape=select_autoescape(default=True, default_for_string=True),
                  undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    href: str
    permission: str


# The menu; each user sees the entries its role has the permission for.
NAV: Final[tuple[NavItem, ...]] = (
    NavItem("Blotter", "/ui/blotter", "read"),
    NavItem("New order", "/ui/ticket", "order:create"),
    NavItem("Retail orders", "/ui/retail/orders", auth.RETAIL_READ),
    NavItem("Inventory", "/ui/inventory", auth.INVENTORY_READ),
    NavItem("Store", "/ui/store", auth.FULFILMENT_WORK),
    NavItem("Vendor portal", "/ui/vendor", auth.PO_WORK),
    NavItem("Admin", "/ui/admin", "reference:write"),
)

# Where each role lands after signing in.
HOME: Final[dict[str, str]] = {
    "admin": "/ui/blotter", "trader": "/ui/blotter", "sales": "/ui/blotter",
    "viewer": "/ui/blotter", "customer_service": "/ui/retail/orders",
    "store_associate": "/ui/store", "vendor": "/ui/vendor",
}


def home_of(who: Principal) -> str:
    return HOME.get(who.role, "/ui/blotter")


def nav_for(who: Principal | None) -> list[NavItem]:
    return [] if who is None else [item for item in NAV if who.can(item.permission)]


class PageError(Exception):
    """Ends a page request with an HTML error page (or a redirect to sign in)."""

    def __init__(self, status: int, message: str, *, login: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.login = login


def render(request: Request, template: str, *, status: int = 200,
           who: Principal | None = None, **context: Any) -> HTMLResponse:
    """Render a template with the user, its menu, its CSRF token and the current path."""
    runtime = getattr(request.app.state, "runtime", None)
    body = env.get_template(template).render(
        request=request, who=who, nav=nav_for(who), path=request.url.path,
        csrf_token=who.csrf_token if who is not None else "",
        # What the page shows includes every commit up to here (its live stream says where
        # it starts; a page that missed something between the two re-reads it).
        position=runtime.engine.durable_position if runtime is not None else 0, **context)
    response = HTMLResponse(body, status_code=status)
    secure(response)
    return response


# Pages run only the project's own script files: no inline script, no framing, no plug-ins.
CSP: Final = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
              "base-uri 'none'; object-src 'none'")


def secure(response: Response) -> Response:
    """Set the headers every page carries."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def error_page(request: Request, exc: PageError) -> Response:
    if exc.login:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    who = getattr(request.state, "who", None)
    return render(request, "error.html", status=exc.status, who=who, message=exc.message,
                  code=exc.status)


async def signed_in(request: Request) -> Principal | None:
    """The session's user, or None (no cookie, ended or expired session)."""
    cookie = request.cookies.get(auth.SESSION_COOKIE, "")
    if not cookie:
        return None
    who: Principal | None = await request.app.state.runtime.auth.session(cookie)
    request.state.who = who
    return who


def page_user(*permissions: str) -> Any:
    """A page dependency: the signed-in user, holding every one of permissions."""

    async def check(request: Request) -> Principal:
        who = await signed_in(request)
        if who is None:
            raise PageError(401, "sign in to continue", login=True)
        missing = [p for p in permissions if not who.can(p)]
        if missing:
            raise PageError(403, f"Your role ({who.role}) may not open this page: it needs "
                            f"the permission {missing[0]}.")
        return who

    return Depends(check)


# Where a paginated page may start: far past any real table, yet a number every slice and
# iterator takes (an unbounded one made itertools.islice fail with a 500).
MAX_OFFSET: Final = 10**9
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


def page_numbers(total: int, limit: int, offset: int) -> dict[str, Any]:
    """What a paginated table shows under it."""
    return {"total": total, "limit": limit, "offset": offset,
            "prev": max(offset - limit, 0) if offset > 0 else None,
            "next": offset + limit if offset + limit < total else None,
            "first": offset + 1 if total else 0, "last": min(offset + limit, total)}


def query_string(params: Iterable[tuple[str, Any]]) -> str:
    """Build a query string of the non-empty params (for pagination links)."""
    return "&".join(f"{quote(str(k))}={quote(str(v))}" for k, v in params
                    if v not in (None, "", False))
