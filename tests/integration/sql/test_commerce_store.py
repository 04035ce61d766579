"""The retail business in SQLite and PostgreSQL: a restart gives back the same state (from the
read models, from the read models plus a journal tail, from the journal alone); migration 0003;
token scopes; the outbox's due messages."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from openoms.adapters.sql.migrations import current_revision, upgrade
from openoms.adapters.sql.schema import metadata
from openoms.adapters.sql.store import SqlStore
from openoms.bootstrap import Runtime, start_runtime, stop_runtime
from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain import events as ev
from openoms.commerce.domain.model import (
    Address,
    Channel,
    Customer,
    Disposition,
    FulfilmentKind,
    LineRequest,
    LocationKind,
    ShippingMethod,
    ShortagePolicy,
)
from openoms.commerce.domain.state import CommerceState
from openoms.commerce.module import CommerceModel
from openoms.core.clock import ManualClock
from openoms.core.engine import Batch, Engine
from openoms.core.events import Command, Context
from openoms.models import registry
from openoms.settings import load_settings

CTX = Context(actor="carol", source="api", role="customer_service")
START = datetime(2026, 11, 23, 15, 0, 0, 123456, tzinfo=UTC)
HOME = Address(name="Ann", line1="100 Hennepin Ave", city="Minneapolis", region="MN",
               postal_code="55401", country="US", latitude=D("44.9800"), longitude=D("-93.2700"))


def _place(location_id: str, kind: LocationKind, lat: str, lon: str,
           **more: Any) -> cmd.DefineLocation:
    return cmd.DefineLocation(location_id=location_id, name=location_id.title(), kind=kind,
                              address=Address(line1="1 Main St", city="Twin Cities",
                                              postal_code="55000", country="US"),
                              latitude=D(lat), longitude=D(lon), **more)


def _capture(*lines: tuple[str, int], **more: Any) -> cmd.CaptureOrder:
    return cmd.CaptureOrder(**{"channel": Channel.WEB, "ship_to": HOME,
                               "customer": Customer(name="Ann", email="ann@example.com"),
                               **more},
                            lines=tuple(LineRequest(sku=s, qty=q, unit_price=D("19.99"))
                                        for s, q in lines))


SEED: list[Command] = [
    _place("MPLS", LocationKind.STORE, "44.9778", "-93.2650", priority=10, daily_capacity=5),
    _place("STP", LocationKind.STORE, "44.9537", "-93.0900", pickup=True, priority=10),
    _place("WH", LocationKind.WAREHOUSE, "44.8041", "-93.1669", priority=20),
    _place("ACME", LocationKind.VENDOR, "46.7867", "-92.1005", email="po@acme.example"),
    cmd.DefineSku(sku="TEE", name="T-shirt"),
    cmd.DefineSku(sku="MUG", name="Mug", cost=D("3.10")),
    cmd.DefineSku(sku="KAYAK", name="Kayak", stocked=False, vendor_id="ACME", vendor_sku="K1"),
    cmd.SetSourcingRules(rules=("exclude_closed", "respect_capacity", "respect_safety_stock",
                                "complete_single_location", "minimise_splits", "closest",
                                "dropship_fallback"),
                         policies=(ev.ChannelPolicy(channel=Channel.PHONE,
                                                    shortage=ShortagePolicy.HOLD),)),
    cmd.SubscribeWebhook(subscription_id="erp", url="https://erp.example/hooks",
                         topics=("order.created",), secret="0123456789abcdef"),
    cmd.ReceiveStock(sku="TEE", location_id="MPLS", qty=6),
    cmd.ReceiveStock(sku="TEE", location_id="STP", qty=2),
    cmd.ReceiveStock(sku="MUG", location_id="WH", qty=8),
    cmd.SetSafetyStock(sku="MUG", location_id="WH", safety_stock=1),
]

Step = Callable[[CommerceState], Command]


def _fulfilment(state: CommerceState, order_id: str, location_id: str) -> str:
    return next(f.fulfilment_id for f in state.fulfilments_of(order_id)
                if f.location_id == location_id and f.status.is_open)


def _through(location_id: str, order_id: str, *names: str) -> list[Step]:
    """Steps that take the order's fulfilment order at location_id through names."""
    made: dict[str, Callable[[str], Command]] = {
        "accept": lambda f: cmd.AcceptFulfilment(fulfilment_id=f),
        "pick": lambda f: cmd.PickFulfilment(fulfilment_id=f),
        "pack": lambda f: cmd.PackFulfilment(fulfilment_id=f),
        "ready": lambda f: cmd.ReadyForPickup(fulfilment_id=f),
        "ship": lambda f: cmd.ShipFulfilment(fulfilment_id=f, carrier="UPS", tracking="1Z9"),
    }
    return [lambda s, n=name: made[n](_fulfilment(s, order_id, location_id)) for name in names]


def _day_one() -> list[Step]:
    """Orders from four channels, worked, short-picked, shipped, returned, refunded."""
    return [
        *(lambda s, c=c: c for c in SEED),
        lambda s: _capture(("TEE", 2), ("MUG", 2), ("KAYAK", 1), idempotency_key="cart-7"),
        lambda s: _capture(("TEE", 30), channel=Channel.PHONE),  # held: nothing reserved
        lambda s: _capture(("TEE", 1), method=ShippingMethod.PICKUP, pickup_location_id="STP"),
        lambda s: _capture(("MUG", 3), channel=Channel.SHOPIFY, channel_order_id="#1001"),
        *_through("MPLS", "R1", "accept", "pick"),
        lambda s: cmd.ShortPick(fulfilment_id=_fulfilment(s, "R1", "MPLS"),
                                lines=(ev.LineQty(line_id="1", qty=1),)),
        *_through("MPLS", "R1", "pack", "ship"),
        *_through("STP", "R3", "accept", "pick", "pack", "ready"),
        lambda s: cmd.CapturePayment(order_id="R1"),
        lambda s: cmd.RefundPayment(order_id="R1", amount=D("5.00"), reason="late"),
        lambda s: cmd.AuthorizeReturn(order_id="R1", lines=(ev.LineQty(line_id="1", qty=1),),
                                      reason="too small"),
        lambda s: cmd.ReceiveReturn(rma_id="RMA1", location_id="STP", lines=(
            cmd.ReturnLineReceipt(line_id="1", qty=1, disposition=Disposition.RESTOCK),)),
        lambda s: cmd.CancelOrder(order_id="R4", lines=(ev.LineQty(line_id="1", qty=1),)),
    ]


def _day_two() -> list[Step]:
    """Work on the restored state: stock arrives for the held order, parcels go out."""
    return [
        lambda s: cmd.ReceiveStock(sku="TEE", location_id="WH", qty=40),
        *_through("WH", "R2", "accept", "pick", "pack", "ship"),
        lambda s: cmd.HandOver(fulfilment_id=_fulfilment(s, "R3", "STP")),
        lambda s: cmd.AcceptFulfilment(fulfilment_id=next(
            f.fulfilment_id for f in s.fulfilments_of("R1") if f.kind is FulfilmentKind.DROPSHIP)),
        lambda s: _capture(("MUG", 1), idempotency_key="cart-8"),
    ]


async def _play(engine: Engine, state: CommerceState, clock: ManualClock,
                steps: list[Step]) -> None:
    for step in steps:
        clock.advance(minutes=7)
        await engine.execute(step(state), CTX)


def view(state: CommerceState) -> dict[str, Any]:
    """Every collection of the state; waiting list, orders, fulfilment orders and returns in
    their order."""
    seen = {
        "locations": state.locations, "skus": state.skus, "stock": state.stock,
        "rules": state.rules, "subscriptions": state.subscriptions, "orders": state.orders,
        "fulfilments": state.fulfilments, "returns": state.returns,
        "idempotency": state.idempotency, "channel_orders": state.channel_orders,
        "capacity_used": state.capacity_used, "waiting": list(state.waiting),
        "versions": state.versions, "order_seq": state.order_seq, "rma_seq": state.rma_seq}
    assert {n for n in vars(state) if not n.startswith("_")} == set(seen)
    made = {name: list(seen[name]) for name in ("orders", "fulfilments", "returns")}
    return {**seen, "in order made": made}


# ---------------------------------------------------------------- restart


def test_runtime_restart_gives_back_the_retail_state(db_url: str, tmp_path: Path) -> None:
    settings = load_settings(None, data_dir=tmp_path, database_url=db_url,
                             day_end_enabled=False, fix_port=0)
    clock = ManualClock(START)

    async def restart(before: dict[str, Any]) -> Runtime:
        runtime = await start_runtime(settings, clock=clock)
        assert view(runtime.commerce.state) == before
        return runtime

    async def scenario() -> None:
        runtime = await start_runtime(settings, clock=clock)
        await _play(runtime.engine, runtime.commerce.state, clock, _day_one())
        state = runtime.commerce.state
        assert list(state.waiting) == ["R2"] and state.returns["RMA1"].received
        before = view(state)
        await stop_runtime(runtime)

        runtime = await restart(before)
        clock.advance(days=1)
        await _play(runtime.engine, runtime.commerce.state, clock, _day_two())
        state = runtime.commerce.state
        assert state.waiting == {} and state.orders["R2"].status.value == "shipped"
        before = view(state)
        await stop_runtime(runtime)

        runtime = await restart(before)
        await stop_runtime(runtime)

    asyncio.run(scenario())
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            orders = {r.order_id: r for r in connection.execute(sa.text(
                "SELECT order_id, status, version, customer_email, amount_refunded, created_at, "
                "updated_at FROM commerce_orders"))}
            queue = connection.execute(sa.text(
                "SELECT fulfilment_id FROM commerce_fulfilments WHERE location_id = 'WH' "
                "AND status = 'shipped'")).scalars().all()
            stock = connection.execute(sa.text(
                "SELECT on_hand, reserved, version FROM commerce_stock "
                "WHERE sku = 'TEE' AND location_id = 'WH'")).one()
    finally:
        engine.dispose()
    assert set(orders) == {"R1", "R2", "R3", "R4", "R5"}
    assert orders["R1"].status == "partly_returned" and orders["R3"].status == "delivered"
    assert orders["R1"].customer_email == "ann@example.com"
    assert D(orders["R1"].amount_refunded) == D("5.00")
    assert queue == ["R2-1"] and tuple(stock) == (10, 0, 1)


def test_snapshot_plus_journal_tail_and_full_replay_give_the_same_state(db_url: str) -> None:
    async def scenario() -> None:
        store = SqlStore(db_url, registry())
        model = CommerceModel()
        clock = ManualClock(START)
        # The read models are projected with the first batch only: the rest is journal tail.
        engine = Engine([model], store, clock, project_every=3600)
        engine.start()
        await _play(engine, model.state, clock, [*_day_one(), *_day_two()])
        await engine.barrier()

        reader = SqlStore(db_url, registry())
        snapshot = reader.load()
        assert snapshot.checkpoint == 1 and len(snapshot.tail) == engine.durable_position - 1
        assert _restored(snapshot.tables, snapshot.versions, snapshot.tail) == view(model.state)

        await engine.stop()  # projects everything
        snapshot = reader.load()
        assert snapshot.tail == [] and snapshot.checkpoint == engine.durable_position
        assert not any(s.startswith(("corder:", "stock:")) for s in snapshot.versions)
        assert snapshot.versions["location:MPLS"] == 1
        assert _restored(snapshot.tables, snapshot.versions, []) == view(model.state)

        reader.rebuild_read_models()
        snapshot = reader.load()
        assert snapshot.checkpoint == 0 and not snapshot.tables["commerce_orders"]
        assert _restored(snapshot.tables, snapshot.versions, snapshot.tail) == view(model.state)
        reader.close()
        store.close()

    asyncio.run(scenario())


def _restored(tables: Any, versions: Any, tail: Any) -> dict[str, Any]:
    model = CommerceModel()
    model.restore(tables, versions)
    for recorded in tail:
        model.apply(recorded)
    return view(model.state)


# ---------------------------------------------------------------- migration 0003


def test_migration_0003_adds_retail_tables_outbox_and_token_scope(empty_db_url: str) -> None:
    upgrade(empty_db_url, "0002")
    engine = sa.create_engine(empty_db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:  # a token from before scopes existed
            connection.execute(sa.text(
                "INSERT INTO api_tokens (token_id, name, role, token_sha256, created_at) "
                "VALUES ('t1', 'old', 'viewer', :digest, :at)"),
                {"digest": "0" * 64, "at": "2026-11-01T00:00:00+00:00"})
        upgrade(empty_db_url)
        assert current_revision(empty_db_url) == "0005"  # and every later one
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            # Types, nullability, keys and indexes of every table match the schema.
            assert compare_metadata(context, metadata) == []
            inspector = sa.inspect(connection)
            assert {"ix_outbox_due"} <= {i["name"] for i in inspector.get_indexes("outbox")}
            scope = connection.execute(sa.text("SELECT scope FROM api_tokens")).scalar_one()
        assert scope == ""
    finally:
        engine.dispose()


# ---------------------------------------------------------------- tokens and outbox


def test_token_scope_round_trips(db_url: str) -> None:
    store = SqlStore(db_url, registry())
    scoped = store.create_token("mpls-floor", "store_associate",
                                ["location:MPLS", "location:STP"])
    plain = store.create_token("alice", "trader")
    found = store.find_token(scoped)
    assert found is not None and found.scope == ("location:MPLS", "location:STP")
    assert found.role == "store_associate"
    assert (info := store.find_token(plain)) is not None and info.scope == ()
    assert sorted(t.scope for t in store.list_tokens()) == [(), ("location:MPLS",
                                                                 "location:STP")]
    with pytest.raises(ValueError, match="without commas"):
        store.create_token("bad", "vendor", ["vendor:A,vendor:B"])
    assert len(store.list_tokens()) == 2
    store.close()


def _message(message_id: str, *, created: datetime, due: datetime,
             status: str = "pending") -> dict[str, Any]:
    return {"message_id": message_id, "kind": "webhook", "topic": "order.shipped",
            "target": "https://erp.example/hooks", "payload": json.dumps({"order_id": "R1"}),
            "headers": json.dumps({"X-Signature": "abc"}), "status": status, "attempts": 0,
            "next_attempt_at": due, "last_error": None, "created_at": created,
            "delivered_at": None}


def test_pending_outbox_returns_due_messages_oldest_first(db_url: str) -> None:
    store = SqlStore(db_url, registry())
    now = datetime.now(UTC)
    rows = [_message("m3", created=now - timedelta(seconds=1), due=now),
            _message("m1", created=now - timedelta(minutes=5), due=now - timedelta(minutes=1)),
            _message("later", created=now - timedelta(minutes=9), due=now + timedelta(minutes=1)),
            _message("sent", created=now - timedelta(minutes=8), due=now, status="delivered"),
            _message("m2", created=now - timedelta(minutes=2), due=now - timedelta(seconds=5))]
    store.write(Batch(records=[], upserts={"outbox": rows}, inserts={}, checkpoint=0))
    due = store.pending_outbox(10, now=now)
    assert [m["message_id"] for m in due] == ["m1", "m2", "m3"]
    assert due[0]["next_attempt_at"] == now - timedelta(minutes=1)
    assert json.loads(due[0]["headers"]) == {"X-Signature": "abc"}
    assert [m["message_id"] for m in store.pending_outbox(2, now=now)] == ["m1", "m2"]
    failed = {**rows[1], "status": "failed", "attempts": 5, "last_error": "HTTP 500"}
    store.write(Batch(records=[], upserts={"outbox": [failed]}, inserts={}, checkpoint=0))
    assert [m["message_id"] for m in store.pending_outbox(10, now=now)] == ["m2", "m3"]
    assert [m["message_id"] for m in store.pending_outbox(10)] == ["m2", "m3"]  # real time
    late = now + timedelta(minutes=2)
    assert [m["message_id"] for m in store.pending_outbox(10, now=late)] == ["later", "m2", "m3"]
    store.close()
