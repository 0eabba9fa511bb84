"""Devices, reminder preferences and the notification outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, UTCDateTime, bigpk, intpk
from api.models.organization import User, member_key


class Device(Base):
    """A phone that can receive pushes. A token belongs to whoever registered it last."""

    __tablename__ = "devices"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    token: Mapped[str] = mapped_column(String(512), unique=True)
    platform: Mapped[str] = mapped_column(String(10))
    app_version: Mapped[str] = mapped_column(String(40), default="")
    locale: Mapped[str] = mapped_column(String(35), default="en")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class ReminderPreferences(Base):
    """A learner's choices; absent fields fall back to the organization's defaults."""

    __tablename__ = "reminder_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    window_start: Mapped[str | None] = mapped_column(String(5))  # "08:30" local
    window_end: Mapped[str | None] = mapped_column(String(5))
    working_days: Mapped[list[Any] | None] = mapped_column()  # date.weekday() numbers
    quiet_start: Mapped[str | None] = mapped_column(String(5))  # e.g. lunch "12:00"
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    max_per_day: Mapped[int | None] = mapped_column(SmallInteger)
    paused_until: Mapped[dt.date | None] = mapped_column()


class Notification(Base):
    """One push to one learner (sent to each of their devices): a row of the outbox.

    ``dedupe_key`` (kind and local day) makes planning idempotent: running the planner
    twice, or on two machines, plans nothing twice.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "dedupe_key"),
        # What the dispatcher scans: due rows, and claims that may have expired.
        Index(
            "ix_notifications_due",
            "send_at",
            postgresql_where=text("status IN ('pending', 'claimed')"),
            sqlite_where=text("status IN ('pending', 'claimed')"),
        ),
        Index("ix_notifications_org_status", "organization_id", "status"),
        Index("ix_notifications_user_sent", "user_id", "sent_at"),
        member_key("notifications"),
    )

    id: Mapped[bigpk]
    organization_id: Mapped[int] = mapped_column()
    user_id: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20))
    dedupe_key: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column()
    send_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # Past this moment it is dropped as stale rather than sent late.
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claim_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    fcm_message_ids: Mapped[list[Any]] = mapped_column(default=list)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class LearnerPlanning(Base):
    """Planning by change (``api.services.replanning``): when the planner next looks at a
    learner (unset: at its next run), and a counter every change bumps. No row: nothing
    has happened that planning reads (every change writes one).

    A table of its own, not columns of ``users``: the planner sets ``plan_at`` for every
    learner it plans and every answer unsets it, and on ``users`` each such update wrote
    an entry into each of its eight indexes (``plan_at`` is indexed, so no update is
    HOT). 100,000 updates: 2.3-2.7 s on ``users``, 0.67 s here (``bench/README.md``).
    """

    __tablename__ = "learner_planning"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    plan_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    plan_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class WorkerHeartbeat(Base):
    """A worker process says it is alive, and how its planning and sending go.

    One row per worker (``host:pid``), written every few seconds; ``/metrics`` and
    ``/readyz`` read them, so a dead worker shows at once, not only as pushes age.
    """

    __tablename__ = "worker_heartbeats"

    worker_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    beat_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # The last planner run that finished, and how long it took.
    planned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    plan_seconds: Mapped[float | None] = mapped_column()
    plan_failures: Mapped[int] = mapped_column(Integer, default=0)
    quota_pauses: Mapped[int] = mapped_column(Integer, default=0)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    stopped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class PlannerSlice(Base):
    """One of the fixed parts the planner's work is cut into (learners by ``id % n``).

    A worker claims a slice that is due (not planned in the last run interval, not held
    by a live claim), plans its learners, and marks it planned: several workers on several
    hosts plan disjoint parts at once, and a dead worker's claim simply expires.
    """

    __tablename__ = "planner_slices"

    slice: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    planned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claim_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
