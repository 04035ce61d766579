"""How the pages write amounts and times: one place, so the same value reads the same on
every page."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal


def money(value: Decimal | str | None) -> str:
    """An amount for people: two decimals, more only when the amount has them (a price may
    have four: 10.005 is never shown as 10.00, which it is not), or '' for none."""
    if value is None:
        return ""
    amount = Decimal(value)
    return f"{amount:,.2f}" if amount == round(amount, 2) else f"{amount:,}"


def when(value: datetime | str | None) -> str:
    """A timestamp to the second, as recorded (UTC), or '' for none."""
    if value is None:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.strftime("%Y-%m-%d %H:%M:%S")
