"""Authoring practice items, under the versioning rule in api/models/content.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import Conflict, Invalid
from api.models import Item, ItemKind, Lesson, Module, Role, User
from api.services import media_use
from api.services._query import one_or_404, require_role
from api.services.versions import get_lesson, record_change, refuse_archived

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


def add_item(
    session: Session, *, actor: User, lesson_id: int, data: Mapping[str, Any], now: dt.datetime
) -> Item:
    lesson = get_lesson(session, actor=actor, lesson_id=lesson_id)
    refuse_archived(lesson.module)
    item = create_item(session, lesson, data)
    record_change(session, lesson.module, actor=actor, change=f"item {item.id} added", now=now)
    session.commit()
    return item


def update_item(
    session: Session, *, actor: User, item_id: int, changes: Mapping[str, Any], now: dt.datetime
) -> Item:
    """Edit an item. Returns the item now in force: a new one if the question changed."""
    item = get_item(session, actor=actor, item_id=item_id)
    module = item.lesson.module
    refuse_archived(module)
    if item.retired_at is not None:
        raise Conflict("This item was retired; edit its replacement.", code="item_retired")
    merged = {
        "kind": changes.get("kind", item.kind),
        "options": changes.get("options", item.options),
        "answer": changes.get("answer", item.answer),
        "prompt": changes.get("prompt", item.prompt),
        "explanation": changes.get("explanation", item.explanation),
        "prompt_media_id": changes.get("prompt_media_id", item.prompt_media_id),
        "option_media_ids": changes.get("option_media_ids", item.option_media_ids),
    }
    check_item(merged["kind"], merged["options"], merged["answer"])
    media_use.check_item(session, module.organization_id, merged, merged["options"])
    # A picture or a recording is part of what is asked: another one, another question.
    question_changed = (
        merged["kind"] != item.kind
        or merged["answer"] != item.answer
        or len(merged["options"]) != len(item.options)
        or merged["prompt_media_id"] != item.prompt_media_id
        or list(merged["option_media_ids"] or []) != list(item.option_media_ids or [])
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
    record_change(session, module, actor=actor, change=change, now=now)
    session.commit()
    return item


def retire_item(session: Session, *, actor: User, item_id: int, now: dt.datetime) -> None:
    """Take an item out of practice (idempotent). Its review history is kept."""
    item = get_item(session, actor=actor, item_id=item_id)
    if item.retired_at is None:
        item.retired_at = now
        record_change(
            session, item.lesson.module, actor=actor, change=f"item {item.id} retired", now=now
        )
        session.commit()


def get_item(session: Session, *, actor: User, item_id: int) -> Item:
    require_role(actor, Role.ADMIN)
    return one_or_404(
        session,
        select(Item)
        .join(Module, Module.id == Item.module_id)
        .where(Item.id == item_id, Module.organization_id == actor.organization_id),
        "No such item.",
    )


def create_item(session: Session, lesson: Lesson, data: Mapping[str, Any]) -> Item:
    kind = ItemKind(data["kind"])
    options = list(data.get("options", []))
    check_item(kind, options, data["answer"])
    media_use.check_item(session, lesson.module.organization_id, data, options)
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
        prompt_media_id=data.get("prompt_media_id"),
        option_media_ids=list(data.get("option_media_ids") or []),
    )
    session.add(item)
    session.flush()
    return item
