"""Errors as RFC 9457 problem details (application/problem+json) naming the field at fault."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from openoms.core import errors

PROBLEM = "application/problem+json"
_log = logging.getLogger("openoms.api")

_STATUS: list[tuple[type[errors.OmsError], int]] = [
    (errors.UnknownOrder, 404),
    (errors.NotFound, 422),
    (errors.Forbidden, 403),
    (errors.DuplicateClOrdID, 409),
    (errors.DuplicateRequest, 409),
    (errors.InvalidTransition, 409),
    (errors.Conflict, 409),
    (errors.RiskRejected, 422),
    (errors.ValidationError, 422),
    (errors.DomainError, 422),
    (errors.StorageError, 503),
]


def problem(status: int, title: str, detail: str, *, code: str,
            errors_: list[dict[str, Any]] | None = None, **extra: Any) -> JSONResponse:
    """Build a problem+json response."""
    body: dict[str, Any] = {"type": f"https://openoms.dev/problems/{code}", "title": title,
                            "status": status, "detail": detail, "code": code}
    if errors_:
        body["errors"] = errors_
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def domain_problem(exc: errors.OmsError) -> JSONResponse:
    """Map a domain error to its HTTP status with the field and reason."""
    status = next(code for kind, code in _STATUS if isinstance(exc, kind)) \
        if isinstance(exc, tuple(k for k, _ in _STATUS)) else 500
    detail = str(exc)
    field = getattr(exc, "field", None)
    extra: dict[str, Any] = {}
    if isinstance(exc, errors.RiskRejected):
        extra["limit"] = exc.limit
    if isinstance(exc, errors.DuplicateClOrdID):
        extra["order_id"] = exc.order_id
    items = [{"field": field, "reason": detail}] if field else None
    return problem(status, type(exc).__name__, detail, code=exc.code, errors_=items, **extra)


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def validation_problem(exc: RequestValidationError) -> JSONResponse:
    """400 for a body that is not JSON, else 422 naming every invalid field."""
    items = []
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            return problem(400, "Malformed JSON", "the request body is not valid JSON: "
                           f"{err.get('ctx', {}).get('error', 'parse error')}",
                           code="malformed_json")
        items.append({"field": _location(tuple(err.get("loc", ()))), "reason": err["msg"]})
    fields = ", ".join(str(i["field"]) for i in items)
    return problem(422, "Invalid request", f"invalid fields: {fields}",
                   code="invalid_request", errors_=items)


def http_problem(exc: StarletteHTTPException) -> JSONResponse:
    """401/403/404/405... as problem+json, keeping headers such as WWW-Authenticate."""
    codes = {401: "unauthorized", 403: "forbidden", 404: "not_found",
             405: "method_not_allowed"}
    response = problem(exc.status_code, str(exc.detail), str(exc.detail),
                       code=codes.get(exc.status_code, "http_error"))
    for key, value in (exc.headers or {}).items():
        response.headers[key] = value
    return response


def unexpected_problem(path: str) -> JSONResponse:
    """500 without a stack trace; the error goes to the log."""
    _log.exception("unhandled error on %s", path)
    return problem(500, "Internal error", "the server could not complete the request; "
                   "it has been logged", code="internal_error")


def as_problem(exc: Exception, path: str) -> JSONResponse:
    """Turn any exception into the problem+json response the handlers would give."""
    if isinstance(exc, errors.OmsError):
        return domain_problem(exc)
    if isinstance(exc, RequestValidationError):
        return validation_problem(exc)
    if isinstance(exc, StarletteHTTPException):
        return http_problem(exc)
    return unexpected_problem(path)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json, never a stack trace."""

    @app.exception_handler(errors.OmsError)
    async def _domain(request: Request, exc: errors.OmsError) -> JSONResponse:
        return domain_problem(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_problem(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return http_problem(exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return unexpected_problem(request.url.path)
