"""The database schema: journal, checkpoint, API tokens, the desk's read models, FIX sessions."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from openoms.adapters.sql.types import ExactDecimal, UtcDateTime

metadata = MetaData()

journal = Table(
    "journal", metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("stream_id", String(128), nullable=False),
    Column("version", Integer, nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("data", Text, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("source", String(32), nullable=False),
    Column("event_time", UtcDateTime, nullable=False),
    Column("recorded_time", UtcDateTime, nullable=False),
    # Two writers can never both write version N of a stream.
    UniqueConstraint("stream_id", "version", name="uq_journal_stream_version"),
)

engine_checkpoint = Table(
    "engine_checkpoint", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("position", BigInteger, nullable=False),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("token_id", String(32), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("role", String(32), nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
)


def _terms(prefix: str = "") -> list[Column[object]]:
    return [Column(f"{prefix}qty", ExactDecimal), Column(f"{prefix}ord_type", String(16)),
            Column(f"{prefix}limit_px", ExactDecimal), Column(f"{prefix}stop_px", ExactDecimal),
            Column(f"{prefix}tif", String(8)), Column(f"{prefix}expire_at", UtcDateTime)]


def _progress() -> list[Column[object]]:
    """Where an order stands: filled, left, average price, notional, the last text."""
    return [Column("cum_qty", ExactDecimal, nullable=False),
            Column("leaves_qty", ExactDecimal, nullable=False),
            Column("avg_px", ExactDecimal, nullable=False),
            Column("notional", ExactDecimal, nullable=False),
            Column("text", Text, nullable=False)]


trading_tickets = Table(
    "trading_tickets", metadata,
    Column("order_id", String(32), primary_key=True),
    Column("cl_ord_id", String(64), nullable=False),
    Column("orig_cl_ord_id", String(64)),
    Column("account_id", String(64), nullable=False),
    Column("symbol", String(64), nullable=False),
    Column("side", String(16), nullable=False),
    *_terms(),
    Column("source", String(16), nullable=False),
    Column("handling", String(16), nullable=False),
    Column("desk_id", String(64)),
    Column("status", String(24), nullable=False),
    *_progress(),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("pending_kind", String(16)),
    Column("pending_cl_ord_id", String(64)),
    Column("pending_orig_cl_ord_id", String(64)),
    Column("pending_requested_at", UtcDateTime),
    Column("pending_accepted", Boolean),
    *_terms("pending_"),
    Index("ix_trading_tickets_status", "status"),
    Index("ix_trading_tickets_account", "account_id", "cl_ord_id"),
    Index("ix_trading_tickets_symbol", "symbol"),
)

trading_children = Table(
    "trading_children", metadata,
    Column("child_id", String(32), primary_key=True),
    Column("order_id", String(32), nullable=False, index=True),
    Column("venue_id", String(64), nullable=False),
    Column("side", String(16), nullable=False),
    Column("symbol", String(64), nullable=False),
    *_terms(),
    Column("status", String(24), nullable=False),
    *_progress(),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("pending_qty", ExactDecimal),
    Column("pending_limit_px", ExactDecimal),
)

trading_executions = Table(
    "trading_executions", metadata,
    Column("exec_id", String(32), primary_key=True),
    Column("order_id", String(32), nullable=False, index=True),
    Column("child_id", String(32), nullable=False),
    Column("venue_id", String(64), nullable=False),
    Column("venue_exec_id", String(64), nullable=False),
    Column("side", String(16), nullable=False),
    Column("qty", ExactDecimal, nullable=False),
    Column("px", ExactDecimal, nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

trading_accounts = Table(
    "trading_accounts", metadata,
    Column("account_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("max_order_qty", ExactDecimal),
    Column("max_order_notional", ExactDecimal),
    Column("max_open_notional", ExactDecimal),
    Column("restricted_symbols", Text, nullable=False),
    Column("active", Boolean, nullable=False),
)

trading_instruments = Table(
    "trading_instruments", metadata,
    Column("symbol", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("tick_size", ExactDecimal, nullable=False),
    Column("lot_size", ExactDecimal, nullable=False),
    Column("reference_price", ExactDecimal, nullable=False),
    Column("max_order_qty", ExactDecimal),
    Column("price_collar_pct", ExactDecimal),
    Column("restricted", Boolean, nullable=False),
)

trading_venues = Table(
    "trading_venues", metadata,
    Column("venue_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("active", Boolean, nullable=False),
)

trading_desks = Table(
    "trading_desks", metadata,
    Column("desk_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
)

trading_users = Table(
    "trading_users", metadata,
    Column("user_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("desk_id", String(64)),
)

trading_routing_rules = Table(
    "trading_routing_rules", metadata,
    Column("rule_id", String(64), primary_key=True),
    Column("priority", Integer, nullable=False),
    Column("venue_id", String(64), nullable=False),
    Column("account_id", String(64)),
    Column("symbol", String(64)),
)

trading_sessions = Table(
    "trading_sessions", metadata,
    Column("desk", String(64), primary_key=True),
    Column("open", Boolean, nullable=False),
    Column("trading_date", String(10), nullable=False),
)

READ_MODELS = (trading_tickets, trading_children, trading_executions, trading_accounts,
               trading_instruments, trading_venues, trading_desks, trading_users,
               trading_routing_rules, trading_sessions)

# FIX sessions: numbers and sent application messages, written in the engine's group commit
# (see adapters/fix/store.py). Not read models: never rebuilt from the journal.
fix_sessions = Table(
    "fix_sessions", metadata,
    Column("session_id", String(160), primary_key=True),
    Column("next_in", BigInteger, nullable=False),
    Column("next_out", BigInteger, nullable=False),
    Column("epoch", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

fix_messages = Table(
    "fix_messages", metadata,
    Column("session_id", String(160), primary_key=True),
    Column("epoch", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("msg_type", String(8), nullable=False),
    Column("raw", LargeBinary, nullable=False),
    Column("sent_at", UtcDateTime, nullable=False),
)

FIX_TABLES = (fix_sessions, fix_messages)
