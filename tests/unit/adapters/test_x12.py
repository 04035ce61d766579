"""X12 to and from vendors: the 850 and 860 we write (envelopes, counts, control numbers) and
the 856 ship notice we read."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from openoms.adapters.notify import x12
from openoms.commerce.domain.commands import ShipFulfilment

WHEN = datetime(2026, 11, 23, 15, 4, tzinfo=UTC)
SHIP_TO = x12.Party(name="Ann Smith", line1="100 Hennepin Ave", line2="Apt 4", city="Minneapolis",
                    region="MN", postal_code="55401", country="US")
LINES = [x12.PoLine(line_id="1", qty=2, sku="KAYAK", vendor_sku="AC-K10",
                    unit_cost=Decimal("300.00"), description="Kayak"),
         x12.PoLine(line_id="3", qty=5, sku="PADDLE", description="Paddle")]


def _envelope(control: int = 4711) -> x12.Envelope:
    return x12.Envelope(sender_id="OPENOMS", receiver_id="acme", control=control, when=WHEN)


def _po(control: int = 4711) -> str:
    return x12.purchase_order(_envelope(control), po_number="R7-2", order_id="R7",
                              ship_to=SHIP_TO, vendor=x12.Party(name="Acme Outdoor"),
                              lines=LINES)


def _by_tag(segments: list[list[str]], tag: str) -> list[list[str]]:
    return [s for s in segments if s[0] == tag]


def test_x12_850_envelope_counts_and_control_numbers_match() -> None:
    document = _po()
    segments = x12.segments(document)
    tags = [s[0] for s in segments]
    assert tags[:3] == ["ISA", "GS", "ST"] and tags[-3:] == ["SE", "GE", "IEA"]
    isa, gs, st = segments[0], segments[1], segments[2]
    se, ge, iea = segments[-3], segments[-2], segments[-1]
    assert len(document.splitlines()[0]) == 106  # ISA is fixed width, terminator included
    assert isa[6] == "OPENOMS        " and isa[8] == "ACME           "
    assert isa[9:11] == ["261123", "1504"] and isa[12] == "00401"
    assert isa[13] == "000004711" and iea == ["IEA", "1", "000004711"]
    assert gs[1:4] == ["PO", "OPENOMS", "ACME"] and gs[6] == "4711" and ge == ["GE", "1", "4711"]
    assert gs[8] == "004010" and st[1] == "850"
    assert se[2] == st[2] == "0001"
    # SE01 counts the segments from ST to SE, both included.
    assert int(se[1]) == tags.index("SE") - tags.index("ST") + 1 == 13
    ctt = _by_tag(segments, "CTT")[0]
    assert ctt == ["CTT", "2", "7"]  # PO1 segments, sum of their quantities


def test_x12_850_carries_the_drop_ship_po_ship_to_and_lines() -> None:
    segments = x12.segments(_po())
    assert _by_tag(segments, "BEG")[0] == ["BEG", "00", "DS", "R7-2", "", "20261123"]
    assert _by_tag(segments, "REF")[0] == ["REF", "CO", "R7"]
    assert _by_tag(segments, "N1")[0] == ["N1", "ST", "Ann Smith"]
    assert _by_tag(segments, "N3")[0] == ["N3", "100 Hennepin Ave", "Apt 4"]
    assert _by_tag(segments, "N4")[0] == ["N4", "Minneapolis", "MN", "55401", "US"]
    po1 = _by_tag(segments, "PO1")
    assert po1[0] == ["PO1", "1", "2", "EA", "300.00", "PE", "VP", "AC-K10", "BP", "KAYAK"]
    assert po1[1] == ["PO1", "3", "5", "EA", "", "", "BP", "PADDLE"]  # no cost known


def test_x12_850_is_the_same_document_when_written_again() -> None:
    assert _po() == _po()
    assert x12.segments(_po(control=999_999_999))[0][13] == "999999999"


def test_x12_text_with_separators_cannot_break_the_document() -> None:
    party = x12.Party(name="Evil*Name~ISA>x", line1="1 Main St", city="Duluth",
                      postal_code="55802", country="US")
    document = x12.purchase_order(_envelope(), po_number="R1-1", order_id="R1", ship_to=party,
                                  vendor=x12.Party(name="V"), lines=LINES[:1])
    segments = x12.segments(document)
    assert _by_tag(segments, "N1")[0] == ["N1", "ST", "Evil Name ISA x"]
    assert int(_by_tag(segments, "SE")[0][1]) == len(segments) - 4  # ISA, GS, GE, IEA


@pytest.mark.parametrize("control", [0, 1_000_000_000])
def test_x12_control_number_out_of_range_is_refused(control: int) -> None:
    with pytest.raises(ValueError, match="control number"):
        _po(control)


def test_x12_860_cancels_lines_and_counts_them() -> None:
    document = x12.purchase_order_change(
        _envelope(4712), po_number="R7-2", order_id="R7",
        canceled=[(LINES[0], 0), (x12.PoLine(line_id="3", qty=2, sku="PADDLE"), 3)],
        everything=False)
    segments = x12.segments(document)
    assert segments[2][:2] == ["ST", "860"] and segments[1][1] == "PC"
    assert _by_tag(segments, "BCH")[0] == ["BCH", "04", "DS", "R7-2", "", "", "20261123"]
    poc = _by_tag(segments, "POC")
    assert poc[0][:6] == ["POC", "1", "DI", "0", "0", "EA"]
    assert poc[1][:6] == ["POC", "3", "QD", "3", "3", "EA"]
    assert _by_tag(segments, "CTT")[0] == ["CTT", "2"]
    assert int(_by_tag(segments, "SE")[0][1]) == len(segments) - 4
    assert segments[-1] == ["IEA", "1", "000004712"]


ASN = (
    "ISA*00*          *00*          *ZZ*ACME           *ZZ*OPENOMS        *261124*0930*U*00401*"
    "000000031*0*P*>~\n"
    "GS*SH*ACME*OPENOMS*20261124*0930*31*X*004010~\n"
    "ST*856*0001~\nBSN*00*SHIP-77*20261124*0930~\n"
    "HL*1**S~\nTD5**2*UPSN*M*UPS Ground~\nREF*CN*1Z999AA10123456784~\n"
    "HL*2*1*O~\nPRF*R7-2~\nHL*3*2*P~\nMAN*CP*PKG1~\n"
    "HL*4**S~\nTD5**2**M*Acme Freight~\nHL*5*4*O~\nPRF*R8-1~\nHL*6*5*P~\nMAN*CP*PKG9~\n"
    "CTT*6~\nSE*19*0001~\nGE*1*31~\nIEA*1*000000031~\n")


def test_x12_856_ship_notice_becomes_ship_fulfilment_commands() -> None:
    assert x12.ship_commands(ASN) == [
        ShipFulfilment(fulfilment_id="R7-2", carrier="UPSN", tracking="1Z999AA10123456784"),
        # no SCAC: the carrier's name; no REF*CN: the package's id
        ShipFulfilment(fulfilment_id="R8-1", carrier="Acme Freight", tracking="PKG9"),
    ]


def test_x12_856_without_a_tracking_number_is_refused() -> None:
    broken = ASN.replace("REF*CN*1Z999AA10123456784~\n", "").replace("MAN*CP*PKG1~\n", "")
    with pytest.raises(x12.X12Error, match="R7-2"):
        x12.ship_notices(broken)


def test_x12_document_that_is_not_an_856_is_refused() -> None:
    with pytest.raises(x12.X12Error, match="no 856"):
        x12.ship_notices(_po())
    with pytest.raises(x12.X12Error, match="ISA"):
        x12.ship_notices("hello")
