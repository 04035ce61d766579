"""What a FIX client sees of its orders: execution reports (35=8) and cancel rejects (35=9).

Pure: a desk event and the ticket as it stands right after it go in, message body fields come
out. ``REPORTS`` is the mapping table from the desk's events to ExecType, for FIX 4.4 and FIX
4.2; OrdStatus (39) is always the ticket's status after the event (``ORD_STATUS``), which is
what the FIX 4.4 Order State Change Matrices (Volume 4, Appendix D) show: a fill while a
cancel or replace request waits reports 39=6 or 39=E with the order's current (original)
ClOrdID; a replace reports ExecType=5 with the order's working status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final

from openoms.adapters.fix.codec import Value
from openoms.adapters.fix.config import AckOn
from openoms.adapters.fix.fixtime import datetime_text
from openoms.core.money import ZERO
from openoms.trading.domain import events as ev
from openoms.trading.domain.model import Handling, OrderStatus, OrdType, Side, Ticket, TimeInForce

Fields = list[tuple[int, Value]]
AVG_PX_STEP: Final = Decimal("0.00000001")  # AvgPx (6) on the wire: 8 decimals at most


def wire_avg_px(avg_px: Decimal) -> Decimal:
    """Round AvgPx for the wire: exact in the desk, but engines parse PRICE into fixed point."""
    rounded = avg_px.quantize(AVG_PX_STEP, rounding=ROUND_HALF_EVEN)
    return rounded.normalize() if rounded != rounded.to_integral() else rounded.quantize(1)

SIDE: Final = {Side.BUY: "1", Side.SELL: "2", Side.SELL_SHORT: "5"}
ORD_TYPE: Final = {OrdType.MARKET: "1", OrdType.LIMIT: "2", OrdType.STOP: "3",
                   OrdType.STOP_LIMIT: "4"}
TIF: Final = {TimeInForce.DAY: "0", TimeInForce.GTC: "1", TimeInForce.IOC: "3",
              TimeInForce.FOK: "4", TimeInForce.GTD: "6"}
ORD_STATUS: Final = {
    OrderStatus.STAGED: "A",  # "0" when the session acknowledges on receipt
    OrderStatus.PENDING_NEW: "A", OrderStatus.NEW: "0", OrderStatus.PARTIALLY_FILLED: "1",
    OrderStatus.FILLED: "2", OrderStatus.DONE_FOR_DAY: "3", OrderStatus.CANCELED: "4",
    OrderStatus.PENDING_CANCEL: "6", OrderStatus.REJECTED: "8",
    OrderStatus.PENDING_REPLACE: "E", OrderStatus.EXPIRED: "C"}

STATUS = "status"  # FIX 4.2 ExecType of a trade cancel or correct: the order's OrdStatus


@dataclass(frozen=True, slots=True)
class Report:
    """One row of the mapping table: ExecType in FIX 4.4 and 4.2, ExecTransType in 4.2."""

    exec_type: str
    exec_type_42: str
    exec_trans_type_42: str = "0"  # 0 New, 1 Cancel, 2 Correct, 3 Status


# The desk's events and the execution report each one sends. Not listed: TicketReceived and
# TicketCancelAccepted (no message: an automatic order's New follows in the same decision),
# TicketTradeDisputed (the client's own DK), child events (the venue's business);
# TicketCancelRejected and TicketReplaceRejected send an OrderCancelReject (CANCEL_REJECTS).
REPORTS: Final[Mapping[type[ev.TicketEvent], Report]] = {
    ev.TicketStaged: Report("A", "A"),  # ack_on=receipt: 150=0 39=0 at once
    ev.TicketAccepted: Report("0", "0"),  # not sent if the client had its New on receipt
    ev.TicketRejected: Report("8", "8"),
    ev.TicketCancelRequested: Report("6", "6"),  # the client's request only, not the desk's
    ev.TicketCanceled: Report("4", "4"),
    ev.TicketReplaceRequested: Report("E", "E"),
    ev.TicketReplaced: Report("5", "5"),
    ev.TicketPartiallyFilled: Report("F", "1"),
    ev.TicketFilled: Report("F", "2"),
    ev.TicketDoneForDay: Report("3", "3"),
    ev.TicketRestated: Report("D", "D"),
    ev.TicketExpired: Report("C", "C"),
    ev.TicketExecutionBusted: Report("H", STATUS, "1"),
    ev.TicketExecutionCorrected: Report("G", STATUS, "2"),
}
CANCEL_REJECTS: Final[Mapping[type[ev.TicketEvent], str]] = {
    ev.TicketCancelRejected: "1",  # CxlRejResponseTo 1: OrderCancelRequest
    ev.TicketReplaceRejected: "2",  # 2: OrderCancelReplaceRequest
}

# OrdRejReason (103) and CxlRejReason (102); FIX 4.2 has no 99 Other.
REJ_BROKER_OPTION, REJ_UNKNOWN_SYMBOL, REJ_EXCEEDS_LIMIT = 0, 1, 3
REJ_UNKNOWN_ORDER, REJ_DUPLICATE_ORDER, REJ_OTHER = 5, 6, 99
CXL_TOO_LATE, CXL_UNKNOWN_ORDER, CXL_BROKER_OPTION, CXL_ALREADY_PENDING = 0, 1, 2, 3
CXL_DUPLICATE_CL_ORD_ID, CXL_OTHER = 6, 99
_OLD_REJ = {REJ_OTHER: REJ_BROKER_OPTION}
_OLD_CXL = {CXL_DUPLICATE_CL_ORD_ID: CXL_BROKER_OPTION, CXL_OTHER: CXL_BROKER_OPTION}

GT_RENEWAL = 1  # ExecRestatementReason (378): GT renewal / restatement (no corporate action)


@dataclass(frozen=True, slots=True)
class Dialect:
    """What differs between sessions: the FIX version and when a staged order is acked."""

    begin_string: str
    ack_on: AckOn = AckOn.ACCEPT

    @property
    def fix42(self) -> bool:
        return self.begin_string == "FIX.4.2"

    def ord_status(self, ticket: Ticket) -> str:
        if ticket.status is OrderStatus.STAGED and self.ack_on is AckOn.RECEIPT:
            return "0"
        if ticket.status is OrderStatus.PENDING_CANCEL and desk_cancel(ticket):
            # The client asked for nothing: its order works until the desk's 150=4 Canceled.
            return "1" if ticket.cum_qty > ZERO else "0"
        return ORD_STATUS[ticket.status]

    def rej_reason(self, reason: int) -> int:
        return _OLD_REJ.get(reason, reason) if self.fix42 else reason

    def cxl_reason(self, reason: int) -> int:
        return _OLD_CXL.get(reason, reason) if self.fix42 else reason


def desk_cancel(ticket: Ticket) -> bool:
    """Tell whether the ticket's pending cancel is the desk's own (unsolicited) one."""
    pending = ticket.pending
    return pending is not None and pending.kind == "cancel" and (
        pending.cl_ord_id == pending.orig_cl_ord_id)


def timestamp(at: datetime) -> str:
    """Render a UTCTimestamp with milliseconds: 20261123-15:00:00.000."""
    return datetime_text(at)


def _terms(ticket: Ticket) -> Fields:
    t = ticket.terms
    fields: Fields = [(1, ticket.account_id), (55, ticket.symbol), (54, SIDE[ticket.side]),
                      (38, t.qty), (40, ORD_TYPE[t.ord_type])]
    if t.limit_px is not None and t.ord_type.has_limit:
        fields.append((44, t.limit_px))
    if t.stop_px is not None and t.ord_type.has_stop:
        fields.append((99, t.stop_px))
    fields.append((59, TIF[t.tif]))
    if t.expire_at is not None:
        fields.append((126, timestamp(t.expire_at)))
    return fields


def _quantities(ticket: Ticket) -> Fields:
    return [(151, ticket.leaves_qty), (14, ticket.cum_qty), (6, wire_avg_px(ticket.avg_px))]


def _ids(event: ev.TicketEvent, ticket: Ticket) -> tuple[str, str | None]:
    """ClOrdID (11) and OrigClOrdID (41) of the report event makes."""
    if isinstance(event, (ev.TicketCancelRequested, ev.TicketReplaceRequested)):
        return event.cl_ord_id, event.orig_cl_ord_id
    if isinstance(event, ev.TicketReplaced) or (
            isinstance(event, ev.TicketCanceled) and event.cl_ord_id):
        return ticket.cl_ord_id, ticket.orig_cl_ord_id
    return ticket.cl_ord_id, None  # fills while a request waits carry the original ClOrdID


def report_for(event: ev.TicketEvent, ticket: Ticket, version: int, dialect: Dialect,
               at: datetime) -> tuple[str, Fields] | None:
    """Return (MsgType, body fields) the client gets for event, or None if it gets nothing.

    ticket is the ticket right after event; version is the event's position in the order's
    stream, which makes the ExecID of reports that are not fills: ``T12-7``.
    """
    event_type = type(event)
    if event_type in CANCEL_REJECTS:
        assert isinstance(event, (ev.TicketCancelRejected, ev.TicketReplaceRejected))
        reason = CXL_TOO_LATE if not ticket.is_open else CXL_BROKER_OPTION
        return "9", cancel_reject(
            dialect, order_id=ticket.order_id, cl_ord_id=event.cl_ord_id,
            orig_cl_ord_id=ticket.cl_ord_id, ord_status=dialect.ord_status(ticket),
            response_to=CANCEL_REJECTS[event_type], reason=reason, text=event.reason,
            account_id=ticket.account_id, at=at)
    row = REPORTS.get(event_type)
    if row is None or (isinstance(event, ev.TicketCancelRequested)
                       and event.cl_ord_id == event.orig_cl_ord_id):
        return None  # a desk cancel is unsolicited: the client sees only its 150=4
    ord_status = dialect.ord_status(ticket)
    exec_type = row.exec_type
    if dialect.fix42:
        exec_type = ord_status if row.exec_type_42 == STATUS else row.exec_type_42
    if isinstance(event, ev.TicketStaged) and dialect.ack_on is AckOn.RECEIPT:
        exec_type = "0"
    if (isinstance(event, ev.TicketAccepted) and ticket.handling is Handling.STAGED
            and dialect.ack_on is AckOn.RECEIPT):
        return None
    exec_id = getattr(event, "exec_id", None) or f"{ticket.order_id}-{version}"
    cl_ord_id, orig_cl_ord_id = _ids(event, ticket)
    fields: Fields = [(37, ticket.order_id), (11, cl_ord_id)]
    if orig_cl_ord_id:
        fields.append((41, orig_cl_ord_id))
    fields.append((17, exec_id))
    if dialect.fix42:
        fields.append((20, row.exec_trans_type_42))
    if isinstance(event, (ev.TicketExecutionBusted, ev.TicketExecutionCorrected)):
        fields.append((19, event.ref_exec_id))
    fields += [(150, exec_type), (39, ord_status)]
    if isinstance(event, ev.TicketRejected):
        fields.append((103, dialect.rej_reason(REJ_BROKER_OPTION)))
    if isinstance(event, ev.TicketRestated):
        fields.append((378, GT_RENEWAL))
    fields += _terms(ticket)
    if isinstance(event, (ev.TicketFill, ev.TicketExecutionBusted, ev.TicketExecutionCorrected)):
        fields += [(32, event.last_qty), (31, event.last_px)]
    fields += [*_quantities(ticket), (60, timestamp(at))]
    text = getattr(event, "reason", "")
    if text:
        fields.append((58, text))
    return "8", fields


def status_report(ticket: Ticket, dialect: Dialect, at: datetime) -> Fields:
    """Answer an OrderStatusRequest (or a PossResend of a known order): ExecType=I, ExecID 0."""
    ord_status = dialect.ord_status(ticket)
    fields: Fields = [(37, ticket.order_id), (11, ticket.cl_ord_id), (17, "0")]
    if dialect.fix42:
        fields += [(20, "3"), (150, ord_status)]
    else:
        fields.append((150, "I"))
    fields += [(39, ord_status), *_terms(ticket), *_quantities(ticket), (60, timestamp(at))]
    if ticket.text:
        fields.append((58, ticket.text))
    return fields


_ECHOED = (1, 55, 54, 38, 40, 44, 99, 59)


def order_reject(dialect: Dialect, request: Mapping[int, bytes], *, exec_id: str, reason: int,
                 text: str, at: datetime, status: bool = False) -> Fields:
    """Refuse an order that never reached the books (37=NONE, 150=8 or I, 39=8).

    request holds the client's message fields; the ones that describe the order are echoed.
    status answers an OrderStatusRequest for an unknown order instead of a NewOrderSingle.
    """
    fields: Fields = [(37, "NONE"), (11, request.get(11, b""))]
    fields.append((17, "0" if status else exec_id))
    if dialect.fix42:
        fields += [(20, "3" if status else "0"), (150, "8")]
    else:
        fields.append((150, "I" if status else "8"))
    fields += [(39, "8"), (103, dialect.rej_reason(reason))]
    fields += [(tag, request[tag]) for tag in _ECHOED if tag in request]
    if 54 not in request:
        fields.append((54, "1"))  # required in an execution report; the request had none
    fields += [(151, ZERO), (14, ZERO), (6, ZERO), (60, timestamp(at)), (58, text)]
    return fields


def cancel_reject(dialect: Dialect, *, order_id: str | None, cl_ord_id: str | bytes,
                  orig_cl_ord_id: str | bytes, ord_status: str, response_to: str, reason: int,
                  text: str, account_id: str, at: datetime) -> Fields:
    """Refuse a cancel (response_to "1") or replace ("2") request: OrderCancelReject 35=9."""
    return [(37, order_id or "NONE"), (11, cl_ord_id), (41, orig_cl_ord_id), (39, ord_status),
            (1, account_id), (60, timestamp(at)), (434, response_to),
            (102, dialect.cxl_reason(reason)), (58, text)]

