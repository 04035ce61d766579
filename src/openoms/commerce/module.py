"""The retail business as the engine drives it: decide, evolve, project, restore."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from openoms.commerce import projection
from openoms.commerce.domain.commands import ReturnLineReceipt
from openoms.commerce.domain.decide import HANDLERS, decide
from openoms.commerce.domain.events import ALL_EVENTS, VALUE_TYPES
from openoms.commerce.domain.model import LineRequest
from openoms.commerce.domain.state import CommerceState
from openoms.core.codec import Registry
from openoms.core.events import Command, Context, Event, Recorded

EVENT_TYPES: frozenset[type[Event]] = frozenset(ALL_EVENTS)
STREAMS = frozenset({"location", "sku", "stock", "sourcing", "webhooks", "corder"})
COMMAND_TYPES: frozenset[type[Command]] = frozenset(HANDLERS)


def registry_classes() -> list[type]:
    """Every retail event and command, and the values inside them."""
    return [*ALL_EVENTS, *HANDLERS, *VALUE_TYPES, LineRequest, ReturnLineReceipt]


def registry() -> Registry:
    """Codec registry of the retail business alone."""
    return Registry(registry_classes())


class CommerceModel:
    """Binds the pure retail domain to the engine's Model protocol."""

    commands = COMMAND_TYPES

    def __init__(self, state: CommerceState | None = None) -> None:
        self.state = state or CommerceState()

    def owns(self, event: Event) -> bool:
        return type(event) in EVENT_TYPES

    def next_version(self, stream_id: str) -> int:
        return self.state.versions.get(stream_id, 0) + 1

    def decide(self, command: Command, ctx: Context, now: datetime) -> list[Event]:
        return decide(self.state, command, ctx, now)

    def apply(self, recorded: Recorded) -> None:
        self.state.apply(recorded)

    def restore(self, tables: Mapping[str, Iterable[dict[str, Any]]],
                versions: Mapping[str, int] | None = None) -> None:
        """Rebuild state from read-model rows; versions of streams the rows do not carry."""
        projection.restore(self.state, tables)
        self.state.versions.update(
            {stream: v for stream, v in (versions or {}).items()
             if stream.split(":", 1)[0] in STREAMS})

    def project(self, records: Sequence[Recorded]) -> tuple[
            dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
        return projection.project(self.state, records)
