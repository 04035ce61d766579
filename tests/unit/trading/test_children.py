"""Child orders: routing limits, venue reports, fills rolling up, no overfill."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from openoms.core.errors import Conflict, DomainError, InvalidTransition, ValidationError
from openoms.trading.domain import commands as cmd
from openoms.trading.domain import events as ev
from openoms.trading.domain.model import OrderStatus, OrdType, Side, TimeInForce

from desk import Desk


def test_route_child_larger_than_unrouted_leaves_is_refused(desk: Desk) -> None:
    order_id = desk.working("100")
    desk.route(order_id, "70")
    before = desk.snapshot()
    with pytest.raises(ValidationError, match="unrouted leaves 30") as info:
        desk.route(order_id, "31")
    assert info.value.field == "qty" and desk.state == before


def test_route_child_before_the_ticket_is_accepted_is_refused(desk: Desk) -> None:
    order_id = desk.submit("100")
    with pytest.raises(Conflict, match="staged"):
        desk.route(order_id, "10")


@pytest.mark.parametrize(("side", "child_px", "ok"), [
    (Side.BUY, "100.00", True), (Side.BUY, "99.99", True), (Side.BUY, "100.01", False),
    (Side.SELL, "100.00", True), (Side.SELL, "100.01", True), (Side.SELL, "99.99", False),
])
def test_route_child_limit_never_more_aggressive_than_the_clients(
        desk: Desk, side: Side, child_px: str, ok: bool) -> None:
    order_id = desk.working("100", px="100.00", side=side)
    if ok:
        desk.route(order_id, "10", limit_px=D(child_px))
    else:
        with pytest.raises(ValidationError, match="more aggressive"):
            desk.route(order_id, "10", limit_px=D(child_px))


def test_route_market_child_on_a_limit_ticket_is_refused(desk: Desk) -> None:
    order_id = desk.working("100")
    with pytest.raises(ValidationError, match="more aggressive"):
        desk.route(order_id, "10", ord_type=OrdType.MARKET)
    market = desk.working("100", px=None)
    desk.route(market, "10", ord_type=OrdType.MARKET)


def test_route_child_time_in_force_never_longer_than_the_clients(desk: Desk) -> None:
    order_id = desk.working("100", tif=TimeInForce.DAY)
    with pytest.raises(ValidationError, match="longer"):
        desk.route(order_id, "10", tif=TimeInForce.GTC)
    desk.route(order_id, "10", tif=TimeInForce.IOC)


def test_fills_roll_up_exactly_to_the_ticket(desk: Desk) -> None:
    order_id = desk.working("200", px="100.05")
    a, b = desk.route(order_id, "150"), desk.route(order_id, "50")
    desk.ack(a)
    desk.ack(b)
    desk.fill(a, "100", "100.01")
    desk.fill(b, "50", "100.02")
    t = desk.ticket(order_id)
    assert (t.status, t.cum_qty, t.leaves_qty) == (OrderStatus.PARTIALLY_FILLED, 150, 50)
    assert t.avg_px == (D(100) * D("100.01") + D(50) * D("100.02")) / D(150)
    assert t.children[b].status is OrderStatus.FILLED
    events = desk.fill(a, "50", "100.03")
    assert [type(e) for e in events] == [ev.ChildFilled, ev.TicketFilled]
    t = desk.ticket(order_id)
    assert (t.status, t.cum_qty, t.leaves_qty, len(t.executions)) == (OrderStatus.FILLED, 200,
                                                                       0, 3)
    assert [x.exec_id for x in t.executions] == ["E1", "E2", "E3"]


def test_overfill_is_refused_and_changes_nothing(desk: Desk) -> None:
    order_id = desk.working("100")
    child = desk.route(order_id, "40")
    desk.ack(child)
    desk.fill(child, "30", "100.00")
    before = desk.snapshot()
    with pytest.raises(Conflict, match="overfill"):
        desk.fill(child, "11", "100.00")
    assert desk.state == before


def test_child_cancel_and_replace_follow_the_venue(desk: Desk) -> None:
    order_id = desk.working("100")
    child = desk.route(order_id, "50")
    with pytest.raises(InvalidTransition):
        desk.run(cmd.ReplaceChild(order_id=order_id, child_id=child, qty=D(60)))  # not acked
    desk.ack(child)
    desk.run(cmd.ReplaceChild(order_id=order_id, child_id=child, qty=D(60),
                              limit_px=D("99.50")))
    assert desk.ticket(order_id).children[child].status is OrderStatus.PENDING_REPLACE
    desk.venue(child, "replaced")
    c = desk.ticket(order_id).children[child]
    assert (c.qty, c.terms.limit_px, c.status) == (60, D("99.50"), OrderStatus.NEW)
    desk.run(cmd.CancelChild(order_id=order_id, child_id=child))
    desk.venue(child, "cancel_rejected", reason="too late")
    assert desk.ticket(order_id).children[child].status is OrderStatus.NEW
    desk.run(cmd.CancelChild(order_id=order_id, child_id=child))
    desk.venue(child, "canceled")
    t = desk.ticket(order_id)
    assert t.children[child].status is OrderStatus.CANCELED and t.unrouted_qty == 100


def test_replace_child_beyond_unrouted_leaves_is_refused(desk: Desk) -> None:
    order_id = desk.working("100")
    child = desk.route(order_id, "90")
    desk.ack(child)
    with pytest.raises(ValidationError, match="unrouted"):
        desk.run(cmd.ReplaceChild(order_id=order_id, child_id=child, qty=D(101)))


def test_ioc_ticket_cancels_its_remainder_when_the_child_ends(desk: Desk) -> None:
    order_id = desk.working("100", tif=TimeInForce.IOC)
    child = desk.route(order_id, "100")
    desk.ack(child)
    desk.fill(child, "30", "100.00")
    events = desk.venue(child, "canceled", reason="IOC remainder")
    assert [type(e) for e in events] == [ev.ChildCanceled, ev.TicketCanceled]
    t = desk.ticket(order_id)
    assert (t.status, t.cum_qty, t.leaves_qty) == (OrderStatus.CANCELED, 30, 0)


def test_venue_reject_frees_the_quantity_for_another_child(desk: Desk) -> None:
    order_id = desk.working("100")
    child = desk.route(order_id, "100")
    desk.venue(child, "reject", reason="market closed")
    t = desk.ticket(order_id)
    assert t.children[child].status is OrderStatus.REJECTED and t.unrouted_qty == 100
    desk.route(order_id, "100")


def test_report_for_an_unknown_child_is_refused(desk: Desk) -> None:
    with pytest.raises(DomainError):
        desk.venue("C999", "ack")
