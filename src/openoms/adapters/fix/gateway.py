"""The FIX gateway: the only FIX code with sockets and timers.

It listens for acceptor sessions (one socket; each connection is given to the configured
session its Logon names, unknown ones are dropped), connects initiator sessions out with
exponential back-off, reads each connection into a ``FixParser``, feeds the messages to the
session's pure state machine and carries out what it answers (``gateway_link``). A timer ticks
every connected session once a second and logs out, the way an operator's logout does, any
whose schedule window has closed; neither side connects a session outside its window (the
wall clock schedules are read from is ``clock``, for tests). Bad input from one connection is
logged and ends at most that connection; a flooding session stops being read while too many of
its messages wait for the journal, so the others keep being served.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openoms.adapters.fix.application import Application, SessionHandle
from openoms.adapters.fix.codec import FixMessage, FixParser, Garbled
from openoms.adapters.fix.config import Role, SessionConfig
from openoms.adapters.fix.gateway_link import Connection, SessionLink
from openoms.adapters.fix.journal import FixJournal
from openoms.adapters.fix.message_log import MessageLog
from openoms.adapters.fix.session_base import LOGOUT_TIMEOUT
from openoms.adapters.fix.session_states import SessionState
from openoms.core.errors import NotFound

logger = logging.getLogger(__name__)
TICK = 1.0  # seconds between timer ticks
READ_SIZE = 1 << 16
SCHEDULE_CLOSED = "session schedule closed"  # Text (58) of the Logout sent when the window ends


def _utc_now() -> datetime:
    return datetime.now(UTC)


class FixGateway:
    """Every configured FIX session of this process, over TCP."""

    def __init__(self, configs: Sequence[SessionConfig], journal: FixJournal,
                 application: Application, *, log_dir: Path | None,
                 wait_for_room: Callable[[], Awaitable[None]] | None = None,
                 clock: Callable[[], datetime] = _utc_now) -> None:
        self._journal = journal
        self._clock = clock  # the aware wall-clock time schedules are checked against
        self._log = MessageLog(log_dir)
        self._wait_for_room = wait_for_room
        self._links: dict[str, SessionLink] = {}
        for config in configs:
            config.validate_config()
            if config.session_id in self._links:
                raise ValueError(f"FIX session {config.session_id} is configured twice")
            self._links[config.session_id] = SessionLink(config, journal, application, self._log)
        acceptors = [c for c in configs if c.role is Role.ACCEPTOR] or list(configs)
        self._logon_timeout = max((c.logon_timeout for c in acceptors), default=10.0)
        self._max_size = max((c.max_message_size for c in acceptors), default=1 << 20)
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._started = False
        self._stopping = False

    # ----------------------------------------------------------------- public API

    async def start(self) -> None:
        """Start the timer and connect the initiator sessions (once)."""
        if self._started:
            return
        self._started = True
        self._spawn(self._timer())
        for link in self._links.values():
            if link.config.role is Role.INITIATOR:
                self._spawn(self._initiate(link))

    async def start_acceptor(self, host: str, port: int) -> int:
        """Listen for acceptor sessions on host:port; return the port (useful with port 0)."""
        await self.start()
        server = await asyncio.start_server(self._accept, host, port)
        self._servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    def handle(self, session_id: str) -> SessionHandle:
        """Return the handle of a configured session (valid for the gateway's life).

        Raises:
            NotFound: no such session is configured.
        """
        return self._link(session_id)

    def status(self) -> list[dict[str, Any]]:
        """Describe every session for operators."""
        rows: list[dict[str, Any]] = []
        for link in self._links.values():
            session, connection = link.session, link.connection
            rows.append({
                "session_id": link.session_id, "role": link.config.role.value,
                "state": session.state.value, "logged_on": session.logged_on,
                "next_in": session.numbers.next_in, "next_out": session.numbers.next_out,
                "epoch": session.numbers.epoch,
                "peer": connection.peer if connection else None,
                "connected_since": connection.connected_since.isoformat() if connection
                else None,
            })
        return rows

    async def reset(self, session_id: str) -> None:
        """Reset a session's numbers to 1 in a new epoch.

        Raises:
            NotFound: no such session.
            InvalidTransition: the session is connected (log it out first).
        """
        link = self._link(session_id)
        link.execute(link.session.reset_numbers())

    async def logout(self, session_id: str, text: str) -> None:
        """Log a session out politely and wait (a few seconds at most) for the disconnect."""
        connection = self._log_out(self._link(session_id), text, time.time())
        if connection is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(connection.closed.wait(), LOGOUT_TIMEOUT + TICK + 1)

    async def stop(self) -> None:
        """Log out every logged-on session, then close every connection and task."""
        self._stopping = True
        for server in self._servers:
            server.close()
        now = time.time()
        waiting = []
        for link in self._links.values():
            connection = self._log_out(link, "Gateway shutting down", now)
            if connection is not None:
                waiting.append(connection.closed.wait())
        if waiting:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*waiting), LOGOUT_TIMEOUT + TICK + 1)
        for link in self._links.values():
            if link.connection is not None:
                link.connection.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()
        self._log.close()

    # ----------------------------------------------------------------- tasks

    def _link(self, session_id: str) -> SessionLink:
        try:
            return self._links[session_id]
        except KeyError:
            raise NotFound(f"no FIX session {session_id!r}", field="session_id") from None

    @staticmethod
    def _log_out(link: SessionLink, text: str, now: float) -> Connection | None:
        """Send Logout with text; return the connection its answer (or a timeout) closes.

        Before the Logon exchange completes the connection is just closed; a session already
        waiting for the answer to its Logout is left to it.
        """
        connection = link.connection
        link.execute(link.session.logout(text, now))
        return connection

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _timer(self) -> None:
        while True:
            await asyncio.sleep(TICK)
            now, wall = time.time(), self._clock()
            for link in self._links.values():
                if link.connection is not None and link.session.connected:
                    try:
                        self._check_schedule(link, wall, now)
                        link.execute(link.session.tick(now))
                    except Exception:
                        logger.exception("%s: timer tick failed", link.session_id)
            self._log.flush()

    def _check_schedule(self, link: SessionLink, wall: datetime, now: float) -> None:
        """Log a connected session out once its schedule window has closed (once)."""
        connection = link.connection
        if (link.config.schedule.is_open(wall) or connection is None or connection.closing
                or link.session.state is SessionState.LOGOUT_SENT):
            return
        link.event(f"Schedule window closed at {wall.isoformat(timespec='seconds')}: "
                   "logging out")
        self._log_out(link, SCHEDULE_CLOSED, now)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        connection = Connection(reader, writer)
        try:
            if self._stopping:
                return
            parser = FixParser(self._max_size)
            try:
                first = await asyncio.wait_for(self._first(connection, parser),
                                               self._logon_timeout)
            except TimeoutError:
                logger.info("FIX connection from %s sent no Logon in time", connection.peer)
                return
            link = self._dispatch(first, connection)
            if link is not None and isinstance(first, FixMessage):
                await self._run(link, connection, parser, first)
        except Exception:
            logger.exception("FIX connection from %s failed", connection.peer)
        finally:
            await self._close(connection)
            if task is not None:
                self._tasks.discard(task)

    async def _first(self, connection: Connection,
                     parser: FixParser) -> FixMessage | Garbled | None:
        """Read until the first message (or garbled input) of a new connection."""
        while True:
            for item in parser:
                return item
            data = await connection.reader.read(READ_SIZE)
            if not data:
                return None
            parser.feed(data)

    def _dispatch(self, first: FixMessage | Garbled | None,
                  connection: Connection) -> SessionLink | None:
        """Find the configured acceptor session a new connection's Logon names."""
        if not isinstance(first, FixMessage):
            logger.info("FIX connection from %s: no readable Logon (%s)", connection.peer,
                        first.reason if first else "closed")
            return None
        session_id = f"{first.begin_string}:{first.text(56)}->{first.text(49)}"
        link = self._links.get(session_id)
        if link is None or link.config.role is not Role.ACCEPTOR:
            logger.info("FIX connection from %s: unknown session %s", connection.peer, session_id)
            return None
        allowed = link.config.allowed_addresses
        host = connection.peer.rsplit(":", 1)[0]
        if allowed and host not in allowed:
            link.event(f"Connection from {connection.peer} refused: address not allowed")
            return None
        if link.connection is not None:
            link.event(f"Connection from {connection.peer} refused: session already connected")
            return None
        if not link.config.schedule.is_open(self._clock()):
            link.event(f"Connection from {connection.peer} refused: outside the schedule")
            return None
        return link

    async def _initiate(self, link: SessionLink) -> None:
        """Keep an initiator session connected, backing off exponentially between tries."""
        config = link.config
        delay = config.reconnect_min
        while not self._stopping:
            if config.schedule.is_open(self._clock()):
                try:
                    reader, writer = await asyncio.open_connection(config.host, config.port)
                except OSError as exc:
                    link.event(f"Connecting to {config.host}:{config.port} failed: {exc}")
                else:
                    connection = Connection(reader, writer)
                    try:
                        await self._run(link, connection, FixParser(config.max_message_size))
                    except Exception:
                        logger.exception("%s: connection failed", link.session_id)
                    finally:
                        await self._close(connection)
                    if connection.logged_on_once:
                        delay = config.reconnect_min
            await asyncio.sleep(delay)
            delay = min(delay * 2, config.reconnect_max)

    async def _close(self, connection: Connection) -> None:
        if connection.closing and not connection.closed.is_set():
            # The Logout (or other last words) is written once durable; wait for it briefly.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(connection.closed.wait(), LOGOUT_TIMEOUT)
        connection.close()
        with contextlib.suppress(Exception):
            await connection.writer.wait_closed()

    # ----------------------------------------------------------------- one connection

    async def _run(self, link: SessionLink, connection: Connection, parser: FixParser,
                   first: FixMessage | None = None) -> None:
        """Serve one connection of link until it closes."""
        link.connection = connection
        session = link.session
        link.execute(session.connect(time.time()))
        try:
            if first is not None:
                await self._handle(link, first)
            await self._drain(link, connection, parser)
            while not connection.closing:
                while link.inflight > link.config.max_inflight:
                    link.room.clear()
                    await link.room.wait()
                if self._wait_for_room is not None:
                    await self._wait_for_room()
                data = await connection.reader.read(READ_SIZE)
                if not data:
                    break
                parser.feed(data)
                await self._drain(link, connection, parser)
                if not connection.closing:
                    await connection.writer.drain()
        except (ConnectionError, OSError) as exc:
            connection.close_reason = f"connection error: {exc}"
        finally:
            link.connection = None
            link.execute(session.disconnected(connection.close_reason))
            if connection.logged_on_once:
                link.on_logout()

    async def _drain(self, link: SessionLink, connection: Connection,
                     parser: FixParser) -> None:
        received = 0
        for item in parser:
            if connection.closing:
                break
            if isinstance(item, Garbled):
                self._log.message(link.session_id, "bad", item.data[:512])
                link.execute(link.session.garbled(item, time.time()))
            else:
                received += 1
                await self._handle(link, item)
        if received:
            link.inflight += received
            self._journal.after_durable(lambda: link.landed(received))

    async def _handle(self, link: SessionLink, message: FixMessage) -> None:
        """Feed one message to the session, then its queued successors; answer resends."""
        self._log.message(link.session_id, "in", message.raw)
        session = link.session
        resends = link.execute(session.receive(message, time.time()))
        while (actions := session.next_queued(time.time())) is not None:
            resends += link.execute(actions)
        for resend in resends:
            stored = await self._journal.stored(link.session_id, resend.epoch, resend.begin,
                                                resend.end)
            link.execute(session.resend(resend.begin, resend.end, stored, time.time()))
