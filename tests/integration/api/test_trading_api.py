"""The desk over REST: what a trader, a salesperson and a viewer see and may do."""

from __future__ import annotations

from typing import Any

from apiclient import Api


def _limit(**overrides: Any) -> dict[str, Any]:
    body = {"account_id": "ACME", "symbol": "AAPL", "side": "buy", "qty": "100",
            "ord_type": "limit", "limit_px": "190.05", "tif": "day"}
    body.update(overrides)
    return body


def _count(api: Api) -> int:
    return int(api.get("/orders").json()["total"])


def test_phone_order_is_staged_then_accepted_routed_and_filled_live(api: Api) -> None:
    created = api.post("/orders", _limit(cl_ord_id="ph-1"))
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["status"] == "staged" and order["source"] == "phone"
    assert order["leaves_qty"] == "100" and order["cum_qty"] == "0"

    assert api.post(f"/orders/{order['order_id']}/accept").json()["status"] == "new"
    # The simulated exchange offers 1000 at 190.01..190.05: a 60 child at 190.05 trades at once.
    routed = api.post(f"/orders/{order['order_id']}/children",
                      {"venue_id": "SIM", "qty": "60", "limit_px": "190.05"})
    assert routed.status_code == 201, routed.text
    filled = api.wait_for(order["order_id"], lambda o: o["cum_qty"] == "60")
    assert filled["status"] == "partially_filled"
    assert filled["leaves_qty"] == "40" and filled["avg_px"] == "190.01"
    assert filled["children"][0]["status"] == "filled"
    assert [x["qty"] for x in filled["executions"]] == ["60"]
    events = [h["event"] for h in filled["history"]]
    assert events[:3] == ["TicketStaged", "TicketAccepted", "ChildRouted"]
    assert "TicketPartiallyFilled" in events
    assert filled["history"][0]["actor"] == "trader-user"


def test_automatic_order_is_routed_by_rules_and_fills(api: Api) -> None:
    created = api.post("/orders", _limit(source="api", qty="1500", limit_px="190.02"))
    assert created.status_code == 201, created.text
    assert created.json()["handling"] == "automatic"
    order = api.wait_for(created.json()["order_id"], lambda o: o["cum_qty"] == "1500")
    # 1000 at 190.01 then 500 at 190.02: the average is exact.
    assert order["status"] == "filled" and order["leaves_qty"] == "0"
    assert order["avg_px"] == "190.0133333333333333333333333"


def test_duplicate_cl_ord_id_identical_retry_returns_the_same_order(api: Api) -> None:
    first = api.post("/orders", _limit(cl_ord_id="dup-1"))
    again = api.post("/orders", _limit(cl_ord_id="dup-1"))
    assert again.status_code == 200 and again.headers["Idempotent-Replay"] == "true"
    assert again.json()["order_id"] == first.json()["order_id"]
    different = api.post("/orders", _limit(cl_ord_id="dup-1", qty="200"))
    assert different.status_code == 409
    assert different.json()["code"] == "duplicate_cl_ord_id"
    assert _count(api) == 1


def test_bad_input_gets_a_specific_4xx_and_changes_nothing(api: Api) -> None:
    staged = api.post("/orders", _limit()).json()
    before = api.order(staged["order_id"])
    cases = [
        (api.call("POST", "/orders", content=b"{not json", headers={
            "Content-Type": "application/json"}), 400, None),
        (api.post("/orders", _limit(symbol="NOPE")), 422, "symbol"),
        (api.post("/orders", _limit(account_id="NOBODY")), 422, "account_id"),
        (api.post("/orders", _limit(qty="0")), 422, "qty"),
        (api.post("/orders", _limit(qty="-5")), 422, "qty"),
        (api.post("/orders", _limit(limit_px="190.001")), 422, "limit_px"),
        (api.post("/orders", _limit(colour="red")), 422, "colour"),
        (api.post("/orders", _limit(side="up")), 422, "side"),
        (api.post(f"/orders/{staged['order_id']}/children", {"venue_id": "SIM", "qty": "10"}),
         409, "order_id"),
        (api.post("/orders/T999/accept"), 404, "order_id"),
        (api.post("/orders", _limit(), role="viewer"), 403, None),
    ]
    for response, status, field in cases:
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["detail"]
        if field:
            assert field in {e["field"] for e in problem["errors"]}, problem
    assert _count(api) == 1
    assert api.order(staged["order_id"]) == before


def test_child_larger_than_unrouted_leaves_is_refused(api: Api) -> None:
    order = api.post("/orders", _limit(limit_px="180.00")).json()
    api.post(f"/orders/{order['order_id']}/accept")
    assert api.post(f"/orders/{order['order_id']}/children",
                    {"venue_id": "SIM", "qty": "70"}).status_code == 201
    too_big = api.post(f"/orders/{order['order_id']}/children", {"venue_id": "SIM", "qty": "31"})
    assert too_big.status_code == 422
    assert "unrouted leaves 30" in too_big.json()["detail"]
    aggressive = api.post(f"/orders/{order['order_id']}/children",
                          {"venue_id": "SIM", "qty": "10", "limit_px": "180.01"})
    assert aggressive.status_code == 422 and "more aggressive" in aggressive.json()["detail"]
    assert len(api.order(order["order_id"])["children"]) == 1


def test_roles_decide_who_may_work_orders(api: Api) -> None:
    assert api.call("GET", "/orders", role="").status_code == 401
    assert api.get("/orders", headers={"Authorization": "Bearer nope"},
                   role="").status_code == 401
    order = api.post("/orders", _limit(), role="sales")
    assert order.status_code == 201
    order_id = order.json()["order_id"]
    assert api.post(f"/orders/{order_id}/accept", role="sales").status_code == 403
    assert api.post(f"/orders/{order_id}/accept", role="viewer").status_code == 403
    assert api.post("/instruments", {"symbol": "NEW", "reference_price": "1"}).status_code == 403
    assert api.order(order_id)["status"] == "staged"
    assert api.get(f"/orders/{order_id}", role="viewer").status_code == 200


def test_risk_breach_names_the_limit_and_creates_nothing(api: Api) -> None:
    too_large = api.post("/orders", _limit(qty="60000"))
    assert too_large.status_code == 422 and too_large.json()["limit"] == "max_order_qty"
    collar = api.post("/orders", _limit(limit_px="250.00"))
    assert collar.status_code == 422 and collar.json()["limit"] == "price_collar"
    restricted = api.post("/orders", _limit(account_id="INITECH", symbol="TSLA",
                                            limit_px="250.00"))
    assert restricted.status_code == 422
    assert restricted.json()["limit"] == "restricted_instrument"
    assert _count(api) == 0


def test_client_cancel_is_pending_while_a_child_works_until_the_desk_accepts(api: Api) -> None:
    order_id = api.post("/orders", _limit(limit_px="185.00")).json()["order_id"]
    api.post(f"/orders/{order_id}/accept")
    api.post(f"/orders/{order_id}/children", {"venue_id": "SIM", "qty": "50"})
    api.wait_for(order_id, lambda o: o["children"][0]["status"] == "new")
    pending = api.post(f"/orders/{order_id}/cancel", {"cl_ord_id": "cxl-1"}, role="sales")
    assert pending.json()["status"] == "pending_cancel"
    assert api.post(f"/orders/{order_id}/pending/accept").status_code == 200
    done = api.wait_for(order_id, lambda o: o["status"] == "canceled")
    assert done["status"] == "canceled" and done["leaves_qty"] == "0"
    assert done["children"][0]["status"] == "canceled"
    assert done["cl_ord_id"] == "cxl-1"


def test_replace_with_nothing_working_is_immediate(api: Api) -> None:
    order_id = api.post("/orders", _limit()).json()["order_id"]
    api.post(f"/orders/{order_id}/accept")
    replaced = api.post(f"/orders/{order_id}/replace", {"qty": "150", "limit_px": "189.50"})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["qty"] == "150" and replaced.json()["limit_px"] == "189.5"
    assert replaced.json()["status"] == "new"


def test_day_end_expires_day_orders_and_keeps_gtc(api: Api) -> None:
    day = api.post("/orders", _limit()).json()["order_id"]
    gtc = api.post("/orders", _limit(tif="gtc")).json()["order_id"]
    api.post(f"/orders/{gtc}/accept")
    closed = api.post("/session/close", {"trading_date": "2026-11-20"}, role="admin")
    assert closed.json() == {"open": False, "trading_date": "2026-11-20"}
    assert api.order(day)["status"] == "expired"
    assert api.order(gtc)["status"] == "done_for_day"
    api.post("/session/open", {"trading_date": "2026-11-23"}, role="admin")
    assert api.order(gtc)["status"] == "new"


def test_health_and_metrics_report_the_engine(api: Api) -> None:
    api.post("/orders", _limit())
    health = api.client.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    metrics = api.client.get("/metrics").text
    assert "openoms_events_total" in metrics and "openoms_open_orders 1.0" in metrics


def test_openapi_documents_every_trading_endpoint_with_its_body(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/v1/trading/orders", "/api/v1/trading/orders/{order_id}/accept",
                 "/api/v1/trading/orders/{order_id}/children", "/healthz", "/metrics"):
        assert path in paths, path
    body = paths["/api/v1/trading/orders"]["post"]["requestBody"]["content"]["application/json"]
    ref = body["schema"]["$ref"].rsplit("/", 1)[1]
    new_order = schema["components"]["schemas"][ref]
    assert {"account_id", "symbol", "side", "qty"} <= set(new_order["required"])
    side = new_order["properties"]["side"]["$ref"].rsplit("/", 1)[1]
    assert schema["components"]["schemas"][side]["enum"] == ["buy", "sell", "sell_short"]


def test_desk_cancel_pulls_the_child_then_cancels(api: Api) -> None:
    order_id = api.post("/orders", _limit(limit_px="185.00")).json()["order_id"]
    api.post(f"/orders/{order_id}/accept")
    api.post(f"/orders/{order_id}/children", {"venue_id": "SIM", "qty": "40"})
    api.wait_for(order_id, lambda o: o["children"][0]["status"] == "new")
    assert api.post(f"/orders/{order_id}/cancel", {"initiator": "desk"},
                    role="sales").status_code == 403
    api.post(f"/orders/{order_id}/cancel", {"initiator": "desk", "reason": "client halted"})
    done = api.wait_for(order_id, lambda o: o["status"] == "canceled")
    assert done["status"] == "canceled" and done["children"][0]["status"] == "canceled"
