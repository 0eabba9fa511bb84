"""Recording the SQL a piece of code sends: tests that promise fewer round trips."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import event
from sqlalchemy.orm import Session


@contextlib.contextmanager
def recorded(db: Session) -> Iterator[list[str]]:
    """The statements sent on ``db``'s engine inside the block, in order."""
    seen: list[str] = []

    def record(conn, cursor, statement, *rest) -> None:
        seen.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
