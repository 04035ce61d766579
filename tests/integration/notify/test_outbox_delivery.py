"""The outbox delivers at least once: retried with back-off under the same message id, given
up after the last attempt, and picked up again after a restart. Retail events reach webhook
subscribers by topic, signed with each subscription's secret. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from openoms.commerce.domain import commands as cmd
from openoms.settings import load_settings

from notifyharness import (
    HookServer,
    MailServer,
    eventually,
    order,
    outbox_rows,
    run,
    running,
    seed_commands,
    settings_for,
)

SUB_SECRET = "subscriber-secret-42-abcdef"


def _subscribe(hooks: HookServer, path: str, *topics: str) -> cmd.SubscribeWebhook:
    return cmd.SubscribeWebhook(subscription_id=f"sub{path.replace('/', '-')}",
                                url=hooks.url(path), topics=topics, secret=SUB_SECRET)


def test_webhook_failing_twice_is_retried_with_the_same_message_id(
        db_url: str, tmp_path: Path, mail: MailServer, hooks: HookServer) -> None:
    hooks.script["/flaky"] = [500, 503]
    settings = settings_for(db_url, tmp_path, mail.port, outbox_backoff_seconds=0.2)

    async def scenario() -> None:
        async with running(settings) as (runtime, _):
            await run(runtime, _subscribe(hooks, "/flaky", "order.created"))
            for command in seed_commands(hooks)[::2]:  # the store, the T-shirt, its stock
                await run(runtime, command)
            await run(runtime, order(("TEE", 1)))
            await eventually(lambda: [r["status"] for r in outbox_rows(db_url)]
                             == ["delivered"])

    started = time.monotonic()
    asyncio.run(scenario())
    hits = hooks.to("/flaky")
    assert len(hits) == 3
    assert len({hit.headers["x-openoms-message-id"] for hit in hits}) == 1
    assert len({hit.headers["idempotency-key"] for hit in hits}) == 1
    assert len({hit.body for hit in hits}) == 1  # the same body, the same signature
    assert all(hit.signed_by(SUB_SECRET) for hit in hits)
    assert [hit.headers["x-openoms-attempt"] for hit in hits] == ["1", "2", "3"]
    assert time.monotonic() - started >= 0.2 + 0.4  # back-off: 0.2 s, then 0.4 s
    [row] = outbox_rows(db_url)
    assert (row["status"], row["attempts"]) == ("delivered", 3)
    assert row["message_id"] == hits[0].headers["x-openoms-message-id"]


def test_webhook_failing_every_time_is_given_up_after_the_last_attempt(
        db_url: str, tmp_path: Path, mail: MailServer, hooks: HookServer) -> None:
    hooks.script["/down"] = [500] * 10
    settings = settings_for(db_url, tmp_path, mail.port, outbox_max_attempts=3)

    async def scenario() -> None:
        async with running(settings) as (runtime, _):
            await run(runtime, _subscribe(hooks, "/down", "order.created"))
            for command in seed_commands(hooks)[::2]:
                await run(runtime, command)
            await run(runtime, order(("TEE", 1)))
            await eventually(lambda: [r["status"] for r in outbox_rows(db_url)] == ["failed"])
            await asyncio.sleep(0.3)  # and no fourth attempt

    asyncio.run(scenario())
    assert len(hooks.to("/down")) == 3
    [row] = outbox_rows(db_url)
    assert row["attempts"] == 3
    assert row["last_error"].startswith("DeliveryError: HTTP 500")


def test_message_pending_at_stop_is_delivered_after_restart(
        db_url: str, tmp_path: Path, mail: MailServer, hooks: HookServer) -> None:
    hooks.script["/later"] = [503] * 2

    async def first_run() -> None:
        # A 3 s back-off: the retry is not due before this run stops.
        settings = settings_for(db_url, tmp_path, mail.port, outbox_backoff_seconds=3.0,
                                outbox_backoff_max_seconds=60.0)
        async with running(settings) as (runtime, _):
            await run(runtime, _subscribe(hooks, "/later", "order.created"))
            for command in seed_commands(hooks)[::2]:
                await run(runtime, command)
            await run(runtime, order(("TEE", 1)))
            await eventually(lambda: [r["attempts"] for r in outbox_rows(db_url)] == [1])

    async def second_run() -> None:
        # Not due yet at start; found by the next look at the database once it is.
        settings = settings_for(db_url, tmp_path, mail.port, outbox_backoff_seconds=0.1)
        async with running(settings):
            await eventually(lambda: [r["status"] for r in outbox_rows(db_url)]
                             == ["delivered"])

    asyncio.run(first_run())
    [row] = outbox_rows(db_url)
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert row["last_error"] == "DeliveryError: HTTP 503 from " + hooks.url("/later")
    asyncio.run(second_run())
    hits = hooks.to("/later")
    assert len(hits) == 3  # 503 before the stop; 503, then 200 after the restart
    assert len({hit.headers["x-openoms-message-id"] for hit in hits}) == 1
    assert [hit.headers["x-openoms-attempt"] for hit in hits] == ["1", "2", "3"]
    assert outbox_rows(db_url)[0]["attempts"] == 3


def test_subscribers_get_the_topics_they_asked_for_signed_with_their_secret(
        db_url: str, tmp_path: Path, mail: MailServer, hooks: HookServer) -> None:
    async def scenario() -> str:
        async with running(settings_for(db_url, tmp_path, mail.port)) as (runtime, _):
            await run(runtime, _subscribe(hooks, "/orders", "order.created", "order.canceled"))
            await run(runtime, _subscribe(hooks, "/stock", "inventory.changed"))
            await run(runtime, cmd.SubscribeWebhook(
                subscription_id="off", url=hooks.url("/off"), topics=("*",),
                secret=SUB_SECRET, active=False))
            for command in seed_commands(hooks)[::2]:
                await run(runtime, command)
            records = await run(runtime, order(("TEE", 2)))
            order_id = records[0].event.order_id
            await run(runtime, cmd.CancelOrder(order_id=order_id))
            await eventually(lambda: len(hooks.to("/orders")) == 2 and hooks.to("/stock"))
            await asyncio.sleep(0.2)
            return str(order_id)

    order_id = asyncio.run(scenario())
    orders = hooks.to("/orders")
    assert [hit.headers["x-openoms-topic"] for hit in orders] == ["order.created",
                                                                  "order.canceled"]
    assert all(hit.signed_by(SUB_SECRET) for hit in orders)
    created = orders[0].json()
    assert created["event_type"] == "OrderCaptured"
    assert created["order"] == {"order_id": order_id, "status": "open", "channel": "web",
                                "channel_order_id": ""}
    assert created["data"]["lines"][0]["sku"] == "TEE"
    assert orders[1].json()["order"]["status"] == "canceled"
    [stock] = hooks.to("/stock")  # the receipt; reservations are not inventory.changed
    assert stock.json()["stock"] == {"sku": "TEE", "location_id": "MPLS", "on_hand": 10,
                                     "reserved": 0, "safety_stock": 0, "available": 10}
    assert hooks.to("/off") == []
    assert not any(hit.signed_by("another-secret-of-16") for hit in hooks.hits)


def test_many_messages_through_a_small_batch_are_each_delivered_once(
        db_url: str, tmp_path: Path, mail: MailServer, hooks: HookServer) -> None:
    """Two at a time, the database read again every 20 ms while outcomes are committing:
    no message is sent twice, none is left behind."""
    settings = settings_for(db_url, tmp_path, mail.port, outbox_batch=2,
                            outbox_poll_seconds=0.02)
    paths = [f"/many{n}" for n in range(6)]

    async def scenario() -> None:
        async with running(settings) as (runtime, _):
            for path in paths:
                await run(runtime, _subscribe(hooks, path, "order.created"))
            for command in seed_commands(hooks)[::2]:
                await run(runtime, command)
            for _ in range(4):
                await run(runtime, order(("TEE", 1)))
            await eventually(lambda: {r["status"] for r in outbox_rows(db_url)} == {"delivered"}
                             and len(outbox_rows(db_url)) == 24)
            await asyncio.sleep(0.3)

    asyncio.run(scenario())
    assert len(hooks.hits) == 24
    assert len({hit.headers["x-openoms-message-id"] for hit in hooks.hits}) == 24
    assert all(len(hooks.to(path)) == 4 for path in paths)


@pytest.mark.parametrize(("name", "value"), [
    ("outbox_batch", 0), ("outbox_max_attempts", 0), ("outbox_backoff_seconds", 0),
    ("outbox_poll_seconds", "nan")])
def test_outbox_settings_that_would_stall_delivery_are_refused(name: str, value: object) -> None:
    with pytest.raises(ValueError, match=name):
        load_settings(None, **{name: value})
