"""Transition tables: every (state, event) pair, reachability, terminal states."""

from __future__ import annotations

from collections import deque

import pytest

from openoms.core.errors import InvalidTransition
from openoms.core.fsm import WORKING, Derived, TransitionTable
from openoms.trading.domain.events import CHILD_EVENTS, TICKET_EVENTS
from openoms.trading.domain.events import TicketTradeDisputed as TradeDisputed
from openoms.trading.domain.model import TERMINAL, OrderStatus
from openoms.trading.domain.states import CHILD_TRANSITIONS, TICKET_TRANSITIONS

STATES: list[OrderStatus | None] = [None, *OrderStatus]
TICKET_ONLY = [e for e in TICKET_EVENTS if e.__name__.startswith("Ticket")]
ADJUSTMENTS = {"TicketExecutionBusted", "TicketExecutionCorrected", "ChildExecutionBusted",
               "ChildExecutionCorrected"}
TOO_LATE = {"TicketCancelRejected", "TicketReplaceRejected", "ChildCancelRejected",
            "ChildReplaceRejected"}


def _pairs(table: TransitionTable[OrderStatus], events: list[type]) -> list[tuple[object, type]]:
    return [(state, event) for state in STATES for event in events]


@pytest.mark.parametrize(("state", "event"), _pairs(TICKET_TRANSITIONS, TICKET_ONLY))
def test_ticket_table_every_pair_is_legal_or_raises(state: OrderStatus | None,
                                                    event: type) -> None:
    _check_pair(TICKET_TRANSITIONS, state, event)


@pytest.mark.parametrize(("state", "event"), _pairs(CHILD_TRANSITIONS, list(CHILD_EVENTS)))
def test_child_table_every_pair_is_legal_or_raises(state: OrderStatus | None,
                                                   event: type) -> None:
    _check_pair(CHILD_TRANSITIONS, state, event)


def _check_pair(table: TransitionTable[OrderStatus], state: OrderStatus | None,
                event: type) -> None:
    if (state, event) in table.rows:
        target = table.next(state, event)
        assert target == table.rows[(state, event)]
        assert isinstance(target, (OrderStatus, Derived))
    else:
        with pytest.raises(InvalidTransition):
            table.next(state, event)


def _reachable(table: TransitionTable[OrderStatus]) -> set[OrderStatus]:
    seen: set[OrderStatus] = set()
    queue: deque[OrderStatus | None] = deque([None])
    while queue:
        current = queue.popleft()
        for (source, _), target in table.rows.items():
            if source != current:
                continue
            targets = ([OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED, OrderStatus.FILLED]
                       if isinstance(target, Derived) else [target])
            for t in targets:
                if t not in seen:
                    seen.add(t)
                    queue.append(t)
    return seen


def test_ticket_table_every_status_is_reachable() -> None:
    assert _reachable(TICKET_TRANSITIONS) == set(OrderStatus)


def test_child_table_every_child_status_is_reachable() -> None:
    expected = set(OrderStatus) - {OrderStatus.STAGED, OrderStatus.DONE_FOR_DAY}
    assert _reachable(CHILD_TRANSITIONS) == expected


@pytest.mark.parametrize("table", [TICKET_TRANSITIONS, CHILD_TRANSITIONS],
                         ids=["ticket", "child"])
def test_terminal_states_have_no_exits_but_the_too_late_rejects(
        table: TransitionTable[OrderStatus]) -> None:
    for (source, event), target in table.rows.items():
        if source in TERMINAL and event.__name__ not in ADJUSTMENTS:
            assert event.__name__ in TOO_LATE, (source, event)
            assert target == source  # a late reject leaves the order where it is


@pytest.mark.parametrize("table", [TICKET_TRANSITIONS, CHILD_TRANSITIONS],
                         ids=["ticket", "child"])
def test_terminal_states_after_a_trade_bust_or_correction_only_filled_reopens(
        table: TransitionTable[OrderStatus]) -> None:
    for (source, event), target in table.rows.items():
        if source in TERMINAL and event.__name__ in ADJUSTMENTS:
            expected = WORKING if source is OrderStatus.FILLED else source
            assert target == expected, (source, event)


@pytest.mark.parametrize(("table", "event"), [
    (TICKET_TRANSITIONS, "TicketExecutionBusted"), (TICKET_TRANSITIONS, "TicketExecutionCorrected"),
    (CHILD_TRANSITIONS, "ChildExecutionBusted"), (CHILD_TRANSITIONS, "ChildExecutionCorrected")])
def test_trade_bust_or_correction_before_any_fill_is_not_in_the_table(
        table: TransitionTable[OrderStatus], event: str) -> None:
    sources = {source for (source, e) in table.rows if e.__name__ == event}
    assert OrderStatus.PARTIALLY_FILLED in sources
    assert sources.isdisjoint({None, OrderStatus.STAGED, OrderStatus.PENDING_NEW,
                               OrderStatus.NEW, OrderStatus.REJECTED})


def test_ticket_table_trade_disputed_changes_no_status() -> None:
    assert TradeDisputed not in TICKET_TRANSITIONS.events()
