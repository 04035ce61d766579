"""The retail read model: rows projected batch by batch rebuild exactly the state they came
from, and a restored state decides every later command exactly as the original does."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from openoms.adapters.sql.schema import COMMERCE_READ_MODELS
from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain import events as ev
from openoms.commerce.domain.model import (
    Channel,
    Customer,
    Disposition,
    Fulfilment,
    FulfilmentKind,
    LineRequest,
    PaymentStatus,
    ShippingMethod,
    ShortagePolicy,
)
from openoms.commerce.domain.state import CommerceState
from openoms.commerce.module import CommerceModel
from openoms.commerce.projection import project
from openoms.core.errors import DomainError
from openoms.core.events import Command, Context, Event, Recorded

from shop import NEAR_MPLS, NEAR_STP, STAFF, Shop

D = Decimal
TABLES = {table.name: table for table in COMMERCE_READ_MODELS}
KEYS = {name: tuple(c.name for c in table.primary_key.columns) for name, table in TABLES.items()}
# What the store's versions query gives back: the streams whose rows carry no version.
ROW_VERSIONED = ("corder:", "stock:")


class RecordingShop(Shop):
    """A Shop that keeps the journal envelope of each event and projects them in batches into
    tables held in memory, as the engine's group commit does."""

    def __init__(self, state: CommerceState | None = None) -> None:
        super().__init__()
        if state is not None:
            self.state = state
        self.unprojected: list[Recorded] = []
        self.tables: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {
            name: {} for name in TABLES}

    def run(self, command: Command, ctx: Context = STAFF) -> list[Event]:
        self.now += timedelta(milliseconds=1)  # the engine's clock moves between commands
        events = super().run(command, ctx)
        added: dict[str, int] = {}
        for event in events:
            added[event.stream_id()] = added.get(event.stream_id(), 0) + 1
        version = {stream: self.state.versions[stream] - n for stream, n in added.items()}
        for event in events:
            stream = event.stream_id()
            version[stream] += 1
            self.unprojected.append(Recorded(
                stream_id=stream, version=version[stream], event=event, actor=ctx.actor,
                source=ctx.source, event_time=self.now, recorded_time=self.now))
        return events

    def project(self) -> dict[str, list[dict[str, Any]]]:
        """Project what ran since the last projection; upsert the rows; return them."""
        upserts, inserts = project(self.state, self.unprojected)
        self.unprojected = []
        assert inserts == {}
        for name, rows in upserts.items():
            for row in rows:
                assert list(row) == [c.name for c in TABLES[name].columns], name
                self.tables[name][tuple(row[k] for k in KEYS[name])] = row
        return upserts

    def restored(self) -> CommerceState:
        """A state rebuilt from the tables, with the versions the journal gives back."""
        self.project()
        model = CommerceModel()
        model.restore({name: list(rows.values()) for name, rows in self.tables.items()},
                      {stream: v for stream, v in self.state.versions.items()
                       if not stream.startswith(ROW_VERSIONED)})
        return model.state


def view(state: CommerceState) -> dict[str, Any]:
    """Every collection of the state; waiting list, orders, fulfilment orders and returns in
    their order (the engine sources in the one, the API lists the others so)."""
    seen = {
        "locations": state.locations, "skus": state.skus, "stock": state.stock,
        "rules": state.rules, "subscriptions": state.subscriptions, "orders": state.orders,
        "fulfilments": state.fulfilments, "returns": state.returns,
        "idempotency": state.idempotency, "channel_orders": state.channel_orders,
        "capacity_used": state.capacity_used, "waiting": list(state.waiting),
        "versions": state.versions, "order_seq": state.order_seq, "rma_seq": state.rma_seq}
    made = {name: list(seen[name]) for name in ("orders", "fulfilments", "returns")}
    # A collection added to the state must be added here (and to the read model) too.
    assert {n for n in vars(state) if not n.startswith("_")} == set(seen)
    return {**seen, "in order made": made}


def assert_restores(shop: RecordingShop) -> None:
    assert view(shop.restored()) == view(shop.state)


# ---------------------------------------------------------------- a realistic day


def test_projection_of_a_day_of_trading_restores_every_collection() -> None:
    shop = RecordingShop().seed()
    shop.run(cmd.SubscribeWebhook(subscription_id="erp", url="https://erp.example/hook",
                                  topics=("fulfilment.shipped", "order.created"),
                                  secret="s" * 16))
    shop.run(cmd.SetSourcingRules(
        rules=("exclude_closed", "respect_capacity", "closest", "dropship_fallback"),
        policies=(ev.ChannelPolicy(channel=Channel.PHONE, shortage=ShortagePolicy.HOLD),),
        default_shortage=ShortagePolicy.BACKORDER))
    shop.run(cmd.SetSafetyStock(sku="MUG", location_id="WH", safety_stock=2))
    shop.stock("TEE", "MPLS", 5)
    shop.stock("TEE", "STP", 2)
    shop.stock("MUG", "WH", 10)
    shop.project()
    web = shop.order(("TEE", 3), ("MUG", 2), ("KAYAK", 1), key="cart-1")
    held = shop.order(("TEE", 40), channel=Channel.PHONE)
    pickup = shop.order(("TEE", 1), method=ShippingMethod.PICKUP, pickup="STP", to=NEAR_STP)
    shop.run(cmd.CaptureOrder(channel=Channel.SHOPIFY, channel_order_id="#1001",
                              customer=Customer(name="Cy", email="cy@example.com"),
                              ship_to=NEAR_STP, lines=(LineRequest(sku="TEE", qty=9),)))
    assert held.order_id in shop.state.waiting
    for f in shop.fulfilments(web.order_id):
        if f.kind is FulfilmentKind.SHIP:
            shop.run(cmd.AcceptFulfilment(fulfilment_id=f.fulfilment_id))
            shop.run(cmd.PickFulfilment(fulfilment_id=f.fulfilment_id))
    first = shop.fulfilments(web.order_id)[0]
    shop.run(cmd.ShortPick(fulfilment_id=first.fulfilment_id,
                           lines=(ev.LineQty(line_id=first.lines[0].line_id, qty=1),)))
    shop.project()
    shop.now += timedelta(days=1)
    for f in shop.fulfilments(web.order_id):
        _drive(shop, f.fulfilment_id, to_end=True)
    _drive(shop, shop.fulfilments(pickup.order_id)[0].fulfilment_id, to_end=True)
    shop.run(cmd.CapturePayment(order_id=web.order_id))
    shop.run(cmd.RefundPayment(order_id=web.order_id, amount=D("5.50"), reason="late"))
    shop.run(cmd.AuthorizeReturn(order_id=web.order_id,
                                 lines=(ev.LineQty(line_id="1", qty=1),), reason="too big"))
    shop.run(cmd.ReceiveReturn(rma_id="RMA1", location_id="MPLS", lines=(
        cmd.ReturnLineReceipt(line_id="1", qty=1, disposition=Disposition.RESTOCK),)))
    shop.run(cmd.AuthorizeReturn(order_id=web.order_id, lines=(ev.LineQty(line_id="2", qty=1),)))
    shop.run(cmd.CancelOrder(order_id=held.order_id, lines=(ev.LineQty(line_id="1", qty=35),)))
    shop.stock("TEE", "WH", 30)
    assert shop.state.returns and shop.state.capacity_used and shop.state.idempotency
    assert_restores(shop)


def _drive(shop: Shop, fulfilment_id: str, *, to_end: bool = False) -> None:
    while (command := next_step(shop.state.fulfilments[fulfilment_id])) is not None:
        shop.run(command)
        if not to_end:
            return


def next_step(f: Fulfilment) -> Command | None:
    """The command that moves a fulfilment order on by one step, if it can move."""
    fid, status, kind = f.fulfilment_id, f.status.value, f.kind
    if status == "assigned":
        return cmd.AcceptFulfilment(fulfilment_id=fid)
    if status == "accepted":
        return cmd.ShipFulfilment(fulfilment_id=fid, carrier="UPS", tracking=f"1Z{fid}") \
            if kind is FulfilmentKind.DROPSHIP else cmd.PickFulfilment(fulfilment_id=fid)
    if status == "picked":
        return cmd.PackFulfilment(fulfilment_id=fid)
    if status == "packed":
        return cmd.ReadyForPickup(fulfilment_id=fid) if kind is FulfilmentKind.PICKUP \
            else cmd.ShipFulfilment(fulfilment_id=fid, carrier="FedEx", tracking=f"FX{fid}")
    if status == "ready_for_pickup":
        return cmd.HandOver(fulfilment_id=fid)
    if status == "shipped":
        return cmd.DeliverFulfilment(fulfilment_id=fid)
    return None


def test_projection_writes_only_what_the_records_touched() -> None:
    shop = RecordingShop().seed()
    shop.project()
    shop.stock("TEE", "MPLS", 5)
    assert set(shop.project()) == {"commerce_stock"}  # no order waited for it
    order = shop.order(("TEE", 2))
    assert set(shop.project()) == {
        "commerce_orders", "commerce_order_lines", "commerce_fulfilments",
        "commerce_fulfilment_lines", "commerce_stock", "commerce_capacity",
        "commerce_counters"}
    f = shop.fulfilments(order.order_id)[0]
    shop.run(cmd.AcceptFulfilment(fulfilment_id=f.fulfilment_id))
    rows = shop.project()
    assert [r["status"] for r in rows["commerce_fulfilments"]] == ["accepted"]
    assert [(r["order_id"], r["version"]) for r in rows["commerce_orders"]] \
        == [(order.order_id, 3)]


def test_waiting_list_is_restored_in_its_order_not_the_order_of_capture() -> None:
    shop = RecordingShop().seed()
    shop.stock("TEE", "MPLS", 2)
    first = shop.order(("TEE", 3))  # 2 reserved at MPLS, 1 waits
    second = shop.order(("MUG", 1))  # nothing anywhere: waits
    shop.stock("TEE", "WH", 1)  # the first order is complete: it stops waiting
    f = shop.fulfilments(first.order_id)[0]
    shop.run(cmd.AcceptFulfilment(fulfilment_id=f.fulfilment_id))
    shop.run(cmd.ShortPick(fulfilment_id=f.fulfilment_id,
                           lines=(ev.LineQty(line_id="1", qty=1),)))  # waits again, behind
    assert list(shop.state.waiting) == [second.order_id, first.order_id]
    assert_restores(shop)

# ---------------------------------------------------------------- random runs

SKUS = ("TEE", "MUG", "KAYAK", "TENT")
STOCKED = ("MPLS", "STP", "WH")
Action = tuple[str, int, int]


def _pick(items: Sequence[Any], n: int) -> Any:
    return items[n % len(items)] if items else None


def _capture(s: RecordingShop, n: int, k: int) -> Command:
    skus = [SKUS[(n >> (2 * i)) % len(SKUS)] for i in range(1 + n % 3)]
    pickup = n % 5 == 0 and all(sku != "KAYAK" for sku in skus)
    return cmd.CaptureOrder(
        channel=_pick(list(Channel), n >> 3), channel_order_id=f"C{n % 5}" if n % 4 == 0 else "",
        idempotency_key=f"K{n % 6}" if n % 3 == 0 else None,
        customer=Customer(name="Ann", email="ann@example.com"),
        ship_to=NEAR_STP if n % 2 else NEAR_MPLS,
        method=ShippingMethod.PICKUP if pickup else ShippingMethod.SHIP,
        pickup_location_id="STP" if pickup else None,
        lines=tuple(LineRequest(sku=sku, qty=1 + (k + i) % 4, unit_price=D("12.50"))
                    for i, sku in enumerate(skus)))


def _fulfilments(s: RecordingShop, *statuses: str) -> list[Fulfilment]:
    return [f for f in s.state.fulfilments.values() if f.status.value in statuses]


def _short_pick(s: RecordingShop, n: int, k: int) -> Command | None:
    f = _pick([f for f in _fulfilments(s, "accepted", "picked")
               if f.kind is not FulfilmentKind.DROPSHIP and f.units], n)
    if f is None:
        return None
    line = _pick([line for line in f.lines if line.qty], k)
    return cmd.ShortPick(fulfilment_id=f.fulfilment_id,
                         lines=(ev.LineQty(line_id=line.line_id, qty=1 + k % line.qty),))


def _reject(s: RecordingShop, n: int, k: int) -> Command | None:
    f = _pick(_fulfilments(s, "assigned", "accepted"), n)
    if f is None:
        return None
    if f.kind is FulfilmentKind.DROPSHIP and f.status.value == "assigned" and k % 2:
        line = f.lines[k % len(f.lines)]  # the vendor refuses some units as it acknowledges
        return cmd.AcceptFulfilment(fulfilment_id=f.fulfilment_id, reason="out of stock",
                                    rejected=(ev.LineQty(line_id=line.line_id, qty=1),))
    return cmd.RejectFulfilment(fulfilment_id=f.fulfilment_id, reason="no staff")


def _advance(s: RecordingShop, n: int, k: int) -> Command | None:
    f = _pick(_fulfilments(s, "assigned", "accepted", "picked", "packed", "ready_for_pickup",
                           "shipped"), n)
    return None if f is None else next_step(f)


def _cancel(s: RecordingShop, n: int, k: int) -> Command | None:
    order = _pick(list(s.state.orders.values()), n)
    if order is None:
        return None
    if k % 2:
        return cmd.CancelOrder(order_id=order.order_id, reason="changed mind")
    line = _pick(list(order.lines.values()), k)
    return cmd.CancelOrder(order_id=order.order_id,
                           lines=(ev.LineQty(line_id=line.line_id, qty=1 + k % 3),))


def _return(s: RecordingShop, n: int, k: int) -> Command | None:
    lines = [(o.order_id, line) for o in s.state.orders.values() for line in o.lines.values()
             if line.shipped > line.return_authorized]
    if not lines:
        return None
    order_id, line = _pick(lines, n)
    return cmd.AuthorizeReturn(order_id=order_id, reason="damaged", lines=(ev.LineQty(
        line_id=line.line_id, qty=1 + k % (line.shipped - line.return_authorized)),))


def _receive_return(s: RecordingShop, n: int, k: int) -> Command | None:
    rma = _pick([r for r in s.state.returns.values() if not r.received], n)
    if rma is None:
        return None
    return cmd.ReceiveReturn(rma_id=rma.rma_id, location_id=_pick(STOCKED, k), lines=tuple(
        cmd.ReturnLineReceipt(line_id=line.line_id, qty=1 + k % line.qty,
                              disposition=Disposition.WRITE_OFF if k % 3 == 0
                              else Disposition.RESTOCK) for line in rma.lines))


def _payment(s: RecordingShop, n: int, k: int) -> Command | None:
    order = _pick(list(s.state.orders.values()), n)
    if order is None:
        return None
    if order.payment_status is PaymentStatus.AUTHORIZED:
        return cmd.CapturePayment(order_id=order.order_id)
    left = order.total - order.amount_refunded
    return cmd.RefundPayment(order_id=order.order_id, amount=left if k % 2 else left / 2)


def _rules(s: RecordingShop, n: int, k: int) -> Command:
    policy = _pick(list(ShortagePolicy), k)
    return cmd.SetSourcingRules(
        rules=("exclude_closed", "respect_capacity", "respect_safety_stock",
               "complete_single_location", "minimise_splits", "closest")[: 2 + n % 5],
        default_shortage=_pick(list(ShortagePolicy), n),
        policies=(ev.ChannelPolicy(channel=_pick(list(Channel), n >> 2), shortage=policy),))


def _location(s: RecordingShop, n: int, k: int) -> Command:
    loc = s.state.locations[_pick(STOCKED, n)]
    return cmd.DefineLocation(
        location_id=loc.location_id, name=loc.name, kind=loc.kind, address=loc.address,
        latitude=loc.latitude, longitude=loc.longitude, pickup=loc.pickup,
        active=k % 4 != 0, daily_capacity=None if k % 3 == 0 else k % 4, priority=k % 30)


def _day(s: RecordingShop, n: int, k: int) -> None:
    s.now += timedelta(days=1)


ACTIONS: dict[str, Callable[[RecordingShop, int, int], Command | None]] = {
    "capture": _capture,
    "receive": lambda s, n, k: cmd.ReceiveStock(sku=_pick(SKUS, n),
                                                location_id=_pick(STOCKED, n >> 2), qty=k),
    "count": lambda s, n, k: cmd.CountStock(sku=_pick(SKUS, n), location_id=_pick(STOCKED, k),
                                            counted=k + n % 3),
    "safety": lambda s, n, k: cmd.SetSafetyStock(sku="TEE", location_id=_pick(STOCKED, n),
                                                 safety_stock=k % 3),
    "short_pick": _short_pick,
    "reject": _reject,
    "advance": _advance,
    "cancel": _cancel,
    "return": _return,
    "receive_return": _receive_return,
    "payment": _payment,
    "rules": _rules,
    "location": _location,
    "backorders": lambda s, n, k: cmd.SourceBackorders(),
    "subscribe": lambda s, n, k: cmd.SubscribeWebhook(
        subscription_id=f"sub{n % 3}", url="https://hooks.example/x",
        topics=("order.created", "fulfilment.shipped")[: k],
        secret="0123456789abcdef", active=bool(n % 2)),
    "day": _day,
}

actions = st.lists(st.tuples(st.sampled_from([*ACTIONS, "advance", "advance", "capture",
                                              "project"]),
                             st.integers(0, 2**16), st.integers(1, 6)), max_size=60)


def play(shop: RecordingShop, script: Sequence[Action]) -> list[list[Event] | str]:
    """Run the script; return what each step did (events, or why nothing happened)."""
    outcome: list[list[Event] | str] = []
    for name, n, k in script:
        if name == "project":
            shop.project()
            outcome.append("projected")
            continue
        command = ACTIONS[name](shop, n, k)
        if command is None:
            outcome.append("nothing to do")
            continue
        try:
            outcome.append(shop.run(command))
        except DomainError as exc:
            outcome.append(type(exc).__name__)
    return outcome


def _seeded() -> RecordingShop:
    shop = RecordingShop().seed()
    shop.stock("TEE", "MPLS", 4)
    shop.stock("MUG", "WH", 3)
    shop.stock("TEE", "STP", 3)
    return shop


@settings(max_examples=150, deadline=None)
@given(actions)
def test_projection_of_any_run_restores_the_state(script: list[Action]) -> None:
    shop = _seeded()
    play(shop, script)
    assert_restores(shop)


@settings(max_examples=75, deadline=None)
@given(actions, actions)
def test_restored_state_decides_later_commands_as_the_original(
        before: list[Action], after: list[Action]) -> None:
    original = _seeded()
    play(original, before)
    restored = RecordingShop(original.restored())
    restored.now = original.now
    restored.tables = copy.deepcopy(original.tables)  # the database outlives the process
    assert play(restored, after) == play(original, after)
    assert view(restored.state) == view(original.state)
    assert_restores(restored)

