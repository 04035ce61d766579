"""The built-in simulated exchange: one price-time order book per instrument.

Child orders routed to a venue of kind ``simulated`` trade here for real against each other and
against seeded market-maker liquidity around each instrument's reference price. The exchange
is a venue, not part of the OMS: its books live in memory, and after a restart they are rebuilt
from the desk's open child orders (acknowledged ones restored in time order without matching,
unacknowledged ones submitted again) while the market maker's liquidity is seeded afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from openoms.core.events import Recorded
from openoms.trading.domain import events as ev
from openoms.trading.domain.commands import ApplyVenueReport
from openoms.trading.domain.model import ChildOrder, Instrument, OrderStatus, OrdType
from openoms.venues.simulated import book as bk

OMS = "oms"
MARKET_MAKER = "mm"

_TIF = {"day": bk.BookTif.DAY, "gtc": bk.BookTif.GTC, "ioc": bk.BookTif.IOC,
        "fok": bk.BookTif.FOK, "gtd": bk.BookTif.GTD}


class SimulatedExchange:
    """Matches child orders; reports acks, fills, cancels and replaces back to the desk."""

    def __init__(self, report: Callable[[ApplyVenueReport], None], *, seed_levels: int = 5,
                 seed_qty: int = 1000, replenish: bool = True) -> None:
        self._report = report
        self._books: dict[str, bk.OrderBook] = {}
        self._seed_levels = seed_levels
        self._seed_qty = Decimal(seed_qty)
        self._replenish = replenish
        self._mm: dict[str, bk.BookOrder] = {}
        self._mm_seq = 0
        self._instruments: dict[str, Instrument] = {}
        self._replenish_queue: list[tuple[bk.OrderBook, bk.BookOrder]] = []

    def book(self, symbol: str) -> bk.OrderBook:
        book = self._books.get(symbol)
        if book is None:
            book = self._books[symbol] = bk.OrderBook(symbol, exec_id_prefix=f"{symbol}-X")
            instrument = self._instruments.get(symbol)
            if instrument is not None:
                self._seed(book, instrument)
        return book

    def list_instruments(self, instruments: Sequence[Instrument]) -> None:
        """Know the instruments, so their books are seeded when first used."""
        for instrument in instruments:
            self._instruments[instrument.symbol] = instrument

    def _seed(self, book: bk.OrderBook, instrument: Instrument) -> None:
        ref, tick = instrument.reference_price, instrument.tick_size
        for level in range(1, self._seed_levels + 1):
            for side, px in ((bk.Side.BUY, ref - tick * level), (bk.Side.SELL, ref + tick * level)):
                if px > 0:
                    self._mm_seq += 1
                    order = bk.BookOrder(order_id=f"MM{self._mm_seq}", owner=MARKET_MAKER,
                                         side=side, qty=self._seed_qty,
                                         ord_type=bk.BookOrdType.LIMIT, limit_px=px,
                                         tif=bk.BookTif.GTC)
                    self._mm[order.order_id] = order
                    self._dispatch(book, book.submit(order))

    # ------------------------------------------------------------ desk -> exchange

    def on_child_event(self, recorded: Recorded, child: ChildOrder) -> None:
        event = recorded.event
        book = self.book(child.symbol)
        if isinstance(event, ev.ChildRouted):
            self._submit(book, child)
        elif isinstance(event, ev.ChildCancelRequested):
            self._dispatch(book, book.cancel(child.child_id))
        elif isinstance(event, ev.ChildReplaceRequested):
            self._dispatch(book, book.replace(child.child_id, new_qty=event.qty,
                                              new_limit_px=event.limit_px))
        elif isinstance(event, ev.ChildExpired) and book.resting(child.child_id) is not None:
            book.cancel(child.child_id)  # the desk closed the day; the venue's book follows

    def _order(self, child: ChildOrder) -> bk.BookOrder | None:
        terms = child.terms
        if terms.ord_type not in (OrdType.MARKET, OrdType.LIMIT):
            self._report(ApplyVenueReport(child_id=child.child_id, kind="reject",
                                          reason=f"{terms.ord_type.value} orders are not "
                                          "supported by the simulated exchange"))
            return None
        side = bk.Side.BUY if child.side.is_buy else bk.Side.SELL
        return bk.BookOrder(order_id=child.child_id, owner=OMS, side=side, qty=terms.qty,
                            ord_type=bk.BookOrdType(terms.ord_type.value),
                            limit_px=terms.limit_px, tif=_TIF[terms.tif.value])

    def _submit(self, book: bk.OrderBook, child: ChildOrder) -> None:
        order = self._order(child)
        if order is not None:
            self._dispatch(book, book.submit(order))

    def recover(self, children: Sequence[ChildOrder]) -> None:
        """Rebuild the books from the desk's open children after a restart."""
        for child in children:
            book = self.book(child.symbol)
            if child.status is OrderStatus.PENDING_NEW:
                self._submit(book, child)
                continue
            order = self._order(child)
            if order is None:
                continue
            try:
                book.restore(order, cum_qty=child.cum_qty)
            except ValueError as exc:
                self._report(ApplyVenueReport(child_id=child.child_id, kind="canceled",
                                              reason=f"lost at venue restart: {exc}"))
                continue
            if child.status is OrderStatus.PENDING_CANCEL:
                self._dispatch(book, book.cancel(child.child_id))
            elif child.status is OrderStatus.PENDING_REPLACE and child.pending_terms:
                self._dispatch(book, book.replace(child.child_id,
                                                  new_qty=child.pending_terms.qty,
                                                  new_limit_px=child.pending_terms.limit_px))

    # ------------------------------------------------------------ exchange -> desk

    def _dispatch(self, book: bk.OrderBook, reports: list[bk.Report]) -> None:
        for report in reports:
            if report.owner == MARKET_MAKER:
                self._market_maker(book, report)
                continue
            self._report(self._translate(report))
        while self._replenish_queue:
            target, order = self._replenish_queue.pop(0)
            self._dispatch(target, target.submit(order))

    def _market_maker(self, book: bk.OrderBook, report: bk.Report) -> None:
        if self._replenish and isinstance(report, bk.Fill) and report.leaves_qty == 0:
            original = self._mm.pop(report.order_id, None)
            if original is not None:
                self._mm_seq += 1
                again = bk.BookOrder(order_id=f"MM{self._mm_seq}", owner=MARKET_MAKER,
                                     side=original.side, qty=original.qty,
                                     ord_type=original.ord_type, limit_px=original.limit_px,
                                     tif=original.tif)
                self._mm[again.order_id] = again
                # Replenish after the current match finishes so it cannot trade in the same sweep.
                self._replenish_queue.append((book, again))

    @staticmethod
    def _translate(report: bk.Report) -> ApplyVenueReport:
        child_id = report.order_id
        if isinstance(report, bk.Accepted):
            return ApplyVenueReport(child_id=child_id, kind="ack")
        if isinstance(report, bk.Rejected):
            return ApplyVenueReport(child_id=child_id, kind="reject", reason=report.reason)
        if isinstance(report, bk.Fill):
            return ApplyVenueReport(child_id=child_id, kind="fill", venue_exec_id=report.exec_id,
                                    last_qty=report.qty, last_px=report.px)
        if isinstance(report, bk.Canceled):
            return ApplyVenueReport(child_id=child_id, kind="canceled", reason=report.reason)
        if isinstance(report, bk.CancelRejected):
            return ApplyVenueReport(child_id=child_id, kind="cancel_rejected",
                                    reason=report.reason)
        if isinstance(report, bk.Replaced):
            return ApplyVenueReport(child_id=child_id, kind="replaced", qty=report.new_qty,
                                    limit_px=report.new_limit_px)
        if isinstance(report, bk.ReplaceRejected):
            return ApplyVenueReport(child_id=child_id, kind="replace_rejected",
                                    reason=report.reason)
        return ApplyVenueReport(child_id=child_id, kind="expired")
