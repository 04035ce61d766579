"""What the wire shows of an exact desk quantity: AvgPx rounded for fixed-point engines."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openoms.adapters.fix.codec import encode
from openoms.adapters.fix.reports import wire_avg_px


@pytest.mark.parametrize(("exact", "wire"), [
    ("420.0133333333333333333333333", b"6=420.01333333\x01"),  # 1000 @ .01 + 500 @ .02
    ("220", b"6=220\x01"),
    ("0", b"6=0\x01"),
    ("190.5", b"6=190.5\x01"),
    ("1E+2", b"6=100\x01"),
    ("99.999999995", b"6=100\x01"),
])
def test_avg_px_on_the_wire_has_at_most_eight_decimals_and_no_exponent(exact: str,
                                                                        wire: bytes) -> None:
    assert wire in encode("FIX.4.4", "8", [(6, wire_avg_px(Decimal(exact)))])
