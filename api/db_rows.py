"""``write_rows``: a batch of rows into one table, one statement with one parameter.

On PostgreSQL the rows go as one JSON document that ``json_to_recordset`` unpacks: the
statement's text is short and never changes, so psycopg parses it once and PostgreSQL
plans it once per connection. What SQLAlchemy sends instead cost more than the writing
(a review upload, measured in ``bench/practice_in_process.py --profile``): an insert with
RETURNING goes as one VALUES list with a placeholder per value, and psycopg parses any
statement of more than 50 parameters afresh on every run (its cache skips them); an
insert without RETURNING goes as an executemany, one execution per row with each value
adapted in Python. SQLite, in-process, keeps SQLAlchemy's insert.

Values are what the columns take from SQLAlchemy: aware datetimes (stored as UTC; a naive
one is refused, as ``UTCDateTime`` does), JSON-able dicts and lists, enums by value.
orjson writes aware datetimes itself, with their offset, which PostgreSQL reads as the
same instant: handing each one back to Python for the conversion made dumping 10,000
planned pushes take 45.6 ms instead of 6.8 ms.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, Table, TextClause, TextualSelect, text
from sqlalchemy.dialects import postgresql

from api.db import UTCDateTime, insert_for

_PG = postgresql.dialect()


def write_rows(
    db: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    conflict: Sequence[str],
    update: Sequence[str] = (),
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (all with the same keys); on a conflict on the ``conflict``
    columns, set the ``update`` columns from the new row, or with none leave the stored
    row. Returns the ``returning`` columns of each row written."""
    if not rows:
        return []
    columns = tuple(rows[0])
    statement = _statement(
        db.dialect.name, table, columns, tuple(conflict), tuple(update), tuple(returning)
    )
    if db.dialect.name == "postgresql":
        for name in _instants(table, columns):
            if any(row[name] is not None and row[name].tzinfo is None for row in rows):
                raise ValueError(f"naive datetime given to a UTC column ({name})")
        try:
            document = orjson.dumps(rows, default=_refuse)
        except orjson.JSONEncodeError as error:
            raise (error.__cause__ or error) from None  # the value, by its type
        result = db.execute(statement, {"rows": document.decode()})
    else:
        result = db.execute(statement, list(rows))
    return [tuple(row) for row in result.all()] if returning else []


def _refuse(value: Any) -> str:
    raise TypeError(f"{type(value).__name__} is not a column value")


@functools.cache
def _instants(table: Table, columns: tuple[str, ...]) -> tuple[str, ...]:
    """The given columns that hold instants (``UTCDateTime``)."""
    return tuple(name for name in columns if isinstance(table.c[name].type, UTCDateTime))


# Built once per table and columns: composing an upsert (its ``excluded`` columns) costs
# more Python than running it, on either database.
@functools.cache
def _statement(
    dialect: str,
    table: Table,
    columns: tuple[str, ...],
    conflict: tuple[str, ...],
    update: tuple[str, ...],
    returning: tuple[str, ...],
) -> Any:
    if dialect == "postgresql":
        return _json_statement(table, columns, conflict, update, returning)
    insert = insert_for(dialect, table)
    if update:
        insert = insert.on_conflict_do_update(
            index_elements=list(conflict), set_={name: insert.excluded[name] for name in update}
        )
    else:
        insert = insert.on_conflict_do_nothing(index_elements=list(conflict))
    if returning:
        insert = insert.returning(*(table.c[name] for name in returning))
    return insert


def _json_statement(
    table: Table,
    columns: tuple[str, ...],
    conflict: tuple[str, ...],
    update: tuple[str, ...],
    returning: tuple[str, ...],
) -> TextClause | TextualSelect:
    quote = _PG.identifier_preparer.quote
    names = ", ".join(quote(name) for name in columns)
    record = ", ".join(
        f"{quote(name)} {table.c[name].type.compile(dialect=_PG)}" for name in columns
    )
    if update:
        sets = ", ".join(f"{quote(name)} = excluded.{quote(name)}" for name in update)
        action = f"DO UPDATE SET {sets}"
    else:
        action = "DO NOTHING"
    sql = (
        f"INSERT INTO {quote(table.name)} ({names}) SELECT {names} "
        f"FROM json_to_recordset(CAST(:rows AS json)) AS r({record}) "
        f"ON CONFLICT ({', '.join(quote(name) for name in conflict)}) {action}"
    )
    if not returning:
        return text(sql)
    sql += f" RETURNING {', '.join(quote(name) for name in returning)}"
    # Typed, so that what comes back is read as SQLAlchemy reads these columns.
    return text(sql).columns(*(table.c[name] for name in returning))
