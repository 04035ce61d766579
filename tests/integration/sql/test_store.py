"""The journal store on SQLite and PostgreSQL: exact round trips, snapshot + tail recovery,
one writer per database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest

from openoms.adapters.sql.database import writer_lock
from openoms.adapters.sql.store import SqlStore
from openoms.core.clock import ManualClock
from openoms.core.engine import Batch, Engine
from openoms.core.errors import ConcurrencyConflict, StorageError
from openoms.core.events import Context
from openoms.demo import demo_commands
from openoms.models import registry
from openoms.trading.domain import commands as cmd
from openoms.trading.domain.model import Handling, OrdType, Side, Source, TimeInForce
from openoms.trading.module import TradingModel

CTX = Context(actor="tester", source="api", role="trader")
START = datetime(2026, 11, 23, 14, 30, 15, 123456, tzinfo=UTC)


async def _drive(store: SqlStore, model: TradingModel, clock: ManualClock) -> Engine:
    """Seed the desk and work a few orders through the engine into store."""
    engine = Engine([model], store, clock)
    engine.start()
    for command in demo_commands():
        await engine.execute(command, CTX)
    staged = await engine.execute(cmd.SubmitTicket(
        account_id="ACME", symbol="AAPL", side=Side.BUY, qty=D("150"), ord_type=OrdType.LIMIT,
        limit_px=D("190.05"), cl_ord_id="A-1", text="call back at 3pm"), CTX)
    order_id = staged[0].event.order_id  # type: ignore[attr-defined]
    await engine.execute(cmd.AcceptTicket(order_id=order_id), CTX)
    routed = await engine.execute(cmd.RouteChild(order_id=order_id, venue_id="SIM",
                                                 qty=D(100)), CTX)
    child_id = routed[0].event.child_id  # type: ignore[attr-defined]
    for report in (cmd.ApplyVenueReport(child_id=child_id, kind="ack"),
                   cmd.ApplyVenueReport(child_id=child_id, kind="fill", last_qty=D("33"),
                                        last_px=D("190.0123"), venue_exec_id="X1")):
        clock.advance(seconds=1)
        await engine.execute(report, CTX)
    await engine.execute(cmd.SubmitTicket(
        account_id="GLOBEX", symbol="MSFT", side=Side.SELL_SHORT, qty=D(10),
        ord_type=OrdType.LIMIT, limit_px=D("420.00"), tif=TimeInForce.GTD,
        expire_at=START + timedelta(days=3), source=Source.API, handling=Handling.STAGED), CTX)
    await engine.execute(cmd.RequestCancel(order_id=order_id, cl_ord_id="A-2"), CTX)
    return engine


def test_store_restart_rebuilds_exactly_the_same_state(db_url: str) -> None:
    async def scenario() -> None:
        store = SqlStore(db_url, registry())
        model = TradingModel()
        engine = await _drive(store, model, ManualClock(START))
        await engine.stop()
        store.close()

        again = SqlStore(db_url, registry())
        snapshot = again.load()
        restored = TradingModel()
        restored.restore(snapshot.tables, snapshot.versions)
        assert snapshot.tail == []  # read models were written with the journal
        assert restored.state == model.state
        ticket = restored.state.tickets["T1"]
        assert ticket.avg_px == D("190.0123") and ticket.cum_qty == 33
        assert ticket.pending is not None and ticket.pending.cl_ord_id == "A-2"
        assert restored.state.tickets["T2"].terms.expire_at == START + timedelta(days=3)
        assert snapshot.last_position == engine.durable_position
        again.close()

    asyncio.run(scenario())


def test_store_replaying_the_journal_tail_gives_the_same_state(db_url: str) -> None:
    async def scenario() -> None:
        store = SqlStore(db_url, registry())
        model = TradingModel()
        engine = await _drive(store, model, ManualClock(START))
        await engine.stop()
        store.rebuild_read_models()  # read models gone: everything is tail now
        snapshot = store.load()
        assert snapshot.checkpoint == 0 and len(snapshot.tail) == engine.durable_position
        replayed = TradingModel()
        replayed.restore(snapshot.tables, snapshot.versions)
        for recorded in snapshot.tail:
            replayed.apply(recorded)
        assert replayed.state == model.state
        history = store.read_journal(stream_id="order:T1")
        assert [type(r.event).__name__ for r in history][:3] == [
            "TicketStaged", "TicketAccepted", "ChildRouted"]
        assert history[0].actor == "tester" and history[0].recorded_time == START
        store.close()

    asyncio.run(scenario())


def test_store_second_writer_of_a_stream_version_is_refused(db_url: str) -> None:
    async def scenario() -> None:
        store = SqlStore(db_url, registry())
        engine = await _drive(store, TradingModel(), ManualClock(START))
        await engine.stop()
        first = store.read_journal(limit=1)[0]
        clash = Batch(records=[first.__class__(**{**{f: getattr(first, f) for f in (
            "stream_id", "version", "event", "actor", "source", "event_time",
            "recorded_time")}, "position": 10_000})], upserts={}, inserts={}, checkpoint=10_000)
        with pytest.raises(ConcurrencyConflict):
            store.write(clash)
        assert store.load().last_position == engine.durable_position  # nothing half-written
        store.close()

    asyncio.run(scenario())


def test_store_tokens_are_hashed_and_revocable(db_url: str) -> None:
    store = SqlStore(db_url, registry())
    token = store.create_token("alice", "trader")
    info = store.find_token(token)
    assert info is not None and (info.name, info.role) == ("alice", "trader")
    assert store.find_token(token + "x") is None
    assert store.revoke_token(info.token_id)
    assert store.find_token(token) is None and store.list_tokens() == []
    store.close()


def test_writer_lock_lets_only_one_process_write(db_url: str, tmp_path: Path) -> None:
    with (writer_lock(db_url, tmp_path),
          pytest.raises(StorageError, match="another OpenOMS"),
          writer_lock(db_url, tmp_path)):
        pass
    with writer_lock(db_url, tmp_path):  # released, so it can be taken again
        pass


def test_engine_brings_read_models_up_to_date_when_quiet(db_url: str) -> None:
    async def scenario() -> None:
        store = SqlStore(db_url, registry())
        model = TradingModel()
        engine = await _drive(store, model, ManualClock(START))
        await asyncio.sleep(0.3)  # longer than the projection interval, nothing else sent
        snapshot = store.load()
        assert snapshot.tail == [] and snapshot.checkpoint == engine.durable_position
        restored = TradingModel()
        restored.restore(snapshot.tables, snapshot.versions)
        assert restored.state == model.state
        await engine.stop()
        store.close()

    asyncio.run(scenario())
