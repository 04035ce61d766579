"""initial schema: journal, checkpoint, tokens, trading read models

Revision ID: 0001
Revises: -
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from openoms.adapters.sql.types import ExactDecimal, UtcDateTime

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_tokens',
    sa.Column('token_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('revoked_at', UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('token_id'),
    sa.UniqueConstraint('token_sha256')
    )
    op.create_table('engine_checkpoint',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('journal',
    sa.Column('position', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('stream_id', sa.String(length=128), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('event_time', UtcDateTime(), nullable=False),
    sa.Column('recorded_time', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('position'),
    sa.UniqueConstraint('stream_id', 'version', name='uq_journal_stream_version')
    )
    op.create_table('trading_accounts',
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('max_order_qty', ExactDecimal(), nullable=True),
    sa.Column('max_order_notional', ExactDecimal(), nullable=True),
    sa.Column('max_open_notional', ExactDecimal(), nullable=True),
    sa.Column('restricted_symbols', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('account_id')
    )
    op.create_table('trading_children',
    sa.Column('child_id', sa.String(length=32), nullable=False),
    sa.Column('order_id', sa.String(length=32), nullable=False),
    sa.Column('venue_id', sa.String(length=64), nullable=False),
    sa.Column('side', sa.String(length=16), nullable=False),
    sa.Column('symbol', sa.String(length=64), nullable=False),
    sa.Column('qty', ExactDecimal(), nullable=True),
    sa.Column('ord_type', sa.String(length=16), nullable=True),
    sa.Column('limit_px', ExactDecimal(), nullable=True),
    sa.Column('stop_px', ExactDecimal(), nullable=True),
    sa.Column('tif', sa.String(length=8), nullable=True),
    sa.Column('expire_at', UtcDateTime(), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('cum_qty', ExactDecimal(), nullable=False),
    sa.Column('leaves_qty', ExactDecimal(), nullable=False),
    sa.Column('avg_px', ExactDecimal(), nullable=False),
    sa.Column('notional', ExactDecimal(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.Column('pending_qty', ExactDecimal(), nullable=True),
    sa.Column('pending_limit_px', ExactDecimal(), nullable=True),
    sa.PrimaryKeyConstraint('child_id')
    )
    with op.batch_alter_table('trading_children', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trading_children_order_id'), ['order_id'], unique=False)

    op.create_table('trading_desks',
    sa.Column('desk_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('desk_id')
    )
    op.create_table('trading_executions',
    sa.Column('exec_id', sa.String(length=32), nullable=False),
    sa.Column('order_id', sa.String(length=32), nullable=False),
    sa.Column('child_id', sa.String(length=32), nullable=False),
    sa.Column('venue_id', sa.String(length=64), nullable=False),
    sa.Column('venue_exec_id', sa.String(length=64), nullable=False),
    sa.Column('side', sa.String(length=16), nullable=False),
    sa.Column('qty', ExactDecimal(), nullable=False),
    sa.Column('px', ExactDecimal(), nullable=False),
    sa.Column('at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('exec_id')
    )
    with op.batch_alter_table('trading_executions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trading_executions_order_id'), ['order_id'], unique=False)

    op.create_table('trading_instruments',
    sa.Column('symbol', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('tick_size', ExactDecimal(), nullable=False),
    sa.Column('lot_size', ExactDecimal(), nullable=False),
    sa.Column('reference_price', ExactDecimal(), nullable=False),
    sa.Column('max_order_qty', ExactDecimal(), nullable=True),
    sa.Column('price_collar_pct', ExactDecimal(), nullable=True),
    sa.Column('restricted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('symbol')
    )
    op.create_table('trading_routing_rules',
    sa.Column('rule_id', sa.String(length=64), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('venue_id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=True),
    sa.Column('symbol', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('rule_id')
    )
    op.create_table('trading_sessions',
    sa.Column('desk', sa.String(length=64), nullable=False),
    sa.Column('open', sa.Boolean(), nullable=False),
    sa.Column('trading_date', sa.String(length=10), nullable=False),
    sa.PrimaryKeyConstraint('desk')
    )
    op.create_table('trading_tickets',
    sa.Column('order_id', sa.String(length=32), nullable=False),
    sa.Column('cl_ord_id', sa.String(length=64), nullable=False),
    sa.Column('orig_cl_ord_id', sa.String(length=64), nullable=True),
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('symbol', sa.String(length=64), nullable=False),
    sa.Column('side', sa.String(length=16), nullable=False),
    sa.Column('qty', ExactDecimal(), nullable=True),
    sa.Column('ord_type', sa.String(length=16), nullable=True),
    sa.Column('limit_px', ExactDecimal(), nullable=True),
    sa.Column('stop_px', ExactDecimal(), nullable=True),
    sa.Column('tif', sa.String(length=8), nullable=True),
    sa.Column('expire_at', UtcDateTime(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('handling', sa.String(length=16), nullable=False),
    sa.Column('desk_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('cum_qty', ExactDecimal(), nullable=False),
    sa.Column('leaves_qty', ExactDecimal(), nullable=False),
    sa.Column('avg_px', ExactDecimal(), nullable=False),
    sa.Column('notional', ExactDecimal(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.Column('pending_kind', sa.String(length=16), nullable=True),
    sa.Column('pending_cl_ord_id', sa.String(length=64), nullable=True),
    sa.Column('pending_orig_cl_ord_id', sa.String(length=64), nullable=True),
    sa.Column('pending_requested_at', UtcDateTime(), nullable=True),
    sa.Column('pending_accepted', sa.Boolean(), nullable=True),
    sa.Column('pending_qty', ExactDecimal(), nullable=True),
    sa.Column('pending_ord_type', sa.String(length=16), nullable=True),
    sa.Column('pending_limit_px', ExactDecimal(), nullable=True),
    sa.Column('pending_stop_px', ExactDecimal(), nullable=True),
    sa.Column('pending_tif', sa.String(length=8), nullable=True),
    sa.Column('pending_expire_at', UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('order_id')
    )
    with op.batch_alter_table('trading_tickets', schema=None) as batch_op:
        batch_op.create_index('ix_trading_tickets_account', ['account_id', 'cl_ord_id'], unique=False)
        batch_op.create_index('ix_trading_tickets_status', ['status'], unique=False)
        batch_op.create_index('ix_trading_tickets_symbol', ['symbol'], unique=False)

    op.create_table('trading_users',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('desk_id', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('trading_venues',
    sa.Column('venue_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('venue_id')
    )
    op.bulk_insert(sa.table('engine_checkpoint', sa.column('id', sa.Integer), sa.column('position', sa.BigInteger)), [{'id': 1, 'position': 0}])


def downgrade() -> None:
    op.drop_table('trading_venues')
    op.drop_table('trading_users')
    with op.batch_alter_table('trading_tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_trading_tickets_symbol')
        batch_op.drop_index('ix_trading_tickets_status')
        batch_op.drop_index('ix_trading_tickets_account')

    op.drop_table('trading_tickets')
    op.drop_table('trading_sessions')
    op.drop_table('trading_routing_rules')
    op.drop_table('trading_instruments')
    with op.batch_alter_table('trading_executions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trading_executions_order_id'))

    op.drop_table('trading_executions')
    op.drop_table('trading_desks')
    with op.batch_alter_table('trading_children', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trading_children_order_id'))

    op.drop_table('trading_children')
    op.drop_table('trading_accounts')
    op.drop_table('journal')
    op.drop_table('engine_checkpoint')
    op.drop_table('api_tokens')
