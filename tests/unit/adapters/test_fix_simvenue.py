"""The simulated exchange behind FIX acceptor sessions, alone and wired to the desk's gateway."""

from __future__ import annotations

import pytest
from fixdesk import NOW, D, Desk, FakeSession, link, venue_config, wire

from openoms.adapters.fix.codec import FixMessage, Value
from openoms.adapters.fix.config import Role
from openoms.adapters.fix.simvenue import SimulatedFixVenue
from openoms.adapters.fix.venue import FixVenueGateway
from openoms.core.clock import ManualClock
from openoms.trading.domain import commands as cmd
from openoms.trading.domain.model import Instrument, OrderStatus
from openoms.venues.simulated.book import Side

AAPL = Instrument(symbol="AAPL", name="Apple", currency="USD", tick_size=D("0.01"),
                  lot_size=D(1), reference_price=D("100.00"))


def _venue(begin_string: str = "FIX.4.4", *,
           replenish: bool = False) -> tuple[SimulatedFixVenue, FakeSession]:
    venue = SimulatedFixVenue(ManualClock(NOW), instruments=[AAPL], seed_levels=2, seed_qty=50,
                              replenish=replenish)
    return venue, FakeSession(venue_config(begin_string, role=Role.ACCEPTOR))


def _order(cl_ord_id: str, qty: str, px: str | None, side: str = "1",
           begin_string: str = "FIX.4.4", *, poss_dup: bool = False) -> FixMessage:
    body: list[tuple[int, Value]] = [(11, cl_ord_id), (21, "1"), (55, "AAPL"), (54, side),
                                     (60, "20261123-15:00:00.000"), (38, qty),
                                     (40, "2" if px else "1")]
    if px:
        body.append((44, px))
    return wire(begin_string, "D", [*body, (59, "0")], poss_dup=poss_dup)


def _fields(message: FixMessage) -> dict[int, str]:
    return {tag: value.decode() for tag, value in message.fields}


@pytest.mark.parametrize("begin_string", ["FIX.4.4", "FIX.4.2"])
def test_simvenue_crossing_order_is_acked_and_filled_against_the_book(begin_string: str) -> None:
    venue, session = _venue(begin_string)
    venue.on_message(session, _order("A1", "80", "100.02", begin_string=begin_string))
    reports = [_fields(m) for m in session.of_type("8")]  # each checked against the dictionary
    assert [(r[150], r[39]) for r in reports] == (
        [("0", "0"), ("F", "1"), ("F", "2")] if begin_string == "FIX.4.4"
        else [("0", "0"), ("1", "1"), ("2", "2")])
    assert [(r[32], r[31], r[151], r[14]) for r in reports[1:]] == [
        ("50", "100.01", "30", "50"), ("30", "100.02", "0", "80")]
    assert D(reports[2][6]) == D("100.01375")  # AvgPx (6): (50 x 100.01 + 30 x 100.02) / 80
    assert len({r[17] for r in reports}) == 3


def test_simvenue_cancel_and_replace_answer_on_the_new_clordid() -> None:
    venue, session = _venue()
    venue.on_message(session, _order("A1", "10", "99.00"))
    venue.on_message(session, wire("FIX.4.4", "G", [
        (41, "A1"), (11, "A2"), (21, "1"), (55, "AAPL"), (54, "1"), (60, "20261123-15:00:00"),
        (38, "20"), (40, "2"), (44, "99.50"), (59, "0")]))
    replaced = _fields(session.sent[-1])
    assert (replaced[150], replaced[11], replaced[41], replaced[38], replaced[44]) == (
        "5", "A2", "A1", "20", "99.50")
    venue.on_message(session, wire("FIX.4.4", "F", [(41, "A2"), (11, "A3"), (55, "AAPL"),
                                                    (54, "1"), (60, "20261123-15:00:00")]))
    canceled = _fields(session.sent[-1])
    assert (canceled[150], canceled[39], canceled[11], canceled[41], canceled[151]) == (
        "4", "4", "A3", "A2", "0")


def test_simvenue_cancel_of_unknown_order_gets_order_cancel_reject() -> None:
    venue, session = _venue()
    venue.on_message(session, wire("FIX.4.4", "F", [(41, "NOPE"), (11, "A3"), (55, "AAPL"),
                                                    (54, "1"), (60, "20261123-15:00:00")]))
    reject = _fields(session.sent[-1])
    assert session.sent[-1].msg_type == "9"
    assert (reject[434], reject[102], reject[37], reject[41]) == ("1", "1", "NONE", "NOPE")


def test_simvenue_replace_below_filled_quantity_gets_order_cancel_reject() -> None:
    venue, session = _venue()
    venue.on_message(session, _order("A1", "60", "100.01"))  # 50 filled, 10 resting
    venue.on_message(session, wire("FIX.4.4", "G", [
        (41, "A1"), (11, "A2"), (21, "1"), (55, "AAPL"), (54, "1"), (60, "20261123-15:00:00"),
        (38, "40"), (40, "2"), (44, "100.01"), (59, "0")]))
    reject = _fields(session.sent[-1])
    assert session.sent[-1].msg_type == "9" and reject[434] == "2" and reject[39] == "1"


def test_simvenue_resent_order_with_possdup_is_not_entered_twice() -> None:
    venue, session = _venue()
    venue.on_message(session, _order("A1", "10", "99.00"))
    venue.on_message(session, _order("A1", "10", "99.00", poss_dup=True))
    assert len(session.sent) == 1
    venue.on_message(session, _order("A1", "10", "99.00"))
    assert _fields(session.sent[-1])[150] == "8"
    assert venue.book("AAPL").depth(Side.BUY, 5) == [(D("99.99"), D(50)), (D("99.98"), D(50)),
                                                     (D("99.00"), D(10))]


def test_simvenue_market_maker_replenishes_a_level_it_lost() -> None:
    venue, session = _venue(replenish=True)
    venue.on_message(session, _order("A1", "50", "100.01"))
    assert venue.book("AAPL").depth(Side.SELL, 1) == [(D("100.01"), D(50))]


@pytest.mark.parametrize("begin_string", ["FIX.4.4", "FIX.4.2"])
def test_simvenue_status_request_reports_the_current_clordid(begin_string: str) -> None:
    venue, session = _venue(begin_string)
    venue.on_message(session, _order("A1", "10", "99.00", begin_string=begin_string))
    venue.on_message(session, wire(begin_string, "H", [(11, "A1"), (55, "AAPL"), (54, "1")]))
    status = _fields(session.sent[-1])
    assert (status[11], status[39], status.get(20), status[150]) == (
        ("A1", "0", None, "I") if begin_string == "FIX.4.4" else ("A1", "0", "3", "0"))
    venue.on_message(session, wire(begin_string, "H", [(11, "ZZ"), (55, "AAPL"), (54, "1")]))
    assert _fields(session.sent[-1])[39] == "8"


def test_simvenue_bad_order_and_unsupported_message_are_rejected() -> None:
    venue, session = _venue()
    venue.on_message(session, _order("A1", "-5", "99.00"))
    assert _fields(session.sent[-1])[58] == "OrderQty (38) must be positive"
    venue.on_message(session, wire("FIX.4.4", "B", [(148, "hello")]))
    assert session.business_rejects[0][0] == 3


def test_simvenue_end_of_day_expires_day_orders() -> None:
    venue, session = _venue()
    venue.on_message(session, _order("A1", "10", "99.00"))
    venue.end_of_day()
    expired = _fields(session.sent[-1])
    assert (expired[150], expired[39], expired[151]) == ("C", "C", "0")


# ------------------------------------------------------------ desk gateway <-> venue, in memory


def _wired(begin_string: str) -> tuple[Desk, FixVenueGateway, SimulatedFixVenue, FakeSession]:
    desk = Desk()
    gateway = FixVenueGateway(desk.state, desk.report, clock=desk.clock, history=desk.history)
    venue, acceptor = _venue(begin_string)
    initiator = FakeSession(venue_config(begin_string))
    link(initiator, gateway, acceptor, venue)
    gateway.attach(initiator)
    desk.gateway = gateway
    return desk, gateway, venue, initiator


@pytest.mark.parametrize("begin_string", ["FIX.4.4", "FIX.4.2"])
def test_desk_and_simvenue_route_fill_replace_and_cancel(begin_string: str) -> None:
    desk, _, _, _ = _wired(begin_string)
    order = desk.working("300", px="100.05")
    filled = desk.route(order, "60")  # takes 50 at 100.01 and 10 at 100.02
    assert desk.child(filled).status is OrderStatus.FILLED
    resting = desk.route(order, "100", limit_px=D("99.00"))
    assert desk.child(resting).status is OrderStatus.NEW
    desk.run(cmd.ReplaceChild(order_id=order, child_id=resting, qty=D(120),
                              limit_px=D("100.02")))
    child = desk.child(resting)
    assert (child.qty, child.cum_qty, child.status) == (D(120), D(40), OrderStatus.PARTIALLY_FILLED)
    desk.run(cmd.CancelChild(order_id=order, child_id=resting))
    assert desk.child(resting).status is OrderStatus.CANCELED
    ticket = desk.state.tickets[order]
    assert ticket.cum_qty == 100 and desk.refused == []
    assert ticket.notional == D(50) * D("100.01") + D(50) * D("100.02")


def test_simvenue_internal_failure_is_answered_with_a_business_reject(
        monkeypatch: pytest.MonkeyPatch) -> None:
    venue, session = _venue()

    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(venue, "_new_order", broken)
    venue.on_message(session, _order("A1", "80", "100.02"))
    assert session.business_rejects == [(0, "internal error")]
    venue.on_message(session, _order("A2", "80", "100.02"))  # the venue keeps answering
    assert len(session.business_rejects) == 2
