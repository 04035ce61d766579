"""Test doubles for FIX venue tests: a pure desk that notifies a gateway, and fake sessions.

``Desk`` decides and applies commands on a ``TradingState`` and hands committed child events
to a venue gateway the way ``VenueRouter`` does (after the command, never nested).
``FakeSession`` captures what an application sends, re-encoded and parsed as the wire would,
and can be linked to a peer application to deliver them (an in-memory FIX connection).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from openoms.adapters.fix.application import Application
from openoms.adapters.fix.codec import FixMessage, FixParser, Value, encode
from openoms.adapters.fix.config import Role, SessionConfig
from openoms.adapters.fix.dictionary import dictionary
from openoms.core.clock import ManualClock
from openoms.core.errors import DomainError
from openoms.core.events import Command, Context, Recorded
from openoms.trading.domain import commands as cmd
from openoms.trading.domain import events as ev
from openoms.trading.domain.decide import decide
from openoms.trading.domain.model import ChildOrder, OrdType, Side, VenueKind
from openoms.trading.domain.state import TradingState
from openoms.venues.router import VenueGateway

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
TRADER = Context(actor="alice", source="phone", role="trader")
VENUE = Context(actor="venue:XFIX", source="venue")
D = Decimal


class Desk:
    """A pure desk with a journal kept in memory, and a venue gateway to notify."""

    def __init__(self) -> None:
        self.state = TradingState()
        self.clock = ManualClock(NOW)
        self.journal: list[Recorded] = []
        self.refused: list[tuple[Command, str]] = []
        self.gateway: VenueGateway | None = None
        self._committed: deque[Recorded] = deque()
        self._notifying = False
        for command in (
            cmd.DefineVenue(venue_id="XFIX", name="Broker over FIX", kind=VenueKind.FIX),
            cmd.DefineInstrument(symbol="AAPL", name="Apple", currency="USD",
                                 tick_size=D("0.01"), lot_size=D(1),
                                 reference_price=D("100.00")),
            cmd.DefineAccount(account_id="ACME", name="Acme"),
        ):
            self.run(command)

    def run(self, command: Command, ctx: Context = TRADER) -> list[Recorded]:
        events = decide(self.state, command, ctx, self.clock.now())
        records = []
        for event in events:
            stream = event.stream_id()
            recorded = Recorded(stream_id=stream, version=self.state.versions.get(stream, 0) + 1,
                                event=event, actor=ctx.actor, source=ctx.source,
                                event_time=self.clock.now(), recorded_time=self.clock.now(),
                                position=len(self.journal) + 1)
            self.state.apply(recorded)
            self.journal.append(recorded)
            records.append(recorded)
        self._committed.extend(records)
        self._notify()
        return records

    def _notify(self) -> None:
        if self._notifying:
            return
        self._notifying = True
        try:
            while self._committed:
                recorded = self._committed.popleft()
                event = recorded.event
                if isinstance(event, ev.ChildEvent) and self.gateway is not None:
                    self.gateway.on_child_event(recorded, self.child(event.child_id))
        finally:
            self._notifying = False

    def report(self, report: cmd.ApplyVenueReport) -> None:
        """What VenueRouter.report does: apply, or note the refusal."""
        try:
            self.run(report, VENUE)
        except DomainError as exc:
            self.refused.append((report, str(exc)))

    def history(self, stream_id: str) -> Sequence[Recorded]:
        return [r for r in self.journal if r.stream_id == stream_id]

    def child(self, child_id: str) -> ChildOrder:
        ticket = self.state.ticket_of_child(child_id)
        assert ticket is not None
        return ticket.children[child_id]

    def working(self, qty: str = "100", px: str = "100.00", side: Side = Side.BUY) -> str:
        """Submit and accept a limit ticket; return its order id."""
        opened = self.run(cmd.SubmitTicket(account_id="ACME", symbol="AAPL", side=side,
                                           qty=D(qty), ord_type=OrdType.LIMIT,
                                           limit_px=D(px)))
        order_id: str = opened[0].event.order_id  # type: ignore[attr-defined]
        self.run(cmd.AcceptTicket(order_id=order_id))
        return order_id

    def route(self, order_id: str, qty: str, **terms: object) -> str:
        records = self.run(cmd.RouteChild(order_id=order_id, venue_id="XFIX", qty=D(qty),
                                          **terms))  # type: ignore[arg-type]
        child_id: str = records[0].event.child_id  # type: ignore[attr-defined]
        return child_id


def venue_config(begin_string: str = "FIX.4.4", *, role: Role = Role.INITIATOR) -> SessionConfig:
    if role is Role.INITIATOR:
        return SessionConfig(begin_string=begin_string, sender_comp_id="OPENOMS",
                             target_comp_id="BROKER", role=role, venue_id="XFIX",
                             host="127.0.0.1", port=9999)
    return SessionConfig(begin_string=begin_string, sender_comp_id="BROKER",
                         target_comp_id="OPENOMS", role=role)


def wire(begin_string: str, msg_type: str, body: Sequence[tuple[int, Value]], seq: int = 1,
         *, poss_dup: bool = False) -> FixMessage:
    """Encode body with a header and parse it back, as the receiving session would see it."""
    header: list[tuple[int, Value]] = [(49, "A"), (56, "B"), (34, seq)]
    if poss_dup:
        header += [(43, "Y"), (122, "20261123-15:00:00.000")]
    header.append((52, "20261123-15:00:00.000"))
    parser = FixParser()
    parser.feed(encode(begin_string, msg_type, [*header, *body]))
    (message,) = list(parser)
    assert isinstance(message, FixMessage)
    return message


class FakeSession:
    """A SessionHandle that records what is sent, checked against the data dictionary."""

    def __init__(self, config: SessionConfig, *, logged_on: bool = True) -> None:
        self.config = config
        self.session_id = config.session_id
        self.logged_on = logged_on
        self.sent: list[FixMessage] = []
        self.business_rejects: list[tuple[int, str]] = []
        self.peer: tuple[FakeSession, Application] | None = None

    def send(self, msg_type: str, fields: Sequence[tuple[int, Value]]) -> None:
        message = wire(self.config.begin_string, msg_type, fields, len(self.sent) + 1)
        problem = dictionary(self.config.begin_string).check(message)
        assert problem is None, f"{problem} in {message!r}"
        self.sent.append(message)
        if self.peer is not None and self.logged_on:
            session, application = self.peer
            application.on_message(session, message)

    def reject_business(self, message: FixMessage, reason: int, text: str,
                        ref_tag: int | None = None) -> None:
        self.business_rejects.append((reason, text))

    def of_type(self, msg_type: str) -> list[FixMessage]:
        return [m for m in self.sent if m.msg_type == msg_type]

    def last(self) -> dict[int, str]:
        return {tag: value.decode() for tag, value in self.sent[-1].fields}


def link(a: FakeSession, app_a: Application, b: FakeSession, app_b: Application) -> None:
    """Connect two fake sessions: what one sends, the other's application receives."""
    a.peer = (b, app_b)
    b.peer = (a, app_a)
