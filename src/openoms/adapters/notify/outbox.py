"""The outbox: messages to the outside world, written in the same commit as the events that
caused them, and delivered only once that commit is durable.

``Outbox`` is an engine observer and Contributor. As each retail event is applied it derives
the messages the event calls for (a vendor's purchase order, a subscriber's webhook) from the
state right after it, and stages them; the engine seals them into the batch that journals the
event. A refused command has no events, so nothing is staged; a batch that fails to commit
stops the engine, so nothing staged with it is ever sent. Once the batch is durable the
messages are handed to the dispatcher (``dispatch.py``), which delivers them at least once and
records each attempt through the engine's batches too.

A message's id is made from the journal position of its event and its target, so every
attempt, before or after a restart, carries the same idempotency key.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from openoms.core.engine import Engine
from openoms.core.events import Recorded

TABLE = "outbox"
MAX_ERROR = 500

_log = logging.getLogger("openoms.outbox")

Rows = dict[str, list[dict[str, Any]]]


class Kind(StrEnum):
    """How a message travels."""

    EMAIL = "email"  # target: the recipient; payload: the whole RFC 5322 message
    WEBHOOK = "webhook"  # target: the URL; payload: the JSON body, headers sent as they are
    X12 = "x12"  # target: the file to write; payload: the X12 interchange


class Status(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # given up after the last attempt


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """One row of the outbox."""

    message_id: str
    kind: Kind
    topic: str
    target: str
    payload: str
    headers: Mapping[str, str] = field(default_factory=dict)
    status: Status = Status.PENDING
    attempts: int = 0
    next_attempt_at: datetime
    last_error: str = ""
    created_at: datetime
    delivered_at: datetime | None = None

    def row(self) -> dict[str, Any]:
        """Return the message as a row of the outbox table."""
        return {"message_id": self.message_id, "kind": self.kind.value, "topic": self.topic,
                "target": self.target, "payload": self.payload,
                "headers": json.dumps(dict(self.headers), sort_keys=True),
                "status": self.status.value, "attempts": self.attempts,
                "next_attempt_at": self.next_attempt_at, "last_error": self.last_error,
                "created_at": self.created_at, "delivered_at": self.delivered_at}

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Message:
        """Read a row of the outbox table back.

        Raises:
            ValueError: the row has an unknown kind or status, or unreadable headers.
        """
        headers = row.get("headers") or "{}"
        return cls(message_id=row["message_id"], kind=Kind(row["kind"]), topic=row["topic"],
                   target=row["target"], payload=row["payload"],
                   headers=json.loads(headers) if isinstance(headers, str) else dict(headers),
                   status=Status(row["status"]), attempts=int(row["attempts"]),
                   next_attempt_at=_utc(row["next_attempt_at"]),
                   last_error=row.get("last_error") or "", created_at=_utc(row["created_at"]),
                   delivered_at=_utc(row["delivered_at"]) if row.get("delivered_at") else None)


def _utc(value: Any) -> datetime:
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(when, datetime):
        raise ValueError(f"not a timestamp: {value!r}")
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential back-off: base, 2 x base, 4 x base... at most cap; failed after
    max_attempts attempts."""

    max_attempts: int = 8
    base: float = 5.0
    cap: float = 3600.0

    def delay(self, attempts: int) -> timedelta:
        """Wait before the next attempt, after attempts failed ones."""
        exponent = min(max(attempts - 1, 0), 62)
        return timedelta(seconds=min(self.base * (2 ** exponent), self.cap))

    def delivered(self, message: Message, now: datetime) -> Message:
        return replace(message, status=Status.DELIVERED, attempts=message.attempts + 1,
                       delivered_at=now, last_error="")

    def failed(self, message: Message, error: str, now: datetime) -> Message:
        """The message after a failed attempt: pending again later, or given up."""
        attempts = message.attempts + 1
        status = Status.FAILED if attempts >= self.max_attempts else Status.PENDING
        return replace(message, status=status, attempts=attempts, last_error=error[:MAX_ERROR],
                       next_attempt_at=now + self.delay(attempts) if status is Status.PENDING
                       else message.next_attempt_at)


Derive = Callable[[Recorded], Sequence[Message]]


class Outbox:
    """Stages messages (new ones and each attempt's outcome) into the engine's group commit.

    It is an engine observer (``derive`` turns each applied event into messages) and a
    Contributor. ``on_committed`` is told of new messages once they are durable,
    ``on_settled`` of the ids whose outcome is durable.
    """

    def __init__(self, engine: Engine, derive: Derive) -> None:
        self._engine = engine
        self._derive = derive
        self._staged: dict[str, Message] = {}  # new messages, by id
        self._updates: dict[str, Message] = {}  # outcomes of attempts, by id
        self.on_committed: Callable[[list[Message]], None] = lambda messages: None
        self.on_settled: Callable[[list[str]], None] = lambda ids: None
        engine.observe(self.observe)
        engine.contribute(self)

    def observe(self, recorded: Recorded) -> None:
        """Stage the messages recorded's event calls for (engine observer; never raises)."""
        try:
            messages = self._derive(recorded)
        except Exception:
            _log.exception("could not derive the messages of %s at position %d",
                           type(recorded.event).__name__, recorded.position)
            return
        for message in messages:
            self._staged[message.message_id] = message

    def settle(self, message: Message) -> None:
        """Record an attempt's outcome in the next batch and ask for that batch now."""
        self._updates[message.message_id] = message
        self._engine.request_commit()

    def collect(self) -> tuple[Rows, Rows, list[Callable[[], None]]]:
        """Hand the engine what was staged since its last seal (engine Contributor)."""
        if not self._staged and not self._updates:
            return {}, {}, []
        fresh, self._staged = list(self._staged.values()), {}
        updates, self._updates = list(self._updates.values()), {}
        rows = [m.row() for m in fresh] + [m.row() for m in updates]

        def durable() -> None:
            if fresh:
                self.on_committed(fresh)
            if updates:
                self.on_settled([m.message_id for m in updates])

        return {TABLE: rows}, {}, [durable]
