"""Events out: retail events posted, as topics, to the webhook subscriptions of the retail
state (``SubscribeWebhook``), signed with each subscription's secret.

A subscription names the topics it wants (``*`` is every topic). The body is the event as
JSON with its envelope; the ``X-OpenOMS-Signature`` header is ``sha256=`` and the hex
HMAC-SHA256 of the exact body under the subscription's secret.
"""

from __future__ import annotations

import json
from typing import Any

from openoms.adapters.notify.outbox import Kind, Message
from openoms.adapters.notify.vendors import message_id, signature
from openoms.commerce.domain import events as ev
from openoms.commerce.domain.events import EVERYTHING, TOPICS
from openoms.commerce.domain.state import CommerceState
from openoms.core.codec import encode
from openoms.core.events import Recorded


class SubscriberNotices:
    """Derives the webhook messages of a retail event (an outbox ``Derive``)."""

    def __init__(self, state: CommerceState) -> None:
        self._state = state

    def __call__(self, recorded: Recorded) -> list[Message]:
        topic = TOPICS.get(type(recorded.event))
        if topic is None or not self._state.subscriptions:
            return []
        wanted = [s for s in self._state.subscriptions.values()
                  if s.active and (topic in s.topics or EVERYTHING in s.topics)]
        if not wanted:
            return []
        body = self._body(recorded, topic)
        out = []
        for subscription in wanted:
            mid = message_id(recorded, "sub", subscription.subscription_id)
            payload = json.dumps({"id": mid, **body}, separators=(",", ":"))
            out.append(Message(
                message_id=mid, kind=Kind.WEBHOOK, topic=topic, target=subscription.url,
                payload=payload, next_attempt_at=recorded.recorded_time,
                created_at=recorded.recorded_time,
                headers={"Content-Type": "application/json", "X-OpenOMS-Topic": topic,
                         "X-OpenOMS-Message-Id": mid, "Idempotency-Key": mid,
                         "X-OpenOMS-Subscription": subscription.subscription_id,
                         "X-OpenOMS-Signature": signature(subscription.secret,
                                                          payload.encode())}))
        return out

    def _body(self, recorded: Recorded, topic: str) -> dict[str, Any]:
        event = recorded.event
        body: dict[str, Any] = {
            "topic": topic, "event_type": type(event).__name__, "position": recorded.position,
            "occurred_at": recorded.event_time.isoformat(),
            "recorded_at": recorded.recorded_time.isoformat(), "data": encode(event)}
        if isinstance(event, ev.OrderEvent):
            order = self._state.orders[event.order_id]
            body["order"] = {"order_id": order.order_id, "status": order.status.value,
                             "channel": order.channel.value,
                             "channel_order_id": order.channel_order_id}
        elif isinstance(event, ev.StockEvent):
            stock = self._state.stock_of(event.sku, event.location_id)
            body["stock"] = {"sku": event.sku, "location_id": event.location_id,
                             "on_hand": stock.on_hand, "reserved": stock.reserved,
                             "safety_stock": stock.safety_stock,
                             "available": stock.available()}
        return body
