"""Pre-trade risk: order size, order notional, open notional, price collar, restrictions.

Limits live on the account (per client) and on the instrument; None means no limit. A check
either passes or raises RiskRejected naming the limit; it never changes anything.
"""

from __future__ import annotations

from decimal import Decimal

from openoms.core.errors import RiskRejected
from openoms.core.money import ZERO
from openoms.trading.domain.model import Account, Instrument, OrderTerms


def order_price(terms: OrderTerms, instrument: Instrument) -> Decimal:
    """Price used to value an order: its limit, else its stop, else the reference price."""
    return terms.limit_px or terms.stop_px or instrument.reference_price


def check_order(account: Account, instrument: Instrument, terms: OrderTerms, *,
                open_notional: Decimal, previous_exposure: Decimal = ZERO) -> None:
    """Check one order (new, or replacing one whose exposure was previous_exposure).

    Raises:
        RiskRejected: with the limit's name and a reason a trader can act on.
    """
    symbol = instrument.symbol
    if instrument.restricted:
        raise RiskRejected(f"{symbol} is a restricted instrument", limit="restricted_instrument",
                           field="symbol")
    if symbol in account.restricted_symbols:
        raise RiskRejected(f"{symbol} is restricted for account {account.account_id}",
                           limit="restricted_instrument", field="symbol")
    for limit, owner in ((account.max_order_qty, "account"), (instrument.max_order_qty,
                                                              "instrument")):
        if limit is not None and terms.qty > limit:
            raise RiskRejected(f"quantity {terms.qty} exceeds the {owner} maximum of {limit}",
                               limit="max_order_qty", field="qty")
    px = order_price(terms, instrument)
    notional = terms.qty * px
    if account.max_order_notional is not None and notional > account.max_order_notional:
        raise RiskRejected(
            f"order notional {notional} exceeds the account maximum of "
            f"{account.max_order_notional}", limit="max_order_notional", field="qty")
    if account.max_open_notional is not None:
        total = open_notional - previous_exposure + notional
        if total > account.max_open_notional:
            raise RiskRejected(
                f"open notional would be {total}, over the account maximum of "
                f"{account.max_open_notional}", limit="max_open_notional", field="qty")
    collar = instrument.price_collar_pct
    if collar is not None:
        ref = instrument.reference_price
        band = ref * collar / Decimal(100)
        for name, price in (("limit_px", terms.limit_px), ("stop_px", terms.stop_px)):
            if price is not None and not ref - band <= price <= ref + band:
                raise RiskRejected(
                    f"{name} {price} is outside the {collar}% collar around the reference "
                    f"price {ref} ({ref - band} to {ref + band})", limit="price_collar",
                    field=name)
