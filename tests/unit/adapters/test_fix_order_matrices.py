"""The FIX 4.4 Order State Change Matrices (Volume 4, Appendix D) played against the desk.

Each test is one scenario of the spec, written as its table: a step (a message the client
sends, or what the trader or the venue does) and the messages the client gets for it, one row
each:

    ExecType  OrdStatus  ClOrdID  OrigClOrdID  CumQty  LeavesQty  AvgPx  LastQty  LastPx

FIX 4.2 rows show ExecTransType/ExecType ("0/1"). An OrderCancelReject row shows
"9 434=<CxlRejResponseTo> 102=<CxlRejReason>" in place of ExecType, a BusinessMessageReject
"j 380=<reason>". The desk runs pure (decide and evolve on a TradingState, a fixed clock); the
session is a fake that records what the application sends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from openoms.adapters.fix.codec import FixMessage, Value
from openoms.adapters.fix.config import AckOn, SessionConfig
from openoms.adapters.fix.orders import DeskFixApplication
from openoms.core.events import Command, Context, Event, Recorded
from openoms.core.money import fmt
from openoms.trading.domain import commands as cmd
from openoms.trading.domain import events as ev
from openoms.trading.domain.decide import decide
from openoms.trading.domain.model import VenueKind
from openoms.trading.domain.state import TradingState

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
TRADER = Context(actor="alice", source="phone", role="trader")
VENUE = Context(actor="venue:SIM", source="venue")
D = Decimal
Row = tuple[str, ...]


class _Done:
    """An awaitable that is already complete: the pure desk is durable at once."""

    def __await__(self) -> Any:
        return iter(())


class PureEngine:
    """``decide_now`` over the pure desk, calling observers after each applied event."""

    def __init__(self) -> None:
        self.state = TradingState()
        self.observers: list[Callable[[Recorded], None]] = []
        self.journal: list[Event] = []

    def decide_now(self, command: Command, ctx: Context) -> tuple[list[Recorded], _Done]:
        records = []
        for event in decide(self.state, command, ctx, NOW):
            stream = event.stream_id()
            recorded = Recorded(stream_id=stream, version=self.state.versions.get(stream, 0) + 1,
                                event=event, actor=ctx.actor, source=ctx.source,
                                event_time=NOW, recorded_time=NOW)
            self.state.apply(recorded)
            self.journal.append(event)
            records.append(recorded)
            for observer in self.observers:
                observer(recorded)
        return records, _Done()


@dataclass
class FakeSession:
    """A SessionHandle that records what the application sends."""

    config: SessionConfig
    sent: list[tuple[str, dict[int, str]]] = field(default_factory=list)
    logged_on: bool = True

    @property
    def session_id(self) -> str:
        return self.config.session_id

    def send(self, msg_type: str, fields: Sequence[tuple[int, Value]]) -> None:
        self.sent.append((msg_type, {tag: _text(value) for tag, value in fields}))

    def reject_business(self, message: FixMessage, reason: int, text: str,
                        ref_tag: int | None = None) -> None:
        self.sent.append(("j", {380: str(reason), 58: text}))


def _text(value: Value) -> str:
    if isinstance(value, Decimal):
        return fmt(value) or "0"
    return value.decode() if isinstance(value, bytes) else str(value)


class Matrix:
    """A desk, one FIX client session on account CLIENT1, and what the client got."""

    def __init__(self, begin_string: str = "FIX.4.4", *, ack_on: AckOn = AckOn.RECEIPT,
                 handling: str = "staged") -> None:
        self.engine = PureEngine()
        self.app = DeskFixApplication(self.engine, self.engine.state)
        self.engine.observers.append(self.app.observer)
        self.session = FakeSession(SessionConfig(
            begin_string=begin_string, sender_comp_id="DESK", target_comp_id="CLIENT1",
            account_id="CLIENT1", handling=handling, ack_on=ack_on))
        self.app.register(self.session)
        self.seq = 0
        for command in (
            cmd.DefineVenue(venue_id="SIM", name="Sim", kind=VenueKind.SIMULATED),
            cmd.DefineInstrument(symbol="IBM", name="IBM", currency="USD", tick_size=D("0.01"),
                                 lot_size=D(1), reference_price=D("100.00")),
            cmd.DefineAccount(account_id="CLIENT1", name="Client 1", max_order_qty=D(20000)),
            cmd.DefineRoutingRule(rule_id="all", priority=1, venue_id="SIM"),
        ):
            self.desk(command)

    @property
    def order_id(self) -> str:
        return self.engine.state.cl_ord_index.get(("CLIENT1", "X"), "T1")

    @property
    def child(self) -> str:
        """The child order routed last (by the trader or by the routing rules)."""
        routed = [e for e in self.engine.journal if isinstance(e, ev.ChildRouted)]
        return routed[-1].child_id if routed else ""

    def desk(self, command: Command, ctx: Context = TRADER) -> None:
        self.engine.decide_now(command, ctx)

    def client(self, msg_type: str, **tags: object) -> None:
        self.seq += 1
        fields = [(35, msg_type.encode()), (34, str(self.seq).encode())]
        fields += [(int(tag[1:]), str(value).encode()) for tag, value in tags.items()]
        self.app.on_message(self.session, FixMessage(fields))

    def take(self) -> list[Row]:
        rows = [_row(msg_type, body, self.session.config.begin_string)
                for msg_type, body in self.session.sent]
        self.session.sent.clear()
        return rows

    def last(self, tag: int) -> str | None:
        return self.session.sent[-1][1].get(tag) if self.session.sent else None


def _row(msg_type: str, f: dict[int, str], begin_string: str) -> Row:
    if msg_type == "9":
        return (f"9 434={f[434]} 102={f[102]}", f[39], f[11], f[41])
    if msg_type == "j":
        return (f"j 380={f[380]}",)
    exec_type = f"{f[20]}/{f[150]}" if begin_string == "FIX.4.2" else f[150]
    return (exec_type, f[39], f[11], f.get(41, ""), f[14], f[151], f[6], f.get(32, ""),
            f.get(31, ""))


# ---------------------------------------------------------------- steps


@dataclass(frozen=True)
class Step:
    name: str
    act: Callable[[Matrix], None]

    def __repr__(self) -> str:
        return self.name


def new(cl: str, qty: str, px: str | None = "100", *, tif: str = "0", **extra: object) -> Step:
    price = {"t44": px, "t40": "2"} if px else {"t40": "1"}
    tags = {"t11": cl, "t55": "IBM", "t54": "1", "t38": qty, "t59": tif,
            "t60": "20261123-15:00:00", **price, **extra}
    return Step(f"D {cl} {qty}@{px}", lambda m: m.client("D", **tags))


def cancel(cl: str, orig: str) -> Step:
    return Step(f"F {cl}<-{orig}", lambda m: m.client("F", t41=orig, t11=cl, t55="IBM",
                                                      t54="1", t60="20261123-15:00:01"))


def replace(cl: str, orig: str, qty: str, px: str = "100") -> Step:
    return Step(f"G {cl}<-{orig} {qty}@{px}", lambda m: m.client(
        "G", t41=orig, t11=cl, t55="IBM", t54="1", t38=qty, t40="2", t44=px,
        t60="20261123-15:00:01"))


def status(cl: str) -> Step:
    return Step(f"H {cl}", lambda m: m.client("H", t11=cl, t55="IBM", t54="1"))


def dont_know(order_id: str, exec_id: str) -> Step:
    return Step(f"Q {exec_id}", lambda m: m.client("Q", t37=order_id, t17=exec_id, t127="A",
                                                   t55="IBM", t54="1", t58="not ours"))


def accept() -> Step:
    return Step("trader accepts", lambda m: m.desk(cmd.AcceptTicket(order_id=m.order_id)))


def route(qty: str, **kwargs: Any) -> Step:
    return Step(f"trader routes {qty}", lambda m: m.desk(cmd.RouteChild(
        order_id=m.order_id, venue_id="SIM", qty=D(qty), **kwargs)))


def venue(kind: str, **kwargs: Any) -> Step:
    return Step(f"venue {kind}", lambda m: m.desk(
        cmd.ApplyVenueReport(child_id=m.child, kind=kind, **kwargs), VENUE))


def ack() -> Step:
    return venue("ack")


def fill(qty: str, px: str, venue_exec_id: str = "") -> Step:
    return Step(f"venue fills {qty}@{px}", lambda m: m.desk(cmd.ApplyVenueReport(
        child_id=m.child, kind="fill", last_qty=D(qty), last_px=D(px),
        venue_exec_id=venue_exec_id or f"V{len(m.engine.journal)}"), VENUE))


def trader(make: Callable[[str], Command], name: str) -> Step:
    return Step(name, lambda m: m.desk(make(m.order_id)))


def pending_accept() -> Step:
    return trader(lambda o: cmd.AcceptPending(order_id=o), "trader accepts the request")


def close_day() -> Step:
    return trader(lambda o: cmd.CloseTradingSession(trading_date="2026-11-23"), "day closes")


def open_day() -> Step:
    return trader(lambda o: cmd.OpenTradingSession(trading_date="2026-11-24"), "day opens")


def play(script: Sequence[tuple[Step, Sequence[Row]]], matrix: Matrix | None = None) -> Matrix:
    m = matrix or Matrix()
    for number, (step, expected) in enumerate(script, 1):
        step.act(m)
        assert m.take() == list(expected), f"row {number}: {step}"
    return m


NONE: list[Row] = []


# ---------------------------------------------------------------- vanilla (D.1)


def test_filled_order_reports_new_then_two_trades() -> None:
    play([
        (new("X", "10000"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (accept(), NONE),
        (route("10000"), NONE),
        (ack(), NONE),
        (fill("2000", "100"), [("F", "1", "X", "", "2000", "8000", "100", "2000", "100")]),
        (fill("8000", "101"), [("F", "2", "X", "", "10000", "0", "100.8", "8000", "101")]),
    ])


def test_part_filled_day_order_is_done_for_day_at_the_close() -> None:
    play([
        (new("X", "10000"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (accept(), NONE), (route("10000"), NONE), (ack(), NONE),
        (fill("2000", "100"), [("F", "1", "X", "", "2000", "8000", "100", "2000", "100")]),
        (close_day(), [("3", "3", "X", "", "2000", "0", "100", "", "")]),
    ])


# ---------------------------------------------------------------- cancel (D.2)


def test_cancel_of_a_zero_filled_order_with_nothing_at_a_venue_is_immediate() -> None:
    play([
        (new("X", "10000"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (accept(), NONE),
        (cancel("Y", "X"), [("4", "4", "Y", "X", "0", "0", "0", "", "")]),
    ])


def test_cancel_of_a_part_filled_order_with_fills_while_pending() -> None:
    play([
        (new("X", "10000"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (accept(), NONE), (route("10000"), NONE), (ack(), NONE),
        (fill("2000", "100"), [("F", "1", "X", "", "2000", "8000", "100", "2000", "100")]),
        (cancel("Y", "X"), [("6", "6", "Y", "X", "2000", "8000", "100", "", "")]),
        (pending_accept(), NONE),
        (fill("3000", "100"), [("F", "6", "X", "", "5000", "5000", "100", "3000", "100")]),
        (venue("canceled"), [("4", "4", "Y", "X", "5000", "0", "100", "", "")]),
    ])


def test_cancel_of_an_order_not_yet_acknowledged_cancels_it() -> None:
    play([
        (new("X", "10000"), [("A", "A", "X", "", "0", "10000", "0", "", "")]),
        (cancel("Y", "X"), [("4", "4", "Y", "X", "0", "0", "0", "", "")]),
    ], Matrix(ack_on=AckOn.ACCEPT))


def test_order_filled_before_the_cancel_is_accepted_rejects_the_cancel_too_late() -> None:
    play([
        (new("X", "10000"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (accept(), NONE), (route("10000"), NONE), (ack(), NONE),
        (cancel("Y", "X"), [("6", "6", "Y", "X", "0", "10000", "0", "", "")]),
        (fill("10000", "100"), [("F", "2", "X", "", "10000", "0", "100", "10000", "100"),
                                ("9 434=1 102=0", "2", "Y", "X")]),
    ])


def test_cancel_of_an_unknown_order_is_rejected_with_order_id_none() -> None:
    m = Matrix()
    play([
        (cancel("Y", "NOPE"), [("9 434=1 102=1", "8", "Y", "NOPE")]),
    ], m)
    cancel("Z", "NOPE").act(m)
    assert (m.last(37), m.last(58)) == ("NONE", "unknown order")


# ---------------------------------------------------------------- replace (D.3)


def test_replace_to_increase_quantity_goes_pending_then_replaced() -> None:
    play([
        (new("X", "10000"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (accept(), NONE), (route("10000"), NONE), (ack(), NONE),
        (fill("1000", "100"), [("F", "1", "X", "", "1000", "9000", "100", "1000", "100")]),
        (replace("Y", "X", "12000"), [("E", "E", "Y", "X", "1000", "9000", "100", "", "")]),
        (pending_accept(), [("5", "1", "Y", "X", "1000", "11000", "100", "", "")]),
    ])


def test_replace_to_decrease_quantity_with_nothing_at_a_venue_is_immediate() -> None:
    play([
        (new("X", "10000"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (accept(), NONE),
        (replace("Y", "X", "8000"), [("5", "0", "Y", "X", "0", "8000", "0", "", "")]),
    ])


def test_replace_to_the_filled_quantity_leaves_the_order_filled() -> None:
    play([
        (new("X", "10000"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (accept(), NONE), (route("3000"), NONE), (ack(), NONE),
        (fill("3000", "100"), [("F", "1", "X", "", "3000", "7000", "100", "3000", "100")]),
        (replace("Y", "X", "3000"), [("5", "2", "Y", "X", "3000", "0", "100", "", "")]),
    ])


def test_fills_while_a_replace_is_pending_carry_the_original_cl_ord_id() -> None:
    play([
        (new("X", "10000"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (accept(), NONE), (route("10000"), NONE), (ack(), NONE),
        (fill("1000", "100"), [("F", "1", "X", "", "1000", "9000", "100", "1000", "100")]),
        (replace("Y", "X", "12000"), [("E", "E", "Y", "X", "1000", "9000", "100", "", "")]),
        (fill("1000", "100"), [("F", "E", "X", "", "2000", "8000", "100", "1000", "100")]),
        (pending_accept(), [("5", "1", "Y", "X", "2000", "10000", "100", "", "")]),
        (fill("1000", "100"), [("F", "1", "Y", "", "3000", "9000", "100", "1000", "100")]),
    ])


def test_chained_replaces_each_name_the_previous_cl_ord_id() -> None:
    play([
        (new("X", "10000"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (accept(), NONE),
        (replace("Y", "X", "11000"), [("5", "0", "Y", "X", "0", "11000", "0", "", "")]),
        (replace("Z", "Y", "12000"), [("5", "0", "Z", "Y", "0", "12000", "0", "", "")]),
    ])


def test_replace_while_a_replace_is_pending_is_rejected_already_pending() -> None:
    play([
        (new("X", "10000"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (accept(), NONE), (route("10000"), NONE), (ack(), NONE),
        (replace("Y", "X", "12000"), [("E", "E", "Y", "X", "0", "10000", "0", "", "")]),
        (replace("Z", "X", "13000"), [("9 434=2 102=3", "E", "Z", "X")]),
        (cancel("W", "X"), [("9 434=1 102=3", "E", "W", "X")]),
    ])


def test_replace_of_a_filled_order_is_rejected_too_late() -> None:
    play([
        (new("X", "100"), [("0", "0", "X", "", "0", "100", "0", "", "")]),
        (accept(), NONE), (route("100"), NONE), (ack(), NONE),
        (fill("100", "100"), [("F", "2", "X", "", "100", "0", "100", "100", "100")]),
        (replace("Y", "X", "200"), [("9 434=2 102=0", "2", "Y", "X")]),
        (cancel("Z", "X"), [("9 434=1 102=0", "2", "Z", "X")]),
    ])


# ---------------------------------------------------------------- unsolicited (D.4)


def test_unsolicited_cancel_by_the_desk_reports_only_canceled() -> None:
    play([
        (new("X", "10000"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (accept(), NONE), (route("10000"), NONE), (ack(), NONE),
        (fill("2000", "100"), [("F", "1", "X", "", "2000", "8000", "100", "2000", "100")]),
        (trader(lambda o: cmd.CancelTicket(order_id=o, reason="desk"), "desk cancels"), NONE),
        (fill("1000", "100"), [("F", "1", "X", "", "3000", "7000", "100", "1000", "100")]),
        (venue("canceled"), [("4", "4", "X", "", "3000", "0", "100", "", "")]),
    ])


def test_trader_rejects_a_staged_order() -> None:
    play([
        (new("X", "10000"), [("A", "A", "X", "", "0", "10000", "0", "", "")]),
        (trader(lambda o: cmd.RejectTicket(order_id=o, reason="no"), "trader rejects"),
         [("8", "8", "X", "", "0", "0", "0", "", "")]),
    ], Matrix(ack_on=AckOn.ACCEPT))


def test_staged_order_acked_on_accept_sends_new_when_the_trader_accepts() -> None:
    play([
        (new("X", "10000"), [("A", "A", "X", "", "0", "10000", "0", "", "")]),
        (accept(), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
    ], Matrix(ack_on=AckOn.ACCEPT))


# ---------------------------------------------------------------- order reject (D.5)


def test_duplicate_cl_ord_id_is_rejected_duplicate_order() -> None:
    m = play([
        (new("X", "10000"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (new("X", "500"), [("8", "8", "X", "", "0", "0", "0", "", "")]),
    ])
    new("X", "500").act(m)
    assert (m.last(103), m.last(37)) == ("6", "NONE")
    assert len(m.engine.state.tickets) == 1


def test_poss_resend_of_a_known_cl_ord_id_answers_its_status_not_a_new_order() -> None:
    m = play([
        (new("X", "10000"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (accept(), NONE), (route("10000"), NONE), (ack(), NONE),
        (fill("2000", "100"), [("F", "1", "X", "", "2000", "8000", "100", "2000", "100")]),
        (new("X", "10000", t97="Y"), [("I", "1", "X", "", "2000", "8000", "100", "", "")]),
    ])
    assert len(m.engine.state.tickets) == 1


def test_poss_resend_of_an_unknown_cl_ord_id_is_a_new_order() -> None:
    play([
        (new("X", "10000", t97="Y"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
    ])


@pytest.mark.parametrize(("step", "reason", "text"), [
    (new("X", "10000", px=None, t40="2"), "99", "Price (44) is required for OrdType 2"),
    (new("X", "50000"), "3", "exceeds"),
    (new("X", "100", t55="NOPE"), "1", "unknown instrument"),
    (new("X", "100", t54="9"), "99", "Side (54) '9' is not supported"),
    (new("X", "100", t1="OTHER"), "99", "Account (1) 'OTHER' does not trade"),
    (new("X", "100", t59="6"), "99", "ExpireTime (126) is required"),
], ids=["no-price", "risk", "symbol", "side", "account", "gtd-without-expiry"])
def test_new_order_refused_is_rejected_with_reason_and_text(step: Step, reason: str,
                                                             text: str) -> None:
    m = play([(step, [("8", "8", "X", "", "0", "0", "0", "", "")])])
    step.act(m)
    assert m.last(103) == reason and text in (m.last(58) or "")
    assert m.engine.state.tickets == {}


# ---------------------------------------------------------------- status (D.6)


def test_status_request_for_an_unknown_order_is_rejected_unknown_order() -> None:
    m = play([
        (status("Z"), [("I", "8", "Z", "", "0", "0", "0", "", "")]),
    ])
    status("Z").act(m)
    assert (m.last(37), m.last(103), m.last(17)) == ("NONE", "5", "0")


def test_status_request_for_a_known_order_reports_where_it_stands() -> None:
    play([
        (new("X", "10000"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (status("X"), [("I", "0", "X", "", "0", "10000", "0", "", "")]),
    ])


# ---------------------------------------------------------------- GT (D.7)


def test_gtc_order_done_for_day_is_restated_the_next_day_and_fills() -> None:
    play([
        (new("X", "10000", tif="1"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (accept(), NONE), (route("10000"), NONE), (ack(), NONE),
        (fill("2000", "100"), [("F", "1", "X", "", "2000", "8000", "100", "2000", "100")]),
        (close_day(), [("3", "3", "X", "", "2000", "0", "100", "", "")]),
        (open_day(), [("D", "1", "X", "", "2000", "8000", "100", "", "")]),
        (fill("1000", "100"), [("F", "1", "X", "", "3000", "7000", "100", "1000", "100")]),
    ])


def test_gtc_restatement_names_gt_renewal() -> None:
    m = Matrix()
    for step in (new("X", "100", tif="1"), accept(), route("100"), ack(), fill("50", "100"),
                 close_day(), open_day()):
        step.act(m)
    assert m.last(150) == "D" and m.last(378) == "1"


# ---------------------------------------------------------------- time in force (D.8)


def test_fill_or_kill_order_that_cannot_fill_is_canceled() -> None:
    play([
        (new("X", "10000", tif="4"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (ack(), NONE),
        (venue("canceled"), [("4", "4", "X", "", "0", "0", "0", "", "")]),
    ], Matrix(handling="automatic"))


def test_immediate_or_cancel_order_part_filled_has_its_remainder_canceled() -> None:
    play([
        (new("X", "10000", tif="3"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (ack(), NONE),
        (fill("1000", "100"), [("F", "1", "X", "", "1000", "9000", "100", "1000", "100")]),
        (venue("canceled"), [("4", "4", "X", "", "1000", "0", "100", "", "")]),
    ], Matrix(handling="automatic"))


# ---------------------------------------------------------------- automatic desk: no trader


def automatic(begin_string: str = "FIX.4.4") -> Matrix:
    """A session whose orders the routing rules send to the venue at once."""
    return Matrix(begin_string, handling="automatic")


def test_automatic_cancel_of_an_order_at_a_venue_is_canceled_once_the_venue_confirms() -> None:
    m = play([
        (new("X", "10000"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (ack(), NONE),
        (fill("2000", "100"), [("F", "1", "X", "", "2000", "8000", "100", "2000", "100")]),
        (cancel("Y", "X"), [("6", "6", "Y", "X", "2000", "8000", "100", "", "")]),
        (fill("1000", "100"), [("F", "6", "X", "", "3000", "7000", "100", "1000", "100")]),
        (venue("canceled"), [("4", "4", "Y", "X", "3000", "0", "100", "", "")]),
    ], automatic())
    assert [type(e) for e in m.engine.journal if isinstance(e, ev.ChildEvent)][-2:] == [
        ev.ChildPartiallyFilled, ev.ChildCanceled]


def test_automatic_cancel_the_venue_refuses_gets_a_cancel_reject() -> None:
    play([
        (new("X", "10000"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (ack(), NONE),
        (cancel("Y", "X"), [("6", "6", "Y", "X", "0", "10000", "0", "", "")]),
        (venue("cancel_rejected", reason="in auction"), [("9 434=1 102=2", "0", "Y", "X")]),
        (cancel("Z", "X"), [("6", "6", "Z", "X", "0", "10000", "0", "", "")]),
    ], automatic())


def test_automatic_replace_up_is_pending_then_replaced_at_once() -> None:
    play([
        (new("X", "10000"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (ack(), NONE),
        (fill("1000", "100"), [("F", "1", "X", "", "1000", "9000", "100", "1000", "100")]),
        (replace("Y", "X", "12000"), [("E", "E", "Y", "X", "1000", "9000", "100", "", ""),
                                      ("5", "1", "Y", "X", "1000", "11000", "100", "", "")]),
    ], automatic())


def test_automatic_replace_down_is_replaced_once_the_venue_resizes_the_child() -> None:
    m = play([
        (new("X", "10000"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (ack(), NONE),
        (fill("1000", "100"), [("F", "1", "X", "", "1000", "9000", "100", "1000", "100")]),
        (replace("Y", "X", "8000", px="99"),
         [("E", "E", "Y", "X", "1000", "9000", "100", "", "")]),
        (fill("500", "100"), [("F", "E", "X", "", "1500", "8500", "100", "500", "100")]),
        (venue("replaced"), [("5", "1", "Y", "X", "1500", "6500", "100", "", "")]),
        (fill("500", "99"), [("F", "1", "Y", "", "2000", "6000", "99.75", "500", "99")]),
    ], automatic())
    child = m.engine.state.tickets["T1"].children[m.child]
    assert (child.qty, child.terms.limit_px) == (D(8000), D(99))


def test_automatic_replace_the_venue_refuses_gets_a_cancel_reject() -> None:
    play([
        (new("X", "10000"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (ack(), NONE),
        (replace("Y", "X", "8000"), [("E", "E", "Y", "X", "0", "10000", "0", "", "")]),
        (venue("replace_rejected", reason="too late"), [("9 434=2 102=2", "0", "Y", "X")]),
    ], automatic())


def test_automatic_replace_no_child_replace_can_carry_gets_a_cancel_reject() -> None:
    m = play([
        (new("X", "10000"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (ack(), NONE),
        (fill("2000", "100"), [("F", "1", "X", "", "2000", "8000", "100", "2000", "100")]),
        (replace("Y", "X", "2000"), [("9 434=2 102=99", "1", "Y", "X")]),
    ], automatic())
    replace("Y", "X", "2000").act(m)
    assert "cancel the order instead" in (m.last(58) or "")


def test_fix42_automatic_cancel_and_replace_need_no_trader() -> None:
    play([
        (new("X", "10000"), [("0/0", "0", "X", "", "0", "10000", "0", "", "")]),
        (ack(), NONE),
        (replace("Y", "X", "8000"), [("0/E", "E", "Y", "X", "0", "10000", "0", "", "")]),
        (venue("replaced"), [("0/5", "0", "Y", "X", "0", "8000", "0", "", "")]),
        (cancel("Z", "Y"), [("0/6", "6", "Z", "Y", "0", "8000", "0", "", "")]),
        (venue("canceled"), [("0/4", "4", "Z", "Y", "0", "0", "0", "", "")]),
    ], automatic("FIX.4.2"))


# ---------------------------------------------------------------- execution cancel/correct (D.9)


def test_filled_order_with_a_trade_canceled_and_a_trade_corrected() -> None:
    m = play([
        (new("X", "10000"), [("0", "0", "X", "", "0", "10000", "0", "", "")]),
        (accept(), NONE), (route("10000"), NONE), (ack(), NONE),
        (fill("2000", "100", "V1"), [("F", "1", "X", "", "2000", "8000", "100", "2000", "100")]),
        (fill("8000", "101", "V2"), [("F", "2", "X", "", "10000", "0", "100.8", "8000", "101")]),
        (venue("bust", venue_exec_id="V1"),
         [("H", "1", "X", "", "8000", "2000", "101", "2000", "100")]),
        (trader(lambda o: cmd.CorrectExecution(order_id=o, exec_id="E2", qty=D(7000),
                                               px=D("101.50"), reason="px"), "desk corrects"),
         [("G", "1", "X", "", "7000", "3000", "101.5", "7000", "101.5")]),
        (fill("3000", "101.5", "V3"),
         [("F", "2", "X", "", "10000", "0", "101.5", "3000", "101.5")]),
    ])
    assert m.engine.state.tickets["T1"].cum_qty == D(10000)


def test_trade_cancel_report_names_the_execution_it_cancels() -> None:
    m = Matrix()
    for step in (new("X", "100"), accept(), route("100"), ack(), fill("100", "100", "V1"),
                 venue("bust", venue_exec_id="V1")):
        step.act(m)
    assert (m.last(150), m.last(19), m.last(17)) == ("H", "E1", "T1-7")


# ---------------------------------------------------------------- DontKnowTrade


def test_dont_know_trade_is_recorded_on_the_order_and_answers_nothing() -> None:
    m = play([
        (new("X", "100"), [("0", "0", "X", "", "0", "100", "0", "", "")]),
        (accept(), NONE), (route("100"), NONE), (ack(), NONE),
        (fill("40", "100"), [("F", "1", "X", "", "40", "60", "100", "40", "100")]),
        (dont_know("T1", "E1"), NONE),
        (dont_know("T9", "E1"), [("j 380=1",)]),
    ])
    disputed = [e for e in m.engine.journal if isinstance(e, ev.TicketTradeDisputed)]
    assert disputed == [ev.TicketTradeDisputed(order_id="T1", exec_id="E1",
                                               reason="DKReason A: not ours")]


def test_unsupported_application_message_gets_a_business_reject() -> None:
    m = Matrix()
    m.client("AB", t11="X")
    assert m.take() == [("j 380=3",)]


# ---------------------------------------------------------------- FIX 4.2


def test_fix42_filled_order_reports_partial_fill_and_fill() -> None:
    play([
        (new("X", "10000"), [("0/0", "0", "X", "", "0", "10000", "0", "", "")]),
        (accept(), NONE), (route("10000"), NONE), (ack(), NONE),
        (fill("2000", "100"), [("0/1", "1", "X", "", "2000", "8000", "100", "2000", "100")]),
        (fill("8000", "101"), [("0/2", "2", "X", "", "10000", "0", "100.8", "8000", "101")]),
    ], Matrix("FIX.4.2"))


def test_fix42_cancel_of_a_part_filled_order_with_fills_while_pending() -> None:
    play([
        (new("X", "10000"), [("0/0", "0", "X", "", "0", "10000", "0", "", "")]),
        (accept(), NONE), (route("10000"), NONE), (ack(), NONE),
        (fill("2000", "100"), [("0/1", "1", "X", "", "2000", "8000", "100", "2000", "100")]),
        (cancel("Y", "X"), [("0/6", "6", "Y", "X", "2000", "8000", "100", "", "")]),
        (pending_accept(), NONE),
        (fill("3000", "100"), [("0/1", "6", "X", "", "5000", "5000", "100", "3000", "100")]),
        (venue("canceled"), [("0/4", "4", "Y", "X", "5000", "0", "100", "", "")]),
    ], Matrix("FIX.4.2"))


def test_fix42_replace_keeps_the_working_status_with_exec_type_replace() -> None:
    play([
        (new("X", "10000"), [("0/0", "0", "X", "", "0", "10000", "0", "", "")]),
        (accept(), NONE), (route("10000"), NONE), (ack(), NONE),
        (fill("1000", "100"), [("0/1", "1", "X", "", "1000", "9000", "100", "1000", "100")]),
        (replace("Y", "X", "12000"), [("0/E", "E", "Y", "X", "1000", "9000", "100", "", "")]),
        (pending_accept(), [("0/5", "1", "Y", "X", "1000", "11000", "100", "", "")]),
        (replace("Z", "Y", "11000", px="100.001"), [("9 434=2 102=2", "1", "Z", "Y")]),
    ], Matrix("FIX.4.2"))


def test_fix42_trade_cancel_and_correct_use_exec_trans_type() -> None:
    play([
        (new("X", "10000"), [("0/0", "0", "X", "", "0", "10000", "0", "", "")]),
        (accept(), NONE), (route("10000"), NONE), (ack(), NONE),
        (fill("2000", "100", "V1"), [("0/1", "1", "X", "", "2000", "8000", "100", "2000", "100")]),
        (fill("8000", "101", "V2"), [("0/2", "2", "X", "", "10000", "0", "100.8", "8000", "101")]),
        (venue("correct", venue_exec_id="V2", last_qty=D(8000), last_px=D("100")),
         [("2/2", "2", "X", "", "10000", "0", "100", "8000", "100")]),
        (venue("bust", venue_exec_id="V1"),
         [("1/1", "1", "X", "", "8000", "2000", "100", "2000", "100")]),
    ], Matrix("FIX.4.2"))


def test_fix42_status_and_unknown_order() -> None:
    play([
        (new("X", "10000"), [("0/0", "0", "X", "", "0", "10000", "0", "", "")]),
        (status("X"), [("3/0", "0", "X", "", "0", "10000", "0", "", "")]),
        (status("Z"), [("3/8", "8", "Z", "", "0", "0", "0", "", "")]),
        (new("X", "5"), [("0/8", "8", "X", "", "0", "0", "0", "", "")]),
    ], Matrix("FIX.4.2"))
