"""Capturing, accepting, rejecting, cancelling and replacing client orders."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from openoms.core.errors import (
    Conflict,
    DomainError,
    DuplicateClOrdID,
    InvalidTransition,
    NotFound,
    ValidationError,
)
from openoms.trading.domain import commands as cmd
from openoms.trading.domain import events as ev
from openoms.trading.domain.model import Handling, OrderStatus, OrdType, Side, Source, TimeInForce

from desk import Desk


def test_submit_phone_order_default_is_staged_with_full_leaves(desk: Desk) -> None:
    order_id = desk.submit("100")
    t = desk.ticket(order_id)
    assert t.status is OrderStatus.STAGED
    assert (t.cum_qty, t.leaves_qty, t.unrouted_qty, t.cl_ord_id) == (0, 100, 100, order_id)


def test_submit_automatic_order_is_accepted_and_routed_by_the_rules(desk: Desk) -> None:
    events = desk.run(cmd.SubmitTicket(
        account_id="ACME", symbol="AAPL", side=Side.BUY, qty=D(50), ord_type=OrdType.LIMIT,
        limit_px=D("99.50"), source=Source.API, handling=Handling.AUTOMATIC))
    assert [type(e) for e in events] == [ev.TicketReceived, ev.TicketAccepted, ev.ChildRouted]
    t = desk.ticket(events[0].order_id)  # type: ignore[attr-defined]
    child = next(iter(t.children.values()))
    assert t.status is OrderStatus.NEW and child.venue_id == "SIM"
    assert (child.qty, child.terms.limit_px, t.unrouted_qty) == (50, D("99.50"), 0)


def test_submit_automatic_without_a_matching_rule_waits_for_the_desk(desk: Desk) -> None:
    desk.state.routing_rules.clear()
    order_id = desk.submit("10", handling=Handling.AUTOMATIC)
    t = desk.ticket(order_id)
    assert t.status is OrderStatus.NEW and not t.children


@pytest.mark.parametrize(("change", "field"), [
    ({"qty": D(0)}, "qty"), ({"qty": D(-5)}, "qty"), ({"limit_px": D("100.001")}, "limit_px"),
    ({"symbol": "NOPE"}, "symbol"), ({"account_id": "NOBODY"}, "account_id"),
    ({"ord_type": OrdType.MARKET}, "limit_px"), ({"limit_px": None}, "limit_px"),
    ({"tif": TimeInForce.GTD}, "expire_at"), ({"ord_type": OrdType.STOP}, "limit_px"),
    ({"ord_type": OrdType.STOP, "limit_px": None}, "stop_px"),
])
def test_submit_bad_field_is_refused_naming_it_and_changes_nothing(
        desk: Desk, change: dict[str, object], field: str) -> None:
    base: dict[str, object] = dict(account_id="ACME", symbol="AAPL", side=Side.BUY, qty=D(10),
                                   ord_type=OrdType.LIMIT, limit_px=D("100.00"))
    base.update(change)
    before = desk.snapshot()
    with pytest.raises((ValidationError, NotFound)) as info:
        desk.run(cmd.SubmitTicket(**base))  # type: ignore[arg-type]
    assert info.value.field == field
    assert desk.state == before


def test_submit_quantity_off_the_lot_size_is_refused(desk: Desk) -> None:
    with pytest.raises(ValidationError, match="lot size 100"):
        desk.submit("150", symbol="LOT", px="10.00", account="FREE")
    assert desk.submit("200", symbol="LOT", px="10.05", account="FREE")


def test_duplicate_cl_ord_id_identical_is_flagged_identical(desk: Desk) -> None:
    first = desk.submit("100", cl_ord_id="A1")
    with pytest.raises(DuplicateClOrdID) as same:
        desk.submit("100", cl_ord_id="A1")
    assert same.value.identical and same.value.order_id == first
    with pytest.raises(DuplicateClOrdID) as other:
        desk.submit("200", cl_ord_id="A1")
    assert not other.value.identical
    assert len(desk.state.tickets) == 1


def test_same_cl_ord_id_for_another_account_is_a_new_order(desk: Desk) -> None:
    desk.submit("100", cl_ord_id="A1")
    desk.submit("100", cl_ord_id="A1", account="FREE")
    assert len(desk.state.tickets) == 2


def test_accept_and_reject_only_from_staged(desk: Desk) -> None:
    order_id = desk.submit()
    desk.run(cmd.AcceptTicket(order_id=order_id))
    before = desk.snapshot()
    with pytest.raises(InvalidTransition):
        desk.run(cmd.AcceptTicket(order_id=order_id))
    with pytest.raises(InvalidTransition):
        desk.run(cmd.RejectTicket(order_id=order_id, reason="late"))
    assert desk.state == before
    other = desk.submit()
    desk.run(cmd.RejectTicket(order_id=other, reason="client unknown to compliance"))
    t = desk.ticket(other)
    assert t.status is OrderStatus.REJECTED and t.leaves_qty == 0
    assert t.text == "client unknown to compliance"


def test_reject_without_reason_is_refused(desk: Desk) -> None:
    order_id = desk.submit()
    with pytest.raises(ValidationError):
        desk.run(cmd.RejectTicket(order_id=order_id, reason="  "))


def test_client_cancel_with_nothing_working_is_immediate(desk: Desk) -> None:
    order_id = desk.working()
    events = desk.run(cmd.RequestCancel(order_id=order_id, cl_ord_id="C2"))
    assert [type(e) for e in events] == [ev.TicketCanceled]
    t = desk.ticket(order_id)
    assert t.status is OrderStatus.CANCELED and t.leaves_qty == 0
    assert (t.cl_ord_id, t.orig_cl_ord_id) == ("C2", order_id)


def test_client_cancel_with_a_child_working_is_pending_until_the_desk_accepts(
        desk: Desk) -> None:
    order_id = desk.working()
    child = desk.route(order_id, "60")
    desk.ack(child)
    desk.run(cmd.RequestCancel(order_id=order_id, cl_ord_id="C2"))
    assert desk.ticket(order_id).status is OrderStatus.PENDING_CANCEL
    with pytest.raises(Conflict, match="already has a pending cancel"):
        desk.run(cmd.RequestReplace(order_id=order_id, qty=D(50)))
    events = desk.run(cmd.AcceptPending(order_id=order_id))
    assert [type(e) for e in events] == [ev.TicketCancelAccepted, ev.ChildCancelRequested]
    events = desk.venue(child, "canceled", reason="canceled")
    assert [type(e) for e in events] == [ev.ChildCanceled, ev.TicketCanceled]
    assert desk.ticket(order_id).status is OrderStatus.CANCELED
    assert desk.ticket(order_id).cl_ord_id == "C2"


def test_pending_cancel_rejected_by_the_desk_returns_to_working(desk: Desk) -> None:
    order_id = desk.working()
    child = desk.route(order_id, "60")
    desk.ack(child)
    desk.fill(child, "10", "100.00")
    desk.run(cmd.RequestCancel(order_id=order_id))
    desk.run(cmd.RejectPending(order_id=order_id, reason="order is being worked"))
    t = desk.ticket(order_id)
    assert t.status is OrderStatus.PARTIALLY_FILLED and t.pending is None


def test_fill_completing_the_order_while_cancel_pends_rejects_it_too_late(desk: Desk) -> None:
    order_id = desk.working("100")
    child = desk.route(order_id, "100")
    desk.ack(child)
    desk.run(cmd.RequestCancel(order_id=order_id, cl_ord_id="C2"))
    desk.fill(child, "40", "100.00")
    assert desk.ticket(order_id).status is OrderStatus.PENDING_CANCEL  # fills keep it pending
    events = desk.fill(child, "60", "100.00")
    assert [type(e) for e in events] == [ev.ChildFilled, ev.TicketFilled,
                                         ev.TicketCancelRejected]
    t = desk.ticket(order_id)
    assert t.status is OrderStatus.FILLED and t.pending is None and t.cum_qty == 100


def test_replace_with_nothing_working_is_immediate_and_checks_risk(desk: Desk) -> None:
    order_id = desk.working("100")
    desk.run(cmd.RequestReplace(order_id=order_id, qty=D(200), limit_px=D("99.00")))
    t = desk.ticket(order_id)
    assert (t.qty, t.terms.limit_px, t.status) == (200, D("99.00"), OrderStatus.NEW)
    with pytest.raises(DomainError):
        desk.run(cmd.RequestReplace(order_id=order_id, qty=D(20_000)))
    assert desk.ticket(order_id).qty == 200


def test_replace_down_to_cum_qty_fills_the_order(desk: Desk) -> None:
    order_id = desk.working("100")
    child = desk.route(order_id, "30")
    desk.ack(child)
    desk.fill(child, "30", "100.00")
    desk.run(cmd.RequestReplace(order_id=order_id, qty=D(30)))
    t = desk.ticket(order_id)
    assert t.status is OrderStatus.FILLED and t.leaves_qty == 0


def test_pending_replace_accepted_only_once_children_fit(desk: Desk) -> None:
    order_id = desk.working("100")
    child = desk.route(order_id, "80")
    desk.ack(child)
    desk.run(cmd.RequestReplace(order_id=order_id, qty=D(50), cl_ord_id="R1"))
    assert desk.ticket(order_id).status is OrderStatus.PENDING_REPLACE
    before = desk.snapshot()
    with pytest.raises(Conflict, match="reduce or cancel children first"):
        desk.run(cmd.AcceptPending(order_id=order_id))
    assert desk.state == before
    desk.run(cmd.ReplaceChild(order_id=order_id, child_id=child, qty=D(50)))
    desk.venue(child, "replaced")
    desk.run(cmd.AcceptPending(order_id=order_id))
    t = desk.ticket(order_id)
    assert (t.qty, t.cl_ord_id, t.status) == (50, "R1", OrderStatus.NEW)


def test_desk_cancel_pulls_children_then_cancels(desk: Desk) -> None:
    order_id = desk.working("100")
    a, b = desk.route(order_id, "30"), desk.route(order_id, "30")
    desk.ack(a)
    events = desk.run(cmd.CancelTicket(order_id=order_id, reason="client limit breached"))
    assert [type(e) for e in events] == [ev.TicketCancelRequested, ev.TicketCancelAccepted,
                                         ev.ChildCancelRequested, ev.ChildCancelRequested]
    desk.venue(a, "canceled")
    assert desk.ticket(order_id).status is OrderStatus.PENDING_CANCEL
    events = desk.venue(b, "canceled")
    assert type(events[-1]) is ev.TicketCanceled
    assert desk.ticket(order_id).status is OrderStatus.CANCELED


def test_actions_on_a_finished_order_are_refused(desk: Desk) -> None:
    order_id = desk.working("10")
    desk.run(cmd.RequestCancel(order_id=order_id))
    for command in (cmd.RequestCancel(order_id=order_id),
                    cmd.RequestReplace(order_id=order_id, qty=D(20)),
                    cmd.CancelTicket(order_id=order_id)):
        with pytest.raises(InvalidTransition):
            desk.run(command)
