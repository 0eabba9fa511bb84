"""Plain values the scheduler takes and returns. Frozen: decisions never mutate inputs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import IntEnum


class Rating(IntEnum):
    """How well an item was recalled (FSRS's four grades)."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


class Phase(IntEnum):
    """Where an item is in its life: first steps, spaced review, or relearning after a lapse."""

    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


@dataclass(frozen=True, slots=True)
class Review:
    """One answer. ``review_id`` (the client's id) breaks ties between equal timestamps.

    An ``exposure`` is studying the item's lesson: the memory model takes it as a first
    encounter rated Good, but it is no practice (``reps`` and ``lapses`` do not count it).
    """

    answered_at: dt.datetime
    rating: Rating
    review_id: str = ""
    exposure: bool = False


@dataclass(frozen=True, slots=True)
class Memory:
    """The memory state of one learner for one item, as the ordered review log makes it."""

    stability: float  # days until recall falls to 90 %
    difficulty: float  # 1 (easy) to 10 (hard)
    phase: Phase
    step: int | None  # learning/relearning step, None in review
    last_review: dt.datetime
    due: dt.datetime  # when recall falls to the model's target retention
    reps: int  # answers (studying the lesson is not one)
    lapses: int
