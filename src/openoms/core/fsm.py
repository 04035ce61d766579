"""Transition tables as data: look up the next status before changing anything.

A table maps (current status, event type) to the next status. Some moves land on a status that
depends on quantities (a replace lands on new, partially filled or filled); the table then holds
``WORKING`` and the caller resolves it from the entity's quantities.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Final, Generic, TypeVar

from openoms.core.errors import InvalidTransition

S = TypeVar("S", bound=Enum)


class Derived(Enum):
    """A target status computed from the entity's quantities instead of written in the table."""

    WORKING = "working"


WORKING: Final = Derived.WORKING


class TransitionTable(Generic[S]):
    """An immutable (status, event type) -> status table for one kind of entity."""

    def __init__(self, entity: str, rows: Mapping[tuple[S | None, type], S | Derived]) -> None:
        self.entity = entity
        self._rows = dict(rows)

    def next(self, current: S | None, event: type) -> S | Derived:
        """Return the status that event leads to from current.

        Raises:
            InvalidTransition: the pair is not in the table.
        """
        try:
            return self._rows[(current, event)]
        except KeyError:
            status = "new" if current is None else current.value
            raise InvalidTransition(self.entity, status, event.__name__) from None

    def allows(self, current: S | None, event: type) -> bool:
        """Tell whether event is legal from current."""
        return (current, event) in self._rows

    @property
    def rows(self) -> Mapping[tuple[S | None, type], S | Derived]:
        return self._rows

    def events(self) -> set[type]:
        """Every event type the table knows."""
        return {event for _, event in self._rows}
