"""Trade busts, trade corrections and DontKnowTrade on the pure desk."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from openoms.core.errors import Conflict, DomainError, NotFound, ValidationError
from openoms.core.events import Recorded
from openoms.trading import projection
from openoms.trading.domain import commands as cmd
from openoms.trading.domain import events as ev
from openoms.trading.domain.model import OrderStatus
from openoms.trading.domain.state import TradingState

from desk import Desk


def _filled(desk: Desk) -> tuple[str, str]:
    order_id = desk.working("100")
    child_id = desk.route(order_id, "100")
    desk.ack(child_id)
    desk.venue(child_id, "fill", last_qty=D(40), last_px=D("100.00"), venue_exec_id="V1")
    desk.venue(child_id, "fill", last_qty=D(60), last_px=D("99.00"), venue_exec_id="V2")
    return order_id, child_id


def test_bust_of_a_fill_of_a_filled_ticket_works_again(desk: Desk) -> None:
    order_id, child_id = _filled(desk)
    events = desk.run(cmd.BustExecution(order_id=order_id, exec_id="E2", reason="bad print"))
    ticket = desk.ticket(order_id)
    assert [type(e) for e in events] == [ev.TicketExecutionBusted, ev.ChildExecutionBusted]
    busted = events[0]
    assert isinstance(busted, ev.TicketExecutionBusted)
    assert (busted.ref_exec_id, busted.last_qty, busted.last_px) == ("E2", D(60), D("99.00"))
    assert busted.exec_id == f"{order_id}-{ticket.version - 1}"
    assert (ticket.status, ticket.cum_qty, ticket.leaves_qty) == (
        OrderStatus.PARTIALLY_FILLED, D(40), D(60))
    assert ticket.avg_px == D("100")
    assert [x.exec_id for x in ticket.executions] == ["E1"]
    child = ticket.children[child_id]
    assert (child.status, child.cum_qty, child.leaves_qty) == (
        OrderStatus.PARTIALLY_FILLED, D(40), D(60))


def test_bust_of_every_fill_brings_the_ticket_back_to_new(desk: Desk) -> None:
    order_id, child_id = _filled(desk)
    desk.venue(child_id, "bust", venue_exec_id="V1")
    desk.venue(child_id, "bust", venue_exec_id="V2")
    ticket = desk.ticket(order_id)
    assert (ticket.status, ticket.cum_qty, ticket.notional) == (OrderStatus.NEW, D(0), D(0))
    assert ticket.children[child_id].status is OrderStatus.NEW


def test_bust_twice_is_refused_and_changes_nothing(desk: Desk) -> None:
    order_id, _ = _filled(desk)
    desk.run(cmd.BustExecution(order_id=order_id, exec_id="E1", reason="bad print"))
    before = desk.snapshot()
    with pytest.raises(Conflict):
        desk.run(cmd.BustExecution(order_id=order_id, exec_id="E1", reason="again"))
    assert desk.state == before


def test_correction_of_a_fill_changes_quantities_and_average_exactly(desk: Desk) -> None:
    order_id, child_id = _filled(desk)
    events = desk.run(cmd.CorrectExecution(order_id=order_id, exec_id="E2", qty=D(50),
                                           px=D("98.50"), reason="wrong price"))
    assert [type(e) for e in events] == [ev.TicketExecutionCorrected,
                                         ev.ChildExecutionCorrected]
    ticket = desk.ticket(order_id)
    assert (ticket.status, ticket.cum_qty, ticket.leaves_qty) == (
        OrderStatus.PARTIALLY_FILLED, D(90), D(10))
    assert ticket.notional == D(40) * D("100.00") + D(50) * D("98.50")
    assert [(x.qty, x.px) for x in ticket.executions] == [(D(40), D("100.00")),
                                                          (D(50), D("98.50"))]
    assert ticket.children[child_id].cum_qty == D(90)


def test_venue_correction_beyond_the_order_quantity_is_an_overfill(desk: Desk) -> None:
    order_id, child_id = _filled(desk)
    with pytest.raises(Conflict, match="overfill"):
        desk.venue(child_id, "correct", venue_exec_id="V1", last_qty=D(41),
                   last_px=D("100.00"))


@pytest.mark.parametrize(("command", "error"), [
    (cmd.BustExecution(order_id="T1", exec_id="E9", reason="x"), NotFound),
    (cmd.BustExecution(order_id="T1", exec_id="E1", reason=" "), ValidationError),
    (cmd.CorrectExecution(order_id="T1", exec_id="E1", qty=D(40), px=D("100.00"), reason="x"),
     ValidationError),
    (cmd.CorrectExecution(order_id="T1", exec_id="E1", qty=D(40), px=D("100.001"), reason="x"),
     ValidationError),
    (cmd.CorrectExecution(order_id="T1", exec_id="E1", qty=D(0), px=D("100.00"), reason="x"),
     ValidationError),
])
def test_bad_bust_or_correction_is_refused_and_changes_nothing(
        desk: Desk, command: cmd.BustExecution | cmd.CorrectExecution,
        error: type[DomainError]) -> None:
    _filled(desk)
    before = desk.snapshot()
    with pytest.raises(error):
        desk.run(command)
    assert desk.state == before


def test_venue_bust_of_an_unknown_venue_exec_id_is_refused(desk: Desk) -> None:
    _, child_id = _filled(desk)
    with pytest.raises(NotFound):
        desk.venue(child_id, "bust", venue_exec_id="NOPE")


def test_bust_after_the_ticket_was_canceled_keeps_it_canceled(desk: Desk) -> None:
    order_id = desk.working("100")
    child_id = desk.route(order_id, "100")
    desk.ack(child_id)
    desk.venue(child_id, "fill", last_qty=D(30), last_px=D("100.00"), venue_exec_id="V1")
    desk.run(cmd.CancelTicket(order_id=order_id))
    desk.venue(child_id, "canceled")
    desk.venue(child_id, "bust", venue_exec_id="V1")
    ticket = desk.ticket(order_id)
    assert (ticket.status, ticket.cum_qty, ticket.leaves_qty) == (
        OrderStatus.CANCELED, D(0), D(0))


def test_dont_know_trade_is_in_the_history_and_changes_no_status(desk: Desk) -> None:
    order_id, _ = _filled(desk)
    status = desk.ticket(order_id).status
    events = desk.run(cmd.RecordDontKnow(order_id=order_id, exec_id="E1", reason="D: no match"))
    assert events == [ev.TicketTradeDisputed(order_id=order_id, exec_id="E1",
                                             reason="D: no match")]
    assert desk.ticket(order_id).status is status


def test_read_model_busted_fill_keeps_a_zero_row_and_restores_without_it(desk: Desk) -> None:
    order_id, child_id = _filled(desk)
    version = desk.ticket(order_id).version
    desk.run(cmd.BustExecution(order_id=order_id, exec_id="E1", reason="bad print"))
    desk.run(cmd.CorrectExecution(order_id=order_id, exec_id="E2", qty=D(50), px=D("99.00"),
                                  reason="qty"))
    state = desk.state
    records = _records(desk, order_id, version)
    upserts, inserts = projection.project(state, records)
    rows = {r["exec_id"]: (r["qty"], r["px"]) for r in upserts["trading_executions"]}
    assert rows == {"E1": (D(0), D("100.00")), "E2": (D(50), D("99.00"))}
    assert "trading_executions" not in inserts
    tables = {"trading_accounts": [projection.reference_row(a) for a in state.accounts.values()],
              "trading_tickets": [projection.ticket_row(t) for t in state.tickets.values()],
              "trading_children": [projection.child_row(c) for t in state.tickets.values()
                                   for c in t.children.values()],
              "trading_executions": [projection.execution_row(x)
                                     for x in state.tickets[order_id].executions]
              + [{**projection.execution_row(x), "qty": D(0)}
                 for x in state.tickets[order_id].busted]}
    restored = TradingState()
    projection.restore(restored, tables)
    ticket = restored.tickets[order_id]
    assert [x.exec_id for x in ticket.executions] == ["E2"]
    assert ticket.cum_qty == sum(x.qty for x in ticket.executions)
    assert restored.next_exec_id() == "E3"


def _records(desk: Desk, order_id: str, after: int) -> list[Recorded]:
    events = [ev.TicketExecutionBusted(order_id=order_id, exec_id="x", ref_exec_id="E1",
                                       child_id="C1", last_qty=D(40), last_px=D("100.00"),
                                       reason="r"),
              ev.TicketExecutionCorrected(order_id=order_id, exec_id="y", ref_exec_id="E2",
                                          child_id="C1", last_qty=D(50), last_px=D("99.00"),
                                          reason="r")]
    return [Recorded(stream_id=f"order:{order_id}", version=after + i, event=e, actor="a",
                     source="s", event_time=desk.now, recorded_time=desk.now)
            for i, e in enumerate(events, 1)]
