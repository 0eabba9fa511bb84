"""What a learner sees of their own memory: recall now, learned and mature items, forecasts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from scheduler.memory import MemoryModel, is_mature
from scheduler.timing import ensure_utc
from scheduler.types import Memory, Rating, Review

# A review never planned further than this many times per item in a forecast.
_MAX_STEPS = 60


@dataclass(frozen=True, slots=True)
class Progress:
    items: int
    learned: int  # answered at least once
    mature: int  # remembered for three weeks at 90 %
    recall_now: float | None  # mean predicted recall of the items met (studied or answered)
    next_due: dt.datetime | None
    reviews_next_7_days: int
    reviews_next_30_days: int


def next_reviews(
    memory: Memory, *, now: dt.datetime, until: dt.datetime, model: MemoryModel, target: float
) -> list[dt.datetime]:
    """When this item will be due up to ``until``, assuming each review goes well."""
    times: list[dt.datetime] = []
    at = max(model.next_review_at(memory, target), now)
    while at < until and len(times) < _MAX_STEPS:
        times.append(at)
        memory = model.review(memory, Review(at, Rating.GOOD))
        at = max(model.next_review_at(memory, target), at)
    return times


def progress(
    memories: Sequence[Memory | None], *, now: dt.datetime, model: MemoryModel, target: float
) -> Progress:
    """Progress over a group of items (a module); None stands for an item not met yet."""
    now = ensure_utc(now)
    met = [m for m in memories if m is not None]
    week, month = now + dt.timedelta(days=7), now + dt.timedelta(days=30)
    upcoming = [
        t for m in met for t in next_reviews(m, now=now, until=month, model=model, target=target)
    ]
    dues = [max(model.next_review_at(m, target), now) for m in met]
    return Progress(
        items=len(memories),
        learned=sum(1 for m in met if m.reps > 0),
        mature=sum(1 for m in met if is_mature(m)),
        recall_now=(sum(model.recall(m, now) for m in met) / len(met)) if met else None,
        next_due=min(dues) if dues else None,
        reviews_next_7_days=sum(1 for t in upcoming if t < week),
        reviews_next_30_days=len(upcoming),
    )
