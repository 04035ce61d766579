"""The database schema: journal, checkpoint, API tokens, the desk's and the retail business's
read models, FIX sessions, the outbox."""

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
    # What the token may reach beyond its role (a store, a vendor): comma-separated, '' = all.
    Column("scope", Text, nullable=False, server_default=""),
)

# People who sign in to the web UI: a role and scope like a token's, a password hashed with
# Argon2id (never the password), disabled rather than deleted so the audit trail keeps names.
users = Table(
    "users", metadata,
    Column("user_id", String(32), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("role", String(32), nullable=False),
    Column("scope", Text, nullable=False, server_default=""),
    Column("password_hash", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("disabled_at", UtcDateTime, nullable=True),
)

# Signed-in browser sessions: the cookie's secret stored as a SHA-256 digest, the session's
# CSRF token, and when it ends (logout or expiry).
web_sessions = Table(
    "web_sessions", metadata,
    Column("session_sha256", String(64), primary_key=True),
    Column("user_id", String(32), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime, nullable=True),
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

TRADING_READ_MODELS = (trading_tickets, trading_children, trading_executions, trading_accounts,
                       trading_instruments, trading_venues, trading_desks, trading_users,
                       trading_routing_rules, trading_sessions)

# The retail business (see commerce/projection.py). Texts the domain does not bound are Text,
# and counts of stock BigInteger: a row the database refuses would stop the engine.
commerce_locations = Table(
    "commerce_locations", metadata,
    Column("location_id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("address", Text, nullable=False),  # JSON
    Column("latitude", ExactDecimal, nullable=False),
    Column("longitude", ExactDecimal, nullable=False),
    Column("ships", Boolean, nullable=False),
    Column("pickup", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("daily_capacity", BigInteger),
    Column("priority", BigInteger, nullable=False),
    Column("email", Text),
    Column("webhook_url", Text),
    Column("x12", Boolean, nullable=False),
)

commerce_skus = Table(
    "commerce_skus", metadata,
    Column("sku", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("stocked", Boolean, nullable=False),
    Column("vendor_id", String(64)),
    Column("vendor_sku", Text),
    Column("cost", ExactDecimal),
)

commerce_stock = Table(
    "commerce_stock", metadata,
    Column("sku", String(64), primary_key=True),
    Column("location_id", String(64), primary_key=True),
    Column("on_hand", BigInteger, nullable=False),
    Column("reserved", BigInteger, nullable=False),
    Column("safety_stock", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),  # of stock:SKU@LOC; 0: no such stream yet
    Index("ix_commerce_stock_location", "location_id"),
)

commerce_orders = Table(
    "commerce_orders", metadata,
    Column("order_id", String(32), primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("channel_order_id", Text, nullable=False),
    Column("status", String(24), nullable=False),
    Column("method", String(16), nullable=False),
    Column("pickup_location_id", String(64)),
    Column("payment_status", String(24), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("customer_name", Text, nullable=False),
    Column("customer_email", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),  # of the corder: stream
    Column("on_hold", Boolean, nullable=False),
    Column("amount_refunded", ExactDecimal, nullable=False),
    Column("notes", Text, nullable=False),
    Column("customer", Text, nullable=False),  # JSON
    Column("ship_to", Text, nullable=False),  # JSON
    Column("amount_captured", ExactDecimal, nullable=False, server_default="0"),  # 0004
    Index("ix_commerce_orders_status", "status"),
    Index("ix_commerce_orders_channel", "channel", "channel_order_id"),
    Index("ix_commerce_orders_created_at", "created_at"),
)

commerce_order_lines = Table(
    "commerce_order_lines", metadata,
    Column("order_id", String(32), primary_key=True),
    Column("line_id", String(16), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("qty", Integer, nullable=False),
    Column("unit_price", ExactDecimal, nullable=False),
    Column("canceled", Integer, nullable=False),
    Column("backordered", Integer, nullable=False),
    Column("shipped", Integer, nullable=False),
    Column("returned", Integer, nullable=False),
    Column("return_authorized", Integer, nullable=False),
)

commerce_fulfilments = Table(
    "commerce_fulfilments", metadata,
    Column("fulfilment_id", String(48), primary_key=True),
    Column("order_id", String(32), nullable=False, index=True),
    Column("position", Integer, nullable=False),  # in the order's fulfilment orders
    Column("location_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("status", String(24), nullable=False),
    Column("carrier", Text, nullable=False),
    Column("tracking", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_commerce_fulfilments_queue", "location_id", "status"),
)

commerce_fulfilment_lines = Table(
    "commerce_fulfilment_lines", metadata,
    Column("fulfilment_id", String(48), primary_key=True),
    Column("line_id", String(16), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("qty", Integer, nullable=False),
)

commerce_returns = Table(
    "commerce_returns", metadata,
    Column("rma_id", String(32), primary_key=True),
    Column("order_id", String(32), nullable=False, index=True),
    Column("position", Integer, nullable=False),  # in the order's returns
    Column("reason", Text, nullable=False),
    Column("received", Boolean, nullable=False),
    Column("location_id", String(64)),
)

commerce_return_lines = Table(
    "commerce_return_lines", metadata,
    Column("rma_id", String(32), primary_key=True),
    Column("line_id", String(16), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("qty", Integer, nullable=False),
)

commerce_sourcing_rules = Table(
    "commerce_sourcing_rules", metadata,
    Column("name", String(32), primary_key=True),  # one row: "rules"
    Column("rules", Text, nullable=False),  # JSON list, in order
    Column("policies", Text, nullable=False),  # JSON object: channel -> shortage policy
    Column("default_shortage", String(24), nullable=False),
)

commerce_webhooks = Table(
    "commerce_webhooks", metadata,
    Column("subscription_id", String(64), primary_key=True),
    Column("url", Text, nullable=False),
    Column("topics", Text, nullable=False),  # JSON list
    Column("secret", Text, nullable=False),
    Column("active", Boolean, nullable=False),
)

commerce_capacity = Table(
    "commerce_capacity", metadata,
    Column("location_id", String(64), primary_key=True),
    Column("day", String(10), primary_key=True),  # ISO date (UTC)
    Column("used", Integer, nullable=False),  # fulfilment orders created that day
)

commerce_idempotency = Table(
    "commerce_idempotency", metadata,
    Column("idempotency_key", Text, primary_key=True),
    Column("order_id", String(32), nullable=False),
)

commerce_counters = Table(
    "commerce_counters", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # one row: 1
    Column("order_seq", BigInteger, nullable=False),
    Column("rma_seq", BigInteger, nullable=False),
    # Orders waiting for stock (backordered or on hold), oldest first: JSON list of ids.
    Column("waiting", Text, nullable=False),
)

COMMERCE_READ_MODELS = (commerce_locations, commerce_skus, commerce_stock, commerce_orders,
                        commerce_order_lines, commerce_fulfilments, commerce_fulfilment_lines,
                        commerce_returns, commerce_return_lines, commerce_sourcing_rules,
                        commerce_webhooks, commerce_capacity, commerce_idempotency,
                        commerce_counters)

READ_MODELS = (*TRADING_READ_MODELS, *COMMERCE_READ_MODELS)

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

# Messages to the outside world (vendor e-mail, webhooks, X12), written in the group commit of
# the events they come from and delivered after it. Not read models: never rebuilt.
outbox = Table(
    "outbox", metadata,
    Column("message_id", Text, primary_key=True),
    Column("kind", String(16), nullable=False),  # email | webhook | x12
    Column("topic", Text, nullable=False),
    Column("target", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("headers", Text, nullable=False),  # JSON object
    Column("status", String(16), nullable=False),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime),
    Index("ix_outbox_due", "status", "next_attempt_at"),
)

OUTBOX_TABLES = (outbox,)
