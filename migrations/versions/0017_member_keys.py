"""member keys: the hot tables' learner and organization as one foreign key

review_logs, memory_states, xapi_statements and notifications each had a foreign key on
user_id and one on organization_id; each now has one on (user_id, organization_id)
referring to users (id, organization_id), which adds that the row's organization is its
learner's, and costs each insert one check instead of two (api.models.organization.
member_key). Fails if a row's organization is not its learner's: no code writes such rows.

On PostgreSQL the new keys validate every existing row while holding a lock that blocks
writes to the table (seconds per ten million rows): run it in a quiet hour.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 17:20:00
"""

from __future__ import annotations

from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

TABLES = ('review_logs', 'memory_states', 'xapi_statements', 'notifications')
# SQLite's foreign keys have no names: reflected under these (batch mode rebuilds tables).
SQLITE_NAMES = {'fk': 'fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s'}


def _single_key(column: str, table: str, referred: str) -> str:
    if op.get_bind().dialect.name == 'postgresql':
        return f'{table}_{column}_fkey'
    return f'fk_{table}_{column}_{referred}'


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_users_id_organization_id', ['id', 'organization_id'])
    for table in TABLES:
        with op.batch_alter_table(table, naming_convention=SQLITE_NAMES) as batch_op:
            batch_op.drop_constraint(
                _single_key('organization_id', table, 'organizations'), type_='foreignkey'
            )
            batch_op.drop_constraint(_single_key('user_id', table, 'users'), type_='foreignkey')
            batch_op.create_foreign_key(
                f'fk_{table}_member', 'users', ['user_id', 'organization_id'], ['id', 'organization_id']
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, naming_convention=SQLITE_NAMES) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_member', type_='foreignkey')
            batch_op.create_foreign_key(
                _single_key('organization_id', table, 'organizations'),
                'organizations',
                ['organization_id'],
                ['id'],
            )
            batch_op.create_foreign_key(_single_key('user_id', table, 'users'), 'users', ['user_id'], ['id'])
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('uq_users_id_organization_id', type_='unique')
