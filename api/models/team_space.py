"""The team space beyond reflections: questions, answers, and the moderation log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, intpk


class TeamQuestion(Base):
    """A question to one's team, by name or anonymously.

    Anonymous questions get what anonymous reflections get: a random ``public_id``, the
    day of the batch that published them only, and a random place within it.
    ``author_id`` is kept for the author alone (None once they erased their data).
    """

    __tablename__ = "team_questions"
    __table_args__ = (Index("ix_team_questions_feed", "team_id", "asked_on", "sort_key"),)

    id: Mapped[intpk]
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    asked_on: Mapped[dt.date] = mapped_column()
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    sort_key: Mapped[str] = mapped_column(String(32))
    hidden_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class TeamAnswer(Base):
    """A teammate's or manager's answer, always by name; a manager may mark it useful and
    an admin may turn a useful one into a practice item (``item_id``)."""

    __tablename__ = "team_answers"

    id: Mapped[intpk]
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("team_questions.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    useful_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    useful_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    hidden_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ModerationAction(Base):
    """Who hid or restored which post, when and why. It never names a post's author."""

    __tablename__ = "moderation_actions"
    __table_args__ = (Index("ix_moderation_actions_team", "organization_id", "team_id", "id"),)

    id: Mapped[intpk]
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    moderator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    post_kind: Mapped[str] = mapped_column(String(12))  # reflection|question|answer
    post_id: Mapped[str] = mapped_column(String(32))  # the post's public id
    action: Mapped[str] = mapped_column(String(8))  # hide|restore
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
