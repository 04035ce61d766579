"""The FIX gateway over real TCP: bad input never crashes it nor touches another session.

A gateway with two acceptor sessions (CLIENT1, CLIENT2) takes garbage, bad checksums, wrong
body lengths, unknown CompIDs, messages before Logon, a 1 MB message, a silent connection and
a flood on one session while the other keeps getting prompt answers. An initiator gateway
connects to another gateway's acceptor, reconnects after the acceptor restarts and recovers
what it sent meanwhile by resend (43=Y). When a session's schedule window closes (on a wall
clock the test moves) the gateway logs it out, and neither side connects until the next window.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path

import pytest

from openoms.adapters.fix.application import SessionHandle
from openoms.adapters.fix.codec import FixMessage, FixParser, Value, encode
from openoms.adapters.fix.config import Role, Schedule, SessionConfig
from openoms.adapters.fix.gateway import FixGateway
from openoms.adapters.fix.journal import MemoryJournal

HOST = "127.0.0.1"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H:%M:%S.%f")[:-3]


class Recorder:
    """An application that keeps what it got and echoes orders back."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, FixMessage]] = []
        self.logged_on: list[str] = []
        self.arrived = asyncio.Event()

    def on_logon(self, session: SessionHandle) -> None:
        self.logged_on.append(session.session_id)

    def on_logout(self, session: SessionHandle) -> None:
        pass

    def on_message(self, session: SessionHandle, message: FixMessage) -> None:
        self.messages.append((session.session_id, message))
        self.arrived.set()


class Client:
    """A bare FIX client: exactly the bytes we choose, nothing automatic."""

    def __init__(self, sender: str, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
        self.sender, self.reader, self.writer = sender, reader, writer
        self.parser = FixParser(4 << 20)
        self.items: list[FixMessage] = []
        self.seq = 1

    @classmethod
    async def open(cls, port: int, sender: str = "CLIENT1") -> Client:
        return cls(sender, *await asyncio.open_connection(HOST, port))

    def message(self, msg_type: str, body: Sequence[tuple[int, Value]] = (),
                seq: int | None = None, sender: str | None = None) -> bytes:
        number = self.seq if seq is None else seq
        if seq is None:
            self.seq += 1
        header: list[tuple[int, Value]] = [(34, number), (49, sender or self.sender),
                                           (52, _now()), (56, "OPENOMS")]
        return encode("FIX.4.4", msg_type, [*header, *body])

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def logon(self) -> FixMessage:
        await self.send(self.message("A", [(98, 0), (108, 30)]))
        reply = await self.next()
        assert reply is not None and reply.msg_type == "A"
        return reply

    async def next(self, timeout: float = 5.0) -> FixMessage | None:
        """Return the next message, or None once the gateway closed the connection."""
        async with asyncio.timeout(timeout):
            while not self.items:
                try:
                    data = await self.reader.read(1 << 16)
                except ConnectionError:
                    data = b""
                if not data:
                    return None
                self.parser.feed(data)
                self.items.extend(i for i in self.parser if isinstance(i, FixMessage))
        return self.items.pop(0)

    async def ping(self, text: str = "PING", timeout: float = 5.0) -> float:
        """Send a TestRequest and return how long the Heartbeat took."""
        started = time.monotonic()
        await self.send(self.message("1", [(112, text)]))
        while True:
            reply = await self.next(timeout)
            assert reply is not None, "the gateway closed the connection"
            if reply.msg_type == "0" and reply.get(112) == text.encode():
                return time.monotonic() - started

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()


def _acceptor(client: str, **changes: object) -> SessionConfig:
    settings: dict[str, object] = dict(begin_string="FIX.4.4", sender_comp_id="OPENOMS",
                                       target_comp_id=client, logon_timeout=0.5,
                                       max_message_size=256 * 1024, max_inflight=50)
    settings.update(changes)
    return SessionConfig(**settings)  # type: ignore[arg-type]


async def _gateway(tmp_path: Path) -> tuple[FixGateway, int, Recorder]:
    app = Recorder()
    gateway = FixGateway([_acceptor("CLIENT1"), _acceptor("CLIENT2")], MemoryJournal(), app,
                         log_dir=tmp_path / "fixlog")
    port = await gateway.start_acceptor(HOST, 0)
    return gateway, port, app


@contextlib.asynccontextmanager
async def two_sessions(tmp_path: Path) -> AsyncIterator[tuple[FixGateway, int, Client]]:
    """A gateway and a logged-on CLIENT2 that must stay unaffected."""
    gateway, port, _ = await _gateway(tmp_path)
    other = await Client.open(port, "CLIENT2")
    try:
        await other.logon()
        yield gateway, port, other
        assert await other.ping("STILL-THERE") < 1.0
        assert next(s for s in gateway.status() if s["session_id"].endswith("CLIENT2"))[
            "logged_on"]
    finally:
        await other.close()
        await gateway.stop()


async def _closed_by_gateway(client: Client, timeout: float = 3.0) -> bool:
    try:
        while (item := await client.next(timeout)) is not None:
            del item
        return True
    finally:
        await client.close()


def test_gateway_garbage_before_logon_closes_only_that_connection(tmp_path: Path) -> None:
    async def body() -> None:
        async with two_sessions(tmp_path) as (_, port, _other):
            intruder = await Client.open(port)
            await intruder.send(bytes(range(256)) * 64)
            assert await _closed_by_gateway(intruder)
    asyncio.run(body())


def test_gateway_garbage_after_logon_is_ignored(tmp_path: Path) -> None:
    async def body() -> None:
        async with two_sessions(tmp_path) as (_, port, _other):
            client = await Client.open(port)
            await client.logon()
            await client.send(b"\x00garbage\xff" * 1000 + b"8=FIX.4.4\x019=5\x01")
            assert await client.ping() < 1.0
            await client.close()
    asyncio.run(body())


def test_gateway_wrong_checksum_is_ignored_and_number_not_consumed(tmp_path: Path) -> None:
    async def body() -> None:
        async with two_sessions(tmp_path) as (_, port, _other):
            client = await Client.open(port)
            await client.logon()
            bad = client.message("1", [(112, "LOST")], seq=2)
            wrong = (int(bad[-4:-1]) + 1) % 256
            await client.send(bad[:-4] + b"%03d\x01" % wrong)
            assert await client.ping("FOUND") < 1.0  # the same MsgSeqNum 2 is still expected
            await client.close()
    asyncio.run(body())


def test_gateway_wrong_body_length_is_ignored(tmp_path: Path) -> None:
    async def body() -> None:
        async with two_sessions(tmp_path) as (_, port, _other):
            client = await Client.open(port)
            await client.logon()
            good = client.message("1", [(112, "LOST")], seq=2)
            length = int(good.split(b"\x01")[1][2:])
            await client.send(good.replace(b"\x019=%d\x01" % length,
                                           b"\x019=%d\x01" % (length - 5), 1))
            assert await client.ping("AGAIN") < 1.0
            await client.close()
    asyncio.run(body())


def test_gateway_unknown_comp_ids_are_disconnected(tmp_path: Path) -> None:
    async def body() -> None:
        async with two_sessions(tmp_path) as (_, port, _other):
            stranger = await Client.open(port, "NOBODY")
            await stranger.send(stranger.message("A", [(98, 0), (108, 30)]))
            assert await _closed_by_gateway(stranger)
    asyncio.run(body())


def test_gateway_message_before_logon_is_disconnected(tmp_path: Path) -> None:
    async def body() -> None:
        async with two_sessions(tmp_path) as (_, port, _other):
            client = await Client.open(port)
            await client.send(client.message("D", [(11, "X"), (21, 1), (55, "IBM"), (54, 1),
                                                   (60, _now()), (40, 1)]))
            assert await _closed_by_gateway(client)
    asyncio.run(body())


def test_gateway_one_megabyte_message_is_dropped_as_garbled(tmp_path: Path) -> None:
    async def body() -> None:
        async with two_sessions(tmp_path) as (_, port, _other):
            client = await Client.open(port)
            await client.logon()
            await client.send(client.message("1", [(112, "X" * 1_000_000)], seq=2))
            assert await client.ping("AFTER") < 2.0
            await client.close()
    asyncio.run(body())


def test_gateway_silent_connection_is_closed_after_logon_timeout(tmp_path: Path) -> None:
    async def body() -> None:
        async with two_sessions(tmp_path) as (_, port, _other):
            silent = await Client.open(port)
            started = time.monotonic()
            assert await _closed_by_gateway(silent, timeout=5.0)
            assert time.monotonic() - started < 3.0
    asyncio.run(body())


def test_gateway_flood_from_one_session_keeps_the_other_prompt(tmp_path: Path) -> None:
    async def body() -> None:
        rooms = 0

        async def wait_for_room() -> None:
            nonlocal rooms
            rooms += 1
            await asyncio.sleep(0)

        app = Recorder()
        gateway = FixGateway([_acceptor("CLIENT1"), _acceptor("CLIENT2")], MemoryJournal(),
                             app, log_dir=None, wait_for_room=wait_for_room)
        port = await gateway.start_acceptor(HOST, 0)
        flooder, other = await Client.open(port), await Client.open(port, "CLIENT2")
        try:
            await flooder.logon()
            await other.logon()
            flood = b"".join(flooder.message("0") for _ in range(20_000))

            async def pour() -> None:
                for start in range(0, len(flood), 1 << 16):
                    flooder.writer.write(flood[start:start + (1 << 16)])
                    await flooder.writer.drain()

            pouring = asyncio.create_task(pour())
            worst = max([await other.ping(f"P{i}") for i in range(20)])
            await pouring
            assert worst < 0.5
            assert await flooder.ping("DONE", timeout=20) < 20
            assert rooms > 0
        finally:
            await flooder.close()
            await other.close()
            await gateway.stop()
    asyncio.run(body())


def _free_port() -> int:
    import socket
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


async def _until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


def test_gateway_initiator_reconnects_and_recovers_gap_by_resend(tmp_path: Path) -> None:
    async def body() -> None:
        port = _free_port()
        venue_config = SessionConfig(begin_string="FIX.4.4", sender_comp_id="VENUE",
                                     target_comp_id="DESK")
        desk_config = SessionConfig(begin_string="FIX.4.4", sender_comp_id="DESK",
                                    target_comp_id="VENUE", role=Role.INITIATOR, host=HOST,
                                    port=port, reconnect_min=0.05, reconnect_max=0.4)
        venue_journal, venue_app = MemoryJournal(), Recorder()
        venue = FixGateway([venue_config], venue_journal, venue_app, log_dir=None)
        await venue.start_acceptor(HOST, port)
        desk = FixGateway([desk_config], MemoryJournal(), Recorder(), log_dir=tmp_path)
        await desk.start()
        restarted: FixGateway | None = None
        try:
            handle = desk.handle(desk_config.session_id)
            await _until(lambda: handle.logged_on)
            order = [(11, "A1"), (21, 1), (55, "IBM"), (54, 1), (60, _now()), (40, 1)]
            handle.send("D", order)
            await _until(lambda: len(venue_app.messages) == 1)
            await venue.stop()
            await _until(lambda: not handle.logged_on)
            handle.send("D", [(11, "A2"), *order[1:]])  # numbered and stored, not sent
            handle.send("D", [(11, "A3"), *order[1:]])
            await asyncio.sleep(0.5)  # a few failed connection attempts with back-off
            restarted_app = Recorder()
            restarted = FixGateway([venue_config], venue_journal, restarted_app, log_dir=None)
            await restarted.start_acceptor(HOST, port)
            await _until(lambda: len(restarted_app.messages) == 2)
            got = [message for _, message in restarted_app.messages]
            assert [m.get(11) for m in got] == [b"A2", b"A3"]
            assert all(m.get(43) == b"Y" and m.get(122) is not None for m in got)
        finally:
            await desk.stop()
            if restarted is not None:
                await restarted.stop()
        events = (tmp_path / "FIX.4.4_DESK-VENUE.events.log").read_text()
        assert "Connecting to" in events and "failed" in events
        assert "Logged on" in events
    asyncio.run(body())


class Wall:
    """A wall clock the test moves (schedules are checked against it, not the real time)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


MONDAY_BEFORE_CLOSE = datetime(2026, 11, 23, 16, 59, 59, tzinfo=UTC)
NINE_TO_FIVE = Schedule(start=dt_time(9, 0), end=dt_time(17, 0))


@pytest.mark.parametrize("answer", [True, False], ids=["answered", "unanswered"])
def test_gateway_schedule_close_logs_the_client_out_and_refuses_a_new_logon(
        tmp_path: Path, answer: bool) -> None:
    async def body() -> None:
        wall = Wall(MONDAY_BEFORE_CLOSE)
        gateway = FixGateway([_acceptor("CLIENT1", schedule=NINE_TO_FIVE)], MemoryJournal(),
                             Recorder(), log_dir=tmp_path, clock=wall)
        port = await gateway.start_acceptor(HOST, 0)
        client = await Client.open(port)
        late: Client | None = None
        try:
            await client.logon()
            await asyncio.sleep(1.2)  # a timer tick inside the window changes nothing
            assert gateway.status()[0]["logged_on"]
            wall.at += timedelta(seconds=1)  # 17:00:00, the window's end
            logout = await client.next(timeout=3.0)
            assert logout is not None and logout.msg_type == "5"
            assert logout.text(58) == "session schedule closed"
            started = time.monotonic()
            if answer:
                await client.send(client.message("5"))
            assert await client.next(timeout=5.0) is None  # the gateway closed
            assert (time.monotonic() - started < 1.0) is answer  # else after LOGOUT_TIMEOUT
            assert not gateway.status()[0]["logged_on"]
            late = await Client.open(port)
            await late.send(late.message("A", [(98, 0), (108, 30)]))
            assert await late.next() is None  # refused: outside the schedule
        finally:
            await client.close()
            if late is not None:
                await late.close()
            await gateway.stop()
        events = (tmp_path / "FIX.4.4_OPENOMS-CLIENT1.events.log").read_text()
        assert "Schedule window closed" in events
        assert "Logout sent: session schedule closed" in events
        assert ("Logout confirmed" if answer else "no answer to our Logout") in events
        assert "refused: outside the schedule" in events
    asyncio.run(body())


def test_gateway_initiator_logs_out_at_schedule_close_and_waits_for_the_next_window(
        tmp_path: Path) -> None:
    async def body() -> None:
        port = _free_port()
        venue_config = SessionConfig(begin_string="FIX.4.4", sender_comp_id="VENUE",
                                     target_comp_id="DESK")
        desk_config = SessionConfig(begin_string="FIX.4.4", sender_comp_id="DESK",
                                    target_comp_id="VENUE", role=Role.INITIATOR, host=HOST,
                                    port=port, reconnect_min=0.05, reconnect_max=0.2,
                                    schedule=NINE_TO_FIVE)
        venue_app, wall = Recorder(), Wall(MONDAY_BEFORE_CLOSE)
        venue = FixGateway([venue_config], MemoryJournal(), venue_app, log_dir=None)
        await venue.start_acceptor(HOST, port)
        desk = FixGateway([desk_config], MemoryJournal(), Recorder(), log_dir=tmp_path,
                          clock=wall)
        await desk.start()
        try:
            handle = desk.handle(desk_config.session_id)
            await _until(lambda: handle.logged_on)
            wall.at += timedelta(seconds=1)
            await _until(lambda: not handle.logged_on and not venue.status()[0]["logged_on"],
                         timeout=5.0)
            await asyncio.sleep(1.0)  # many back-off periods: no connection is attempted
            assert venue_app.logged_on == [venue_config.session_id]
            assert not handle.logged_on
            wall.at += timedelta(hours=16)  # Tuesday 09:00:00: the next window opens
            await _until(lambda: handle.logged_on and len(venue_app.logged_on) == 2)
        finally:
            await desk.stop()
            await venue.stop()
        events = (tmp_path / "FIX.4.4_DESK-VENUE.events.log").read_text()
        assert "Logout sent: session schedule closed" in events
        assert "Logout confirmed" in events
    asyncio.run(body())
