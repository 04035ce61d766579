"""JSON views of the desk's entities: decimals as strings, times in ISO 8601 UTC."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from openoms.core.codec import encode
from openoms.core.events import Recorded
from openoms.core.money import fmt
from openoms.trading.domain.model import ChildOrder, Execution, OrderTerms, Ticket


def _terms(terms: OrderTerms) -> dict[str, Any]:
    return {"qty": fmt(terms.qty), "ord_type": terms.ord_type.value,
            "limit_px": fmt(terms.limit_px), "stop_px": fmt(terms.stop_px),
            "tif": terms.tif.value,
            "expire_at": terms.expire_at.isoformat() if terms.expire_at else None}


def child_view(c: ChildOrder) -> dict[str, Any]:
    return {"child_id": c.child_id, "order_id": c.order_id, "venue_id": c.venue_id,
            "side": c.side.value, "symbol": c.symbol, **_terms(c.terms),
            "status": c.status.value, "cum_qty": fmt(c.cum_qty), "leaves_qty": fmt(c.leaves_qty),
            "avg_px": fmt(c.avg_px), "text": c.text,
            "pending": _terms(c.pending_terms) if c.pending_terms else None,
            "created_at": c.created_at.isoformat(), "updated_at": c.updated_at.isoformat()}


def execution_view(x: Execution) -> dict[str, Any]:
    return {"exec_id": x.exec_id, "order_id": x.order_id, "child_id": x.child_id,
            "venue_id": x.venue_id, "venue_exec_id": x.venue_exec_id, "side": x.side.value,
            "qty": fmt(x.qty), "px": fmt(x.px), "at": x.at.isoformat()}


def ticket_view(t: Ticket, *, detail: bool = False) -> dict[str, Any]:
    p = t.pending
    view: dict[str, Any] = {
        "order_id": t.order_id, "cl_ord_id": t.cl_ord_id, "orig_cl_ord_id": t.orig_cl_ord_id,
        "account_id": t.account_id, "symbol": t.symbol, "side": t.side.value, **_terms(t.terms),
        "source": t.source.value, "handling": t.handling.value, "desk_id": t.desk_id,
        "status": t.status.value, "cum_qty": fmt(t.cum_qty), "leaves_qty": fmt(t.leaves_qty),
        "avg_px": fmt(t.avg_px), "working_qty": fmt(t.working_qty),
        "unrouted_qty": fmt(t.unrouted_qty), "text": t.text, "version": t.version,
        "created_at": t.created_at.isoformat(), "updated_at": t.updated_at.isoformat(),
        "pending": None if p is None else {
            "kind": p.kind, "cl_ord_id": p.cl_ord_id, "orig_cl_ord_id": p.orig_cl_ord_id,
            "accepted": p.accepted, "requested_at": p.requested_at.isoformat(),
            "terms": _terms(p.terms) if p.terms else None}}
    if detail:
        view["children"] = [child_view(c) for c in t.children.values()]
        view["executions"] = [execution_view(x) for x in t.executions]
    return view


def history_view(r: Recorded) -> dict[str, Any]:
    data = encode(r.event)
    data.pop("order_id", None)
    return {"position": r.position, "version": r.version, "event": type(r.event).__name__,
            "actor": r.actor, "source": r.source, "event_time": r.event_time.isoformat(),
            "recorded_time": r.recorded_time.isoformat(), "data": data}


def entity_view(entity: object) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in entity.__slots__:  # type: ignore[attr-defined]
        value = getattr(entity, name)
        if isinstance(value, frozenset):
            value = sorted(value)
        elif hasattr(value, "value"):
            value = value.value
        elif isinstance(value, Decimal):
            value = fmt(value)
        out[name] = value
    return out
