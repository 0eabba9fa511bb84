"""What is due for whom, in the database: shared by the planner and the dispatcher."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from api.db_among import among
from api.models import (
    Enrollment,
    EnrollmentStatus,
    Item,
    ItemKind,
    MemoryState,
    Module,
    ModuleStatus,
)

# A practice reminder needs at least this many items due within a day.
MIN_DUE_FOR_REMINDER = 3
# What a practice push promises: a session of at most this many items, at this pace.
SECONDS_PER_ITEM = 20
SESSION_ITEMS = 15
# A phone that has not opened the app for this long is probably gone or unused; FCM
# itself expires tokens after 270 days of inactivity. Its pushes are skipped, not sent.
STALE_DEVICE_AFTER = dt.timedelta(days=60)


def active_states(ids: Sequence[int]) -> Select[Any]:
    """Memory states of items the learner still practises (enrolled, published, in force).

    The enrollments are narrowed to ``ids`` as well as the states: PostgreSQL does not
    carry the states' condition across the join, and hashed every enrollment of every
    learner for each chunk's read (100,000 of them took 22-36 ms of a 62-70 ms read for
    5,000 learners; at a million, ten times that, for every chunk of the pass)."""
    return (
        select(MemoryState)
        .join(Item, Item.id == MemoryState.item_id)
        .join(Module, Module.id == MemoryState.module_id)
        .join(
            Enrollment,
            and_(Enrollment.user_id == MemoryState.user_id, Enrollment.module_id == Module.id),
        )
        .where(
            among(MemoryState.user_id, ids),
            among(Enrollment.user_id, ids),
            Item.retired_at.is_(None),
            Module.status == ModuleStatus.PUBLISHED,
            Enrollment.status != EnrollmentStatus.WITHDRAWN,
        )
    )


def due_summary(
    session: Session, ids: Sequence[int], now: dt.datetime
) -> dict[int, dict[str, Any]]:
    """Per learner: how many items fall due within a day, and the question a push may
    carry: the most overdue one that can be answered from a notification (a choice, not
    free recall, whenever there is one)."""
    horizon = now + dt.timedelta(days=1)
    states = (
        active_states(ids)
        .add_columns((Item.kind == ItemKind.FREE_RECALL).label("free"))
        .where(MemoryState.fsrs_due_at <= horizon)
        .subquery()
    )
    ranked = select(
        states.c.user_id,
        states.c.item_id,
        func.count().over(partition_by=states.c.user_id).label("due"),
        func.row_number()
        .over(
            partition_by=states.c.user_id,
            order_by=(states.c.free, states.c.fsrs_due_at, states.c.item_id),
        )
        .label("rank"),
    ).subquery()
    rows = session.execute(
        select(ranked.c.user_id, ranked.c.due, Item.id, Item.kind, Item.prompt, Item.options)
        .join(Item, Item.id == ranked.c.item_id)
        .where(ranked.c.rank == 1)
    )
    return {
        user_id: {
            "count": count,
            "item": {"id": item_id, "kind": kind.value, "prompt": prompt, "options": options},
        }
        for user_id, count, item_id, kind, prompt, options in rows
    }


def practice_payload(summary: dict[str, Any]) -> dict[str, Any]:
    """What a practice push says and carries, from a learner's ``due_summary`` entry."""
    count = summary["count"]
    payload: dict[str, Any] = {
        "kind": "practice",
        "due": count,
        "minutes": max(1, math.ceil(min(count, SESSION_ITEMS) * SECONDS_PER_ITEM / 60)),
        "deep_link": "bitewise://practice",
    }
    if summary["item"]["kind"] != "free_recall":
        payload["item"] = summary["item"]
    return payload
