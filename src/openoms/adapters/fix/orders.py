"""The desk's client orders over FIX 4.2 and 4.4: the ``Application`` behind acceptor sessions.

Inbound, each message becomes a desk command decided at once (``decide_now``): NewOrderSingle
(D) -> SubmitTicket, OrderCancelRequest (F) -> RequestCancel, OrderCancelReplaceRequest (G) ->
RequestReplace, DontKnowTrade (Q) -> RecordDontKnow; OrderStatusRequest (H) is answered from
the state. Outbound, ``observer`` (passed to ``engine.observe``) turns every event of a FIX
ticket into the execution report or cancel reject of ``reports.REPORTS``, sent on the session
of the ticket's account right after the event is applied; the session delivers it once the
event's commit is durable. A refused request is answered at once: ER 150=8 for D, 35=9 for F
and G, BusinessMessageReject for the rest. Nothing a client sends raises out of here.

A session carries one account and sees only that account's FIX orders.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Protocol

from openoms.adapters.fix import order_messages as msgs
from openoms.adapters.fix import reports
from openoms.adapters.fix.application import (
    BUSINESS_OTHER,
    BUSINESS_UNKNOWN_ID,
    BUSINESS_UNSUPPORTED_MESSAGE_TYPE,
    SessionHandle,
)
from openoms.adapters.fix.codec import FixMessage
from openoms.adapters.fix.config import AckOn, Role
from openoms.core.clock import Clock, SystemClock
from openoms.core.errors import (
    DomainError,
    DuplicateClOrdID,
    NotFound,
    OmsError,
    RiskRejected,
    UnknownOrder,
)
from openoms.core.events import Command, Context, Recorded
from openoms.trading.domain import commands as cmd
from openoms.trading.domain import events as ev
from openoms.trading.domain.model import Handling, OrderStatus, Source, Ticket
from openoms.trading.domain.state import TradingState

_log = logging.getLogger(__name__)


class CommandRunner(Protocol):
    """What the application needs of the engine (``Engine.decide_now``)."""

    def decide_now(self, command: Command,
                   ctx: Context) -> tuple[list[Recorded], Awaitable[None]]: ...


def order_rej_reason(error: OmsError) -> int:
    """OrdRejReason (103) for a refused NewOrderSingle."""
    if isinstance(error, DuplicateClOrdID):
        return reports.REJ_DUPLICATE_ORDER
    if isinstance(error, RiskRejected):
        return reports.REJ_EXCEEDS_LIMIT
    if isinstance(error, UnknownOrder):
        return reports.REJ_UNKNOWN_ORDER
    if isinstance(error, NotFound) and error.field == "symbol":
        return reports.REJ_UNKNOWN_SYMBOL
    return reports.REJ_OTHER


class DeskFixApplication:
    """Client orders of the desk's FIX acceptor sessions."""

    def __init__(self, engine: CommandRunner, state: TradingState, *,
                 clock: Clock | None = None) -> None:
        self._engine = engine
        self._state = state
        self._clock = clock or SystemClock()
        self._sessions: dict[str, SessionHandle] = {}  # account id -> its session

    def register(self, handle: SessionHandle) -> None:
        """Serve handle's session: its account's orders and their execution reports.

        Raises:
            ValueError: not an acceptor with an account, or the account has a session already.
        """
        config = handle.config
        if config.role is not Role.ACCEPTOR or not config.account_id:
            raise ValueError(f"{handle.session_id}: client orders need an acceptor session "
                             "with an account_id")
        other = self._sessions.get(config.account_id)
        if other is not None and other.session_id != handle.session_id:
            raise ValueError(f"{handle.session_id}: account {config.account_id} already trades "
                             f"on {other.session_id}")
        self._sessions[config.account_id] = handle

    # ------------------------------------------------------------ Application

    def on_logon(self, session: SessionHandle) -> None:
        _log.info("FIX client %s logged on", session.session_id)

    def on_logout(self, session: SessionHandle) -> None:
        _log.info("FIX client %s logged out", session.session_id)

    def on_message(self, session: SessionHandle, message: FixMessage) -> None:
        handler = _HANDLERS.get(message.msg_type)
        if handler is None:
            session.reject_business(message, BUSINESS_UNSUPPORTED_MESSAGE_TYPE,
                                    f"MsgType {message.msg_type} is not supported", 35)
            return
        try:
            handler(self, session, message)
        except Exception:  # a bug here must not stop the session or the engine
            _log.exception("FIX %s from %s failed", message.msg_type, session.session_id)
            session.reject_business(message, BUSINESS_OTHER, "internal error")

    # ------------------------------------------------------------ outbound

    def observer(self, recorded: Recorded) -> None:
        """Send the report an applied event makes (pass to ``engine.observe``)."""
        event = recorded.event
        if not isinstance(event, ev.TicketEvent) or isinstance(event, ev.ChildEvent):
            return
        ticket = self._state.tickets.get(event.order_id)
        if ticket is None or ticket.source is not Source.FIX:
            return
        session = self._sessions.get(ticket.account_id)
        if session is None:
            _log.warning("no FIX session for account %s: %s of %s not reported",
                         ticket.account_id, type(event).__name__, ticket.order_id)
            return
        report = reports.report_for(event, ticket, recorded.version, _dialect(session),
                                    recorded.recorded_time)
        if report is not None:
            session.send(*report)

    # ------------------------------------------------------------ inbound

    def _ctx(self, session: SessionHandle, message: FixMessage) -> Context:
        return Context(actor=f"fix:{session.config.target_comp_id}", source="fix", role="client",
                       event_time=msgs.timestamp(message, 60))

    def _visible(self, session: SessionHandle, order_id: str | None) -> Ticket | None:
        ticket = self._state.tickets.get(order_id) if order_id else None
        if (ticket is None or ticket.account_id != session.config.account_id
                or ticket.source is not Source.FIX):
            return None
        return ticket

    def _find(self, session: SessionHandle, message: FixMessage, cl_tag: int) -> Ticket | None:
        """The session's order named by OrderID (37), else by the ClOrdID in cl_tag."""
        account = message.text(1)
        if account and account != session.config.account_id:
            return None
        order_id = message.text(37)
        if order_id and order_id != "NONE":
            return self._visible(session, order_id)
        cl_ord_id = message.text(cl_tag) or ""
        account_id = session.config.account_id or ""
        return self._visible(session, self._state.cl_ord_index.get((account_id, cl_ord_id)))

    def _new_order(self, session: SessionHandle, message: FixMessage) -> None:
        config = session.config
        account = message.text(1)
        try:
            command = msgs.new_order(message, config.account_id or "", Handling(config.handling))
        except msgs.FieldError as exc:
            self._reject_order(session, message, reports.REJ_OTHER, exc.text)
            return
        if account and account != config.account_id:
            self._reject_order(session, message, reports.REJ_OTHER,
                               f"Account (1) {account!r} does not trade on this session")
            return
        known = self._find(session, message, 11)
        if known is not None and msgs.poss_resend(message):
            # The client resent an order we have: tell it where the order stands, once more.
            session.send("8", reports.status_report(known, _dialect(session), self._clock.now()))
            return
        try:
            self._engine.decide_now(command, self._ctx(session, message))
        except OmsError as exc:
            self._reject_order(session, message, order_rej_reason(exc), str(exc))

    def _reject_order(self, session: SessionHandle, message: FixMessage, reason: int,
                      text: str) -> None:
        now = self._clock.now()
        exec_id = f"R{now:%Y%m%d%H%M%S%f}-{message.text(34, '0')}"
        request = dict(message.fields)
        session.send("8", reports.order_reject(_dialect(session), request, exec_id=exec_id,
                                               reason=reason, text=text, at=now))

    def _cancel_or_replace(self, session: SessionHandle, message: FixMessage) -> None:
        replace = message.msg_type == "G"
        ticket = self._find(session, message, 41)
        if ticket is None:
            self._cancel_reject(session, message, None, reports.CXL_UNKNOWN_ORDER,
                                "unknown order")
            return
        try:
            command: Command = (msgs.replace_request(message, ticket.order_id,
                                                     ticket.terms.ord_type)
                                if replace else msgs.cancel_request(message, ticket.order_id))
        except msgs.FieldError as exc:
            self._cancel_reject(session, message, ticket, reports.CXL_OTHER, exc.text)
            return
        try:
            self._engine.decide_now(command, self._ctx(session, message))
        except OmsError as exc:
            self._cancel_reject(session, message, ticket, _cxl_reason(ticket, exc, replace),
                                str(exc))

    def _cancel_reject(self, session: SessionHandle, message: FixMessage, ticket: Ticket | None,
                       reason: int, text: str) -> None:
        dialect = _dialect(session)
        session.send("9", reports.cancel_reject(
            dialect, order_id=ticket.order_id if ticket else None,
            cl_ord_id=message.get(11, b"") or b"", orig_cl_ord_id=message.get(41, b"") or b"",
            ord_status=dialect.ord_status(ticket) if ticket else "8",
            response_to="2" if message.msg_type == "G" else "1", reason=reason, text=text,
            account_id=session.config.account_id or "", at=self._clock.now()))

    def _status(self, session: SessionHandle, message: FixMessage) -> None:
        ticket = self._find(session, message, 11)
        now = self._clock.now()
        if ticket is None:
            session.send("8", reports.order_reject(
                _dialect(session), dict(message.fields), exec_id="0",
                reason=reports.REJ_UNKNOWN_ORDER, text="unknown order", at=now, status=True))
            return
        session.send("8", reports.status_report(ticket, _dialect(session), now))

    def _dont_know(self, session: SessionHandle, message: FixMessage) -> None:
        ticket = self._find(session, message, 11)
        if ticket is None:
            session.reject_business(message, BUSINESS_UNKNOWN_ID, "unknown order", 37)
            return
        exec_id = message.text(17, "") or ""
        reason = f"DKReason {message.text(127, '?')}: {message.text(58, '') or 'no text'}"
        _log.warning("FIX client %s does not know execution %s of %s (%s)",
                     session.session_id, exec_id, ticket.order_id, reason)
        try:
            self._engine.decide_now(cmd.RecordDontKnow(order_id=ticket.order_id,
                                                       exec_id=exec_id, reason=reason),
                                    self._ctx(session, message))
        except OmsError as exc:
            session.reject_business(message, BUSINESS_OTHER, str(exc), 17)


_DIALECTS: dict[tuple[str, AckOn], reports.Dialect] = {}


def _dialect(session: SessionHandle) -> reports.Dialect:
    config = session.config
    key = (config.begin_string, config.ack_on)
    dialect = _DIALECTS.get(key)
    if dialect is None:
        dialect = _DIALECTS[key] = reports.Dialect(*key)
    return dialect


def _cxl_reason(ticket: Ticket, error: OmsError, replace: bool) -> int:
    """CxlRejReason (102) for a cancel or replace the desk refused."""
    if ticket.pending is not None:
        return reports.CXL_ALREADY_PENDING
    if not ticket.is_open or (replace and ticket.status is OrderStatus.DONE_FOR_DAY):
        return reports.CXL_TOO_LATE
    if isinstance(error, DuplicateClOrdID):
        return reports.CXL_DUPLICATE_CL_ORD_ID
    if isinstance(error, DomainError):
        return reports.CXL_OTHER
    return reports.CXL_BROKER_OPTION


_HANDLERS = {
    "D": DeskFixApplication._new_order,
    "F": DeskFixApplication._cancel_or_replace,
    "G": DeskFixApplication._cancel_or_replace,
    "H": DeskFixApplication._status,
    "Q": DeskFixApplication._dont_know,
}
