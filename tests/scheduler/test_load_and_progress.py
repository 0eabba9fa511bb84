from __future__ import annotations

import datetime as dt
import itertools

import pytest

from scheduler.load import is_practice_day
from scheduler.memory import MemoryModel
from scheduler.progress import next_reviews, progress
from scheduler.types import Memory, Phase, Rating, Review

MODEL = MemoryModel()
WEEKDAYS = {0, 1, 2, 3, 4}
MONDAY = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)  # 09:00 in Berlin


def review_memory(*, last: dt.datetime, stability: float) -> Memory:
    return Memory(
        stability, 5.0, Phase.REVIEW, None, last, last + dt.timedelta(days=stability), 4, 0
    )


def test_weekends_and_holidays_are_not_practice_days() -> None:
    assert is_practice_day(dt.date(2026, 3, 2), weekdays=WEEKDAYS, holidays=set())
    assert not is_practice_day(dt.date(2026, 3, 7), weekdays=WEEKDAYS, holidays=set())
    assert not is_practice_day(
        dt.date(2026, 3, 2), weekdays=WEEKDAYS, holidays={dt.date(2026, 3, 2)}
    )


def test_forecast_counts_the_reviews_ahead() -> None:
    memory = MODEL.replay(
        [
            Review(MONDAY - dt.timedelta(days=1), Rating.GOOD),
            Review(MONDAY - dt.timedelta(hours=23), Rating.GOOD),
        ]
    )
    assert memory is not None and memory.phase is Phase.REVIEW
    times = next_reviews(
        memory, now=MONDAY, until=MONDAY + dt.timedelta(days=30), model=MODEL, target=0.9
    )
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) >= 2 and gaps == sorted(gaps)
    assert all(MONDAY <= t < MONDAY + dt.timedelta(days=30) for t in times)


def test_progress_of_a_module() -> None:
    fresh = review_memory(last=MONDAY - dt.timedelta(days=1), stability=30)
    fading = review_memory(last=MONDAY - dt.timedelta(days=20), stability=5)
    studied = MODEL.review(None, Review(MONDAY, Rating.GOOD, exposure=True))
    result = progress([fresh, fading, studied, None], now=MONDAY, model=MODEL, target=0.9)
    # Studied but never answered: met (it has a recall), not learned.
    assert result.items == 4 and result.learned == 2 and result.mature == 1
    expected = (MODEL.recall(fresh, MONDAY) + MODEL.recall(fading, MONDAY) + 1.0) / 3
    assert result.recall_now == pytest.approx(expected)
    assert result.next_due == MONDAY  # the fading one is overdue: due now
    assert 1 <= result.reviews_next_7_days <= result.reviews_next_30_days
    empty = progress([None, None], now=MONDAY, model=MODEL, target=0.9)
    assert empty.recall_now is None and empty.next_due is None and empty.reviews_next_30_days == 0
