"""Drop-ship vendors hear of their purchase orders: a new one when sourcing sends units to
them (OrderSourced), a change when the customer cancels units of it (FulfilmentLinesCanceled).

Each vendor is told through every channel its Location has: an e-mail (plain text, with the
X12 document attached when the vendor takes X12), a signed JSON webhook, and an X12 file
(850 purchase order, 860 change) under ``<data_dir>/x12/outbound/<vendor>/``. Everything is
built here, from the state right after the event, so the outbox row holds exactly what goes
out on every attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from openoms.adapters.notify import x12
from openoms.adapters.notify.outbox import Kind, Message
from openoms.commerce.domain import events as ev
from openoms.commerce.domain.model import Fulfilment, FulfilmentKind, Location
from openoms.commerce.domain.state import CommerceState
from openoms.core.events import Recorded

CREATED = "purchase_order.created"
CHANGED = "purchase_order.changed"
CANCELED = "purchase_order.canceled"


@dataclass(frozen=True, slots=True, kw_only=True)
class VendorConfig:
    mail_from: str
    webhook_secret: str
    x12_dir: Path  # <data_dir>/x12
    sender_id: str


def signature(secret: str, body: bytes) -> str:
    """The X-OpenOMS-Signature header: ``sha256=`` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def message_id(recorded: Recorded, *parts: str) -> str:
    """A message id made from the event's journal position and the target."""
    return "-".join(("oms", str(recorded.position), *parts))


def safe_name(part: str) -> str:
    """A path component from an id: nothing that could leave the directory."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", part)
    return "_" if name in ("", ".", "..") else name


class VendorNotices:
    """Derives the messages a vendor gets from a retail event (an outbox ``Derive``)."""

    def __init__(self, state: CommerceState, config: VendorConfig) -> None:
        self._state = state
        self._config = config

    def __call__(self, recorded: Recorded) -> list[Message]:
        event = recorded.event
        state = self._state
        out: list[Message] = []
        if isinstance(event, ev.OrderSourced):
            for new in event.fulfilments:
                if new.kind is FulfilmentKind.DROPSHIP:
                    out += self._created(recorded, state.fulfilments[new.fulfilment_id])
        elif isinstance(event, ev.FulfilmentLinesCanceled):
            f = state.fulfilments[event.fulfilment_id]
            if f.kind is FulfilmentKind.DROPSHIP:
                out += self._changed(recorded, f, event.lines)
        return out

    # ------------------------------------------------------------ what the vendor gets

    def _lines(self, f: Fulfilment, qty: dict[str, int] | None = None) -> list[x12.PoLine]:
        lines = []
        for line in f.lines:
            units = line.qty if qty is None else qty.get(line.line_id, 0)
            if units:
                sku = self._state.skus[line.sku]
                lines.append(x12.PoLine(line_id=line.line_id, qty=units, sku=line.sku,
                                        vendor_sku=sku.vendor_sku, unit_cost=sku.cost,
                                        description=sku.name))
        return lines

    def _created(self, recorded: Recorded, f: Fulfilment) -> list[Message]:
        vendor = self._state.locations[f.location_id]
        order = self._state.orders[f.order_id]
        lines = self._lines(f)
        to = order.ship_to
        document = x12.purchase_order(
            self._envelope(recorded, vendor), po_number=f.fulfilment_id, order_id=order.order_id,
            ship_to=x12.Party(name=to.name or order.customer.name, line1=to.line1,
                              line2=to.line2, city=to.city, region=to.region,
                              postal_code=to.postal_code, country=to.country),
            vendor=x12.Party(name=vendor.name), lines=lines)
        body = {"purchase_order": {
            "po_number": f.fulfilment_id, "order_id": order.order_id,
            "vendor_id": vendor.location_id, "currency": order.currency,
            "ship_to": {"name": to.name or order.customer.name, "line1": to.line1,
                        "line2": to.line2, "city": to.city, "region": to.region,
                        "postal_code": to.postal_code, "country": to.country,
                        "phone": to.phone or order.customer.phone},
            "lines": [_line_json(line) for line in lines]}}
        text = "\n".join([
            f"Purchase order {f.fulfilment_id} from {self._config.sender_id} "
            f"(our order {order.order_id}).", "",
            "Please ship directly to our customer:", *_address_lines(body), "",
            *_table(lines), "", f"Total units: {sum(line.qty for line in lines)}", "",
            # Lines under 78 characters: the mail goes 7bit, readable as it is.
            "Please acknowledge this purchase order and send the carrier and tracking",
            "number when it ships. Quote the purchase order number in every reply."])
        return self._send(recorded, vendor, f, CREATED, f"Purchase order {f.fulfilment_id}",
                          text, body, document, f"{safe_name(f.fulfilment_id)}.850")

    def _changed(self, recorded: Recorded, f: Fulfilment,
                 canceled: Sequence[ev.LineQty]) -> list[Message]:
        vendor = self._state.locations[f.location_id]
        gone = {item.line_id: item.qty for item in canceled}
        lines = self._lines(f, gone)
        left = {line.line_id: line.qty for line in f.lines}
        everything = not any(left.values())
        topic = CANCELED if everything else CHANGED
        document = x12.purchase_order_change(
            self._envelope(recorded, vendor), po_number=f.fulfilment_id, order_id=f.order_id,
            canceled=[(line, left.get(line.line_id, 0)) for line in lines],
            everything=everything)
        body = {"purchase_order": {
            "po_number": f.fulfilment_id, "order_id": f.order_id,
            "vendor_id": vendor.location_id, "status": "canceled" if everything else "changed",
            "canceled": [{**_line_json(line), "qty_left": left.get(line.line_id, 0)}
                         for line in lines]}}
        heading = (f"Purchase order {f.fulfilment_id} is canceled: do not ship it." if everything
                   else f"Purchase order {f.fulfilment_id}: our customer canceled these units.\n"
                   "Ship only what is left.")
        text = "\n".join([heading, "", *_table(lines, left)])
        subject = f"Purchase order {f.fulfilment_id} " + ("canceled" if everything
                                                          else "changed: units canceled")
        return self._send(recorded, vendor, f, topic, subject, text, body, document,
                          f"{safe_name(f.fulfilment_id)}-{recorded.position}.860")

    # ------------------------------------------------------------ channels

    def _envelope(self, recorded: Recorded, vendor: Location) -> x12.Envelope:
        return x12.Envelope(sender_id=self._config.sender_id, receiver_id=vendor.location_id,
                            control=recorded.position % 1_000_000_000 or 1,
                            when=recorded.recorded_time)

    def _send(self, recorded: Recorded, vendor: Location, f: Fulfilment, topic: str,
              subject: str, text: str, body: dict[str, Any], document: str,
              filename: str) -> list[Message]:
        def make(kind: Kind, target: str, payload: str, headers: dict[str, str]) -> Message:
            return Message(message_id=message_id(recorded, "po", f.fulfilment_id, kind.value),
                           kind=kind, topic=topic, target=target, payload=payload,
                           headers=headers, next_attempt_at=recorded.recorded_time,
                           created_at=recorded.recorded_time)

        out = []
        if vendor.x12:
            path = self._config.x12_dir / "outbound" / safe_name(vendor.location_id) / filename
            out.append(make(Kind.X12, str(path), document, {}))
        if vendor.email:
            mid = message_id(recorded, "po", f.fulfilment_id, Kind.EMAIL.value)
            mail = _mail(self._config.mail_from, vendor.email, subject, text, mid,
                         recorded.recorded_time,
                         (filename, document) if vendor.x12 else None)
            out.append(make(Kind.EMAIL, vendor.email, mail,
                            {"From": self._config.mail_from, "Subject": subject}))
        if vendor.webhook_url:
            mid = message_id(recorded, "po", f.fulfilment_id, Kind.WEBHOOK.value)
            payload = json.dumps({"id": mid, "topic": topic,
                                  "created_at": recorded.recorded_time.isoformat(), **body},
                                 separators=(",", ":"))
            headers = {"Content-Type": "application/json", "X-OpenOMS-Topic": topic,
                       "X-OpenOMS-Message-Id": mid, "Idempotency-Key": mid}
            if self._config.webhook_secret:
                headers["X-OpenOMS-Signature"] = signature(self._config.webhook_secret,
                                                           payload.encode())
            out.append(make(Kind.WEBHOOK, vendor.webhook_url, payload, headers))
        return out


def _mail(sender: str, to: str, subject: str, text: str, mid: str, when: datetime,
          attachment: tuple[str, str] | None) -> str:
    """The whole RFC 5322 message (CRLF line ends), as ``EmailMessage.as_string`` gives it."""
    domain = sender.rpartition("@")[2] or "openoms.local"
    if attachment is None:
        plain = _plain_mail(sender, to, subject, text, mid, domain, format_datetime(when))
        if plain is not None:
            return plain
    return _mime_mail(sender, to, subject, text, mid, when, attachment)


# What _plain_mail writes itself: addresses of dot-separated atoms, ids, a subject of
# printable ASCII words and text of printable ASCII and line feeds, which the email package
# writes as they are (but for the text's transfer encoding, which is its own). Anything else
# is left to the email package.
_ADDRESS = re.compile(r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
_ID = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
_WORDS = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")
_TEXT = re.compile(r"[\x20-\x7e\n]*")
_MAX_LINE = SMTP.max_line_length or 78  # longer header lines are folded


def _plain_mail(sender: str, to: str, subject: str, text: str, mid: str, domain: str,
                date: str) -> str | None:
    """A one-part plain-text message written directly, byte for byte what the email package
    makes of it (``_mime_mail``) at a fraction of the cost; None if the message needs the
    package (a non-ASCII or long line, an unusual address...)."""
    if not (_ADDRESS.fullmatch(sender) and _ADDRESS.fullmatch(to) and _ID.fullmatch(mid)
            and _ID.fullmatch(domain) and _WORDS.fullmatch(subject) and "=?" not in subject
            and _TEXT.fullmatch(text)):
        return None
    # set_content sends ASCII text 7bit as it is when every line is short; a longer line
    # gets a transfer encoding, which is left to the email package.
    lines = text.split("\n")
    if any(len(line) > _MAX_LINE for line in lines):
        return None
    headers = [f"From: {sender}", f"To: {to}", f"Subject: {subject}", f"Date: {date}",
               f"Message-ID: <{mid}@{domain}>", f"X-OpenOMS-Message-Id: {mid}",
               'Content-Type: text/plain; charset="utf-8"',
               "Content-Transfer-Encoding: 7bit", "MIME-Version: 1.0"]
    if any(len(line) > _MAX_LINE for line in headers):
        return None
    return "\r\n".join(headers) + "\r\n\r\n" + "\r\n".join(lines) + "\r\n"


def _mime_mail(sender: str, to: str, subject: str, text: str, mid: str, when: datetime,
               attachment: tuple[str, str] | None) -> str:
    mail = EmailMessage(policy=SMTP)
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = format_datetime(when)
    domain = sender.rpartition("@")[2] or "openoms.local"
    mail["Message-ID"] = f"<{mid}@{domain}>"
    mail["X-OpenOMS-Message-Id"] = mid
    mail.set_content(text + "\n")
    if attachment is not None:
        name, document = attachment
        mail.add_attachment(document.encode("ascii", "replace"), maintype="application",
                            subtype="edi-x12", filename=name)
    return mail.as_string()


def _line_json(line: x12.PoLine) -> dict[str, Any]:
    return {"line_id": line.line_id, "sku": line.sku, "vendor_sku": line.vendor_sku,
            "description": line.description, "qty": line.qty,
            "unit_cost": None if line.unit_cost is None else format(line.unit_cost, "f")}


def _address_lines(body: dict[str, Any]) -> list[str]:
    to = body["purchase_order"]["ship_to"]
    city = " ".join(part for part in (to["city"] + ",", to["region"], to["postal_code"]) if part)
    return ["  " + part for part in (to["name"], to["line1"], to["line2"], city, to["country"],
                                     to["phone"]) if part]


def _table(lines: Sequence[x12.PoLine], left: dict[str, int] | None = None) -> list[str]:
    head = ["Line", "Your item", "Our SKU", "Description",
            "Qty" if left is None else "Canceled", "Unit cost" if left is None else "Left"]
    rows = [head]
    for line in lines:
        last = ("" if line.unit_cost is None else format(line.unit_cost, "f")) if left is None \
            else str(left.get(line.line_id, 0))
        rows.append([line.line_id, line.vendor_sku or "", line.sku, line.description,
                     str(line.qty), last])
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in rows]
