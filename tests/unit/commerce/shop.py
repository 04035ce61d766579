"""A test harness for the pure retail business: decide and evolve, fixed clock, no engine.

``Shop().seed()`` is the two-store scenario: stores in Minneapolis and St. Paul (both ship;
St. Paul also offers pickup), a warehouse in Eagan, and a drop-ship vendor.
"""

from __future__ import annotations

import copy
from dataclasses import fields
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain import events as ev
from openoms.commerce.domain.decide import decide
from openoms.commerce.domain.model import (
    DEFAULT_RULES,
    Address,
    Channel,
    CommerceOrder,
    Customer,
    Fulfilment,
    LineRequest,
    LocationKind,
    ShippingMethod,
    ShortagePolicy,
    Stock,
)
from openoms.commerce.domain.state import CommerceState
from openoms.core.events import Command, Context, Event, Recorded

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
STAFF = Context(actor="carol", source="api", role="customer_service")
D = Decimal

# Customers: one near Minneapolis's store, one near St. Paul's.
NEAR_MPLS = Address(name="Ann", line1="100 Hennepin Ave", city="Minneapolis", region="MN",
                    postal_code="55401", country="US", latitude=D("44.9800"),
                    longitude=D("-93.2700"))
NEAR_STP = Address(name="Bob", line1="5 W 7th St", city="Saint Paul", region="MN",
                   postal_code="55102", country="US", latitude=D("44.9460"),
                   longitude=D("-93.0990"))


def address(city: str) -> Address:
    return Address(line1="1 Main St", city=city, postal_code="55000", country="US")


class Shop:
    """Holds a CommerceState; ``run`` decides a command and applies its events."""

    def __init__(self) -> None:
        self.state = CommerceState()
        self.now = NOW
        self.journal: list[Event] = []

    def run(self, command: Command, ctx: Context = STAFF) -> list[Event]:
        events = decide(self.state, command, ctx, self.now)
        for event in events:
            stream = event.stream_id()
            self.state.apply(Recorded(
                stream_id=stream, version=self.state.versions.get(stream, 0) + 1, event=event,
                actor=ctx.actor, source=ctx.source, event_time=self.now,
                recorded_time=self.now))
        self.journal += events
        return events

    def seed(self) -> Shop:
        for command in (
            cmd.DefineLocation(location_id="MPLS", name="Minneapolis", kind=LocationKind.STORE,
                               address=address("Minneapolis"), latitude=D("44.9778"),
                               longitude=D("-93.2650"), priority=10),
            cmd.DefineLocation(location_id="STP", name="St. Paul", kind=LocationKind.STORE,
                               address=address("Saint Paul"), latitude=D("44.9537"),
                               longitude=D("-93.0900"), pickup=True, priority=10),
            cmd.DefineLocation(location_id="WH", name="Eagan warehouse",
                               kind=LocationKind.WAREHOUSE, address=address("Eagan"),
                               latitude=D("44.8041"), longitude=D("-93.1669"), priority=20),
            cmd.DefineLocation(location_id="ACME", name="Acme Outdoor", kind=LocationKind.VENDOR,
                               address=address("Duluth"), latitude=D("46.7867"),
                               longitude=D("-92.1005"), email="po@acme.example"),
            cmd.DefineSku(sku="TEE", name="T-shirt"),
            cmd.DefineSku(sku="MUG", name="Mug"),
            cmd.DefineSku(sku="KAYAK", name="Kayak", stocked=False, vendor_id="ACME",
                          vendor_sku="AC-K10", cost=D("300")),
            cmd.DefineSku(sku="TENT", name="Tent", vendor_id="ACME", vendor_sku="AC-T2"),
        ):
            self.run(command)
        return self

    def stock(self, sku: str, location_id: str, qty: int) -> None:
        self.run(cmd.ReceiveStock(sku=sku, location_id=location_id, qty=qty))

    def order(self, *lines: tuple[str, int], to: Address = NEAR_MPLS,
              channel: Channel = Channel.WEB, method: ShippingMethod = ShippingMethod.SHIP,
              pickup: str | None = None, key: str | None = None) -> CommerceOrder:
        events = self.run(capture(*lines, to=to, channel=channel, method=method, pickup=pickup,
                                  key=key))
        captured = events[0]
        assert isinstance(captured, ev.OrderCaptured)
        return self.state.orders[captured.order_id]

    # ------------------------------------------------------------ more scenario helpers

    def snapshot(self) -> dict[str, Any]:
        """Everything the state holds, copied, to show a refused command changed nothing."""
        return copy.deepcopy({name: value for name, value in vars(self.state).items()
                              if not name.startswith("_")})

    def change_location(self, location_id: str, **changes: Any) -> None:
        """Define the location again with some of its settings changed (close it...)."""
        location = self.state.locations[location_id]
        settings = {f.name: getattr(location, f.name) for f in fields(location)}
        self.run(cmd.DefineLocation(**{**settings, **changes}))

    def rules(self, *rules: str, default: ShortagePolicy = ShortagePolicy.BACKORDER,
              **channels: ShortagePolicy) -> None:
        """Set the rule stack (the default one if no rule is named) and shortage policies."""
        self.run(cmd.SetSourcingRules(
            rules=rules or DEFAULT_RULES, default_shortage=default,
            policies=tuple(ev.ChannelPolicy(channel=Channel(name), shortage=policy)
                           for name, policy in channels.items())))

    def on_hand(self, sku: str, location_id: str) -> Stock:
        return self.state.stock_of(sku, location_id)

    def sourced(self, order_id: str) -> ev.OrderSourced:
        """The order's latest sourcing decision."""
        return next(e for e in reversed(self.journal)
                    if isinstance(e, ev.OrderSourced) and e.order_id == order_id)

    def at(self, order_id: str, location_id: str) -> Fulfilment:
        """The order's live (or done) fulfilment order at the location."""
        return next(f for f in self.fulfilments(order_id) if f.location_id == location_id
                    and f.status.value not in ("rejected", "canceled"))

    def ship(self, fulfilment_id: str) -> None:
        """Take a store's fulfilment order through accept, pick, pack and ship."""
        for command in (cmd.AcceptFulfilment(fulfilment_id=fulfilment_id),
                        cmd.PickFulfilment(fulfilment_id=fulfilment_id),
                        cmd.PackFulfilment(fulfilment_id=fulfilment_id),
                        cmd.ShipFulfilment(fulfilment_id=fulfilment_id, carrier="UPS",
                                           tracking=f"1Z{fulfilment_id}")):
            self.run(command)

    def fulfilments(self, order_id: str) -> list[Fulfilment]:
        return self.state.fulfilments_of(order_id)

    def where(self, order_id: str) -> dict[str, dict[str, int]]:
        """Location -> SKU -> units of the order's live fulfilment orders."""
        out: dict[str, dict[str, int]] = {}
        for f in self.fulfilments(order_id):
            if f.status.value in ("rejected", "canceled"):
                continue
            for line in f.lines:
                if line.qty:
                    spot = out.setdefault(f.location_id, {})
                    spot[line.sku] = spot.get(line.sku, 0) + line.qty
        return out

    def reserved_matches_open_fulfilments(self) -> bool:
        """Reservations equal the units of open fulfilment orders, SKU by location."""
        promised: dict[tuple[str, str], int] = {}
        for f in self.state.fulfilments.values():
            if f.status.is_open and self.state.locations[f.location_id].kind \
                    is not LocationKind.VENDOR:
                for line in f.lines:
                    key = (line.sku, f.location_id)
                    promised[key] = promised.get(key, 0) + line.qty
        reserved = {key: s.reserved for key, s in self.state.stock.items() if s.reserved}
        return {k: v for k, v in promised.items() if v} == reserved


def capture(*lines: tuple[str, int], to: Address = NEAR_MPLS, channel: Channel = Channel.WEB,
            method: ShippingMethod = ShippingMethod.SHIP, pickup: str | None = None,
            key: str | None = None, channel_order_id: str = "") -> cmd.CaptureOrder:
    """A CaptureOrder for Ann, each line at 10.00 a unit."""
    return cmd.CaptureOrder(
        channel=channel, idempotency_key=key, channel_order_id=channel_order_id,
        customer=Customer(name="Ann"), ship_to=to, method=method, pickup_location_id=pickup,
        lines=tuple(LineRequest(sku=sku, qty=qty, unit_price=D("10")) for sku, qty in lines))
