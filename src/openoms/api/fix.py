"""FIX session endpoints for operators: list sessions, reset numbers, log a session out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from starlette.exceptions import HTTPException

from openoms.api.auth import Principal
from openoms.api.trading import allowed
from openoms.core.errors import Conflict

router = APIRouter(prefix="/api/v1/fix", tags=["fix"])

Reader = Annotated[Principal, allowed("read")]
SessionManager = Annotated[Principal, allowed("session:manage")]


def _gateway(request: Request) -> Any:
    gateway = request.app.state.runtime.fix
    if gateway is None:
        raise HTTPException(404, "FIX is not enabled on this server (fix_enabled = false)")
    return gateway


def _session(request: Request, session_id: str) -> dict[str, Any]:
    for status in _gateway(request).status():
        if status["session_id"] == session_id:
            return dict(status)
    raise HTTPException(404, f"no FIX session {session_id!r}")


@router.get("/sessions", summary="FIX sessions: state, logged on, sequence numbers")
async def list_sessions(request: Request, who: Reader) -> list[dict[str, Any]]:
    return list(_gateway(request).status())


@router.get("/sessions/{session_id}", summary="One FIX session")
async def show_session(session_id: str, request: Request, who: Reader) -> dict[str, Any]:
    return _session(request, session_id)


@router.post("/sessions/{session_id}/reset", summary="Reset a session's sequence numbers to 1")
async def reset_session(session_id: str, request: Request,
                        who: SessionManager) -> dict[str, Any]:
    """Start a new sequence-number epoch; refused while the session is logged on."""
    if _session(request, session_id)["logged_on"]:
        raise Conflict(f"FIX session {session_id} is logged on: log it out first",
                       field="session_id")
    await _gateway(request).reset(session_id)
    return _session(request, session_id)


@router.post("/sessions/{session_id}/logout", summary="Log a session out")
async def logout_session(session_id: str, request: Request,
                         who: SessionManager) -> dict[str, Any]:
    if not _session(request, session_id)["logged_on"]:
        raise Conflict(f"FIX session {session_id} is not logged on", field="session_id")
    await _gateway(request).logout(session_id, f"logged out by {who.name}")
    return _session(request, session_id)
