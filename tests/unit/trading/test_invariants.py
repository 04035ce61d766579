"""Hypothesis drives the desk through random commands; the FIX quantity rules always hold.

After every step, for every ticket: CumQty + LeavesQty = OrderQty while working; AvgPx is the
exact quantity-weighted average of its fills; never overfilled; LeavesQty = 0 once done;
children never hold more than the ticket's leaves; nothing negative. A refused command
changes nothing at all.
"""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from openoms.core.errors import DomainError
from openoms.core.events import Command
from openoms.trading.domain import commands as cmd
from openoms.trading.domain.model import (
    TERMINAL,
    Handling,
    OrderStatus,
    OrdType,
    Side,
    TimeInForce,
)

from desk import Desk

QTY = st.integers(min_value=1, max_value=300).map(D)
PX = st.sampled_from(["99.00", "99.50", "100.00", "100.50", "101.00"]).map(D)
WORKING = {OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED, OrderStatus.PENDING_CANCEL,
           OrderStatus.PENDING_REPLACE}


class DeskMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.desk = Desk().seed()

    def _try(self, command: Command) -> None:
        before = self.desk.snapshot()
        try:
            self.desk.run(command)
        except DomainError:
            assert self.desk.state == before, f"{command} was refused but changed the state"

    def _order(self, pick: int) -> str:
        ids = list(self.desk.state.tickets)
        return ids[pick % len(ids)] if ids else "T0"

    def _child(self, pick: int) -> str:
        ids = list(self.desk.state.child_index)
        return ids[pick % len(ids)] if ids else "C0"

    @rule(qty=QTY, px=PX, side=st.sampled_from(list(Side)),
          tif=st.sampled_from([TimeInForce.DAY, TimeInForce.GTC, TimeInForce.IOC]),
          automatic=st.booleans())
    def submit(self, qty: D, px: D, side: Side, tif: TimeInForce, automatic: bool) -> None:
        self._try(cmd.SubmitTicket(account_id="FREE", symbol="AAPL", side=side, qty=qty,
                                   ord_type=OrdType.LIMIT, limit_px=px, tif=tif,
                                   handling=Handling.AUTOMATIC if automatic
                                   else Handling.STAGED))

    @rule(pick=st.integers(0, 50))
    def accept(self, pick: int) -> None:
        self._try(cmd.AcceptTicket(order_id=self._order(pick)))

    @rule(pick=st.integers(0, 50), qty=QTY)
    def route(self, pick: int, qty: D) -> None:
        self._try(cmd.RouteChild(order_id=self._order(pick), venue_id="SIM", qty=qty))

    @rule(pick=st.integers(0, 50), kind=st.sampled_from(
        ["ack", "canceled", "reject", "expired", "cancel_rejected", "replaced",
         "replace_rejected"]))
    def venue_report(self, pick: int, kind: str) -> None:
        self._try(cmd.ApplyVenueReport(child_id=self._child(pick), kind=kind))

    @rule(pick=st.integers(0, 50), qty=st.integers(1, 60).map(D), px=PX)
    def venue_fill(self, pick: int, qty: D, px: D) -> None:
        self._try(cmd.ApplyVenueReport(child_id=self._child(pick), kind="fill", last_qty=qty,
                                       last_px=px, venue_exec_id="V"))

    @rule(pick=st.integers(0, 50))
    def cancel_child(self, pick: int) -> None:
        child = self._child(pick)
        order_id = self.desk.state.child_index.get(child, "T0")
        self._try(cmd.CancelChild(order_id=order_id, child_id=child))

    @rule(pick=st.integers(0, 50), qty=QTY)
    def replace_child(self, pick: int, qty: D) -> None:
        child = self._child(pick)
        order_id = self.desk.state.child_index.get(child, "T0")
        self._try(cmd.ReplaceChild(order_id=order_id, child_id=child, qty=qty))

    @rule(pick=st.integers(0, 50))
    def client_cancel(self, pick: int) -> None:
        self._try(cmd.RequestCancel(order_id=self._order(pick)))

    @rule(pick=st.integers(0, 50), qty=QTY)
    def client_replace(self, pick: int, qty: D) -> None:
        self._try(cmd.RequestReplace(order_id=self._order(pick), qty=qty))

    @rule(pick=st.integers(0, 50), accept=st.booleans())
    def answer_pending(self, pick: int, accept: bool) -> None:
        order_id = self._order(pick)
        self._try(cmd.AcceptPending(order_id=order_id) if accept
                  else cmd.RejectPending(order_id=order_id, reason="no"))

    @rule(pick=st.integers(0, 50))
    def desk_cancel(self, pick: int) -> None:
        self._try(cmd.CancelTicket(order_id=self._order(pick)))

    @rule(day=st.integers(1, 28))
    def close_and_open(self, day: int) -> None:
        self._try(cmd.CloseTradingSession(trading_date=f"2026-12-{day:02d}"))
        self._try(cmd.OpenTradingSession(trading_date=f"2026-12-{day:02d}"))

    @invariant()
    def quantities_hold(self) -> None:
        for t in self.desk.state.tickets.values():
            assert t.cum_qty >= 0 and t.leaves_qty >= 0 and t.notional >= 0
            assert t.cum_qty <= t.qty or t.status is OrderStatus.FILLED
            if t.status in WORKING:
                assert t.cum_qty + t.leaves_qty == t.qty
            if t.status in TERMINAL or t.status is OrderStatus.DONE_FOR_DAY:
                assert t.leaves_qty == 0
            fills = t.executions
            assert sum((x.qty for x in fills), D(0)) == t.cum_qty
            if fills:
                assert t.avg_px == sum((x.qty * x.px for x in fills), D(0)) / t.cum_qty
            assert t.working_qty <= max(t.qty - t.cum_qty, D(0))
            for c in t.children.values():
                assert 0 <= c.cum_qty <= c.qty and c.leaves_qty >= 0
                if c.status in TERMINAL:
                    assert c.leaves_qty == 0
            assert sum((c.cum_qty for c in t.children.values()), D(0)) == t.cum_qty

    @invariant()
    def open_notional_is_the_sum_of_open_exposure(self) -> None:
        state = self.desk.state
        total = sum((t.exposure for t in state.tickets.values() if t.account_id == "FREE"),
                    D(0))
        assert state.open_notional.get("FREE", D(0)) == total


DeskMachine.TestCase.settings = settings(max_examples=120, stateful_step_count=40,
                                         deadline=None,
                                         suppress_health_check=[HealthCheck.too_slow])
test_desk_random_commands_keep_fix_quantity_rules = DeskMachine.TestCase
