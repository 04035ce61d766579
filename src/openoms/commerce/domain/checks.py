"""Checks shared by the retail decisions: ids, texts, addresses and reference lookups."""

from __future__ import annotations

import re
from decimal import Decimal

from openoms.commerce.domain.model import Address, CommerceOrder, Fulfilment, Location, Sku
from openoms.commerce.domain.state import CommerceState
from openoms.core.errors import NotFound, UnknownOrder, ValidationError

MAX_TEXT = 500


# A stock stream is ``stock:SKU@LOCATION`` and the journal's stream ids hold 128 characters.
MAX_ID = 56
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def require_id(value: str, field: str) -> None:
    """Raise ValidationError unless value is 1-56 letters, digits, '.', '_' or '-'."""
    if len(value) > MAX_ID or _ID.fullmatch(value) is None:
        raise ValidationError(f"{field} must be 1-{MAX_ID} letters, digits, '.', '_' or '-', "
                              "starting with a letter or digit", field=field)


def require_text(value: str, field: str) -> str:
    """Return value stripped; raise ValidationError if it is empty or too long."""
    text = value.strip()
    if not text or len(text) > MAX_TEXT:
        raise ValidationError(f"{field} must be 1-{MAX_TEXT} characters", field=field)
    return text


def check_address(address: Address, field: str) -> None:
    """Raise ValidationError naming the first unusable part of a postal address."""
    for part in ("line1", "city", "postal_code"):
        if not getattr(address, part).strip():
            raise ValidationError(f"{field}.{part} is required", field=f"{field}.{part}")
    country = address.country
    if len(country) != 2 or not country.isalpha() or not country.isupper():
        raise ValidationError(f"{field}.country must be a 2-letter ISO code such as US",
                              field=f"{field}.country")
    if (address.latitude is None) != (address.longitude is None):
        raise ValidationError(f"{field}: give both latitude and longitude, or neither",
                              field=f"{field}.latitude")
    if address.latitude is not None and not Decimal(-90) <= address.latitude <= Decimal(90):
        raise ValidationError(f"{field}.latitude must be within -90..90",
                              field=f"{field}.latitude")
    if address.longitude is not None and not (Decimal(-180) <= address.longitude
                                              <= Decimal(180)):
        raise ValidationError(f"{field}.longitude must be within -180..180",
                              field=f"{field}.longitude")


def require_location(s: CommerceState, location_id: str, *,
                     field: str = "location_id") -> Location:
    location = s.locations.get(location_id)
    if location is None:
        raise NotFound(f"unknown location {location_id!r}", field=field)
    return location


def require_sku(s: CommerceState, sku: str, *, field: str = "sku") -> Sku:
    item = s.skus.get(sku)
    if item is None:
        raise NotFound(f"unknown SKU {sku!r}", field=field)
    return item


def require_order(s: CommerceState, order_id: str) -> CommerceOrder:
    order = s.orders.get(order_id)
    if order is None:
        raise UnknownOrder(f"unknown order {order_id!r}", field="order_id")
    return order


def require_fulfilment(s: CommerceState, fulfilment_id: str) -> Fulfilment:
    fulfilment = s.fulfilments.get(fulfilment_id)
    if fulfilment is None:
        raise UnknownOrder(f"unknown fulfilment order {fulfilment_id!r}",
                           field="fulfilment_id")
    return fulfilment
