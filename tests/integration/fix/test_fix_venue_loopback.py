"""The desk routes to a venue over real FIX on loopback: a real engine on SQLite, the desk's
initiator ``FixGateway`` with ``FixVenueGateway``, and an acceptor ``FixGateway`` running
``SimulatedFixVenue`` behind a TCP proxy the test can cut."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

from openoms.adapters.fix.codec import FixMessage, FixParser, Value, encode
from openoms.adapters.fix.config import Role, SessionConfig
from openoms.adapters.fix.gateway import FixGateway
from openoms.adapters.fix.journal import MemoryJournal
from openoms.adapters.fix.simvenue import SimulatedFixVenue
from openoms.adapters.fix.store import EngineJournal
from openoms.adapters.fix.venue import FixVenueGateway
from openoms.adapters.sql.migrations import upgrade
from openoms.adapters.sql.store import SqlStore
from openoms.core.clock import SystemClock
from openoms.core.engine import Engine
from openoms.core.events import Context
from openoms.demo import demo_commands
from openoms.models import registry
from openoms.trading.domain import commands as cmd
from openoms.trading.domain.model import (
    ChildOrder,
    Instrument,
    OrderStatus,
    OrdType,
    Side,
    VenueKind,
)
from openoms.trading.module import TradingModel
from openoms.venues.router import VenueRouter
from openoms.venues.simulated.book import Side as BookSide

CTX = Context(actor="alice", source="api", role="trader")
DESK = SessionConfig(begin_string="FIX.4.4", sender_comp_id="OPENOMS", target_comp_id="BROKER",
                     role=Role.INITIATOR, venue_id="XFIX", host="127.0.0.1", port=1,
                     reconnect_min=0.2, reconnect_max=0.8, heartbeat_interval=5)
VENUE = SessionConfig(begin_string="FIX.4.4", sender_comp_id="BROKER", target_comp_id="OPENOMS",
                      role=Role.ACCEPTOR)
STREET = SessionConfig(begin_string="FIX.4.4", sender_comp_id="BROKER", target_comp_id="STREET",
                       role=Role.ACCEPTOR)  # another member; the test speaks for it directly


class Proxy:
    """A TCP relay between the desk and the venue: it can cut every connection and refuse
    new ones for a while, and notes when the desk tries to connect."""

    def __init__(self, target_port: int) -> None:
        self._target = target_port
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.up = True
        self.attempts: list[float] = []

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.attempts.append(time.monotonic())
        if not self.up:
            writer.close()
            await writer.wait_closed()
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._target)
        self._writers += [writer, up_writer]
        pumps = [asyncio.ensure_future(self._pump(reader, up_writer)),
                 asyncio.ensure_future(self._pump(up_reader, writer))]
        self._tasks.update(pumps)
        await asyncio.gather(*pumps, return_exceptions=True)
        self._tasks.difference_update(pumps)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    def cut(self) -> None:
        """Drop every connection at once, as a network failure would."""
        self.up = False
        for writer in self._writers:
            writer.transport.abort()
        self._writers.clear()

    async def stop(self) -> None:
        self.cut()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


class Rig:
    """The venue side (kept for the whole test) and the desk (which can restart)."""

    def __init__(self, tmp_path: Path, venue: SimulatedFixVenue, venue_fix: FixGateway,
                 proxy: Proxy) -> None:
        self.url = f"sqlite:///{tmp_path / 'openoms.db'}"
        self.log_dir = tmp_path / "desk"
        self.venue, self.venue_fix, self.proxy = venue, venue_fix, proxy
        self.desk_config = DESK

    async def start_desk(self, *, seed: bool = False) -> None:
        """Recover the desk from its database and connect it to the venue."""
        self.store = store = SqlStore(self.url, registry())
        snapshot = store.load()
        self.model = TradingModel()
        self.model.restore(snapshot.tables, snapshot.versions)
        for recorded in snapshot.tail:
            self.model.apply(recorded)
        clock = SystemClock()
        self.engine = Engine([self.model], store, clock, position=snapshot.last_position,
                             replayed=snapshot.tail)
        self.engine.start()
        for command in [*demo_commands(), cmd.DefineVenue(
                venue_id="XFIX", name="Broker", kind=VenueKind.FIX)] if seed else []:
            await self.engine.execute(command, CTX)
        router = VenueRouter(self.engine, self.model.state)
        self.gateway = FixVenueGateway(self.model.state, router.report, clock=clock,
                                       history=lambda s: store.read_journal(stream_id=s))
        router.register(VenueKind.FIX, self.gateway)
        self.engine.subscribe(router)
        router.recover()
        self.desk_fix = FixGateway([self.desk_config], EngineJournal(self.engine, store),
                                   self.gateway, log_dir=self.log_dir)
        self.gateway.attach(self.desk_fix.handle(self.desk_config.session_id))
        await self.desk_fix.start()

    async def stop_desk(self) -> None:
        await self.desk_fix.stop()
        await self.engine.stop()
        self.store.close()

    def child(self, child_id: str) -> ChildOrder:
        ticket = self.model.state.ticket_of_child(child_id)
        assert ticket is not None
        return ticket.children[child_id]

    async def until(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "timed out"
            await asyncio.sleep(0.02)

    async def ticket(self, qty: str, px: str) -> str:
        records = await self.engine.execute(cmd.SubmitTicket(
            account_id="ACME", symbol="AAPL", side=Side.BUY, qty=D(qty),
            ord_type=OrdType.LIMIT, limit_px=D(px)), CTX)
        order_id: str = records[0].event.order_id  # type: ignore[attr-defined]
        await self.engine.execute(cmd.AcceptTicket(order_id=order_id), CTX)
        return order_id

    async def route(self, order_id: str, qty: str, px: str) -> str:
        records = await self.engine.execute(cmd.RouteChild(
            order_id=order_id, venue_id="XFIX", qty=D(qty), limit_px=D(px)), CTX)
        child_id: str = records[0].event.child_id  # type: ignore[attr-defined]
        return child_id

    def street_sells(self, cl_ord_id: str, qty: str, px: str) -> None:
        """Another member sells on the venue (its reports wait in its session's store)."""
        body: list[tuple[int, Value]] = [
            (49, "STREET"), (56, "BROKER"), (34, 1), (52, "20261123-15:00:00.000"),
            (11, cl_ord_id), (21, "1"), (55, "AAPL"), (54, "2"), (60, "20261123-15:00:00.000"),
            (38, qty), (40, "2"), (44, px), (59, "0")]
        parser = FixParser()
        parser.feed(encode("FIX.4.4", "D", body))
        (message,) = list(parser)
        assert isinstance(message, FixMessage)
        self.venue.on_message(self.venue_fix.handle(STREET.session_id), message)


@asynccontextmanager
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    aapl = Instrument(symbol="AAPL", name="Apple", currency="USD", tick_size=D("0.01"),
                      lot_size=D(1), reference_price=D("190.00"))
    venue = SimulatedFixVenue(SystemClock(), instruments=[aapl], seed_levels=2, seed_qty=100,
                              replenish=False)
    venue_fix = FixGateway([VENUE, STREET], MemoryJournal(), venue, log_dir=tmp_path / "venue")
    proxy = Proxy(await venue_fix.start_acceptor("127.0.0.1", 0))
    result = Rig(tmp_path, venue, venue_fix, proxy)
    result.desk_config = replace(DESK, port=await proxy.start())
    upgrade(result.url)
    try:
        await result.start_desk(seed=True)
        await result.until(lambda: result.gateway.is_connected("XFIX"))
        yield result
    finally:
        await result.stop_desk()
        await proxy.stop()
        await venue_fix.stop()


def test_fix_venue_child_is_acked_and_filled_over_loopback(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with rig(tmp_path) as r:
            order = await r.ticket("300", "191.00")
            child = await r.route(order, "150", "190.02")  # 100 @ 190.01, 50 @ 190.02
            await r.until(lambda: r.child(child).status is OrderStatus.FILLED)
            ticket = r.model.state.tickets[order]
            assert ticket.cum_qty == 150
            assert ticket.notional == D(100) * D("190.01") + D(50) * D("190.02")
            assert len({x.venue_exec_id for x in ticket.executions}) == 2

    asyncio.run(scenario())


def test_fix_venue_child_is_replaced_and_canceled_over_loopback(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with rig(tmp_path) as r:
            order = await r.ticket("300", "191.00")
            child = await r.route(order, "100", "189.00")
            await r.until(lambda: r.child(child).status is OrderStatus.NEW)
            await r.engine.execute(cmd.ReplaceChild(order_id=order, child_id=child,
                                                    qty=D(120), limit_px=D("189.50")), CTX)
            await r.until(lambda: r.child(child).qty == 120
                          and r.child(child).status is OrderStatus.NEW)
            await r.engine.execute(cmd.CancelChild(order_id=order, child_id=child), CTX)
            await r.until(lambda: r.child(child).status is OrderStatus.CANCELED)
            assert r.venue.book("AAPL").depth(BookSide.BUY, 5)[0] == (D("189.99"), D(100))

    asyncio.run(scenario())


def test_fix_venue_link_cut_reconnects_with_backoff_and_resends_without_double_fill(
        tmp_path: Path) -> None:
    async def scenario() -> None:
        async with rig(tmp_path) as r:
            order = await r.ticket("300", "191.00")
            child = await r.route(order, "200", "190.00")  # the best bid, behind 190.01 asks
            await r.until(lambda: r.child(child).status is OrderStatus.NEW)
            r.proxy.cut()
            await r.until(lambda: not r.gateway.is_connected("XFIX"))
            r.street_sells("S1", "80", "190.00")  # trades with the desk's child while cut
            r.street_sells("S2", "20", "190.00")
            late = await r.route(order, "10", "190.00")
            assert r.child(late).status is OrderStatus.REJECTED  # not connected: at once
            await asyncio.sleep(1.2)  # the desk retries 0.2, 0.4, 0.8 s apart
            tries = r.proxy.attempts[1:]
            gaps = [b - a for a, b in zip(tries, tries[1:], strict=False)]
            assert len(tries) >= 2 and all(g >= 0.15 for g in gaps) and gaps == sorted(gaps)
            r.proxy.up = True
            await r.until(lambda: r.child(child).cum_qty == 100)  # delivered by resend
            await asyncio.sleep(0.5)
            next_in = r.desk_fix.status()[0]["next_in"]
            ticket = r.model.state.tickets[order]
            assert r.child(child).status is OrderStatus.PARTIALLY_FILLED
            assert [x.qty for x in ticket.executions] == [D(80), D(20)]
            # The venue reports the first fill again (its failover, say): dropped by ExecID.
            first = ticket.executions[0]
            r.venue_fix.handle(VENUE.session_id).send("8", [
                (37, "O1"), (11, child), (32, first.qty), (31, first.px),
                (17, first.venue_exec_id), (150, "F"), (39, "1"), (55, "AAPL"), (54, "1"),
                (38, 200), (151, 20), (14, 180), (6, first.px)])
            await r.until(lambda: r.desk_fix.status()[0]["next_in"] > next_in)
            await asyncio.sleep(0.2)
            assert r.child(child).cum_qty == 100 and len(ticket.executions) == 2

    asyncio.run(scenario())


def test_fix_venue_cancel_held_across_a_desk_restart_is_sent_after_recovery(
        tmp_path: Path) -> None:
    async def scenario() -> None:
        async with rig(tmp_path) as r:
            order = await r.ticket("300", "191.00")
            child = await r.route(order, "100", "189.00")
            await r.until(lambda: r.child(child).status is OrderStatus.NEW)
            r.proxy.cut()
            await r.until(lambda: not r.gateway.is_connected("XFIX"))
            await r.engine.execute(cmd.CancelChild(order_id=order, child_id=child), CTX)
            assert r.child(child).status is OrderStatus.PENDING_CANCEL  # held, not sent
            await r.stop_desk()
            r.proxy.up = True
            await r.start_desk()  # a new process: recover() from the journal, then logon
            await r.until(lambda: r.child(child).status is OrderStatus.CANCELED)
            assert r.venue.book("AAPL").depth(BookSide.BUY, 5)[-1] == (D("189.98"), D(100))

    asyncio.run(scenario())
