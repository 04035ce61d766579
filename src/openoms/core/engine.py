"""The single-writer engine: sequence commands, decide, evolve, group-commit, then reply.

The sequencer is the asyncio event loop itself. ``execute`` runs decide and evolve synchronously,
with no ``await`` between them, so commands are applied strictly one after another exactly as
if they came off a queue, without paying for the queue hop. The events of every command decided
since the last flush form one batch; a flusher task writes the batch (journal rows, read-model
rows and the checkpoint) in one transaction on a dedicated thread, and only when that
transaction is durable are the callers' awaits released and the post-commit listeners (venue
routing, FIX reports, outbox) told. While one batch commits the next one fills up, so the disk
is never idle and never waited on per command.

The read models are the snapshot that recovery starts from. They are projected from the state
at most every ``project_every`` seconds (and at stop), in the same transaction as that batch's
journal rows and with the checkpoint they include, so a ticket touched many times in that
window is written once. Recovery loads them and replays the journal after the checkpoint.

If a write fails the in-memory state is ahead of the journal: the engine stops taking
commands (``StorageError``) and the process must restart and recover from the journal.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from openoms.core.clock import Clock
from openoms.core.errors import StorageError
from openoms.core.events import Command, Context, Event, Recorded
from openoms.core.storable import check_storable


@dataclass(slots=True)
class Batch:
    """What one group commit writes: journal records, read-model rows and the checkpoint."""

    records: list[Recorded]
    upserts: dict[str, list[dict[str, Any]]]  # table -> rows, replaced by primary key
    inserts: dict[str, list[dict[str, Any]]]  # table -> rows, appended
    checkpoint: int  # the last journal position the read models include
    counters: dict[str, int] = field(default_factory=dict)


class Model(Protocol):
    """One area's pure logic (trading, commerce) as the engine drives it."""

    commands: frozenset[type[Command]]

    def owns(self, event: Event) -> bool: ...

    def next_version(self, stream_id: str) -> int: ...

    def decide(self, command: Command, ctx: Context, now: datetime) -> list[Event]: ...

    def apply(self, recorded: Recorded) -> None: ...

    def project(self, records: Sequence[Recorded]) -> tuple[
        dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]: ...


class Store(Protocol):
    """Durable storage of batches (blocking; called on the engine's writer thread)."""

    def write(self, batch: Batch) -> None: ...


_log = logging.getLogger("openoms.engine")

Listener = Callable[[Sequence[Recorded]], Awaitable[None] | None]
Observer = Callable[[Recorded], None]
Rows = dict[str, list[dict[str, Any]]]


class Contributor(Protocol):
    """Something that writes its own rows in the engine's group commit (FIX sessions)."""

    def collect(self) -> tuple[Rows, Rows, list[Callable[[], None]]]:
        """Hand over rows recorded since the last call (upserts, inserts) and the callbacks
        to run once they are durable."""
        ...


@dataclass(slots=True)
class EngineStats:
    """Counters read by the metrics endpoint and the benchmarks."""

    commands: int = 0
    rejected: int = 0
    events: int = 0
    batches: int = 0
    commit_seconds: float = 0.0
    last_batch_size: int = 0
    max_batch_size: int = 0


class Engine:
    """Sequences commands over the models, journals their events, and tells listeners."""

    def __init__(self, models: Iterable[Model], store: Store, clock: Clock, *,
                 position: int = 0, replayed: Sequence[Recorded] = (),
                 max_pending: int = 20_000, project_every: float = 0.05) -> None:
        self._models = list(models)
        self._route: dict[type[Command], Model] = {}
        for model in self._models:
            for command_type in model.commands:
                self._route[command_type] = model
        self._store = store
        self._clock = clock
        self._position = position
        self._durable_position = position
        self._pending: list[Recorded] = []
        self._waiters: list[asyncio.Future[None]] = []
        self._listeners: list[Listener] = []
        self._observers: list[Observer] = []
        self._contributors: list[Contributor] = []
        self._commit_wanted = False
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()
        self._max_pending = max_pending
        self._project_every = project_every
        self._next_projection = 0.0
        # Records already durable but not yet in the read models (the journal tail replayed at
        # start-up, then each batch until the next projection).
        self._unprojected: list[Recorded] = list(replayed)
        self._checkpoint = position - len(self._unprojected)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openoms-writer")
        self._flusher: asyncio.Task[None] | None = None
        self._failure: BaseException | None = None
        self._closing = False
        self.stats = EngineStats()

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start the flusher task on the running loop."""
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush_forever())

    async def stop(self) -> None:
        """Flush what is pending and stop."""
        self._closing = True
        self._wake.set()
        if self._flusher is not None:
            await self._flusher
            self._flusher = None
        self._writer.shutdown(wait=True)

    @property
    def failed(self) -> BaseException | None:
        return self._failure

    @property
    def position(self) -> int:
        """Position of the last event decided (durable or not)."""
        return self._position

    @property
    def durable_position(self) -> int:
        return self._durable_position

    def subscribe(self, listener: Listener) -> None:
        """Call listener with every committed batch of records, in commit order."""
        self._listeners.append(listener)

    def observe(self, observer: Observer) -> None:
        """Call observer with each record right after it is applied, before it is durable.

        For adapters that derive outgoing messages from the exact state after each event
        (FIX execution reports): they stage them in the same commit and send them only when
        it is durable. An observer must not raise; if it does, the error is logged.
        """
        self._observers.append(observer)

    def contribute(self, contributor: Contributor) -> None:
        """Write contributor's rows in every group commit (see ``Contributor``)."""
        self._contributors.append(contributor)

    def request_commit(self) -> None:
        """Commit soon even if no command is pending (a contributor has rows to write)."""
        self._commit_wanted = True
        self._wake.set()

    # ------------------------------------------------------------ commands

    def decide_now(self, command: Command, ctx: Context) -> tuple[list[Recorded],
                                                                   asyncio.Future[None]]:
        """Decide and apply command at once; return its records and a future for durability.

        Raises:
            DomainError: the command was refused; nothing changed.
            StorageError: the engine has failed.
        """
        if self._failure is not None or self._closing:
            raise StorageError("the engine is not accepting commands") from self._failure
        model = self._route[type(command)]
        now = self._clock.now()
        self.stats.commands += 1
        try:
            check_storable(command)
            events = model.decide(command, ctx, now)
        except Exception:
            self.stats.rejected += 1
            raise
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        if not events:
            future.set_result(None)
            return [], future
        records = self._apply(model, events, ctx, now)
        self._waiters.append(future)
        self._wake.set()
        return records, future

    async def execute(self, command: Command, ctx: Context) -> list[Recorded]:
        """Decide and apply command, wait until its events are durable, return them.

        Raises:
            DomainError: the command was refused; nothing changed.
            StorageError: the events could not be made durable.
        """
        if not self._room.is_set():
            await self._room.wait()
        records, durable = self.decide_now(command, ctx)
        await durable
        return records

    async def wait_for_room(self) -> None:
        """Wait while too many events await their commit (back-pressure for streamers)."""
        if not self._room.is_set():
            await self._room.wait()

    async def barrier(self) -> None:
        """Wait until everything decided so far is durable."""
        if self._position == self._durable_position:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        self._wake.set()
        await future

    def _apply(self, model: Model, events: list[Event], ctx: Context,
               now: datetime) -> list[Recorded]:
        event_time = ctx.event_time or now
        records = []
        for event in events:
            stream_id = event.stream_id()
            self._position += 1
            recorded = Recorded(stream_id=stream_id, version=model.next_version(stream_id),
                                event=event, actor=ctx.actor, source=ctx.source,
                                event_time=event_time, recorded_time=now,
                                position=self._position)
            try:
                model.apply(recorded)
            except BaseException as exc:  # evolve must not fail; if it does, stop writing
                self._failure = exc
                raise StorageError(f"could not apply {type(event).__name__}: {exc}") from exc
            records.append(recorded)
            for observer in self._observers:
                try:
                    observer(recorded)
                except Exception:  # an adapter's failure must never stop the engine
                    _log.exception("observer failed on %s", type(event).__name__)
        self._pending.extend(records)
        self.stats.events += len(records)
        if len(self._pending) >= self._max_pending:
            self._room.clear()
        return records

    # ------------------------------------------------------------ group commit

    def _seal(self) -> tuple[Batch, list[asyncio.Future[None]], list[Callable[[], None]]]:
        records, self._pending = self._pending, []
        waiters, self._waiters = self._waiters, []
        self._commit_wanted = False
        self._unprojected.extend(records)
        upserts: dict[str, list[dict[str, Any]]] = {}
        inserts: dict[str, list[dict[str, Any]]] = {}
        callbacks: list[Callable[[], None]] = []
        for contributor in self._contributors:
            up, ins, done = contributor.collect()
            for table, rows in up.items():
                upserts.setdefault(table, []).extend(rows)
            for table, rows in ins.items():
                inserts.setdefault(table, []).extend(rows)
            callbacks.extend(done)
        due = time.monotonic() >= self._next_projection or self._closing
        if due and self._unprojected:
            # The state now is exactly the state after the last sealed record, so rows
            # projected from it match the checkpoint written with them.
            projected, self._unprojected = self._unprojected, []
            self._next_projection = time.monotonic() + self._project_every
            for model in self._models:
                mine = [r for r in projected if model.owns(r.event)]
                if mine:
                    up, ins = model.project(mine)
                    for table, rows in up.items():
                        upserts.setdefault(table, []).extend(rows)
                    for table, rows in ins.items():
                        inserts.setdefault(table, []).extend(rows)
            self._checkpoint = projected[-1].position
        return Batch(records, upserts, inserts, self._checkpoint), waiters, callbacks

    async def _flush_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            idle_projection = False
            if self._unprojected and not self._wake.is_set():
                # Quiet now, but the read models trail the journal: bring them up to date
                # once the projection interval has passed, even if nothing else arrives.
                try:
                    await asyncio.wait_for(self._wake.wait(), self._project_every)
                except TimeoutError:
                    idle_projection = True
            else:
                await self._wake.wait()
            self._wake.clear()
            if not self._pending and not self._waiters and not idle_projection \
                    and not self._commit_wanted:
                if self._closing and not self._unprojected:
                    return
                if not self._closing:
                    continue
            batch, waiters, callbacks = self._seal()
            self._room.set()
            started = time.perf_counter()
            try:
                if batch.records or batch.upserts or batch.inserts:
                    await loop.run_in_executor(self._writer, self._store.write, batch)
            except BaseException as exc:
                self._failure = exc
                error = StorageError(f"group commit failed: {exc}")
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_exception(error)
                for waiter in self._waiters:
                    if not waiter.done():
                        waiter.set_exception(error)
                return
            self.stats.commit_seconds += time.perf_counter() - started
            self.stats.batches += 1
            self.stats.last_batch_size = len(batch.records)
            self.stats.max_batch_size = max(self.stats.max_batch_size, len(batch.records))
            if batch.records:
                self._durable_position = batch.records[-1].position
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
            for callback in callbacks:
                try:
                    callback()
                except Exception:  # a contributor's failure must never stop the engine
                    _log.exception("after-commit callback failed")
            if batch.records:
                await self._notify(batch.records)
            if self._pending or self._waiters or self._commit_wanted \
                    or (self._closing and self._unprojected):
                self._wake.set()
            elif self._closing:
                return

    async def _notify(self, records: Sequence[Recorded]) -> None:
        for listener in self._listeners:
            try:
                result = listener(records)
                if result is not None:
                    await result
            except Exception:  # a listener's failure must never stop the engine
                _log.exception("post-commit listener failed")
