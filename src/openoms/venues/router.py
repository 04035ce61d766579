"""Deliver committed child-order events to the venue that should see them.

The router is a post-commit listener: a child order reaches a venue only after the event that
created it is durable. Reports from venues come back as ApplyVenueReport commands; one that
the desk refuses (a late or surprising report) is logged and never stops the engine.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from openoms.core.engine import Engine
from openoms.core.errors import DomainError, StorageError
from openoms.core.events import Context, Recorded
from openoms.trading.domain import events as ev
from openoms.trading.domain.commands import ApplyVenueReport
from openoms.trading.domain.model import ChildOrder, VenueKind
from openoms.trading.domain.state import TradingState

_log = logging.getLogger("openoms.venues")


class VenueGateway(Protocol):
    """A connection to one kind of venue."""

    def on_child_event(self, recorded: Recorded, child: ChildOrder) -> None: ...

    def recover(self, children: Sequence[ChildOrder]) -> None: ...


class VenueRouter:
    """Hands each committed child event to its venue's gateway; feeds reports back."""

    def __init__(self, engine: Engine, state: TradingState) -> None:
        self._engine = engine
        self._state = state
        self._gateways: dict[VenueKind, VenueGateway] = {}

    def register(self, kind: VenueKind, gateway: VenueGateway) -> None:
        self._gateways[kind] = gateway

    def report(self, report: ApplyVenueReport) -> None:
        """Apply a venue's report now; its durability is the engine's business."""
        ctx = Context(actor=f"venue:{self._venue_of(report.child_id)}", source="venue")
        try:
            self._engine.decide_now(report, ctx)
        except DomainError as exc:
            _log.warning("venue report refused: %s (%s)", exc, report)
        except StorageError:
            _log.error("venue report lost: the engine has stopped (%s)", report)

    def _venue_of(self, child_id: str) -> str:
        ticket = self._state.ticket_of_child(child_id)
        return ticket.children[child_id].venue_id if ticket else "unknown"

    def __call__(self, records: Sequence[Recorded]) -> None:
        for recorded in records:
            event = recorded.event
            if not isinstance(event, ev.ChildEvent):
                continue
            ticket = self._state.tickets.get(event.order_id)
            child = ticket.children.get(event.child_id) if ticket else None
            if child is None:
                continue
            venue = self._state.venues.get(child.venue_id)
            gateway = self._gateways.get(venue.kind) if venue else None
            if gateway is None:
                if isinstance(event, ev.ChildRouted):
                    self.report(ApplyVenueReport(child_id=child.child_id, kind="reject",
                                                 reason=f"venue {child.venue_id} is not "
                                                 "connected"))
                continue
            gateway.on_child_event(recorded, child)

    def recover(self) -> None:
        """After a restart, give each gateway the children it should be working."""
        by_kind: dict[VenueKind, list[ChildOrder]] = {}
        for ticket in self._state.tickets.values():
            for child in ticket.open_children():
                venue = self._state.venues.get(child.venue_id)
                if venue is not None:
                    by_kind.setdefault(venue.kind, []).append(child)
        for kind, children in by_kind.items():
            gateway = self._gateways.get(kind)
            if gateway is not None:
                children.sort(key=lambda c: (c.created_at, int(c.child_id[1:] or 0)))
                gateway.recover(children)
