from __future__ import annotations

import datetime as dt

from scheduler.memory import MemoryModel
from scheduler.practice import Candidate, Pick, Policy, Reason, choose, interleave
from scheduler.types import Memory, Phase

NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
MODEL = MemoryModel()


def memory(*, days_ago: float, stability: float, phase: Phase = Phase.REVIEW) -> Memory:
    last = NOW - dt.timedelta(days=days_ago)
    return Memory(stability, 5.0, phase, None, last, last + dt.timedelta(days=stability), 3, 0)


def reviewed(item: int, module: int, *, days_ago: float, stability: float, **kw) -> Candidate:
    return Candidate(item, module, memory(days_ago=days_ago, stability=stability), **kw)


def ids(result) -> list[int]:
    return [p.item_id for p in result.picks]


def test_only_items_below_the_target_are_due_lowest_recall_first() -> None:
    candidates = [
        reviewed(1, 10, days_ago=5, stability=10),  # recall > 0.9: not due
        reviewed(2, 10, days_ago=20, stability=10),
        reviewed(3, 10, days_ago=60, stability=10),
        reviewed(4, 10, days_ago=12, stability=10),
    ]
    result = choose(candidates, now=NOW, model=MODEL, policy=Policy())
    assert ids(result) == [3, 2, 4]
    assert [p.reason for p in result.picks] == [Reason.DUE] * 3
    recalls = [p.recall for p in result.picks]
    assert recalls == sorted(recalls) and recalls[-1] < 0.9
    assert result.due_now == 3 and result.held_back == 0


def test_a_higher_target_makes_more_items_due() -> None:
    candidates = [reviewed(i, 1, days_ago=d, stability=10) for i, d in enumerate([5, 8, 11, 20])]
    relaxed = choose(candidates, now=NOW, model=MODEL, policy=Policy(target_retention=0.8))
    strict = choose(candidates, now=NOW, model=MODEL, policy=Policy(target_retention=0.95))
    assert len(relaxed.picks) < len(strict.picks)


def test_modules_are_interleaved() -> None:
    candidates = [reviewed(i, 1 if i < 4 else 2, days_ago=30 + i, stability=5) for i in range(6)]
    result = choose(candidates, now=NOW, model=MODEL, policy=Policy())
    modules = [p.module_id for p in result.picks]
    assert modules == [2, 1, 2, 1, 1, 1]


def test_no_item_twice_even_if_listed_twice() -> None:
    twice = reviewed(7, 1, days_ago=30, stability=5)
    result = choose(
        [twice, twice, Candidate(8, 1, None), Candidate(8, 1, None)],
        now=NOW,
        model=MODEL,
        policy=Policy(),
    )
    assert ids(result) == [7, 8]


def test_backlog_after_an_absence_is_spread_most_forgotten_first() -> None:
    backlog = [reviewed(i, i % 3, days_ago=20 + i, stability=4) for i in range(200)]
    new = [Candidate(1000, 9, None)]
    policy = Policy(session_items=15, reviews_left_today=30, new_items_left_today=5)
    first = choose([*backlog, *new], now=NOW, model=MODEL, policy=policy)
    assert len(first.picks) == 15
    assert first.due_now == 200 and first.held_back == 170
    assert 1000 not in ids(first)  # no new items while a backlog waits
    assert set(ids(first)) == set(range(185, 200))  # the longest unseen, least recalled
    later_today = choose(backlog, now=NOW, model=MODEL, policy=Policy(reviews_left_today=0))
    assert later_today.picks == () and later_today.held_back == 200


def test_importance_breaks_equal_forgetting() -> None:
    plain = reviewed(1, 1, days_ago=30, stability=5)
    important = reviewed(2, 2, days_ago=30, stability=5, weight=1.5)
    result = choose([plain, important], now=NOW, model=MODEL, policy=Policy(session_items=1))
    assert ids(result) == [2]


def test_deadline_brings_an_item_forward() -> None:
    # Recall today is above target, but by the audit in 20 days it would be far below.
    audit = NOW + dt.timedelta(days=20)
    ready = reviewed(1, 1, days_ago=1, stability=10, deadline=audit)
    relaxed = reviewed(2, 2, days_ago=1, stability=10)
    result = choose([ready, relaxed], now=NOW, model=MODEL, policy=Policy())
    assert result.picks == (Pick(1, 1, Reason.DEADLINE, result.picks[0].recall),)
    past = choose(
        [reviewed(1, 1, days_ago=1, stability=10, deadline=NOW - dt.timedelta(days=1))],
        now=NOW,
        model=MODEL,
        policy=Policy(),
    )
    assert past.picks == ()


def test_learning_steps_are_due_at_their_due_time() -> None:
    step = Memory(
        0.5,
        5.0,
        Phase.LEARNING,
        1,
        NOW - dt.timedelta(minutes=20),
        NOW - dt.timedelta(minutes=10),
        1,
        0,
    )
    waiting = Memory(
        0.5,
        5.0,
        Phase.LEARNING,
        1,
        NOW - dt.timedelta(minutes=2),
        NOW + dt.timedelta(minutes=8),
        1,
        0,
    )
    result = choose(
        [Candidate(1, 1, step), Candidate(2, 1, waiting)], now=NOW, model=MODEL, policy=Policy()
    )
    assert ids(result) == [1]


def test_new_items_fill_the_session_in_lesson_order_within_the_allowance() -> None:
    new = [Candidate(10 + i, 1 + i % 2, None, position=i) for i in range(10)]
    due = [reviewed(1, 1, days_ago=30, stability=5)]
    result = choose(
        [*due, *new], now=NOW, model=MODEL, policy=Policy(session_items=5, new_items_left_today=3)
    )
    assert ids(result) == [1, 10, 11, 12]
    assert [p.reason for p in result.picks] == [Reason.DUE, Reason.NEW, Reason.NEW, Reason.NEW]
    none_left = choose(new, now=NOW, model=MODEL, policy=Policy(new_items_left_today=0))
    assert none_left.picks == ()


def test_interleave_keeps_each_modules_order() -> None:
    picks = [Pick(i, m, Reason.DUE, 0.5) for i, m in [(1, 1), (2, 1), (3, 1), (4, 2), (5, 3)]]
    assert [p.item_id for p in interleave(picks)] == [1, 4, 5, 2, 3]
