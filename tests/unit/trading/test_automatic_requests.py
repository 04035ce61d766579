"""The client's cancel and replace of an automatic ticket: the desk answers without a trader."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from openoms.core.errors import Conflict
from openoms.trading.domain import commands as cmd
from openoms.trading.domain import events as ev
from openoms.trading.domain.model import Handling, OrderStatus, TimeInForce

from desk import Desk


def automatic(desk: Desk, qty: str = "100", **kwargs: Any) -> tuple[str, str]:
    """Submit an automatic ticket, have the venue acknowledge its child; return both ids."""
    order_id = desk.submit(qty, handling=Handling.AUTOMATIC, **kwargs)
    (child,) = desk.ticket(order_id).children
    desk.ack(child)
    return order_id, child


def kinds(events: list[ev.Event]) -> list[type]:
    return [type(e) for e in events]


# ---------------------------------------------------------------- cancel


def test_automatic_cancel_with_a_child_working_pulls_it_without_a_trader(desk: Desk) -> None:
    order_id, child = automatic(desk)
    events = desk.run(cmd.RequestCancel(order_id=order_id, cl_ord_id="C2"))
    assert kinds(events) == [ev.TicketCancelRequested, ev.TicketCancelAccepted,
                             ev.ChildCancelRequested]
    t = desk.ticket(order_id)
    assert t.status is OrderStatus.PENDING_CANCEL and t.pending is not None
    assert t.pending.accepted
    with pytest.raises(Conflict, match="already being worked"):
        desk.run(cmd.AcceptPending(order_id=order_id))
    events = desk.venue(child, "canceled", reason="canceled")
    assert kinds(events) == [ev.ChildCanceled, ev.TicketCanceled]
    t = desk.ticket(order_id)
    assert (t.status, t.cl_ord_id, t.orig_cl_ord_id) == (OrderStatus.CANCELED, "C2", order_id)
    assert t.leaves_qty == 0 and t.pending is None


def test_automatic_cancel_fills_while_pulling_then_cancels_the_rest(desk: Desk) -> None:
    order_id, child = automatic(desk)
    desk.run(cmd.RequestCancel(order_id=order_id, cl_ord_id="C2"))
    desk.fill(child, "40", "100.00")
    assert desk.ticket(order_id).status is OrderStatus.PENDING_CANCEL
    events = desk.venue(child, "canceled")
    assert kinds(events) == [ev.ChildCanceled, ev.TicketCanceled]
    t = desk.ticket(order_id)
    assert (t.status, t.cum_qty, t.leaves_qty) == (OrderStatus.CANCELED, 40, 0)


def test_automatic_cancel_the_venue_refuses_is_rejected_to_the_client(desk: Desk) -> None:
    order_id, child = automatic(desk)
    desk.fill(child, "10", "100.00")
    desk.run(cmd.RequestCancel(order_id=order_id, cl_ord_id="C2"))
    events = desk.venue(child, "cancel_rejected", reason="in auction")
    assert kinds(events) == [ev.ChildCancelRejected, ev.TicketCancelRejected]
    assert events[-1] == ev.TicketCancelRejected(
        order_id=order_id, cl_ord_id="C2", reason="the venue refused to cancel: in auction")
    t = desk.ticket(order_id)
    assert (t.status, t.pending, t.cl_ord_id) == (OrderStatus.PARTIALLY_FILLED, None, order_id)


def test_automatic_cancel_too_late_after_the_fill_is_rejected_too_late(desk: Desk) -> None:
    order_id, child = automatic(desk)
    desk.run(cmd.RequestCancel(order_id=order_id, cl_ord_id="C2"))
    desk.fill(child, "100", "100.00")
    events = desk.venue(child, "cancel_rejected", reason="too late")
    assert kinds(events) == [ev.ChildCancelRejected, ev.TicketCancelRejected]
    t = desk.ticket(order_id)
    assert (t.status, t.pending) == (OrderStatus.FILLED, None)


def test_desk_cancel_of_an_automatic_ticket_refused_by_the_venue_stays_with_the_desk(
        desk: Desk) -> None:
    order_id, child = automatic(desk)
    desk.run(cmd.CancelTicket(order_id=order_id, reason="risk"))
    events = desk.venue(child, "cancel_rejected", reason="in auction")
    assert kinds(events) == [ev.ChildCancelRejected]
    assert desk.ticket(order_id).status is OrderStatus.PENDING_CANCEL


def test_staged_cancel_with_a_child_working_still_waits_for_the_trader(desk: Desk) -> None:
    order_id = desk.working()
    child = desk.route(order_id, "100")
    desk.ack(child)
    events = desk.run(cmd.RequestCancel(order_id=order_id, cl_ord_id="C2"))
    assert kinds(events) == [ev.TicketCancelRequested]
    t = desk.ticket(order_id)
    assert t.pending is not None and not t.pending.accepted
    assert t.children[child].status is OrderStatus.NEW


# ---------------------------------------------------------------- replace


def test_automatic_replace_its_child_fits_is_replaced_at_once(desk: Desk) -> None:
    order_id, child = automatic(desk)
    events = desk.run(cmd.RequestReplace(order_id=order_id, cl_ord_id="R1", qty=D(150),
                                         limit_px=D("101.00")))
    assert kinds(events) == [ev.TicketReplaceRequested, ev.TicketReplaced]
    t = desk.ticket(order_id)
    assert (t.qty, t.terms.limit_px, t.cl_ord_id, t.status) == (150, D("101.00"), "R1",
                                                                OrderStatus.NEW)
    assert t.pending is None and t.children[child].status is OrderStatus.NEW


def test_automatic_replace_down_resizes_the_child_then_replaces(desk: Desk) -> None:
    order_id, child = automatic(desk)
    desk.fill(child, "30", "100.00")
    events = desk.run(cmd.RequestReplace(order_id=order_id, cl_ord_id="R1", qty=D(50)))
    assert kinds(events) == [ev.TicketReplaceRequested, ev.ChildReplaceRequested]
    assert events[-1] == ev.ChildReplaceRequested(order_id=order_id, child_id=child,
                                                  qty=D(50), limit_px=D("100.00"))
    assert desk.ticket(order_id).status is OrderStatus.PENDING_REPLACE
    desk.fill(child, "5", "100.00")  # fills go on while the venue resizes
    events = desk.venue(child, "replaced")
    assert kinds(events) == [ev.ChildReplaced, ev.TicketReplaced]
    t = desk.ticket(order_id)
    assert (t.qty, t.cum_qty, t.leaves_qty, t.working_qty) == (50, 35, 15, 15)
    assert (t.cl_ord_id, t.orig_cl_ord_id, t.status) == ("R1", order_id,
                                                         OrderStatus.PARTIALLY_FILLED)


def test_automatic_replace_to_a_tighter_limit_reprices_the_child(desk: Desk) -> None:
    order_id, child = automatic(desk)
    events = desk.run(cmd.RequestReplace(order_id=order_id, limit_px=D("99.50")))
    assert events[-1] == ev.ChildReplaceRequested(order_id=order_id, child_id=child,
                                                  qty=D(100), limit_px=D("99.50"))
    events = desk.venue(child, "replaced")
    assert kinds(events) == [ev.ChildReplaced, ev.TicketReplaced]
    assert desk.ticket(order_id).terms.limit_px == D("99.50")


def test_automatic_replace_the_venue_refuses_is_rejected_to_the_client(desk: Desk) -> None:
    order_id, child = automatic(desk)
    desk.run(cmd.RequestReplace(order_id=order_id, cl_ord_id="R1", qty=D(60)))
    events = desk.venue(child, "replace_rejected", reason="unknown order")
    assert kinds(events) == [ev.ChildReplaceRejected, ev.TicketReplaceRejected]
    assert events[-1] == ev.TicketReplaceRejected(
        order_id=order_id, cl_ord_id="R1", reason="the venue refused the change: unknown order")
    t = desk.ticket(order_id)
    assert (t.qty, t.cl_ord_id, t.status, t.pending) == (100, order_id, OrderStatus.NEW, None)


def test_automatic_replace_the_venue_resizes_too_little_is_rejected(desk: Desk) -> None:
    order_id, child = automatic(desk)
    desk.run(cmd.RequestReplace(order_id=order_id, cl_ord_id="R1", qty=D(60)))
    events = desk.venue(child, "replaced", qty=D(80))
    assert kinds(events) == [ev.ChildReplaced, ev.TicketReplaceRejected]
    t = desk.ticket(order_id)
    assert (t.qty, t.working_qty, t.status) == (100, 80, OrderStatus.NEW)


def test_automatic_replace_overtaken_by_the_fill_is_rejected_too_late(desk: Desk) -> None:
    order_id, child = automatic(desk)
    desk.run(cmd.RequestReplace(order_id=order_id, cl_ord_id="R1", qty=D(60)))
    events = desk.fill(child, "100", "100.00")
    assert kinds(events) == [ev.ChildFilled, ev.TicketFilled, ev.TicketReplaceRejected]
    assert kinds(desk.venue(child, "replace_rejected", reason="filled")) == [
        ev.ChildReplaceRejected]
    assert desk.ticket(order_id).status is OrderStatus.FILLED


def test_venue_answer_after_the_automatic_order_expired_changes_only_the_child(
        desk: Desk) -> None:
    order_id, child = automatic(desk)
    desk.run(cmd.RequestReplace(order_id=order_id, qty=D(60)))
    desk.venue(child, "canceled", reason="venue housekeeping")
    desk.run(cmd.CloseTradingSession(trading_date="2026-11-23"))
    assert desk.ticket(order_id).status is OrderStatus.EXPIRED
    assert kinds(desk.venue(child, "replace_rejected", reason="unknown order")) == [
        ev.ChildReplaceRejected]
    assert desk.ticket(order_id).status is OrderStatus.EXPIRED


@pytest.mark.parametrize(("setup", "change", "reason"), [
    ("fill 40", {"qty": D(40)}, "leaves nothing to work beyond the filled 40"),
    ("", {"tif": TimeInForce.DAY}, "child time in force gtc is longer than the client's day"),
    ("unacked", {"qty": D(50)}, "while its child is pending_new at the venue"),
    ("second child", {"qty": D(50)}, "2 children work at venues"),
], ids=["to-the-filled-qty", "shorter-tif", "child-not-acknowledged", "two-children"])
def test_automatic_replace_no_child_replace_can_carry_is_refused_and_changes_nothing(
        desk: Desk, setup: str, change: dict[str, Any], reason: str) -> None:
    order_id = desk.submit("100", handling=Handling.AUTOMATIC, tif=TimeInForce.GTC)
    (child,) = desk.ticket(order_id).children
    if setup != "unacked":
        desk.ack(child)
    if setup == "fill 40":
        desk.fill(child, "40", "100.00")
    if setup == "second child":
        desk.run(cmd.ReplaceChild(order_id=order_id, child_id=child, qty=D(60)))
        desk.venue(child, "replaced")
        desk.ack(desk.route(order_id, "40"))
    before = desk.snapshot()
    with pytest.raises(Conflict, match=reason):
        desk.run(cmd.RequestReplace(order_id=order_id, **change))
    assert desk.state == before


def test_staged_replace_with_a_child_working_still_waits_for_the_trader(desk: Desk) -> None:
    order_id = desk.working()
    child = desk.route(order_id, "100")
    desk.ack(child)
    events = desk.run(cmd.RequestReplace(order_id=order_id, qty=D(150)))
    assert kinds(events) == [ev.TicketReplaceRequested]
    desk.run(cmd.ReplaceChild(order_id=order_id, child_id=child, qty=D(90)))
    assert kinds(desk.venue(child, "replaced")) == [ev.ChildReplaced]
    assert desk.ticket(order_id).status is OrderStatus.PENDING_REPLACE
