"""Decimal quantities and prices: parsing, tick and lot checks, exact averages. Never floats."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from openoms.core.errors import ValidationError

ZERO = Decimal(0)


def to_decimal(value: object, *, field: str) -> Decimal:
    """Turn a str/int/Decimal into a finite Decimal.

    Raises:
        ValidationError: floats, non-numbers, NaN and infinities.
    """
    if isinstance(value, (bool, float)):
        raise ValidationError(f"{field} must be a decimal string or an integer", field=field)
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{field} is not a number: {value!r}", field=field) from None
    if not result.is_finite():
        raise ValidationError(f"{field} must be finite", field=field)
    return result


def require_positive(value: Decimal, *, field: str) -> Decimal:
    """Return value if it is > 0.

    Raises:
        ValidationError: zero or negative.
    """
    if value <= ZERO:
        raise ValidationError(f"{field} must be greater than zero, got {value}", field=field)
    return value


def is_multiple(value: Decimal, step: Decimal) -> bool:
    """Tell whether value is a whole multiple of step (a tick or a lot)."""
    return step > ZERO and value % step == ZERO


def average(notional: Decimal, qty: Decimal) -> Decimal:
    """Return notional / qty exactly enough for display (28 significant digits), 0 if qty is 0."""
    if qty == ZERO:
        return ZERO
    return (notional / qty).normalize() if notional % qty == ZERO else notional / qty


def fmt(value: Decimal | None) -> str | None:
    """Render a Decimal without exponent for JSON and the journal."""
    if value is None:
        return None
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
