"""Real counterparts for the notification tests: an SMTP server (aiosmtpd), an HTTP server
that records what it is sent and answers as scripted, and a running OpenOMS with the outbox
wired as bootstrap wires it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from openoms.adapters.notify.service import Notifications
from openoms.bootstrap import Runtime, start_runtime, stop_runtime
from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain.model import (
    Address,
    Channel,
    Customer,
    LineRequest,
    LocationKind,
)
from openoms.core.events import Command, Context, Recorded
from openoms.settings import Settings, load_settings

from peers import (  # noqa: F401 (re-exported for the notification tests)
    Hit,
    HookServer,
    Inbox,
    MailServer,
    free_port,
    serve_hooks,
    start_mail_server,
)

VENDOR_SECRET = "vendor-secret-0123456789"
STAFF = Context(actor="carol", source="api", role="customer_service")
D = Decimal
CUSTOMER = Address(name="Ann Smith", line1="100 Hennepin Ave", city="Minneapolis",
                   region="MN", postal_code="55401", country="US", phone="+16125550100",
                   latitude=D("44.98"), longitude=D("-93.27"))


# ---------------------------------------------------------------- OpenOMS


def settings_for(db_url: str, data_dir: Path, smtp_port: int, **changes: Any) -> Settings:
    values: dict[str, Any] = dict(
        data_dir=data_dir, database_url=db_url, day_end_enabled=False, fix_enabled=False,
        smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_from="orders@shop.example",
        vendor_webhook_secret=VENDOR_SECRET, outbox_backoff_seconds=0.05,
        outbox_backoff_max_seconds=1.0, outbox_poll_seconds=0.2, outbox_timeout_seconds=5.0)
    values.update(changes)
    return load_settings(None, **values)


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[tuple[Runtime, Notifications]]:
    """OpenOMS with its outbox, as bootstrap wires it (start_runtime starts the delivery)."""
    runtime = await start_runtime(settings)
    try:
        assert runtime.notifications is not None
        yield runtime, runtime.notifications
    finally:
        await stop_runtime(runtime)


async def run(runtime: Runtime, command: Command) -> list[Recorded]:
    return await runtime.engine.execute(command, STAFF)


def seed_commands(hooks: HookServer) -> list[Command]:
    """A store, and a drop-ship vendor told by e-mail, webhook and X12; what each sells."""
    return [
        cmd.DefineLocation(location_id="MPLS", name="Minneapolis", kind=LocationKind.STORE,
                           address=Address(line1="1 Main St", city="Minneapolis",
                                           postal_code="55401", country="US"),
                           latitude=D("44.9778"), longitude=D("-93.2650")),
        cmd.DefineLocation(location_id="ACME", name="Acme Outdoor", kind=LocationKind.VENDOR,
                           address=Address(line1="9 Lake Ave", city="Duluth",
                                           postal_code="55802", country="US"),
                           latitude=D("46.7867"), longitude=D("-92.1005"),
                           email="po@acme.example", webhook_url=hooks.url("/acme"), x12=True),
        cmd.DefineSku(sku="TEE", name="T-shirt"),
        cmd.DefineSku(sku="KAYAK", name="Kayak Ten", stocked=False, vendor_id="ACME",
                      vendor_sku="AC-K10", cost=D("300.00")),
        cmd.ReceiveStock(sku="TEE", location_id="MPLS", qty=10),
    ]


def order(*lines: tuple[str, int], key: str | None = None) -> cmd.CaptureOrder:
    return cmd.CaptureOrder(
        channel=Channel.WEB, idempotency_key=key,
        customer=Customer(name="Ann Smith", email="ann@example.com"), ship_to=CUSTOMER,
        lines=tuple(LineRequest(sku=sku, qty=qty, unit_price=D("10")) for sku, qty in lines))


async def eventually(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Wait until check() is truthy; return it (fail after timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {check}")
        await asyncio.sleep(0.02)


def outbox_rows(db_url: str) -> list[dict[str, Any]]:
    """Every outbox row, read straight from the database."""
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT message_id, kind, topic, target, status, attempts, last_error "
                "FROM outbox ORDER BY message_id"))
            return [dict(row._mapping) for row in rows]
    finally:
        engine.dispose()
