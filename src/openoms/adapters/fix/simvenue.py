"""A simulated exchange behind FIX acceptor sessions: "another broker over FIX" for tests and demos.

``SimulatedFixVenue`` is the ``Application`` of acceptor sessions whose counterparties are
members of the exchange (the desk's venue initiator, a test client). Their NewOrderSingle,
OrderCancelRequest, OrderCancelReplaceRequest and OrderStatusRequest run on the pure
price-time books of ``openoms.venues.simulated.book`` (shared by all sessions, seeded with
market-maker liquidity), and are answered with FIX 4.4 or 4.2 ExecutionReports and
OrderCancelRejects. It lives here, not in ``venues.simulated``, because that package must not
import adapters (import-linter). Reports to a member who is disconnected are stored by its
session and delivered by resend, as at a real venue. State is in memory only.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from openoms.adapters.fix import venue_wire as wire
from openoms.adapters.fix.application import (
    BUSINESS_OTHER,
    BUSINESS_UNSUPPORTED_MESSAGE_TYPE,
    SessionHandle,
)
from openoms.adapters.fix.codec import FixMessage, Value
from openoms.core.clock import Clock
from openoms.core.money import ZERO
from openoms.trading.domain.model import Instrument
from openoms.venues.simulated import book as bk

_log = logging.getLogger("openoms.venues.simfix")
MARKET_MAKER = "mm"
_SIDES = {"1": bk.Side.BUY, "2": bk.Side.SELL, "5": bk.Side.SELL}
_TYPES = {"1": bk.BookOrdType.MARKET, "2": bk.BookOrdType.LIMIT}
_TIFS = {"0": bk.BookTif.DAY, "1": bk.BookTif.GTC, "3": bk.BookTif.IOC, "4": bk.BookTif.FOK,
         "6": bk.BookTif.GTD}


@dataclass(slots=True)
class _Order:
    """A member's order as the venue reports on it."""

    order_id: str  # OrderID (37)
    session: SessionHandle
    cl_ord_id: str  # the member's current ClOrdID
    symbol: str
    side: str  # 54 as received
    qty: Decimal
    ord_type: str
    limit_px: Decimal | None
    cum: Decimal = ZERO
    notional: Decimal = ZERO
    status: str = "0"  # OrdStatus (39)

    @property
    def open(self) -> bool:
        return self.status in ("0", "1")


class SimulatedFixVenue:
    """Runs members' FIX orders on in-memory books and reports back over their sessions."""

    def __init__(self, clock: Clock, *, instruments: Sequence[Instrument] = (),
                 seed_levels: int = 5, seed_qty: int = 1000, replenish: bool = True) -> None:
        self._clock = clock
        self._instruments = {i.symbol: i for i in instruments}
        self._seed_levels, self._seed_qty, self._replenish = seed_levels, Decimal(seed_qty), \
            replenish
        self._books: dict[str, bk.OrderBook] = {}
        self._orders: dict[str, _Order] = {}
        self._by_cl: dict[tuple[str, str], str] = {}  # (session, any ClOrdID of it) -> 37
        self._mm: dict[str, bk.BookOrder] = {}
        self._seq = 0
        self._run = clock.now().strftime("%H%M%S")  # keeps ExecIDs unique across restarts

    def _next(self, prefix: str) -> str:
        self._seq += 1
        return f"{prefix}{self._run}-{self._seq}"

    def book(self, symbol: str) -> bk.OrderBook:
        """Return symbol's book, seeding market-maker liquidity when it is first used."""
        book = self._books.get(symbol)
        if book is None:
            book = self._books[symbol] = bk.OrderBook(symbol)
            instrument = self._instruments.get(symbol)
            if instrument is not None:
                ref, tick = instrument.reference_price, instrument.tick_size
                for level in range(1, self._seed_levels + 1):
                    for side, px in ((bk.Side.BUY, ref - tick * level),
                                     (bk.Side.SELL, ref + tick * level)):
                        if px > 0:
                            self._market_maker(book, side, px)
        return book

    def _market_maker(self, book: bk.OrderBook, side: bk.Side, px: Decimal) -> None:
        order = bk.BookOrder(order_id=self._next("MM"), owner=MARKET_MAKER, side=side,
                             qty=self._seed_qty, ord_type=bk.BookOrdType.LIMIT, limit_px=px,
                             tif=bk.BookTif.GTC)
        self._mm[order.order_id] = order
        self._dispatch(book, book.submit(order))

    def end_of_day(self) -> None:
        """Expire members' DAY and GTD orders (ExecType=C)."""
        for book in list(self._books.values()):
            self._dispatch(book, book.end_of_day())

    # ------------------------------------------------------------ sessions

    def on_logon(self, session: SessionHandle) -> None:
        _log.info("member %s logged on", session.session_id)

    def on_logout(self, session: SessionHandle) -> None:
        _log.info("member %s logged out", session.session_id)

    def on_message(self, session: SessionHandle, message: FixMessage) -> None:
        """Handle one member message; bad input is answered with a reject, never raised."""
        handlers = {"D": self._new_order, "F": self._cancel, "G": self._replace,
                    "H": self._status}
        handler = handlers.get(message.msg_type)
        if handler is None:
            session.reject_business(message, BUSINESS_UNSUPPORTED_MESSAGE_TYPE,
                                    f"MsgType {message.msg_type} is not supported", 35)
            return
        try:
            handler(session, message)
        except Exception:  # a bug here must not stop the session; the member hears of it
            _log.exception("simulated venue failed on %r", message)
            session.reject_business(message, BUSINESS_OTHER, "internal error")

    def _find(self, session: SessionHandle, message: FixMessage, tag: int) -> _Order | None:
        order_id = self._by_cl.get((session.session_id, message.text(tag) or ""))
        order_id = order_id or message.text(37)
        return self._orders.get(order_id or "")

    # ------------------------------------------------------------ member -> venue

    def _new_order(self, session: SessionHandle, message: FixMessage) -> None:
        cl_ord_id = message.text(11) or ""
        if (session.session_id, cl_ord_id) in self._by_cl:
            if message.text(43) != "Y":  # a resent copy of an order we have: nothing to do
                self._reject(session, message, "duplicate ClOrdID")
            return
        symbol, side = message.text(55) or "", message.text(54) or ""
        qty, px = wire.decimal(message, 38), wire.decimal(message, 44)
        ord_type = message.text(40) or ""
        problem = ("unknown Symbol (55)" if not symbol else
                   "unsupported Side (54)" if side not in _SIDES else
                   "OrderQty (38) must be positive" if qty is None or qty <= 0 else
                   "only market and limit orders" if ord_type not in _TYPES else
                   "unsupported TimeInForce (59)" if (message.text(59) or "0") not in _TIFS
                   else None)
        if problem is not None or qty is None:
            self._reject(session, message, problem or "bad order")
            return
        order = _Order(order_id=self._next("O"), session=session, cl_ord_id=cl_ord_id,
                       symbol=symbol, side=side, qty=qty, ord_type=ord_type,
                       limit_px=px if ord_type == "2" else None)
        self._orders[order.order_id] = order
        self._by_cl[(session.session_id, cl_ord_id)] = order.order_id
        book = self.book(symbol)
        self._dispatch(book, book.submit(bk.BookOrder(
            order_id=order.order_id, owner=session.session_id, side=_SIDES[side], qty=qty,
            ord_type=_TYPES[ord_type], limit_px=order.limit_px,
            tif=_TIFS[message.text(59) or "0"])))

    def _reject(self, session: SessionHandle, message: FixMessage, reason: str,
                exec_type: str = "8") -> None:
        session.send("8", [
            (37, "NONE"), (11, message.text(11) or "NONE"), (17, self._next("E")),
            *self._exec_type(session, exec_type, "8"), (39, "8"),
            (55, message.text(55) or "NONE"), (54, message.text(54) or "1"), (151, 0), (14, 0),
            (6, 0), (58, reason), (60, wire.fix_time(self._clock.now()))])

    def _cancel(self, session: SessionHandle, message: FixMessage) -> None:
        order = self._find(session, message, 41)
        if order is None or not order.open:
            self._cancel_reject(session, message, order, "1", "unknown order or too late")
            return
        self._retag(order, message)
        self._dispatch(self.book(order.symbol), self.book(order.symbol).cancel(order.order_id),
                       orig=message.text(41))

    def _replace(self, session: SessionHandle, message: FixMessage) -> None:
        order = self._find(session, message, 41)
        qty = wire.decimal(message, 38)
        if order is None or not order.open or qty is None:
            self._cancel_reject(session, message, order, "2", "unknown order or too late"
                                if qty is not None else "OrderQty (38) missing")
            return
        book = self.book(order.symbol)
        reports = book.replace(order.order_id, new_qty=qty,
                               new_limit_px=wire.decimal(message, 44))
        if isinstance(reports[0], bk.ReplaceRejected):
            self._cancel_reject(session, message, order, "2", reports[0].reason)
            return
        self._retag(order, message)
        self._dispatch(book, reports, orig=message.text(41))

    def _retag(self, order: _Order, message: FixMessage) -> None:
        order.cl_ord_id = message.text(11) or order.cl_ord_id
        self._by_cl[(order.session.session_id, order.cl_ord_id)] = order.order_id

    def _cancel_reject(self, session: SessionHandle, message: FixMessage, order: _Order | None,
                       response_to: str, reason: str) -> None:
        session.send("9", [(37, order.order_id if order else "NONE"),
                           (11, message.text(11) or "NONE"), (41, message.text(41) or "NONE"),
                           (39, order.status if order else "8"), (434, response_to),
                           (102, 0 if order else 1), (58, reason)])

    def _status(self, session: SessionHandle, message: FixMessage) -> None:
        order = self._find(session, message, 11)
        if order is None:
            self._reject(session, message, "unknown order", exec_type="I")
            return
        request = message.text(790)
        self._report(order, "I", [(790, request)] if request else [])

    # ------------------------------------------------------------ venue -> member

    def _exec_type(self, session: SessionHandle, exec_type: str,
                   status: str = "0") -> list[tuple[int, Value]]:
        if session.config.begin_string != "FIX.4.2":
            return [(150, exec_type)]
        if exec_type == "I":
            return [(20, "3"), (150, status)]
        return [(20, "0"), (150, status if exec_type == "F" else exec_type)]

    def _report(self, order: _Order, exec_type: str, extra: list[tuple[int, Value]]) -> None:
        leaves = order.qty - order.cum if order.open else ZERO
        avg = (order.notional / order.cum).quantize(Decimal("0.000001")) if order.cum else ZERO
        body: list[tuple[int, Value]] = [
            (37, order.order_id), (11, order.cl_ord_id), *extra, (17, self._next("E")),
            *self._exec_type(order.session, exec_type, order.status), (39, order.status),
            (55, order.symbol), (54, order.side), (38, order.qty), (40, order.ord_type)]
        if order.limit_px is not None:
            body.append((44, order.limit_px))
        body += [(151, leaves), (14, order.cum), (6, avg), (60, wire.fix_time(self._clock.now()))]
        order.session.send("8", body)

    def _dispatch(self, book: bk.OrderBook, reports: Sequence[bk.Report],
                  orig: str | None = None) -> None:
        refill: list[bk.BookOrder] = []
        for report in reports:
            order = self._orders.get(report.order_id)
            if report.owner == MARKET_MAKER or order is None:
                if isinstance(report, bk.Fill) and report.leaves_qty == 0 \
                        and report.order_id in self._mm:
                    refill.append(self._mm.pop(report.order_id))
                continue
            extra: list[tuple[int, Value]] = [(41, orig)] if orig else []
            if isinstance(report, bk.Accepted):
                self._report(order, "0", [])
            elif isinstance(report, bk.Rejected):
                order.status = "8"
                self._report(order, "8", [(58, report.reason)])
            elif isinstance(report, bk.Fill):
                order.cum += report.qty
                order.notional += report.qty * report.px
                order.status = "2" if report.leaves_qty == 0 else "1"
                self._report(order, "F", [(32, report.qty), (31, report.px)])
            elif isinstance(report, bk.Canceled):
                order.status = "4"
                self._report(order, "4", [*extra, (58, report.reason)])
            elif isinstance(report, bk.Replaced):
                order.qty, order.limit_px = report.new_qty, report.new_limit_px
                self._report(order, "5", extra)
            elif isinstance(report, bk.Expired):
                order.status = "C"
                self._report(order, "C", [])
        for original in refill if self._replenish else []:
            self._market_maker(book, original.side, original.limit_px or ZERO)
