"""``among(column, ids)``: a column's value is one of many ids, as one parameter.

``column.in_(ids)`` sends one placeholder per id: for the planner's chunks of thousands
of learners SQLAlchemy expanded and psycopg re-parsed a statement of thousands of
placeholders for every query (a fifth of a planning run). On PostgreSQL this is
``column = ANY(:ids)`` with the ids as one array, a statement text that never changes;
elsewhere (SQLite) it stays ``IN``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Integer, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import Boolean


class Among(ColumnElement[bool]):
    type = Boolean()
    # The ids are part of the construct, not of a cache key: a statement holding one is
    # compiled each time (once a chunk of learners, nothing next to running it).
    inherit_cache = False

    def __init__(self, column: ColumnElement[Any], ids: Iterable[int]) -> None:
        self.column = column
        self.ids = list(ids)


def among(column: Any, ids: Iterable[int]) -> Among:
    return Among(column, ids)


@compiles(Among)
def _in(element: Among, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.in_(element.ids), **kw)


@compiles(Among, "postgresql")
def _any(element: Among, compiler: SQLCompiler, **kw: Any) -> str:
    array = bindparam(None, element.ids, type_=ARRAY(Integer), unique=True)
    return compiler.process(element.column == any_(array), **kw)
