"""Bearer-token authentication and role permissions.

Tokens are created with ``openoms token create --role ROLE`` and stored hashed. Each role is
a set of permissions; every endpoint names the one it needs.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

ROLES: dict[str, frozenset[str]] = {
    "admin": frozenset({"read", "order:create", "order:client_request", "order:work",
                        "reference:write", "session:manage"}),
    "trader": frozenset({"read", "order:create", "order:client_request", "order:work"}),
    "sales": frozenset({"read", "order:create", "order:client_request"}),
    "viewer": frozenset({"read"}),
}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a token's name and role."""

    name: str
    role: str

    def can(self, permission: str) -> bool:
        return permission in ROLES.get(self.role, frozenset())


class Authenticator:
    """Looks tokens up (hashed) through a blocking finder, with a short cache."""

    def __init__(self, find: Callable[[str], Any], ttl: float = 30.0) -> None:
        self._find = find
        self._ttl = ttl
        self._cache: dict[str, tuple[float, Principal | None]] = {}

    async def principal(self, request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPException(401, "missing bearer token",
                                headers={"WWW-Authenticate": "Bearer"})
        key = hashlib.sha256(token.strip().encode()).hexdigest()
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is None or cached[0] < now:
            info = await run_in_threadpool(self._find, token.strip())
            found = Principal(info.name, info.role) if info is not None else None
            cached = (now + self._ttl, found)
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = cached
        if cached[1] is None:
            raise HTTPException(401, "invalid or revoked token",
                                headers={"WWW-Authenticate": "Bearer"})
        return cached[1]

    def forget(self) -> None:
        self._cache.clear()


def require(principal: Principal, permission: str) -> None:
    """Raise 403 unless the principal's role has the permission."""
    if not principal.can(permission):
        raise HTTPException(403, f"role {principal.role!r} may not {permission}")
