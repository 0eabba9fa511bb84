"""Released group figures: computed once per organization, week and cell, then frozen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, intpk


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


class XapiVoid(Base):
    """A statement exported (or exportable) about a person who has since erased their data:
    the next export carries an xAPI voiding statement for it, so that a record store that
    took it marks it void."""

    __tablename__ = "xapi_voids"
    __table_args__ = (Index("ix_xapi_voids_org_time", "organization_id", "voided_at"),)

    id: Mapped[intpk]
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    voided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
