"""Sign-in, sign-out, each role's home page, and the live change stream.

Signing in checks the password (Argon2id, in a worker thread), opens a session and sets its
cookie (HttpOnly, SameSite=Lax, Secure over HTTPS). The sign-in form itself carries a
double-submit token so another site cannot sign a browser in as someone else. Five wrong
passwords for one name from one address within five minutes pause that pair for the rest of
the window.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import OrderedDict, deque
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response, StreamingResponse

from openoms.api import auth
from openoms.api.auth import Principal
from openoms.web.templating import home_of, page_user, render, secure, signed_in

router = APIRouter(include_in_schema=False)
LOGIN_COOKIE = "openoms_login"
MAX_FORM = 4096
WINDOW = 300.0
ATTEMPTS = 5


class Throttle:
    """Counts failed sign-ins per (name, address) in a sliding window.

    At most ``keep`` pairs are remembered. A pair whose window has passed is forgotten to make
    room; while the table is full of pairs still inside their window, a new pair is not
    counted. So a flood of failures for made-up names can never wipe the count of a name
    under attack (filling the table takes ``keep`` Argon2 checks inside one window).
    """

    def __init__(self, attempts: int = ATTEMPTS, window: float = WINDOW,
                 keep: int = 100_000) -> None:
        self._attempts = attempts
        self._window = window
        self._keep = keep
        # Oldest last failure first: a pair moves to the end each time it fails.
        self._failures: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()

    def wait(self, key: tuple[str, str]) -> float:
        """Seconds until key may try again (0: now)."""
        now = time.monotonic()
        failures = self._failures.get(key)
        if not failures:
            return 0.0
        while failures and failures[0] < now - self._window:
            failures.popleft()
        if len(failures) < self._attempts:
            return 0.0
        return failures[0] + self._window - now

    def failed(self, key: tuple[str, str]) -> None:
        now = time.monotonic()
        failures = self._failures.get(key)
        if failures is None:
            oldest = next(iter(self._failures.values()), None)
            while oldest is not None and len(self._failures) >= self._keep \
                    and oldest[-1] < now - self._window:  # the oldest pair has expired
                self._failures.popitem(last=False)
                oldest = next(iter(self._failures.values()), None)
            if len(self._failures) >= self._keep:
                return
            failures = self._failures[key] = deque(maxlen=self._attempts)
        failures.append(now)
        self._failures.move_to_end(key)

    def succeeded(self, key: tuple[str, str]) -> None:
        self._failures.pop(key, None)


throttle = Throttle()


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host, no //evil.example)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _login_page(request: Request, *, error: str = "", username: str = "",
                status: int = 200, target: str | None = None) -> Response:
    """The sign-in form; target is where to go after it (the form's own hidden ``next`` when
    it was posted, else ``?next=``), kept only when it is a path on this site."""
    token = secrets.token_urlsafe(24)
    wanted = request.query_params.get("next") if target is None else target
    response = render(request, "login.html", status=status, error=error, username=username,
                      login_token=token, next=_safe_next(wanted) or "")
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/login")
    return response


@router.get("/login")
async def login_form(request: Request) -> Response:
    who = await signed_in(request)
    if who is not None:
        return RedirectResponse(home_of(who), status_code=303)
    return _login_page(request)


@router.post("/login")
async def login(request: Request) -> Response:
    body = await request.body()
    if len(body) > MAX_FORM:
        return _login_page(request, error="The form is too large.", status=413)
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    username = form.get("username", "").strip()
    password = form.get("password", "")
    going = form.get("next", "")
    expected = request.cookies.get(LOGIN_COOKIE, "")
    sent = form.get("login_token", "")
    if not expected or not hmac.compare_digest(expected.encode(), sent.encode()):
        return _login_page(request, username=username, status=403, target=going,
                           error="The sign-in form expired. Please try again.")
    if not username or not password:
        return _login_page(request, username=username, status=422, target=going,
                           error="Enter your username and password.")
    key = (username.lower(), request.client.host if request.client else "")
    wait = throttle.wait(key)
    if wait > 0:
        return _login_page(request, username=username, status=429, target=going,
                           error=f"Too many failed sign-ins. Try again in {int(wait) + 1} s.")
    users = request.app.state.users
    opened = await run_in_threadpool(users.login, username, password)
    if opened is None:
        throttle.failed(key)
        return _login_page(request, username=username, status=401, target=going,
                           error="Wrong username or password.")
    throttle.succeeded(key)
    secret, info = opened
    who = Principal(info.username, info.role, info.scope, csrf_token=info.csrf_token)
    target = _safe_next(going) or home_of(who)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(auth.SESSION_COOKIE, secret, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/",
                        max_age=int(info.expires_at.timestamp() - time.time()))
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return secure(response)


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session. The form carries the session's CSRF token."""
    cookie = request.cookies.get(auth.SESSION_COOKIE, "")
    who = await signed_in(request)
    if who is not None:
        body = await request.body()
        sent = {k: v[0] for k, v in parse_qs(body[:MAX_FORM].decode("utf-8", "replace"))
                .items()}.get("csrf_token", "")
        if not hmac.compare_digest(sent.encode(), who.csrf_token.encode()):
            return render(request, "error.html", status=403, who=who,
                          message="Sign-out needs the page's CSRF token; reload and retry.",
                          code=403)
        await run_in_threadpool(request.app.state.users.end_session, cookie)
        request.app.state.runtime.auth.forget(cookie)
        request.app.state.push.end_session(cookie)  # the session's other tabs stop listening
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return secure(response)


@router.get("/")
async def index(request: Request) -> Response:
    who = await signed_in(request)
    return RedirectResponse("/login" if who is None else home_of(who), status_code=303)


@router.get("/ui")
async def ui_home(who: Annotated[Principal, page_user()]) -> Response:
    return RedirectResponse(home_of(who), status_code=303)


@router.get("/ui/stream")
async def stream(request: Request, who: Annotated[Principal, page_user()]) -> Response:
    """Server-sent events: what changed, for the pages to refresh (see web/push.py). The
    stream ends with its session."""
    cookie = request.cookies.get(auth.SESSION_COOKIE, "")
    sessions = request.app.state.runtime.auth

    async def alive() -> bool:
        return await sessions.session(cookie) is not None

    return StreamingResponse(request.app.state.push.stream(who, session=cookie, alive=alive),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.get("/ui/session")
async def session_state(request: Request) -> Response:
    """204 while the session stands, else 401: what a page asks when its stream closed."""
    who = await signed_in(request)
    return secure(Response(status_code=204 if who is not None else 401))
