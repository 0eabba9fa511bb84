"""Recaps: the key points of a module the learner is starting to forget."""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.models import Enrollment, EnrollmentStatus, Module, ModuleStatus, RecapLog, User
from api.services._query import one_or_404
from api.services.memory import model_for
from api.services.practice import LearnerItem, items_to_show, learner_items, organization_of
from scheduler.memory import MemoryModel
from scheduler.types import Memory

RECAP_ITEMS = 3


def due_recaps(session: Session, *, user: User, now: dt.datetime) -> list[dict[str, Any]]:
    """Recaps of studied modules whose mean predicted recall fell below the target.

    After a recap, the next one waits at least the module's mean stability (in days), so
    recaps space out as memory grows stronger.
    """
    organization = organization_of(session, user)
    model, _ = model_for(session, user=user)
    last_recaps = dict(
        session.execute(
            select(RecapLog.module_id, func.max(RecapLog.studied_at))
            .where(RecapLog.user_id == user.id)
            .group_by(RecapLog.module_id)
        ).all()
    )
    by_module: dict[int, list[LearnerItem]] = {}
    for entry in learner_items(session, user=user):
        if entry.memory is not None:
            by_module.setdefault(entry.module_id, []).append(entry)
    recaps = []
    for module_id, entries in sorted(by_module.items()):
        recall = _mean_recall(model, [e.memory for e in entries if e.memory], now)
        stability = statistics.fmean(e.memory.stability for e in entries if e.memory)
        last = last_recaps.get(module_id)
        spaced = last is None or now - last >= dt.timedelta(days=max(1.0, stability))
        if recall >= organization.target_retention or not spaced:
            continue
        weakest = sorted(entries, key=lambda e: model.recall(e.memory, now) if e.memory else 0)
        shown = items_to_show(session, [e.item_id for e in weakest[:RECAP_ITEMS]])
        module = session.get(Module, module_id)
        assert module is not None
        recaps.append(
            {
                "module": module,
                "recall_now": recall,
                "key_points": [p for lesson in module.lessons for p in lesson.key_points],
                "items": [shown[e.item_id][0] for e in weakest[:RECAP_ITEMS]],
                "last_recap_at": last,
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


def _mean_recall(model: MemoryModel, memories: list[Memory], now: dt.datetime) -> float:
    return statistics.fmean(model.recall(m, now) for m in memories)
