"""What the FIX gateway offers the business behind a session, and what it asks of it.

The gateway (sockets, timers) and the session state machine deal with the session level:
logon, sequence numbers, heartbeats, resends, rejects of malformed messages. Everything else
is an ``Application``'s: the desk's client orders (``openoms.adapters.fix.orders``), the
desk's venue connections (``openoms.adapters.fix.venue``), or the echo application of the
conformance suite. It gets each well-formed application message once, in sequence order, and
answers through the ``SessionHandle`` of the session it arrived on.

A handle outlives connections: it exists for every configured session from start-up, so an
execution report produced while the client is disconnected is numbered, stored and delivered
by the resend the client asks for when it logs on again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from openoms.adapters.fix.codec import FixMessage, Value
from openoms.adapters.fix.config import SessionConfig

# BusinessRejectReason (380)
BUSINESS_OTHER = 0
BUSINESS_UNKNOWN_ID = 1
BUSINESS_UNKNOWN_SECURITY = 2
BUSINESS_UNSUPPORTED_MESSAGE_TYPE = 3
BUSINESS_APPLICATION_NOT_AVAILABLE = 4
BUSINESS_CONDITIONALLY_REQUIRED_FIELD_MISSING = 5


class SessionHandle(Protocol):
    """One configured session, as an application sees it."""

    @property
    def config(self) -> SessionConfig: ...

    @property
    def session_id(self) -> str: ...

    @property
    def logged_on(self) -> bool: ...

    def send(self, msg_type: str, fields: Sequence[tuple[int, Value]]) -> None:
        """Send an application message (body fields only; the session writes the header).

        It takes the next MsgSeqNum at once, is recorded in the session's journal and is
        written to the socket when durable; if the session is not logged on, the counterparty
        gets it by resend after its next logon.
        """
        ...

    def reject_business(self, message: FixMessage, reason: int, text: str,
                        ref_tag: int | None = None) -> None:
        """Answer message with a BusinessMessageReject (35=j) carrying reason (380) and text."""
        ...


class Application(Protocol):
    """The business behind FIX sessions."""

    def on_logon(self, session: SessionHandle) -> None:
        """The session logged on (after the logon exchange; resends may follow)."""
        ...

    def on_logout(self, session: SessionHandle) -> None:
        """The session logged out or its connection dropped."""
        ...

    def on_message(self, session: SessionHandle, message: FixMessage) -> None:
        """Handle one application message; called in MsgSeqNum order, once per number.

        Runs synchronously on the event loop, so commands it gives the engine are decided
        before the session records the message as received (both ride one commit). It must
        not raise for bad input: it answers with a reject through the handle instead.
        """
        ...
