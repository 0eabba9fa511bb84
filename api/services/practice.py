"""Practice now, progress and recaps: loading a learner's items and asking the scheduler."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Row, and_, bindparam, func, literal, null, select, union
from sqlalchemy.orm import Session

from api.db_epoch import epoch
from api.models import (
    Enrollment,
    EnrollmentStatus,
    Item,
    Lesson,
    LessonProgress,
    MemoryState,
    Module,
    ModuleStatus,
    ReviewLog,
    User,
)
from api.services import application, kept_members
from api.services.learners import Learner, organization_of
from api.services.memory import MEMORY_COLUMNS, model_for
from api.services.shown import KeptItems, items_to_show
from scheduler import practice, progress
from scheduler.columns import Columns, Loaded
from scheduler.history import Answer, History, ItemInfo, Setback, Study, memories
from scheduler.practice import PACE_ANSWERS
from scheduler.timing import local_day_start, next_local_midnight
from scheduler.types import Memory, Phase, Rating


@dataclass(frozen=True, slots=True)
class LearnerItem:
    item_id: int
    module_id: int
    position: int  # lesson position * 1000 + item position: the order of new items
    deadline: dt.datetime | None
    studied_at: dt.datetime | None  # the lesson's study, else finishing the module
    memory: Memory | None


# Built once: composing a statement costs more Python than running this one in
# PostgreSQL (prepared after a few runs). "Practise now" runs its variant, _PRACTICE_ROWS.
_LEARNER_ITEMS = (
    select(
        Item.id,
        Item.module_id,
        Lesson.position,
        Item.position,
        Enrollment.due_at,
        Enrollment.completed_at,
        LessonProgress.studied_at,
        *MEMORY_COLUMNS,
    )
    .select_from(Enrollment)
    .join(Module, Module.id == Enrollment.module_id)
    .join(Item, Item.module_id == Module.id)
    .join(Lesson, Lesson.id == Item.lesson_id)
    .outerjoin(
        LessonProgress,
        and_(
            LessonProgress.lesson_id == Item.lesson_id,
            LessonProgress.user_id == bindparam("user_id"),
        ),
    )
    .outerjoin(
        MemoryState,
        and_(MemoryState.item_id == Item.id, MemoryState.user_id == bindparam("user_id")),
    )
    .where(
        Enrollment.user_id == bindparam("user_id"),
        Enrollment.status != EnrollmentStatus.WITHDRAWN,
        Module.organization_id == bindparam("organization_id"),
        Module.status == ModuleStatus.PUBLISHED,
        Item.retired_at.is_(None),
    )
)


def learner_items(session: Session, *, user: User) -> list[LearnerItem]:
    """Items of published modules the learner is enrolled in, with their memory states
    (progress and recaps; "practise now" reads the same rows as arrays).

    Indexes used: enrollments(user_id), items(module_id), the primary key
    of memory_states (user_id, item_id) and lesson_progress (user_id, lesson_id).
    """
    rows = (
        session.connection()
        .execute(_LEARNER_ITEMS, {"user_id": user.id, "organization_id": user.organization_id})
        .all()
    )
    phases = {int(p): p for p in Phase}
    return [
        LearnerItem(
            item_id,
            module_id,
            lesson_position * 1000 + item_position,
            due_at,
            lesson_studied or completed_at,
            None
            if stability is None
            else Memory(stability, difficulty, phases[phase], step, last, fsrs_due, reps, lapses),
        )
        for (
            item_id,
            module_id,
            lesson_position,
            item_position,
            due_at,
            completed_at,
            lesson_studied,
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


_ANSWERED = (
    ReviewLog.item_id,
    ReviewLog.answered_at,
    ReviewLog.rating,
    ReviewLog.duration_ms,
    ReviewLog.client_review_id,
)
_LATEST = (
    select(*_ANSWERED)
    .where(ReviewLog.user_id == bindparam("user_id"))
    .order_by(ReviewLog.answered_at.desc())
    .limit(PACE_ANSWERS)
    .subquery()
)
# Today's answers, the latest ones (the pace) and the setbacks at work, in one round trip
# (the last column tells a setback); UNION drops the answers that are both. Today is
# bounded on both sides, as the scheduler counts it: with "from the day's start" alone
# PostgreSQL planned the prepared statement anew on every run (a generic plan guessed a
# third of the learner's answers), 0.55 ms a run against 0.28 ms.
_ANSWER, _SETBACK, _STAMP = 0, 1, 2
_RECENT_BRANCHES = (
    select(*_ANSWERED, literal(_ANSWER)).where(
        ReviewLog.user_id == bindparam("user_id"),
        ReviewLog.answered_at >= bindparam("day_start"),
        ReviewLog.answered_at < bindparam("day_end"),
    ),
    select(_LATEST, literal(_ANSWER)),
    application.SETBACKS.add_columns(null(), null(), null(), literal(_SETBACK)),
)
_RECENT = union(*_RECENT_BRANCHES)
# The same with a kept member's stamp as it is now (item_id: the weights in force,
# client_review_id: the rows' hash): checking it costs no round trip of its own.
_RECENT_CHECKED = union(
    *_RECENT_BRANCHES,
    kept_members.STAMP_ROW.with_only_columns(
        kept_members.STAMP_ROW.selected_columns[0],
        null(),
        null(),
        null(),
        kept_members.STAMP_ROW.selected_columns[1],
        literal(_STAMP),
        maintain_column_froms=True,
    ),
)


def _recent(
    session: Session,
    *,
    user_id: int,
    time_zone: str,
    now: dt.datetime,
    check: tuple[str, kept_members.Stamp] | None = None,
) -> tuple[tuple[Answer, ...], tuple[Setback, ...]]:
    """Today's answers and the latest 50 (the pace), and the setbacks at work. ``check``,
    a kept member's uid and stamp: raises ``StaleMember`` unless the stamp still holds."""
    parameters: dict[str, Any] = {
        "user_id": user_id,
        "day_start": local_day_start(now, zone=time_zone),
        "day_end": next_local_midnight(now, zone=time_zone),
    }
    if check is not None:
        parameters["uid"] = check[0]
    rows = (
        session.connection()
        .execute(_RECENT if check is None else _RECENT_CHECKED, parameters)
        .all()
    )
    if check is not None:
        seen = [
            kept_members.Stamp(weights_id, rows_hash)
            for weights_id, _, _, _, rows_hash, kind in rows
            if kind == _STAMP
        ]
        if seen != [check[1]]:
            raise kept_members.StaleMember(check[0])
    ratings = {int(r): r for r in Rating}
    return (
        tuple(
            Answer(item_id, at, ratings[rating], duration_ms, review_id)
            for item_id, at, rating, duration_ms, review_id, kind in rows
            if kind == _ANSWER
        ),
        tuple(
            Setback(module_id, at)
            for module_id, at, _, _, _, kind in rows
            if kind == _SETBACK and at is not None
        ),
    )


def learner_history(
    session: Session, *, user: User, now: dt.datetime, items: list[LearnerItem] | None = None
) -> History:
    """What ``scheduler`` takes: the learner's items with their weights, studies, the
    stored states (the replay of their log) and the answers a decision reads (today's,
    and the latest 50 for the pace)."""
    items = learner_items(session, user=user) if items is None else items
    answers, setbacks = _recent(session, user_id=user.id, time_zone=user.time_zone, now=now)
    return History(
        items=tuple(ItemInfo(e.item_id, e.module_id, e.position, e.deadline) for e in items),
        studies=tuple(Study(e.item_id, e.studied_at) for e in items if e.studied_at),
        answers=answers,
        states={e.item_id: e.memory for e in items if e.memory is not None},
        setbacks=setbacks,
    )


# The rows Columns.of_loaded takes, times as POSIX seconds computed in the database.
_PRACTICE_ROWS = _LEARNER_ITEMS.with_only_columns(
    Item.id,
    Item.module_id,
    Lesson.position * 1000 + Item.position,
    epoch(Enrollment.due_at),
    epoch(func.coalesce(LessonProgress.studied_at, Enrollment.completed_at)),
    MemoryState.stability,
    MemoryState.difficulty,
    epoch(MemoryState.last_review_at),
    MemoryState.reps,
    Module.version,
    maintain_column_froms=True,
)


def practice_history(
    session: Session,
    *,
    learner: Learner,
    now: dt.datetime,
    check: kept_members.Stamp | None = None,
) -> tuple[History, dict[int, int]]:
    """``learner_history`` for a decision: the items met as arrays (``Columns``), straight
    from the rows, without a Python object per item (every "practise now" runs this); and
    each item's content version (its module's), which ``items_to_show`` keys by. With the
    stamp ``check`` of a kept learner, raises ``StaleMember`` unless it still holds."""
    # Fetched at once: iterating a result fetches row by row, a driver call each.
    rows = (
        session.connection()
        .execute(
            _PRACTICE_ROWS, {"user_id": learner.id, "organization_id": learner.organization_id}
        )
        .all()
    )
    versions = {row[0]: row[9] for row in rows}
    answers, setbacks = _recent(
        session,
        user_id=learner.id,
        time_zone=learner.time_zone,
        now=now,
        check=None if check is None else (learner.firebase_uid, check),
    )
    columns = Columns.of_loaded(cast(list[Loaded], [row[:9] for row in rows]), learner.model)
    return History(items=(), answers=answers, setbacks=setbacks, columns=columns), versions


@dataclass(frozen=True)
class PracticeSession:
    picks: list[tuple[practice.Pick, Row[Any], str]]  # the pick, the item shown, its module's title
    due_now: int
    held_back: int
    estimated_minutes: float


def next_practice(
    session: Session,
    *,
    learner: Learner,
    minutes: float | None,
    now: dt.datetime,
    kept: KeptItems | None = None,
    check: kept_members.Stamp | None = None,
) -> PracticeSession:
    """Load the history, ask ``scheduler.practice.practice_set``, show what it chose (from
    ``kept``, the app's items already shown, where it holds them). ``check``: the stamp
    ``learner`` was kept under, checked before anything is decided (``StaleMember``)."""
    history, versions = practice_history(session, learner=learner, now=now, check=check)
    chosen = practice.practice_set(
        history,
        settings=learner.settings,
        zone=learner.time_zone,
        now=now,
        model=learner.model,
        minutes=minutes,
    )
    chosen_ids = [pick.item_id for pick in chosen.picks]
    shown = (
        items_to_show(session, chosen_ids)
        if kept is None
        else kept.items_to_show(session, chosen_ids, versions=versions)
    )
    return PracticeSession(
        picks=[(pick, *shown[pick.item_id]) for pick in chosen.picks],
        due_now=chosen.due_now,
        held_back=chosen.held_back,
        estimated_minutes=round(len(chosen.picks) * chosen.seconds_per_item / 60, 1),
    )


# --- progress -------------------------------------------------------------------------


def module_progress(session: Session, *, user: User, now: dt.datetime) -> list[dict[str, Any]]:
    organization = organization_of(session, user)
    model, _ = model_for(session, user=user)
    items = learner_items(session, user=user)
    history = learner_history(session, user=user, now=now, items=items)
    seconds = practice.seconds_per_item(history)
    known = memories(history, model)
    by_module: dict[int, list[Memory | None]] = {}
    for entry in items:
        by_module.setdefault(entry.module_id, []).append(known.get(entry.item_id))
    titles = dict(
        session.execute(select(Module.id, Module.title).where(Module.id.in_(list(by_module)))).all()
    )
    result = []
    for module_id, entries in by_module.items():
        summary = progress.progress(
            entries, now=now, model=model, target=organization.target_retention
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
