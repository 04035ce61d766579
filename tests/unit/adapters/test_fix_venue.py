"""The desk's FIX venue gateway: child events to FIX requests, venue reports to desk reports."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from fixdesk import D, Desk, FakeSession, venue_config, wire

from openoms.adapters.fix.codec import FixMessage, Value
from openoms.adapters.fix.venue import SEEN_LIMIT, FixVenueGateway
from openoms.trading.domain import commands as cmd
from openoms.trading.domain.model import OrderStatus, OrdType, TimeInForce


def _setup(begin_string: str = "FIX.4.4", *, logged_on: bool = True, desk: Desk | None = None,
           seen_limit: int = SEEN_LIMIT) -> tuple[Desk, FixVenueGateway, FakeSession]:
    desk = desk or Desk()
    gateway = FixVenueGateway(desk.state, desk.report, clock=desk.clock, history=desk.history,
                              seen_limit=seen_limit)
    session = FakeSession(venue_config(begin_string), logged_on=logged_on)
    gateway.attach(session)
    desk.gateway = gateway
    return desk, gateway, session


def _er(child: str, exec_type: str, status: str, *, exec_id: str = "V-E1",
        begin_string: str = "FIX.4.4", extra: Sequence[tuple[int, Value]] = (),
        poss_dup: bool = False) -> FixMessage:
    body: list[tuple[int, Value]] = [(37, "V-O1"), (11, child), *extra, (17, exec_id)]
    if begin_string == "FIX.4.2":
        body.append((20, "0"))
    body += [(150, exec_type), (39, status), (55, "AAPL"), (54, "1"), (151, 0), (14, 0), (6, 0)]
    return wire(begin_string, "8", body, poss_dup=poss_dup)


def _fill(child: str, qty: str, px: str, exec_id: str, *, poss_dup: bool = False) -> FixMessage:
    return _er(child, "F", "1", exec_id=exec_id, extra=[(32, qty), (31, px)], poss_dup=poss_dup)


@pytest.mark.parametrize("begin_string", ["FIX.4.4", "FIX.4.2"])
def test_venue_child_routed_sends_new_order_single_with_the_child_terms(begin_string: str) -> None:
    desk, _, session = _setup(begin_string)
    child = desk.route(desk.working("100"), "60", limit_px=D("99.50"), tif=TimeInForce.IOC)
    (message,) = session.of_type("D")  # FakeSession checked it against the dictionary
    fields = session.last()
    assert (fields[11], fields[55], fields[54], fields[38], fields[40], fields[44], fields[59],
            fields[21]) == (child, "AAPL", "1", "60", "2", "99.50", "3", "1")
    assert fields[60] == "20261123-15:00:00.000" and 99 not in fields


def test_venue_child_routed_while_not_logged_on_rejects_the_child_at_once() -> None:
    desk, _, session = _setup(logged_on=False)
    order = desk.working()
    child = desk.route(order, "40")
    assert session.sent == []
    assert desk.child(child).status is OrderStatus.REJECTED
    assert desk.child(child).text == "venue XFIX is not connected"
    assert desk.state.tickets[order].unrouted_qty == 100  # the trader can route it elsewhere


@pytest.mark.parametrize("begin_string", ["FIX.4.4", "FIX.4.2"])
def test_venue_ack_and_fills_apply_to_the_child_and_ticket(begin_string: str) -> None:
    desk, gateway, session = _setup(begin_string)
    order = desk.working("100")
    child = desk.route(order, "100")
    gateway.on_message(session, _er(child, "0", "0", begin_string=begin_string))
    partial, full = ("F", "F") if begin_string == "FIX.4.4" else ("1", "2")
    gateway.on_message(session, _er(child, partial, "1", exec_id="V-E2", begin_string=begin_string,
                                    extra=[(32, "30"), (31, "100.01")]))
    gateway.on_message(session, _er(child, full, "2", exec_id="V-E3", begin_string=begin_string,
                                    extra=[(32, "70"), (31, "100.02")]))
    assert desk.child(child).status is OrderStatus.FILLED
    ticket = desk.state.tickets[order]
    assert ticket.status is OrderStatus.FILLED and ticket.cum_qty == 100
    assert [(x.venue_exec_id, x.qty, x.px) for x in ticket.executions] == [
        ("V-E2", D(30), D("100.01")), ("V-E3", D(70), D("100.02"))]
    assert desk.refused == []


def test_venue_duplicate_exec_id_with_possdup_is_not_applied_twice() -> None:
    desk, gateway, session = _setup()
    order = desk.working("100")
    child = desk.route(order, "100")
    gateway.on_message(session, _er(child, "0", "0"))
    gateway.on_message(session, _fill(child, "30", "100", "V-E2"))
    gateway.on_message(session, _fill(child, "30", "100", "V-E2", poss_dup=True))
    assert desk.state.tickets[order].cum_qty == 30
    assert desk.refused == []  # dropped by ExecID, not left to the desk's overfill check


def test_venue_duplicate_fill_after_a_restart_is_recognised_from_the_desk_state() -> None:
    desk, gateway, session = _setup()
    order = desk.working("100")
    child = desk.route(order, "100")
    gateway.on_message(session, _fill(child, "30", "100", "V-E2"))
    _, restarted, session = _setup(desk=desk)  # a new process: nothing in memory
    restarted.recover([desk.child(child)])
    restarted.on_message(session, _fill(child, "30", "100", "V-E2", poss_dup=True))
    assert desk.state.tickets[order].cum_qty == 30 and desk.refused == []


def test_venue_seen_exec_ids_are_bounded_and_a_forgotten_fill_is_not_applied_twice() -> None:
    desk, gateway, session = _setup(seen_limit=3)
    order = desk.working("100")
    child = desk.route(order, "100")
    gateway.on_message(session, _er(child, "0", "0", exec_id="V-E0"))
    for n in range(1, 8):
        gateway.on_message(session, _fill(child, "10", "100", f"V-E{n}"))
    assert len(gateway._seen) == 3  # only V-E5..V-E7 are remembered
    gateway.on_message(session, _fill(child, "10", "100", "V-E1", poss_dup=True))
    gateway.on_message(session, _fill(child, "10", "100", "V-E7", poss_dup=True))
    ticket = desk.state.tickets[order]
    assert ticket.cum_qty == 70 and len(ticket.executions) == 7
    assert desk.refused == []  # V-E1 found among the executions, not left to the desk
    assert len(gateway._seen) == 3


def test_venue_report_on_unknown_clordid_is_ignored() -> None:
    desk, gateway, session = _setup()
    child = desk.route(desk.working(), "100")
    gateway.on_message(session, _fill("C999", "10", "100", "V-E9"))
    gateway.on_message(session, _fill("", "10", "100", "V-E8"))
    assert desk.child(child).cum_qty == 0 and desk.refused == []


def test_venue_garbled_report_is_logged_not_raised() -> None:
    desk, gateway, session = _setup()
    child = desk.route(desk.working(), "100")
    gateway.on_message(session, _fill(child, "ten", "100", "V-E2"))
    gateway.on_message(session, wire("FIX.4.4", "8", [(11, child)]))
    assert desk.child(child).status is OrderStatus.PENDING_NEW


@pytest.mark.parametrize("exec_type", ["A", "6", "E", "I", "D", "3"])
def test_venue_informational_exec_types_change_nothing(exec_type: str) -> None:
    desk, gateway, session = _setup()
    child = desk.route(desk.working(), "100")
    gateway.on_message(session, _er(child, "0", "0"))
    before = len(desk.journal)
    gateway.on_message(session, _er(child, exec_type, "0", exec_id="V-E7"))
    assert len(desk.journal) == before and desk.refused == []


def test_venue_cancel_uses_a_fresh_clordid_and_the_venue_order_id() -> None:
    desk, gateway, session = _setup()
    order = desk.working()
    child = desk.route(order, "100")
    gateway.on_message(session, _er(child, "0", "0"))
    desk.run(cmd.CancelChild(order_id=order, child_id=child))
    fields = session.last()
    assert session.sent[-1].msg_type == "F"
    assert (fields[41], fields[37], fields[55], fields[54], fields[38]) == (
        child, "V-O1", "AAPL", "1", "100")
    assert fields[11].startswith(f"{child}.") and fields[11] != child
    gateway.on_message(session, _er(fields[11], "4", "4", exec_id="V-E2", extra=[(41, child)]))
    assert desk.child(child).status is OrderStatus.CANCELED


def test_venue_replace_then_reports_on_either_clordid_find_the_child() -> None:
    desk, gateway, session = _setup()
    order = desk.working("200")
    child = desk.route(order, "100")
    gateway.on_message(session, _er(child, "0", "0"))
    desk.run(cmd.ReplaceChild(order_id=order, child_id=child, qty=D(150), limit_px=D("99.9")))
    g = session.last()
    assert session.sent[-1].msg_type == "G"
    assert (g[41], g[38], g[44], g[40], g[59]) == (child, "150", "99.9", "2", "0")
    gateway.on_message(session, _er(g[11], "5", "0", exec_id="V-E2",
                                    extra=[(41, child), (38, "150"), (44, "99.9")]))
    assert desk.child(child).qty == 150 and desk.child(child).terms.limit_px == D("99.9")
    gateway.on_message(session, _fill(g[11], "50", "99.9", "V-E3"))
    gateway.on_message(session, _fill(child, "10", "99.9", "V-E4"))
    assert desk.child(child).cum_qty == 60
    desk.run(cmd.CancelChild(order_id=order, child_id=child))
    assert session.last()[41] == g[11]  # the venue knows the order by the replace's ClOrdID


def test_venue_cancel_reject_maps_by_cxl_rej_response_to() -> None:
    desk, gateway, session = _setup()
    order = desk.working("200")
    child = desk.route(order, "100")
    gateway.on_message(session, _er(child, "0", "0"))
    desk.run(cmd.ReplaceChild(order_id=order, child_id=child, qty=D(150)))
    g = session.last()
    reject = [(37, "V-O1"), (11, g[11]), (41, child), (39, "0"), (434, "2"), (58, "no")]
    gateway.on_message(session, wire("FIX.4.4", "9", reject))
    gateway.on_message(session, wire("FIX.4.4", "9", reject, poss_dup=True))
    assert desk.child(child).status is OrderStatus.NEW and desk.child(child).text == "no"
    desk.run(cmd.CancelChild(order_id=order, child_id=child))
    f = session.last()
    gateway.on_message(session, wire("FIX.4.4", "9", [(37, "V-O1"), (11, f[11]), (41, child),
                                                      (39, "0"), (434, "1"), (102, "0")]))
    assert desk.child(child).status is OrderStatus.NEW
    assert desk.child(child).text == "CxlRejReason 0" and desk.refused == []


def test_venue_business_reject_of_a_new_order_rejects_the_child() -> None:
    desk, gateway, session = _setup()
    child = desk.route(desk.working(), "100")
    gateway.on_message(session, wire("FIX.4.4", "j", [(45, 1), (372, "D"), (379, child),
                                                      (380, 4), (58, "closed")]))
    assert desk.child(child).status is OrderStatus.REJECTED
    gateway.on_message(session, wire("FIX.4.4", "B", [(148, "news")]))
    assert session.business_rejects and session.business_rejects[0][0] == 3


def test_venue_replace_while_not_logged_on_is_rejected_and_cancel_is_held() -> None:
    desk, gateway, session = _setup()
    order = desk.working("200")
    child = desk.route(order, "100")
    gateway.on_message(session, _er(child, "0", "0"))
    session.logged_on = False
    desk.run(cmd.ReplaceChild(order_id=order, child_id=child, qty=D(150)))
    assert desk.child(child).status is OrderStatus.NEW
    desk.run(cmd.CancelChild(order_id=order, child_id=child))
    assert len(session.sent) == 1 and desk.child(child).status is OrderStatus.PENDING_CANCEL
    session.logged_on = True
    gateway.on_logon(session)
    assert session.sent[-1].msg_type == "F" and session.last()[41] == child


def test_venue_logon_asks_the_status_of_uncertain_children_and_settles_them() -> None:
    desk, gateway, session = _setup()
    order = desk.working("300")
    lost, known, acked = (desk.route(order, "100") for _ in range(3))
    gateway.on_message(session, _er(acked, "0", "0"))
    gateway.on_logon(session)
    assert [m.text(11) for m in session.of_type("H")] == [lost, known]
    gateway.on_message(session, _er(lost, "I", "8", exec_id="V-S1", extra=[(58, "unknown")]))
    gateway.on_message(session, _er(known, "I", "1", exec_id="V-S2"))
    assert desk.child(lost).status is OrderStatus.REJECTED
    assert desk.child(known).status is OrderStatus.NEW


def test_venue_logon_resends_a_cancel_the_venue_never_saw() -> None:
    desk, gateway, session = _setup()
    order = desk.working()
    child = desk.route(order, "100")
    gateway.on_message(session, _er(child, "0", "0"))
    desk.run(cmd.CancelChild(order_id=order, child_id=child))
    first = session.last()[11]
    gateway.on_logon(session)
    assert session.sent[-1].msg_type == "H"
    gateway.on_message(session, _er(child, "I", "0", exec_id="V-S1"))
    assert session.sent[-1].msg_type == "F" and session.last()[11] == f"{first}R"


def test_venue_recover_rebuilds_clordids_from_the_journal() -> None:
    desk, gateway, session = _setup()
    order = desk.working("200")
    child = desk.route(order, "100")
    gateway.on_message(session, _er(child, "0", "0"))
    desk.run(cmd.ReplaceChild(order_id=order, child_id=child, qty=D(150)))
    replace_id = session.last()[11]
    gateway.on_message(session, _er(replace_id, "5", "0", exec_id="V-E2", extra=[(38, "150")]))
    desk.run(cmd.ReplaceChild(order_id=order, child_id=child, qty=D(120)))
    pending_id = session.last()[11]
    _, restarted, session = _setup(desk=desk)
    restarted.recover([desk.child(child)])
    restarted.on_logon(session)
    assert session.last()[11] == replace_id  # status asked by the ClOrdID the venue knows
    restarted.on_message(session, _er(pending_id, "5", "0", exec_id="V-E3",
                                      extra=[(41, replace_id), (38, "120")]))
    assert desk.child(child).qty == 120
    desk.run(cmd.CancelChild(order_id=order, child_id=child))
    assert session.last()[41] == pending_id


def test_venue_bust_names_the_fill_by_exec_ref_id() -> None:
    desk, gateway, session = _setup()
    order = desk.working("100")
    child = desk.route(order, "100")
    gateway.on_message(session, _fill(child, "40", "100", "V-E2"))
    gateway.on_message(session, _er(child, "H", "0", exec_id="V-E3", extra=[(19, "V-E2")]))
    assert desk.state.tickets[order].cum_qty == 0 and desk.refused == []
    gateway.on_message(session, _fill(child, "40", "100", "V-E2", poss_dup=True))
    assert desk.state.tickets[order].cum_qty == 0  # a busted fill resent is still a duplicate


def test_venue_stop_limit_child_carries_stop_and_limit_prices() -> None:
    desk, _, session = _setup()
    desk.route(desk.working("100"), "10", ord_type=OrdType.STOP_LIMIT, limit_px=D("100.00"),
               stop_px=D("99.00"))
    fields = session.last()
    assert (fields[40], fields[44], fields[99]) == ("4", "100.00", "99.00")


def test_venue_restart_without_journal_still_resends_a_lost_cancel_under_a_child_clordid() -> None:
    desk, gateway, session = _setup()
    order = desk.working()
    child = desk.route(order, "100")
    gateway.on_message(session, _er(child, "0", "0"))
    desk.run(cmd.CancelChild(order_id=order, child_id=child))
    restarted = FixVenueGateway(desk.state, desk.report, clock=desk.clock)  # no history
    desk.gateway = restarted
    restarted.recover([desk.child(child)])
    restarted.on_logon(session)
    restarted.on_message(session, _er(child, "I", "0", exec_id="V-S1"))
    resent = session.last()
    assert session.sent[-1].msg_type == "F" and resent[11].startswith(f"{child}.")
    restarted.on_message(session, _er(resent[11], "4", "4", exec_id="V-E2"))
    assert desk.child(child).status is OrderStatus.CANCELED
