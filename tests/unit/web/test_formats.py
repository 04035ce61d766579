"""Amounts on the pages read as the domain holds them: never rounded to a value they are not."""

from __future__ import annotations

from decimal import Decimal

from openoms.web.formats import money, when


def test_an_amount_shows_two_decimals_or_all_it_has() -> None:
    assert money(Decimal("90")) == "90.00"
    assert money("1234.5") == "1,234.50"
    assert money(Decimal("10.005")) == "10.005"  # a 4-decimal price is not shown as 10.00
    assert money(None) == ""


def test_a_time_shows_to_the_second() -> None:
    assert when("2026-12-02T04:39:13.512000+00:00") == "2026-12-02 04:39:13"
    assert when(None) == ""
