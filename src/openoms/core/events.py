"""What every event and command shares, and the envelope an event is journaled in.

Events are immutable facts named in the past tense; each belongs to one stream (an order, an
account, an instrument...). The envelope adds what the journal needs: stream version, the
actor and source that caused it, when it happened and when the OMS recorded it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of all domain events; subclasses name their stream with STREAM and KEY."""

    STREAM: ClassVar[str] = ""
    KEY: ClassVar[str] = ""

    def stream_id(self) -> str:
        """Return the journal stream this event belongs to, e.g. ``order:T12``."""
        return f"{self.STREAM}:{getattr(self, self.KEY)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """Base of all commands: an imperative request that the engine decides on."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    """Who asks, through which channel, and when the request says it happened."""

    actor: str
    source: str
    role: str = "system"
    event_time: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Recorded:
    """An event as journaled: its stream position and provenance."""

    stream_id: str
    version: int
    event: Event
    actor: str
    source: str
    event_time: datetime
    recorded_time: datetime
    position: int = 0
