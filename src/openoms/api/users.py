"""Web UI users over the API: list, create, disable, set a password (``user:manage``).

The same operations as ``openoms user create|list|disable|passwd``, for the admin pages. The
store is blocking, so every call runs in a worker thread. Password hashes never leave the
store; disabling a user or changing its password ends its sessions at once (the session cache
is dropped too).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import Field, StringConstraints
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from openoms.adapters.sql.users import UserInfo, UserStore, check_password, check_username
from openoms.api import auth
from openoms.api.auth import Principal
from openoms.api.schemas import Body
from openoms.api.trading import allowed
from openoms.core.errors import Conflict, ValidationError

PREFIX = "/api/v1/users"
router = APIRouter(prefix=PREFIX, tags=["users"])

Manager = Annotated[Principal, allowed("user:manage")]
Password = Annotated[str, StringConstraints(max_length=1024)]
ScopeEntry = Annotated[str, StringConstraints(min_length=1, max_length=100,
                                              strip_whitespace=True)]


class NewUserBody(Body):
    username: Annotated[str, StringConstraints(max_length=64, strip_whitespace=True)]
    role: Annotated[str, Field(description="one of " + ", ".join(auth.ROLES))]
    scope: Annotated[list[ScopeEntry], Field(max_length=100)] = Field(
        default_factory=list, description="location:ID for a store_associate, vendor:ID for a "
        "vendor; empty for the other roles")
    password: Password


class PasswordBody(Body):
    password: Password


def user_view(info: UserInfo) -> dict[str, Any]:
    """A user as the API shows it (never the password hash)."""
    created: datetime = info.created_at
    return {"user_id": info.user_id, "username": info.username, "role": info.role,
            "scope": list(info.scope), "created_at": created.isoformat(),
            "disabled": info.disabled}


def _users(request: Request) -> UserStore:
    users: UserStore = request.app.state.users
    return users


async def _find(request: Request, username: str) -> UserInfo | None:
    return await run_in_threadpool(_users(request).find_user, username)


def _checked(check: Any, value: str, field: str) -> None:
    try:
        check(value)
    except ValueError as exc:
        raise ValidationError(str(exc), field=field) from exc


@router.get("", summary="Web UI users: name, role, scope, disabled")
async def list_users(request: Request, who: Manager) -> dict[str, Any]:
    found = await run_in_threadpool(_users(request).list_users)
    return {"users": [user_view(u) for u in found]}


@router.post("", status_code=201, summary="Create a web UI user",
             responses={409: {"description": "The username is taken"}})
async def create_user(body: NewUserBody, request: Request, who: Manager) -> JSONResponse:
    """Create a user with a role, its scope (for scoped roles) and a first password.

    Raises:
        ValidationError: a bad username, role, scope or password (422 naming the field).
        Conflict: the username is taken (409).
    """
    _checked(check_username, body.username, "username")
    if body.role not in auth.ROLES:
        raise ValidationError(f"role must be one of {', '.join(auth.ROLES)}", field="role")
    try:
        scope = auth.check_scope(body.role, body.scope)
    except ValueError as exc:
        raise ValidationError(str(exc), field="scope") from exc
    _checked(check_password, body.password, "password")
    try:
        await run_in_threadpool(_users(request).create_user, body.username, body.role,
                                body.password, scope)
    except ValueError as exc:  # checked above, so only a taken name is left
        raise Conflict(str(exc), field="username") from exc
    created = await _find(request, body.username)
    assert created is not None
    return JSONResponse(user_view(created), status_code=201,
                        headers={"Location": f"{PREFIX}/{body.username}"})


@router.post("/{username}/disable", summary="Disable a user and end its sessions")
async def disable_user(username: str, request: Request, who: Manager) -> dict[str, Any]:
    """Disable a user (already disabled: unchanged). Its name stays in the audit trail.

    Raises:
        Conflict: the caller would disable itself.
    """
    if username == who.name:
        raise Conflict("you cannot disable your own user", field="username")
    await run_in_threadpool(_users(request).disable_user, username)
    request.app.state.runtime.auth.forget()  # its cached sessions end now, not in seconds
    found = await _find(request, username)
    if found is None:
        raise HTTPException(404, f"no user {username!r}")
    return user_view(found)


@router.post("/{username}/password", summary="Set a user's password and end its sessions")
async def set_password(username: str, body: PasswordBody, request: Request,
                       who: Manager) -> dict[str, Any]:
    _checked(check_password, body.password, "password")
    if not await run_in_threadpool(_users(request).set_password, username, body.password):
        raise HTTPException(404, f"no user {username!r}")
    request.app.state.runtime.auth.forget()
    found = await _find(request, username)
    assert found is not None
    return user_view(found)


__all__ = ["router"]
