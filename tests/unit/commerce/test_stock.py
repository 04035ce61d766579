"""Stock: receipts, adjustments and counts, each with a reason, and backorders they release."""

from __future__ import annotations

import pytest

from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain import events as ev
from openoms.commerce.domain.events import LineQty
from openoms.commerce.domain.model import OrderStatus
from openoms.core.errors import Conflict, DomainError, NotFound, ValidationError

from shop import Shop


def _refused(shop: Shop, command: cmd.Command, error: type[DomainError], field: str) -> None:
    before = shop.snapshot()
    with pytest.raises(error) as info:
        shop.run(command)
    assert info.value.field == field
    assert shop.snapshot() == before


def test_stock_receipt_adds_on_hand_and_records_its_reason(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 3)
    events = shop.run(cmd.ReceiveStock(sku="TEE", location_id="MPLS", qty=2,
                                       reason="PO 4711 from the mill"))
    assert shop.on_hand("TEE", "MPLS").on_hand == 5
    assert events == [ev.StockReceived(sku="TEE", location_id="MPLS", qty=2,
                                       reason="PO 4711 from the mill")]


@pytest.mark.parametrize(("command", "error", "field"), [
    (cmd.ReceiveStock(sku="TEE", location_id="MPLS", qty=0), ValidationError, "qty"),
    (cmd.ReceiveStock(sku="TEE", location_id="MPLS", qty=-2), ValidationError, "qty"),
    (cmd.ReceiveStock(sku="TEE", location_id="MPLS", qty=1, reason=" "), ValidationError,
     "reason"),
    (cmd.ReceiveStock(sku="HAT", location_id="MPLS", qty=1), NotFound, "sku"),
    (cmd.ReceiveStock(sku="TEE", location_id="NOWHERE", qty=1), NotFound, "location_id"),
    (cmd.ReceiveStock(sku="TEE", location_id="ACME", qty=1), ValidationError, "location_id"),
    (cmd.AdjustStock(sku="TEE", location_id="MPLS", delta=-1, reason=""), ValidationError,
     "reason"),
    (cmd.AdjustStock(sku="TEE", location_id="MPLS", delta=0, reason="none"), ValidationError,
     "delta"),
    (cmd.CountStock(sku="TEE", location_id="MPLS", counted=-1), ValidationError, "counted"),
    (cmd.SetSafetyStock(sku="TEE", location_id="MPLS", safety_stock=-1), ValidationError,
     "safety_stock"),
])
def test_stock_bad_movement_is_refused_and_changes_nothing(
        shop: Shop, command: cmd.Command, error: type[DomainError], field: str) -> None:
    shop.stock("TEE", "MPLS", 3)
    _refused(shop, command, error, field)


def test_stock_adjustment_changes_on_hand_by_delta_for_its_reason(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 5)
    shop.run(cmd.AdjustStock(sku="TEE", location_id="MPLS", delta=-2, reason="water damage"))
    shop.run(cmd.AdjustStock(sku="TEE", location_id="MPLS", delta=1, reason="found in back"))
    assert shop.on_hand("TEE", "MPLS").on_hand == 4
    assert [e.reason for e in shop.journal[-2:] if isinstance(e, ev.StockAdjusted)] == \
        ["water damage", "found in back"]


def test_stock_adjustment_below_zero_is_refused(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 2)
    _refused(shop, cmd.AdjustStock(sku="TEE", location_id="MPLS", delta=-3, reason="lost"),
             Conflict, "delta")
    assert shop.on_hand("TEE", "MPLS").on_hand == 2


def test_stock_adjustment_below_what_is_reserved_is_refused(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 5)
    shop.order(("TEE", 4))
    _refused(shop, cmd.AdjustStock(sku="TEE", location_id="MPLS", delta=-2, reason="stolen"),
             Conflict, "delta")
    shop.run(cmd.AdjustStock(sku="TEE", location_id="MPLS", delta=-1, reason="stolen"))
    assert shop.on_hand("TEE", "MPLS").on_hand == 4


def test_stock_count_sets_on_hand_and_records_the_difference(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 5)
    events = shop.run(cmd.CountStock(sku="TEE", location_id="MPLS", counted=3,
                                     reason="annual count"))
    assert events == [ev.StockCounted(sku="TEE", location_id="MPLS", counted=3, delta=-2,
                                      reason="annual count")]
    assert shop.on_hand("TEE", "MPLS").on_hand == 3


def test_stock_count_below_what_is_reserved_is_refused(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 5)
    shop.order(("TEE", 3))
    _refused(shop, cmd.CountStock(sku="TEE", location_id="MPLS", counted=2), Conflict,
             "counted")


def test_stock_count_needs_a_reason(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 5)
    _refused(shop, cmd.CountStock(sku="TEE", location_id="MPLS", counted=2, reason="  "),
             ValidationError, "reason")


def test_stock_receipt_sources_waiting_orders_oldest_first(shop: Shop) -> None:
    first = shop.order(("TEE", 2)).order_id
    second = shop.order(("TEE", 1)).order_id
    shop.stock("TEE", "WH", 2)
    assert shop.where(first) == {"WH": {"TEE": 2}}
    assert shop.where(second) == {}
    assert shop.state.orders[first].status is OrderStatus.OPEN
    assert shop.state.orders[second].status is OrderStatus.BACKORDERED
    shop.stock("TEE", "WH", 1)
    assert shop.where(second) == {"WH": {"TEE": 1}}


def test_stock_receipt_serves_the_older_order_even_if_it_started_waiting_later(
        shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 1)
    older = shop.order(("TEE", 1)).order_id
    newer = shop.order(("TEE", 1)).order_id  # waits from now
    picking = shop.at(older, "MPLS").fulfilment_id
    shop.run(cmd.AcceptFulfilment(fulfilment_id=picking))
    shop.run(cmd.ShortPick(fulfilment_id=picking, lines=(LineQty(line_id="1", qty=1),)))
    assert shop.state.orders[older].status is OrderStatus.BACKORDERED  # waits from now
    shop.stock("TEE", "WH", 1)
    assert shop.where(older) == {"WH": {"TEE": 1}}
    assert shop.state.orders[newer].status is OrderStatus.BACKORDERED


def test_stock_receipt_never_promises_a_unit_twice(shop: Shop) -> None:
    orders = [shop.order(("TEE", 1), ("MUG", 1)).order_id for _ in range(3)]
    shop.stock("MUG", "MPLS", 3)
    shop.stock("TEE", "MPLS", 2)
    assert shop.on_hand("TEE", "MPLS").reserved == 2
    assert shop.on_hand("MUG", "MPLS").reserved == 3
    lines = [shop.state.orders[o].lines["1"].backordered for o in orders]
    assert lines == [0, 0, 1]
    assert shop.reserved_matches_open_fulfilments()


def test_stock_receipt_at_a_closed_location_releases_no_backorder(shop: Shop) -> None:
    order_id = shop.order(("TEE", 1)).order_id
    shop.change_location("WH", active=False)
    shop.stock("TEE", "WH", 5)
    assert shop.where(order_id) == {}
    assert shop.state.orders[order_id].status is OrderStatus.BACKORDERED


def test_stock_receipts_respect_capacity_across_the_orders_they_release(shop: Shop) -> None:
    shop.change_location("WH", daily_capacity=1)
    first = shop.order(("TEE", 1)).order_id
    second = shop.order(("TEE", 1)).order_id
    shop.stock("TEE", "WH", 2)
    assert shop.where(first) == {"WH": {"TEE": 1}}
    assert shop.where(second) == {}
    assert shop.state.capacity_used[("WH", shop.now.date())] == 1


@pytest.mark.parametrize("command", [
    cmd.AdjustStock(sku="TEE", location_id="STP", delta=2, reason="found"),
    cmd.CountStock(sku="TEE", location_id="STP", counted=2),
])
def test_stock_found_by_adjustment_or_count_releases_backorders(
        shop: Shop, command: cmd.Command) -> None:
    order_id = shop.order(("TEE", 2)).order_id
    shop.run(command)
    assert shop.where(order_id) == {"STP": {"TEE": 2}}
    assert shop.state.orders[order_id].status is OrderStatus.OPEN


def test_stock_source_backorders_command_retries_waiting_orders(shop: Shop) -> None:
    order_id = shop.order(("TEE", 1)).order_id
    shop.change_location("WH", active=False)
    shop.stock("TEE", "WH", 1)
    shop.change_location("WH", active=True)
    shop.run(cmd.SourceBackorders())
    assert shop.where(order_id) == {"WH": {"TEE": 1}}
