"""learner planning: when the planner next looks at a learner, out of users

users.plan_at and users.plan_epoch move to a table of their own (user_id, plan_at,
plan_epoch): every answer and every planning run writes them, and on users each write
touched all eight of its indexes. Values are copied; the downgrade copies them back.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 17:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import api.db


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'learner_planning',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('plan_at', api.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('plan_epoch', sa.Integer(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('user_id'),
    )
    with op.batch_alter_table('learner_planning', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_planning_plan_at'), ['plan_at'], unique=False)
    op.execute(
        'INSERT INTO learner_planning (user_id, plan_at, plan_epoch) '
        'SELECT id, plan_at, plan_epoch FROM users'
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_plan_at'))
        batch_op.drop_column('plan_epoch')
        batch_op.drop_column('plan_at')


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_at', api.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('plan_epoch', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index(batch_op.f('ix_users_plan_at'), ['plan_at'], unique=False)
    op.execute(
        'UPDATE users SET '
        'plan_at = (SELECT p.plan_at FROM learner_planning AS p WHERE p.user_id = users.id), '
        'plan_epoch = COALESCE('
        '(SELECT p.plan_epoch FROM learner_planning AS p WHERE p.user_id = users.id), 0)'
    )
    with op.batch_alter_table('learner_planning', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learner_planning_plan_at'))
    op.drop_table('learner_planning')
