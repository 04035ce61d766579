"""Authentication (bearer tokens, or a browser session's cookie), role permissions and scopes.

Tokens are created with ``openoms token create --role ROLE [--scope KIND:ID ...]`` and stored
hashed. People signed in to the web UI carry a session cookie instead (``openoms user create``);
every state-changing request of a session must echo its CSRF token in ``X-CSRF-Token``.

Each role is a set of permissions; every endpoint names the one it needs. Two retail
roles are also *scoped*: a store associate reaches only the locations named by its token's
``location:ID`` entries, a vendor only the vendor locations named by ``vendor:ID``. Other roles
reach everything their permissions allow.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

# Retail permissions: what each screen or integration needs, so roles stay data.
RETAIL_READ = "retail:read"  # orders, returns, catalogue, locations, rules, subscriptions
RETAIL_ORDER = "retail:order"  # capture, cancel, payment hooks, authorise returns
RETAIL_RETURN = "retail:return:receive"  # receive returned parcels at a location
RETAIL_ADMIN = "retail:admin"  # locations, SKUs, sourcing rules, webhooks, safety stock
FULFILMENT_READ = "retail:fulfilment:read"
FULFILMENT_WORK = "retail:fulfilment:work"  # a store's queue: accept, pick, pack, ship...
INVENTORY_READ = "retail:inventory:read"
INVENTORY_WRITE = "retail:inventory:write"  # receipts, adjustments, counts
PO_READ = "retail:purchase_order:read"
PO_WORK = "retail:purchase_order:work"  # a vendor acknowledges and ships

_RETAIL_ALL = frozenset({RETAIL_READ, RETAIL_ORDER, RETAIL_RETURN, RETAIL_ADMIN, FULFILMENT_READ,
                         FULFILMENT_WORK, INVENTORY_READ, INVENTORY_WRITE, PO_READ, PO_WORK})
_RETAIL_READ_ALL = frozenset({RETAIL_READ, FULFILMENT_READ, INVENTORY_READ, PO_READ})

ROLES: Final[dict[str, frozenset[str]]] = {
    "admin": frozenset({"read", "order:create", "order:client_request", "order:work",
                        "reference:write", "session:manage", "user:manage"}) | _RETAIL_ALL,
    "trader": frozenset({"read", "order:create", "order:client_request", "order:work"}),
    "sales": frozenset({"read", "order:create", "order:client_request"}),
    "viewer": frozenset({"read"}) | _RETAIL_READ_ALL,
    "customer_service": _RETAIL_READ_ALL | {RETAIL_ORDER, RETAIL_RETURN},
    "store_associate": frozenset({FULFILMENT_READ, FULFILMENT_WORK, INVENTORY_READ,
                                  INVENTORY_WRITE, RETAIL_RETURN}),
    "vendor": frozenset({PO_READ, PO_WORK}),
}

# Roles limited to the locations their token names, and the scope kind that names them.
SCOPED_ROLES: Final[dict[str, str]] = {"store_associate": "location", "vendor": "vendor"}
SCOPE_KINDS: Final = frozenset(SCOPED_ROLES.values())


def check_scope(role: str, scope: Iterable[str]) -> tuple[str, ...]:
    """Return scope as a tuple if it suits role.

    Raises:
        ValueError: an entry is not ``KIND:ID``, names another kind than the role's, or a
            role that is not scoped was given a scope.
    """
    entries = tuple(scope)
    kind = SCOPED_ROLES.get(role)
    if kind is None:
        if entries:
            raise ValueError(f"role {role} is not scoped: it reaches every location; "
                             f"scopes are for {', '.join(sorted(SCOPED_ROLES))}")
        return entries
    for entry in entries:
        entry_kind, _, value = entry.partition(":")
        if entry_kind != kind or not value or any(c.isspace() for c in value):
            raise ValueError(f"a {role} token's scope entries read {kind}:ID, not {entry!r}")
    if not entries:
        raise ValueError(f"a {role} token needs at least one {kind}:ID scope")
    return entries


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a token's name, role and scope (``location:MPLS``, ``vendor:ACME``)."""

    name: str
    role: str
    scope: tuple[str, ...] = ()
    # A browser session's CSRF token ('' for a bearer token, which a browser never sends).
    csrf_token: str = field(default="", repr=False, compare=False)
    # Location ids the caller may see and act on; None: every location (an unscoped role).
    reach: frozenset[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        kind = SCOPED_ROLES.get(self.role)
        reach = None if kind is None else frozenset(
            value for k, _, value in (e.partition(":") for e in self.scope)
            if k == kind and value)
        object.__setattr__(self, "reach", reach)  # frozen: set once, here

    @property
    def channel(self) -> str:
        """Where the request came from, for the audit trail: ``ui`` (a browser session) or
        ``api`` (a bearer token)."""
        return "ui" if self.csrf_token else "api"

    def can(self, permission: str) -> bool:
        return permission in ROLES.get(self.role, frozenset())

    def reaches(self, location_id: str) -> bool:
        return self.reach is None or location_id in self.reach


SESSION_COOKIE: Final = "openoms_session"
CSRF_HEADER: Final = "x-csrf-token"
_SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


class Authenticator:
    """Looks bearer tokens and session cookies up (hashed) through blocking finders, with a
    short cache; a logout or a revoked token is forgotten at once with ``forget``."""

    def __init__(self, find: Callable[[str], Any],
                 find_session: Callable[[str], Any] | None = None, ttl: float = 30.0,
                 session_ttl: float = 5.0) -> None:
        self._find = find
        self._find_session = find_session
        self._ttl = ttl
        self._session_ttl = session_ttl
        self._cache: dict[str, tuple[float, Principal | None]] = {}

    async def principal(self, request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        if not header and self._find_session is not None:
            cookie = request.cookies.get(SESSION_COOKIE, "")
            if cookie:
                return await self._session_principal(request, cookie)
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPException(401, "missing bearer token",
                                headers={"WWW-Authenticate": "Bearer"})
        found = await self._lookup("t:" + token.strip(), self._ttl, self._token_principal)
        if found is None:
            raise HTTPException(401, "invalid or revoked token",
                                headers={"WWW-Authenticate": "Bearer"})
        return found

    async def session(self, cookie: str) -> Principal | None:
        """The principal of a session cookie, or None (unknown, ended or expired)."""
        return await self._lookup("s:" + cookie, self._session_ttl, self._session_info)

    async def _session_principal(self, request: Request, cookie: str) -> Principal:
        found = await self.session(cookie)
        if found is None:
            raise HTTPException(401, "the session has ended: sign in again")
        if request.method not in _SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not sent or not hmac.compare_digest(sent.encode(), found.csrf_token.encode()):
                raise HTTPException(403, "missing or wrong CSRF token (X-CSRF-Token)")
        return found

    def _token_principal(self, secret: str) -> Principal | None:
        info = self._find(secret)
        return None if info is None else Principal(
            info.name, info.role, tuple(getattr(info, "scope", None) or ()))

    def _session_info(self, secret: str) -> Principal | None:
        assert self._find_session is not None
        info = self._find_session(secret)
        return None if info is None else Principal(
            info.username, info.role, tuple(info.scope), csrf_token=info.csrf_token)

    async def _lookup(self, secret: str, ttl: float,
                      find: Callable[[str], Principal | None]) -> Principal | None:
        key = hashlib.sha256(secret.encode()).hexdigest()
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is None or cached[0] < now:
            found = await run_in_threadpool(find, secret[2:])
            cached = (now + ttl, found)
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = cached
        return cached[1]

    def forget(self, cookie: str | None = None) -> None:
        """Drop one session cookie from the cache (a logout), or everything."""
        if cookie is None:
            self._cache.clear()
        else:
            self._cache.pop(hashlib.sha256(("s:" + cookie).encode()).hexdigest(), None)


def require(principal: Principal, permission: str) -> None:
    """Raise 403 unless the principal's role has the permission."""
    if not principal.can(permission):
        raise HTTPException(403, f"role {principal.role!r} may not {permission}")


def require_reach(principal: Principal, location_id: str, what: str | None = None) -> None:
    """Raise 403 unless the principal's scope reaches the location.

    what names the thing refused (``fulfilment order R1-1``) instead of the location, so the
    message does not confirm which location holds it.
    """
    if not principal.reaches(location_id):
        thing = what or f"location {location_id}"
        raise HTTPException(403, f"{thing} is outside the scope of this token")
