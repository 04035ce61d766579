"""Fulfilment: a store's queue, pickup at the counter, short picks and rejections sourced
again, and a vendor's purchase orders."""

from __future__ import annotations

import pytest

from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain.events import LineQty
from openoms.commerce.domain.model import (
    FulfilmentKind,
    FulfilmentStatus,
    OrderStatus,
    ShippingMethod,
)
from openoms.core.errors import InvalidTransition, UnknownOrder, ValidationError

from shop import NEAR_MPLS, Shop


def _units(*pairs: tuple[str, int]) -> tuple[LineQty, ...]:
    return tuple(LineQty(line_id=line, qty=qty) for line, qty in pairs)


def _everywhere(shop: Shop, qty: int = 2) -> None:
    for location in ("MPLS", "STP", "WH"):
        shop.stock("TEE", location, qty)


def test_fulfilment_store_flow_ships_and_takes_units_off_the_shelf(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 5)
    order_id = shop.order(("TEE", 2)).order_id
    fid = shop.at(order_id, "MPLS").fulfilment_id
    assert shop.on_hand("TEE", "MPLS").reserved == 2
    shop.ship(fid)
    f = shop.state.fulfilments[fid]
    assert (f.status, f.carrier, f.tracking) == (FulfilmentStatus.SHIPPED, "UPS", f"1Z{fid}")
    assert shop.on_hand("TEE", "MPLS").on_hand == 3
    assert shop.on_hand("TEE", "MPLS").reserved == 0
    assert shop.state.orders[order_id].status is OrderStatus.SHIPPED
    shop.run(cmd.DeliverFulfilment(fulfilment_id=fid))
    assert shop.state.orders[order_id].status is OrderStatus.DELIVERED


def test_fulfilment_store_cannot_ship_before_pick_and_pack(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 5)
    fid = shop.at(shop.order(("TEE", 1)).order_id, "MPLS").fulfilment_id
    shop.run(cmd.AcceptFulfilment(fulfilment_id=fid))
    with pytest.raises(InvalidTransition, match="pick and pack first"):
        shop.run(cmd.ShipFulfilment(fulfilment_id=fid, carrier="UPS", tracking="1Z1"))


def test_fulfilment_pickup_flow_ends_when_the_customer_collects(shop: Shop) -> None:
    shop.stock("TEE", "STP", 5)
    order_id = shop.order(("TEE", 2), method=ShippingMethod.PICKUP, pickup="STP").order_id
    fid = shop.at(order_id, "STP").fulfilment_id
    for command in (cmd.AcceptFulfilment(fulfilment_id=fid),
                    cmd.PickFulfilment(fulfilment_id=fid),
                    cmd.PackFulfilment(fulfilment_id=fid),
                    cmd.ReadyForPickup(fulfilment_id=fid)):
        shop.run(command)
    assert shop.state.fulfilments[fid].status is FulfilmentStatus.READY_FOR_PICKUP
    assert shop.on_hand("TEE", "STP").on_hand == 5  # still on the counter
    shop.run(cmd.HandOver(fulfilment_id=fid))
    assert shop.state.fulfilments[fid].status is FulfilmentStatus.PICKED_UP
    assert (shop.on_hand("TEE", "STP").on_hand, shop.on_hand("TEE", "STP").reserved) == (3, 0)
    assert shop.state.orders[order_id].status is OrderStatus.DELIVERED


def test_fulfilment_pickup_order_is_not_shipped(shop: Shop) -> None:
    shop.stock("TEE", "STP", 5)
    order_id = shop.order(("TEE", 1), method=ShippingMethod.PICKUP, pickup="STP").order_id
    fid = shop.at(order_id, "STP").fulfilment_id
    with pytest.raises(ValidationError, match="collected in store"):
        shop.run(cmd.ShipFulfilment(fulfilment_id=fid, carrier="UPS", tracking="1Z1"))


def test_fulfilment_short_pick_sends_the_missing_units_to_the_next_best_location(
        shop: Shop) -> None:
    _everywhere(shop)
    order_id = shop.order(("TEE", 2), to=NEAR_MPLS).order_id
    fid = shop.at(order_id, "MPLS").fulfilment_id
    shop.run(cmd.AcceptFulfilment(fulfilment_id=fid))
    shop.run(cmd.ShortPick(fulfilment_id=fid, lines=_units(("1", 1)), reason="torn"))
    assert shop.where(order_id) == {"MPLS": {"TEE": 1}, "STP": {"TEE": 1}}
    # The missing unit is gone from MPLS's shelf; the other is still promised there.
    assert (shop.on_hand("TEE", "MPLS").on_hand, shop.on_hand("TEE", "MPLS").reserved) == (1, 1)
    assert "MPLS excluded: it already turned these units down" in \
        shop.sourced(order_id).explanation
    assert shop.state.fulfilments[fid].status is FulfilmentStatus.ACCEPTED
    assert shop.reserved_matches_open_fulfilments()


def test_fulfilment_short_pick_with_no_other_stock_backorders(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 2)
    order_id = shop.order(("TEE", 2)).order_id
    fid = shop.at(order_id, "MPLS").fulfilment_id
    shop.run(cmd.AcceptFulfilment(fulfilment_id=fid))
    shop.run(cmd.ShortPick(fulfilment_id=fid, lines=_units(("1", 2))))
    order = shop.state.orders[order_id]
    assert shop.state.fulfilments[fid].status is FulfilmentStatus.CANCELED
    assert order.lines["1"].backordered == 2 and order.status is OrderStatus.BACKORDERED
    assert shop.on_hand("TEE", "MPLS").on_hand == 0


def test_fulfilment_short_pick_of_more_units_than_assigned_is_refused(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 5)
    fid = shop.at(shop.order(("TEE", 2)).order_id, "MPLS").fulfilment_id
    shop.run(cmd.AcceptFulfilment(fulfilment_id=fid))
    before = shop.snapshot()
    with pytest.raises(ValidationError, match="2 units in this fulfilment order"):
        shop.run(cmd.ShortPick(fulfilment_id=fid, lines=_units(("1", 3))))
    assert shop.snapshot() == before


def test_fulfilment_reject_sends_every_unit_elsewhere_and_frees_the_store(shop: Shop) -> None:
    _everywhere(shop)
    shop.stock("MUG", "STP", 1)
    order_id = shop.order(("TEE", 2), ("MUG", 1)).order_id
    fid = shop.at(order_id, "STP").fulfilment_id
    shop.run(cmd.RejectFulfilment(fulfilment_id=fid, reason="till broken"))
    assert shop.state.fulfilments[fid].status is FulfilmentStatus.REJECTED
    assert shop.state.fulfilments[fid].reason == "till broken"
    assert shop.where(order_id) == {"MPLS": {"TEE": 2}}
    assert shop.state.orders[order_id].lines["2"].backordered == 1
    assert shop.on_hand("TEE", "STP").reserved == 0
    assert shop.on_hand("MUG", "STP").reserved == 0
    # The store that turned the order down does not get it back when stock arrives.
    shop.stock("MUG", "STP", 5)
    shop.stock("MUG", "WH", 1)
    assert shop.where(order_id) == {"MPLS": {"TEE": 2}, "WH": {"MUG": 1}}


def test_fulfilment_reject_needs_a_reason(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 1)
    fid = shop.at(shop.order(("TEE", 1)).order_id, "MPLS").fulfilment_id
    with pytest.raises(ValidationError) as info:
        shop.run(cmd.RejectFulfilment(fulfilment_id=fid, reason=" "))
    assert info.value.field == "reason"


def test_fulfilment_vendor_acknowledges_and_refused_lines_are_sourced_again(
        shop: Shop) -> None:
    shop.stock("TENT", "WH", 2)
    order_id = shop.order(("KAYAK", 1), ("TENT", 3)).order_id  # 2 tents at WH, 1 from ACME
    po = shop.at(order_id, "ACME")
    assert po.kind is FulfilmentKind.DROPSHIP
    assert shop.where(order_id) == {"WH": {"TENT": 2}, "ACME": {"KAYAK": 1, "TENT": 1}}
    shop.stock("TENT", "MPLS", 1)
    shop.run(cmd.AcceptFulfilment(fulfilment_id=po.fulfilment_id, rejected=_units(("2", 1)),
                                  reason="tent discontinued"))
    assert shop.state.fulfilments[po.fulfilment_id].status is FulfilmentStatus.ACCEPTED
    assert shop.where(order_id) == {"WH": {"TENT": 2}, "ACME": {"KAYAK": 1},
                                    "MPLS": {"TENT": 1}}
    assert shop.reserved_matches_open_fulfilments()


def test_fulfilment_vendor_refused_line_nobody_else_has_is_backordered(shop: Shop) -> None:
    order_id = shop.order(("KAYAK", 1), ("TENT", 1)).order_id
    po = shop.at(order_id, "ACME").fulfilment_id
    shop.run(cmd.AcceptFulfilment(fulfilment_id=po, rejected=_units(("2", 1))))
    order = shop.state.orders[order_id]
    assert order.lines["2"].backordered == 1 and order.status is OrderStatus.BACKORDERED
    assert shop.where(order_id) == {"ACME": {"KAYAK": 1}}


def test_fulfilment_vendor_refusing_every_line_rejects_the_purchase_order(shop: Shop) -> None:
    order_id = shop.order(("KAYAK", 2)).order_id
    po = shop.at(order_id, "ACME").fulfilment_id
    shop.run(cmd.AcceptFulfilment(fulfilment_id=po, rejected=_units(("1", 2))))
    assert shop.state.fulfilments[po].status is FulfilmentStatus.REJECTED
    assert shop.state.orders[order_id].lines["1"].backordered == 2


def test_fulfilment_store_cannot_refuse_lines_when_accepting(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 2)
    fid = shop.at(shop.order(("TEE", 2)).order_id, "MPLS").fulfilment_id
    with pytest.raises(ValidationError, match="only a vendor refuses lines"):
        shop.run(cmd.AcceptFulfilment(fulfilment_id=fid, rejected=_units(("1", 1))))


def test_fulfilment_vendor_ships_without_pick_or_pack(shop: Shop) -> None:
    order_id = shop.order(("KAYAK", 1)).order_id
    po = shop.at(order_id, "ACME").fulfilment_id
    with pytest.raises(ValidationError, match="the vendor picks and packs"):
        shop.run(cmd.PickFulfilment(fulfilment_id=po))
    shop.run(cmd.AcceptFulfilment(fulfilment_id=po))
    shop.run(cmd.ShipFulfilment(fulfilment_id=po, carrier="FedEx", tracking="77"))
    assert shop.state.fulfilments[po].status is FulfilmentStatus.SHIPPED
    assert shop.state.orders[order_id].status is OrderStatus.SHIPPED
    assert shop.state.stock == {}  # the vendor's stock is its own business


def test_fulfilment_vendor_cannot_ship_before_acknowledging(shop: Shop) -> None:
    po = shop.at(shop.order(("KAYAK", 1)).order_id, "ACME").fulfilment_id
    with pytest.raises(InvalidTransition):
        shop.run(cmd.ShipFulfilment(fulfilment_id=po, carrier="FedEx", tracking="77"))


def test_fulfilment_unknown_fulfilment_order_is_refused(shop: Shop) -> None:
    with pytest.raises(UnknownOrder, match="unknown fulfilment order 'R9-1'"):
        shop.run(cmd.AcceptFulfilment(fulfilment_id="R9-1"))
