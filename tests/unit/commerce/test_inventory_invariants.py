"""Hypothesis drives the shop through random orders, cancels, short picks, rejections,
shipments, receipts, adjustments, counts and returns; inventory always adds up.

After every step: nothing is negative (on hand, reserved, available); reservations equal the
units of open fulfilment orders at stock locations; units are conserved (received + returns
restocked - shipped - written down = on hand, per SKU and location); every order line's
active units are in live or done fulfilment orders or backordered; no location takes more
fulfilment orders in a day than its capacity. A refused command changes nothing at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain import events as ev
from openoms.commerce.domain.model import (
    Channel,
    Disposition,
    Fulfilment,
    FulfilmentKind,
    LocationKind,
    ShippingMethod,
    ShortagePolicy,
)
from openoms.commerce.domain.model import FulfilmentStatus as F
from openoms.core.errors import DomainError
from openoms.core.events import Command, Event

from shop import NEAR_MPLS, NEAR_STP, Shop, capture

SKUS = ["TEE", "MUG", "TENT", "KAYAK"]
STOCKED = ["TEE", "MUG", "TENT"]
LOCATIONS = ["MPLS", "STP", "WH"]
PICK = st.integers(0, 1000)
LINES = st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 4)), min_size=1, max_size=3)
STEPS = ["accept", "pick", "pack", "ship", "deliver", "ready", "hand_over"]


def _ship(f: Fulfilment) -> Command:
    if f.kind is FulfilmentKind.PICKUP:
        return cmd.ReadyForPickup(fulfilment_id=f.fulfilment_id)
    return cmd.ShipFulfilment(fulfilment_id=f.fulfilment_id, carrier="UPS", tracking="1Z")


# The next step of each kind of fulfilment order from where it is.
NEXT: dict[F, Callable[[Fulfilment], Command]] = {
    F.ASSIGNED: lambda f: cmd.AcceptFulfilment(fulfilment_id=f.fulfilment_id),
    F.ACCEPTED: lambda f: (cmd.PickFulfilment(fulfilment_id=f.fulfilment_id)
                           if f.kind is not FulfilmentKind.DROPSHIP else _ship(f)),
    F.PICKED: lambda f: cmd.PackFulfilment(fulfilment_id=f.fulfilment_id),
    F.PACKED: _ship,
    F.READY_FOR_PICKUP: lambda f: cmd.HandOver(fulfilment_id=f.fulfilment_id),
    F.SHIPPED: lambda f: cmd.DeliverFulfilment(fulfilment_id=f.fulfilment_id),
}


class InventoryMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.shop = Shop().seed()
        self.shop.rules(web=ShortagePolicy.BACKORDER, phone=ShortagePolicy.HOLD,
                        marketplace=ShortagePolicy.SHIP_AVAILABLE)
        self.change_location("WH", daily_capacity=6)
        self.received: Counter[tuple[str, str]] = Counter()
        self.restocked: Counter[tuple[str, str]] = Counter()
        self.shipped: Counter[tuple[str, str]] = Counter()
        self.written_down: Counter[tuple[str, str]] = Counter()
        for sku in STOCKED:
            for location in LOCATIONS:
                self._try(cmd.ReceiveStock(sku=sku, location_id=location, qty=4))

    def change_location(self, location_id: str, **changes: object) -> None:
        self.shop.change_location(location_id, **changes)

    # ------------------------------------------------------------ driving

    def _try(self, command: Command) -> None:
        before = self.shop.snapshot()
        try:
            events = self.shop.run(command)
        except DomainError:
            assert self.shop.snapshot() == before, f"{command} was refused but changed state"
            return
        for event in events:
            self._book(event)

    def _book(self, event: Event) -> None:
        """Keep the stock ledger from the events, as an accountant would."""
        state = self.shop.state
        if isinstance(event, ev.StockReceived):
            self.received[(event.sku, event.location_id)] += event.qty
        elif isinstance(event, ev.StockAdjusted | ev.StockCounted):
            key = (event.sku, event.location_id)
            if event.delta > 0:
                self.received[key] += event.delta
            else:
                self.written_down[key] -= event.delta
        elif isinstance(event, ev.FulfilmentShortPicked):
            f = state.fulfilments[event.fulfilment_id]
            for line in event.lines:
                sku = next(x.sku for x in f.lines if x.line_id == line.line_id)
                self.written_down[(sku, f.location_id)] += line.qty
        elif isinstance(event, ev.FulfilmentShipped | ev.FulfilmentPickedUp):
            f = state.fulfilments[event.fulfilment_id]
            if state.locations[f.location_id].kind is not LocationKind.VENDOR:
                for line in f.lines:
                    self.shipped[(line.sku, f.location_id)] += line.qty
        elif isinstance(event, ev.ReturnReceived):
            for item in event.lines:
                if item.disposition is Disposition.RESTOCK:
                    self.restocked[(item.sku, event.location_id)] += item.qty

    def _order(self, pick: int) -> str:
        ids = list(self.shop.state.orders)
        return ids[pick % len(ids)] if ids else "R0"

    def _fulfilment(self, pick: int, *statuses: F,
                    kinds: tuple[FulfilmentKind, ...] = tuple(FulfilmentKind)
                    ) -> Fulfilment | None:
        """One of the fulfilment orders in the given statuses (any, if none is given)."""
        items = [f for f in self.shop.state.fulfilments.values()
                 if (not statuses or f.status in statuses) and f.kind in kinds]
        return items[pick % len(items)] if items else None

    def _shipped_order(self, pick: int) -> str:
        ids = [o.order_id for o in self.shop.state.orders.values()
               if any(line.shipped > line.return_authorized for line in o.lines.values())]
        return ids[pick % len(ids)] if ids else "R0"

    # ------------------------------------------------------------ rules

    @rule(lines=LINES, channel=st.sampled_from([Channel.WEB, Channel.PHONE,
                                                Channel.MARKETPLACE]),
          pickup=st.booleans(), near_stp=st.booleans())
    def capture(self, lines: list[tuple[str, int]], channel: Channel, pickup: bool,
                near_stp: bool) -> None:
        self._try(capture(*lines, channel=channel, to=NEAR_STP if near_stp else NEAR_MPLS,
                          method=ShippingMethod.PICKUP if pickup else ShippingMethod.SHIP,
                          pickup="STP" if pickup else None))

    @rule(pick=PICK, qty=st.integers(0, 3))
    def cancel(self, pick: int, qty: int) -> None:
        order = self.shop.state.orders.get(self._order(pick))
        if order is None:
            return
        line_ids = list(order.lines)
        lines = () if qty == 0 else (ev.LineQty(line_id=line_ids[pick % len(line_ids)],
                                                qty=qty),)
        self._try(cmd.CancelOrder(order_id=order.order_id, lines=lines))

    @rule(pick=PICK, step=st.sampled_from(STEPS))
    def work(self, pick: int, step: str) -> None:
        f = self._fulfilment(pick)
        if f is None:
            return
        fid = f.fulfilment_id
        self._try({
            "accept": cmd.AcceptFulfilment(fulfilment_id=fid),
            "pick": cmd.PickFulfilment(fulfilment_id=fid),
            "pack": cmd.PackFulfilment(fulfilment_id=fid),
            "ship": cmd.ShipFulfilment(fulfilment_id=fid, carrier="UPS", tracking="1Z"),
            "deliver": cmd.DeliverFulfilment(fulfilment_id=fid),
            "ready": cmd.ReadyForPickup(fulfilment_id=fid),
            "hand_over": cmd.HandOver(fulfilment_id=fid),
        }[step])

    @rule(pick=PICK, steps=st.integers(1, 5))
    def advance(self, pick: int, steps: int) -> None:
        f = self._fulfilment(pick, *NEXT)
        for _ in range(steps):
            if f is None or f.status not in NEXT:
                break
            self._try(NEXT[f.status](f))
            f = self.shop.state.fulfilments[f.fulfilment_id]

    @rule(pick=PICK, qty=st.integers(1, 4))
    def short_pick(self, pick: int, qty: int) -> None:
        f = self._fulfilment(pick, F.ACCEPTED, F.PICKED,
                             kinds=(FulfilmentKind.SHIP, FulfilmentKind.PICKUP))
        lines = [line for line in f.lines if line.qty] if f is not None else []
        if f is not None and lines:
            line = lines[pick % len(lines)]
            self._try(cmd.ShortPick(fulfilment_id=f.fulfilment_id, lines=(
                ev.LineQty(line_id=line.line_id, qty=min(qty, line.qty)),)))

    @rule(pick=PICK)
    def reject(self, pick: int) -> None:
        f = self._fulfilment(pick, F.ASSIGNED, F.ACCEPTED)
        if f is not None:
            self._try(cmd.RejectFulfilment(fulfilment_id=f.fulfilment_id, reason="busy"))

    @rule(pick=PICK, qty=st.integers(1, 3))
    def vendor_refuses_a_line(self, pick: int, qty: int) -> None:
        f = self._fulfilment(pick, F.ASSIGNED, kinds=(FulfilmentKind.DROPSHIP,))
        if f is not None and f.lines:
            line = f.lines[pick % len(f.lines)]
            self._try(cmd.AcceptFulfilment(fulfilment_id=f.fulfilment_id, rejected=(
                ev.LineQty(line_id=line.line_id, qty=qty),), reason="out of stock"))

    @rule(sku=st.sampled_from(STOCKED), location=st.sampled_from(LOCATIONS),
          qty=st.integers(1, 6))
    def receive(self, sku: str, location: str, qty: int) -> None:
        self._try(cmd.ReceiveStock(sku=sku, location_id=location, qty=qty))

    @rule(sku=st.sampled_from(STOCKED), location=st.sampled_from(LOCATIONS),
          delta=st.integers(-4, 4))
    def adjust(self, sku: str, location: str, delta: int) -> None:
        self._try(cmd.AdjustStock(sku=sku, location_id=location, delta=delta, reason="audit"))

    @rule(sku=st.sampled_from(STOCKED), location=st.sampled_from(LOCATIONS),
          counted=st.integers(0, 8))
    def count(self, sku: str, location: str, counted: int) -> None:
        self._try(cmd.CountStock(sku=sku, location_id=location, counted=counted))

    @rule(sku=st.sampled_from(STOCKED), location=st.sampled_from(LOCATIONS),
          units=st.integers(0, 2))
    def safety_stock(self, sku: str, location: str, units: int) -> None:
        self._try(cmd.SetSafetyStock(sku=sku, location_id=location, safety_stock=units))

    @rule(pick=PICK, qty=st.integers(1, 3), location=st.sampled_from(LOCATIONS),
          restock=st.booleans())
    def return_units(self, pick: int, qty: int, location: str, restock: bool) -> None:
        order = self.shop.state.orders.get(self._shipped_order(pick))
        if order is None:
            return
        lines = [line for line in order.lines.values() if line.shipped > line.return_authorized]
        line = lines[pick % len(lines)]
        self._try(cmd.AuthorizeReturn(order_id=order.order_id, lines=(ev.LineQty(
            line_id=line.line_id, qty=min(qty, line.shipped - line.return_authorized)),)))
        rma = self.shop.state.returns[self.shop.state.orders[order.order_id].rma_ids[-1]]
        disposition = Disposition.RESTOCK if restock else Disposition.WRITE_OFF
        self._try(cmd.ReceiveReturn(rma_id=rma.rma_id, location_id=location, lines=tuple(
            cmd.ReturnLineReceipt(line_id=line.line_id, qty=line.qty, disposition=disposition)
            for line in rma.lines)))

    @rule(location=st.sampled_from(LOCATIONS), active=st.booleans())
    def open_or_close(self, location: str, active: bool) -> None:
        self.change_location(location, active=active)

    @rule()
    def source_backorders(self) -> None:
        self._try(cmd.SourceBackorders())

    # ------------------------------------------------------------ invariants

    @invariant()
    def nothing_is_negative(self) -> None:
        for key, stock in self.shop.state.stock.items():
            assert stock.on_hand >= 0 and stock.reserved >= 0, (key, stock)
            assert stock.available(with_safety=False) == stock.on_hand - stock.reserved, key

    @invariant()
    def reservations_are_the_open_fulfilment_orders(self) -> None:
        assert self.shop.reserved_matches_open_fulfilments()

    @invariant()
    def units_are_conserved(self) -> None:
        keys = set(self.shop.state.stock) | set(self.received) | set(self.written_down)
        for key in keys:
            expected = (self.received[key] + self.restocked[key] - self.shipped[key]
                        - self.written_down[key])
            assert self.shop.on_hand(*key).on_hand == expected, key

    @invariant()
    def every_active_unit_is_placed_or_backordered(self) -> None:
        state = self.shop.state
        for order in state.orders.values():
            placed: Counter[str] = Counter()
            for f in state.fulfilments_of(order.order_id):
                if f.status.is_open or f.status.is_done:
                    for line in f.lines:
                        placed[line.line_id] += line.qty
            for line in order.lines.values():
                assert line.backordered >= 0 and line.canceled >= 0, (order.order_id, line)
                assert line.active_qty == placed[line.line_id] + line.backordered, \
                    (order.order_id, line, placed)
                assert line.shipped <= line.active_qty

    @invariant()
    def no_location_takes_more_than_its_daily_capacity(self) -> None:
        state = self.shop.state
        for (location_id, _), used in state.capacity_used.items():
            capacity = state.locations[location_id].daily_capacity
            assert capacity is None or used <= capacity, (location_id, used)

    @invariant()
    def orders_on_hold_wait_for_stock(self) -> None:
        for order in self.shop.state.orders.values():
            if order.on_hold:
                assert order.order_id in self.shop.state.waiting


InventoryMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=50,
                                              deadline=None,
                                              suppress_health_check=[HealthCheck.too_slow])
test_inventory_random_operations_keep_stock_consistent = InventoryMachine.TestCase
