"""The FIX sessions' journal in the engine's group commit: one fsync for an order and its report.

When a client's NewOrderSingle arrives, the desk decides it, the execution report is built
from the new state and numbered, and the session's new numbers are recorded — all before the
engine seals its next batch. That batch writes the order's events, the report and the numbers
in one transaction; only when it is durable is the report written to the socket. So an
acknowledged order and the acknowledgement itself are never lost, and it costs no second
commit. Admin messages (heartbeats, logons) only move the numbers; they ask for a commit of
their own when nothing else is pending.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from openoms.adapters.fix.journal import SessionNumbers, StoredMessage
from openoms.adapters.sql.schema import fix_messages, fix_sessions
from openoms.adapters.sql.store import SqlStore
from openoms.core.engine import Engine

Rows = dict[str, list[dict[str, Any]]]


class EngineJournal:
    """A FixJournal whose rows ride the engine's batches (it is an engine Contributor)."""

    def __init__(self, engine: Engine, store: SqlStore) -> None:
        self._engine = engine
        self._store = store
        self._numbers: dict[str, SessionNumbers] = {
            session_id: SessionNumbers(next_in=n_in, next_out=n_out, epoch=epoch)
            for session_id, (n_in, n_out, epoch) in store.fix_numbers().items()}
        self._dirty: dict[str, SessionNumbers] = {}
        self._messages: list[dict[str, Any]] = []
        self._callbacks: list[Callable[[], None]] = []
        engine.contribute(self)

    def purge_old_epochs(self) -> int:
        """Delete stored messages of epochs no session will resend again (at start-up)."""
        return sum(self._store.purge_fix_messages(session_id, numbers.epoch)
                   for session_id, numbers in self._numbers.items())

    # ------------------------------------------------------------ FixJournal

    def numbers(self, session_id: str) -> SessionNumbers:
        return self._numbers.get(session_id, SessionNumbers())

    def record(self, session_id: str, numbers: SessionNumbers,
               sent: Sequence[StoredMessage] = ()) -> None:
        self._numbers[session_id] = numbers
        self._dirty[session_id] = numbers
        if sent:
            now = datetime.now(UTC)
            self._messages.extend(
                {"session_id": session_id, "epoch": numbers.epoch, "seq": m.seq,
                 "msg_type": m.msg_type, "raw": m.raw, "sent_at": now} for m in sent)
        self._engine.request_commit()

    def after_durable(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)
        self._engine.request_commit()

    async def stored(self, session_id: str, epoch: int, begin: int,
                     end: int) -> list[StoredMessage]:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def durable() -> None:
            if not done.done():
                done.set_result(None)

        self.after_durable(durable)
        await done  # what the counterparty may ask for is on disk before we read it back
        rows = await asyncio.to_thread(self._store.fix_messages, session_id, epoch, begin, end)
        return [StoredMessage(seq=seq, msg_type=msg_type, raw=raw)
                for seq, msg_type, raw in rows]

    # ------------------------------------------------------------ engine Contributor

    def collect(self) -> tuple[Rows, Rows, list[Callable[[], None]]]:
        """Hand the engine what was recorded since its last seal."""
        upserts: Rows = {}
        inserts: Rows = {}
        if self._dirty:
            now = datetime.now(UTC)
            upserts[fix_sessions.name] = [
                {"session_id": session_id, "next_in": n.next_in, "next_out": n.next_out,
                 "epoch": n.epoch, "updated_at": now} for session_id, n in self._dirty.items()]
            self._dirty = {}
        if self._messages:
            # Upserts, not inserts: a number is never reused within an epoch, but if it ever
            # were, a duplicate key must not stop the engine.
            upserts[fix_messages.name], self._messages = self._messages, []
        callbacks, self._callbacks = self._callbacks, []
        return upserts, inserts, callbacks
