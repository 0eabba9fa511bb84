"""A learner with a device and items due, for planner and dispatcher tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from api.models import MemoryState
from tests.factories import (
    T0,
    DeviceFactory,
    EnrollmentFactory,
    ItemFactory,
    LessonFactory,
    ModuleFactory,
    UserFactory,
)

MONDAY_10_BERLIN = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def learner_with_due(
    db: Session,
    *,
    due: int,
    not_due: int = 0,
    device: bool = True,
    at: dt.datetime | None = None,
    due_in: Sequence[dt.timedelta] = (),
    **user,
):
    """Items due before ``at`` (by an hour and more) and not due for weeks after it, and
    one due at ``at`` + each of ``due_in``."""
    reference = at or MONDAY_10_BERLIN
    learner = UserFactory(time_zone="Europe/Berlin", **user)
    if device:
        DeviceFactory(user=learner, last_seen_at=reference)
    module = ModuleFactory(organization=learner.organization, title="Feedback")
    lesson = LessonFactory(module=module)
    EnrollmentFactory(user=learner, module=module, status="completed")
    offsets = [
        *(dt.timedelta(hours=-n - 1) for n in range(due)),
        *(dt.timedelta(days=20) for _ in range(not_due)),
        *due_in,
    ]
    for n, offset in enumerate(offsets):
        item = ItemFactory(lesson=lesson, prompt=f"Question {n}?")
        db.add(memory_state(learner, item, due_at=reference + offset))
    db.flush()
    return learner


def memory_state(learner, item, *, due_at: dt.datetime) -> MemoryState:
    """A reviewed state of ``learner`` for ``item``, due at ``due_at``."""
    return MemoryState(
        user_id=learner.id,
        item_id=item.id,
        organization_id=learner.organization_id,
        module_id=item.module_id,
        stability=5.0,
        difficulty=5.0,
        phase=2,
        step=None,
        first_review_at=T0,
        last_review_at=due_at - dt.timedelta(days=5),
        fsrs_due_at=due_at,
        reps=3,
        lapses=0,
    )
