"""Customer orders: capture checks, retries, cancels, payments and the status customers see."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain import events as ev
from openoms.commerce.domain.events import LineQty
from openoms.commerce.domain.model import (
    Address,
    Channel,
    Customer,
    Disposition,
    FulfilmentStatus,
    OrderStatus,
    PaymentStatus,
    ShippingMethod,
    ShortagePolicy,
)
from openoms.core.errors import (
    Conflict,
    DomainError,
    DuplicateRequest,
    NotFound,
    ValidationError,
)

from shop import NEAR_MPLS, Shop, capture

PICKUP = ShippingMethod.PICKUP


def _units(*pairs: tuple[str, int]) -> tuple[LineQty, ...]:
    return tuple(LineQty(line_id=line, qty=qty) for line, qty in pairs)


# ---------------------------------------------------------------- capture


@pytest.mark.parametrize(("command", "error", "field"), [
    (capture(("HAT", 1)), NotFound, "lines[0].sku"),
    (capture(("TEE", 1), ("HAT", 1)), NotFound, "lines[1].sku"),
    (capture(("TEE", 0)), ValidationError, "lines[0].qty"),
    (capture(("TEE", -1)), ValidationError, "lines[0].qty"),
    (capture(), ValidationError, "lines"),
    (capture(("TEE", 1), to=replace(NEAR_MPLS, city=" ")), ValidationError, "ship_to.city"),
    (capture(("TEE", 1), to=replace(NEAR_MPLS, postal_code="")), ValidationError,
     "ship_to.postal_code"),
    (capture(("TEE", 1), to=replace(NEAR_MPLS, country="USA")), ValidationError,
     "ship_to.country"),
    (capture(("TEE", 1), to=replace(NEAR_MPLS, longitude=None)), ValidationError,
     "ship_to.latitude"),
    (capture(("TEE", 1), to=replace(NEAR_MPLS, latitude=D(91))), ValidationError,
     "ship_to.latitude"),
    (capture(("TEE", 1), method=PICKUP, pickup="MPLS"), ValidationError,
     "pickup_location_id"),
    (capture(("TEE", 1), method=PICKUP, pickup="WH"), ValidationError, "pickup_location_id"),
    (capture(("TEE", 1), method=PICKUP), ValidationError, "pickup_location_id"),
    (capture(("TEE", 1), method=PICKUP, pickup="NOWHERE"), NotFound, "pickup_location_id"),
    (capture(("KAYAK", 1), method=PICKUP, pickup="STP"), ValidationError, "lines[0].sku"),
    (replace(capture(("TEE", 1)), customer=Customer(name=" ")), ValidationError,
     "customer.name"),
    (replace(capture(("TEE", 1)), currency="US"), ValidationError, "currency"),
    (replace(capture(("TEE", 1)), payment_status=PaymentStatus.REFUNDED), ValidationError,
     "payment_status"),
], ids=["unknown-sku", "unknown-sku-second-line", "zero-qty", "negative-qty", "no-lines",
        "no-city", "no-postcode", "bad-country", "half-coordinates", "latitude-out-of-range",
        "pickup-store-without-pickup", "pickup-at-a-warehouse", "pickup-without-store",
        "pickup-unknown-store", "drop-ship-item-for-pickup", "no-customer-name",
        "bad-currency", "refunded-payment"])
def test_capture_bad_order_is_refused_naming_the_field_and_changes_nothing(
        shop: Shop, command: cmd.CaptureOrder, error: type[DomainError], field: str) -> None:
    shop.stock("TEE", "MPLS", 5)
    before = shop.snapshot()
    with pytest.raises(error) as info:
        shop.run(command)
    assert info.value.field == field
    assert shop.snapshot() == before


def test_capture_pickup_at_a_closed_store_is_refused(shop: Shop) -> None:
    shop.change_location("STP", active=False)
    with pytest.raises(ValidationError, match="does not offer in-store pickup"):
        shop.run(capture(("TEE", 1), method=PICKUP, pickup="STP"))


def test_capture_pickup_order_needs_no_postal_address(shop: Shop) -> None:
    shop.stock("TEE", "STP", 1)
    nowhere = Address(line1="", city="", postal_code="", country="")
    order = shop.order(("TEE", 1), method=PICKUP, pickup="STP", to=nowhere)
    assert shop.where(order.order_id) == {"STP": {"TEE": 1}}


def test_capture_numbers_orders_and_lines_in_sequence(shop: Shop) -> None:
    first = shop.order(("TEE", 1), ("MUG", 2))
    second = shop.order(("TEE", 1))
    assert (first.order_id, second.order_id) == ("R1", "R2")
    assert [(line.line_id, line.sku, line.qty) for line in first.lines.values()] == \
        [("1", "TEE", 1), ("2", "MUG", 2)]


def test_capture_retry_with_the_same_key_is_a_duplicate_of_the_first_order(
        shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 5)
    first = shop.order(("TEE", 1), key="cart-77")
    before = shop.snapshot()
    with pytest.raises(DuplicateRequest) as info:
        shop.run(capture(("TEE", 1), key="cart-77"))
    assert (info.value.order_id, info.value.identical) == (first.order_id, True)
    assert shop.snapshot() == before
    assert shop.on_hand("TEE", "MPLS").reserved == 1


def test_capture_same_key_for_a_different_order_is_flagged_as_not_identical(
        shop: Shop) -> None:
    first = shop.order(("TEE", 1), key="cart-77")
    with pytest.raises(DuplicateRequest) as info:
        shop.run(capture(("TEE", 2), key="cart-77"))
    assert (info.value.order_id, info.value.identical) == (first.order_id, False)
    assert list(shop.state.orders) == [first.order_id]


def test_capture_channel_order_id_seen_before_on_the_channel_is_a_duplicate(
        shop: Shop) -> None:
    shop.run(capture(("TEE", 1), channel=Channel.SHOPIFY, channel_order_id="#1001"))
    with pytest.raises(DuplicateRequest) as info:
        shop.run(capture(("TEE", 1), channel=Channel.SHOPIFY, channel_order_id="#1001"))
    assert info.value.identical
    shop.run(capture(("TEE", 1), channel=Channel.MARKETPLACE, channel_order_id="#1001"))
    assert len(shop.state.orders) == 2


# ---------------------------------------------------------------- cancel


def test_cancel_whole_order_releases_every_reservation(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 1)
    shop.stock("MUG", "STP", 1)
    order_id = shop.order(("TEE", 2), ("MUG", 1), ("KAYAK", 1)).order_id
    shop.run(cmd.CancelOrder(order_id=order_id, reason="changed my mind"))
    order = shop.state.orders[order_id]
    assert order.status is OrderStatus.CANCELED
    assert {f.status for f in shop.fulfilments(order_id)} == {FulfilmentStatus.CANCELED}
    assert shop.on_hand("TEE", "MPLS").reserved == 0
    assert shop.on_hand("MUG", "STP").reserved == 0
    assert order_id not in shop.state.waiting
    shop.stock("TEE", "MPLS", 5)  # the canceled backorder does not come back
    assert shop.where(order_id) == {}


def test_cancel_some_units_takes_backorders_first_then_the_newest_fulfilment(
        shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 2)
    shop.stock("TEE", "STP", 2)
    order_id = shop.order(("TEE", 5)).order_id  # MPLS 2, STP 2, 1 backordered
    assert [f.location_id for f in shop.fulfilments(order_id)] == ["MPLS", "STP"]
    shop.run(cmd.CancelOrder(order_id=order_id, lines=_units(("1", 2))))
    order = shop.state.orders[order_id]
    assert order.lines["1"].backordered == 0 and order.lines["1"].canceled == 2
    assert shop.where(order_id) == {"MPLS": {"TEE": 2}, "STP": {"TEE": 1}}
    assert shop.on_hand("TEE", "STP").reserved == 1
    assert order.status is OrderStatus.OPEN
    assert shop.reserved_matches_open_fulfilments()


def test_cancel_shipped_units_is_refused_and_the_rest_can_go(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 1)
    shop.stock("TEE", "STP", 1)
    order_id = shop.order(("TEE", 2)).order_id
    shop.ship(shop.at(order_id, "MPLS").fulfilment_id)
    before = shop.snapshot()
    with pytest.raises(Conflict, match="1 units that can still be canceled, not 2"):
        shop.run(cmd.CancelOrder(order_id=order_id, lines=_units(("1", 2))))
    assert shop.snapshot() == before
    shop.run(cmd.CancelOrder(order_id=order_id))
    order = shop.state.orders[order_id]
    assert order.lines["1"].canceled == 1 and order.status is OrderStatus.SHIPPED
    with pytest.raises(Conflict, match="nothing left to cancel"):
        shop.run(cmd.CancelOrder(order_id=order_id))


def test_cancel_drop_shipped_line_tells_the_vendor(shop: Shop) -> None:
    order_id = shop.order(("KAYAK", 2)).order_id
    po = shop.at(order_id, "ACME").fulfilment_id
    events = shop.run(cmd.CancelOrder(order_id=order_id, lines=_units(("1", 1))))
    assert ev.FulfilmentLinesCanceled(order_id=order_id, fulfilment_id=po,
                                      lines=_units(("1", 1))) in events
    assert shop.state.fulfilments[po].qty_of("1") == 1


@pytest.mark.parametrize(("lines", "error"), [
    (_units(("9", 1)), ValidationError), (_units(("1", 0)), ValidationError),
    (_units(("1", 3)), Conflict)])
def test_cancel_bad_lines_are_refused(shop: Shop, lines: tuple[LineQty, ...],
                                      error: type[DomainError]) -> None:
    order_id = shop.order(("TEE", 2)).order_id
    with pytest.raises(error):
        shop.run(cmd.CancelOrder(order_id=order_id, lines=lines))


# ---------------------------------------------------------------- payments


def test_payment_capture_charges_the_order_total_once(shop: Shop) -> None:
    order_id = shop.order(("TEE", 2), ("MUG", 1)).order_id
    events = shop.run(cmd.CapturePayment(order_id=order_id))
    assert events == [ev.PaymentCaptured(order_id=order_id, amount=D("30"))]
    assert shop.state.orders[order_id].payment_status is PaymentStatus.PAID
    with pytest.raises(Conflict, match="paid, not authorized"):
        shop.run(cmd.CapturePayment(order_id=order_id))


def test_payment_capture_does_not_charge_canceled_units(shop: Shop) -> None:
    order_id = shop.order(("TEE", 2), ("MUG", 1)).order_id
    shop.run(cmd.CancelOrder(order_id=order_id, lines=_units(("1", 1))))
    events = shop.run(cmd.CapturePayment(order_id=order_id))
    assert events == [ev.PaymentCaptured(order_id=order_id, amount=D("20"))]


def test_payment_capture_of_a_canceled_order_is_refused(shop: Shop) -> None:
    order_id = shop.order(("TEE", 2)).order_id
    shop.run(cmd.CancelOrder(order_id=order_id))
    with pytest.raises(Conflict, match="nothing to charge"):
        shop.run(cmd.CapturePayment(order_id=order_id))


def test_payment_refund_in_parts_until_all_is_refunded(shop: Shop) -> None:
    order_id = shop.order(("TEE", 2)).order_id
    with pytest.raises(Conflict, match="only a captured payment is refunded"):
        shop.run(cmd.RefundPayment(order_id=order_id, amount=D("5")))
    shop.run(cmd.CapturePayment(order_id=order_id))
    shop.run(cmd.RefundPayment(order_id=order_id, amount=D("5"), reason="late"))
    assert shop.state.orders[order_id].payment_status is PaymentStatus.PARTLY_REFUNDED
    with pytest.raises(ValidationError, match="at most 15"):
        shop.run(cmd.RefundPayment(order_id=order_id, amount=D("15.01")))
    shop.run(cmd.RefundPayment(order_id=order_id, amount=D("15")))
    order = shop.state.orders[order_id]
    assert (order.payment_status, order.amount_refunded) == (PaymentStatus.REFUNDED, D("20"))


def test_payment_refund_after_a_cancel_can_return_all_that_was_charged(shop: Shop) -> None:
    order_id = shop.order(("TEE", 2)).order_id
    shop.run(cmd.CapturePayment(order_id=order_id))
    shop.run(cmd.CancelOrder(order_id=order_id))
    shop.run(cmd.RefundPayment(order_id=order_id, amount=D("20"), reason="canceled"))
    assert shop.state.orders[order_id].payment_status is PaymentStatus.REFUNDED


def test_payment_refund_of_zero_is_refused(shop: Shop) -> None:
    order_id = shop.order(("TEE", 2)).order_id
    shop.run(cmd.CapturePayment(order_id=order_id))
    with pytest.raises(ValidationError) as info:
        shop.run(cmd.RefundPayment(order_id=order_id, amount=D("0")))
    assert info.value.field == "amount"


# ---------------------------------------------------------------- status roll-up


def _two_shipments(shop: Shop) -> str:
    shop.stock("TEE", "MPLS", 1)
    shop.stock("TEE", "STP", 1)
    return shop.order(("TEE", 2)).order_id


def _ship_all(shop: Shop, order_id: str) -> None:
    for f in shop.fulfilments(order_id):
        shop.ship(f.fulfilment_id)


def _return(shop: Shop, order_id: str, qty: int) -> None:
    shop.run(cmd.AuthorizeReturn(order_id=order_id, lines=_units(("1", qty))))
    rma = shop.state.orders[order_id].rma_ids[-1]
    shop.run(cmd.ReceiveReturn(rma_id=rma, location_id="WH", lines=(
        cmd.ReturnLineReceipt(line_id="1", qty=qty, disposition=Disposition.RESTOCK),)))


def test_status_open_when_sourced_and_nothing_shipped(shop: Shop) -> None:
    order_id = _two_shipments(shop)
    assert shop.state.orders[order_id].status is OrderStatus.OPEN


def test_status_backordered_when_units_wait_for_stock(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 1)
    order_id = shop.order(("TEE", 2)).order_id
    assert shop.state.orders[order_id].status is OrderStatus.BACKORDERED


def test_status_on_hold_when_the_channel_holds_short_orders(shop: Shop) -> None:
    shop.rules(phone=ShortagePolicy.HOLD)
    order_id = shop.order(("TEE", 2), channel=Channel.PHONE).order_id
    assert shop.state.orders[order_id].status is OrderStatus.ON_HOLD


def test_status_partly_shipped_then_shipped_then_delivered(shop: Shop) -> None:
    order_id = _two_shipments(shop)
    first, second = shop.fulfilments(order_id)
    shop.ship(first.fulfilment_id)
    assert shop.state.orders[order_id].status is OrderStatus.PARTLY_SHIPPED
    shop.ship(second.fulfilment_id)
    assert shop.state.orders[order_id].status is OrderStatus.SHIPPED
    shop.run(cmd.DeliverFulfilment(fulfilment_id=first.fulfilment_id))
    assert shop.state.orders[order_id].status is OrderStatus.SHIPPED  # one parcel still out
    shop.run(cmd.DeliverFulfilment(fulfilment_id=second.fulfilment_id))
    assert shop.state.orders[order_id].status is OrderStatus.DELIVERED


def test_status_partly_shipped_while_the_rest_is_backordered(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 1)
    order_id = shop.order(("TEE", 2)).order_id
    _ship_all(shop, order_id)
    assert shop.state.orders[order_id].status is OrderStatus.PARTLY_SHIPPED


def test_status_canceled_when_every_unit_is_canceled(shop: Shop) -> None:
    order_id = _two_shipments(shop)
    shop.run(cmd.CancelOrder(order_id=order_id))
    assert shop.state.orders[order_id].status is OrderStatus.CANCELED


def test_status_partly_returned_then_returned(shop: Shop) -> None:
    order_id = _two_shipments(shop)
    _ship_all(shop, order_id)
    _return(shop, order_id, 1)
    assert shop.state.orders[order_id].status is OrderStatus.PARTLY_RETURNED
    _return(shop, order_id, 1)
    assert shop.state.orders[order_id].status is OrderStatus.RETURNED


def test_cancel_order_on_hold_down_to_what_is_in_stock_sources_it_at_once(
        shop: Shop) -> None:
    shop.rules(phone=ShortagePolicy.HOLD)
    shop.stock("TEE", "MPLS", 1)
    order_id = shop.order(("TEE", 3), channel=Channel.PHONE).order_id
    assert shop.state.orders[order_id].status is OrderStatus.ON_HOLD
    shop.run(cmd.CancelOrder(order_id=order_id, lines=_units(("1", 2)), reason="fewer"))
    assert shop.where(order_id) == {"MPLS": {"TEE": 1}}
    assert shop.state.orders[order_id].status is OrderStatus.OPEN
    assert order_id not in shop.state.waiting


def test_cancel_every_waiting_unit_of_an_order_on_hold_ends_the_hold(shop: Shop) -> None:
    shop.rules(phone=ShortagePolicy.HOLD)
    shop.stock("TEE", "MPLS", 2)
    order_id = shop.order(("TEE", 2), channel=Channel.PHONE).order_id
    fid = shop.at(order_id, "MPLS").fulfilment_id
    shop.run(cmd.AcceptFulfilment(fulfilment_id=fid))
    shop.run(cmd.ShortPick(fulfilment_id=fid, lines=_units(("1", 1))))
    assert shop.state.orders[order_id].status is OrderStatus.ON_HOLD  # 1 waits, 1 at MPLS
    shop.run(cmd.CancelOrder(order_id=order_id, lines=_units(("1", 1))))
    order = shop.state.orders[order_id]
    assert (order.status, order.on_hold) == (OrderStatus.OPEN, False)
    assert shop.where(order_id) == {"MPLS": {"TEE": 1}}
    assert order_id not in shop.state.waiting


# ---------------------------------------------------------------- what was charged


def test_payment_refund_never_exceeds_what_was_charged_after_a_cancel(shop: Shop) -> None:
    order_id = shop.order(("TEE", 4)).order_id  # 4 x 10
    shop.run(cmd.CancelOrder(order_id=order_id, lines=(LineQty(line_id="1", qty=3),)))
    shop.run(cmd.CapturePayment(order_id=order_id))  # charges the one unit left: 10
    assert shop.state.orders[order_id].amount_captured == D("10")
    before = shop.snapshot()
    with pytest.raises(ValidationError, match="at most 10"):
        shop.run(cmd.RefundPayment(order_id=order_id, amount=D("40")))
    assert shop.snapshot() == before
    shop.run(cmd.RefundPayment(order_id=order_id, amount=D("10")))
    assert shop.state.orders[order_id].payment_status is PaymentStatus.REFUNDED


def test_an_order_paid_at_checkout_was_charged_its_total(shop: Shop) -> None:
    events = shop.run(replace(capture(("TEE", 3)), payment_status=PaymentStatus.PAID))
    order = shop.state.orders[events[0].order_id]  # type: ignore[attr-defined]
    assert order.amount_captured == D("30")
    shop.run(cmd.RefundPayment(order_id=order.order_id, amount=D("30")))
    with pytest.raises(Conflict):
        shop.run(cmd.RefundPayment(order_id=order.order_id, amount=D("1")))


@pytest.mark.parametrize("change", [
    {"customer": Customer(name="Eve")},
    {"notes": "leave at the door"},
    {"currency": "CAD"},
])
def test_capture_same_key_with_another_customer_or_terms_is_not_identical(
        shop: Shop, change: dict[str, object]) -> None:
    shop.order(("TEE", 1), key="cart-9")
    with pytest.raises(DuplicateRequest) as info:
        shop.run(replace(capture(("TEE", 1), key="cart-9"), **change))  # type: ignore[arg-type]
    assert not info.value.identical


def test_capture_same_key_at_another_price_is_not_identical(shop: Shop) -> None:
    shop.order(("TEE", 1), key="cart-10")
    first = capture(("TEE", 1), key="cart-10")
    cheaper = replace(first, lines=(replace(first.lines[0], unit_price=D("1")),))
    with pytest.raises(DuplicateRequest) as info:
        shop.run(cheaper)
    assert not info.value.identical


def test_a_repeated_channel_order_id_names_that_field(shop: Shop) -> None:
    shop.run(capture(("TEE", 1), channel=Channel.SHOPIFY, channel_order_id="#7"))
    with pytest.raises(DuplicateRequest) as info:
        shop.run(capture(("TEE", 1), channel=Channel.SHOPIFY, channel_order_id="#7"))
    assert info.value.field == "channel_order_id"


@pytest.mark.parametrize("sku", ["S" * 57, "../etc", "A B", "-x"])
def test_a_sku_id_that_could_not_be_journaled_or_used_in_a_path_is_refused(
        shop: Shop, sku: str) -> None:
    with pytest.raises(ValidationError) as info:
        shop.run(cmd.DefineSku(sku=sku, name="x"))
    assert info.value.field == "sku"


def test_stock_numbers_beyond_any_real_count_are_refused(shop: Shop) -> None:
    with pytest.raises(ValidationError) as info:
        shop.run(cmd.ReceiveStock(sku="TEE", location_id="MPLS", qty=2**63))
    assert info.value.field == "qty"
