"""Pre-trade risk limits, the trading day's close and open, good-till-date expiry."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest

from openoms.core.errors import RiskRejected
from openoms.trading.domain import commands as cmd
from openoms.trading.domain.model import OrderStatus, OrdType, Side, TimeInForce

from desk import Desk


@pytest.mark.parametrize(("kwargs", "limit"), [
    ({"qty": "10001", "px": "10.00"}, "max_order_qty"),
    ({"qty": "6000", "px": "100.00"}, "max_order_notional"),
    ({"qty": "10", "px": "111.00"}, "price_collar"),
    ({"qty": "10", "px": "89.00"}, "price_collar"),
    ({"qty": "100", "px": "10.00", "symbol": "LOT"}, "restricted_instrument"),
])
def test_risk_breach_names_the_limit_and_changes_nothing(desk: Desk, kwargs: dict[str, str],
                                                         limit: str) -> None:
    before = desk.snapshot()
    with pytest.raises(RiskRejected) as info:
        desk.submit(**kwargs)  # type: ignore[arg-type]
    assert info.value.limit == limit
    assert desk.state == before


def test_open_notional_counts_open_leaves_and_frees_on_fill_and_cancel(desk: Desk) -> None:
    orders = [desk.working("4000", px="100.00") for _ in range(2)]  # 800,000 open
    with pytest.raises(RiskRejected) as info:
        desk.submit("2001", px="100.00")  # 1,000,100 > 1,000,000
    assert info.value.limit == "max_open_notional"
    desk.run(cmd.RequestCancel(order_id=orders[0]))
    desk.submit("2001", px="100.00")
    assert desk.state.open_notional["ACME"] == D("600100.00")


def test_restricted_instrument_is_refused_for_everyone(desk: Desk) -> None:
    desk.run(cmd.DefineInstrument(symbol="AAPL", name="Apple", currency="USD",
                                  tick_size=D("0.01"), lot_size=D(1),
                                  reference_price=D("100.00"), restricted=True))
    with pytest.raises(RiskRejected, match="restricted"):
        desk.submit(account="FREE")


def test_day_close_ends_day_orders_and_puts_gtc_done_for_day(desk: Desk) -> None:
    unfilled = desk.working("100")
    partly = desk.working("100")
    child = desk.route(partly, "50")
    desk.ack(child)
    desk.fill(child, "20", "100.00")
    staged = desk.submit("10")
    gtc = desk.working("100", tif=TimeInForce.GTC)
    gtc_child = desk.route(gtc, "40", tif=TimeInForce.GTC)
    desk.ack(gtc_child)
    desk.run(cmd.CloseTradingSession(trading_date="2026-11-23"))
    status = {k: desk.ticket(k).status for k in (unfilled, partly, staged, gtc)}
    assert status == {unfilled: OrderStatus.EXPIRED, partly: OrderStatus.DONE_FOR_DAY,
                      staged: OrderStatus.EXPIRED, gtc: OrderStatus.DONE_FOR_DAY}
    assert desk.ticket(partly).children[child].status is OrderStatus.EXPIRED
    assert desk.ticket(partly).leaves_qty == 0
    assert desk.ticket(gtc).children[gtc_child].status is OrderStatus.NEW  # GTC at the venue
    assert not desk.state.session_open
    desk.run(cmd.OpenTradingSession(trading_date="2026-11-24"))
    assert desk.ticket(gtc).status is OrderStatus.NEW
    assert desk.ticket(gtc).leaves_qty == 100
    assert desk.ticket(partly).status is OrderStatus.DONE_FOR_DAY  # a DAY order stays done


def test_gtd_order_expires_when_its_time_comes(desk: Desk) -> None:
    expire = desk.now + timedelta(hours=1)
    order_id = desk.working("100", tif=TimeInForce.GTD, expire_at=expire)
    child = desk.route(order_id, "50")
    desk.ack(child)
    desk.run(cmd.ExpireOrders(now=desk.now + timedelta(minutes=30)))
    assert desk.ticket(order_id).status is OrderStatus.NEW
    desk.run(cmd.ExpireOrders(now=expire))
    t = desk.ticket(order_id)
    assert t.status is OrderStatus.EXPIRED and t.children[child].status is OrderStatus.EXPIRED


def test_market_gtc_is_refused(desk: Desk) -> None:
    from openoms.core.errors import ValidationError

    with pytest.raises(ValidationError, match="market order cannot be good till cancel"):
        desk.run(cmd.SubmitTicket(account_id="ACME", symbol="AAPL", side=Side.BUY, qty=D(1),
                                  ord_type=OrdType.MARKET, tif=TimeInForce.GTC))
