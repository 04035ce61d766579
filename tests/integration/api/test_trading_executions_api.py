"""Trade busts and corrections over REST: a trader takes back or fixes a fill."""

from __future__ import annotations

from apiclient import Api


def _filled_order(api: Api) -> tuple[str, str]:
    order = api.post("/orders", {"account_id": "ACME", "symbol": "AAPL", "side": "buy",
                                 "qty": "100", "ord_type": "limit", "limit_px": "190.05",
                                 "tif": "day", "cl_ord_id": "bust-1"}).json()
    api.post(f"/orders/{order['order_id']}/accept")
    api.post(f"/orders/{order['order_id']}/children",
             {"venue_id": "SIM", "qty": "60", "limit_px": "190.05"})
    filled = api.wait_for(order["order_id"], lambda o: o["cum_qty"] == "60")
    return order["order_id"], filled["executions"][0]["exec_id"]


def test_trade_bust_takes_the_fill_back_and_is_in_the_history(api: Api) -> None:
    order_id, exec_id = _filled_order(api)
    assert api.post(f"/orders/{order_id}/executions/{exec_id}/bust", {"reason": "x"},
                    role="sales").status_code == 403
    busted = api.post(f"/orders/{order_id}/executions/{exec_id}/bust", {"reason": "bad print"})
    assert busted.status_code == 200, busted.text
    order = busted.json()
    assert (order["cum_qty"], order["leaves_qty"], order["status"]) == ("0", "100", "new")
    assert order["executions"] == []
    history = [h["event"] for h in api.order(order_id)["history"]]
    assert history[-2:] == ["TicketExecutionBusted", "ChildExecutionBusted"]
    again = api.post(f"/orders/{order_id}/executions/{exec_id}/bust", {"reason": "again"})
    assert again.status_code == 409


def test_trade_correction_changes_the_fill_and_refuses_an_overfill(api: Api) -> None:
    order_id, exec_id = _filled_order(api)
    corrected = api.post(f"/orders/{order_id}/executions/{exec_id}/correct",
                         {"qty": "50", "px": "190.02", "reason": "venue correction"})
    assert corrected.status_code == 200, corrected.text
    order = corrected.json()
    assert (order["cum_qty"], order["avg_px"]) == ("50", "190.02")
    assert [(x["qty"], x["px"]) for x in order["executions"]] == [("50", "190.02")]
    overfill = api.post(f"/orders/{order_id}/executions/{exec_id}/correct",
                        {"qty": "500", "px": "190.02", "reason": "too much"})
    assert overfill.status_code == 409
    unknown = api.post(f"/orders/{order_id}/executions/E999/bust", {"reason": "x"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "exec_id"
