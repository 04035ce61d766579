"""FIX sessions: sequence numbers and sent application messages

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from openoms.adapters.sql.types import UtcDateTime

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('fix_sessions',
    sa.Column('session_id', sa.String(length=160), nullable=False),
    sa.Column('next_in', sa.BigInteger(), nullable=False),
    sa.Column('next_out', sa.BigInteger(), nullable=False),
    sa.Column('epoch', sa.Integer(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('session_id')
    )
    op.create_table('fix_messages',
    sa.Column('session_id', sa.String(length=160), nullable=False),
    sa.Column('epoch', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('msg_type', sa.String(length=8), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.Column('sent_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('session_id', 'epoch', 'seq')
    )


def downgrade() -> None:
    op.drop_table('fix_messages')
    op.drop_table('fix_sessions')
