"""The FIX session's states, the moves between them, and the actions a session asks for.

The table is the whole life of a session: a connection comes up, the Logon exchange makes it
ACTIVE, a gap in the counterparty's numbers makes it RESENDING until the gap is filled, a Logout
we send makes it wait in LOGOUT_SENT, and any disconnect takes it back to DISCONNECTED. Numbers
may only be reset by an operator while DISCONNECTED. ``Session`` looks every move up here
before it changes anything; nothing else assigns its state.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

from openoms.adapters.fix.codec import FixMessage
from openoms.adapters.fix.journal import SessionNumbers, StoredMessage
from openoms.core.fsm import TransitionTable


class SessionState(Enum):
    """Where a FIX session stands."""

    DISCONNECTED = "disconnected"
    CONNECTED = "connected"  # TCP is up; the acceptor waits for the client's Logon
    LOGON_SENT = "logon_sent"  # the initiator sent Logon and waits for the answer
    ACTIVE = "active"  # logged on, the counterparty's numbers are in sequence
    RESENDING = "resending"  # logged on, we asked for a resend and queue later messages
    LOGOUT_SENT = "logout_sent"  # we sent Logout and wait for the counterparty's


class Connected:
    """A TCP connection for the session came up."""


class LogonSent:
    """We (the initiator) sent our Logon."""


class LogonAccepted:
    """A valid Logon exchange completed: the session is logged on."""


class SessionReset:
    """A Logon with ResetSeqNumFlag (141=Y) arrived while logged on: numbers restart at 1."""


class GapDetected:
    """A message arrived with a MsgSeqNum higher than expected; we sent a ResendRequest."""


class GapFilled:
    """Every queued message was processed: the counterparty's numbers are in sequence again."""


class LogoutSent:
    """We sent a Logout and wait for the counterparty's Logout."""


class Disconnected:
    """The connection closed, for whatever reason."""


class NumbersReset:
    """An operator reset the sequence numbers (a new epoch)."""


S = SessionState
_LOGGED_ON = (S.ACTIVE, S.RESENDING)
_CONNECTED = (S.CONNECTED, S.LOGON_SENT, S.ACTIVE, S.RESENDING, S.LOGOUT_SENT)

TRANSITIONS: Final = TransitionTable[SessionState]("FIX session", {
    (S.DISCONNECTED, Connected): S.CONNECTED,
    (S.DISCONNECTED, NumbersReset): S.DISCONNECTED,
    (S.CONNECTED, LogonSent): S.LOGON_SENT,
    (S.CONNECTED, LogonAccepted): S.ACTIVE,  # acceptor: the client's Logon was valid
    (S.LOGON_SENT, LogonAccepted): S.ACTIVE,  # initiator: the counterparty answered
    # A Logon whose MsgSeqNum is too high is accepted, then the gap is asked for.
    **{(state, GapDetected): S.RESENDING for state in _LOGGED_ON},
    (S.RESENDING, GapFilled): S.ACTIVE,
    **{(state, SessionReset): S.ACTIVE for state in _LOGGED_ON},
    **{(state, LogoutSent): S.LOGOUT_SENT for state in (*_LOGGED_ON, S.LOGON_SENT)},
    **{(state, Disconnected): S.DISCONNECTED for state in _CONNECTED},
})

LOGGED_ON_STATES: Final = frozenset(_LOGGED_ON)
CONNECTED_STATES: Final = frozenset(_CONNECTED)


@dataclass(frozen=True, slots=True)
class Send:
    """Write these bytes to the connection once everything recorded before is durable."""

    raw: bytes
    seq: int
    msg_type: str


@dataclass(frozen=True, slots=True)
class Record:
    """Record the session's numbers and the application messages just numbered."""

    numbers: SessionNumbers
    sent: tuple[StoredMessage, ...] = ()


@dataclass(frozen=True, slots=True)
class Deliver:
    """Hand this application message to the Application (in sequence, once)."""

    message: FixMessage


@dataclass(frozen=True, slots=True)
class Resend:
    """Fetch the stored messages begin..end of this epoch and answer the ResendRequest."""

    begin: int
    end: int
    epoch: int


@dataclass(frozen=True, slots=True)
class LoggedOn:
    """The Logon exchange completed: tell the Application."""


@dataclass(frozen=True, slots=True)
class Disconnect:
    """Close the connection after the bytes queued before it are written."""

    reason: str


@dataclass(frozen=True, slots=True)
class Event:
    """Something an operator may want to read in the session's event log."""

    text: str


Action = Send | Record | Deliver | Resend | LoggedOn | Disconnect | Event
