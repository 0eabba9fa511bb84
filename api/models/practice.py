"""The review log (append-only), memory states derived from it, fitted FSRS parameters, recaps."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, bigpk, intpk
from api.models.organization import member_key


class ReviewLog(Base):
    """One answer as the phone sent it. Never updated or deleted by practice."""

    __tablename__ = "review_logs"
    __table_args__ = (
        # The client's id makes a retried upload a no-op.
        UniqueConstraint("user_id", "client_review_id"),
        Index("ix_review_logs_user_item_time", "user_id", "item_id", "answered_at"),
        Index("ix_review_logs_user_time", "user_id", "answered_at"),
        Index("ix_review_logs_org_time", "organization_id", "answered_at"),
        member_key("review_logs"),
    )

    id: Mapped[bigpk]
    organization_id: Mapped[int] = mapped_column()
    user_id: Mapped[int] = mapped_column()
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    item_revision: Mapped[int] = mapped_column(Integer)
    client_review_id: Mapped[str] = mapped_column(String(64))
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column()
    confidence: Mapped[str | None] = mapped_column(String(10))
    rating: Mapped[int] = mapped_column(SmallInteger)
    correct: Mapped[bool | None] = mapped_column(Boolean)


class MemoryState(Base):
    """FSRS state of one learner for one item: a function of that pair's ordered log."""

    __tablename__ = "memory_states"
    __table_args__ = (
        Index("ix_memory_states_user_module", "user_id", "module_id"),
        Index("ix_memory_states_org_module", "organization_id", "module_id"),
        member_key("memory_states"),
    )

    user_id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    organization_id: Mapped[int] = mapped_column()
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    stability: Mapped[float] = mapped_column(Float)
    difficulty: Mapped[float] = mapped_column(Float)
    phase: Mapped[int] = mapped_column(SmallInteger)
    step: Mapped[int | None] = mapped_column(SmallInteger)
    first_review_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_review_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    fsrs_due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    reps: Mapped[int] = mapped_column(Integer)
    lapses: Mapped[int] = mapped_column(Integer)
    # The fitted parameter set that computed it (None: FSRS-6 defaults).
    parameter_set_id: Mapped[int | None] = mapped_column(ForeignKey("parameter_sets.id"))


class ParameterSet(Base):
    """FSRS-6 weights fitted for an organization, or for one learner with enough reviews."""

    __tablename__ = "parameter_sets"
    __table_args__ = (Index("ix_parameter_sets_owner", "organization_id", "user_id", "adopted"),)

    id: Mapped[intpk]
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    weights: Mapped[list[Any]] = mapped_column()
    fitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    training_reviews: Mapped[int] = mapped_column(Integer)
    holdout_reviews: Mapped[int] = mapped_column(Integer)
    holdout_log_loss: Mapped[float] = mapped_column(Float)
    incumbent_log_loss: Mapped[float] = mapped_column(Float)
    adopted: Mapped[bool] = mapped_column(Boolean, default=False)


class RecapLog(Base):
    """A learner studied the recap of a module."""

    __tablename__ = "recap_logs"
    __table_args__ = (Index("ix_recap_logs_user_module", "user_id", "module_id", "studied_at"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    studied_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
