"""Practice now, progress and recaps: loading a learner's items and asking the scheduler."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from api.models import (
    Enrollment,
    EnrollmentStatus,
    Item,
    Lesson,
    LessonProgress,
    MemoryState,
    Module,
    ModuleStatus,
    Organization,
    ReviewLog,
    User,
)
from api.services import application
from api.services.memory import model_for
from scheduler import load, practice, progress
from scheduler.types import Memory, Phase

DEFAULT_SECONDS_PER_ITEM = 20.0
STRUGGLE_WEIGHT = 1.5


@dataclass(frozen=True, slots=True)
class LearnerItem:
    item_id: int
    module_id: int
    position: int  # lesson position * 1000 + item position: the order of new items
    deadline: dt.datetime | None
    studied: bool  # the lesson (or the whole module) was studied: new items may start
    memory: Memory | None


def learner_items(session: Session, *, user: User) -> list[LearnerItem]:
    """Items of published modules the learner is enrolled in, with their memory states.

    Plain columns, no ORM objects: this runs on every "practise now" for every item a
    learner has. Indexes used: enrollments(user_id), items(module_id), the primary key
    of memory_states (user_id, item_id) and lesson_progress (user_id, lesson_id).
    """
    rows = session.execute(
        select(
            Item.id,
            Item.module_id,
            Lesson.position,
            Item.position,
            Enrollment.due_at,
            Enrollment.status,
            LessonProgress.id,
            MemoryState.stability,
            MemoryState.difficulty,
            MemoryState.phase,
            MemoryState.step,
            MemoryState.last_review_at,
            MemoryState.fsrs_due_at,
            MemoryState.reps,
            MemoryState.lapses,
        )
        .select_from(Enrollment)
        .join(Module, Module.id == Enrollment.module_id)
        .join(Item, Item.module_id == Module.id)
        .join(Lesson, Lesson.id == Item.lesson_id)
        .outerjoin(
            LessonProgress,
            and_(LessonProgress.lesson_id == Item.lesson_id, LessonProgress.user_id == user.id),
        )
        .outerjoin(
            MemoryState, and_(MemoryState.item_id == Item.id, MemoryState.user_id == user.id)
        )
        .where(
            Enrollment.user_id == user.id,
            Enrollment.status != EnrollmentStatus.WITHDRAWN,
            Module.organization_id == user.organization_id,
            Module.status == ModuleStatus.PUBLISHED,
            Item.retired_at.is_(None),
        )
    )
    return [
        LearnerItem(
            item_id=item_id,
            module_id=module_id,
            position=lesson_position * 1000 + item_position,
            deadline=due_at,
            studied=progress_id is not None or status is EnrollmentStatus.COMPLETED,
            memory=None
            if stability is None
            else Memory(stability, difficulty, Phase(phase), step, last, fsrs_due, reps, lapses),
        )
        for (
            item_id,
            module_id,
            lesson_position,
            item_position,
            due_at,
            status,
            progress_id,
            stability,
            difficulty,
            phase,
            step,
            last,
            fsrs_due,
            reps,
            lapses,
        ) in rows
    ]


def items_to_show(session: Session, item_ids: Sequence[int]) -> dict[int, tuple[Item, str]]:
    """The chosen items with their module titles, ready to render (one query)."""
    if not item_ids:
        return {}
    rows = session.execute(
        select(Item, Module.title)
        .join(Module, Module.id == Item.module_id)
        .where(Item.id.in_(item_ids))
    )
    return {item.id: (item, title) for item, title in rows}


@dataclass(frozen=True)
class PracticeSession:
    picks: list[tuple[practice.Pick, Item, str]]  # the pick, the item, its module's title
    due_now: int
    held_back: int
    estimated_minutes: float


def next_practice(
    session: Session, *, user: User, minutes: float | None, now: dt.datetime
) -> PracticeSession:
    organization = organization_of(session, user)
    model, _ = model_for(session, user=user)
    items = learner_items(session, user=user)
    seconds = seconds_per_item(session, user=user)
    day_start = local_day_start(now, user.time_zone)
    done_today = (
        session.scalar(
            select(func.count()).where(
                ReviewLog.user_id == user.id, ReviewLog.answered_at >= day_start
            )
        )
        or 0
    )
    started_today = (
        session.scalar(
            select(func.count()).where(
                MemoryState.user_id == user.id, MemoryState.first_review_at >= day_start
            )
        )
        or 0
    )
    # Trying it at work went badly: that module's items get extra practice for a while.
    struggling = application.struggling_modules(session, user=user, now=now)
    candidates = [
        practice.Candidate(
            item_id=e.item_id,
            module_id=e.module_id,
            memory=e.memory,
            position=e.position,
            deadline=e.deadline,
            weight=STRUGGLE_WEIGHT if e.module_id in struggling else 1.0,
        )
        for e in items
        if e.memory is not None or e.studied
    ]
    target = organization.target_retention
    reviewed = [c.memory for c in candidates if c.memory is not None]
    due_now = sum(1 for m in reviewed if model.recall(m, now) < target)
    policy = practice.Policy(
        target_retention=target,
        session_items=max(1, math.floor((minutes or organization.session_minutes) * 60 / seconds)),
        new_items_left_today=max(organization.new_items_per_day - started_today, 0),
        reviews_left_today=max(organization.max_reviews_per_day - done_today, 0),
        pull_forward=load.pull_forward_allowance(
            [model.next_review_at(m, target) for m in reviewed],
            now=now,
            zone=user.time_zone,
            weekdays=organization.practice_weekdays,
            holidays={dt.date.fromisoformat(d) for d in organization.holidays},
            done_today=done_today,
            due_now=due_now,
        ),
    )
    chosen = practice.choose(candidates, now=now, model=model, policy=policy)
    shown = items_to_show(session, [pick.item_id for pick in chosen.picks])
    return PracticeSession(
        picks=[(pick, *shown[pick.item_id]) for pick in chosen.picks],
        due_now=chosen.due_now,
        held_back=chosen.held_back,
        estimated_minutes=round(len(chosen.picks) * seconds / 60, 1),
    )


def seconds_per_item(session: Session, *, user: User) -> float:
    """The learner's own pace: median duration of their last 50 answers (20 s by default)."""
    durations = [
        d
        for d in session.scalars(
            select(ReviewLog.duration_ms)
            .where(ReviewLog.user_id == user.id, ReviewLog.duration_ms.is_not(None))
            .order_by(ReviewLog.answered_at.desc())
            .limit(50)
        )
        if d
    ]
    if len(durations) < 5:
        return DEFAULT_SECONDS_PER_ITEM
    return min(max(statistics.median(durations) / 1000, 5.0), 120.0)


def local_day_start(now: dt.datetime, zone: str) -> dt.datetime:
    local = now.astimezone(ZoneInfo(zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)


def organization_of(session: Session, user: User) -> Organization:
    organization = session.get(Organization, user.organization_id)
    assert organization is not None
    return organization


# --- progress -------------------------------------------------------------------------


def module_progress(session: Session, *, user: User, now: dt.datetime) -> list[dict[str, Any]]:
    organization = organization_of(session, user)
    model, _ = model_for(session, user=user)
    seconds = seconds_per_item(session, user=user)
    by_module: dict[int, list[LearnerItem]] = {}
    for entry in learner_items(session, user=user):
        by_module.setdefault(entry.module_id, []).append(entry)
    titles = dict(
        session.execute(select(Module.id, Module.title).where(Module.id.in_(list(by_module)))).all()
    )
    result = []
    for module_id, entries in by_module.items():
        summary = progress.progress(
            [e.memory for e in entries], now=now, model=model, target=organization.target_retention
        )
        result.append(
            {
                "module_id": module_id,
                "title": titles[module_id],
                "items": summary.items,
                "learned": summary.learned,
                "mature": summary.mature,
                "recall_now": summary.recall_now,
                "next_due_at": summary.next_due,
                "minutes_next_7_days": round(summary.reviews_next_7_days * seconds / 60, 1),
                "minutes_next_30_days": round(summary.reviews_next_30_days * seconds / 60, 1),
            }
        )
    return sorted(result, key=lambda r: r["module_id"])
