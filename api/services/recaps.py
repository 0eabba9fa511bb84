"""Recaps: the key points of a module the learner is starting to forget."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.models import Enrollment, EnrollmentStatus, Module, ModuleStatus, RecapLog, User
from api.services._query import one_or_404
from api.services.learners import organization_of
from api.services.memory import model_for
from api.services.practice import learner_history, learner_items
from api.services.shown import items_to_show
from scheduler.history import memories
from scheduler.recaps import recaps_due
from scheduler.types import Memory


def due_recaps(session: Session, *, user: User, now: dt.datetime) -> list[dict[str, Any]]:
    """Recaps ``scheduler.recaps`` finds due, with what the app shows."""
    organization = organization_of(session, user)
    model, _ = model_for(session, user=user)
    last_recaps = dict(
        session.execute(
            select(RecapLog.module_id, func.max(RecapLog.studied_at))
            .where(RecapLog.user_id == user.id)
            .group_by(RecapLog.module_id)
        ).all()
    )
    items = learner_items(session, user=user)
    known = memories(learner_history(session, user=user, now=now, items=items), model)
    by_module: dict[int, list[tuple[int, Memory]]] = {}
    for entry in items:
        if entry.item_id in known:
            by_module.setdefault(entry.module_id, []).append((entry.item_id, known[entry.item_id]))
    recaps = []
    for due in recaps_due(
        by_module,
        last_recaps=last_recaps,
        now=now,
        model=model,
        target=organization.target_retention,
    ):
        shown = items_to_show(session, list(due.weakest))
        module = session.get_one(Module, due.module_id)
        recaps.append(
            {
                "module": module,
                "recall_now": due.recall,
                "key_points": [p for lesson in module.lessons for p in lesson.key_points],
                "items": [shown[i][0] for i in due.weakest],
                "last_recap_at": last_recaps.get(due.module_id),
            }
        )
    return recaps


def record_recap(session: Session, *, user: User, module_id: int, now: dt.datetime) -> RecapLog:
    one_or_404(
        session,
        select(Enrollment.id)
        .join(Module, Module.id == Enrollment.module_id)
        .where(
            Enrollment.user_id == user.id,
            Enrollment.module_id == module_id,
            Enrollment.status != EnrollmentStatus.WITHDRAWN,
            Module.status == ModuleStatus.PUBLISHED,
        ),
        "No such module among yours.",
    )
    log = RecapLog(user_id=user.id, module_id=module_id, studied_at=now)
    session.add(log)
    session.commit()
    return log
