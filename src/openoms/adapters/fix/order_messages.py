"""Client order messages read into the desk's commands: NewOrderSingle (D), OrderCancelRequest
(F), OrderCancelReplaceRequest (G). Pure: a FixMessage in, a command out, or a ``FieldError``
naming the tag at fault (the application answers it with a reject the client can read).

Tags read: 11 ClOrdID, 41 OrigClOrdID, 37 OrderID, 1 Account, 55 Symbol, 54 Side (1, 2, 5),
38 OrderQty, 40 OrdType (1-4), 44 Price, 99 StopPx, 59 TimeInForce (0, 1, 3, 4, 6; default 0),
126 ExpireTime, 58 Text, 60 TransactTime, 97 PossResend.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from openoms.adapters.fix.codec import FixMessage
from openoms.adapters.fix.fixtime import parse_utc
from openoms.adapters.fix.reports import ORD_TYPE, SIDE, TIF
from openoms.trading.domain import commands as cmd
from openoms.trading.domain.model import Handling, OrdType, Side, Source, TimeInForce

SIDES: dict[str, Side] = {code: side for side, code in SIDE.items()}
ORD_TYPES: dict[str, OrdType] = {code: ord_type for ord_type, code in ORD_TYPE.items()}
TIFS: dict[str, TimeInForce] = {code: tif for tif, code in TIF.items()}

T = TypeVar("T")


class FieldError(ValueError):
    """A field is missing or holds a value the desk cannot use."""

    def __init__(self, tag: int, text: str) -> None:
        super().__init__(text)
        self.tag = tag
        self.text = text


def required(message: FixMessage, tag: int, name: str) -> str:
    """Return the text of tag.

    Raises:
        FieldError: the tag is missing or empty.
    """
    value = message.text(tag)
    if not value:
        raise FieldError(tag, f"{name} ({tag}) is required")
    return value


def _decimal(message: FixMessage, tag: int, name: str) -> Decimal | None:
    value = message.text(tag)
    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise FieldError(tag, f"{name} ({tag}) is not a number: {value!r}") from None
    if not number.is_finite():
        raise FieldError(tag, f"{name} ({tag}) must be finite")
    return number


def _code(message: FixMessage, tag: int, name: str, codes: dict[str, T],
          default: str | None = None) -> T:
    value = message.text(tag, default)
    if value is None or value == "":
        raise FieldError(tag, f"{name} ({tag}) is required")
    if value not in codes:
        raise FieldError(tag, f"{name} ({tag}) {value!r} is not supported; use one of "
                              f"{', '.join(sorted(codes))}")
    return codes[value]


def timestamp(message: FixMessage, tag: int) -> datetime | None:
    """Return a UTCTimestamp field as an aware datetime, None if absent or unreadable."""
    return parse_utc(message.get(tag))


def poss_resend(message: FixMessage) -> bool:
    return message.get(97) == b"Y"


def _prices(message: FixMessage, ord_type: OrdType) -> tuple[Decimal | None, Decimal | None]:
    limit_px = _decimal(message, 44, "Price")
    stop_px = _decimal(message, 99, "StopPx")
    if ord_type.has_limit and limit_px is None:
        raise FieldError(44, f"Price (44) is required for OrdType {ORD_TYPE[ord_type]}")
    if ord_type.has_stop and stop_px is None:
        raise FieldError(99, f"StopPx (99) is required for OrdType {ORD_TYPE[ord_type]}")
    return (limit_px if ord_type.has_limit else None), (stop_px if ord_type.has_stop else None)


def _expiry(message: FixMessage, tif: TimeInForce) -> datetime | None:
    if tif is not TimeInForce.GTD:
        return None
    expire_at = timestamp(message, 126)
    if expire_at is None:
        raise FieldError(126, "ExpireTime (126) is required for TimeInForce 6 (GTD)")
    return expire_at


def new_order(message: FixMessage, account_id: str, handling: Handling) -> cmd.SubmitTicket:
    """Read a NewOrderSingle (35=D) into the command that captures it for account_id.

    Raises:
        FieldError: a required or conditionally required field is missing or unusable.
    """
    cl_ord_id = required(message, 11, "ClOrdID")
    symbol = required(message, 55, "Symbol")
    side = _code(message, 54, "Side", SIDES)
    qty = _decimal(message, 38, "OrderQty")
    if qty is None:
        raise FieldError(38, "OrderQty (38) is required")
    ord_type = _code(message, 40, "OrdType", ORD_TYPES)
    limit_px, stop_px = _prices(message, ord_type)
    tif = _code(message, 59, "TimeInForce", TIFS, default="0")
    return cmd.SubmitTicket(
        account_id=account_id, symbol=symbol, side=side, qty=qty, ord_type=ord_type, tif=tif,
        limit_px=limit_px, stop_px=stop_px, expire_at=_expiry(message, tif), cl_ord_id=cl_ord_id,
        source=Source.FIX, handling=handling, text=message.text(58, "") or "")


def cancel_request(message: FixMessage, order_id: str) -> cmd.RequestCancel:
    """Read an OrderCancelRequest (35=F) for the desk's order_id.

    Raises:
        FieldError: ClOrdID is missing.
    """
    return cmd.RequestCancel(order_id=order_id, cl_ord_id=required(message, 11, "ClOrdID"))


def replace_request(message: FixMessage, order_id: str, ord_type: OrdType) -> cmd.RequestReplace:
    """Read an OrderCancelReplaceRequest (35=G) for the desk's order_id of ord_type.

    The desk replaces quantity, prices and time in force; OrdType and Side stay, and a
    field left out keeps the order's value.

    Raises:
        FieldError: ClOrdID missing, OrdType changed, a price the OrdType needs missing.
    """
    cl_ord_id = required(message, 11, "ClOrdID")
    if _code(message, 40, "OrdType", ORD_TYPES, default=ORD_TYPE[ord_type]) is not ord_type:
        raise FieldError(40, "OrdType (40) cannot be changed by a replace")
    limit_px, stop_px = _prices(message, ord_type)
    # Without TimeInForce the order keeps its own: a GTC order does not turn DAY by omission.
    tif = _code(message, 59, "TimeInForce", TIFS) if message.get(59) is not None else None
    return cmd.RequestReplace(order_id=order_id, cl_ord_id=cl_ord_id,
                              qty=_decimal(message, 38, "OrderQty"), limit_px=limit_px,
                              stop_px=stop_px, tif=tif,
                              expire_at=_expiry(message, tif) if tif else None)
