"""``epoch(column)``: a timestamp column as POSIX seconds (a float), computed in the
database, for loaders that hand times to the scheduler's arrays: no ``datetime`` object,
time-zone conversion and ``.timestamp()`` call per value in Python.

PostgreSQL: ``date_part('epoch', ...)``, double precision (microseconds kept; EXTRACT
would give numeric, which psycopg turns into Decimal). SQLite: from ``julianday``, which
keeps milliseconds.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Float


class epoch(FunctionElement[float]):
    type = Float()
    inherit_cache = True
    name = "epoch"


@compiles(epoch)
def _sqlite(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@compiles(epoch, "postgresql")
def _postgresql(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date_part('epoch', {compiler.process(element.clauses, **kw)})"
