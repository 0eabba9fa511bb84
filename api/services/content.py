"""Authoring modules and lessons (items: api/services/items.py; versions: versions.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import Conflict, Invalid
from api.models import Item, Lesson, Module, ModuleStatus, ModuleVersion, Role, User
from api.services import items, media_use
from api.services._query import one_or_404, paginate, require_role
from api.services.versions import (
    LESSON_FIELDS,
    MODULE_FIELDS,
    get_lesson,
    live_items,
    record_change,
    refuse_archived,
)

# --- reading ----------------------------------------------------------------------------


def get_module(session: Session, *, actor: User, module_id: int) -> Module:
    require_role(actor, Role.ADMIN)
    return one_or_404(
        session,
        select(Module).where(
            Module.id == module_id, Module.organization_id == actor.organization_id
        ),
        "No such module.",
    )


def list_modules(
    session: Session, *, actor: User, status: ModuleStatus | None, page: int, page_size: int
) -> tuple[list, int]:
    require_role(actor, Role.ADMIN)
    stmt = select(Module).where(Module.organization_id == actor.organization_id)
    if status is not None:
        stmt = stmt.where(Module.status == status)
    return paginate(session, stmt.order_by(Module.id), page=page, page_size=page_size)


def list_versions(session: Session, *, actor: User, module_id: int) -> list[ModuleVersion]:
    module = get_module(session, actor=actor, module_id=module_id)
    return list(
        session.scalars(
            select(ModuleVersion)
            .where(ModuleVersion.module_id == module.id)
            .order_by(ModuleVersion.version)
        )
    )


# --- writing ----------------------------------------------------------------------------


def create_module(
    session: Session, *, actor: User, data: Mapping[str, Any], now: dt.datetime
) -> Module:
    require_role(actor, Role.ADMIN)
    module = Module(
        organization_id=actor.organization_id,
        status=ModuleStatus.DRAFT,
        version=0,
        created_at=now,
        updated_at=now,
        **{f: data[f] for f in MODULE_FIELDS if f in data},
    )
    session.add(module)
    session.flush()
    for lesson_data in data.get("lessons", []):
        _add_lesson(session, module, lesson_data)
    session.commit()
    return module


def update_module(
    session: Session, *, actor: User, module_id: int, changes: Mapping[str, Any], now: dt.datetime
) -> Module:
    module = get_module(session, actor=actor, module_id=module_id)
    refuse_archived(module)
    for field in MODULE_FIELDS:
        if field in changes:
            setattr(module, field, changes[field])
    record_change(session, module, actor=actor, change="module edited", now=now)
    session.commit()
    return module


def publish_module(session: Session, *, actor: User, module_id: int, now: dt.datetime) -> Module:
    """Publish (idempotent: publishing a published module changes nothing)."""
    module = get_module(session, actor=actor, module_id=module_id)
    if module.status is ModuleStatus.PUBLISHED:
        return module
    items = live_items(session, module.id)
    if not module.lessons or not items:
        raise Invalid(
            "A module needs at least one lesson and one practice item to be published.",
            code="module_incomplete",
        )
    module.status = ModuleStatus.PUBLISHED
    module.published_at = now
    record_change(session, module, actor=actor, change="published", now=now)
    session.commit()
    return module


def archive_module(session: Session, *, actor: User, module_id: int, now: dt.datetime) -> Module:
    """Archive (idempotent). Learners stop seeing it; their history is kept."""
    module = get_module(session, actor=actor, module_id=module_id)
    if module.status is not ModuleStatus.ARCHIVED:
        module.status = ModuleStatus.ARCHIVED
        module.updated_at = now
        session.commit()
    return module


def add_lesson(
    session: Session, *, actor: User, module_id: int, data: Mapping[str, Any], now: dt.datetime
) -> Lesson:
    module = get_module(session, actor=actor, module_id=module_id)
    refuse_archived(module)
    lesson = _add_lesson(session, module, data)
    record_change(session, module, actor=actor, change=f"lesson {lesson.id} added", now=now)
    session.commit()
    return lesson


def update_lesson(
    session: Session, *, actor: User, lesson_id: int, changes: Mapping[str, Any], now: dt.datetime
) -> Lesson:
    lesson = get_lesson(session, actor=actor, lesson_id=lesson_id)
    refuse_archived(lesson.module)
    media_use.check_lesson(
        session,
        lesson.module.organization_id,
        {f: changes.get(f, getattr(lesson, f)) for f in ("lead_media_id", "body_markdown")},
    )
    for field in LESSON_FIELDS:
        if field in changes:
            setattr(lesson, field, changes[field])
    record_change(session, lesson.module, actor=actor, change=f"lesson {lesson.id} edited", now=now)
    session.commit()
    return lesson


def delete_lesson(session: Session, *, actor: User, lesson_id: int) -> None:
    lesson = get_lesson(session, actor=actor, lesson_id=lesson_id)
    if lesson.module.version > 0:
        raise Conflict(
            "Learners have seen this lesson: retire its items or archive the module instead.",
            code="lesson_published",
        )
    for item in session.scalars(select(Item).where(Item.lesson_id == lesson.id)):
        session.delete(item)
    session.delete(lesson)
    session.commit()


# --- internals --------------------------------------------------------------------------


def _add_lesson(session: Session, module: Module, data: Mapping[str, Any]) -> Lesson:
    media_use.check_lesson(session, module.organization_id, data)
    position = len(module.lessons)
    lesson = Lesson(
        module_id=module.id, position=position, **{f: data[f] for f in LESSON_FIELDS if f in data}
    )
    module.lessons.append(lesson)
    session.flush()
    for item_data in data.get("items", []):
        items.create_item(session, lesson, item_data)
    return lesson
