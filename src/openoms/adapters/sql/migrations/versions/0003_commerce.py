"""retail read models, the outbox, API token scopes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from openoms.adapters.sql.types import ExactDecimal, UtcDateTime

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('commerce_locations',
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('latitude', ExactDecimal(), nullable=False),
    sa.Column('longitude', ExactDecimal(), nullable=False),
    sa.Column('ships', sa.Boolean(), nullable=False),
    sa.Column('pickup', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('daily_capacity', sa.BigInteger(), nullable=True),
    sa.Column('priority', sa.BigInteger(), nullable=False),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('webhook_url', sa.Text(), nullable=True),
    sa.Column('x12', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('location_id')
    )
    op.create_table('commerce_skus',
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('stocked', sa.Boolean(), nullable=False),
    sa.Column('vendor_id', sa.String(length=64), nullable=True),
    sa.Column('vendor_sku', sa.Text(), nullable=True),
    sa.Column('cost', ExactDecimal(), nullable=True),
    sa.PrimaryKeyConstraint('sku')
    )
    op.create_table('commerce_stock',
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('on_hand', sa.BigInteger(), nullable=False),
    sa.Column('reserved', sa.BigInteger(), nullable=False),
    sa.Column('safety_stock', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('sku', 'location_id')
    )
    with op.batch_alter_table('commerce_stock', schema=None) as batch_op:
        batch_op.create_index('ix_commerce_stock_location', ['location_id'], unique=False)

    op.create_table('commerce_orders',
    sa.Column('order_id', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('channel_order_id', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('pickup_location_id', sa.String(length=64), nullable=True),
    sa.Column('payment_status', sa.String(length=24), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('customer_name', sa.Text(), nullable=False),
    sa.Column('customer_email', sa.Text(), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('on_hold', sa.Boolean(), nullable=False),
    sa.Column('amount_refunded', ExactDecimal(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('customer', sa.Text(), nullable=False),
    sa.Column('ship_to', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('order_id')
    )
    with op.batch_alter_table('commerce_orders', schema=None) as batch_op:
        batch_op.create_index('ix_commerce_orders_channel', ['channel', 'channel_order_id'], unique=False)
        batch_op.create_index('ix_commerce_orders_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_commerce_orders_status', ['status'], unique=False)

    op.create_table('commerce_order_lines',
    sa.Column('order_id', sa.String(length=32), nullable=False),
    sa.Column('line_id', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('unit_price', ExactDecimal(), nullable=False),
    sa.Column('canceled', sa.Integer(), nullable=False),
    sa.Column('backordered', sa.Integer(), nullable=False),
    sa.Column('shipped', sa.Integer(), nullable=False),
    sa.Column('returned', sa.Integer(), nullable=False),
    sa.Column('return_authorized', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('order_id', 'line_id')
    )
    op.create_table('commerce_fulfilments',
    sa.Column('fulfilment_id', sa.String(length=48), nullable=False),
    sa.Column('order_id', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('carrier', sa.Text(), nullable=False),
    sa.Column('tracking', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('fulfilment_id')
    )
    with op.batch_alter_table('commerce_fulfilments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commerce_fulfilments_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_commerce_fulfilments_queue', ['location_id', 'status'], unique=False)

    op.create_table('commerce_fulfilment_lines',
    sa.Column('fulfilment_id', sa.String(length=48), nullable=False),
    sa.Column('line_id', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('fulfilment_id', 'line_id')
    )
    op.create_table('commerce_returns',
    sa.Column('rma_id', sa.String(length=32), nullable=False),
    sa.Column('order_id', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('received', sa.Boolean(), nullable=False),
    sa.Column('location_id', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('rma_id')
    )
    with op.batch_alter_table('commerce_returns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commerce_returns_order_id'), ['order_id'], unique=False)

    op.create_table('commerce_return_lines',
    sa.Column('rma_id', sa.String(length=32), nullable=False),
    sa.Column('line_id', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('rma_id', 'line_id')
    )
    op.create_table('commerce_sourcing_rules',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('rules', sa.Text(), nullable=False),
    sa.Column('policies', sa.Text(), nullable=False),
    sa.Column('default_shortage', sa.String(length=24), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('commerce_webhooks',
    sa.Column('subscription_id', sa.String(length=64), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('topics', sa.Text(), nullable=False),
    sa.Column('secret', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('subscription_id')
    )
    op.create_table('commerce_capacity',
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('used', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('location_id', 'day')
    )
    op.create_table('commerce_idempotency',
    sa.Column('idempotency_key', sa.Text(), nullable=False),
    sa.Column('order_id', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('idempotency_key')
    )
    op.create_table('commerce_counters',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('order_seq', sa.BigInteger(), nullable=False),
    sa.Column('rma_seq', sa.BigInteger(), nullable=False),
    sa.Column('waiting', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('outbox',
    sa.Column('message_id', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('topic', sa.Text(), nullable=False),
    sa.Column('target', sa.Text(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('headers', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', UtcDateTime(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('delivered_at', UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('message_id')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['status', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('scope')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_due')

    op.drop_table('outbox')
    op.drop_table('commerce_counters')
    op.drop_table('commerce_idempotency')
    op.drop_table('commerce_capacity')
    op.drop_table('commerce_webhooks')
    op.drop_table('commerce_sourcing_rules')
    op.drop_table('commerce_return_lines')
    with op.batch_alter_table('commerce_returns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commerce_returns_order_id'))

    op.drop_table('commerce_returns')
    op.drop_table('commerce_fulfilment_lines')
    with op.batch_alter_table('commerce_fulfilments', schema=None) as batch_op:
        batch_op.drop_index('ix_commerce_fulfilments_queue')
        batch_op.drop_index(batch_op.f('ix_commerce_fulfilments_order_id'))

    op.drop_table('commerce_fulfilments')
    op.drop_table('commerce_order_lines')
    with op.batch_alter_table('commerce_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_commerce_orders_status')
        batch_op.drop_index('ix_commerce_orders_created_at')
        batch_op.drop_index('ix_commerce_orders_channel')

    op.drop_table('commerce_orders')
    with op.batch_alter_table('commerce_stock', schema=None) as batch_op:
        batch_op.drop_index('ix_commerce_stock_location')

    op.drop_table('commerce_stock')
    op.drop_table('commerce_skus')
    op.drop_table('commerce_locations')
