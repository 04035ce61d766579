"""The web UI: server-rendered pages (Jinja2), a little hand-written JavaScript, live updates
by server-sent events, served by the same process as the API.

``install`` adds the pages, the static files and the HTML error pages to the FastAPI app. The
areas: ``pages`` (sign-in, home, the change stream), ``trader`` (blotter, order ticket, order
detail), ``retail`` (orders, customer-service entry, inventory), ``store`` (a store's queue),
``vendor`` (the vendor portal), ``admin``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from openoms.api import problems
from openoms.api.auth import Principal
from openoms.web import admin, pages, retail, store, trader, vendor
from openoms.web.templating import PageError, error_page, page_user, render

STATIC = Path(__file__).parent / "static"
_HTTP_ERRORS = {404: "There is no such page.",
                405: "This page does not take that kind of request."}
_log = logging.getLogger("openoms.web")


def _is_page(path: str) -> bool:
    """Whether path is answered in HTML (the event stream is not a page)."""
    return path.startswith(("/ui/", "/login", "/logout")) and not path.startswith("/ui/stream")


def bad_parameters(exc: RequestValidationError) -> str:
    """What was wrong with the page's address, by parameter name (never a trace)."""
    parts = []
    for err in exc.errors():
        name = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "path"))
        parts.append(f"{name or 'the address'}: {err.get('msg', 'invalid')}")
    return "This page's address has a bad parameter — " + "; ".join(parts) + "."


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (pages, trader, retail, store, vendor, admin):
        app.include_router(module.router)

    @app.get("/ui/{rest:path}", include_in_schema=False)
    async def _unknown(rest: str, who: Annotated[Principal, page_user()]) -> Response:
        raise PageError(404, f"There is no page /ui/{rest}.")

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError) -> Response:
        return error_page(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _bad_parameter(request: Request, exc: RequestValidationError) -> Response:
        """A page's bad query parameter is a 400 page naming it; the API's stays a 422
        problem+json."""
        if not _is_page(request.url.path):
            return problems.validation_problem(exc)
        return error_page(request, PageError(400, bad_parameters(exc)))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """An HTTP error on a page's address (an unknown address, a method the page does not
        take) is an HTML page; the API's stays problem+json."""
        if not _is_page(request.url.path):
            return problems.http_problem(exc)
        return error_page(request, PageError(exc.status_code, _HTTP_ERRORS.get(
            exc.status_code, "The request could not be answered.")))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        """A page's unexpected error is an HTML page without the trace (which is logged);
        the API's stays problem+json."""
        path = request.url.path
        if not _is_page(path):
            return problems.unexpected_problem(path)
        _log.exception("unhandled error on page %s", path)
        return render(request, "error.html", status=500, who=getattr(request.state, "who", None),
                      message="The page could not be shown. The error has been logged; "
                      "please try again.", code=500)
