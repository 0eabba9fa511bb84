"""Organization (the tenant), its teams and its users."""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from typing import Any

from sqlalchemy import (
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    UniqueConstraint,
    literal,
)
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from api.db import Base, UTCDateTime, intpk, str200
from api.models._types import str_enum


class Role(enum.StrEnum):
    LEARNER = "learner"
    MANAGER = "manager"
    ADMIN = "admin"


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[intpk]
    name: Mapped[str200]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # Practice settings; a change takes effect at the next decision, history is untouched.
    target_retention: Mapped[float] = mapped_column(Float, default=0.9, server_default="0.9")
    session_minutes: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    new_items_per_day: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    max_reviews_per_day: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    # date.weekday() numbers (Monday 0) on which learners practise and get reminders.
    practice_weekdays: Mapped[list[Any]] = mapped_column(
        default=lambda: [0, 1, 2, 3, 4], server_default="[0, 1, 2, 3, 4]"
    )
    holidays: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    # Reminder defaults for learners who set none.
    reminder_window_start: Mapped[str] = mapped_column(
        String(5), default="08:30", server_default="08:30"
    )
    reminder_window_end: Mapped[str] = mapped_column(
        String(5), default="17:30", server_default="17:30"
    )
    max_pushes_per_day: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
    # Analytics only over groups of at least this many learners (never below 3).
    min_group_size: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    # The team space dates every post in this zone, whoever wrote it: an author's own zone
    # would tell a Berliner's late post from a New Yorker's.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    # What the xAPI export holds: "completions" (the compliance need) or "activity"
    # (each learner's answers and outcomes too, which an admin must turn on).
    xapi_scope: Mapped[str] = mapped_column(
        String(12), default="completions", server_default="completions"
    )
    # Keys the pseudonyms of the xAPI export: never the user id, never an unsalted hash.
    pseudonym_key: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(32))

    teams: Mapped[list[Team]] = relationship(back_populates="organization")


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: Mapped[intpk]
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str200]
    # Shared with colleagues so that they can join without an invitation.
    join_code: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    organization: Mapped[Organization] = relationship(back_populates="teams")


class User(Base):
    """A member of one organization. Invited users exist before they first sign in."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("organization_id", "email"),
        # What member_key refers to.
        UniqueConstraint("id", "organization_id", name="uq_users_id_organization_id"),
    )

    id: Mapped[intpk]
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    # Null until the invited person first signs in with a verified matching email.
    firebase_uid: Mapped[str | None] = mapped_column(String(128), unique=True)
    # Stored lower-cased, and only ever an invitation's address or a verified one (None:
    # joined with a code under an address Firebase had not verified).
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(str_enum(Role), default=Role.LEARNER)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    locale: Mapped[str] = mapped_column(String(35), default="en")
    invited_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    joined_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Set when the person had their data deleted: the row stays only as an anonymous
    # tombstone so that group figures (enrollments, completions) stay true.
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Not columns: the FSRS weights in force for this learner and their parameter set's id
    # (0 and None: the defaults), loaded with the member at sign-in
    # (api.services.memory.with_weights_in_force) so that a request needs no query for
    # them; an id of -1 when the user was loaded any other way.
    weights_in_force_id: Mapped[int] = query_expression(default_expr=literal(-1))
    weights_in_force: Mapped[list[float] | None] = query_expression()

    organization: Mapped[Organization] = relationship()
    team: Mapped[Team | None] = relationship()


def member_key(table: str) -> ForeignKeyConstraint:
    """A row's learner and organization as one foreign key: the row's organization is
    its learner's, checked by the database.

    For the tables written on every answer and every planned push (the review log, memory
    states, xAPI statements, the outbox) it replaces a key on each column. A key on
    ``organization_id`` alone had every write in an organization lock its one row
    (``FOR KEY SHARE``), and cost as much again as the rest of the insert's checks: 100,000
    pushes inserted in 3.1-3.2 s with both keys, 2.3-2.8 s with this one (PostgreSQL 15,
    ``bench/README.md``). A row without a learner (``user_id`` NULL, a voided xAPI
    statement) is not checked.
    """
    return ForeignKeyConstraint(
        ["user_id", "organization_id"],
        ["users.id", "users.organization_id"],
        name=f"fk_{table}_member",
    )
