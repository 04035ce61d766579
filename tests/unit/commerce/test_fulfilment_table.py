"""The fulfilment order's transition table, pair by pair: as data, and through the commands
a store, a vendor or a carrier sends (legal ones move; the rest are refused, change nothing)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import pytest

from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain import events as ev
from openoms.commerce.domain.model import FulfilmentKind, ShippingMethod
from openoms.commerce.domain.model import FulfilmentStatus as F
from openoms.commerce.domain.states import FULFILMENT_TRANSITIONS
from openoms.core.errors import DomainError, InvalidTransition
from openoms.core.events import Command
from openoms.core.fsm import Derived

from shop import Shop

FULFILMENT_EVENTS = [e for e in ev.ALL_EVENTS
                     if issubclass(e, ev.FulfilmentEvent) or e is ev.OrderSourced]
TERMINAL = {F.DELIVERED, F.PICKED_UP, F.REJECTED, F.CANCELED}

Make = Callable[[str, str], Command]
COMMANDS: dict[str, Make] = {
    "accept": lambda o, f: cmd.AcceptFulfilment(fulfilment_id=f),
    "pick": lambda o, f: cmd.PickFulfilment(fulfilment_id=f),
    "pack": lambda o, f: cmd.PackFulfilment(fulfilment_id=f),
    "short_pick": lambda o, f: cmd.ShortPick(fulfilment_id=f,
                                             lines=(ev.LineQty(line_id="1", qty=1),)),
    "reject": lambda o, f: cmd.RejectFulfilment(fulfilment_id=f, reason="no staff"),
    "ship": lambda o, f: cmd.ShipFulfilment(fulfilment_id=f, carrier="UPS", tracking="1Z9"),
    "deliver": lambda o, f: cmd.DeliverFulfilment(fulfilment_id=f),
    "ready": lambda o, f: cmd.ReadyForPickup(fulfilment_id=f),
    "hand_over": lambda o, f: cmd.HandOver(fulfilment_id=f),
    "cancel": lambda o, f: cmd.CancelOrder(order_id=o),
}

# The business's table, per kind of fulfilment order: (status, command) -> new status.
LEGAL: dict[FulfilmentKind, dict[tuple[F, str], F]] = {
    FulfilmentKind.SHIP: {
        (F.ASSIGNED, "accept"): F.ACCEPTED, (F.ASSIGNED, "reject"): F.REJECTED,
        (F.ACCEPTED, "pick"): F.PICKED, (F.ACCEPTED, "short_pick"): F.ACCEPTED,
        (F.ACCEPTED, "reject"): F.REJECTED,
        (F.PICKED, "pack"): F.PACKED, (F.PICKED, "short_pick"): F.PICKED,
        (F.PACKED, "ship"): F.SHIPPED,
        (F.SHIPPED, "deliver"): F.DELIVERED,
    },
    FulfilmentKind.PICKUP: {
        (F.ASSIGNED, "accept"): F.ACCEPTED, (F.ASSIGNED, "reject"): F.REJECTED,
        (F.ACCEPTED, "pick"): F.PICKED, (F.ACCEPTED, "short_pick"): F.ACCEPTED,
        (F.ACCEPTED, "reject"): F.REJECTED,
        (F.PICKED, "pack"): F.PACKED, (F.PICKED, "short_pick"): F.PICKED,
        (F.PACKED, "ready"): F.READY_FOR_PICKUP,
        (F.READY_FOR_PICKUP, "hand_over"): F.PICKED_UP,
    },
    FulfilmentKind.DROPSHIP: {
        (F.ASSIGNED, "accept"): F.ACCEPTED, (F.ASSIGNED, "reject"): F.REJECTED,
        (F.ACCEPTED, "reject"): F.REJECTED, (F.ACCEPTED, "ship"): F.SHIPPED,
        (F.SHIPPED, "deliver"): F.DELIVERED,
    },
}
for _kind, _table in LEGAL.items():  # the customer cancels: every open one is canceled
    for _status in {s for s, _ in _table} - {F.SHIPPED}:
        _table[(_status, "cancel")] = F.CANCELED
    # The units a rejection sent back to sourcing (backordered here) are canceled; the
    # rejected fulfilment order stays as it was.
    _table[(F.REJECTED, "cancel")] = F.REJECTED
# The commands each kind of fulfilment order answers to; others are refused for the kind.
OWN: dict[FulfilmentKind, set[str]] = {
    FulfilmentKind.SHIP: {"accept", "pick", "pack", "short_pick", "reject", "ship", "deliver"},
    FulfilmentKind.PICKUP: {"accept", "pick", "pack", "short_pick", "reject", "ready",
                            "hand_over"},
    FulfilmentKind.DROPSHIP: {"accept", "reject", "ship", "deliver"},
}
PATHS: dict[FulfilmentKind, dict[F, list[str]]] = {
    FulfilmentKind.SHIP: {
        F.ASSIGNED: [], F.ACCEPTED: ["accept"], F.PICKED: ["accept", "pick"],
        F.PACKED: ["accept", "pick", "pack"], F.SHIPPED: ["accept", "pick", "pack", "ship"],
        F.DELIVERED: ["accept", "pick", "pack", "ship", "deliver"], F.REJECTED: ["reject"],
        F.CANCELED: ["cancel"]},
    FulfilmentKind.PICKUP: {
        F.ASSIGNED: [], F.ACCEPTED: ["accept"], F.PICKED: ["accept", "pick"],
        F.PACKED: ["accept", "pick", "pack"], F.READY_FOR_PICKUP: ["accept", "pick", "pack",
                                                                   "ready"],
        F.PICKED_UP: ["accept", "pick", "pack", "ready", "hand_over"], F.REJECTED: ["reject"],
        F.CANCELED: ["cancel"]},
    FulfilmentKind.DROPSHIP: {
        F.ASSIGNED: [], F.ACCEPTED: ["accept"], F.SHIPPED: ["accept", "ship"],
        F.DELIVERED: ["accept", "ship", "deliver"], F.REJECTED: ["reject"],
        F.CANCELED: ["cancel"]},
}


def _fulfilment_in(kind: FulfilmentKind, status: F) -> tuple[Shop, str, str]:
    shop = Shop().seed()
    if kind is FulfilmentKind.SHIP:
        shop.stock("TEE", "MPLS", 5)
        order = shop.order(("TEE", 2))
    elif kind is FulfilmentKind.PICKUP:
        shop.stock("TEE", "STP", 5)
        order = shop.order(("TEE", 2), method=ShippingMethod.PICKUP, pickup="STP")
    else:
        order = shop.order(("KAYAK", 2))
    (f,) = shop.fulfilments(order.order_id)
    assert f.kind is kind
    for step in PATHS[kind][status]:
        shop.run(COMMANDS[step](order.order_id, f.fulfilment_id))
    assert shop.state.fulfilments[f.fulfilment_id].status is status
    return shop, order.order_id, f.fulfilment_id


MATRIX = [(kind, status, command) for kind, paths in PATHS.items() for status in paths
          for command in COMMANDS]


@pytest.mark.parametrize(("kind", "status", "command"), MATRIX,
                         ids=[f"{k.value}-{s.value}-{c}" for k, s, c in MATRIX])
def test_fulfilment_every_status_and_command_moves_as_the_table_says_or_is_refused(
        kind: FulfilmentKind, status: F, command: str) -> None:
    shop, order_id, fulfilment_id = _fulfilment_in(kind, status)
    target = LEGAL[kind].get((status, command))
    if target is not None:
        shop.run(COMMANDS[command](order_id, fulfilment_id))
        assert shop.state.fulfilments[fulfilment_id].status is target
        assert shop.reserved_matches_open_fulfilments()
        return
    before = shop.snapshot()
    expected = InvalidTransition if command in OWN[kind] and command != "cancel" \
        else DomainError
    with pytest.raises(expected):
        shop.run(COMMANDS[command](order_id, fulfilment_id))
    assert shop.snapshot() == before


@pytest.mark.parametrize("state", [None, *F], ids=lambda s: getattr(s, "value", "new"))
@pytest.mark.parametrize("event", FULFILMENT_EVENTS, ids=lambda e: e.__name__)
def test_fulfilment_table_every_pair_is_legal_or_raises(state: F | None, event: type) -> None:
    if (state, event) in FULFILMENT_TRANSITIONS.rows:
        assert isinstance(FULFILMENT_TRANSITIONS.next(state, event), (F, Derived))
    else:
        with pytest.raises(InvalidTransition):
            FULFILMENT_TRANSITIONS.next(state, event)


def test_fulfilment_table_every_status_is_reachable() -> None:
    seen: set[F] = set()
    queue: deque[F | None] = deque([None])
    while queue:
        current = queue.popleft()
        for (source, _), target in FULFILMENT_TRANSITIONS.rows.items():
            if source != current:
                continue
            # A short pick or cancel keeps the status, or cancels when no unit is left.
            for t in ([source, F.CANCELED] if isinstance(target, Derived) else [target]):
                if t is not None and t not in seen:
                    seen.add(t)
                    queue.append(t)
    assert seen == set(F)


def test_fulfilment_table_terminal_statuses_have_no_exits() -> None:
    assert not [pair for pair in FULFILMENT_TRANSITIONS.rows if pair[0] in TERMINAL]


def test_fulfilment_table_shipped_can_only_be_delivered() -> None:
    exits = {event for (status, event) in FULFILMENT_TRANSITIONS.rows if status is F.SHIPPED}
    assert exits == {ev.FulfilmentDelivered}
