"""The trading desk as the engine drives it: decide, evolve, project, restore."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from openoms.core.codec import Registry
from openoms.core.events import Command, Context, Event, Recorded
from openoms.trading import projection
from openoms.trading.domain import commands as cmd
from openoms.trading.domain.decide import HANDLERS, decide
from openoms.trading.domain.events import ALL_EVENTS
from openoms.trading.domain.state import TradingState

EVENT_TYPES: frozenset[type[Event]] = frozenset(ALL_EVENTS)
COMMAND_TYPES: frozenset[type[Command]] = frozenset(HANDLERS)


def registry() -> Registry:
    """Codec registry of every trading event and command."""
    return Registry([*ALL_EVENTS, *HANDLERS])


class TradingModel:
    """Binds the pure trading domain to the engine's Model protocol."""

    commands = COMMAND_TYPES

    def __init__(self, state: TradingState | None = None) -> None:
        self.state = state or TradingState()

    def owns(self, event: Event) -> bool:
        return type(event) in EVENT_TYPES

    def next_version(self, stream_id: str) -> int:
        return self.state.versions.get(stream_id, 0) + 1

    def decide(self, command: Command, ctx: Context, now: datetime) -> list[Event]:
        return decide(self.state, command, ctx, now)

    def apply(self, recorded: Recorded) -> None:
        self.state.apply(recorded)

    def project(self, records: Sequence[Recorded]) -> tuple[
            dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
        return projection.project(self.state, records)

    def restore(self, tables: Mapping[str, Iterable[dict[str, Any]]],
                versions: Mapping[str, int] | None = None) -> None:
        """Rebuild state from read-model rows; versions of streams the rows do not carry."""
        projection.restore(self.state, tables)
        self.state.versions.update(versions or {})


__all__ = ["TradingModel", "registry", "cmd"]
