"""Retail orders remember what the customer was charged (refunds never exceed it)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from openoms.adapters.sql.types import ExactDecimal

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('commerce_orders') as batch:
        batch.add_column(sa.Column('amount_captured', ExactDecimal(), nullable=False,
                                   server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('commerce_orders') as batch:
        batch.drop_column('amount_captured')
