"""A price-time-priority limit order book: the matching engine of the simulated exchange.

Pure and deterministic: orders in, reports out, no clock and no I/O. Trades happen at the
resting order's price; at one price the earlier order fills first. Each side keeps a sorted
list of price keys (bisect) and a FIFO per price; an id index makes cancel O(log levels).
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal(0)


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class BookOrdType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"


class BookTif(StrEnum):
    DAY = "day"
    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"
    GTD = "gtd"


@dataclass(frozen=True, slots=True, kw_only=True)
class BookOrder:
    """An order as a participant submits it."""

    order_id: str
    owner: str
    side: Side
    qty: Decimal
    ord_type: BookOrdType
    limit_px: Decimal | None
    tif: BookTif


@dataclass(frozen=True, slots=True, kw_only=True)
class Accepted:
    order_id: str
    owner: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Rejected:
    order_id: str
    owner: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Fill:
    order_id: str
    owner: str
    exec_id: str
    qty: Decimal
    px: Decimal
    leaves_qty: Decimal
    cum_qty: Decimal
    aggressor: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Canceled:
    order_id: str
    owner: str
    leaves_qty_canceled: Decimal
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelRejected:
    order_id: str
    owner: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Replaced:
    order_id: str
    owner: str
    new_qty: Decimal
    new_limit_px: Decimal | None
    leaves_qty: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplaceRejected:
    order_id: str
    owner: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Expired:
    order_id: str
    owner: str
    leaves_qty: Decimal


Report = (Accepted | Rejected | Fill | Canceled | CancelRejected | Replaced | ReplaceRejected
          | Expired)


@dataclass(frozen=True, slots=True)
class RestingView:
    """What the book holds of one resting order."""

    order_id: str
    side: Side
    price: Decimal
    qty: Decimal
    cum_qty: Decimal
    leaves_qty: Decimal


@dataclass(slots=True, eq=False)
class _Resting:
    order: BookOrder
    qty: Decimal
    price: Decimal
    cum: Decimal = ZERO
    live: bool = True

    @property
    def leaves(self) -> Decimal:
        return self.qty - self.cum


@dataclass(slots=True)
class _Side:
    """One side of the book: price keys sorted best first, a FIFO per price."""

    buy: bool
    keys: list[Decimal] = field(default_factory=list)  # -price for bids, +price for asks
    levels: dict[Decimal, deque[_Resting]] = field(default_factory=dict)

    def key(self, price: Decimal) -> Decimal:
        return -price if self.buy else price

    def add(self, entry: _Resting) -> None:
        level = self.levels.get(entry.price)
        if level is None:
            level = self.levels[entry.price] = deque()
            bisect.insort(self.keys, self.key(entry.price))
        level.append(entry)

    def best(self) -> _Resting | None:
        while self.keys:
            price = -self.keys[0] if self.buy else self.keys[0]
            level = self.levels[price]
            while level and not level[0].live:
                level.popleft()
            if level:
                return level[0]
            self._drop(price)
        return None

    def _drop(self, price: Decimal) -> None:
        del self.levels[price]
        index = bisect.bisect_left(self.keys, self.key(price))
        del self.keys[index]

    def remove(self, entry: _Resting) -> None:
        entry.live = False
        level = self.levels.get(entry.price)
        if level is not None and not any(e.live for e in _head(level)):
            level.clear()
            self._drop(entry.price)

    def crosses(self, price: Decimal | None) -> bool:
        """Tell whether an incoming opposite order at price (None = market) meets this side."""
        best = self.best()
        if best is None:
            return False
        if price is None:
            return True
        return best.price >= price if self.buy else best.price <= price

    def depth(self, levels: int) -> list[tuple[Decimal, Decimal]]:
        out: list[tuple[Decimal, Decimal]] = []
        for key in self.keys:
            price = -key if self.buy else key
            total = sum((e.leaves for e in self.levels[price] if e.live), ZERO)
            if total > ZERO:
                out.append((price, total))
            if len(out) == levels:
                break
        return out

    def available(self, limit: Decimal | None, wanted: Decimal) -> bool:
        """Tell whether wanted can fill at once at acceptable prices (FOK check)."""
        total = ZERO
        for key in self.keys:
            price = -key if self.buy else key
            if limit is not None and (price < limit if self.buy else price > limit):
                break
            total += sum((e.leaves for e in self.levels[price] if e.live), ZERO)
            if total >= wanted:
                return True
        return False


def _head(level: deque[_Resting]) -> list[_Resting]:
    return [e for e in level if e.live][:1]


class OrderBook:
    """One instrument's book."""

    def __init__(self, symbol: str, *, exec_id_prefix: str = "X") -> None:
        self.symbol = symbol
        self._prefix = exec_id_prefix
        self._trades = 0
        self._bids = _Side(buy=True)
        self._asks = _Side(buy=False)
        self._index: dict[str, _Resting] = {}
        self._last: Decimal | None = None

    @property
    def last_trade_px(self) -> Decimal | None:
        return self._last

    def best_bid(self) -> Decimal | None:
        best = self._bids.best()
        return best.price if best else None

    def best_ask(self) -> Decimal | None:
        best = self._asks.best()
        return best.price if best else None

    def depth(self, side: Side, levels: int = 5) -> list[tuple[Decimal, Decimal]]:
        return (self._bids if side is Side.BUY else self._asks).depth(levels)

    def resting(self, order_id: str) -> RestingView | None:
        entry = self._index.get(order_id)
        if entry is None:
            return None
        return RestingView(order_id, entry.order.side, entry.price, entry.qty, entry.cum,
                           entry.leaves)

    # ------------------------------------------------------------ orders in

    def _invalid(self, order: BookOrder) -> str | None:
        if order.order_id in self._index:
            return "duplicate order id"
        if not order.qty.is_finite() or order.qty <= ZERO:
            return "quantity must be positive"
        if order.ord_type is BookOrdType.LIMIT:
            if order.limit_px is None:
                return "limit price required"
            if not order.limit_px.is_finite() or order.limit_px <= ZERO:
                return "limit price must be positive"
        elif order.limit_px is not None:
            return "market orders take no limit price"
        return None

    def submit(self, order: BookOrder) -> list[Report]:
        """Accept, match and rest (or cancel the remainder of) one order."""
        reason = self._invalid(order)
        if reason is not None:
            return [Rejected(order_id=order.order_id, owner=order.owner, reason=reason)]
        reports: list[Report] = [Accepted(order_id=order.order_id, owner=order.owner)]
        opposite = self._asks if order.side is Side.BUY else self._bids
        if order.tif is BookTif.FOK and not opposite.available(order.limit_px, order.qty):
            reports.append(Canceled(order_id=order.order_id, owner=order.owner,
                                    leaves_qty_canceled=order.qty,
                                    reason="FOK: not fully fillable"))
            return reports
        entry = _Resting(order=order, qty=order.qty, price=order.limit_px or ZERO)
        self._match(entry, opposite, reports)
        if entry.leaves > ZERO:
            if order.ord_type is BookOrdType.MARKET or order.tif in (BookTif.IOC, BookTif.FOK):
                reason = "no liquidity" if order.ord_type is BookOrdType.MARKET else \
                    f"{order.tif.value.upper()} remainder"
                reports.append(Canceled(order_id=order.order_id, owner=order.owner,
                                        leaves_qty_canceled=entry.leaves, reason=reason))
            else:
                self._rest(entry)
        return reports

    def _rest(self, entry: _Resting) -> None:
        self._index[entry.order.order_id] = entry
        (self._bids if entry.order.side is Side.BUY else self._asks).add(entry)

    def _match(self, entry: _Resting, opposite: _Side, reports: list[Report]) -> None:
        limit = entry.price if entry.order.ord_type is BookOrdType.LIMIT else None
        while entry.leaves > ZERO and opposite.crosses(limit):
            resting = opposite.best()
            assert resting is not None
            qty = min(entry.leaves, resting.leaves)
            px = resting.price
            self._trades += 1
            trade = f"{self._prefix}{self._trades}"
            entry.cum += qty
            resting.cum += qty
            self._last = px
            reports.append(Fill(order_id=entry.order.order_id, owner=entry.order.owner,
                                exec_id=f"{trade}-A", qty=qty, px=px, leaves_qty=entry.leaves,
                                cum_qty=entry.cum, aggressor=True))
            reports.append(Fill(order_id=resting.order.order_id, owner=resting.order.owner,
                                exec_id=f"{trade}-R", qty=qty, px=px,
                                leaves_qty=resting.leaves, cum_qty=resting.cum,
                                aggressor=False))
            if resting.leaves == ZERO:
                del self._index[resting.order.order_id]
                opposite.remove(resting)

    def cancel(self, order_id: str) -> list[Report]:
        """Cancel a resting order."""
        entry = self._index.pop(order_id, None)
        if entry is None:
            return [CancelRejected(order_id=order_id, owner="", reason="unknown order")]
        self._side(entry).remove(entry)
        return [Canceled(order_id=order_id, owner=entry.order.owner,
                         leaves_qty_canceled=entry.leaves, reason="canceled")]

    def _side(self, entry: _Resting) -> _Side:
        return self._bids if entry.order.side is Side.BUY else self._asks

    def replace(self, order_id: str, *, new_qty: Decimal,
                new_limit_px: Decimal | None) -> list[Report]:
        """Change a resting order's quantity or price; a price change or increase loses time."""
        entry = self._index.get(order_id)
        if entry is None:
            return [ReplaceRejected(order_id=order_id, owner="", reason="unknown order")]
        owner = entry.order.owner
        if not new_qty.is_finite() or new_qty <= entry.cum:
            return [ReplaceRejected(order_id=order_id, owner=owner,
                                    reason="new quantity at or below filled quantity")]
        price = entry.price if new_limit_px is None else new_limit_px
        if not price.is_finite() or price <= ZERO:
            return [ReplaceRejected(order_id=order_id, owner=owner,
                                    reason="limit price must be positive")]
        keeps_priority = price == entry.price and new_qty <= entry.qty
        if keeps_priority:
            entry.qty = new_qty
            return [Replaced(order_id=order_id, owner=owner, new_qty=new_qty,
                             new_limit_px=price, leaves_qty=entry.leaves)]
        del self._index[order_id]
        self._side(entry).remove(entry)
        moved = _Resting(order=entry.order, qty=new_qty, price=price, cum=entry.cum)
        reports: list[Report] = [Replaced(order_id=order_id, owner=owner, new_qty=new_qty,
                                          new_limit_px=price, leaves_qty=moved.leaves)]
        opposite = self._asks if entry.order.side is Side.BUY else self._bids
        self._match(moved, opposite, reports)
        if moved.leaves > ZERO:
            self._rest(moved)
        return reports

    def restore(self, order: BookOrder, *, cum_qty: Decimal) -> None:
        """Put back an acknowledged resting order after a restart, without matching.

        Raises:
            ValueError: a duplicate id, a market order, or a price that crosses the book.
        """
        reason = self._invalid(order)
        if reason is not None or order.limit_px is None:
            raise ValueError(reason or "only limit orders rest")
        opposite = self._asks if order.side is Side.BUY else self._bids
        if opposite.crosses(order.limit_px):
            raise ValueError("restoring it would cross the book")
        if cum_qty >= order.qty:
            raise ValueError("nothing left to restore")
        self._rest(_Resting(order=order, qty=order.qty, price=order.limit_px, cum=cum_qty))

    def end_of_day(self) -> list[Report]:
        """Expire DAY and GTD orders; GTC orders stay."""
        reports: list[Report] = []
        for order_id, entry in list(self._index.items()):
            if entry.order.tif in (BookTif.DAY, BookTif.GTD):
                del self._index[order_id]
                self._side(entry).remove(entry)
                reports.append(Expired(order_id=order_id, owner=entry.order.owner,
                                       leaves_qty=entry.leaves))
        return reports
