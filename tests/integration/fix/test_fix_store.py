"""FIX sessions' numbers and sent messages ride the engine's group commit, on both backends."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from openoms.adapters.fix.journal import SessionNumbers, StoredMessage
from openoms.adapters.fix.store import EngineJournal
from openoms.adapters.sql.store import SqlStore
from openoms.core.clock import ManualClock
from openoms.core.engine import Engine
from openoms.core.events import Context
from openoms.demo import demo_commands
from openoms.models import registry
from openoms.trading.module import TradingModel

SID = "FIX.4.4:OPENOMS->CLIENT1"
CTX = Context(actor="tester", source="api")


async def _engine(db_url: str) -> tuple[SqlStore, Engine, EngineJournal]:
    store = SqlStore(db_url, registry())
    engine = Engine([TradingModel()], store, ManualClock(datetime(2026, 11, 23, tzinfo=UTC)))
    engine.start()
    return store, engine, EngineJournal(engine, store)


def test_fix_journal_numbers_and_messages_survive_a_restart(db_url: str) -> None:
    async def scenario() -> None:
        store, engine, journal = await _engine(db_url)
        assert journal.numbers(SID) == SessionNumbers()
        journal.record(SID, SessionNumbers(next_in=3, next_out=4, epoch=1),
                       [StoredMessage(2, "8", b"8=FIX.4.4\x01...2"),
                        StoredMessage(3, "8", b"8=FIX.4.4\x01...3")])
        written = asyncio.Event()
        journal.after_durable(written.set)
        await asyncio.wait_for(written.wait(), 5)
        await engine.stop()
        store.close()

        store, engine, journal = await _engine(db_url)
        assert journal.numbers(SID) == SessionNumbers(next_in=3, next_out=4, epoch=1)
        stored = await journal.stored(SID, 1, 3, 10)
        assert stored == [StoredMessage(3, "8", b"8=FIX.4.4\x01...3")]
        await engine.stop()
        store.close()

    asyncio.run(scenario())


def test_fix_journal_after_a_reset_old_epoch_messages_are_never_returned(db_url: str) -> None:
    async def scenario() -> None:
        store, engine, journal = await _engine(db_url)
        journal.record(SID, SessionNumbers(next_in=2, next_out=3, epoch=1),
                       [StoredMessage(2, "8", b"old")])
        journal.record(SID, SessionNumbers(next_in=1, next_out=3, epoch=2),
                       [StoredMessage(2, "8", b"new")])
        assert await journal.stored(SID, 2, 1, 5) == [StoredMessage(2, "8", b"new")]
        await engine.stop()
        store.close()
        store, engine, journal = await _engine(db_url)
        assert journal.purge_old_epochs() == 1
        assert await journal.stored(SID, 1, 1, 5) == []
        assert await journal.stored(SID, 2, 1, 5) == [StoredMessage(2, "8", b"new")]
        await engine.stop()
        store.close()

    asyncio.run(scenario())


def test_fix_journal_report_is_released_only_with_the_order_that_caused_it(db_url: str) -> None:
    """Rows recorded while a command is decided are written in the same commit as its events."""

    async def scenario() -> None:
        store, engine, journal = await _engine(db_url)
        seen: list[int] = []
        command = demo_commands()[0]
        records, durable = engine.decide_now(command, CTX)
        journal.record(SID, SessionNumbers(next_in=1, next_out=2, epoch=1),
                       [StoredMessage(1, "8", b"report")])
        journal.after_durable(lambda: seen.append(engine.durable_position))
        assert seen == []
        await durable
        await asyncio.sleep(0)
        assert seen == [records[-1].position]
        await engine.stop()
        store.close()

    asyncio.run(scenario())
