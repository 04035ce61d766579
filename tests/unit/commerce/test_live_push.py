"""Who hears of which change on the web UI's live stream (web/push.py): the same reach as the
API's reads, a slow page is told to reload instead of queueing without end, and a stream ends
with its session (signed out, or found gone at a periodic check)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

from openoms.api.auth import Principal
from openoms.core.events import Event, Recorded
from openoms.trading.domain.events import TicketAccepted
from openoms.web import push as push_module
from openoms.web.push import Push

from shop import NEAR_MPLS, NEAR_STP, Shop

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
MPLS_ASSOCIATE = Principal("sam", "store_associate", ("location:MPLS",))
STP_ASSOCIATE = Principal("sue", "store_associate", ("location:STP",))
ACME_VENDOR = Principal("acme", "vendor", ("vendor:ACME",))
SERVICE = Principal("carol", "customer_service")
TRADER = Principal("tina", "trader")


def recorded(event: Event, position: int = 1) -> Recorded:
    return Recorded(stream_id=event.stream_id(), version=1, event=event, actor="x",
                    source="api", event_time=NOW, recorded_time=NOW, position=position)


def heard(push: Push, who: Principal, records: list[Recorded]) -> list[dict[str, object]]:
    """What one connected page of who receives for records."""

    async def run() -> list[dict[str, object]]:
        stream = push.stream(who)
        assert (await anext(stream)).startswith("retry:")
        got = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0)
        push(records)
        push.close()
        out = []
        try:
            text = await asyncio.wait_for(got, 1)
            while True:
                if text.startswith("event: change"):
                    out.append(json.loads(text.split("data: ", 1)[1]))
                text = await asyncio.wait_for(anext(stream), 1)
        except StopAsyncIteration:
            return out

    return asyncio.run(run())


def order_records(shop: Shop, *lines: tuple[str, int], to: object = NEAR_MPLS) -> list[Recorded]:
    start = len(shop.journal)
    shop.order(*lines, to=to)  # type: ignore[arg-type]
    return [recorded(e, i) for i, e in enumerate(shop.journal[start:], 1)]


def test_a_store_hears_only_of_orders_it_fulfils(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 5)
    shop.stock("MUG", "STP", 5)
    to_mpls = order_records(shop, ("TEE", 1))
    to_stp = order_records(shop, ("MUG", 1), to=NEAR_STP)
    push = Push(shop.state)
    mpls = [m["id"] for m in heard(push, MPLS_ASSOCIATE, to_mpls + to_stp)]
    stp = [m["id"] for m in heard(push, STP_ASSOCIATE, to_mpls + to_stp)]
    assert mpls == [to_mpls[0].event.order_id]  # type: ignore[attr-defined]
    assert stp == [to_stp[0].event.order_id]  # type: ignore[attr-defined]
    # Customer service reaches every order, once per order however many events it had.
    assert [m["id"] for m in heard(push, SERVICE, to_mpls + to_stp)] == mpls + stp


def test_a_vendor_hears_of_its_purchase_orders_and_a_trader_of_no_retail_order(
        shop: Shop) -> None:
    kayak = order_records(shop, ("KAYAK", 1))
    push = Push(shop.state)
    assert [m["area"] for m in heard(push, ACME_VENDOR, kayak)] == ["retail"]
    assert heard(push, TRADER, kayak) == []


def test_stock_changes_reach_the_stores_that_hold_them(shop: Shop) -> None:
    start = len(shop.journal)
    shop.stock("TEE", "MPLS", 5)
    shop.stock("TEE", "STP", 5)
    records = [recorded(e, i) for i, e in enumerate(shop.journal[start:], 1)]
    push = Push(shop.state)
    assert [m["id"] for m in heard(push, MPLS_ASSOCIATE, records)] == ["TEE@MPLS"]
    assert [m["id"] for m in heard(push, ACME_VENDOR, records)] == []
    assert len(heard(push, Principal("vic", "viewer"), records)) == 2


def test_desk_changes_reach_desk_roles_only(shop: Shop) -> None:
    accepted = [recorded(TicketAccepted(order_id="T-00000001"))]
    push = Push(shop.state)
    assert heard(push, TRADER, accepted) == [
        {"area": "trading", "id": "T-00000001", "event": "TicketAccepted",
         "stream": "order:T-00000001", "position": 1}]
    assert heard(push, SERVICE, accepted) == []
    assert heard(push, MPLS_ASSOCIATE, accepted) == []


def test_a_page_that_falls_behind_is_told_to_reload_once(
        shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(push_module, "QUEUE_LIMIT", 3)
    push = Push(shop.state)

    async def run() -> list[str]:
        stream = push.stream(TRADER)
        await anext(stream)
        got = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0)
        for n in range(10):  # ten commits while the page does not read
            push([recorded(TicketAccepted(order_id=f"T-{n:08d}"), n)])
        texts = [await got]
        while not texts[-1].startswith("event: resync"):
            texts.append(await asyncio.wait_for(anext(stream), 1))
        push([recorded(TicketAccepted(order_id="T-00000099"), 99)])  # caught up: live again
        texts.append(await asyncio.wait_for(anext(stream), 1))
        push.close()
        return texts

    texts = asyncio.run(run())
    kinds = [t.split("\n")[0] for t in texts]
    # The three that fit the queue, then one resync instead of the seven that did not.
    assert kinds == ["event: change"] * 3 + ["event: resync", "event: change"]
    assert "T-00000099" in texts[-1]


def test_a_stream_ends_once_its_session_is_gone(
        shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(push_module, "KEEPALIVE_SECONDS", 0.01)
    push = Push(shop.state)
    answers = iter([True, False])  # signed in at the first check, gone at the second

    async def alive() -> bool:
        return next(answers)

    async def run() -> list[str]:
        texts = []
        async for text in push.stream(TRADER, session="cookie", alive=alive):
            texts.append(text)
            if len(texts) > 5:
                break
        return texts

    texts = asyncio.run(run())
    assert texts[1:] == [": keep-alive\n\n", "event: ended\ndata: {}\n\n"]
    assert push.connected == 0


def test_a_busy_stream_checks_its_session_too(
        shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(push_module, "KEEPALIVE_SECONDS", 0.05)
    push = Push(shop.state)

    async def alive() -> bool:
        return False

    async def run() -> list[str]:
        stream = push.stream(TRADER, session="cookie", alive=alive)
        await anext(stream)
        texts: list[str] = []
        for n in range(1000):  # a change every few milliseconds: never idle
            push([recorded(TicketAccepted(order_id=f"T-{n:08d}"), n)])
            texts.append(await asyncio.wait_for(anext(stream), 1))
            if texts[-1].startswith("event: ended"):
                return texts
            await asyncio.sleep(0.002)
        return texts

    texts = asyncio.run(run())
    assert texts[-1] == "event: ended\ndata: {}\n\n"
    assert len(texts) < 1000


def test_signing_out_ends_that_sessions_streams_only(shop: Shop) -> None:
    push = Push(shop.state)

    async def run() -> tuple[list[str], str]:
        mine = push.stream(TRADER, session="mine")
        other = push.stream(TRADER, session="other")
        await anext(mine)
        await anext(other)
        got_mine = asyncio.ensure_future(anext(mine))
        got_other = asyncio.ensure_future(anext(other))
        await asyncio.sleep(0)
        push.end_session("mine")
        texts = [await asyncio.wait_for(got_mine, 1)]
        texts += [text async for text in mine]  # what it says after that, if anything
        push([recorded(TicketAccepted(order_id="T-00000007"))])
        still = await asyncio.wait_for(got_other, 1)
        push.close()
        return texts, still

    ended, still = asyncio.run(run())
    assert ended == ["event: ended\ndata: {}\n\n"]  # and nothing after it
    assert still.startswith("event: change") and "T-00000007" in still


def test_a_stream_starts_by_saying_the_position_it_starts_from() -> None:
    position = [41]
    push = Push(Shop().state, lambda: position[0])

    async def first(who: Principal) -> str:
        stream = push.stream(who)
        text = await anext(stream)
        await stream.aclose()
        return text

    text = asyncio.run(first(SERVICE))
    assert text.startswith("retry:")
    hello = text.split("event: hello\ndata: ", 1)[1]
    assert json.loads(hello.split("\n", 1)[0]) == {"position": 41}
    position[0] = 57  # a commit later: the next page's stream starts past it
    assert '"position": 57' in asyncio.run(first(SERVICE))


def test_retail_reference_data_is_pushed_to_no_page() -> None:
    shop = Shop().seed()  # its locations, SKUs and stock, defined through the journal
    reference = [recorded(e, n) for n, e in enumerate(shop.journal, 1)
                 if type(e).__name__ in ("LocationDefined", "SkuDefined")]
    assert reference
    assert heard(Push(shop.state), Principal("root", "admin"), reference) == []
