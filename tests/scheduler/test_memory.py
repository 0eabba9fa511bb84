from __future__ import annotations

import datetime as dt
import itertools

import fsrs
import pytest

from scheduler.memory import DEFAULT_WEIGHTS, MemoryModel, is_mature
from scheduler.types import Phase, Rating, Review

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
MODEL = MemoryModel()


def at(days: float) -> dt.datetime:
    return T0 + dt.timedelta(days=days)


def test_first_answers_start_from_the_fsrs_initial_stabilities() -> None:
    # FSRS-6: the initial stability of a first rating r is weight r-1.
    for rating, weight in zip(Rating, DEFAULT_WEIGHTS[:4], strict=True):
        memory = MODEL.review(None, Review(T0, rating))
        assert memory.stability == pytest.approx(weight)
        assert memory.reps == 1 and memory.lapses == 0


def test_stability_is_the_time_to_ninety_percent() -> None:
    assert MODEL.days_until(10.0, 0.9) == pytest.approx(10.0)
    assert MODEL.recall_after(10.0, 10.0) == pytest.approx(0.9)
    assert MODEL.days_until(10.0, 0.8) > 10.0 > MODEL.days_until(10.0, 0.95)


def test_intervals_grow_after_good_answers() -> None:
    memory = MODEL.review(None, Review(T0, Rating.GOOD))
    memory = MODEL.review(memory, Review(at(0.01), Rating.GOOD))  # second learning step
    assert memory.phase is Phase.REVIEW
    intervals = []
    for _ in range(5):
        due = MODEL.next_review_at(memory, 0.9)
        intervals.append((due - memory.last_review).total_seconds() / 86_400)
        memory = MODEL.review(memory, Review(due, Rating.GOOD))
    assert intervals == sorted(intervals) and intervals[-1] > 3 * intervals[0]
    assert is_mature(memory)


def test_a_lapse_shrinks_stability_and_counts() -> None:
    memory = MODEL.replay([Review(at(d), Rating.GOOD) for d in (0, 0.01, 3, 12)])
    assert memory is not None and memory.phase is Phase.REVIEW
    lapsed = MODEL.review(memory, Review(at(40), Rating.AGAIN))
    assert lapsed.stability < memory.stability / 2
    # No relearning steps (a session is chosen whole): the item stays in review, due
    # again when its short stability says, in days, not minutes.
    assert lapsed.lapses == 1 and lapsed.phase is Phase.REVIEW
    due_in = MODEL.next_review_at(lapsed, 0.9) - lapsed.last_review
    assert dt.timedelta(hours=12) < due_in < dt.timedelta(days=10)
    assert lapsed.due == MODEL.next_review_at(lapsed, 0.9)


def test_studying_is_an_exposure_not_a_practice() -> None:
    studied = MODEL.review(None, Review(at(0), Rating.GOOD, exposure=True))
    assert studied.reps == 0 and studied.lapses == 0 and studied.stability > 1
    forgot = MODEL.review(studied, Review(at(3), Rating.AGAIN))
    assert forgot.reps == 1 and forgot.lapses == 1  # forgetting what one studied


def test_every_arrival_order_gives_the_same_state() -> None:
    reviews = [
        Review(at(0), Rating.GOOD, "a"),
        Review(at(0.01), Rating.AGAIN, "b"),
        Review(at(2.5), Rating.GOOD, "c"),
        Review(at(2.5), Rating.HARD, "d"),  # same instant: the id decides
        Review(at(9), Rating.EASY, "e"),
    ]
    states = {MODEL.replay(order) for order in itertools.permutations(reviews)}
    assert len(states) == 1


def test_a_late_review_changes_the_state_as_if_it_had_arrived_in_time() -> None:
    on_time = [Review(at(0), Rating.GOOD, "a"), Review(at(5), Rating.AGAIN, "b")]
    late = Review(at(2), Rating.GOOD, "late")
    without = MODEL.replay(on_time)
    with_late = MODEL.replay([*on_time, late])
    assert with_late != without
    assert with_late == MODEL.replay([on_time[0], late, on_time[1]])
    with pytest.raises(ValueError, match="replay"):
        MODEL.review(without, late)


def test_recall_counts_fractional_days() -> None:
    memory = MODEL.review(None, Review(T0, Rating.GOOD))
    twenty_hours = T0 + dt.timedelta(hours=20)
    ours = MODEL.recall(memory, twenty_hours)
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    card = fsrs.Card(
        card_id=1,
        state=fsrs.State.Review,
        stability=memory.stability,
        difficulty=memory.difficulty,
        last_review=T0,
        due=T0,
    )
    assert scheduler.get_card_retrievability(card, twenty_hours) == 1.0  # fsrs: whole days
    assert 0.9 < ours < 0.99


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        MODEL.review(None, Review(dt.datetime(2026, 1, 5, 9), Rating.GOOD))


def test_higher_retention_targets_review_sooner() -> None:
    memory = MODEL.replay([Review(at(d), Rating.GOOD) for d in (0, 0.01, 3)])
    assert memory is not None
    strict = MODEL.next_review_at(memory, 0.95)
    relaxed = MODEL.next_review_at(memory, 0.8)
    assert strict < relaxed
    assert MODEL.recall(memory, strict) == pytest.approx(0.95)


def test_extending_a_state_is_replaying_the_whole_log() -> None:
    """Later reviews applied to the state the earlier ones made give the replay of all of
    them; a review not later than the state (offline, or at the same moment) is refused."""
    earlier = [
        Review(T0, Rating.GOOD, exposure=True),
        Review(T0 + dt.timedelta(days=1), Rating.AGAIN, "a"),
        Review(T0 + dt.timedelta(days=3), Rating.GOOD, "b"),
    ]
    later = [
        Review(T0 + dt.timedelta(days=12), Rating.GOOD, "d"),
        Review(T0 + dt.timedelta(days=7), Rating.HARD, "c"),
    ]
    state = MODEL.replay(earlier)
    assert state is not None
    assert MODEL.extend(state, later) == MODEL.replay(earlier + later)
    assert MODEL.extend(state, [Review(T0 + dt.timedelta(days=2), Rating.GOOD, "x")]) is None
    assert MODEL.extend(state, [Review(T0 + dt.timedelta(days=3), Rating.GOOD, "x")]) is None
    assert MODEL.extend(state, []) is None
