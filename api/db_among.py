"""``among(column, ids)``: a column's value is one of many ids, as one parameter.

``column.in_(ids)`` sends one placeholder per id: for the planner's chunks of thousands
of learners SQLAlchemy expanded and psycopg re-parsed a statement of thousands of
placeholders for every query (a fifth of a planning run). On PostgreSQL this is
``column = ANY(:ids)`` with the ids as one integer[] parameter, a statement text that
never changes; elsewhere (SQLite) it stays ``IN``. The parameter goes as the array's text
literal, written here: psycopg's array adapter dumps a list element by element in Python,
2.3 ms for a chunk of 5,000 learners against 0.4 ms, and a chunk runs eight of them.
``reads_by_ids(session)`` plans a transaction's statements for such reads (below).
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import Any

import psycopg
from psycopg import postgres
from psycopg.adapt import Dumper
from sqlalchemy import any_, bindparam, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import Boolean, UserDefinedType


class Among(ColumnElement[bool]):
    type = Boolean()
    # The ids are part of the construct, not of a cache key: a statement holding one is
    # compiled each time (once a chunk of learners, nothing next to running it).
    inherit_cache = False

    def __init__(self, column: ColumnElement[Any], ids: Iterable[int]) -> None:
        self.column = column
        self.ids = list(map(operator.index, ids))  # ints only: they are written as text


def among(column: Any, ids: Iterable[int]) -> Among:
    return Among(column, ids)


@compiles(Among)
def _in(element: Among, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.in_(element.ids), **kw)


class _Literal(str):
    """An integer array written as PostgreSQL's text literal, ``{1,2,3}``."""


class _LiteralDumper(Dumper):
    # Sent as an integer[] parameter in text form, which PostgreSQL parses as it would the
    # binary array, into a constant of the plan. Sent as text and cast in SQL instead, the
    # array stays an expression, which the executor searches element by element for each
    # row where it hashes a constant: a planning run for 100,000 learners took 400 s
    # instead of 17 s, and 5,000 ids against a sequential scan of 100,000 users 20.9 s
    # instead of 13.5 ms.
    oid = postgres.types["int4"].array_oid

    def dump(self, obj: _Literal) -> bytes:
        return obj.encode()


psycopg.adapters.register_dumper(_Literal, _LiteralDumper)


class _LiteralType(UserDefinedType[str]):
    """Passes the literal to psycopg as it is (``ARRAY`` would iterate it, as a list)."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "INTEGER[]"


@compiles(Among, "postgresql")
def _any(element: Among, compiler: SQLCompiler, **kw: Any) -> str:
    literal = _Literal("{" + ",".join(map(str, element.ids)) + "}")
    array = bindparam(None, literal, type_=_LiteralType(), unique=True)
    return compiler.process(element.column == any_(array), **kw)


# Set for a transaction of reads by many ids (``reads_by_ids``), in one round trip:
# - custom plans: psycopg prepares statements it runs often, and PostgreSQL then switches
#   to a generic plan, which for "user_id = ANY(<2,000 ids>)" scans whole tables (90 ms a
#   planner chunk became 7 s); each statement is planned for its own ids;
# - no parallel workers within a query: the planner's parallelism is its workers' slices,
#   and a chunk's reads of memory states ran as parallel sequential scans that cost more
#   than one process doing them (192 against 238-262 ms for 5,000 learners, alone);
# - no JIT compilation: it cost about 30 ms of those reads each chunk (234 against 257-274);
# - no sequential scans: every read is of the given ids, by index. Statistics lag behind
#   a table that a run fills itself (a planner's first pass inserts two pushes a learner;
#   autovacuum analyzes at most once a minute, if it runs at all), and with the pushes last
#   analyzed while empty, PostgreSQL read all of them for each chunk of 5,000 learners: a
#   pass quadratic in the population (2,000,000 pushes, 286 ms a chunk, against 9 ms
#   through the index).
_BY_IDS = text(
    "SELECT set_config('plan_cache_mode', 'force_custom_plan', true),"
    " set_config('max_parallel_workers_per_gather', '0', true),"
    " set_config('jit', 'off', true),"
    " set_config('enable_seqscan', 'off', true)"
)


def reads_by_ids(session: Session) -> None:
    """Plan the rest of this transaction's statements as reads of the ids they are given
    (``among``), on PostgreSQL; elsewhere nothing to do."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_BY_IDS)
