"""Sourcing: where an order's units go, by the rule stack, and the explanation of why."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest

from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain.model import (
    Address,
    Channel,
    FulfilmentKind,
    LocationKind,
    OrderStatus,
    ShippingMethod,
    ShortagePolicy,
    Stock,
)

from shop import NEAR_MPLS, NEAR_STP, Shop, capture

NEAR_EAGAN = Address(name="Cy", line1="3 Yankee Doodle Rd", city="Eagan", region="MN",
                     postal_code="55121", country="US", latitude=D("44.8050"),
                     longitude=D("-93.1650"))
NO_SPLITS = ("exclude_closed", "respect_capacity", "respect_safety_stock",
             "complete_single_location", "location_priority", "closest", "dropship_fallback")


def test_sourcing_one_location_with_every_unit_ships_all_of_it_even_if_farther(
        shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 5)  # the customer's nearest store has the T-shirts only
    shop.stock("TEE", "STP", 5)
    shop.stock("MUG", "STP", 5)
    order = shop.order(("TEE", 2), ("MUG", 1), to=NEAR_MPLS)
    assert shop.where(order.order_id) == {"STP": {"TEE": 2, "MUG": 1}}
    assert "STP can supply all 3 units" in shop.sourced(order.order_id).explanation[-1]


@pytest.mark.parametrize(("customer", "nearest", "other"), [
    (NEAR_MPLS, "MPLS", "STP"), (NEAR_STP, "STP", "MPLS")])
def test_sourcing_several_complete_locations_the_closest_wins_and_the_explanation_says_why(
        shop: Shop, customer: Address, nearest: str, other: str) -> None:
    shop.stock("TEE", "MPLS", 5)
    shop.stock("TEE", "STP", 5)
    order = shop.order(("TEE", 1), to=customer)
    assert shop.where(order.order_id) == {nearest: {"TEE": 1}}
    why = " ".join(shop.sourced(order.order_id).explanation)
    assert f"chosen over {other} (" in why and "km from the customer" in why


def test_sourcing_priority_ranks_before_distance_when_the_stack_lists_it_first(
        shop: Shop) -> None:
    shop.stock("TEE", "WH", 5)  # priority 20, next door to the customer
    shop.stock("TEE", "STP", 5)  # priority 10, 17 km away
    order = shop.order(("TEE", 1), to=NEAR_EAGAN)
    assert shop.where(order.order_id) == {"STP": {"TEE": 1}}
    assert "WH (priority 20 against 10)" in " ".join(shop.sourced(order.order_id).explanation)


def test_sourcing_distance_ranks_before_priority_when_the_stack_lists_it_first(
        shop: Shop) -> None:
    shop.rules("exclude_closed", "respect_capacity", "complete_single_location",
               "minimise_splits", "closest", "location_priority")
    shop.stock("TEE", "WH", 5)
    shop.stock("TEE", "STP", 5)
    order = shop.order(("TEE", 1), to=NEAR_EAGAN)
    assert shop.where(order.order_id) == {"WH": {"TEE": 1}}
    why = shop.sourced(order.order_id).explanation
    assert why[0] == ("considered 2 locations, most units first: WH (0.2 km, priority 20): "
                      "1 of 1 unit; STP (17.6 km, priority 10): 1 of 1 unit")
    assert why[1] == ("WH can supply the 1 unit; chosen over STP (17.6 km from the customer "
                      "against 0.2 km)")


def _three_way_stock(shop: Shop) -> None:
    # No location has all three; the warehouse has two of them.
    shop.stock("TEE", "MPLS", 1)
    shop.stock("MUG", "STP", 1)
    shop.stock("MUG", "WH", 1)
    shop.stock("TENT", "WH", 1)


def test_sourcing_minimise_splits_takes_the_location_covering_most_units_first(
        shop: Shop) -> None:
    _three_way_stock(shop)
    order = shop.order(("TEE", 1), ("MUG", 1), ("TENT", 1))
    assert shop.where(order.order_id) == {"WH": {"MUG": 1, "TENT": 1}, "MPLS": {"TEE": 1}}
    assert "WH supplies 2 units (covers the most)" in shop.sourced(order.order_id).explanation


def test_sourcing_without_minimise_splits_takes_locations_in_rank_order(shop: Shop) -> None:
    shop.rules(*NO_SPLITS)
    _three_way_stock(shop)
    order = shop.order(("TEE", 1), ("MUG", 1), ("TENT", 1))
    assert shop.where(order.order_id) == {"MPLS": {"TEE": 1}, "STP": {"MUG": 1},
                                          "WH": {"TENT": 1}}


def test_sourcing_without_complete_single_location_splits_by_coverage(shop: Shop) -> None:
    shop.rules("minimise_splits", "location_priority", "closest")
    shop.stock("TEE", "MPLS", 1)
    shop.stock("TEE", "STP", 3)
    order = shop.order(("TEE", 3))
    assert shop.where(order.order_id) == {"STP": {"TEE": 3}}


def test_sourcing_closed_location_is_never_chosen(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 5)
    shop.stock("TEE", "STP", 5)
    shop.change_location("MPLS", active=False)
    order = shop.order(("TEE", 1), to=NEAR_MPLS)
    assert shop.where(order.order_id) == {"STP": {"TEE": 1}}
    assert "MPLS excluded: closed" in shop.sourced(order.order_id).explanation


def test_sourcing_location_at_daily_capacity_is_skipped_until_the_next_day(
        shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 5)
    shop.stock("TEE", "STP", 5)
    shop.change_location("MPLS", daily_capacity=1)
    first = shop.order(("TEE", 1))
    second = shop.order(("TEE", 1))
    assert shop.where(first.order_id) == {"MPLS": {"TEE": 1}}
    assert shop.where(second.order_id) == {"STP": {"TEE": 1}}
    assert "MPLS excluded: at its daily capacity of 1" in \
        shop.sourced(second.order_id).explanation
    shop.now += timedelta(days=1)
    assert shop.where(shop.order(("TEE", 1)).order_id) == {"MPLS": {"TEE": 1}}


def test_sourcing_vendor_at_daily_capacity_takes_no_more_purchase_orders(shop: Shop) -> None:
    shop.change_location("ACME", daily_capacity=1)
    first = shop.order(("KAYAK", 1))
    second = shop.order(("KAYAK", 1))
    assert shop.where(first.order_id) == {"ACME": {"KAYAK": 1}}
    assert shop.where(second.order_id) == {}
    assert shop.state.orders[second.order_id].lines["1"].backordered == 1


def test_sourcing_safety_stock_is_not_promised(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 3)
    shop.run(cmd.SetSafetyStock(sku="TEE", location_id="MPLS", safety_stock=2))
    order = shop.order(("TEE", 2))
    assert shop.where(order.order_id) == {"MPLS": {"TEE": 1}}
    assert shop.state.orders[order.order_id].lines["1"].backordered == 1
    assert shop.on_hand("TEE", "MPLS").reserved == 1


def test_sourcing_safety_stock_is_promised_without_the_rule(shop: Shop) -> None:
    shop.rules("exclude_closed", "complete_single_location", "location_priority", "closest")
    shop.stock("TEE", "MPLS", 3)
    shop.run(cmd.SetSafetyStock(sku="TEE", location_id="MPLS", safety_stock=2))
    order = shop.order(("TEE", 2))
    assert shop.where(order.order_id) == {"MPLS": {"TEE": 2}}


def test_sourcing_pickup_order_is_supplied_only_by_the_chosen_store(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 5)
    shop.stock("TEE", "STP", 1)
    order = shop.order(("TEE", 2), method=ShippingMethod.PICKUP, pickup="STP", to=NEAR_MPLS)
    assert shop.where(order.order_id) == {"STP": {"TEE": 1}}
    assert [f.kind for f in shop.fulfilments(order.order_id)] == [FulfilmentKind.PICKUP]
    assert shop.state.orders[order.order_id].lines["1"].backordered == 1
    assert "pickup order: only STP, the store the customer chose" in \
        shop.sourced(order.order_id).explanation


def test_sourcing_pickup_order_never_falls_back_to_the_vendor(shop: Shop) -> None:
    order = shop.order(("TENT", 1), method=ShippingMethod.PICKUP, pickup="STP")
    assert shop.where(order.order_id) == {}
    assert shop.state.orders[order.order_id].status is OrderStatus.BACKORDERED


def test_sourcing_drop_ship_only_sku_goes_to_its_vendor(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 5)
    order = shop.order(("TEE", 1), ("KAYAK", 2))
    assert shop.where(order.order_id) == {"MPLS": {"TEE": 1}, "ACME": {"KAYAK": 2}}
    kinds = {f.location_id: f.kind for f in shop.fulfilments(order.order_id)}
    assert kinds == {"MPLS": FulfilmentKind.SHIP, "ACME": FulfilmentKind.DROPSHIP}
    assert "ACME drop-ships 2 x KAYAK" in shop.sourced(order.order_id).explanation


def test_sourcing_dropship_fallback_sends_units_no_location_has_to_the_vendor(
        shop: Shop) -> None:
    shop.stock("TENT", "WH", 1)
    order = shop.order(("TENT", 3))
    assert shop.where(order.order_id) == {"WH": {"TENT": 1}, "ACME": {"TENT": 2}}
    assert "ACME drop-ships 2 x TENT (no location has them)" in \
        shop.sourced(order.order_id).explanation


def test_sourcing_without_dropship_fallback_stocked_units_are_backordered(shop: Shop) -> None:
    shop.rules("exclude_closed", "complete_single_location", "location_priority", "closest")
    shop.stock("TENT", "WH", 1)
    order = shop.order(("TENT", 3))
    assert shop.where(order.order_id) == {"WH": {"TENT": 1}}
    assert shop.state.orders[order.order_id].lines["1"].backordered == 2


def test_sourcing_closed_vendor_gets_no_purchase_order(shop: Shop) -> None:
    shop.change_location("ACME", active=False)
    order = shop.order(("KAYAK", 1))
    assert shop.where(order.order_id) == {}
    assert "ACME (vendor of KAYAK) excluded: closed" in shop.sourced(order.order_id).explanation


def _policies(shop: Shop) -> None:
    shop.rules(web=ShortagePolicy.BACKORDER, phone=ShortagePolicy.HOLD,
               marketplace=ShortagePolicy.SHIP_AVAILABLE)
    shop.stock("TEE", "MPLS", 1)


def test_sourcing_shortage_backorder_reserves_what_is_there_and_waits_for_the_rest(
        shop: Shop) -> None:
    _policies(shop)
    order = shop.order(("TEE", 3), channel=Channel.WEB)
    order = shop.state.orders[order.order_id]
    assert shop.where(order.order_id) == {"MPLS": {"TEE": 1}}
    assert order.lines["1"].backordered == 2 and order.status is OrderStatus.BACKORDERED
    assert "2 units short: backordered" in shop.sourced(order.order_id).explanation


def test_sourcing_shortage_hold_reserves_nothing_until_all_can_be_supplied(
        shop: Shop) -> None:
    _policies(shop)
    order = shop.order(("TEE", 3), ("MUG", 1), channel=Channel.PHONE)
    order = shop.state.orders[order.order_id]
    assert shop.where(order.order_id) == {}
    assert shop.on_hand("TEE", "MPLS").reserved == 0
    assert order.status is OrderStatus.ON_HOLD
    assert {line.line_id: line.backordered for line in order.lines.values()} == \
        {"1": 3, "2": 1}
    shop.stock("TEE", "MPLS", 2)  # still no mug: the order keeps waiting, nothing reserved
    assert shop.state.orders[order.order_id].status is OrderStatus.ON_HOLD
    assert shop.on_hand("TEE", "MPLS").reserved == 0
    shop.stock("MUG", "MPLS", 1)
    assert shop.where(order.order_id) == {"MPLS": {"TEE": 3, "MUG": 1}}
    assert shop.state.orders[order.order_id].status is OrderStatus.OPEN


def test_sourcing_shortage_ship_available_cancels_what_is_missing(shop: Shop) -> None:
    _policies(shop)
    order = shop.order(("TEE", 3), channel=Channel.MARKETPLACE)
    order = shop.state.orders[order.order_id]
    assert shop.where(order.order_id) == {"MPLS": {"TEE": 1}}
    assert order.lines["1"].canceled == 2 and order.lines["1"].backordered == 0
    assert order.status is OrderStatus.OPEN


def test_sourcing_channel_without_its_own_policy_follows_the_default(shop: Shop) -> None:
    shop.rules(default=ShortagePolicy.SHIP_AVAILABLE, phone=ShortagePolicy.BACKORDER)
    order = shop.order(("TEE", 1), channel=Channel.SHOPIFY)
    assert shop.state.orders[order.order_id].status is OrderStatus.CANCELED


def test_sourcing_same_state_and_order_give_the_same_decision() -> None:
    def run() -> list[object]:
        shop = Shop().seed()
        for location in ("MPLS", "STP", "WH"):  # every location equally good
            shop.change_location(location, priority=10)
            shop.stock("TEE", location, 1)
            shop.stock("MUG", location, 1)
        shop.run(capture(("TEE", 2), ("MUG", 2), ("KAYAK", 1), to=NEAR_STP))
        return shop.journal

    first = run()
    assert all(run() == first for _ in range(3))


def test_sourcing_ties_are_broken_by_location_id(shop: Shop) -> None:
    far = Address(line1="1 Main St", city="Fargo", postal_code="58102", country="US")
    shop.stock("TEE", "STP", 1)
    shop.stock("TEE", "MPLS", 1)
    order = shop.order(("TEE", 1), to=far)  # no coordinates: distance cannot decide
    assert shop.where(order.order_id) == {"MPLS": {"TEE": 1}}


def test_sourcing_explanation_names_every_location_it_considered(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 2)
    shop.stock("TEE", "STP", 1)
    shop.stock("TEE", "WH", 1)
    shop.run(cmd.SetSafetyStock(sku="TEE", location_id="WH", safety_stock=1))
    order = shop.order(("TEE", 2))
    assert shop.where(order.order_id) == {"MPLS": {"TEE": 2}}
    assert shop.sourced(order.order_id).explanation == (
        "considered 3 locations, most units first: MPLS (priority 10, 0.5 km): 2 of 2 units; "
        "STP (priority 10, 14.5 km): 1 of 2 units; WH (priority 20, 21.2 km): none",
        "MPLS can supply all 2 units")


def test_sourcing_explanation_in_a_large_network_names_the_best_three(shop: Shop) -> None:
    for n in range(6):  # six more stores, ever farther east of Minneapolis
        shop.run(cmd.DefineLocation(location_id=f"S{n}", name=f"S{n}", kind=LocationKind.STORE,
                                    address=NEAR_MPLS, latitude=D("44.98"),
                                    longitude=D("-93.2") + D(n) / 10, priority=10))
        shop.stock("TEE", f"S{n}", 1)
    shop.stock("TEE", "WH", 2)
    why = shop.sourced(shop.order(("TEE", 2)).order_id).explanation
    assert why[0].startswith("considered 7 locations, most units first: WH (priority 20, ")
    assert why[0].endswith("S0 (priority 10, 5.5 km): 1 of 2 units; "
                           "S1 (priority 10, 13.4 km): 1 of 2 units; and 4 more")
    assert why[1] == "WH can supply all 2 units"


def test_sourcing_explanation_names_excluded_locations_and_why(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 1)
    shop.stock("TEE", "STP", 1)
    shop.stock("TEE", "WH", 1)
    shop.change_location("MPLS", active=False)
    shop.change_location("WH", daily_capacity=0)
    order = shop.order(("TEE", 1))
    assert shop.sourced(order.order_id).explanation == (
        "MPLS excluded: closed", "WH excluded: at its daily capacity of 0",
        "considered 1 location, most units first: STP (priority 10, 14.5 km): 1 of 1 unit",
        "STP can supply the 1 unit")


def test_sourcing_explanation_of_a_split_says_who_supplies_what(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 1)
    shop.stock("TEE", "WH", 2)
    order = shop.order(("TEE", 4))
    assert shop.sourced(order.order_id).explanation == (
        "considered 2 locations, most units first: WH (priority 20, 21.2 km): 2 of 4 units; "
        "MPLS (priority 10, 0.5 km): 1 of 4 units",
        "no single location can supply all 4 units",
        "WH supplies 2 units (covers the most)",
        "MPLS supplies 1 unit (covers the most)",
        "1 unit short: backordered")


def test_sourcing_explanation_when_nothing_is_available_says_so(shop: Shop) -> None:
    order = shop.order(("TEE", 1))
    why = shop.sourced(order.order_id).explanation
    assert not any("splitting" in line for line in why)
    assert "1 unit short: backordered" in why


def test_sourcing_finds_stock_rows_a_restart_put_straight_into_the_state(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 1)
    shop.state.stock[("TEE", "STP")] = Stock(on_hand=4)  # as the read model's restore does
    order = shop.order(("TEE", 2), to=NEAR_STP)
    assert shop.where(order.order_id) == {"STP": {"TEE": 2}}
