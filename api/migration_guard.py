"""Downgrades that would delete data refuse to, unless the operator says so.

``alembic downgrade -2`` used to drop the team's questions without a word. A migration
whose downgrade drops tables or columns calls ``refuse_data_loss`` with the tables it
would empty or cut: if any holds rows, the downgrade stops and says what it would lose
and how to go ahead (``alembic -x data-loss=accept downgrade ...``, after a backup).
"""

from __future__ import annotations

from alembic import context, op
from sqlalchemy import text


class DataLossRefused(RuntimeError):
    pass


def refuse_data_loss(*tables: str, what: str) -> None:
    accepted = context.get_x_argument(as_dictionary=True).get("data-loss") == "accept"
    bind = op.get_bind()
    held = {}
    for table in tables:
        count = bind.execute(text(f'SELECT count(*) FROM "{table}"')).scalar() or 0
        if count:
            held[table] = count
    if held and not accepted:
        rows = ", ".join(f"{table} ({count} rows)" for table, count in held.items())
        raise DataLossRefused(
            f"This downgrade deletes {what}: {rows}. Back up the database, then run "
            "`alembic -x data-loss=accept downgrade <revision>` to go ahead."
        )
