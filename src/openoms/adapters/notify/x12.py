"""X12 documents to and from drop-ship vendors: the 850 purchase order and 860 change we send,
the 856 ship notice we read.

A small writer, version 004010: one interchange (ISA/IEA) holding one functional group (GS/GE)
holding one transaction set (ST/SE). Control numbers come from the journal position of the
event that caused the document, so a document written again after a crash is the same
document, byte for byte, and the vendor's translator sees a duplicate, not a second order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from openoms.commerce.domain.commands import ShipFulfilment

ELEMENT = "*"
SEGMENT = "~"
COMPONENT = ">"
VERSION = "004010"


@dataclass(frozen=True, slots=True, kw_only=True)
class Party:
    """A name and postal address (an N1 loop)."""

    name: str
    line1: str = ""
    line2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PoLine:
    """A purchase order line: our line id, units, the vendor's and our item numbers."""

    line_id: str
    qty: int
    sku: str
    vendor_sku: str | None = None
    unit_cost: Decimal | None = None
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Envelope:
    """Who sends to whom, when, and the control number of the interchange."""

    sender_id: str
    receiver_id: str
    control: int  # 1..999,999,999; the ISA13, GS06 of the document
    when: datetime
    test: bool = False


def clean(value: str, limit: int) -> str:
    """Make text safe inside an element: no separators or control characters, at most limit."""
    text = "".join(" " if ch in (ELEMENT, SEGMENT, COMPONENT) or not ch.isprintable()
                   else ch for ch in value)
    return " ".join(text.split())[:limit]


def _segment(tag: str, *elements: str) -> str:
    parts = [tag, *elements]
    while len(parts) > 1 and parts[-1] == "":  # trailing empty elements are left out
        parts.pop()
    return ELEMENT.join(parts) + SEGMENT


def _id(value: str) -> str:
    return clean(value.upper(), 15).ljust(15)


def _wrap(envelope: Envelope, group: str, body: list[str], set_id: str) -> str:
    """Put a transaction set's segments (ST..SE excluded) into ST/SE, GS/GE and ISA/IEA."""
    if not 0 < envelope.control < 1_000_000_000:
        raise ValueError("an X12 control number is 1..999999999")
    control = str(envelope.control)
    when = envelope.when
    st_control = "0001"
    transaction = [_segment("ST", set_id, st_control), *body]
    transaction.append(_segment("SE", str(len(transaction) + 1), st_control))
    isa = _segment(
        "ISA", "00", " " * 10, "00", " " * 10, "ZZ", _id(envelope.sender_id), "ZZ",
        _id(envelope.receiver_id), when.strftime("%y%m%d"), when.strftime("%H%M"), "U",
        "00401", control.zfill(9), "0", "T" if envelope.test else "P", COMPONENT)
    gs = _segment("GS", group, _id(envelope.sender_id).strip(), _id(envelope.receiver_id).strip(),
                  when.strftime("%Y%m%d"), when.strftime("%H%M"), control, "X", VERSION)
    trailer = [_segment("GE", "1", control), _segment("IEA", "1", control.zfill(9))]
    return "\n".join([isa, gs, *transaction, *trailer]) + "\n"


def _party(code: str, party: Party) -> list[str]:
    segments = [_segment("N1", code, clean(party.name, 60))]
    if party.line1:
        segments.append(_segment("N3", clean(party.line1, 55), clean(party.line2, 55)))
    if party.city:
        segments.append(_segment("N4", clean(party.city, 30), clean(party.region, 2),
                                 clean(party.postal_code, 15), clean(party.country, 3)))
    return segments


def _item(line: PoLine) -> list[str]:
    ids = []
    if line.vendor_sku:
        ids += ["VP", clean(line.vendor_sku, 48)]
    ids += ["BP", clean(line.sku, 48)]
    return ids


def purchase_order(envelope: Envelope, *, po_number: str, order_id: str, ship_to: Party,
                   vendor: Party, lines: Sequence[PoLine]) -> str:
    """Write an 850 drop-ship purchase order: ship to the customer, one PO1 per line."""
    body = [_segment("BEG", "00", "DS", clean(po_number, 22), "",
                     envelope.when.strftime("%Y%m%d")),
            _segment("REF", "CO", clean(order_id, 30)),
            *_party("ST", ship_to), *_party("VN", vendor)]
    for line in lines:
        cost = "" if line.unit_cost is None else format(line.unit_cost, "f")
        body.append(_segment("PO1", clean(line.line_id, 20), str(line.qty), "EA", cost,
                             "PE" if cost else "", *_item(line)))
        if line.description:
            body.append(_segment("PID", "F", "", "", "", clean(line.description, 80)))
    body.append(_segment("CTT", str(len(lines)), str(sum(line.qty for line in lines))))
    return _wrap(envelope, "PO", body, "850")


def purchase_order_change(envelope: Envelope, *, po_number: str, order_id: str,
                          canceled: Sequence[tuple[PoLine, int]], everything: bool) -> str:
    """Write an 860 change: lines whose units were canceled (line, units left); everything
    means the whole purchase order is canceled."""
    body = [_segment("BCH", "01" if everything else "04", "DS", clean(po_number, 22), "", "",
                     envelope.when.strftime("%Y%m%d")),
            _segment("REF", "CO", clean(order_id, 30))]
    for line, left in canceled:
        # POC02 DI: delete the item; QD: decrease its quantity. POC03 is the quantity now
        # ordered, POC04 what is left to receive (the same: nothing has shipped).
        body.append(_segment("POC", clean(line.line_id, 20), "DI" if left == 0 else "QD",
                             str(left), str(left), "EA", "", "", *_item(line)))
    body.append(_segment("CTT", str(len(canceled))))
    return _wrap(envelope, "PC", body, "860")


# ---------------------------------------------------------------- inbound


@dataclass(frozen=True, slots=True, kw_only=True)
class ShipNotice:
    """What an 856 says about one purchase order: shipped, by which carrier, which parcel."""

    po_number: str
    carrier: str
    tracking: str


class X12Error(ValueError):
    """The document is not X12 we can read."""


def segments(document: str) -> list[list[str]]:
    """Split a document into segments of elements, using the separators its ISA declares."""
    text = document.lstrip()
    if not text.startswith("ISA") or len(text) < 106:
        raise X12Error("an X12 interchange starts with a 106-character ISA segment")
    element, terminator = text[3], text[105]
    out = []
    for raw in text.split(terminator):
        raw = raw.strip()
        if raw:
            out.append(raw.split(element))
    return out


def ship_notices(document: str) -> list[ShipNotice]:
    """Read an 856: for each shipment level (HL ..S), its carrier (TD5: SCAC, else name),
    its tracking number (REF*CN, else the first package's MAN*CP) and the purchase order
    numbers of its order levels (PRF).

    Raises:
        X12Error: no 856 in the document, or a shipment without carrier or tracking number.
    """
    shipments: list[dict[str, Any]] = []
    in_856 = seen = False
    for seg in segments(document):
        tag, first = seg[0], seg[1] if len(seg) > 1 else ""
        if tag == "ST":
            in_856 = first == "856"
            seen = seen or in_856
            continue
        if not in_856:
            continue
        if tag == "HL" and len(seg) > 3 and seg[3] == "S":
            shipments.append({"carrier": "", "tracking": "", "package": "", "orders": []})
        elif not shipments:
            continue
        current = shipments[-1]
        if tag == "TD5" and len(seg) > 3:
            current["carrier"] = current["carrier"] or seg[3] or (seg[5] if len(seg) > 5
                                                                  else "")
        elif tag == "REF" and first == "CN" and len(seg) > 2:
            current["tracking"] = current["tracking"] or seg[2]
        elif tag == "MAN" and first == "CP" and len(seg) > 2:
            current["package"] = current["package"] or seg[2]
        elif tag == "PRF" and first:
            current["orders"].append(first)
    if not seen:
        raise X12Error("no 856 transaction set in the document")
    notices = []
    for shipment in shipments:
        tracking = shipment["tracking"] or shipment["package"]
        for po_number in shipment["orders"]:
            if not shipment["carrier"] or not tracking:
                raise X12Error(f"856: purchase order {po_number} has no carrier (TD5) or "
                               "tracking number (REF*CN, MAN*CP) in its shipment")
            notices.append(ShipNotice(po_number=po_number, carrier=shipment["carrier"],
                                      tracking=tracking))
    return notices


def ship_commands(document: str) -> list[ShipFulfilment]:
    """The ShipFulfilment commands an 856 asks for (the PO number is our fulfilment id).

    Raises:
        X12Error: see ``ship_notices``.
    """
    return [ShipFulfilment(fulfilment_id=n.po_number, carrier=n.carrier, tracking=n.tracking)
            for n in ship_notices(document)]
