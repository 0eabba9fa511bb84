"""Small query helpers shared by the services."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from api.errors import Forbidden, NotFound
from api.models import Role, User

T = TypeVar("T")


def paginate(session: Session, stmt: Select[Any], *, page: int, page_size: int) -> tuple[list, int]:
    """One page of ``stmt`` (which must be ordered) and the total count."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    offset = page_offset(page, page_size, total)
    if offset is None:
        return [], total
    rows = session.scalars(stmt.limit(page_size).offset(offset)).all()
    return list(rows), total


def page_offset(page: int, page_size: int, total: int) -> int | None:
    """Rows to skip for ``page``; None past the last row. A page number far past the end
    would make an offset no database integer holds (found by schemathesis: a 500)."""
    offset = (page - 1) * page_size
    return None if offset >= max(total, 1) and page > 1 else offset


def one_or_404(session: Session, stmt: Select[T], message: str, *, code: str | None = None) -> T:
    """The one row ``stmt`` finds, or a 404. Put the caller's scope (organization, owner) in
    ``stmt``: a row outside it is as absent as one that does not exist."""
    found = session.scalar(stmt)
    if found is None:
        raise NotFound(message, code=code)
    return found


def require_role(actor: User, *roles: Role) -> None:
    if actor.role not in roles:
        raise Forbidden("Your role does not allow this.", code="role_forbidden")
