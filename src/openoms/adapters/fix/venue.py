"""The desk's connections to outside venues over FIX: child orders out, execution reports in.

``FixVenueGateway`` is the ``VenueGateway`` of venues of kind ``fix`` and the ``Application``
of their initiator sessions (one session per venue, ``SessionConfig.venue_id``). Committed
child events become NewOrderSingle (D), OrderCancelRequest (F) and OrderCancelReplaceRequest
(G); the venue's ExecutionReports (8), OrderCancelRejects (9) and BusinessMessageRejects (j)
become ``ApplyVenueReport`` commands. ClOrdIDs are derived from the journal (see
``venue_wire``), so they and the child they stand for are the same after a restart.

Not logged on. A child routed while its venue's session is down is rejected at once
("venue ... is not connected"): the session would store the NewOrderSingle and deliver it by
resend, with PossDup=Y, whenever the link comes back — possibly minutes later into a moved
market, and venues may refuse PossDup orders. The trader sees the reject now and can route
elsewhere. A replace is refused the same way. A cancel is held instead, because pulling an
order must not be lost: it is sent, as a fresh message, as soon as the session logs on.

On every logon, children whose outcome is uncertain (pending new, cancel or replace) get an
OrderStatusRequest (H); the answer settles a child the venue never received (rejected), one
it has (acknowledged) and a cancel that went missing (sent again). Messages in flight are
the session's business (resend), and a duplicate ExecutionReport is dropped by its ExecID
(the last ``SEEN_LIMIT`` remembered; a fill's is also found in the desk's state).
Anything surprising is logged and ignored; nothing here raises into the session.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from openoms.adapters.fix import venue_wire as wire
from openoms.adapters.fix.application import BUSINESS_UNSUPPORTED_MESSAGE_TYPE, SessionHandle
from openoms.adapters.fix.codec import FixMessage
from openoms.core.clock import Clock
from openoms.core.events import Recorded
from openoms.trading.domain import events as ev
from openoms.trading.domain.commands import ApplyVenueReport
from openoms.trading.domain.model import ChildOrder, OrderStatus, OrderTerms
from openoms.trading.domain.state import TradingState

_log = logging.getLogger("openoms.venues.fix")

_UNCERTAIN = (OrderStatus.PENDING_NEW, OrderStatus.PENDING_CANCEL, OrderStatus.PENDING_REPLACE)
_ENDING = (ev.ChildFilled, ev.ChildCanceled, ev.ChildRejected, ev.ChildExpired)
# Reports remembered by ExecID (or 9:ClOrdID) to drop duplicates; the oldest is forgotten first.
# Safe because each report is applied to the desk's state before the next is read (``report``
# decides at once): a forgotten fill is still found among its ticket's executions or busts
# (``_duplicate``), a forgotten bust or correction is refused (its fill is gone or has those
# terms already), and an ack, cancel or reject arrives for a child already past that step
# (refused, or ignored on a closed child). Duplicates come from resends, which reach back
# minutes, not SEEN_LIMIT reports.
SEEN_LIMIT = 100_000

History = Callable[[str], Sequence[Recorded]]


@dataclass(slots=True)
class _Track:
    """What the gateway knows of one open child beyond the desk's state."""

    current: str  # the ClOrdID the venue knows the order by
    venue_order_id: str | None = None  # OrderID (37)
    pending_cancel: str | None = None  # ClOrdID of a cancel request not yet answered
    pending_replace: str | None = None
    held: bool = False  # a cancel waiting for the session to log on


class FixVenueGateway:
    """Routes child orders to venues reached over FIX and applies what they report."""

    def __init__(self, state: TradingState, report: Callable[[ApplyVenueReport], None], *,
                 clock: Clock, history: History | None = None,
                 seen_limit: int = SEEN_LIMIT) -> None:
        self._state = state
        self._report = report
        self._clock = clock
        self._history = history  # stream id -> its journal records (restart recovery)
        self._sessions: dict[str, SessionHandle] = {}
        self._tracks: dict[str, _Track] = {}
        # (venue, ExecID or 9:ClOrdID) applied, oldest first; a set bounded to seen_limit
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._seen_limit = seen_limit

    def attach(self, session: SessionHandle) -> None:
        """Know a venue's session before it logs on (it is also learned at logon)."""
        venue_id = session.config.venue_id
        if venue_id:
            self._sessions[venue_id] = session

    def is_connected(self, venue_id: str) -> bool:
        return self._live(venue_id) is not None

    def _live(self, venue_id: str) -> SessionHandle | None:
        session = self._sessions.get(venue_id)
        return session if session is not None and session.logged_on else None

    def _track(self, child: ChildOrder) -> _Track:
        track = self._tracks.get(child.child_id)
        if track is None:
            track = self._tracks[child.child_id] = _Track(current=child.child_id)
        return track

    # ------------------------------------------------------------ desk -> venue

    def _not_connected(self, child: ChildOrder, kind: str) -> None:
        """Refuse a request for a venue whose session is not logged on (see the docstring)."""
        self._report(ApplyVenueReport(child_id=child.child_id, kind=kind,
                                      reason=f"venue {child.venue_id} is not connected"))

    def on_child_event(self, recorded: Recorded, child: ChildOrder) -> None:
        """Send what a committed child event asks of the venue."""
        event = recorded.event
        session = self._live(child.venue_id)
        track = self._track(child)
        if isinstance(event, ev.ChildRouted):
            if session is None:
                self._not_connected(child, "reject")
                return
            session.send("D", wire.new_order_single(child, child.child_id, self._clock.now()))
        elif isinstance(event, ev.ChildCancelRequested):
            track.pending_cancel = wire.request_id(child.child_id, recorded.version)
            track.held = session is None
            if session is None:
                _log.info("cancel of %s held until venue %s logs on", child.child_id,
                          child.venue_id)
            else:
                self._send_cancel(session, child, track, track.pending_cancel)
        elif isinstance(event, ev.ChildReplaceRequested):
            if session is None:
                self._not_connected(child, "replace_rejected")
                return
            track.pending_replace = wire.request_id(child.child_id, recorded.version)
            t = child.terms
            terms = OrderTerms(qty=event.qty, ord_type=t.ord_type, limit_px=event.limit_px,
                               stop_px=t.stop_px, tif=t.tif, expire_at=t.expire_at)
            session.send("G", wire.replace_request(child, terms, track.pending_replace,
                                                   track.current, track.venue_order_id,
                                                   self._clock.now()))
        elif isinstance(event, ev.ChildReplaced):
            track.current = track.pending_replace or track.current
            track.pending_replace = None
        elif isinstance(event, ev.ChildReplaceRejected):
            track.pending_replace = None
        elif isinstance(event, ev.ChildCancelRejected):
            track.pending_cancel, track.held = None, False
        if isinstance(event, _ENDING):
            if isinstance(event, ev.ChildExpired) and recorded.source != "venue" and session:
                # The desk ended the child (end of day); make sure the venue drops it too.
                cl_ord_id = wire.request_id(child.child_id, recorded.version)
                self._send_cancel(session, child, track, cl_ord_id)
            self._tracks.pop(child.child_id, None)

    def _send_cancel(self, session: SessionHandle, child: ChildOrder, track: _Track,
                     cl_ord_id: str) -> None:
        track.held = False
        session.send("F", wire.cancel_request(child, cl_ord_id, track.current,
                                              track.venue_order_id, self._clock.now()))

    def recover(self, children: Sequence[ChildOrder]) -> None:
        """After a restart, rebuild each open child's ClOrdIDs from its journal stream."""
        for child in children:
            self._tracks[child.child_id] = _Track(current=child.child_id)
        if self._history is None:
            return
        for order_id in dict.fromkeys(child.order_id for child in children):
            for recorded in self._history(f"{ev.TicketEvent.STREAM}:{order_id}"):
                event = recorded.event
                if not isinstance(event, ev.ChildEvent) or event.child_id not in self._tracks:
                    continue
                track = self._tracks[event.child_id]
                request = wire.request_id(event.child_id, recorded.version)
                if isinstance(event, ev.ChildCancelRequested):
                    track.pending_cancel = request
                elif isinstance(event, ev.ChildReplaceRequested):
                    track.pending_replace = request
                elif isinstance(event, ev.ChildReplaced):
                    track.current = track.pending_replace or track.current
                    track.pending_replace = None
                elif isinstance(event, ev.ChildReplaceRejected):
                    track.pending_replace = None
                elif isinstance(event, ev.ChildCancelRejected):
                    track.pending_cancel = None

    # ------------------------------------------------------------ sessions

    def on_logon(self, session: SessionHandle) -> None:
        """Send held cancels and ask the status of every child whose outcome is uncertain."""
        venue_id = session.config.venue_id
        if not venue_id:
            _log.warning("session %s has no venue_id: not a venue session", session.session_id)
            return
        self._sessions[venue_id] = session
        for ticket in list(self._state.tickets.values()):
            for child in ticket.open_children():
                if child.venue_id != venue_id or child.status not in _UNCERTAIN:
                    continue
                track = self._track(child)
                if track.held and track.pending_cancel:
                    self._send_cancel(session, child, track, track.pending_cancel)
                else:
                    session.send("H", wire.status_request(child, track.current,
                                                          track.venue_order_id))

    def on_logout(self, session: SessionHandle) -> None:
        _log.info("venue %s disconnected (%s)", session.config.venue_id, session.session_id)

    def on_message(self, session: SessionHandle, message: FixMessage) -> None:
        """Apply one message from a venue; never raises."""
        try:
            self._dispatch(session, message)
        except Exception:
            _log.exception("venue message not applied: %r", message)

    def _dispatch(self, session: SessionHandle, message: FixMessage) -> None:
        venue_id = session.config.venue_id or ""
        msg_type = message.msg_type
        if msg_type == "8":
            self._execution_report(session, venue_id, message)
        elif msg_type == "9":
            self._cancel_reject(venue_id, message)
        elif msg_type == "j":
            self._business_reject(venue_id, message)
        else:
            session.reject_business(message, BUSINESS_UNSUPPORTED_MESSAGE_TYPE,
                                    f"MsgType {msg_type} is not supported on a venue session",
                                    35)

    # ------------------------------------------------------------ venue -> desk

    def _child(self, venue_id: str, *cl_ord_ids: str | None) -> ChildOrder | None:
        for cl_ord_id in cl_ord_ids:
            if not cl_ord_id:
                continue
            ticket = self._state.ticket_of_child(wire.child_of(cl_ord_id))
            child = ticket.children.get(wire.child_of(cl_ord_id)) if ticket else None
            if child is not None and child.venue_id == venue_id:
                return child
        _log.warning("venue %s reported on unknown ClOrdID %s: ignored", venue_id, cl_ord_ids)
        return None

    def _duplicate(self, venue_id: str, key: str, child: ChildOrder, fill: bool) -> bool:
        """Tell whether a report was applied already: by this process, or (fills) ever."""
        if (venue_id, key) in self._seen:
            return True
        if fill:
            ticket = self._state.tickets.get(child.order_id)
            if ticket is not None and any(
                    x.venue_exec_id == key and x.venue_id == venue_id and x.child_id ==
                    child.child_id for x in (*ticket.executions, *ticket.busted)):
                return True
        self._seen[venue_id, key] = None
        if len(self._seen) > self._seen_limit:
            self._seen.popitem(last=False)  # O(1), unlike deleting a dict's first key
        return False

    def _execution_report(self, session: SessionHandle, venue_id: str,
                          message: FixMessage) -> None:
        child = self._child(venue_id, message.text(11), message.text(41))
        if child is None:
            return
        order_id = message.text(37)
        if order_id and order_id != "NONE" and child.is_open:
            self._track(child).venue_order_id = order_id
        kind = wire.exec_kind(message)
        if kind == "status":
            self._reconcile(session, child, message)
            return
        if kind is None:
            _log.debug("venue %s: ExecType %s on %s: nothing to apply", venue_id,
                       message.text(150), child.child_id)
            return
        exec_id = message.text(17, "") or ""
        if exec_id and self._duplicate(venue_id, exec_id, child, kind == "fill"):
            _log.info("venue %s: duplicate ExecID %s on %s ignored (PossDup=%s)", venue_id,
                      exec_id, child.child_id, message.text(43, "N"))
            return
        if kind not in ("fill", "bust", "correct") and not child.is_open:
            _log.info("venue %s: %s on closed child %s ignored", venue_id, kind, child.child_id)
            return
        reason = message.text(58, "") or ""
        if kind == "fill":
            qty, px = wire.decimal(message, 32), wire.decimal(message, 31)
            if qty is None or px is None:
                _log.warning("venue %s: fill %s without LastQty/LastPx ignored", venue_id, exec_id)
                return
            report = ApplyVenueReport(child_id=child.child_id, kind="fill",
                                      venue_exec_id=exec_id, last_qty=qty, last_px=px)
        elif kind in ("bust", "correct"):
            # ExecRefID (19) names the fill taken back or corrected; 32/31 are the new terms.
            correct = kind == "correct"
            report = ApplyVenueReport(
                child_id=child.child_id, kind=kind, venue_exec_id=message.text(19, "") or "",
                last_qty=wire.decimal(message, 32) if correct else None,
                last_px=wire.decimal(message, 31) if correct else None,
                reason=reason or f"trade {kind} by the venue")
        elif kind == "replaced":
            track = self._track(child)
            track.current = message.text(11) or track.current
            report = ApplyVenueReport(child_id=child.child_id, kind="replaced",
                                      qty=wire.decimal(message, 38),
                                      limit_px=wire.decimal(message, 44))
        else:
            report = ApplyVenueReport(child_id=child.child_id, kind=kind,
                                      venue_exec_id=exec_id, reason=reason)
        self._report(report)

    def _cancel_reject(self, venue_id: str, message: FixMessage) -> None:
        child = self._child(venue_id, message.text(11), message.text(41))
        if child is None or self._duplicate(venue_id, f"9:{message.text(11)}", child, False):
            return
        kind = "replace_rejected" if message.text(434) == "2" else "cancel_rejected"
        reason = message.text(58) or f"CxlRejReason {message.text(102, 'unknown')}"
        self._report(ApplyVenueReport(child_id=child.child_id, kind=kind, reason=reason))

    def _business_reject(self, venue_id: str, message: FixMessage) -> None:
        """Map a BusinessMessageReject of our D/F/G to the reject of that request."""
        kinds = {"D": "reject", "F": "cancel_rejected", "G": "replace_rejected"}
        kind = kinds.get(message.text(372, "") or "")
        child = self._child(venue_id, message.text(379)) if kind else None
        if kind is None or child is None:
            _log.warning("venue %s: business reject %r ignored", venue_id, message)
            return
        self._report(ApplyVenueReport(child_id=child.child_id, kind=kind,
                                      reason=message.text(58) or "business reject"))

    def _reconcile(self, session: SessionHandle, child: ChildOrder,
                   message: FixMessage) -> None:
        """Settle an uncertain child from the venue's answer to our OrderStatusRequest."""
        status = message.text(39, "") or ""
        report: ApplyVenueReport | None = None
        if status == "4":
            report = ApplyVenueReport(child_id=child.child_id, kind="canceled",
                                      reason=message.text(58) or "canceled at the venue")
        elif status == "C":
            report = ApplyVenueReport(child_id=child.child_id, kind="expired")
        elif child.status is OrderStatus.PENDING_NEW and status == "8":
            report = ApplyVenueReport(child_id=child.child_id, kind="reject",
                                      reason=message.text(58) or "unknown at the venue")
        elif child.status is OrderStatus.PENDING_NEW and status in (*wire.WORKING_STATUSES,
                                                                     "2"):
            report = ApplyVenueReport(child_id=child.child_id, kind="ack")
        elif child.status is OrderStatus.PENDING_CANCEL and status in wire.WORKING_STATUSES:
            track = self._track(child)
            # The venue answers in sequence order, so a cancel it saw is settled by now.
            ticket = self._state.tickets[child.order_id]
            cl_ord_id = f"{track.pending_cancel}R" if track.pending_cancel else \
                wire.request_id(child.child_id, ticket.version, "R")
            _log.info("cancel of %s lost on the way to %s: sending it again", child.child_id,
                      child.venue_id)
            self._send_cancel(session, child, track, cl_ord_id)
        if report is not None and child.is_open:
            self._report(report)
