"""Configuration of one FIX session: who the two parties are and how the session behaves.

An operator lists sessions in the settings file (``[[fix.sessions]]``, see
docs/operations.md); each becomes a frozen ``SessionConfig``. A session is identified by its
BeginString and the two CompIDs as *we* see them: ``sender_comp_id`` is ours, ``target_comp_id``
the counterparty's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

BEGIN_STRINGS = ("FIX.4.2", "FIX.4.4")


class Role(StrEnum):
    """Which side opens the TCP connection."""

    ACCEPTOR = "acceptor"  # clients of the desk connect to us
    INITIATOR = "initiator"  # we connect to an outside venue


class AckOn(StrEnum):
    """When a client sees ExecType=0 New for an order that the desk stages (a care order)."""

    ACCEPT = "accept"  # on receipt 150=A Pending New; 150=0 New when a trader accepts it
    RECEIPT = "receipt"  # 150=0 New at once; the trader's accept sends nothing more


@dataclass(frozen=True, slots=True, kw_only=True)
class Schedule:
    """When the session may be logged on: daily from start to end in a time zone.

    ``end`` earlier than ``start`` wraps past midnight. ``weekdays`` (Monday=0..Sunday=6) are
    the days a window *starts* on, as in QuickFIX: 22:00-06:00 on Monday to Friday is open
    from Friday 22:00 to Saturday 06:00, and closed from Sunday 22:00 to Monday 06:00.
    """

    start: time = time(0, 0)
    end: time = time(0, 0)  # start == end: the whole day
    timezone: str = "UTC"
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)

    def is_open(self, now: datetime) -> bool:
        """Tell whether the session may be logged on at now (an aware datetime)."""
        local = now.astimezone(ZoneInfo(self.timezone))
        at, day = local.time(), local.weekday()
        if self.start == self.end:
            return day in self.weekdays
        if self.start < self.end:
            return day in self.weekdays and self.start <= at < self.end
        if at >= self.start:
            return day in self.weekdays
        return at < self.end and (day - 1) % 7 in self.weekdays  # began the day before


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionConfig:
    """One FIX session as configured by the operator."""

    begin_string: str
    sender_comp_id: str  # our CompID
    target_comp_id: str  # the counterparty's CompID
    role: Role = Role.ACCEPTOR
    # Acceptor sessions carry one client account's orders; the session sees only those.
    account_id: str | None = None
    # What the session does with client orders: "staged" (care desk) or "automatic".
    handling: str = "staged"
    ack_on: AckOn = AckOn.ACCEPT
    # Initiator sessions: one venue's connection.
    venue_id: str | None = None
    host: str = "127.0.0.1"
    port: int = 0
    reconnect_min: float = 0.5  # seconds; doubles after each failure up to reconnect_max
    reconnect_max: float = 30.0
    # Logon
    username: str | None = None  # tag 553, checked when set
    password: str | None = None  # tag 554, checked when set
    allowed_addresses: tuple[str, ...] = ()  # empty: any source address
    heartbeat_interval: int = 30  # what an initiator asks for; an acceptor takes the client's
    reset_on_logon: bool = False
    schedule: Schedule = field(default_factory=Schedule)
    # Limits and checks
    max_message_size: int = 1 << 20
    validate: bool = True  # check every message against the data dictionary
    sending_time_tolerance: int = 120  # seconds between SendingTime (52) and our clock
    logon_timeout: float = 10.0  # seconds a new connection has to send a valid Logon
    max_inflight: int = 5_000  # messages of one session waiting for their commit before
    #                            we stop reading its socket (a flood slows only that session)

    @property
    def session_id(self) -> str:
        """A stable name: ``FIX.4.4:OPENOMS->CLIENT1``."""
        return f"{self.begin_string}:{self.sender_comp_id}->{self.target_comp_id}"

    def validate_config(self) -> None:
        """Raise ValueError if the configuration cannot work."""
        if self.begin_string not in BEGIN_STRINGS:
            raise ValueError(f"{self.session_id}: begin_string must be one of {BEGIN_STRINGS}")
        if not self.sender_comp_id or not self.target_comp_id:
            raise ValueError("sender_comp_id and target_comp_id are required")
        if self.role is Role.INITIATOR and not (self.port and self.host):
            raise ValueError(f"{self.session_id}: an initiator needs host and port")
        if self.heartbeat_interval <= 0:
            raise ValueError(f"{self.session_id}: heartbeat_interval must be positive")
        if self.handling not in ("staged", "automatic"):
            raise ValueError(f"{self.session_id}: handling must be staged or automatic")
        # The gateway reads the schedule every second; a bad one must fail at start-up.
        try:
            ZoneInfo(self.schedule.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{self.session_id}: unknown schedule timezone "
                             f"{self.schedule.timezone!r}") from None
        if not set(self.schedule.weekdays) <= set(range(7)):
            raise ValueError(f"{self.session_id}: schedule weekdays are 0 (Monday) to 6")
