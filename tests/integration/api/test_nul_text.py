"""A NUL character in any text is a 422, and the engine keeps serving (PostgreSQL cannot store
NUL in text: without the check one such request stopped the engine, and every restart)."""

from __future__ import annotations

from apiclient import Api


def _ticket(cl_ord_id: str, text: str = "") -> dict[str, object]:
    return {"account_id": "ACME", "symbol": "AAPL", "side": "buy", "qty": "100",
            "ord_type": "limit", "limit_px": "190.00", "cl_ord_id": cl_ord_id, "text": text}


def test_nul_in_a_desk_order_is_refused_and_the_desk_keeps_working(api: Api) -> None:
    refused = api.post("/orders", _ticket("NUL-1", text="call me\x00"))
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"] == [
        {"field": "text", "reason": "text must not contain NUL characters"}]
    accepted = api.post("/orders", _ticket("NUL-2", text="call me"))
    assert accepted.status_code == 201, accepted.text
    orders = api.get("/orders").json()["orders"]
    assert [o["cl_ord_id"] for o in orders if o["cl_ord_id"].startswith("NUL-")] == ["NUL-2"]


def test_nul_in_a_retail_order_is_refused_and_the_shop_keeps_working(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.tokens['admin']}"}

    def post(body: dict[str, object]) -> object:
        return api.client.post("/api/v1/commerce/orders", json=body, headers=headers)

    address = {"line1": "1 Main St", "city": "Minneapolis", "postal_code": "55401",
               "country": "US"}
    skus = api.client.get("/api/v1/commerce/skus", headers=headers).json()["skus"]
    sku = next(s["sku"] for s in skus if s["stocked"])
    body: dict[str, object] = {"channel": "web", "customer": {"name": "Ann\x00"},
                               "ship_to": address, "lines": [{"sku": sku, "qty": 1}]}
    refused = post(body)
    assert refused.status_code == 422, refused.text  # type: ignore[attr-defined]
    before = api.client.get("/api/v1/commerce/orders", headers=headers).json()["total"]
    body["customer"] = {"name": "Ann"}
    accepted = post(body)
    assert accepted.status_code == 201, accepted.text  # type: ignore[attr-defined]
    after = api.client.get("/api/v1/commerce/orders", headers=headers).json()["total"]
    assert after == before + 1
