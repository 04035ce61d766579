"""What ties a pure ``Session`` to the outside world: its connection, journal and application.

A ``SessionLink`` exists for every configured session for the gateway's whole life and is the
``SessionHandle`` applications hold. It carries out the actions its session returns: numbers
and sent messages go to the journal, bytes wait in the ``Connection`` until the journal says
they are durable and are then written in order, application messages go to the Application.
A failing application is logged; it never takes the session down.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial

from openoms.adapters.fix.application import Application, SessionHandle
from openoms.adapters.fix.codec import FixMessage, Value
from openoms.adapters.fix.config import SessionConfig
from openoms.adapters.fix.journal import FixJournal
from openoms.adapters.fix.message_log import MessageLog
from openoms.adapters.fix.session import Session
from openoms.adapters.fix.session_states import (
    Action,
    Deliver,
    Disconnect,
    Event,
    LoggedOn,
    Record,
    Resend,
    Send,
)

logger = logging.getLogger(__name__)
_CLOSE = None  # the marker queued after the last bytes of a connection


class Connection:
    """One TCP connection and the bytes that wait for durability before being written."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        peer = writer.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self.connected_since = datetime.now(UTC)
        self.closing = False  # a disconnect was decided: read no further
        self.logged_on_once = False  # the session logged on over this connection
        self.close_reason = "closed by the counterparty"
        self.closed = asyncio.Event()
        self._pending: deque[bytes | None] = deque()
        self._released = 0  # items taken off _pending so far
        self._release_to = 0  # items before this are durable and may be written
        self._write_scheduled = False

    @property
    def queued(self) -> int:
        """Return the number of items ever queued."""
        return self._released + len(self._pending)

    def queue(self, item: bytes | None) -> None:
        if not self.closed.is_set():
            self._pending.append(item)

    def release(self, mark: int) -> None:
        """Write the items queued before mark (they are durable now), in order.

        A commit releases many reports at once; they are gathered and written with one call
        soon after, so the connection makes one send for a batch rather than one per report.
        """
        if mark > self._release_to:
            self._release_to = mark
            if not self._write_scheduled:
                self._write_scheduled = True
                asyncio.get_running_loop().call_soon(self._write_released)

    def _write_released(self) -> None:
        self._write_scheduled = False
        ready: list[bytes] = []
        while self._pending and self._released < self._release_to:
            item = self._pending.popleft()
            self._released += 1
            if item is _CLOSE:
                self._write(ready)
                self.close()
                return
            ready.append(item)
        self._write(ready)

    def _write(self, data: list[bytes]) -> None:
        if data and not self.writer.is_closing():
            self.writer.write(b"".join(data))

    def close(self) -> None:
        self._pending.clear()
        if not self.writer.is_closing():
            self.writer.close()
        self.closed.set()


class SessionLink:
    """One configured session at run time; the SessionHandle applications hold."""

    def __init__(self, config: SessionConfig, journal: FixJournal, application: Application,
                 log: MessageLog) -> None:
        self._config = config
        self._journal = journal
        self._application = application
        self._log = log
        self.session = Session(config, journal.numbers(config.session_id))
        self.connection: Connection | None = None
        self.inflight = 0  # received messages whose numbers are not yet durable
        self.room = asyncio.Event()

    @property
    def config(self) -> SessionConfig:
        return self._config

    @property
    def session_id(self) -> str:
        return self._config.session_id

    @property
    def logged_on(self) -> bool:
        return self.session.logged_on

    def send(self, msg_type: str, fields: Sequence[tuple[int, Value]]) -> None:
        self.execute(self.session.send_application(msg_type, fields, time.time()))

    def reject_business(self, message: FixMessage, reason: int, text: str,
                        ref_tag: int | None = None) -> None:
        self.execute(self.session.reject_business(message, reason, text, ref_tag, time.time()))

    def event(self, text: str) -> None:
        self._log.event(self.session_id, text)

    def landed(self, count: int) -> None:
        """Count received messages as durable; wake a reader waiting for room."""
        self.inflight -= count
        if self.inflight <= self._config.max_inflight:
            self.room.set()

    def execute(self, actions: list[Action]) -> list[Resend]:
        """Carry out actions in order; return the resends, which need the journal's reads."""
        resends: list[Resend] = []
        connection = self.connection
        mark = connection.queued if connection is not None else 0
        for action in actions:
            if isinstance(action, Record):
                self._journal.record(self.session_id, action.numbers, action.sent)
            elif isinstance(action, Send):
                if connection is not None:
                    self._log.message(self.session_id, "out", action.raw)
                    connection.queue(action.raw)
            elif isinstance(action, Deliver):
                self._deliver(action.message)
            elif isinstance(action, Resend):
                resends.append(action)
            elif isinstance(action, LoggedOn):
                if connection is not None:
                    connection.logged_on_once = True
                self._call(self._application.on_logon)
            elif isinstance(action, Disconnect):
                self.event(f"Disconnecting: {action.reason}")
                if connection is not None and not connection.closing:
                    connection.closing = True
                    connection.close_reason = action.reason
                    connection.queue(_CLOSE)
            elif isinstance(action, Event):
                self.event(action.text)
        if connection is not None and connection.queued > mark:
            self._journal.after_durable(partial(connection.release, connection.queued))
        return resends

    def _deliver(self, message: FixMessage) -> None:
        try:
            self._application.on_message(self, message)
        except Exception as exc:  # an application bug must not take the session down
            logger.exception("%s: application failed on %r", self.session_id, message)
            self.event(f"Application error on MsgSeqNum {message.text(34)}: {exc!r}")

    def _call(self, callback: Callable[[SessionHandle], None]) -> None:
        try:
            callback(self)
        except Exception as exc:
            logger.exception("%s: application callback failed", self.session_id)
            self.event(f"Application error: {exc!r}")

    def on_logout(self) -> None:
        self._call(self._application.on_logout)
