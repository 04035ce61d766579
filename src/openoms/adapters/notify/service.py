"""Wiring of notifications: the outbox on the engine, its transports and dispatcher.

``start_notifications(runtime)`` after ``start_runtime``; ``await notifications.stop()``
before the engine stops, so the outcome of the last attempts rides its final commit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, Protocol

import httpx

from openoms.adapters.notify.dispatch import Dispatcher, Transport
from openoms.adapters.notify.outbox import Kind, Message, Outbox, RetryPolicy
from openoms.adapters.notify.topics import SubscriberNotices
from openoms.adapters.notify.transports import FileTransport, SmtpTransport, WebhookTransport
from openoms.adapters.notify.vendors import VendorConfig, VendorNotices
from openoms.adapters.sql.store import SqlStore
from openoms.commerce.module import CommerceModel
from openoms.core.clock import Clock
from openoms.core.engine import Engine
from openoms.core.events import Recorded
from openoms.settings import Settings

_log = logging.getLogger("openoms.outbox")


class NotifyRuntime(Protocol):
    """What notifications need of the running OpenOMS (bootstrap's Runtime)."""

    settings: Settings
    store: SqlStore
    engine: Engine
    commerce: CommerceModel
    clock: Clock


class Notifications:
    """The running outbox: stop it before the engine."""

    def __init__(self, outbox: Outbox, dispatcher: Dispatcher, client: httpx.AsyncClient,
                 grace: float, smtp: SmtpTransport | None = None) -> None:
        self.outbox = outbox
        self.dispatcher = dispatcher
        self._client = client
        self._grace = grace
        self._smtp = smtp

    async def stop(self) -> None:
        """Stop delivering (attempts under way get a grace period); close connections."""
        await self.dispatcher.stop(self._grace)
        await self._client.aclose()
        if self._smtp is not None:
            await asyncio.to_thread(self._smtp.close)


def start_notifications(runtime: NotifyRuntime, *,
                        transports: dict[Kind, Transport] | None = None) -> Notifications:
    """Put the outbox on the engine and start delivering (on the running loop).

    transports replaces the real ones by kind (tests).
    """
    settings = runtime.settings
    state = runtime.commerce.state
    vendors = VendorNotices(state, VendorConfig(
        mail_from=settings.smtp_from, webhook_secret=settings.vendor_webhook_secret,
        x12_dir=settings.data_dir.resolve() / "x12", sender_id=settings.x12_sender_id))
    subscribers = SubscriberNotices(state)
    owns = runtime.commerce.owns

    def derive(recorded: Recorded) -> Sequence[Message]:
        if not owns(recorded.event):  # the trading desk's events: nothing to tell
            return ()
        return [*vendors(recorded), *subscribers(recorded)]

    if not settings.vendor_webhook_secret:
        _log.warning("vendor_webhook_secret is not set: vendor webhooks go out unsigned")
    outbox = Outbox(runtime.engine, derive)
    client = httpx.AsyncClient(timeout=settings.outbox_timeout_seconds, follow_redirects=False)
    smtp = SmtpTransport(settings.smtp_host, settings.smtp_port,
                         timeout=settings.outbox_timeout_seconds)
    chosen: dict[Kind, Transport] = {
        Kind.EMAIL: smtp,
        Kind.WEBHOOK: WebhookTransport(client),
        Kind.X12: FileTransport(),
    }
    chosen.update(transports or {})
    store, clock = runtime.store, runtime.clock

    def load(limit: int) -> Sequence[dict[str, Any]]:
        return store.pending_outbox(limit, now=clock.now())

    dispatcher = Dispatcher(
        outbox, chosen, runtime.clock, load,
        policy=RetryPolicy(max_attempts=settings.outbox_max_attempts,
                           base=settings.outbox_backoff_seconds,
                           cap=settings.outbox_backoff_max_seconds),
        batch=settings.outbox_batch, timeout=settings.outbox_timeout_seconds,
        poll=settings.outbox_poll_seconds)
    dispatcher.start()
    return Notifications(outbox, dispatcher, client, grace=settings.outbox_timeout_seconds,
                         smtp=smtp)
