"""The simulated exchange's order book: price-time priority, IOC/FOK, replace, and, under
random flows, a book that never crosses and quantities that always add up."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from openoms.venues.simulated.book import (
    Accepted,
    BookOrder,
    BookOrdType,
    BookTif,
    Canceled,
    CancelRejected,
    Expired,
    Fill,
    OrderBook,
    Rejected,
    Replaced,
    ReplaceRejected,
    Side,
)


def order(oid: str, side: Side, qty: str, px: str | None, tif: BookTif = BookTif.DAY,
          owner: str = "oms") -> BookOrder:
    return BookOrder(order_id=oid, owner=owner, side=side, qty=D(qty),
                     ord_type=BookOrdType.LIMIT if px else BookOrdType.MARKET,
                     limit_px=D(px) if px else None, tif=tif)


def fills(reports: list[object]) -> list[tuple[str, D, D]]:
    return [(r.order_id, r.qty, r.px) for r in reports if isinstance(r, Fill)]


def test_book_same_price_fills_earlier_order_first() -> None:
    book = OrderBook("X")
    book.submit(order("a", Side.SELL, "100", "10.00"))
    book.submit(order("b", Side.SELL, "100", "10.00"))
    reports = book.submit(order("c", Side.BUY, "150", "10.00"))
    assert isinstance(reports[0], Accepted)
    assert fills(reports) == [("c", D(100), D("10.00")), ("a", D(100), D("10.00")),
                              ("c", D(50), D("10.00")), ("b", D(50), D("10.00"))]
    assert book.resting("b").leaves_qty == 50  # type: ignore[union-attr]


def test_book_sweep_trades_at_each_resting_price() -> None:
    book = OrderBook("X")
    book.submit(order("a", Side.SELL, "10", "10.02"))
    book.submit(order("b", Side.SELL, "10", "10.01"))
    reports = book.submit(order("c", Side.BUY, "15", "10.05"))
    assert [(o, q, p) for o, q, p in fills(reports) if o == "c"] == [
        ("c", D(10), D("10.01")), ("c", D(5), D("10.02"))]
    assert book.best_ask() == D("10.02") and book.best_bid() is None
    assert book.last_trade_px == D("10.02")


def test_book_ioc_remainder_is_canceled_and_does_not_rest() -> None:
    book = OrderBook("X")
    book.submit(order("a", Side.SELL, "10", "10.00"))
    reports = book.submit(order("c", Side.BUY, "25", "10.00", BookTif.IOC))
    assert isinstance(reports[-1], Canceled) and reports[-1].leaves_qty_canceled == 15
    assert book.best_bid() is None


def test_book_fok_that_cannot_fill_is_killed_and_leaves_the_book_unchanged() -> None:
    book = OrderBook("X")
    book.submit(order("a", Side.SELL, "10", "10.00"))
    reports = book.submit(order("c", Side.BUY, "11", "10.00", BookTif.FOK))
    assert [type(r) for r in reports] == [Accepted, Canceled]
    assert book.depth(Side.SELL) == [(D("10.00"), D(10))]
    assert fills(book.submit(order("d", Side.BUY, "10", "10.00", BookTif.FOK)))


def test_book_market_order_on_an_empty_side_is_canceled() -> None:
    book = OrderBook("X")
    reports = book.submit(order("m", Side.BUY, "10", None, BookTif.IOC))
    assert isinstance(reports[-1], Canceled) and reports[-1].reason == "no liquidity"


def test_book_bad_orders_are_rejected_with_a_reason() -> None:
    book = OrderBook("X")
    book.submit(order("a", Side.SELL, "10", "10.00"))
    assert isinstance(book.submit(order("a", Side.SELL, "10", "10.00"))[0], Rejected)
    assert isinstance(book.submit(order("z", Side.SELL, "0", "10.00"))[0], Rejected)
    bad = BookOrder(order_id="y", owner="oms", side=Side.BUY, qty=D(1),
                    ord_type=BookOrdType.LIMIT, limit_px=None, tif=BookTif.DAY)
    assert isinstance(book.submit(bad)[0], Rejected)


def test_book_replace_down_keeps_priority_and_price_change_loses_it() -> None:
    book = OrderBook("X")
    book.submit(order("a", Side.SELL, "100", "10.00"))
    book.submit(order("b", Side.SELL, "100", "10.00"))
    assert isinstance(book.replace("a", new_qty=D(50), new_limit_px=None)[0], Replaced)
    assert fills(book.submit(order("c", Side.BUY, "10", "10.00")))[1][0] == "a"
    book.replace("a", new_qty=D(50), new_limit_px=D("10.01"))
    book.replace("a", new_qty=D(50), new_limit_px=D("10.00"))  # back, now behind b
    assert fills(book.submit(order("d", Side.BUY, "10", "10.00")))[1][0] == "b"


def test_book_replace_that_crosses_trades_at_once() -> None:
    book = OrderBook("X")
    book.submit(order("a", Side.SELL, "10", "10.05"))
    book.submit(order("b", Side.BUY, "10", "10.00"))
    reports = book.replace("b", new_qty=D(10), new_limit_px=D("10.05"))
    assert isinstance(reports[0], Replaced) and fills(reports)[0] == ("b", D(10), D("10.05"))


def test_book_replace_below_filled_or_unknown_is_rejected() -> None:
    book = OrderBook("X")
    book.submit(order("a", Side.SELL, "10", "10.00"))
    book.submit(order("b", Side.BUY, "4", "10.00"))
    assert isinstance(book.replace("a", new_qty=D(4), new_limit_px=None)[0], ReplaceRejected)
    assert isinstance(book.replace("nope", new_qty=D(4), new_limit_px=None)[0],
                      ReplaceRejected)


def test_book_cancel_unknown_is_rejected() -> None:
    assert isinstance(OrderBook("X").cancel("nope")[0], CancelRejected)


def test_book_end_of_day_expires_day_orders_and_keeps_gtc() -> None:
    book = OrderBook("X")
    book.submit(order("d", Side.BUY, "10", "9.00"))
    book.submit(order("g", Side.BUY, "10", "9.50", BookTif.GTC))
    reports = book.end_of_day()
    assert [(type(r), r.order_id) for r in reports] == [(Expired, "d")]
    assert book.depth(Side.BUY) == [(D("9.50"), D(10))]


def test_book_restore_puts_back_without_matching_and_refuses_a_cross() -> None:
    book = OrderBook("X")
    book.submit(order("a", Side.SELL, "10", "10.00"))
    book.restore(order("b", Side.BUY, "10", "9.99"), cum_qty=D(4))
    assert book.resting("b").leaves_qty == 6  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="cross"):
        book.restore(order("c", Side.BUY, "10", "10.00"), cum_qty=D(0))


class BookMachine(RuleBasedStateMachine):
    """Random flows: the book never crosses and every order's quantities add up."""

    def __init__(self) -> None:
        super().__init__()
        self.book = OrderBook("X")
        self.qty: dict[str, D] = {}
        self.cum: dict[str, D] = {}
        self.done: set[str] = set()
        self.bought = D(0)
        self.sold = D(0)
        self.n = 0

    def _apply(self, reports: list[object]) -> None:
        trades: dict[str, list[Fill]] = {}
        for r in reports:
            if isinstance(r, Fill):
                self.cum[r.order_id] += r.qty
                assert self.cum[r.order_id] == r.cum_qty
                assert r.leaves_qty == self.qty[r.order_id] - r.cum_qty >= 0
                trades.setdefault(r.exec_id.rsplit("-", 1)[0], []).append(r)
                side = self.side[r.order_id]
                if side is Side.BUY:
                    self.bought += r.qty
                else:
                    self.sold += r.qty
            elif isinstance(r, Replaced):
                self.qty[r.order_id] = r.new_qty
            elif isinstance(r, (Canceled, Expired, Rejected)):
                self.done.add(r.order_id)
        for pair in trades.values():
            assert len(pair) == 2 and pair[0].qty == pair[1].qty and pair[0].px == pair[1].px

    side: dict[str, Side]

    @rule(side=st.sampled_from(list(Side)), qty=st.integers(1, 50),
          px=st.sampled_from(["9.98", "9.99", "10.00", "10.01", "10.02", None]),
          tif=st.sampled_from([BookTif.DAY, BookTif.GTC, BookTif.IOC, BookTif.FOK]))
    def submit(self, side: Side, qty: int, px: str | None, tif: BookTif) -> None:
        self.n += 1
        oid = f"o{self.n}"
        if not hasattr(self, "side"):
            self.side = {}
        self.side[oid] = side
        self.qty[oid] = D(qty)
        self.cum[oid] = D(0)
        self._apply(self.book.submit(order(oid, side, str(qty), px,
                                           BookTif.IOC if px is None else tif)))

    @rule(pick=st.integers(0, 100))
    def cancel(self, pick: int) -> None:
        if self.n:
            self._apply(self.book.cancel(f"o{pick % self.n + 1}"))

    @rule(pick=st.integers(0, 100), qty=st.integers(1, 60),
          px=st.sampled_from(["9.99", "10.00", "10.01", None]))
    def replace(self, pick: int, qty: int, px: str | None) -> None:
        if self.n:
            self._apply(self.book.replace(f"o{pick % self.n + 1}", new_qty=D(qty),
                                          new_limit_px=D(px) if px else None))

    @invariant()
    def never_crossed_and_balanced(self) -> None:
        bid, ask = self.book.best_bid(), self.book.best_ask()
        if bid is not None and ask is not None:
            assert bid < ask
        assert self.bought == self.sold
        for oid, cum in self.cum.items():
            assert D(0) <= cum <= self.qty[oid]
            resting = self.book.resting(oid)
            if resting is not None:
                assert resting.cum_qty + resting.leaves_qty == self.qty[oid]
                assert resting.leaves_qty > 0


BookMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=50,
                                         deadline=None)
test_book_random_flows_never_cross_and_conserve_quantity = BookMachine.TestCase
