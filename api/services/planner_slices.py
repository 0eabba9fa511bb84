"""Claiming the planner's slices: disjoint parts of the learners that several workers, on
several hosts, plan at once, with no global lock.

A slice is due when nobody planned it within the run interval and no live claim holds it.
A worker claims one due slice at a time (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite
has one writer anyway), plans its learners (``user id % SLICES``), marks it planned and
takes the next, until none is due. A worker that dies mid-slice leaves a claim that
expires; the outbox's unique (user, kind:day) key makes a slice planned twice harmless.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.orm import Session

from api.db import dialect_insert
from api.models import PlannerSlice

SLICES = 16


def claim_slice(
    engine: Engine, *, worker_id: str, now: dt.datetime, every: dt.timedelta, ttl: dt.timedelta
) -> int | None:
    """A due slice, now claimed by ``worker_id``; None when every slice is planned or held."""
    with Session(engine) as session:
        insert = dialect_insert(session, PlannerSlice.__table__)
        session.execute(
            insert.on_conflict_do_nothing(index_elements=["slice"]),
            [{"slice": n} for n in range(SLICES)],
        )
        due = (
            select(PlannerSlice.slice)
            .where(
                PlannerSlice.slice < SLICES,
                or_(PlannerSlice.planned_at.is_(None), PlannerSlice.planned_at <= now - every),
                or_(PlannerSlice.claimed_by.is_(None), PlannerSlice.claim_expires_at < now),
            )
            .order_by(PlannerSlice.planned_at.is_not(None), PlannerSlice.planned_at)
            .limit(1)
        )
        if session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        claimed = session.scalar(
            update(PlannerSlice)
            .where(PlannerSlice.slice.in_(due.scalar_subquery()))
            .values(claimed_by=worker_id, claim_expires_at=now + ttl)
            .returning(PlannerSlice.slice)
        )
        session.commit()
        return claimed


def finish_slice(engine: Engine, *, part: int, worker_id: str, now: dt.datetime) -> None:
    """Mark ``part`` planned as of ``now`` (the time its run decided with)."""
    with Session(engine) as session:
        session.execute(
            update(PlannerSlice)
            .where(PlannerSlice.slice == part, PlannerSlice.claimed_by == worker_id)
            .values(planned_at=now, claimed_by=None, claim_expires_at=None)
        )
        session.commit()
