"""A test harness for the pure desk: decide and evolve, with a fixed clock, no engine."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from openoms.core.events import Command, Context, Event, Recorded
from openoms.trading.domain import commands as cmd
from openoms.trading.domain.decide import decide
from openoms.trading.domain.model import (
    Handling,
    OrdType,
    Side,
    Source,
    Ticket,
    TimeInForce,
    VenueKind,
)
from openoms.trading.domain.state import TradingState

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
TRADER = Context(actor="alice", source="phone", role="trader")
D = Decimal


class Desk:
    """Holds a TradingState; ``run`` decides a command and applies its events."""

    def __init__(self) -> None:
        self.state = TradingState()
        self.now = NOW

    def run(self, command: Command, ctx: Context = TRADER) -> list[Event]:
        events = decide(self.state, command, ctx, self.now)
        for event in events:
            stream = event.stream_id()
            self.state.apply(Recorded(
                stream_id=stream, version=self.state.versions.get(stream, 0) + 1, event=event,
                actor=ctx.actor, source=ctx.source, event_time=self.now,
                recorded_time=self.now))
        return events

    def snapshot(self) -> Any:
        return copy.deepcopy(self.state)

    def ticket(self, order_id: str) -> Ticket:
        return self.state.tickets[order_id]

    # ------------------------------------------------------------ scenario helpers

    def seed(self) -> Desk:
        for command in (
            cmd.DefineDesk(desk_id="EQ", name="Equities"),
            cmd.DefineVenue(venue_id="SIM", name="Sim", kind=VenueKind.SIMULATED),
            cmd.DefineInstrument(symbol="AAPL", name="Apple", currency="USD",
                                 tick_size=D("0.01"), lot_size=D(1), reference_price=D("100.00"),
                                 price_collar_pct=D(10)),
            cmd.DefineInstrument(symbol="LOT", name="Round lots", currency="USD",
                                 tick_size=D("0.05"), lot_size=D(100),
                                 reference_price=D("10.00")),
            cmd.DefineAccount(account_id="ACME", name="Acme", max_order_qty=D(10_000),
                              max_order_notional=D(500_000), max_open_notional=D(1_000_000),
                              restricted_symbols=("LOT",)),
            cmd.DefineAccount(account_id="FREE", name="No limits"),
            cmd.DefineRoutingRule(rule_id="all", priority=1, venue_id="SIM"),
        ):
            self.run(command)
        return self

    def submit(self, qty: str = "100", *, px: str | None = "100.00", side: Side = Side.BUY,
               tif: TimeInForce = TimeInForce.DAY, account: str = "ACME",
               handling: Handling = Handling.STAGED, cl_ord_id: str | None = None,
               symbol: str = "AAPL", **extra: Any) -> str:
        events = self.run(cmd.SubmitTicket(
            account_id=account, symbol=symbol, side=side, qty=D(qty),
            ord_type=OrdType.LIMIT if px else OrdType.MARKET,
            limit_px=D(px) if px else None, tif=tif, cl_ord_id=cl_ord_id,
            source=Source.PHONE, handling=handling, **extra))
        return events[0].order_id  # type: ignore[attr-defined,no-any-return]

    def working(self, qty: str = "100", **kwargs: Any) -> str:
        order_id = self.submit(qty, **kwargs)
        self.run(cmd.AcceptTicket(order_id=order_id))
        return order_id

    def route(self, order_id: str, qty: str, **kwargs: Any) -> str:
        events = self.run(cmd.RouteChild(order_id=order_id, venue_id="SIM", qty=D(qty),
                                         **kwargs))
        return events[0].child_id  # type: ignore[attr-defined,no-any-return]

    def ack(self, child_id: str) -> list[Event]:
        return self.run(cmd.ApplyVenueReport(child_id=child_id, kind="ack"))

    def fill(self, child_id: str, qty: str, px: str) -> list[Event]:
        return self.run(cmd.ApplyVenueReport(child_id=child_id, kind="fill", last_qty=D(qty),
                                             last_px=D(px), venue_exec_id="V"))

    def venue(self, child_id: str, kind: str, **kwargs: Any) -> list[Event]:
        return self.run(cmd.ApplyVenueReport(child_id=child_id, kind=kind, **kwargs))
