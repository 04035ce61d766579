"""Commands with a NUL character in any text are refused before the engine decides them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openoms.commerce.domain import commands as retail
from openoms.commerce.domain.model import Address, Channel, Customer, LineRequest
from openoms.core.errors import ValidationError
from openoms.core.storable import check_storable
from openoms.trading.domain import commands as trading
from openoms.trading.domain.model import OrdType, Side, Source


def _capture(name: str = "Ann", sku: str = "TEE", city: str = "Minneapolis"
             ) -> retail.CaptureOrder:
    return retail.CaptureOrder(
        channel=Channel.WEB, customer=Customer(name=name),
        ship_to=Address(line1="1 Main St", city=city, postal_code="55401", country="US"),
        lines=(LineRequest(sku="MUG", qty=1), LineRequest(sku=sku, qty=2)))


def test_check_storable_passes_ordinary_commands() -> None:
    check_storable(_capture())
    check_storable(trading.SubmitTicket(
        account_id="ACME", symbol="AAPL", side=Side.BUY, qty=Decimal(100),
        ord_type=OrdType.LIMIT, limit_px=Decimal("1.5"), source=Source.PHONE, text="tab\tok"))


@pytest.mark.parametrize(("command", "field"), [
    (_capture(name="A\x00nn"), "customer.name"),
    (_capture(sku="T\x00EE"), "lines[1].sku"),
    (_capture(city="\x00"), "ship_to.city"),
    (trading.SubmitTicket(account_id="ACME", symbol="AAPL", side=Side.BUY, qty=Decimal(1),
                          ord_type=OrdType.MARKET, source=Source.FIX, text="x\x00"), "text"),
])
def test_check_storable_names_the_field_holding_nul(command: object, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        check_storable(command)
    assert refused.value.field == field
    assert "NUL" in str(refused.value)
