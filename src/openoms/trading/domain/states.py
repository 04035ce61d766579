"""Transition tables of tickets and child orders: one row per legal move.

``WORKING`` resolves from quantities: new when nothing is filled, partially filled otherwise,
filled when a replace brought the quantity down to what was already filled.
"""

from __future__ import annotations

from typing import Final

from openoms.core.fsm import WORKING, Derived, TransitionTable
from openoms.trading.domain import events as ev
from openoms.trading.domain.model import OrderStatus as S

_LIVE = (S.NEW, S.PARTIALLY_FILLED)
_FILLABLE = (S.NEW, S.PARTIALLY_FILLED, S.PENDING_CANCEL, S.PENDING_REPLACE)
_OPEN = (S.STAGED, S.PENDING_NEW, S.NEW, S.PARTIALLY_FILLED, S.PENDING_CANCEL, S.PENDING_REPLACE)

_ticket_rows: dict[tuple[S | None, type], S | Derived] = {
    (None, ev.TicketStaged): S.STAGED,
    (None, ev.TicketReceived): S.PENDING_NEW,
    (S.STAGED, ev.TicketAccepted): S.NEW,
    (S.PENDING_NEW, ev.TicketAccepted): S.NEW,
    (S.STAGED, ev.TicketRejected): S.REJECTED,
    (S.PENDING_NEW, ev.TicketRejected): S.REJECTED,
    # Amending a ticket that is still on the blotter keeps it there.
    (S.STAGED, ev.TicketReplaced): S.STAGED,
    (S.PENDING_CANCEL, ev.TicketCancelAccepted): S.PENDING_CANCEL,
    (S.PENDING_CANCEL, ev.TicketCancelRejected): WORKING,
    # Filled while the request waited: the reject says "too late to cancel".
    (S.FILLED, ev.TicketCancelRejected): S.FILLED,
    (S.PENDING_REPLACE, ev.TicketReplaceRejected): WORKING,
    (S.FILLED, ev.TicketReplaceRejected): S.FILLED,
    (S.DONE_FOR_DAY, ev.TicketRestated): WORKING,
}
for _s in (S.STAGED, S.PENDING_NEW, *_FILLABLE, S.DONE_FOR_DAY):
    _ticket_rows[(_s, ev.TicketCanceled)] = S.CANCELED
    _ticket_rows[(_s, ev.TicketExpired)] = S.EXPIRED
for _s in (*_LIVE, S.DONE_FOR_DAY):
    _ticket_rows[(_s, ev.TicketCancelRequested)] = S.PENDING_CANCEL
for _s in _LIVE:
    _ticket_rows[(_s, ev.TicketReplaceRequested)] = S.PENDING_REPLACE
for _s in (*_LIVE, S.PENDING_REPLACE):
    _ticket_rows[(_s, ev.TicketReplaced)] = WORKING
for _s in _FILLABLE:
    # A fill keeps a pending request pending (OrdStatus stays 6 or E, ExecType=F).
    _ticket_rows[(_s, ev.TicketPartiallyFilled)] = S.PARTIALLY_FILLED if _s in _LIVE else _s
    _ticket_rows[(_s, ev.TicketFilled)] = S.FILLED
    _ticket_rows[(_s, ev.TicketDoneForDay)] = S.DONE_FOR_DAY

# A fill canceled or corrected after the fact (FIX 4.4 Appendix D, trade cancel and correct):
# a part-filled or filled order works again with what the fill no longer covers; an order that
# ended otherwise, or waits on a request, keeps its status and only its quantities change.
for _adjust in (ev.TicketExecutionBusted, ev.TicketExecutionCorrected):
    for _s in (S.PARTIALLY_FILLED, S.FILLED):
        _ticket_rows[(_s, _adjust)] = WORKING
    for _s in (S.PENDING_CANCEL, S.PENDING_REPLACE, S.DONE_FOR_DAY, S.CANCELED, S.EXPIRED):
        _ticket_rows[(_s, _adjust)] = _s

TICKET_TRANSITIONS: Final = TransitionTable[S]("ticket", _ticket_rows)

_child_rows: dict[tuple[S | None, type], S | Derived] = {
    (None, ev.ChildRouted): S.PENDING_NEW,
    (S.PENDING_NEW, ev.ChildAcknowledged): S.NEW,
    (S.PENDING_NEW, ev.ChildRejected): S.REJECTED,
    (S.PENDING_CANCEL, ev.ChildCancelRejected): WORKING,
    (S.FILLED, ev.ChildCancelRejected): S.FILLED,
    (S.PENDING_REPLACE, ev.ChildReplaced): WORKING,
    (S.PENDING_REPLACE, ev.ChildReplaceRejected): WORKING,
    (S.FILLED, ev.ChildReplaceRejected): S.FILLED,
    (S.CANCELED, ev.ChildReplaceRejected): S.CANCELED,
}
_CHILD_OPEN = (S.PENDING_NEW, *_FILLABLE)
for _s in _CHILD_OPEN:
    _child_rows[(_s, ev.ChildPartiallyFilled)] = (
        S.PARTIALLY_FILLED if _s in (S.PENDING_NEW, *_LIVE) else _s
    )
    _child_rows[(_s, ev.ChildFilled)] = S.FILLED
    # Unsolicited cancels happen too: IOC remainders, venue housekeeping.
    _child_rows[(_s, ev.ChildCanceled)] = S.CANCELED
    _child_rows[(_s, ev.ChildExpired)] = S.EXPIRED
for _s in (S.PENDING_NEW, *_LIVE, S.PENDING_REPLACE):
    _child_rows[(_s, ev.ChildCancelRequested)] = S.PENDING_CANCEL
for _s in _LIVE:
    _child_rows[(_s, ev.ChildReplaceRequested)] = S.PENDING_REPLACE

for _child_adjust in (ev.ChildExecutionBusted, ev.ChildExecutionCorrected):
    for _s in (S.PARTIALLY_FILLED, S.FILLED):
        _child_rows[(_s, _child_adjust)] = WORKING
    for _s in (S.PENDING_CANCEL, S.PENDING_REPLACE, S.CANCELED, S.EXPIRED):
        _child_rows[(_s, _child_adjust)] = _s

CHILD_TRANSITIONS: Final = TransitionTable[S]("child order", _child_rows)

OPEN_STATES: Final = frozenset(_OPEN)
