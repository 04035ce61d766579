"""The dispatcher: delivers committed outbox messages at least once, with retries.

It keeps the pending messages it knows of in memory: those committed while it runs (handed
over by the outbox once durable) and those it reads from the database (at start, then every
``poll`` seconds and whenever it had to leave some there). Due messages are delivered
concurrently, at most ``batch`` at a time; each attempt's outcome (delivered, pending with
the next attempt's time, or failed after the last attempt) goes back through the engine's
group commit.

A message read from the database while its last outcome is still on the way to it would be
sent twice; the dispatcher skips the ids it settled while a read was running or before its
outcome was durable. Delivery is at least once all the same: a crash between the send and
the commit of its outcome sends the message again, with the same id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from openoms.adapters.notify.outbox import Kind, Message, Outbox, RetryPolicy, Status
from openoms.core.clock import Clock

_log = logging.getLogger("openoms.outbox")

Load = Callable[[int], Sequence[Mapping[str, Any]]]


class Transport(Protocol):
    """Sends one kind of message; raises if it was not accepted."""

    async def deliver(self, message: Message) -> None: ...


class Dispatcher:
    """Delivers the outbox's messages (see the module docstring)."""

    def __init__(self, outbox: Outbox, transports: Mapping[Kind, Transport], clock: Clock,
                 load: Load, *, policy: RetryPolicy | None = None, batch: int = 100,
                 timeout: float = 10.0, poll: float = 30.0, max_queue: int = 10_000) -> None:
        self._outbox = outbox
        self._transports = dict(transports)
        self._clock = clock
        self._load_rows = load
        self._policy = policy or RetryPolicy()
        self._batch = batch
        self._timeout = timeout
        self._poll = poll
        self._max_queue = max_queue
        self._queue: dict[str, Message] = {}  # pending, by id (in flight ones too)
        self._flying: dict[str, asyncio.Task[None]] = {}
        self._settling: set[str] = set()  # outcomes not yet durable
        self._recent: set[str] | None = None  # settled while a read runs
        self._more = True  # the database may hold pending messages we do not
        self._next_poll = 0.0
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        outbox.on_committed = self.committed
        outbox.on_settled = self.settled

    def start(self) -> None:
        """Start delivering on the running loop."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self, grace: float = 5.0) -> None:
        """Stop taking messages; let attempts under way finish for up to grace seconds.

        Attempts cut off are not recorded: their messages stay pending and go out again at
        the next start, with the same ids.
        """
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        flying = list(self._flying.values())
        if flying:
            _, late = await asyncio.wait(flying, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    @property
    def pending(self) -> int:
        """Messages waiting for an attempt (or under way) that this dispatcher holds."""
        return len(self._queue)

    # ------------------------------------------------------------ from the outbox

    def committed(self, messages: list[Message]) -> None:
        """New messages are durable: deliver them."""
        if self._stopping:
            return
        for message in messages:
            if message.message_id in self._queue or message.message_id in self._settling:
                continue  # a read of the database found it first
            if len(self._queue) >= self._max_queue:
                self._more = True  # read it back from the database when there is room
            else:
                self._queue[message.message_id] = message
        self._wake.set()

    def settled(self, ids: list[str]) -> None:
        """These outcomes are durable: a read now sees them."""
        self._settling.difference_update(ids)

    # ------------------------------------------------------------ the loop

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stopping:
            self._wake.clear()
            if (self._more and self._room() > 0) or loop.time() >= self._next_poll:
                await self._read()
            now = self._clock.now()
            self._launch(now)
            if self._more and self._room() > 0:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._sleep_for(now, loop.time()))

    def _room(self) -> int:
        return min(self._batch, self._max_queue - len(self._queue))

    async def _read(self) -> None:
        """Read due pending messages from the database and queue the ones not known."""
        loop = asyncio.get_running_loop()
        room = self._room()
        self._next_poll = loop.time() + self._poll
        if room <= 0:
            return
        guard, self._recent = set(self._settling), set()
        try:
            rows = await asyncio.to_thread(self._load_rows, room)
        except Exception:
            _log.exception("could not read pending outbox messages")
            self._more = False  # try again at the next poll
            return
        finally:
            recent, self._recent = self._recent, None
        skip = guard | recent | self._settling
        added = 0
        for row in rows:
            try:
                message = Message.from_row(row)
            except (KeyError, ValueError) as exc:
                _log.error("outbox row %s is unreadable: %s", row.get("message_id"), exc)
                continue
            if message.message_id in self._queue or message.message_id in skip \
                    or message.status is not Status.PENDING:
                continue
            self._queue[message.message_id] = message
            added += 1
        self._more = len(rows) >= room and added > 0
        if added:
            _log.info("%d pending outbox messages to deliver", added)

    def _launch(self, now: datetime) -> None:
        for message in list(self._queue.values()):
            if len(self._flying) >= self._batch:
                return
            if message.message_id in self._flying or message.next_attempt_at > now:
                continue
            task = asyncio.get_running_loop().create_task(self._attempt(message))
            self._flying[message.message_id] = task

    def _sleep_for(self, now: datetime, loop_now: float) -> float:
        wait = max(self._next_poll - loop_now, 0.0)
        if len(self._flying) < self._batch:
            for message in self._queue.values():
                if message.message_id not in self._flying:
                    wait = min(wait, (message.next_attempt_at - now).total_seconds())
        return max(wait, 0.001)

    async def _attempt(self, message: Message) -> None:
        error = ""
        try:
            transport = self._transports.get(message.kind)
            if transport is None:
                error = f"no transport for {message.kind.value} messages"
            else:
                await asyncio.wait_for(transport.deliver(message), self._timeout)
        except TimeoutError:
            error = f"no answer within {self._timeout:g} s"
        except Exception as exc:  # any failure of the far side is retried
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        finally:
            self._flying.pop(message.message_id, None)
        now = self._clock.now()
        if error:
            outcome = self._policy.failed(message, error, now)
            log = _log.error if outcome.status is Status.FAILED else _log.warning
            log("%s %s to %s: attempt %d failed: %s", message.kind.value, message.message_id,
                message.target, outcome.attempts, error)
        else:
            outcome = self._policy.delivered(message, now)
        self._outbox.settle(outcome)
        if outcome.status is Status.PENDING:
            self._queue[message.message_id] = outcome
        else:
            self._queue.pop(message.message_id, None)
            self._settling.add(message.message_id)
            if self._recent is not None:
                self._recent.add(message.message_id)
        self._wake.set()
