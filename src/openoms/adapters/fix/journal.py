"""What a FIX session keeps durably: its sequence numbers and the application messages it sent.

The gateway records every change of a session's numbers and every application message it
sends; nothing is written to a socket until it is durable (``after_durable``), so a message the
counterparty saw can always be resent after a restart. The production journal rides the
engine's group commit (``openoms.adapters.fix.store``): an order, its execution report and
the session's new numbers are made durable by one commit. ``MemoryJournal`` is for tests.

Admin messages are not stored: a resend answers them with a gap fill. Each reset of a session
(ResetOnLogon, 141=Y, an operator's reset) starts a new *epoch*, so stored messages of an
earlier epoch are never resent under the new numbers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SessionNumbers:
    """A session's sequence numbers as last recorded."""

    next_in: int = 1  # the MsgSeqNum we expect next from the counterparty
    next_out: int = 1  # the MsgSeqNum of the next message we send
    epoch: int = 1  # bumped by every reset


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """An application message as sent: its number, type and the bytes on the wire."""

    seq: int
    msg_type: str
    raw: bytes


class FixJournal(Protocol):
    """Durable numbers and sent messages of FIX sessions."""

    def numbers(self, session_id: str) -> SessionNumbers:
        """Return the session's numbers as recorded (1, 1, epoch 1 for a new session)."""
        ...

    def record(self, session_id: str, numbers: SessionNumbers,
               sent: Sequence[StoredMessage] = ()) -> None:
        """Record new numbers and the application messages just sent; durable at next commit."""
        ...

    def after_durable(self, callback: Callable[[], None]) -> None:
        """Call callback (on the event loop) once everything recorded so far is durable."""
        ...

    async def stored(self, session_id: str, epoch: int, begin: int,
                     end: int) -> list[StoredMessage]:
        """Return the stored application messages with begin <= seq <= end, in order."""
        ...


class MemoryJournal:
    """A FixJournal in memory, 'durable' one loop iteration later (tests, the echo runner)."""

    def __init__(self) -> None:
        self._numbers: dict[str, SessionNumbers] = {}
        self._messages: dict[tuple[str, int], dict[int, StoredMessage]] = {}
        self._callbacks: list[Callable[[], None]] = []
        self._scheduled = False

    def numbers(self, session_id: str) -> SessionNumbers:
        return self._numbers.get(session_id, SessionNumbers())

    def record(self, session_id: str, numbers: SessionNumbers,
               sent: Sequence[StoredMessage] = ()) -> None:
        self._numbers[session_id] = replace(numbers)
        store = self._messages.setdefault((session_id, numbers.epoch), {})
        for message in sent:
            store[message.seq] = message

    def after_durable(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._commit)

    def _commit(self) -> None:
        callbacks, self._callbacks = self._callbacks, []
        self._scheduled = False
        for callback in callbacks:
            callback()

    async def stored(self, session_id: str, epoch: int, begin: int,
                     end: int) -> list[StoredMessage]:
        store = self._messages.get((session_id, epoch), {})
        return [store[seq] for seq in sorted(store) if begin <= seq <= end]
