"""A drop-ship vendor hears of its purchase order, after the commit, through every channel it
has: e-mail to a real SMTP server (with the X12 850 attached), a signed webhook to a real
HTTP server, and the 850 file; and of the units the customer cancels. Nothing goes out for a
refused command or a change that never committed. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from openoms.adapters.notify import x12
from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain.model import FulfilmentKind
from openoms.core.errors import NotFound, StorageError

from notifyharness import (
    VENDOR_SECRET,
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


def _mail(mail: MailServer, index: int = 0) -> EmailMessage:
    content = mail.inbox.mails[index].content
    assert isinstance(content, bytes)
    parsed = email.message_from_bytes(content, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_vendor_gets_the_purchase_order_by_mail_webhook_and_x12(
        db_url: str, tmp_path: Path, mail: MailServer, hooks: HookServer) -> None:
    async def scenario() -> str:
        async with running(settings_for(db_url, tmp_path, mail.port)) as (runtime, _):
            for command in seed_commands(hooks):
                await run(runtime, command)
            records = await run(runtime, order(("TEE", 1), ("KAYAK", 2)))
            order_id = records[0].event.order_id
            po = next(f for f in runtime.commerce.state.fulfilments_of(order_id)
                      if f.kind is FulfilmentKind.DROPSHIP)
            await eventually(lambda: mail.inbox.mails and hooks.to("/acme"))
            await eventually(lambda: {r["status"] for r in outbox_rows(db_url)}
                             == {"delivered"})
            return po.fulfilment_id

    po = asyncio.run(scenario())

    # The 850 file, where the vendor's EDI translator picks it up.
    path = tmp_path / "x12" / "outbound" / "ACME" / f"{po}.850"
    document = path.read_text()
    segments = x12.segments(document)
    assert [s for s in segments if s[0] == "BEG"][0][3] == po
    po1 = [s for s in segments if s[0] == "PO1"]
    assert po1 == [["PO1", "2", "2", "EA", "300.00", "PE", "VP", "AC-K10", "BP", "KAYAK"]]

    # The mail: to the vendor, the PO in plain text, the same 850 attached.
    assert len(mail.inbox.mails) == 1
    envelope = mail.inbox.mails[0]
    assert envelope.mail_from == "orders@shop.example"
    assert envelope.rcpt_tos == ["po@acme.example"]
    message = _mail(mail)
    assert message["Subject"] == f"Purchase order {po}"
    assert message["Message-ID"].startswith("<oms-") and po in message["Message-ID"]
    text = message.get_body(("plain",))
    assert text is not None
    body = text.get_content()
    assert "AC-K10" in body and "Kayak Ten" in body and "100 Hennepin Ave" in body
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == [f"{po}.850"]
    assert attachments[0].get_content().decode() == document

    # The webhook: signed with the vendor secret, idempotency key = message id.
    [hit] = hooks.to("/acme")
    assert hit.signed_by(VENDOR_SECRET)
    assert hit.headers["idempotency-key"] == hit.headers["x-openoms-message-id"]
    payload = hit.json()
    assert payload["id"] == hit.headers["idempotency-key"]
    assert payload["topic"] == "purchase_order.created"
    assert payload["purchase_order"]["po_number"] == po
    assert payload["purchase_order"]["lines"] == [
        {"line_id": "2", "sku": "KAYAK", "vendor_sku": "AC-K10", "description": "Kayak Ten",
         "qty": 2, "unit_cost": "300.00"}]
    assert payload["purchase_order"]["ship_to"]["postal_code"] == "55401"

    rows = outbox_rows(db_url)
    assert sorted(r["kind"] for r in rows) == ["email", "webhook", "x12"]
    assert all(r["attempts"] == 1 and r["topic"] == "purchase_order.created" for r in rows)


def test_vendor_hears_of_the_units_the_customer_cancels(
        db_url: str, tmp_path: Path, mail: MailServer, hooks: HookServer) -> None:
    async def scenario() -> str:
        async with running(settings_for(db_url, tmp_path, mail.port)) as (runtime, _):
            for command in seed_commands(hooks):
                await run(runtime, command)
            records = await run(runtime, order(("KAYAK", 3)))
            order_id = records[0].event.order_id
            await eventually(lambda: len(hooks.to("/acme")) == 1)
            await run(runtime, cmd.CancelOrder(order_id=order_id, reason="changed my mind"))
            await eventually(lambda: len(hooks.to("/acme")) == 2 and len(mail.inbox.mails) == 2)
            return f"{order_id}-1"

    po = asyncio.run(scenario())
    change = hooks.to("/acme")[1]
    assert change.signed_by(VENDOR_SECRET)
    assert change.headers["x-openoms-topic"] == "purchase_order.canceled"
    [line] = change.json()["purchase_order"]["canceled"]
    assert (line["sku"], line["qty"], line["qty_left"]) == ("KAYAK", 3, 0)
    assert _mail(mail, 1)["Subject"] == f"Purchase order {po} canceled"
    [change_file] = (tmp_path / "x12" / "outbound" / "ACME").glob("*.860")
    poc = [s for s in x12.segments(change_file.read_text()) if s[0] == "POC"]
    assert poc[0][:4] == ["POC", "1", "DI", "0"]
    # Each message has its own id; the cancellation's differs from the order's.
    ids = [hit.headers["x-openoms-message-id"] for hit in hooks.to("/acme")]
    assert len(set(ids)) == 2


def test_refused_command_sends_nothing(db_url: str, tmp_path: Path, mail: MailServer,
                                       hooks: HookServer) -> None:
    async def scenario() -> None:
        async with running(settings_for(db_url, tmp_path, mail.port)) as (runtime, _):
            for command in seed_commands(hooks):
                await run(runtime, command)
            with pytest.raises(NotFound):  # an unknown SKU: the whole order is refused
                await run(runtime, order(("KAYAK", 1), ("NOPE", 1)))
            await runtime.engine.barrier()
            await asyncio.sleep(0.3)

    asyncio.run(scenario())
    assert hooks.hits == [] and mail.inbox.mails == []
    assert outbox_rows(db_url) == []
    assert not (tmp_path / "x12").exists()


def test_change_that_never_committed_sends_nothing(db_url: str, tmp_path: Path,
                                                   mail: MailServer, hooks: HookServer) -> None:
    async def scenario() -> None:
        async with running(settings_for(db_url, tmp_path, mail.port)) as (runtime, _):
            for command in seed_commands(hooks):
                await run(runtime, command)

            def disk_full(batch: object) -> None:
                raise OSError("no space left on device")

            runtime.store.write = disk_full  # type: ignore[method-assign]
            with pytest.raises(StorageError):
                await run(runtime, order(("KAYAK", 1)))
            await asyncio.sleep(0.3)

    asyncio.run(scenario())
    assert hooks.hits == [] and mail.inbox.mails == []
    assert outbox_rows(db_url) == []
