"""Released group figures: computed once per organization, week and cell, then frozen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, bigpk, intpk
from api.models.organization import member_key


class AnalyticsRelease(Base):
    """The figures of one cell (the organization or a team; all modules or one) for one
    week (Monday, UTC), as released: noise drawn once, membership of ``released_at``.

    Asked again, the same row answers: repeated or cleverly timed questions learn nothing
    new. Keys are 0 for "the whole organization" and "all modules" (NULLs would not be
    unique on PostgreSQL).
    """

    __tablename__ = "analytics_releases"
    __table_args__ = (UniqueConstraint("organization_id", "week", "team_key", "module_key"),)

    id: Mapped[intpk]
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    week: Mapped[dt.date] = mapped_column()
    team_key: Mapped[int] = mapped_column(Integer)
    module_key: Mapped[int] = mapped_column(Integer)
    released_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    figures: Mapped[dict[str, Any]] = mapped_column()


class XapiStatement(Base):
    """An xAPI statement as exported, written once when its record is stored and never
    changed: a record store that took it must get the same content under the same id.

    ``id`` orders the export (the cursor); ``stored_at`` is when the record reached the
    server, which is what an export's period means (xAPI's ``stored``). ``user_id`` is kept
    only to find a person's statements on erasure (they are then deleted, and voided).
    """

    __tablename__ = "xapi_statements"
    __table_args__ = (
        Index("ix_xapi_statements_org_stored", "organization_id", "stored_at", "id"),
        member_key("xapi_statements"),
    )

    id: Mapped[bigpk]
    organization_id: Mapped[int] = mapped_column()
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    verb: Mapped[str] = mapped_column(String(12))  # completed|answered|tried|voided
    user_id: Mapped[int | None] = mapped_column(index=True)
    stored_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    statement: Mapped[dict[str, Any]] = mapped_column()
