"""Module versions and the guards shared by module, lesson and item authoring."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import Conflict
from api.models import Item, Lesson, Module, ModuleStatus, ModuleVersion, Role, User
from api.services import media_use
from api.services._query import one_or_404, require_role

MODULE_FIELDS = (
    "title",
    "summary",
    "estimated_minutes",
    "tags",
    "visibility",
    "application_prompt",
    "reflection_question",
)
LESSON_FIELDS = ("title", "body_markdown", "key_points", "lead_media_id")


def live_items(session: Session, module_id: int) -> list[Item]:
    return list(
        session.scalars(
            select(Item)
            .join(Lesson, Lesson.id == Item.lesson_id)
            .where(Item.module_id == module_id, Item.retired_at.is_(None))
            .order_by(Lesson.position, Item.position, Item.id)
        )
    )


def get_lesson(session: Session, *, actor: User, lesson_id: int) -> Lesson:
    require_role(actor, Role.ADMIN)
    return one_or_404(
        session,
        select(Lesson)
        .join(Module, Module.id == Lesson.module_id)
        .where(Lesson.id == lesson_id, Module.organization_id == actor.organization_id),
        "No such lesson.",
    )


def refuse_archived(module: Module) -> None:
    if module.status is ModuleStatus.ARCHIVED:
        raise Conflict(
            "This module is archived; publish it again to edit it.", code="module_archived"
        )


def record_change(
    session: Session, module: Module, *, actor: User, change: str, now: dt.datetime
) -> None:
    """Published content that changes becomes a new version, with a snapshot of it."""
    module.updated_at = now
    if module.status is not ModuleStatus.PUBLISHED:
        return
    session.flush()
    session.refresh(module, ["lessons"])
    # What learners get must have its texts (alt text, transcripts), edits included.
    media_use.refuse_missing_text(session, module.organization_id, module.lessons)
    module.version += 1
    session.flush()
    session.add(
        ModuleVersion(
            module_id=module.id,
            version=module.version,
            change=change,
            snapshot=snapshot(session, module),
            created_at=now,
            created_by_id=actor.id,
        )
    )


def snapshot(session: Session, module: Module) -> dict[str, Any]:
    items_by_lesson: dict[int, list[dict[str, Any]]] = {}
    for item in live_items(session, module.id):
        items_by_lesson.setdefault(item.lesson_id, []).append(
            {
                "id": item.id,
                "revision": item.revision,
                "kind": item.kind.value,
                "prompt": item.prompt,
                "options": item.options,
                "answer": item.answer,
                "explanation": item.explanation,
                "prompt_media_id": item.prompt_media_id,
                "option_media_ids": item.option_media_ids,
            }
        )
    lessons = session.scalars(
        select(Lesson).where(Lesson.module_id == module.id).order_by(Lesson.position)
    )
    return {
        **{f: getattr(module, f) for f in MODULE_FIELDS},
        "lessons": [
            {
                "id": lesson.id,
                **{f: getattr(lesson, f) for f in LESSON_FIELDS},
                "items": items_by_lesson.get(lesson.id, []),
            }
            for lesson in lessons
        ],
    }
