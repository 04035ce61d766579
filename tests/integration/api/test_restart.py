"""A restart on the same database: working orders, resting children and GTC orders come back,
and the simulated exchange's book is rebuilt from the desk's open children."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from openoms.adapters.sql.store import SqlStore
from openoms.bootstrap import create_app
from openoms.models import registry
from openoms.settings import load_settings

from apiclient import Api


def _start(db_url: str, tmp_path: Path, tokens: dict[str, str]) -> tuple[TestClient, Api]:
    settings = load_settings(None, data_dir=tmp_path, database_url=db_url,
                             day_end_enabled=False, fix_port=0)
    client = TestClient(create_app(settings, seed_demo=True), raise_server_exceptions=False)
    client.__enter__()
    return client, Api(client, tokens)


def test_restart_restores_orders_and_rebuilds_the_exchange_book(db_url: str,
                                                                tmp_path: Path) -> None:
    store = SqlStore(db_url, registry())
    tokens = {"trader": store.create_token("trader-user", "trader")}
    store.close()
    client, api = _start(db_url, tmp_path, tokens)
    buy = api.post("/orders", {"account_id": "ACME", "symbol": "IBM", "side": "buy",
                               "qty": "300", "ord_type": "limit", "limit_px": "220.00",
                               "tif": "gtc"}).json()["order_id"]
    api.post(f"/orders/{buy}/accept")
    api.post(f"/orders/{buy}/children", {"venue_id": "SIM", "qty": "200", "tif": "gtc"})
    resting = api.wait_for(buy, lambda o: o["children"][0]["status"] == "new")
    client.__exit__(None, None, None)

    client, api = _start(db_url, tmp_path, tokens)
    try:
        again = api.order(buy)
        assert {k: again[k] for k in ("status", "qty", "tif", "leaves_qty", "unrouted_qty")} \
            == {k: resting[k] for k in ("status", "qty", "tif", "leaves_qty", "unrouted_qty")}
        assert again["children"][0]["status"] == "new"
        # The child is the best bid (the market maker bids 219.99 and below): a sell at 220.00
        # trades with the restored child at the venue.
        sell = api.post("/orders", {"account_id": "GLOBEX", "symbol": "IBM", "side": "sell",
                                    "qty": "50", "ord_type": "limit", "limit_px": "220.00",
                                    "source": "api"}).json()["order_id"]
        filled = api.wait_for(buy, lambda o: o["cum_qty"] == "50")
        assert filled["status"] == "partially_filled" and filled["avg_px"] == "220"
        assert api.order(sell)["status"] == "filled"
    finally:
        client.__exit__(None, None, None)
