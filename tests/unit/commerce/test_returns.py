"""Returns: authorise shipped units (RMA), receive them, restock or write off."""

from __future__ import annotations

import pytest

from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain.events import LineQty
from openoms.commerce.domain.model import Disposition, OrderStatus
from openoms.core.errors import Conflict, NotFound, ValidationError

from shop import Shop


def _shipped(shop: Shop, qty: int = 2) -> str:
    shop.stock("TEE", "MPLS", qty)
    order_id = shop.order(("TEE", qty)).order_id
    shop.ship(shop.at(order_id, "MPLS").fulfilment_id)
    return order_id


def _authorize(shop: Shop, order_id: str, qty: int) -> str:
    shop.run(cmd.AuthorizeReturn(order_id=order_id, lines=(LineQty(line_id="1", qty=qty),),
                                 reason="too small"))
    return shop.state.orders[order_id].rma_ids[-1]


def _receipt(qty: int, disposition: Disposition = Disposition.RESTOCK,
             line_id: str = "1") -> tuple[cmd.ReturnLineReceipt, ...]:
    return (cmd.ReturnLineReceipt(line_id=line_id, qty=qty, disposition=disposition),)


def test_return_restocked_units_are_back_on_hand_where_they_arrive(shop: Shop) -> None:
    order_id = _shipped(shop)
    rma = _authorize(shop, order_id, 2)
    assert shop.state.returns[rma].reason == "too small"
    shop.run(cmd.ReceiveReturn(rma_id=rma, location_id="WH", lines=_receipt(2)))
    assert shop.on_hand("TEE", "WH").on_hand == 2
    assert shop.on_hand("TEE", "MPLS").on_hand == 0
    assert shop.state.orders[order_id].lines["1"].returned == 2
    assert shop.state.orders[order_id].status is OrderStatus.RETURNED


def test_return_written_off_units_do_not_come_back_into_stock(shop: Shop) -> None:
    order_id = _shipped(shop)
    rma = _authorize(shop, order_id, 1)
    shop.run(cmd.ReceiveReturn(rma_id=rma, location_id="MPLS",
                               lines=_receipt(1, Disposition.WRITE_OFF)))
    assert shop.on_hand("TEE", "MPLS").on_hand == 0
    assert shop.state.orders[order_id].lines["1"].returned == 1
    assert shop.state.orders[order_id].status is OrderStatus.PARTLY_RETURNED


def test_return_of_units_not_shipped_is_refused(shop: Shop) -> None:
    shop.stock("TEE", "MPLS", 2)
    order_id = shop.order(("TEE", 2)).order_id
    with pytest.raises(Conflict, match="0 shipped units"):
        _authorize(shop, order_id, 1)


def test_return_cannot_authorise_a_unit_twice(shop: Shop) -> None:
    order_id = _shipped(shop)
    _authorize(shop, order_id, 2)
    with pytest.raises(Conflict, match="0 shipped units not yet under a return"):
        _authorize(shop, order_id, 1)


def test_return_received_twice_is_refused(shop: Shop) -> None:
    order_id = _shipped(shop)
    rma = _authorize(shop, order_id, 1)
    shop.run(cmd.ReceiveReturn(rma_id=rma, location_id="WH", lines=_receipt(1)))
    before = shop.snapshot()
    with pytest.raises(Conflict, match="received already"):
        shop.run(cmd.ReceiveReturn(rma_id=rma, location_id="WH", lines=_receipt(1)))
    assert shop.snapshot() == before


@pytest.mark.parametrize(("location", "lines", "error", "field"), [
    ("WH", _receipt(3), ValidationError, "lines[0].qty"),
    ("WH", _receipt(1, line_id="2"), ValidationError, "lines[0].line_id"),
    ("WH", (), ValidationError, "lines"),
    ("ACME", _receipt(1), ValidationError, "location_id"),
    ("NOWHERE", _receipt(1), NotFound, "location_id"),
])
def test_return_bad_receipt_is_refused_and_changes_nothing(
        shop: Shop, location: str, lines: tuple[cmd.ReturnLineReceipt, ...],
        error: type[Exception], field: str) -> None:
    order_id = _shipped(shop)
    rma = _authorize(shop, order_id, 2)
    before = shop.snapshot()
    with pytest.raises(error) as info:
        shop.run(cmd.ReceiveReturn(rma_id=rma, location_id=location, lines=lines))
    assert getattr(info.value, "field", None) == field
    assert shop.snapshot() == before


def test_return_restocked_unit_serves_a_waiting_order(shop: Shop) -> None:
    order_id = _shipped(shop, 1)
    waiting = shop.order(("TEE", 1)).order_id
    rma = _authorize(shop, order_id, 1)
    shop.run(cmd.ReceiveReturn(rma_id=rma, location_id="STP", lines=_receipt(1)))
    assert shop.where(waiting) == {"STP": {"TEE": 1}}
    assert shop.reserved_matches_open_fulfilments()


def test_a_returns_number_ends_in_the_callers_random_letters_and_numbers_keep_counting(
        shop: Shop) -> None:
    order_id = _shipped(shop, 3)
    shop.run(cmd.AuthorizeReturn(order_id=order_id, lines=(LineQty(line_id="1", qty=1),),
                                 code="KQXWBT"))
    shop.run(cmd.AuthorizeReturn(order_id=order_id, lines=(LineQty(line_id="1", qty=1),),
                                 code="ABCDEF"))
    assert shop.state.orders[order_id].rma_ids == ("RMA1-KQXWBT", "RMA2-ABCDEF")
    assert "RMA1" not in shop.state.returns  # the number alone finds nothing


@pytest.mark.parametrize("code", ["kqxwbt", "KQX1BT", "KQX-BT", "ÄBCDEF", "A" * 13])
def test_a_return_code_other_than_capital_letters_is_refused(shop: Shop, code: str) -> None:
    order_id = _shipped(shop)
    with pytest.raises(ValidationError, match="capital letters"):
        shop.run(cmd.AuthorizeReturn(order_id=order_id, lines=(LineQty(line_id="1", qty=1),),
                                     code=code))
    assert shop.state.orders[order_id].rma_ids == ()
