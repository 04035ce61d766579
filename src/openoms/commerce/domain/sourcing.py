"""Sourcing: which locations fulfil which units of an order, by an ordered rule stack.

Pure and deterministic: the same state and order give the same answer, and the answer says
why, location by location. The rule names (``SourcingRules.rules``, in order):

- ``exclude_closed``: closed locations are not considered.
- ``respect_capacity``: a location that has taken its daily number of fulfilment orders is not.
- ``respect_safety_stock``: a location's safety stock is not promised.
- ``complete_single_location``: if some locations can supply every unit, the best ranked of
  them supplies all (no split).
- ``minimise_splits``: otherwise take, again and again, the location that covers the most
  remaining units (ties by rank); without it, locations are taken in rank order.
- ``location_priority``, ``closest``: the ranking, in the order listed (priority number, then
  distance from the shipping address by the haversine formula); the location id breaks ties.
- ``dropship_fallback``: units of SKUs a vendor also drop-ships go to the vendor when no
  location has them.

Pickup orders consider only the store the customer chose. SKUs that are not stocked always go
to their vendor. What is still short follows the channel's shortage policy: backorder, hold
(reserve nothing) or ship what is available (cancel the rest).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from openoms.commerce.domain import events as ev
from openoms.commerce.domain.model import (
    CommerceOrder,
    FulfilmentKind,
    Location,
    LocationKind,
    ShippingMethod,
    ShortagePolicy,
)
from openoms.commerce.domain.state import CommerceState

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class Need:
    """Units of one order line still to be placed."""

    line_id: str
    sku: str
    qty: int


@dataclass(slots=True)
class Decision:
    fulfilments: list[ev.NewFulfilment] = field(default_factory=list)
    backordered: dict[str, int] = field(default_factory=dict)
    canceled: dict[str, int] = field(default_factory=dict)
    held: bool = False
    explanation: list[str] = field(default_factory=list)
    reserved: dict[tuple[str, str], int] = field(default_factory=dict)  # (sku, loc) -> units

    def event(self, order_id: str, needs: Sequence[Need]) -> ev.OrderSourced:
        lines = dict.fromkeys(n.line_id for n in needs)
        return ev.OrderSourced(
            order_id=order_id, fulfilments=tuple(self.fulfilments),
            backordered=tuple(ev.LineQty(line_id=line, qty=self.backordered.get(line, 0))
                              for line in lines),
            canceled=tuple(ev.LineQty(line_id=line, qty=qty)
                           for line, qty in self.canceled.items() if qty),
            held=self.held, explanation=tuple(self.explanation))


def haversine_km(lat1: Decimal, lon1: Decimal, lat2: Decimal, lon2: Decimal) -> float:
    """Great-circle distance in km (floats are fine here: it only ranks locations)."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def source(state: CommerceState, order: CommerceOrder, needs: Sequence[Need], now: datetime,
           *, exclude: frozenset[str] = frozenset(),
           adjust: Mapping[tuple[str, str], int] | None = None) -> Decision:
    """Decide where needs go; adjust adds units to (sku, location) availability (receipts
    and reservations decided earlier in the same command)."""
    rules = state.rules.rules
    adjust = adjust or {}
    decision = Decision()
    say = decision.explanation.append
    needs = [n for n in needs if n.qty > 0]
    if not needs:
        return decision
    stock_needs = [n for n in needs if state.skus[n.sku].stocked]
    vendor_needs = [n for n in needs if not state.skus[n.sku].stocked]
    candidates = _candidates(state, order, now, exclude, say)
    distance = _distances(order, candidates)
    rank = _ranker(rules, distance)
    with_safety = "respect_safety_stock" in rules

    spare: dict[tuple[str, str], int] = {}
    for n in stock_needs:
        for loc in candidates:
            key = (n.sku, loc.location_id)
            if key not in spare:
                spare[key] = max(state.stock_of(*key).spare(with_safety=with_safety)
                                 + adjust.get(key, 0), 0)
    remaining = {n.line_id: n.qty for n in stock_needs}
    placed: dict[str, dict[str, int]] = {}  # location -> line -> units

    def coverable(loc: Location) -> int:
        pool = dict(spare)
        units = 0
        for n in stock_needs:
            key = (n.sku, loc.location_id)
            take = min(remaining[n.line_id], pool.get(key, 0))
            pool[key] = pool.get(key, 0) - take
            units += take
        return units

    def take_from(loc: Location) -> None:
        for n in stock_needs:
            key = (n.sku, loc.location_id)
            take = min(remaining[n.line_id], spare.get(key, 0))
            if take:
                spare[key] -= take
                remaining[n.line_id] -= take
                placed.setdefault(loc.location_id, {})
                placed[loc.location_id][n.line_id] = \
                    placed[loc.location_id].get(n.line_id, 0) + take

    total = sum(remaining.values())
    if stock_needs and candidates:
        ranked = []
        for loc in sorted(candidates, key=rank):
            if coverable(loc):
                ranked.append(loc)
            else:
                say(f"{loc.location_id} has none of these units available")
        complete = [loc for loc in ranked if coverable(loc) == total]
        if "complete_single_location" in rules and complete:
            chosen = complete[0]
            say(f"{chosen.location_id} can supply all {total} units"
                + _why_over(chosen, complete[1:], rules, distance))
            take_from(chosen)
        else:
            if "complete_single_location" in rules:
                say("no single location can supply all units: splitting")
            pool = list(ranked)
            while sum(remaining.values()) and pool:
                if "minimise_splits" in rules:
                    best = min(pool, key=lambda loc: (-coverable(loc), rank(loc)))
                else:
                    best = pool[0]
                units = coverable(best)
                pool.remove(best)
                if units == 0:
                    continue
                say(f"{best.location_id} supplies {units} units"
                    + (" (covers the most)" if "minimise_splits" in rules else " (next in rank)"))
                take_from(best)
    elif stock_needs:
        say("no location can ship this order")

    leftovers = [(n, n.qty) for n in vendor_needs]
    leftovers += [(n, remaining[n.line_id]) for n in stock_needs if remaining[n.line_id]]
    vendor_placed: dict[str, dict[str, int]] = {}
    shortfall: dict[str, int] = {}
    for n, qty in leftovers:
        sku = state.skus[n.sku]
        vendor = state.locations.get(sku.vendor_id) if sku.vendor_id else None
        refusal = _vendor_refusal(vendor, rules, exclude) if vendor else "none"
        if vendor is None or (sku.stocked and "dropship_fallback" not in rules):
            shortfall[n.line_id] = shortfall.get(n.line_id, 0) + qty
        elif refusal:
            say(f"{vendor.location_id} (vendor of {n.sku}) {refusal}")
            shortfall[n.line_id] = shortfall.get(n.line_id, 0) + qty
        else:
            say(f"{vendor.location_id} drop-ships {qty} x {n.sku}"
                + (" (no location has them)" if sku.stocked else ""))
            lines = vendor_placed.setdefault(vendor.location_id, {})
            lines[n.line_id] = lines.get(n.line_id, 0) + qty

    if shortfall:
        policy = state.rules.shortage_for(order.channel)
        units = sum(shortfall.values())
        if policy is ShortagePolicy.HOLD:
            say(f"{units} units short; channel {order.channel.value} holds: nothing reserved")
            decision.held = True
            decision.backordered = {n.line_id: n.qty for n in needs}
            return decision
        if policy is ShortagePolicy.BACKORDER:
            say(f"{units} units short: backordered")
            decision.backordered = shortfall
        else:
            say(f"{units} units short: canceled (channel {order.channel.value} ships what is "
                "available)")
            decision.canceled = shortfall
    _emit(state, order, needs, placed, vendor_placed, decision)
    return decision


def _candidates(state: CommerceState, order: CommerceOrder, now: datetime,
                exclude: frozenset[str], tell: Callable[[str], None]) -> list[Location]:
    rules = state.rules.rules
    if order.method is ShippingMethod.PICKUP:
        location = state.locations[order.pickup_location_id or ""]
        pool = [location]
        tell(f"pickup order: only {location.location_id}, the store the customer chose")
    else:
        pool = sorted((loc for loc in state.locations.values()
                       if loc.kind is not LocationKind.VENDOR and loc.ships),
                      key=lambda loc: loc.location_id)
    chosen = []
    for loc in pool:
        if loc.location_id in exclude:
            tell(f"{loc.location_id} excluded: it already turned these units down")
        elif "exclude_closed" in rules and not loc.active:
            tell(f"{loc.location_id} excluded: closed")
        elif "respect_capacity" in rules and _full(state, loc, now):
            tell(f"{loc.location_id} excluded: at its daily capacity of {loc.daily_capacity}")
        else:
            chosen.append(loc)
    return chosen


def _full(state: CommerceState, location: Location, now: datetime) -> bool:
    left = state.capacity_left(location, now.date())
    return left is not None and left <= 0


def _vendor_refusal(vendor: Location, rules: tuple[str, ...], exclude: frozenset[str]) -> str:
    if vendor.location_id in exclude:
        return "excluded: it already turned these units down"
    if "exclude_closed" in rules and not vendor.active:
        return "excluded: closed"
    return ""


def _distances(order: CommerceOrder, locations: list[Location]) -> dict[str, float]:
    to = order.ship_to
    if order.method is ShippingMethod.PICKUP or to.latitude is None or to.longitude is None:
        return {}
    return {loc.location_id: haversine_km(loc.latitude, loc.longitude, to.latitude,
                                          to.longitude) for loc in locations}


Rank = tuple[float | str, ...]


def _ranker(rules: tuple[str, ...], distance: dict[str, float]) -> Callable[[Location], Rank]:
    keys = [r for r in rules if r in ("location_priority", "closest")]

    def rank(loc: Location) -> Rank:
        parts: list[float | str] = []
        for key in keys:
            if key == "location_priority":
                parts.append(float(loc.priority))
            else:
                parts.append(round(distance.get(loc.location_id, 0.0), 3))
        parts.append(loc.location_id)
        return tuple(parts)

    return rank


def _why_over(chosen: Location, others: list[Location], rules: tuple[str, ...],
              distance: dict[str, float]) -> str:
    if not others:
        return ""
    reasons = []
    for other in others:
        if "location_priority" in rules and chosen.priority != other.priority:
            reasons.append(f"{other.location_id} (priority {other.priority} against "
                           f"{chosen.priority})")
        elif chosen.location_id in distance:
            reasons.append(f"{other.location_id} ({distance[other.location_id]:.1f} km from "
                           f"the customer against {distance[chosen.location_id]:.1f} km)")
        else:
            reasons.append(other.location_id)
    return "; chosen over " + ", ".join(reasons)


def _emit(state: CommerceState, order: CommerceOrder, needs: Sequence[Need],
          placed: dict[str, dict[str, int]], vendor_placed: dict[str, dict[str, int]],
          decision: Decision) -> None:
    sku_of = {n.line_id: n.sku for n in needs}
    number = len(order.fulfilment_ids)
    for location_id, lines in [*sorted(placed.items()), *sorted(vendor_placed.items())]:
        number += 1
        location = state.locations[location_id]
        if location.kind is LocationKind.VENDOR:
            kind = FulfilmentKind.DROPSHIP
        elif order.method is ShippingMethod.PICKUP:
            kind = FulfilmentKind.PICKUP
        else:
            kind = FulfilmentKind.SHIP
        assignments = tuple(ev.Assignment(line_id=line, sku=sku_of[line], qty=qty)
                            for line, qty in sorted(lines.items()) if qty)
        decision.fulfilments.append(ev.NewFulfilment(
            fulfilment_id=f"{order.order_id}-{number}", location_id=location_id, kind=kind,
            lines=assignments))
        for a in assignments:
            key = (a.sku, location_id)
            decision.reserved[key] = decision.reserved.get(key, 0) + a.qty
