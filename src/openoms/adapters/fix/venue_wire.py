"""FIX fields of the desk's child orders: code tables, outgoing bodies, incoming kinds.

Pure: a child order and a ClOrdID in, ``(tag, value)`` bodies out (the session writes the
header); an ExecutionReport in, the kind of desk report it stands for out. Shared by the
desk's venue gateway (``venue.py``) and its tests. FIX 4.2 and 4.4 differ only where noted.

ClOrdIDs (11) of a child: its NewOrderSingle uses the child id (``C12``); every later request
(cancel, replace, status after a lost cancel) uses ``C12.<n>`` where n is the journal version
of the event that asked for it, so ids are unique, the same after a restart, and the child
is found from any of them by the part before the first dot.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from openoms.adapters.fix.codec import FixMessage, Value
from openoms.trading.domain.model import ChildOrder, OrderTerms, OrdType, Side, TimeInForce

Body = list[tuple[int, Value]]

SIDE: dict[Side, str] = {Side.BUY: "1", Side.SELL: "2", Side.SELL_SHORT: "5"}
ORD_TYPE: dict[OrdType, str] = {OrdType.MARKET: "1", OrdType.LIMIT: "2", OrdType.STOP: "3",
                                OrdType.STOP_LIMIT: "4"}
TIF: dict[TimeInForce, str] = {TimeInForce.DAY: "0", TimeInForce.GTC: "1",
                               TimeInForce.IOC: "3", TimeInForce.FOK: "4", TimeInForce.GTD: "6"}

# ExecType (150) -> the desk's ApplyVenueReport kind. FIX 4.2 reports trades as 1/2 (with
# ExecTransType 20=0) where FIX 4.4 uses F; busts and corrections are 4.4's H and G
# (4.2: ExecTransType 1 and 2). Types absent here carry nothing the desk acts on:
# A pending new, 6 pending cancel, E pending replace, D restated, 3 done for day, 7 stopped,
# 9 suspended, B calculated; I (order status) is answered by reconciliation instead.
EXEC_KINDS: dict[str, str] = {"0": "ack", "8": "reject", "F": "fill", "1": "fill", "2": "fill",
                              "4": "canceled", "5": "replaced", "C": "expired", "H": "bust",
                              "G": "correct"}
WORKING_STATUSES = frozenset({"0", "1", "5", "6", "A", "E"})  # OrdStatus (39) still live


def fix_time(at: datetime) -> str:
    """Render a UTCTimestamp with milliseconds (``20261123-14:30:15.123``)."""
    return at.astimezone(UTC).strftime("%Y%m%d-%H:%M:%S.%f")[:-3]


def child_of(cl_ord_id: str) -> str:
    """Return the child id a ClOrdID of ours stands for (``C12.40`` -> ``C12``)."""
    return cl_ord_id.split(".", 1)[0]


def request_id(child_id: str, version: int, suffix: str = "") -> str:
    """Return the ClOrdID of a later request on a child, from its event's journal version."""
    return f"{child_id}.{version}{suffix}"


def _terms(terms: OrderTerms) -> Body:
    body: Body = [(38, terms.qty), (40, ORD_TYPE[terms.ord_type])]
    if terms.ord_type.has_limit and terms.limit_px is not None:
        body.append((44, terms.limit_px))
    if terms.ord_type.has_stop and terms.stop_px is not None:
        body.append((99, terms.stop_px))
    body.append((59, TIF[terms.tif]))
    if terms.tif is TimeInForce.GTD and terms.expire_at is not None:
        body.append((126, fix_time(terms.expire_at)))
    return body


def new_order_single(child: ChildOrder, cl_ord_id: str, now: datetime) -> Body:
    """Body of a NewOrderSingle (35=D) for child (HandlInst 21=1: automated, no broker)."""
    return [(11, cl_ord_id), (21, "1"), (55, child.symbol), (54, SIDE[child.side]),
            (60, fix_time(now)), *_terms(child.terms)]


def cancel_request(child: ChildOrder, cl_ord_id: str, orig_cl_ord_id: str,
                   venue_order_id: str | None, now: datetime) -> Body:
    """Body of an OrderCancelRequest (35=F); OrderID (37) only when the venue told us."""
    body: Body = [(41, orig_cl_ord_id)]
    if venue_order_id:
        body.append((37, venue_order_id))
    body += [(11, cl_ord_id), (55, child.symbol), (54, SIDE[child.side]),
             (60, fix_time(now)), (38, child.terms.qty)]
    return body


def replace_request(child: ChildOrder, terms: OrderTerms, cl_ord_id: str, orig_cl_ord_id: str,
                    venue_order_id: str | None, now: datetime) -> Body:
    """Body of an OrderCancelReplaceRequest (35=G) asking for terms."""
    body: Body = []
    if venue_order_id:
        body.append((37, venue_order_id))
    body += [(41, orig_cl_ord_id), (11, cl_ord_id), (21, "1"), (55, child.symbol),
             (54, SIDE[child.side]), (60, fix_time(now)), *_terms(terms)]
    return body


def status_request(child: ChildOrder, cl_ord_id: str, venue_order_id: str | None) -> Body:
    """Body of an OrderStatusRequest (35=H)."""
    body: Body = [(37, venue_order_id)] if venue_order_id else []
    return [*body, (11, cl_ord_id), (55, child.symbol), (54, SIDE[child.side])]


def decimal(message: FixMessage, tag: int) -> Decimal | None:
    """Return tag as a finite Decimal, or None if absent or not a number."""
    text = message.text(tag)
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def exec_kind(message: FixMessage) -> str | None:
    """Return the report kind of an ExecutionReport, "status" for a status answer, or None."""
    exec_type = message.text(150, "") or ""
    trans = message.text(20)  # FIX 4.2 only
    if exec_type == "I" or trans == "3":
        return "status"
    if trans == "1":
        return "bust"
    if trans == "2":
        return "correct"
    if message.begin_string == "FIX.4.4" and exec_type in ("1", "2"):
        return None  # not ExecTypes in 4.4 (4.4 trades are F)
    return EXEC_KINDS.get(exec_type)

