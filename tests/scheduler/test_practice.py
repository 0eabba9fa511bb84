"""``practice_set``: the one entry point that decides a session, from a learner's history."""

from __future__ import annotations

import datetime as dt

from scheduler.history import Answer, History, ItemInfo, Settings, Study, memories
from scheduler.memory import MemoryModel
from scheduler.practice import Pick, Reason, interleave, practice_set
from scheduler.types import Memory, Phase, Rating, Review

NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)  # a Monday
MODEL = MemoryModel()
SETTINGS = Settings()


def memory(*, days_ago: float, stability: float, reps: int = 3) -> Memory:
    last = NOW - dt.timedelta(days=days_ago)
    return Memory(stability, 5.0, Phase.REVIEW, None, last, last, reps, 0)


def decide(states: dict[int, Memory], *, items=None, minutes: float = 5, **kw):
    infos = items or tuple(ItemInfo(i, i % 3) for i in states)
    history = History(items=tuple(infos), states=states, **kw)
    return practice_set(
        history,
        settings=kw.pop("settings", SETTINGS),
        zone="UTC",
        now=NOW,
        model=MODEL,
        minutes=minutes,
    )


def ids(result) -> list[int]:
    return [p.item_id for p in result.picks]


def test_reason_and_recall_agree_with_one_meaning_of_due() -> None:
    states = {
        1: memory(days_ago=5, stability=10),  # above the target
        2: memory(days_ago=20, stability=10),
        3: memory(days_ago=60, stability=10),
        4: memory(days_ago=12, stability=10),
        5: memory(days_ago=2, stability=3, reps=0),  # studied, never answered
    }
    result = decide(states)
    for pick in result.picks:
        if pick.reason is Reason.DUE:
            assert pick.recall < 0.9
        elif pick.reason is Reason.EARLY:
            assert pick.recall >= 0.9
    assert {p.item_id: p.reason for p in result.picks}[5] is Reason.NEW
    assert result.due_now == 3  # items 2, 3, 4
    values = [p.value for p in sorted(result.picks, key=lambda p: -p.value)]
    assert values[-1] >= 0.01  # nothing worth less than MIN_GAIN is asked


def test_a_studied_item_competes_from_the_day_after_its_study() -> None:
    """Studying is an exposure: the item has a memory, and its first answer is worth more
    than reviewing an item that is still well remembered (it used to wait behind every
    due item, and under a small budget it never came)."""
    studied = NOW - dt.timedelta(days=1)
    history = History(
        items=(ItemInfo(1, 1), ItemInfo(2, 1)),
        studies=(Study(1, studied),),
        states={2: memory(days_ago=3, stability=20)},
    )
    known = memories(history, MODEL)
    assert known[1].reps == 0 and 0.8 < MODEL.recall(known[1], NOW) < 0.95
    result = practice_set(history, settings=SETTINGS, zone="UTC", now=NOW, model=MODEL, minutes=1)
    assert ids(result)[0] == 1 and result.picks[0].reason is Reason.NEW


def test_items_studied_together_get_the_memory_each_would_get_alone() -> None:
    """One replay serves every item a study moment left without answers: the memory is
    the same as replaying each item's own history, and an answered item keeps its own."""
    lesson_a, lesson_b = NOW - dt.timedelta(days=3), NOW - dt.timedelta(hours=5)
    studies = tuple(Study(i, lesson_a if i < 20 else lesson_b) for i in range(40))
    answers = (Answer(3, NOW - dt.timedelta(days=1), Rating.AGAIN, 9000, "r1"),)
    history = History(items=(), studies=studies, answers=answers)
    known = memories(history, MODEL)
    for study in studies:
        own = [Review(study.at, Rating.GOOD, "", exposure=True)]
        if study.item_id == 3:
            own.append(Review(answers[0].answered_at, Rating.AGAIN, "r1"))
        assert known[study.item_id] == MODEL.replay(own)
    assert known[3] != known[4] and known[4] == known[19] != known[20]


def test_the_session_fits_the_minutes_at_the_learners_pace() -> None:
    states = {i: memory(days_ago=20 + i, stability=4) for i in range(100)}
    slow = tuple(
        Answer(0, NOW - dt.timedelta(days=1, minutes=i), Rating.GOOD, 40_000) for i in range(10)
    )
    assert len(decide(states, minutes=3).picks) == 9  # 20 s an item by default
    result = decide(states, minutes=3, answers=slow)
    assert len(result.picks) == 4 and result.seconds_per_item == 40.0
    assert result.due_now == 100 and result.held_back == 96


def test_a_backlog_is_worked_off_most_valuable_first_within_the_day() -> None:
    backlog = {i: memory(days_ago=20 + i, stability=4) for i in range(200)}
    first = decide(backlog, minutes=5)
    assert len(first.picks) == 15  # the session, however large the backlog
    chosen = sorted(first.picks, key=lambda p: -p.value)
    others = set(backlog) - set(ids(first))
    # No item left out is worth more than one taken.
    worst_taken = chosen[-1].value
    assert all(
        practice_set(
            History(items=(ItemInfo(i, 0),), states={i: backlog[i]}),
            settings=SETTINGS,
            zone="UTC",
            now=NOW,
            model=MODEL,
            minutes=1,
        )
        .picks[0]
        .value
        <= worst_taken + 1e-9
        for i in list(others)[:20]
    )
    done = tuple(Answer(0, NOW - dt.timedelta(minutes=m), Rating.GOOD) for m in range(60))
    assert decide(backlog, answers=done).picks == ()  # today's 60 reviews are done


def test_new_items_respect_the_days_allowance() -> None:
    two_days_ago = Review(NOW - dt.timedelta(days=2), Rating.GOOD, exposure=True)
    studied = {i: MODEL.review(None, two_days_ago) for i in range(8)}
    settings = Settings(new_items_per_day=3)
    history = History(items=tuple(ItemInfo(i, 1, position=i) for i in studied), states=studied)
    result = practice_set(history, settings=settings, zone="UTC", now=NOW, model=MODEL, minutes=5)
    assert len(result.picks) == 3 and {p.reason for p in result.picks} == {Reason.NEW}
    # Two started today already (all their answers are today's): one more.
    hour_ago = NOW - dt.timedelta(hours=1)
    started = dict(studied)
    for i in (0, 1):
        started[i] = MODEL.review(studied[i], Review(hour_ago, Rating.GOOD))
    answers = (Answer(0, hour_ago, Rating.GOOD), Answer(1, hour_ago, Rating.GOOD))
    again = practice_set(
        History(items=history.items, states=started, answers=answers),
        settings=settings,
        zone="UTC",
        now=NOW,
        model=MODEL,
        minutes=5,
    )
    assert sum(p.reason is Reason.NEW for p in again.picks) == 1


def test_importance_breaks_equal_forgetting() -> None:
    states = {1: memory(days_ago=30, stability=5), 2: memory(days_ago=30, stability=5)}
    items = (ItemInfo(1, 1), ItemInfo(2, 2, weight=1.5))
    result = decide(states, items=items, minutes=0.2)
    assert ids(result) == [2]


def test_a_deadline_makes_an_item_worth_practising_before_it() -> None:
    # Recall today is above target, but by the audit in 20 days it would be far below.
    audit = NOW + dt.timedelta(days=20)
    states = {1: memory(days_ago=1, stability=4), 2: memory(days_ago=1, stability=4)}
    items = (ItemInfo(1, 1, deadline=audit), ItemInfo(2, 2))
    [first, *_] = decide(states, items=items).picks
    assert first.item_id == 1 and first.reason is Reason.DEADLINE and first.recall >= 0.9


def test_no_item_twice_and_nothing_never_met() -> None:
    states = {7: memory(days_ago=30, stability=5)}
    items = (ItemInfo(7, 1), ItemInfo(7, 1), ItemInfo(8, 1))  # 8: lesson not studied yet
    assert ids(decide(states, items=items)) == [7]


def test_states_given_or_replayed_decide_the_same() -> None:
    studied = NOW - dt.timedelta(days=6)
    answers = tuple(
        Answer(
            i,
            studied + dt.timedelta(days=2, minutes=i),
            Rating.GOOD if i % 2 else Rating.AGAIN,
            15_000,
            f"a{i}",
        )
        for i in range(6)
    )
    studies = tuple(Study(i, studied) for i in range(8))
    items = tuple(ItemInfo(i, i % 2, position=i) for i in range(8))
    replayed = History(items=items, studies=studies, answers=answers)
    cached = History(
        items=items, studies=studies, answers=answers, states=memories(replayed, MODEL)
    )
    one = practice_set(replayed, settings=SETTINGS, zone="UTC", now=NOW, model=MODEL)
    two = practice_set(cached, settings=SETTINGS, zone="UTC", now=NOW, model=MODEL)
    assert one == two and one.picks


def test_interleave_keeps_each_modules_order() -> None:
    picks = [Pick(i, m, Reason.DUE, 0.5, 0.1) for i, m in [(1, 1), (2, 1), (3, 1), (4, 2), (5, 3)]]
    assert [p.item_id for p in interleave(picks)] == [1, 4, 5, 2, 3]
