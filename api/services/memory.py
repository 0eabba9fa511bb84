"""Memory states: which FSRS weights apply to a learner, and rebuilding states from the log."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, cast

from sqlalchemy import ScalarSelect, Table, and_, bindparam, func, select
from sqlalchemy.orm import Session, with_expression
from sqlalchemy.sql.base import ExecutableOption

from api.db_rows import write_rows
from api.models import (
    Enrollment,
    Item,
    LessonProgress,
    MemoryState,
    Organization,
    ParameterSet,
    ReviewLog,
    User,
)
from api.services import replanning
from scheduler.memory import DEFAULT_WEIGHTS, MemoryModel
from scheduler.types import Memory, Phase, Rating, Review


def in_force(column: Any) -> ScalarSelect[Any]:
    """``column`` of the parameter set in force for ``User``: its own adopted set, else its
    organization's (NULL: the defaults), as a column of a query that loads users."""
    return (
        select(column)
        .where(
            ParameterSet.organization_id == User.organization_id,
            ParameterSet.adopted.is_(True),
            (ParameterSet.user_id == User.id) | ParameterSet.user_id.is_(None),
        )
        .order_by(ParameterSet.user_id.is_(None), ParameterSet.fitted_at.desc())
        .limit(1)
        .correlate(User)
        .scalar_subquery()
    )


def with_weights_in_force() -> tuple[ExecutableOption, ...]:
    """Load options for users: the weights in force come in the same round trip."""
    return (
        with_expression(User.weights_in_force_id, func.coalesce(in_force(ParameterSet.id), 0)),
        with_expression(User.weights_in_force, in_force(ParameterSet.weights)),
    )


def model_for(session: Session, *, user: User) -> tuple[MemoryModel, int | None]:
    """The learner's own adopted weights, else the organization's, else FSRS-6 defaults."""
    organization = session.get(Organization, user.organization_id)
    assert organization is not None
    chosen, weights = user.weights_in_force_id, user.weights_in_force
    if chosen is None or chosen < 0:  # the user was not loaded with them: ask
        chosen, weights = session.execute(
            select(
                func.coalesce(in_force(ParameterSet.id), 0), in_force(ParameterSet.weights)
            ).where(User.id == user.id)
        ).one()
    return model_of(chosen, weights, organization.target_retention), chosen or None


def model_of(
    weights_id: int | None, weights: list[float] | None, target_retention: float
) -> MemoryModel:
    """The model of the weights in force (id 0 or None: the defaults)."""
    return MemoryModel(
        tuple(weights) if weights_id and weights else DEFAULT_WEIGHTS,
        desired_retention=target_retention,
    )


def study_times(session: Session, *, user: User, item_ids: Iterable[int]) -> dict[int, dt.datetime]:
    """When the learner studied each item: its lesson's study, else finishing the module."""
    rows = session.execute(
        select(Item.id, LessonProgress.studied_at, Enrollment.completed_at)
        .join(
            Enrollment, and_(Enrollment.module_id == Item.module_id, Enrollment.user_id == user.id)
        )
        .outerjoin(
            LessonProgress,
            and_(LessonProgress.lesson_id == Item.lesson_id, LessonProgress.user_id == user.id),
        )
        .where(Item.id.in_(list(item_ids)))
    )
    out: dict[int, dt.datetime] = {}
    for item_id, lesson, module in rows:
        at = lesson or module
        if at is not None:
            out[item_id] = at
    return out


def rebuild_states(
    session: Session,
    *,
    user: User,
    item_modules: Mapping[int, int],
    model: MemoryModel,
    parameter_set_id: int | None,
) -> dict[int, Memory]:
    """Replay the whole log of these items for this learner, the study of each lesson
    included (an exposure), and store the states (no commit).

    Replaying rather than applying one review keeps a late offline review in its place.
    """
    histories: dict[int, list[Review]] = defaultdict(list)
    firsts: dict[int, dt.datetime] = {}
    for item_id, studied_at in study_times(session, user=user, item_ids=item_modules).items():
        histories[item_id].append(Review(studied_at, Rating.GOOD, "", exposure=True))
        firsts[item_id] = studied_at
    logs = session.execute(
        select(
            ReviewLog.item_id,
            ReviewLog.answered_at,
            ReviewLog.rating,
            ReviewLog.client_review_id,
        ).where(ReviewLog.user_id == user.id, ReviewLog.item_id.in_(list(item_modules)))
    )
    for item_id, answered_at, rating, client_id in logs:
        histories[item_id].append(Review(answered_at, Rating(rating), client_id))
        firsts[item_id] = min(answered_at, firsts.get(item_id, answered_at))
    memories = {item_id: model.replay(history) for item_id, history in histories.items()}
    known = {item_id: m for item_id, m in memories.items() if m is not None}
    _store_states(session, user, known, firsts, item_modules, parameter_set_id)
    return known


# A stored memory, in ``Memory``'s order (loaders join these to their rows).
MEMORY_COLUMNS = (
    MemoryState.stability,
    MemoryState.difficulty,
    MemoryState.phase,
    MemoryState.step,
    MemoryState.last_review_at,
    MemoryState.fsrs_due_at,
    MemoryState.reps,
    MemoryState.lapses,
)
# A stored state as ``apply_reviews`` reads it: the memory, its start and its weights.
STATE_COLUMNS = (*MEMORY_COLUMNS, MemoryState.first_review_at, MemoryState.parameter_set_id)
_STORED_STATES = select(MemoryState.item_id, *STATE_COLUMNS).where(
    MemoryState.user_id == bindparam("user_id"),
    MemoryState.item_id.in_(bindparam("item_ids", expanding=True)),
)
StoredState = tuple[Any, ...]  # the values of STATE_COLUMNS, all None where none is stored


def apply_reviews(
    session: Session,
    *,
    user: User,
    reviews: Mapping[int, list[Review]],
    item_modules: Mapping[int, int],
    model: MemoryModel,
    parameter_set_id: int | None,
    stored: Mapping[int, StoredState] | None = None,
    marked: bool = False,
) -> None:
    """Store the states these new reviews make (no commit): applied to the stored state
    where they come after it under the same weights, the usual case and a cost that does
    not grow with the learner's history; the item's whole log replayed otherwise.

    ``stored``: the items' states as the caller read them (after locking the learner),
    else they are read here. ``marked``: the caller has marked the learner for planning
    in this transaction already (``replanning.mark_users``)."""
    if stored is None:
        rows = session.connection().execute(
            _STORED_STATES, {"user_id": user.id, "item_ids": list(reviews)}
        )
        stored = {item_id: tuple(state) for item_id, *state in rows}
    advanced: dict[int, Memory] = {}
    firsts: dict[int, dt.datetime] = {}
    for item_id in reviews:
        state = stored.get(item_id)
        if state is None or state[0] is None:
            continue
        stability, difficulty, phase, step, last, due, reps, lapses, first, weights = state
        if weights != parameter_set_id:
            continue
        memory = Memory(stability, difficulty, Phase(phase), step, last, due, reps, lapses)
        after = model.extend(memory, reviews[item_id])
        if after is not None:
            advanced[item_id], firsts[item_id] = after, first
    replay = {i: item_modules[i] for i in reviews if i not in advanced}
    if replay:
        rebuild_states(
            session,
            user=user,
            item_modules=replay,
            model=model,
            parameter_set_id=parameter_set_id,
        )
    _store_states(session, user, advanced, firsts, item_modules, parameter_set_id, mark=not marked)


def _store_states(
    session: Session,
    user: User,
    memories: Mapping[int, Memory],
    firsts: Mapping[int, dt.datetime],
    item_modules: Mapping[int, int],
    parameter_set_id: int | None,
    *,
    mark: bool = True,
) -> None:
    rows = [
        {
            "user_id": user.id,
            "item_id": item_id,
            "organization_id": user.organization_id,
            "module_id": item_modules[item_id],
            "stability": memory.stability,
            "difficulty": memory.difficulty,
            "phase": int(memory.phase),
            "step": memory.step,
            "first_review_at": firsts[item_id],
            "last_review_at": memory.last_review,
            "fsrs_due_at": memory.due,  # when recall falls to the target: one meaning of due
            "reps": memory.reps,
            "lapses": memory.lapses,
            "parameter_set_id": parameter_set_id,
        }
        for item_id, memory in memories.items()
    ]
    if rows:
        db = session.connection()
        write_rows(db, _STATES, rows, conflict=_KEY, update=_UPDATED)
        if mark:
            replanning.mark_users(db, [user.id])


_STATES = cast(Table, MemoryState.__table__)
_KEY = ("user_id", "item_id")
_UPDATED = tuple(c.name for c in _STATES.c if c.name not in _KEY)


def expose(session: Session, *, user: User, item_modules: Mapping[int, int]) -> None:
    """The learner studied these items: their memory starts now (no commit)."""
    model, parameter_set_id = model_for(session, user=user)
    rebuild_states(
        session,
        user=user,
        item_modules=item_modules,
        model=model,
        parameter_set_id=parameter_set_id,
    )
