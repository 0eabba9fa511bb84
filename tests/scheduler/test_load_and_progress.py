from __future__ import annotations

import datetime as dt
import itertools

import pytest

from scheduler.load import is_practice_day, pull_forward_allowance
from scheduler.memory import MemoryModel
from scheduler.practice import Candidate, Policy, Reason, choose
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


def test_a_light_day_pulls_reviews_forward_to_even_the_week() -> None:
    # 20 reviews fall due on Saturday; the five working days share them: 4 a day.
    saturday = [MONDAY + dt.timedelta(days=5)] * 20
    allowance = pull_forward_allowance(
        saturday,
        now=MONDAY,
        zone="Europe/Berlin",
        weekdays=WEEKDAYS,
        holidays=set(),
        done_today=0,
        due_now=0,
    )
    assert allowance == 4
    busy = pull_forward_allowance(
        saturday,
        now=MONDAY,
        zone="Europe/Berlin",
        weekdays=WEEKDAYS,
        holidays=set(),
        done_today=2,
        due_now=5,
    )
    assert busy == 0


def test_nothing_is_pulled_forward_on_a_day_off() -> None:
    sunday = MONDAY - dt.timedelta(days=1)
    assert (
        pull_forward_allowance(
            [sunday + dt.timedelta(days=3)] * 10,
            now=sunday,
            zone="Europe/Berlin",
            weekdays=WEEKDAYS,
            holidays=set(),
            done_today=0,
            due_now=0,
        )
        == 0
    )


def test_pulled_forward_items_are_the_closest_to_due() -> None:
    candidates = [
        Candidate(i, 1, review_memory(last=MONDAY - dt.timedelta(days=d), stability=10))
        for i, d in [(1, 2), (2, 8), (3, 6), (4, 9)]
    ]
    result = choose(candidates, now=MONDAY, model=MODEL, policy=Policy(pull_forward=2))
    assert [p.item_id for p in result.picks] == [4, 2]
    assert {p.reason for p in result.picks} == {Reason.EARLY}
    assert choose(candidates, now=MONDAY, model=MODEL, policy=Policy()).picks == ()


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
    result = progress([fresh, fading, None], now=MONDAY, model=MODEL, target=0.9)
    assert result.items == 3 and result.learned == 2 and result.mature == 1
    expected = (MODEL.recall(fresh, MONDAY) + MODEL.recall(fading, MONDAY)) / 2
    assert result.recall_now == pytest.approx(expected)
    assert result.next_due == MONDAY  # the fading one is overdue: due now
    assert 1 <= result.reviews_next_7_days <= result.reviews_next_30_days
    empty = progress([None, None], now=MONDAY, model=MODEL, target=0.9)
    assert empty.recall_now is None and empty.next_due is None and empty.reviews_next_30_days == 0
