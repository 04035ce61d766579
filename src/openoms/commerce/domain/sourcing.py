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

Pickup orders consider only the store the customer chose, and never a vendor. SKUs that are
not stocked always go to their vendor. What is still short follows the channel's shortage
policy: backorder, hold (reserve nothing) or ship what is available (cancel the rest).

Only locations with a stock row for a needed SKU are looked at (``CommerceState.stock_at``),
not every location for every need: the cost of a decision grows with the places that hold
the order's SKUs, not with the size of the network. docs/sourcing.md tells operators how to
read the explanation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from openoms.commerce.domain import events as ev
from openoms.commerce.domain.model import (
    CommerceOrder,
    FulfilmentKind,
    Location,
    LocationKind,
    ShippingMethod,
    ShortagePolicy,
    Stock,
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
    return _km(p1, math.radians(float(lon1)), math.cos(p1),
               p2, math.radians(float(lon2)), math.cos(p2))


def _km(lat1: float, lon1: float, cos1: float, lat2: float, lon2: float, cos2: float) -> float:
    """Haversine distance in km between points given in radians (with their latitude's cosine)."""
    a = math.sin((lat2 - lat1) / 2) ** 2 + cos1 * cos2 * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True, slots=True)
class _Stack:
    """The rule stack as the decision reads it."""

    closed: bool
    capacity: bool
    safety: bool
    complete: bool
    splits: bool
    fallback: bool
    ranking: tuple[str, ...]  # "location_priority" and "closest" in the stack's order


@lru_cache(maxsize=64)
def _stack(rules: tuple[str, ...]) -> _Stack:
    return _Stack(closed="exclude_closed" in rules, capacity="respect_capacity" in rules,
                  safety="respect_safety_stock" in rules,
                  complete="complete_single_location" in rules,
                  splits="minimise_splits" in rules, fallback="dropship_fallback" in rules,
                  ranking=tuple(r for r in rules if r in ("location_priority", "closest")))


@dataclass(frozen=True, slots=True)
class _Limits:
    """What keeps locations out of this decision, and what earlier decisions of the same
    command took that the state does not show yet."""

    exclude: frozenset[str]
    adjust: Mapping[tuple[str, str], int]
    used: Mapping[str, int]
    day: date


def source(state: CommerceState, order: CommerceOrder, needs: Sequence[Need], now: datetime,
           *, exclude: frozenset[str] = frozenset(),
           adjust: Mapping[tuple[str, str], int] | None = None,
           used: Mapping[str, int] | None = None) -> Decision:
    """Decide where needs go.

    adjust adds units to (sku, location) availability and used adds fulfilment orders to a
    location's count for the day: what earlier decisions of the same command (a receipt,
    other waiting orders) changed but the state does not show yet.
    """
    decision = Decision()
    needs = [n for n in needs if n.qty > 0]
    if not needs:
        return decision
    say = decision.explanation.append
    stack = _stack(state.rules.rules)
    limits = _Limits(exclude=exclude, adjust=adjust or {}, used=used or {}, day=now.date())
    skus = state.skus
    stocked = [n for n in needs if skus[n.sku].stocked]
    remaining = {n.line_id: n.qty for n in stocked}
    placed: dict[str, dict[str, int]] = {}
    if stocked:
        offers = _offers(state, order, stocked, stack, limits, say)
        _place(stocked, offers, remaining, placed, stack, _Ranker(state, order, stack), say)

    vendor_placed: dict[str, dict[str, int]] = {}
    shortfall: dict[str, int] = {}
    for n in needs:
        qty = remaining.get(n.line_id, n.qty)
        if qty == 0:
            continue
        vendor = _vendor_for(state, order, n, stack, limits, say)
        if vendor is None:
            shortfall[n.line_id] = shortfall.get(n.line_id, 0) + qty
            continue
        say(f"{vendor.location_id} drop-ships {qty} x {n.sku}"
            + (" (no location has them)" if skus[n.sku].stocked else ""))
        lines = vendor_placed.setdefault(vendor.location_id, {})
        lines[n.line_id] = lines.get(n.line_id, 0) + qty

    if shortfall:
        policy = state.rules.shortage_for(order.channel)
        units = _units(sum(shortfall.values()))
        if policy is ShortagePolicy.HOLD:
            say(f"{units} short; channel {order.channel.value} holds: nothing reserved")
            decision.held = True
            decision.backordered = {n.line_id: n.qty for n in needs}
            return decision
        if policy is ShortagePolicy.BACKORDER:
            say(f"{units} short: backordered")
            decision.backordered = shortfall
        else:
            say(f"{units} short: canceled (channel {order.channel.value} ships what is "
                "available)")
            decision.canceled = shortfall
    _emit(state, order, needs, placed, vendor_placed, decision)
    return decision


Rank = tuple[float | str, ...]


@dataclass(slots=True, eq=False)
class _Offer:
    """A location that may take part, what it can still promise SKU by SKU, and how many of
    the remaining units that covers; its rank is worked out only if a comparison needs it."""

    location_id: str
    location: Location
    spare: dict[str, int]
    units: int = 0
    distance: float | None = None
    rank: Rank | None = None


def _offers(state: CommerceState, order: CommerceOrder, needs: Sequence[Need], stack: _Stack,
            limits: _Limits, say: Callable[[str], None]) -> list[_Offer]:
    """The locations that hold the needed SKUs and may be sourced, by location id."""
    skus = list(dict.fromkeys(n.sku for n in needs))
    adjust = limits.adjust
    pickup = order.method is ShippingMethod.PICKUP
    safety = stack.safety
    # What each location could promise of each SKU (only units above zero), read from the
    # stock rows there are: a location without a row for a SKU has none of it.
    spare: dict[str, dict[str, int]] = {}
    empty: set[str] = set()  # holders with nothing to promise: considered all the same
    rows: list[tuple[str, Mapping[str, Stock]]]
    if pickup:
        store = order.pickup_location_id or ""
        say(f"pickup order: only {store}, the store the customer chose")
        held = {sku: state.stock_at(sku).get(store) for sku in skus}
        rows = [(sku, {store: stock}) for sku, stock in held.items() if stock is not None]
        empty.add(store)
    else:
        rows = [(sku, state.stock_at(sku)) for sku in skus]
    for sku, at in rows:
        for location_id, stock in at.items():
            units = stock.on_hand - stock.reserved - (stock.safety_stock if safety else 0)
            extra = adjust.get((sku, location_id)) if adjust else None
            if extra:
                units += extra
            if units > 0:
                mine = spare.get(location_id)
                if mine is None:
                    spare[location_id] = {sku: units}
                else:
                    mine[sku] = units
            else:
                empty.add(location_id)
    if adjust:  # units coming in this command where there is no row yet
        for (sku, location_id), extra in adjust.items():
            if extra > 0 and sku in skus and (sku, location_id) not in state.stock \
                    and (not pickup or location_id == order.pickup_location_id):
                spare.setdefault(location_id, {})[sku] = extra
    locations = state.locations
    exclude, used, day = limits.exclude, limits.used, limits.day
    capacity_used = state.capacity_used if stack.capacity else None
    offers = []
    for location_id in sorted(spare.keys() | empty):
        location = locations[location_id]
        if not pickup and (location.kind is LocationKind.VENDOR or not location.ships):
            continue
        cap = location.daily_capacity
        if location_id in exclude or not location.active or (
                capacity_used is not None and cap is not None
                and capacity_used.get((location_id, day), 0) + used.get(location_id, 0) >= cap):
            refusal = _refusal(state, location, stack, limits)
            if refusal:
                say(f"{location_id} excluded: {refusal}")
                continue
        offers.append(_Offer(location_id, location, spare.get(location_id) or {}))
    return offers


class _Ranker:
    """Ranks offers by the stack's ranking rules (the location id breaks ties), measuring a
    location's distance from the customer only when a comparison needs it."""

    def __init__(self, state: CommerceState, order: CommerceOrder, stack: _Stack) -> None:
        self.state = state
        self.stack = stack
        self.default = stack.ranking == ("location_priority", "closest")
        to = order.ship_to
        self.here: tuple[float, float, float] | None = None
        # A pickup order is not carried anywhere: distance does not rank it.
        if order.method is not ShippingMethod.PICKUP and to.latitude is not None \
                and to.longitude is not None:
            latitude = math.radians(float(to.latitude))
            self.here = (latitude, math.radians(float(to.longitude)), math.cos(latitude))

    def __call__(self, offer: _Offer) -> Rank:
        if offer.rank is not None:
            return offer.rank
        location = offer.location
        if self.here is not None:
            lat, lon, cos = self.state.point(location)
            offer.distance = _km(lat, lon, cos, *self.here)
        if self.default:
            offer.rank = (float(location.priority), offer.distance or 0.0, offer.location_id)
        else:
            offer.rank = _rank(location, offer.distance, self.stack)
        return offer.rank


def _rank(location: Location, distance: float | None, stack: _Stack) -> Rank:
    parts: list[float | str] = []
    for key in stack.ranking:
        if key == "location_priority":
            parts.append(float(location.priority))
        else:
            parts.append(distance or 0.0)
    parts.append(location.location_id)
    return tuple(parts)


def _vendor_for(state: CommerceState, order: CommerceOrder, need: Need, stack: _Stack,
                limits: _Limits, say: Callable[[str], None]) -> Location | None:
    """The vendor that drop-ships need's units now, or None (saying why, if it has one)."""
    sku = state.skus[need.sku]
    vendor = state.locations.get(sku.vendor_id) if sku.vendor_id else None
    if vendor is None or (sku.stocked and not stack.fallback):
        return None
    if order.method is ShippingMethod.PICKUP:  # the customer collects at the store
        say(f"{vendor.location_id} (vendor of {need.sku}) does not supply pickup orders")
        return None
    refusal = _refusal(state, vendor, stack, limits)
    if refusal:
        say(f"{vendor.location_id} (vendor of {need.sku}) excluded: {refusal}")
        return None
    return vendor


def _refusal(state: CommerceState, location: Location, stack: _Stack, limits: _Limits) -> str:
    """Why location may not be sourced now ("" if it may)."""
    if location.location_id in limits.exclude:
        return "it already turned these units down"
    if stack.closed and not location.active:
        return "closed"
    if stack.capacity and location.daily_capacity is not None:
        taken = state.capacity_used.get((location.location_id, limits.day), 0) \
            + limits.used.get(location.location_id, 0)
        if taken >= location.daily_capacity:
            return f"at its daily capacity of {location.daily_capacity}"
    return ""


_NAMED = 3  # locations an explanation line names before "and N more"


class _Cover:
    """Counts how many of the remaining units each offer could supply (``_Offer.units``),
    again as offers are taken, for the offers holding a SKU whose units were just placed."""

    def __init__(self, needs: Sequence[Need], offers: list[_Offer],
                 remaining: dict[str, int]) -> None:
        self.needs = needs
        self.remaining = remaining
        self.by_sku: dict[str, list[Need]] = {}
        for n in needs:
            self.by_sku.setdefault(n.sku, []).append(n)
        # The usual order has one line per SKU: its units are counted without the inner loop.
        self.line_of: dict[str, str] | None = None
        if len(self.by_sku) == len(needs):
            self.line_of = {n.sku: n.line_id for n in needs}
        self.holding: dict[str, list[_Offer]] = {}
        count = self.count
        for o in offers:
            o.units = count(o)
            for sku in o.spare:
                holding = self.holding.get(sku)
                if holding is None:
                    self.holding[sku] = [o]
                else:
                    holding.append(o)

    def count(self, offer: _Offer) -> int:
        units = 0
        remaining = self.remaining
        line_of = self.line_of
        if line_of is not None:
            for sku, spare in offer.spare.items():
                left = remaining[line_of[sku]]
                units += left if left < spare else spare
            return units
        for sku, spare in offer.spare.items():
            for n in self.by_sku[sku]:  # lines of the same SKU share the location's spare
                left = remaining[n.line_id]
                take = left if left < spare else spare
                spare -= take
                units += take
        return units

    def take(self, offer: _Offer, placed: dict[str, dict[str, int]], *,
             recount: bool = True) -> None:
        """Place what offer can supply; count again the offers holding those SKUs (unless
        nothing more is to be chosen)."""
        touched = []
        lines = placed.setdefault(offer.location_id, {})
        remaining, spare = self.remaining, offer.spare
        for n in self.needs:
            left, has = remaining[n.line_id], spare.get(n.sku, 0)
            take = left if left < has else has
            if take:
                spare[n.sku] = has - take
                remaining[n.line_id] = left - take
                lines[n.line_id] = lines.get(n.line_id, 0) + take
                touched.append(n.sku)
        if not recount:
            return
        count = self.count
        for sku in dict.fromkeys(touched):
            for other in self.holding[sku]:
                other.units = count(other)


def _place(needs: Sequence[Need], offers: list[_Offer], remaining: dict[str, int],
           placed: dict[str, dict[str, int]], stack: _Stack, rank: _Ranker,
           say: Callable[[str], None]) -> None:
    """Place the needs on the offers by the rule stack; remaining keeps what is left."""
    if not offers:
        say("no location can supply these units")
        return
    total = sum(remaining.values())
    cover = _Cover(needs, offers, remaining)
    more = f"; and {len(offers) - _NAMED} more" if len(offers) > _NAMED else ""
    say(f"considered {_count(len(offers), 'location')}, most units first: " + "; ".join(
        f"{o.location_id}{_describe(o, stack)}: "
        + (f"{o.units} of {_units(total)}" if o.units else "none")
        for o in _most_first(offers, rank, _NAMED)) + more)
    pool = [o for o in offers if o.units]
    if not pool:
        return
    if stack.complete:
        complete = sorted((o for o in pool if o.units == total), key=rank)
        if complete:
            chosen = complete[0]
            say(f"{chosen.location_id} can supply {_all(total)}"
                + _why_over(chosen, complete[1:], stack, rank))
            cover.take(chosen, placed, recount=False)  # it supplies everything
            return
        say(f"no single location can supply {_all(total)}")
    if not stack.splits:
        pool.sort(key=rank)
    while pool and any(remaining.values()):
        if stack.splits:  # the offer covering the most; the best ranked among equals
            most = max(o.units for o in pool)
            if most == 0:
                return
            best = min((o for o in pool if o.units == most), key=rank)
        else:
            best = pool[0]
        pool.remove(best)
        if best.units == 0:
            continue
        say(f"{best.location_id} supplies {_units(best.units)}"
            + (" (covers the most)" if stack.splits else " (next in rank)"))
        cover.take(best, placed)


def _most_first(offers: list[_Offer], rank: _Ranker, n: int) -> list[_Offer]:
    """The n offers that could supply the most units, the best ranked first among equals
    (ranking only the offers that can make the cut)."""
    if len(offers) > n:
        cut = sorted((o.units for o in offers), reverse=True)[n - 1]
        offers = [o for o in offers if o.units >= cut]
    return sorted(offers, key=lambda o: (-o.units, rank(o)))[:n]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _describe(offer: _Offer, stack: _Stack) -> str:
    parts = []
    for key in stack.ranking:
        if key == "location_priority":
            parts.append(f"priority {offer.location.priority}")
        elif offer.distance is not None:
            parts.append(f"{offer.distance:.1f} km")
    return f" ({', '.join(parts)})" if parts else ""


def _why_over(chosen: _Offer, others: list[_Offer], stack: _Stack, rank: _Ranker) -> str:
    """Say what ranked chosen above each other complete location: the first rule of the
    stack that tells them apart."""
    if not others:
        return ""
    reasons = []
    for other in others[:_NAMED]:
        reason = "ranked equal: the location id decides"
        for n, key in enumerate(stack.ranking):
            if rank(chosen)[n] == rank(other)[n]:
                continue
            if key == "location_priority":
                reason = f"priority {other.location.priority} against {chosen.location.priority}"
            else:
                reason = (f"{other.distance or 0.0:.1f} km from the customer against "
                          f"{chosen.distance or 0.0:.1f} km")
            break
        reasons.append(f"{other.location_id} ({reason})")
    more = len(others) - _NAMED
    return "; chosen over " + ", ".join(reasons) + (f" and {more} more" if more > 0 else "")


def _units(n: int) -> str:
    return _count(n, "unit")


def _all(n: int) -> str:
    return "the 1 unit" if n == 1 else f"all {n} units"


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
