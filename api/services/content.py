"""Authoring: modules, lessons and items, with the versioning rule in api/models/content.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import Conflict, Invalid, NotFound
from api.models import Item, ItemKind, Lesson, Module, ModuleStatus, ModuleVersion, Role, User
from api.services._query import paginate, require_role

_MODULE_FIELDS = (
    "title",
    "summary",
    "estimated_minutes",
    "tags",
    "visibility",
    "application_prompt",
    "reflection_question",
)
_LESSON_FIELDS = ("title", "body_markdown", "key_points")
_ITEM_WORDING = ("prompt", "options", "explanation")


def check_item(kind: ItemKind, options: list[str], answer: Mapping[str, Any]) -> None:
    """An item's answer must fit its kind and options. Raises Invalid with field errors."""
    problems: list[str] = []
    if kind in (ItemKind.SINGLE_CHOICE, ItemKind.MULTIPLE_CHOICE):
        correct = answer.get("correct")
        if len(options) < 2:
            problems.append("Choice items need at least two options.")
        if not isinstance(correct, list) or not correct:
            problems.append("Give the correct option indexes as answer.correct, e.g. [0].")
        elif any(not isinstance(i, int) or not 0 <= i < len(options) for i in correct):
            problems.append("answer.correct must index into options.")
        elif len(set(correct)) != len(correct):
            problems.append("answer.correct lists an option twice.")
        elif kind is ItemKind.SINGLE_CHOICE and len(correct) != 1:
            problems.append("A single-choice item has exactly one correct option.")
    elif kind is ItemKind.TRUE_FALSE:
        if options:
            problems.append("True/false items take no options.")
        if not isinstance(answer.get("value"), bool):
            problems.append("Give answer.value as true or false.")
    elif kind is ItemKind.FREE_RECALL:
        if options:
            problems.append("Free-recall items take no options.")
        if not str(answer.get("model_answer") or "").strip():
            problems.append("Give answer.model_answer: the learner compares against it.")
    if problems:
        raise Invalid("The item's answer does not fit its kind.", errors={"answer": problems})


# --- reading ----------------------------------------------------------------------------


def get_module(session: Session, *, actor: User, module_id: int) -> Module:
    require_role(actor, Role.ADMIN)
    module = session.scalar(
        select(Module).where(
            Module.id == module_id, Module.organization_id == actor.organization_id
        )
    )
    if module is None:
        raise NotFound("No such module.")
    return module


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


def live_items(session: Session, module_id: int) -> list[Item]:
    return list(
        session.scalars(
            select(Item)
            .join(Lesson, Lesson.id == Item.lesson_id)
            .where(Item.module_id == module_id, Item.retired_at.is_(None))
            .order_by(Lesson.position, Item.position, Item.id)
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
        **{f: data[f] for f in _MODULE_FIELDS if f in data},
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
    _refuse_archived(module)
    for field in _MODULE_FIELDS:
        if field in changes:
            setattr(module, field, changes[field])
    _record_change(session, module, actor=actor, change="module edited", now=now)
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
    _record_change(session, module, actor=actor, change="published", now=now)
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
    _refuse_archived(module)
    lesson = _add_lesson(session, module, data)
    _record_change(session, module, actor=actor, change=f"lesson {lesson.id} added", now=now)
    session.commit()
    return lesson


def update_lesson(
    session: Session, *, actor: User, lesson_id: int, changes: Mapping[str, Any], now: dt.datetime
) -> Lesson:
    lesson = _get_lesson(session, actor=actor, lesson_id=lesson_id)
    _refuse_archived(lesson.module)
    for field in _LESSON_FIELDS:
        if field in changes:
            setattr(lesson, field, changes[field])
    _record_change(
        session, lesson.module, actor=actor, change=f"lesson {lesson.id} edited", now=now
    )
    session.commit()
    return lesson


def delete_lesson(session: Session, *, actor: User, lesson_id: int) -> None:
    lesson = _get_lesson(session, actor=actor, lesson_id=lesson_id)
    if lesson.module.version > 0:
        raise Conflict(
            "Learners have seen this lesson: retire its items or archive the module instead.",
            code="lesson_published",
        )
    for item in session.scalars(select(Item).where(Item.lesson_id == lesson.id)):
        session.delete(item)
    session.delete(lesson)
    session.commit()


def add_item(
    session: Session, *, actor: User, lesson_id: int, data: Mapping[str, Any], now: dt.datetime
) -> Item:
    lesson = _get_lesson(session, actor=actor, lesson_id=lesson_id)
    _refuse_archived(lesson.module)
    item = _add_item(session, lesson, data)
    _record_change(session, lesson.module, actor=actor, change=f"item {item.id} added", now=now)
    session.commit()
    return item


def update_item(
    session: Session, *, actor: User, item_id: int, changes: Mapping[str, Any], now: dt.datetime
) -> Item:
    """Edit an item. Returns the item now in force: a new one if the question changed."""
    item = get_item(session, actor=actor, item_id=item_id)
    module = item.lesson.module
    _refuse_archived(module)
    if item.retired_at is not None:
        raise Conflict("This item was retired; edit its replacement.", code="item_retired")
    merged = {
        "kind": changes.get("kind", item.kind),
        "options": changes.get("options", item.options),
        "answer": changes.get("answer", item.answer),
        "prompt": changes.get("prompt", item.prompt),
        "explanation": changes.get("explanation", item.explanation),
    }
    check_item(merged["kind"], merged["options"], merged["answer"])
    question_changed = (
        merged["kind"] != item.kind
        or merged["answer"] != item.answer
        or len(merged["options"]) != len(item.options)
    )
    if module.version > 0 and question_changed:
        # Learners remember the old question, not this one: a new identity.
        replacement = Item(
            module_id=item.module_id, lesson_id=item.lesson_id, position=item.position, **merged
        )
        session.add(replacement)
        session.flush()
        item.retired_at = now
        item.replaced_by_id = replacement.id
        change, item = f"item {item.id} replaced by {replacement.id}", replacement
    else:
        wording_changed = any(merged[f] != getattr(item, f) for f in _ITEM_WORDING)
        for field, value in merged.items():
            setattr(item, field, value)
        if module.version > 0 and wording_changed:
            item.revision += 1
        change = f"item {item.id} edited"
    _record_change(session, module, actor=actor, change=change, now=now)
    session.commit()
    return item


def retire_item(session: Session, *, actor: User, item_id: int, now: dt.datetime) -> None:
    """Take an item out of practice (idempotent). Its review history is kept."""
    item = get_item(session, actor=actor, item_id=item_id)
    if item.retired_at is None:
        item.retired_at = now
        _record_change(
            session, item.lesson.module, actor=actor, change=f"item {item.id} retired", now=now
        )
        session.commit()


def get_item(session: Session, *, actor: User, item_id: int) -> Item:
    require_role(actor, Role.ADMIN)
    item = session.scalar(
        select(Item)
        .join(Module, Module.id == Item.module_id)
        .where(Item.id == item_id, Module.organization_id == actor.organization_id)
    )
    if item is None:
        raise NotFound("No such item.")
    return item


# --- internals --------------------------------------------------------------------------


def _get_lesson(session: Session, *, actor: User, lesson_id: int) -> Lesson:
    require_role(actor, Role.ADMIN)
    lesson = session.scalar(
        select(Lesson)
        .join(Module, Module.id == Lesson.module_id)
        .where(Lesson.id == lesson_id, Module.organization_id == actor.organization_id)
    )
    if lesson is None:
        raise NotFound("No such lesson.")
    return lesson


def _refuse_archived(module: Module) -> None:
    if module.status is ModuleStatus.ARCHIVED:
        raise Conflict(
            "This module is archived; publish it again to edit it.", code="module_archived"
        )


def _add_lesson(session: Session, module: Module, data: Mapping[str, Any]) -> Lesson:
    position = len(module.lessons)
    lesson = Lesson(
        module_id=module.id, position=position, **{f: data[f] for f in _LESSON_FIELDS if f in data}
    )
    module.lessons.append(lesson)
    session.flush()
    for item_data in data.get("items", []):
        _add_item(session, lesson, item_data)
    return lesson


def _add_item(session: Session, lesson: Lesson, data: Mapping[str, Any]) -> Item:
    kind = ItemKind(data["kind"])
    options = list(data.get("options", []))
    check_item(kind, options, data["answer"])
    position = session.scalar(
        select(Item.position).where(Item.lesson_id == lesson.id).order_by(Item.position.desc())
    )
    item = Item(
        module_id=lesson.module_id,
        lesson_id=lesson.id,
        position=0 if position is None else position + 1,
        kind=kind,
        prompt=data["prompt"],
        options=options,
        answer=dict(data["answer"]),
        explanation=data.get("explanation", ""),
    )
    session.add(item)
    session.flush()
    return item


def _record_change(
    session: Session, module: Module, *, actor: User, change: str, now: dt.datetime
) -> None:
    """Published content that changes becomes a new version, with a snapshot of it."""
    module.updated_at = now
    if module.status is not ModuleStatus.PUBLISHED:
        return
    module.version += 1
    session.flush()
    session.add(
        ModuleVersion(
            module_id=module.id,
            version=module.version,
            change=change,
            snapshot=_snapshot(session, module),
            created_at=now,
            created_by_id=actor.id,
        )
    )


def _snapshot(session: Session, module: Module) -> dict[str, Any]:
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
            }
        )
    lessons = session.scalars(
        select(Lesson).where(Lesson.module_id == module.id).order_by(Lesson.position)
    )
    return {
        **{f: getattr(module, f) for f in _MODULE_FIELDS},
        "lessons": [
            {
                "id": lesson.id,
                **{f: getattr(lesson, f) for f in _LESSON_FIELDS},
                "items": items_by_lesson.get(lesson.id, []),
            }
            for lesson in lessons
        ],
    }
