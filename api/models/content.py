"""Learning content: modules, their lessons and practice items, and published versions.

Versioning rule (see README, "Content versions"):
- A module's ``version`` counts its published states. Publishing stores a snapshot; any
  edit to a published module's content bumps the version and stores a new snapshot.
- An item keeps its identity (id) through changes to its wording: prompt, option texts,
  explanation. Its ``revision`` counts those edits. Learners' memory of it is kept.
- Changing what an item asks for (its kind or correct answer) on published content makes
  it a different question: the old item is retired and a new one replaces it.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, UTCDateTime, intpk, str200
from api.models._types import str_enum
from api.models.organization import Organization


class ModuleStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Visibility(enum.StrEnum):
    # Anyone in the organization may enroll themselves.
    OPEN = "open"
    # Only people an admin assigned it to see it.
    ASSIGNED = "assigned"


class ItemKind(enum.StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    TRUE_FALSE = "true_false"
    FREE_RECALL = "free_recall"


class Module(Base):
    __tablename__ = "modules"

    id: Mapped[intpk]
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    title: Mapped[str200]
    summary: Mapped[str] = mapped_column(Text, default="")
    estimated_minutes: Mapped[int] = mapped_column(Integer)
    tags: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[ModuleStatus] = mapped_column(str_enum(ModuleStatus), default=ModuleStatus.DRAFT)
    visibility: Mapped[Visibility] = mapped_column(str_enum(Visibility), default=Visibility.OPEN)
    version: Mapped[int] = mapped_column(Integer, default=0)
    application_prompt: Mapped[str] = mapped_column(Text, default="")
    reflection_question: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    organization: Mapped[Organization] = relationship()
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position", cascade="all, delete-orphan"
    )


class Lesson(Base):
    __tablename__ = "lessons"

    id: Mapped[intpk]
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str200]
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    # Short statements a recap repeats.
    key_points: Mapped[list[str]] = mapped_column(default=list)
    # An image above the lesson; more media sit in the body as ![alt](media:ID).
    lead_media_id: Mapped[int | None] = mapped_column(ForeignKey("media_assets.id"))

    module: Mapped[Module] = relationship(back_populates="lessons")
    # Only the items in force; retired ones stay in the table for history.
    items: Mapped[list[Item]] = relationship(
        order_by="Item.position",
        primaryjoin="and_(Lesson.id == Item.lesson_id, Item.retired_at.is_(None))",
        viewonly=True,
    )


class Item(Base):
    __tablename__ = "items"

    id: Mapped[intpk]
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[ItemKind] = mapped_column(str_enum(ItemKind))
    prompt: Mapped[str] = mapped_column(Text)
    # Choice texts in display order; the answer refers to them by index.
    options: Mapped[list[str]] = mapped_column(default=list)
    # {"correct": [indexes]} for choice items, {"value": bool} for true/false,
    # {"model_answer": text} for free recall (the learner grades themselves).
    answer: Mapped[dict[str, Any]] = mapped_column()
    explanation: Mapped[str] = mapped_column(Text, default="")
    # An image or audio clip with the prompt, and an image per option (None: text only).
    # Part of what is asked: changing them on published content makes a new item.
    prompt_media_id: Mapped[int | None] = mapped_column(ForeignKey("media_assets.id"))
    option_media_ids: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))

    lesson: Mapped[Lesson] = relationship(foreign_keys=[lesson_id])


class ModuleVersion(Base):
    """Snapshot of a module's content as learners saw it at one version."""

    __tablename__ = "module_versions"
    __table_args__ = (UniqueConstraint("module_id", "version"),)

    id: Mapped[intpk]
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(String(200))
    snapshot: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
