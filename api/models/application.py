"""Learning as execution: trying a module's idea at work, and reflecting on it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, intpk


class ApplicationPrompt(Base):
    """'Try this at work' for one learner and module, then 'how did it go?'.

    ``apply_on`` and ``follow_up_on`` are the learner's local working days on which the
    two pushes go out. "Not yet" moves both on, at most twice; then the prompt is let go.
    """

    __tablename__ = "application_prompts"
    __table_args__ = (
        UniqueConstraint("user_id", "module_id"),
        Index("ix_application_prompts_open", "status", "follow_up_on"),
        # xAPI's "tried at work" of a period, a page at a time.
        Index("ix_application_prompts_org_answered", "organization_id", "answered_at"),
    )

    id: Mapped[intpk]
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open|answered|let_go
    apply_on: Mapped[dt.date] = mapped_column()
    follow_up_on: Mapped[dt.date] = mapped_column()
    postponed: Mapped[int] = mapped_column(SmallInteger, default=0)
    # The days the planner has planned each push for: one push per scheduled day.
    apply_planned_for: Mapped[dt.date | None] = mapped_column()
    follow_up_planned_for: Mapped[dt.date | None] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(String(12))  # worked|mixed|not_yet
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Reflection(Base):
    """A learner's reflection: private unless they share it with their team.

    Shared anonymously, the team sees neither the author nor an exact time nor an order
    that gives them away: only ``public_id`` (random, new at every change of visibility),
    the day of the batch that published it (``published_at``, the organization's next
    midnight), and a random sort key. The author is kept so that they alone can edit or
    delete it; None once the author erased their data (the post stays, tied to nobody).
    """

    __tablename__ = "reflections"
    __table_args__ = (Index("ix_reflections_team_feed", "team_id", "shared_on", "sort_key"),)

    id: Mapped[intpk]
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"))
    prompt_id: Mapped[int | None] = mapped_column(ForeignKey("application_prompts.id"))
    body: Mapped[str] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(10))  # private|team|anonymous
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))  # when shared
    shared_on: Mapped[dt.date | None] = mapped_column()
    # When it enters the team's feed: at once by name, at the next batch anonymously.
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    sort_key: Mapped[str | None] = mapped_column(String(32))
    # Set by a moderator: out of the feed, still the author's.
    hidden_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
