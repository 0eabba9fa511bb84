"""Who studies what: enrollments, team assignments and lesson progress."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, UTCDateTime, intpk
from api.models._types import str_enum
from api.models.content import Module
from api.models.organization import User


class EnrollmentSource(enum.StrEnum):
    ASSIGNED = "assigned"
    SELF = "self"


class EnrollmentStatus(enum.StrEnum):
    ENROLLED = "enrolled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("user_id", "module_id"),
        # xAPI's completions of a period, a page at a time.
        Index("ix_enrollments_org_completed", "organization_id", "completed_at"),
    )

    id: Mapped[intpk]
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    source: Mapped[EnrollmentSource] = mapped_column(str_enum(EnrollmentSource))
    # Set when the enrollment came from assigning the module to a whole team.
    team_assignment_id: Mapped[int | None] = mapped_column(ForeignKey("team_assignments.id"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[EnrollmentStatus] = mapped_column(str_enum(EnrollmentStatus))
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    module: Mapped[Module] = relationship()


class TeamAssignment(Base):
    """A module assigned to a team: today's members and whoever joins the team later."""

    __tablename__ = "team_assignments"
    __table_args__ = (UniqueConstraint("team_id", "module_id"),)

    id: Mapped[intpk]
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class LessonProgress(Base):
    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    studied_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
