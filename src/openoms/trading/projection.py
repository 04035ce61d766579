"""Read-model rows of the desk: what each group commit writes beside the journal, and how the
state is rebuilt from those rows on restart. Pure: plain dicts in, plain dicts out.

A busted fill keeps its trading_executions row with qty 0; a corrected fill's row is rewritten.

Tables (see adapters/sql/schema.py): trading_tickets, trading_children, trading_executions,
trading_accounts, trading_instruments, trading_venues, trading_desks, trading_users,
trading_routing_rules, trading_sessions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from openoms.core.events import Recorded
from openoms.core.money import ZERO
from openoms.trading.domain import events as ev
from openoms.trading.domain.model import (
    Account,
    ChildOrder,
    Desk,
    Execution,
    Handling,
    Instrument,
    OrderStatus,
    OrderTerms,
    OrdType,
    PendingRequest,
    RoutingRule,
    Side,
    Source,
    Ticket,
    TimeInForce,
    User,
    Venue,
    VenueKind,
)
from openoms.trading.domain.state import TradingState, _seq

Row = dict[str, Any]

_REFERENCE: dict[type, tuple[str, str, str]] = {
    # event type -> (table, state attribute, key field)
    ev.AccountDefined: ("trading_accounts", "accounts", "account_id"),
    ev.InstrumentDefined: ("trading_instruments", "instruments", "symbol"),
    ev.VenueDefined: ("trading_venues", "venues", "venue_id"),
    ev.DeskDefined: ("trading_desks", "desks", "desk_id"),
    ev.UserDefined: ("trading_users", "users", "user_id"),
    ev.RoutingRuleDefined: ("trading_routing_rules", "routing_rules", "rule_id"),
}


def _terms(prefix: str, terms: OrderTerms | None) -> Row:
    if terms is None:
        return dict.fromkeys(_TERM_KEYS[prefix])
    qty, ord_type, limit_px, stop_px, tif, expire_at = _TERM_KEYS[prefix]
    # str(StrEnum) is its value, and much cheaper than the enum's .value descriptor.
    return {qty: terms.qty, ord_type: str(terms.ord_type), limit_px: terms.limit_px,
            stop_px: terms.stop_px, tif: str(terms.tif), expire_at: terms.expire_at}


_TERM_KEYS = {prefix: tuple(f"{prefix}{name}" for name in (
    "qty", "ord_type", "limit_px", "stop_px", "tif", "expire_at")) for prefix in ("", "pending_")}


def ticket_row(t: Ticket) -> Row:
    p = t.pending
    return {"order_id": t.order_id, "cl_ord_id": t.cl_ord_id, "orig_cl_ord_id": t.orig_cl_ord_id,
            "account_id": t.account_id, "symbol": t.symbol, "side": str(t.side),
            **_terms("", t.terms), "source": str(t.source), "handling": str(t.handling),
            "desk_id": t.desk_id, "status": str(t.status), "cum_qty": t.cum_qty,
            "leaves_qty": t.leaves_qty, "avg_px": t.avg_px, "notional": t.notional,
            "text": t.text, "version": t.version, "created_at": t.created_at,
            "updated_at": t.updated_at,
            "pending_kind": p.kind if p else None, "pending_cl_ord_id": p.cl_ord_id if p else None,
            "pending_orig_cl_ord_id": p.orig_cl_ord_id if p else None,
            "pending_requested_at": p.requested_at if p else None,
            "pending_accepted": p.accepted if p else None,
            **_terms("pending_", p.terms if p else None)}


def child_row(c: ChildOrder) -> Row:
    return {"child_id": c.child_id, "order_id": c.order_id, "venue_id": c.venue_id,
            "side": c.side.value, "symbol": c.symbol, **_terms("", c.terms),
            "status": c.status.value, "cum_qty": c.cum_qty, "leaves_qty": c.leaves_qty,
            "avg_px": c.avg_px, "notional": c.notional, "text": c.text,
            "created_at": c.created_at, "updated_at": c.updated_at,
            "pending_qty": c.pending_terms.qty if c.pending_terms else None,
            "pending_limit_px": c.pending_terms.limit_px if c.pending_terms else None}


def execution_row(x: Execution) -> Row:
    return {"exec_id": x.exec_id, "order_id": x.order_id, "child_id": x.child_id,
            "venue_id": x.venue_id, "venue_exec_id": x.venue_exec_id, "side": x.side.value,
            "qty": x.qty, "px": x.px, "at": x.at}


def reference_row(entity: object) -> Row:
    row = {name: getattr(entity, name) for name in entity.__slots__}  # type: ignore[attr-defined]
    for key, value in row.items():
        if isinstance(value, frozenset):
            row[key] = ",".join(sorted(value))
        elif hasattr(value, "value"):
            row[key] = value.value
    return row


def project(state: TradingState, records: Sequence[Recorded]) -> tuple[
        dict[str, list[Row]], dict[str, list[Row]]]:
    """Return (upserts, inserts) for the read model after records were applied to state."""
    tickets: dict[str, None] = {}
    children: dict[str, str] = {}
    fills: list[tuple[str, str]] = []
    reference: dict[tuple[str, str, str], None] = {}
    adjusted: dict[str, str] = {}  # exec id of a busted or corrected fill -> order id
    session = False
    for recorded in records:
        event = recorded.event
        if isinstance(event, ev.TicketEvent):
            tickets[event.order_id] = None
            if isinstance(event, ev.ChildEvent):
                children[event.child_id] = event.order_id
            elif isinstance(event, ev.TicketFill):
                fills.append((event.order_id, event.exec_id))
            elif isinstance(event, (ev.TicketExecutionBusted, ev.TicketExecutionCorrected)):
                adjusted[event.ref_exec_id] = event.order_id
        elif isinstance(event, ev.TradingSessionChanged):
            session = True
        else:
            table, attribute, key = _REFERENCE[type(event)]
            reference[(table, attribute, getattr(event, key))] = None
    upserts: dict[str, list[Row]] = {}
    if tickets:
        upserts["trading_tickets"] = [ticket_row(state.tickets[i]) for i in tickets]
    if children:
        upserts["trading_children"] = [child_row(state.tickets[o].children[c])
                                       for c, o in children.items()]
    for table, attribute, key in reference:
        upserts.setdefault(table, []).append(reference_row(getattr(state, attribute)[key]))
    # A fill busted or corrected in the same batch goes by upsert alone (upserts are written
    # before inserts); otherwise its row is in an earlier commit and the upsert rewrites it.
    executions = [execution_row(state.tickets[order_id].executions[
        _index_of(state.tickets[order_id].executions, exec_id)])
        for order_id, exec_id in fills if exec_id not in adjusted]
    if adjusted:
        upserts["trading_executions"] = [_adjusted_row(state.tickets[order_id], exec_id)
                                         for exec_id, order_id in adjusted.items()]
    if session:
        upserts["trading_sessions"] = [{"desk": "main", "open": state.session_open,
                                        "trading_date": state.trading_date}]
    return upserts, ({"trading_executions": executions} if executions else {})


def _adjusted_row(ticket: Ticket, exec_id: str) -> Row:
    """Row of a corrected fill as it stands; a busted fill keeps its row with qty 0."""
    for execution in ticket.executions:
        if execution.exec_id == exec_id:
            return execution_row(execution)
    busted = ticket.busted[_index_of(ticket.busted, exec_id)]
    return {**execution_row(busted), "qty": ZERO}


def _index_of(executions: list[Execution], exec_id: str) -> int:
    for i in range(len(executions) - 1, -1, -1):
        if executions[i].exec_id == exec_id:
            return i
    raise KeyError(exec_id)


# ---------------------------------------------------------------- restore


def _read_terms(row: Row, prefix: str = "") -> OrderTerms | None:
    if row.get(f"{prefix}qty") is None:
        return None
    return OrderTerms(qty=row[f"{prefix}qty"], ord_type=OrdType(row[f"{prefix}ord_type"]),
                      limit_px=row[f"{prefix}limit_px"], stop_px=row[f"{prefix}stop_px"],
                      tif=TimeInForce(row[f"{prefix}tif"]), expire_at=row[f"{prefix}expire_at"])


def restore(state: TradingState, tables: Mapping[str, Iterable[Row]]) -> None:
    """Rebuild state from read-model rows (the snapshot the journal tail is replayed onto)."""
    for row in tables.get("trading_accounts", ()):
        restricted = frozenset(s for s in (row["restricted_symbols"] or "").split(",") if s)
        state.accounts[row["account_id"]] = Account(**{**row, "restricted_symbols": restricted})
    for row in tables.get("trading_instruments", ()):
        state.instruments[row["symbol"]] = Instrument(**row)
    for row in tables.get("trading_venues", ()):
        state.venues[row["venue_id"]] = Venue(**{**row, "kind": VenueKind(row["kind"])})
    for row in tables.get("trading_desks", ()):
        state.desks[row["desk_id"]] = Desk(**row)
    for row in tables.get("trading_users", ()):
        state.users[row["user_id"]] = User(**row)
    for row in tables.get("trading_routing_rules", ()):
        state.routing_rules[row["rule_id"]] = RoutingRule(**row)
    for row in tables.get("trading_sessions", ()):
        state.session_open, state.trading_date = bool(row["open"]), row["trading_date"]
    for row in tables.get("trading_tickets", ()):
        terms = _read_terms(row)
        assert terms is not None
        pending = None
        if row["pending_kind"]:
            pending = PendingRequest(kind=row["pending_kind"], cl_ord_id=row["pending_cl_ord_id"],
                                     orig_cl_ord_id=row["pending_orig_cl_ord_id"],
                                     terms=_read_terms(row, "pending_"),
                                     requested_at=row["pending_requested_at"],
                                     accepted=bool(row["pending_accepted"]))
        ticket = Ticket(
            order_id=row["order_id"], cl_ord_id=row["cl_ord_id"], account_id=row["account_id"],
            symbol=row["symbol"], side=Side(row["side"]), terms=terms,
            source=Source(row["source"]), handling=Handling(row["handling"]),
            status=OrderStatus(row["status"]), created_at=row["created_at"],
            updated_at=row["updated_at"], desk_id=row["desk_id"],
            orig_cl_ord_id=row["orig_cl_ord_id"], cum_qty=row["cum_qty"],
            notional=row["notional"], text=row["text"], version=row["version"],
            pending=pending)
        state.tickets[ticket.order_id] = ticket
        state.versions[f"order:{ticket.order_id}"] = ticket.version
        state.cl_ord_index[(ticket.account_id, ticket.cl_ord_id)] = ticket.order_id
        if ticket.orig_cl_ord_id:
            state.cl_ord_index[(ticket.account_id, ticket.orig_cl_ord_id)] = ticket.order_id
        if pending is not None:
            state.cl_ord_index[(ticket.account_id, pending.cl_ord_id)] = ticket.order_id
        state.ticket_seq = max(state.ticket_seq, _seq(ticket.order_id))
    for row in tables.get("trading_children", ()):
        terms = _read_terms(row)
        assert terms is not None
        child = ChildOrder(
            child_id=row["child_id"], order_id=row["order_id"], venue_id=row["venue_id"],
            side=Side(row["side"]), symbol=row["symbol"], terms=terms,
            status=OrderStatus(row["status"]), created_at=row["created_at"],
            updated_at=row["updated_at"], cum_qty=row["cum_qty"], notional=row["notional"],
            text=row["text"])
        if row["pending_qty"] is not None:
            child.pending_terms = OrderTerms(qty=row["pending_qty"], ord_type=terms.ord_type,
                                             limit_px=row["pending_limit_px"],
                                             stop_px=terms.stop_px, tif=terms.tif,
                                             expire_at=terms.expire_at)
        state.tickets[child.order_id].children[child.child_id] = child
        state.child_index[child.child_id] = child.order_id
        state.child_seq = max(state.child_seq, _seq(child.child_id))
    for row in tables.get("trading_executions", ()):
        side = Side(row["side"])
        execution = Execution(**{**row, "side": side})
        ticket = state.tickets[execution.order_id]
        # A busted fill keeps its row with qty 0: it no longer counts.
        (ticket.executions if execution.qty else ticket.busted).append(execution)
        state.exec_seq = max(state.exec_seq, _seq(execution.exec_id))
    for ticket in state.tickets.values():
        ticket.executions.sort(key=lambda x: _seq(x.exec_id))
        state._refresh_exposure(ticket)
