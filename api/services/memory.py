"""Memory states: which FSRS weights apply to a learner, and rebuilding states from the log."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db import dialect_insert
from api.models import MemoryState, Organization, ParameterSet, ReviewLog, User
from scheduler.memory import DEFAULT_WEIGHTS, MemoryModel
from scheduler.types import Memory, Rating, Review


def model_for(session: Session, *, user: User) -> tuple[MemoryModel, int | None]:
    """The learner's own adopted weights, else the organization's, else FSRS-6 defaults."""
    organization = session.get(Organization, user.organization_id)
    assert organization is not None
    chosen = session.scalars(
        select(ParameterSet)
        .where(
            ParameterSet.organization_id == user.organization_id,
            ParameterSet.adopted.is_(True),
            (ParameterSet.user_id == user.id) | ParameterSet.user_id.is_(None),
        )
        .order_by(ParameterSet.user_id.is_(None), ParameterSet.fitted_at.desc())
        .limit(1)
    ).first()
    weights = tuple(chosen.weights) if chosen else DEFAULT_WEIGHTS
    model = MemoryModel(weights, desired_retention=organization.target_retention)
    return model, chosen.id if chosen else None


def rebuild_states(
    session: Session,
    *,
    user: User,
    item_modules: Mapping[int, int],
    model: MemoryModel,
    parameter_set_id: int | None,
) -> dict[int, Memory]:
    """Replay the whole log of these items for this learner and store the states (no commit).

    Replaying rather than applying one review keeps a late offline review in its place.
    """
    logs = session.execute(
        select(
            ReviewLog.item_id,
            ReviewLog.answered_at,
            ReviewLog.rating,
            ReviewLog.client_review_id,
        ).where(ReviewLog.user_id == user.id, ReviewLog.item_id.in_(list(item_modules)))
    )
    histories: dict[int, list[Review]] = defaultdict(list)
    firsts: dict[int, dt.datetime] = {}
    for item_id, answered_at, rating, client_id in logs:
        histories[item_id].append(Review(answered_at, Rating(rating), client_id))
        firsts[item_id] = min(answered_at, firsts.get(item_id, answered_at))
    memories = {item_id: model.replay(history) for item_id, history in histories.items()}
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
            "fsrs_due_at": memory.due,
            "reps": memory.reps,
            "lapses": memory.lapses,
            "parameter_set_id": parameter_set_id,
        }
        for item_id, memory in memories.items()
        if memory is not None
    ]
    if rows:
        insert = dialect_insert(session, MemoryState.__table__)
        update = {c: insert.excluded[c] for c in rows[0] if c not in ("user_id", "item_id")}
        session.execute(
            insert.on_conflict_do_update(index_elements=["user_id", "item_id"], set_=update), rows
        )
    return {item_id: m for item_id, m in memories.items() if m is not None}
